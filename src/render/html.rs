//! The HTML pages, built with askama from `templates/` (one template per page kind). Every name
//! comes from pushed data, so everything is escaped by the templates.

use askama::Template;

use super::view::{GroupView, PackageRow, PersonView};

/// What every page's layout shows.
#[derive(Hash)]
pub struct Page<'a> {
    /// Borrowed where it is a name the view holds (one package's page of 100,000).
    pub title: std::borrow::Cow<'a, str>,
    pub distribution: &'a str,
    /// `""` for pages at the top, `"../"` for pages one directory down.
    pub root: &'static str,
    /// The rendered commit, named in the footer of the pages that sum up the whole commit;
    /// `None` on the page of one package, person or group, so that a commit that does not
    /// touch it leaves it byte for byte as it was (and a render can keep it).
    pub commit: Option<&'a str>,
    /// Whether the site tracks bugs (suites.toml or tracks exist): the tracker's links show
    /// only then.
    pub tracker: bool,
}

impl Page<'_> {
    /// The window's title: the page's own, then the site's; the front page, whose title is
    /// the distribution, says it once.
    pub fn head_title(&self) -> String {
        if self.title == self.distribution {
            format!("{} maintainers", self.distribution)
        } else {
            format!("{} · {} maintainers", self.title, self.distribution)
        }
    }
}

#[derive(Template, Hash)]
#[template(path = "packages.html")]
pub struct PackagesPage<'a> {
    pub page: Page<'a>,
    pub shards: Vec<String>,
    pub rows: Vec<&'a PackageRow>,
}

#[derive(Template, Hash)]
#[template(path = "package.html")]
pub struct PackagePage<'a> {
    pub page: Page<'a>,
    pub row: &'a PackageRow,
    /// Who maintained it, from when to when.
    pub stints: &'a [super::stats::Stint],
    pub bug: Option<String>,
    pub tracks: Vec<&'a super::track_view::TrackView>,
    /// `take` or `drop`, offered to a signed-in user by `serve` (never in rendered files).
    pub action: Option<&'static str>,
    /// The signed-in user `serve` shows the page to, who may sign out.
    pub user: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "people.html")]
pub struct PeoplePage<'a> {
    pub page: Page<'a>,
    pub people: Vec<&'a PersonView>,
}

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage<'a> {
    pub page: Page<'a>,
    pub person: &'a PersonView,
    /// Their package count over time, as inline SVG ("" without history).
    pub sparkline: String,
    pub since: &'a str,
    pub until: &'a str,
}

#[derive(Template)]
#[template(path = "stats.html")]
pub struct StatsPage<'a> {
    pub page: Page<'a>,
    /// `(day, packages, unmaintained)` for each day either changed.
    pub days: Vec<(&'a str, i64, i64)>,
    pub packages_now: i64,
    pub unmaintained_now: i64,
    pub last_day: &'a str,
    pub over_time: String,
    pub monthly: &'a [super::stats::Month],
    pub monthly_svg: String,
    pub recent_days: i64,
    pub takers: &'a [super::stats::Taker],
    pub takers_svg: String,
    pub tracking: Option<&'a super::stats::Tracking>,
    pub releases_svg: String,
}

#[derive(Template)]
#[template(path = "groups.html")]
pub struct GroupsPage<'a> {
    pub page: Page<'a>,
    pub groups: Vec<&'a GroupView>,
}

#[derive(Template, Hash)]
#[template(path = "group.html")]
pub struct GroupPage<'a> {
    pub page: Page<'a>,
    pub group: &'a GroupView,
}

/// One changelog line, ready to show.
pub struct EventRow {
    pub date: String,
    pub sentence: String,
    pub author: String,
    pub short: String,
}

#[derive(Template)]
#[template(path = "changelog.html")]
pub struct ChangelogPage<'a> {
    pub page: Page<'a>,
    pub events: Vec<EventRow>,
}
