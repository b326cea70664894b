//! One commit's site, addressable by path: `render` writes every path it lists, `serve`
//! answers one path at a time from the same code, so a page served and a page rendered are
//! the same bytes. Building a `Site` computes the views once; each page is made on demand.

use std::borrow::Cow;
use std::collections::HashMap;

use askama::Template;
use rayon::prelude::*;

use super::html::{self, EventRow, Page};
use super::output::html;
pub use super::output::{Kind, Rendered, Shared};
use super::process::{self, Doc};
use super::tracker::{self, TrackView};
use super::view::{self, View};
use super::{CHANGELOG_EVENTS, Input, RenderError, keys, rss, text};
use crate::history::CommitEvents;

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    page: Page<'a>,
    packages: usize,
    unmaintained: usize,
    people: usize,
    groups: usize,
    tracks: usize,
}

/// Everything one commit renders to.
pub struct Site {
    /// The top-level pages already made (the big lists), for answering them again.
    memo: std::sync::Mutex<HashMap<String, std::sync::Arc<Shared>>>,
    commit: String,
    link: String,
    view: std::sync::Arc<View>,
    /// The page of `nobody` shows the unmaintained packages as a person's.
    nobody: view::PersonView,
    history: std::sync::Arc<Vec<CommitEvents>>,
    tracks: Vec<TrackView>,
    tracks_of: HashMap<String, Vec<usize>>,
    process: Vec<Doc>,
    stats: std::sync::Arc<super::stats::Stats>,
    /// The tracking figures, when there are tracks.
    tracking: Option<super::stats::Tracking>,
    /// Whether the site tracks bugs at all (suites.toml or tracks exist): a site that does not
    /// shows no tracker and no process pages.
    tracker: bool,
}

/// The page of one package, person, group or shard, as the inputs it is made from: their
/// [`keys::key`] is the same exactly when the page's bytes are.
#[derive(Hash)]
pub enum Named<'a> {
    /// What `maintainer/.unknown` holds: nothing.
    Empty,
    /// `maintainer/<package>`: the package's first login.
    Login(&'a str),
    /// `packages/<name>.txt`: the package's line of packages.txt.
    Line(&'a view::PackageRow),
    /// `people/<login>.txt`: the person's packages.
    PersonText(&'a str, &'a [String]),
    /// `groups/<group>.txt`: the group's packages.
    GroupText(&'a str, &'a [String]),
    Package(html::PackagePage<'a>),
    Person(PersonInputs<'a>),
    Group(html::GroupPage<'a>),
    Shard(html::PackagesPage<'a>),
}

/// What a person's page is made from: their series, not the sparkline drawn from it (a render
/// keys every person's page, and draws only the pages it makes).
#[derive(Hash)]
pub struct PersonInputs<'a> {
    page: Page<'a>,
    person: &'a view::PersonView,
    /// Their package count over time.
    series: Option<&'a super::stats::Series>,
    /// The last day of the history.
    until: &'a str,
}

impl<'a> PersonInputs<'a> {
    fn page(self) -> html::PersonPage<'a> {
        let person = self.person;
        html::PersonPage {
            page: self.page,
            person,
            sparkline: self.series.map_or_else(String::new, |s| {
                super::charts::sparkline(&format!("{}'s packages over time", person.login), s)
            }),
            since: self
                .series
                .and_then(|s| s.first())
                .map_or("", |x| x.0.as_str()),
            until: self.until,
        }
    }
}

impl Named<'_> {
    pub fn key(&self) -> keys::Key {
        keys::key(self)
    }

    pub fn render(self, path: &str) -> Result<Rendered, RenderError> {
        let text = |bytes: Vec<u8>| Ok(Rendered::new(Kind::Text, bytes));
        let page = match self {
            Named::Empty => return text(Vec::new()),
            Named::Login(login) => return text(format!("{login}\n").into_bytes()),
            Named::Line(row) => return text(format!("{}\n", text::package_line(row)).into_bytes()),
            Named::PersonText(login, packages) => return text(text::person(login, packages)),
            Named::GroupText(name, packages) => return text(text::group(name, packages)),
            Named::Package(p) => html(path, &p)?,
            Named::Person(p) => html(path, &p.page())?,
            Named::Group(p) => html(path, &p)?,
            Named::Shard(p) => html(path, &p)?,
        };
        Ok(page.expect("a template renders to a page"))
    }
}

fn events(history: &[CommitEvents]) -> Vec<EventRow> {
    history
        .iter()
        .flat_map(|c| {
            let date = gix::date::Time {
                seconds: c.time,
                offset: c.offset,
            }
            .format_or_unix(gix::date::time::format::ISO8601);
            c.events.iter().map(move |e| EventRow {
                date: date.clone(),
                sentence: e.sentence(),
                author: c.author.clone(),
                short: c.short().to_owned(),
            })
        })
        .take(CHANGELOG_EVENTS)
        .collect()
}

/// The empty body of `/<unknown package>`, for a static web server's 404 (see the README).
const UNKNOWN_PACKAGE: &str = ".unknown";

/// The lists also written under `data/`, where Mageia's pkgsubmit reads them.
const DATA: [&str; 2] = ["maintdb.txt", "unmaintained.txt"];

/// The lists of the whole commit, by path: megabytes each for a big distribution, which a
/// render writes to their files as they are made ([`Site::write_list`]) instead of first
/// into fresh memory of their size.
const LISTS: [(&str, Kind); 11] = [
    ("packages.txt", Kind::Text),
    ("maintdb.txt", Kind::Text),
    ("data/maintdb.txt", Kind::Text),
    ("unmaintained.txt", Kind::Text),
    ("data/unmaintained.txt", Kind::Text),
    ("people.txt", Kind::Text),
    ("packages.json", Kind::Json),
    ("packages.html", Kind::Html),
    ("people.html", Kind::Html),
    ("groups.html", Kind::Html),
    ("changelog.rss", Kind::Rss),
];

/// The kind of the list at `path`, when it is one.
pub fn list(path: &str) -> Option<Kind> {
    LISTS.iter().find(|(p, _)| *p == path).map(|(_, k)| *k)
}

impl Site {
    pub fn new(input: &Input<'_>) -> Site {
        Site::with_view(input, std::sync::Arc::new(View::new(input.db)))
    }

    /// The site of `input` with its records' `view` made already (`View::new(input.db)`).
    pub fn with_view(input: &Input<'_>, view: std::sync::Arc<View>) -> Site {
        let tracks = tracker::views(input.db, input.timelines);
        let mut tracks_of: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in tracks.iter().enumerate() {
            tracks_of.entry(t.package.clone()).or_default().push(i);
        }
        let tracker = !input.db.suites.is_empty() || !tracks.is_empty();
        Site {
            tracker,
            nobody: view::PersonView {
                login: crate::names::NOBODY.to_owned(),
                name: "Unmaintained packages".to_owned(),
                direct: view.unmaintained.clone(),
                ..Default::default()
            },
            memo: std::sync::Mutex::new(HashMap::new()),
            commit: input.commit.to_owned(),
            link: input.db.config.base_url.clone().unwrap_or_default(),
            view,
            history: std::sync::Arc::clone(&input.history),
            tracking: (!tracks.is_empty()).then(|| {
                let released = tracks
                    .iter()
                    .flat_map(|t| t.suites.iter().filter_map(|s| s.released_in.as_deref()));
                super::stats::tracking(released, input.timelines)
            }),
            tracks,
            tracks_of,
            process: process::with_shipped(input.process),
            stats: std::sync::Arc::clone(&input.stats),
        }
    }

    /// The commit this site is of.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// Every path `render` writes.
    pub fn paths(&self) -> Paths {
        let v = &self.view;
        // Room for the pages of every package, person and group (three and two paths each,
        // with their folders and extensions) and a few hundred bytes of the rest: the text of
        // a quarter of a million paths, not grown by copies.
        fn names<'a>(n: impl Iterator<Item = &'a String>) -> usize {
            n.map(String::len).sum()
        }
        let bytes = 3 * names(v.packages.iter().map(|r| &r.name))
            + 38 * v.packages.len()
            + 2 * (names(v.people.keys()) + names(v.groups.keys()))
            + 23 * (v.people.len() + v.groups.len())
            + 1024;
        let count = 3 * v.packages.len() + 2 * (v.people.len() + v.groups.len()) + 64;
        let mut out = Paths {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
            packages_from: 0,
        };
        for p in [
            "index.html",
            "style.css",
            "search.js",
            "packages.txt",
            "maintdb.txt",
            "unmaintained.txt",
            "people.txt",
            "changes.txt",
            "packages.json",
            "packages.html",
            "people.html",
            "people/nobody.txt",
            "people/nobody.html",
            "groups.html",
            "changelog.html",
            "changelog.rss",
            "stats.html",
            "stats.json",
        ] {
            out.push(&[p]);
        }
        for p in DATA {
            out.push(&["data/", p]);
        }
        out.push(&["maintainer/", UNKNOWN_PACKAGE]);
        for s in v.by_shard.keys() {
            out.push(&["packages_", s, ".html"]);
        }
        out.packages_from = out.len();
        for r in &v.packages {
            out.push(&["packages/", &r.name, ".txt"]);
            out.push(&["packages/", &r.name, ".html"]);
            out.push(&["maintainer/", &r.name]);
        }
        for l in v.people.keys() {
            out.push(&["people/", l, ".txt"]);
            out.push(&["people/", l, ".html"]);
        }
        for g in v.groups.keys() {
            out.push(&["groups/", g, ".txt"]);
            out.push(&["groups/", g, ".html"]);
        }
        if self.tracker {
            for p in tracker::paths(&self.tracks)
                .iter()
                .chain(&process::paths(&self.process))
            {
                out.push(&[p]);
            }
        }
        out
    }

    fn page<'a>(&'a self, title: impl Into<Cow<'a, str>>, root: &'static str) -> Page<'a> {
        Page {
            title: title.into(),
            distribution: &self.view.distribution,
            root,
            commit: Some(&self.commit),
            tracker: self.tracker,
        }
    }

    /// The layout of shard `s`'s page.
    fn shard_layout(&self, s: &str) -> Page<'_> {
        self.own_page(format!("Packages: {s}"), "")
    }

    /// The layout of a [`Named`] page: it does not name the commit.
    fn own_page<'a>(&'a self, title: impl Into<Cow<'a, str>>, root: &'static str) -> Page<'a> {
        Page {
            commit: None,
            ..self.page(title, root)
        }
    }

    /// Like [`Site::get`], but a top-level page (the big lists) is made once and then handed
    /// out again: what a server answering the same lists all day wants.
    pub fn get_shared(&self, path: &str) -> Result<Option<std::sync::Arc<Shared>>, RenderError> {
        // pkgsubmit's copies are the same bytes.
        let path = path
            .strip_prefix("data/")
            .filter(|p| DATA.contains(p))
            .unwrap_or(path);
        let top = !path.contains('/');
        if top
            && let Some(hit) = self
                .memo
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(path)
        {
            return Ok(Some(std::sync::Arc::clone(hit)));
        }
        let Some(r) = self.get(path)? else {
            return Ok(None);
        };
        let shared = std::sync::Arc::new(Shared {
            kind: r.kind,
            bytes: bytes::Bytes::from(r.bytes),
        });
        if top {
            self.memo
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path.to_owned(), std::sync::Arc::clone(&shared));
        }
        Ok(Some(shared))
    }

    /// The bytes at `path`, or `None` when the site has no such path.
    pub fn get(&self, path: &str) -> Result<Option<Rendered>, RenderError> {
        if let Some(kind) = list(path) {
            let mut bytes = Vec::new();
            self.write_list(path, &mut bytes)
                .map_err(|source| RenderError::Io {
                    path: path.into(),
                    source,
                })?;
            return Ok(Some(Rendered::new(kind, bytes)));
        }
        let v = &self.view;
        let page = |title: String, root: &'static str| self.page(title, root);
        let out = match path {
            "index.html" => html(
                path,
                &IndexPage {
                    page: page(v.distribution.clone(), ""),
                    packages: v.packages.len(),
                    unmaintained: v.unmaintained.len(),
                    people: v.people.len(),
                    groups: v.groups.len(),
                    tracks: self.tracks.iter().filter(|t| t.archive.is_none()).count(),
                },
            )?,
            "style.css" => Some(Rendered::new(
                Kind::Css,
                include_bytes!("../../templates/style.css").to_vec(),
            )),
            "search.js" => Some(Rendered::new(
                Kind::Js,
                include_bytes!("../../templates/search.js").to_vec(),
            )),
            "changes.txt" => Rendered::text(text::changes(v, &self.history)),
            "changelog.html" => html(
                path,
                &html::ChangelogPage {
                    page: page("Changes".into(), ""),
                    events: events(&self.history),
                },
            )?,
            "stats.html" => html(
                path,
                &super::stats_page::page(
                    self.page("Trends", ""),
                    &self.stats,
                    self.tracking.as_ref(),
                ),
            )?,
            "stats.json" => Some(Rendered::new(
                Kind::Json,
                self.stats.json(self.tracking.as_ref()),
            )),
            _ => return self.get_named(path),
        };
        Ok(out)
    }

    /// Writes the list at `path` (one of [`list`]'s) to `out` as it is made.
    pub fn write_list(&self, path: &str, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let v = &self.view;
        let page = |title: &'static str| self.page(title, "");
        match path {
            "packages.txt" => text::packages(v, out),
            // pkgsubmit's paths (`data/`) beside the top-level ones.
            "maintdb.txt" | "data/maintdb.txt" => text::maintdb_txt(v, out),
            "unmaintained.txt" | "data/unmaintained.txt" => text::unmaintained(v, out),
            "people.txt" => text::people(v, out),
            "packages.json" => {
                /// Serialized from the view in place: a `serde_json::Value` of it would
                /// copy every row first.
                #[derive(serde::Serialize)]
                struct Document<'a> {
                    commit: &'a str,
                    view: &'a View,
                }
                let doc = Document {
                    commit: &self.commit,
                    view: v,
                };
                serde_json::to_writer(&mut *out, &doc)?;
                out.write_all(b"\n")
            }
            "packages.html" => html::PackagesPage {
                page: page("Packages"),
                shards: v.shards(),
                rows: v.packages.iter().collect(),
            }
            .write_into(out),
            "people.html" => html::PeoplePage {
                page: page("People"),
                people: v.people.values().collect(),
            }
            .write_into(out),
            "groups.html" => html::GroupsPage {
                page: page("Groups"),
                groups: v.groups.values().collect(),
            }
            .write_into(out),
            "changelog.rss" => rss::write(
                &format!("{} maintainers: changes", v.distribution),
                &self.link,
                &self.history,
                out,
            ),
            _ => Err(std::io::Error::other(format!("{path} is not a list"))),
        }
    }

    /// What a person's page is made from; [`PersonInputs::page`] draws it, sparkline and all.
    fn person_page<'a>(&'a self, person: &'a view::PersonView) -> PersonInputs<'a> {
        let series = if person.login == crate::names::NOBODY {
            Some(&self.stats.unmaintained)
        } else {
            self.stats.people.get(&person.login)
        };
        PersonInputs {
            page: self.own_page(person.login.as_str(), "../"),
            person,
            series,
            until: self.stats.packages.last().map_or("", |x| x.0.as_str()),
        }
    }

    /// The paths that name a package, person, group, shard, track or document.
    fn get_named(&self, path: &str) -> Result<Option<Rendered>, RenderError> {
        let page = |title: String, root: &'static str| self.page(title, root);
        if self.tracker {
            if let Some(found) = tracker::get(path, &page, &self.tracks, &self.commit)? {
                return Ok(Some(found));
            }
            if let Some(found) = process::get(path, &page, &self.process)? {
                return Ok(Some(found));
            }
        }
        self.named(path).map(|n| n.render(path)).transpose()
    }

    /// The inputs of the page at `path` when it is the page of one package, person, group or
    /// shard: what a render compares with the last generation's to keep the page.
    pub fn named(&self, path: &str) -> Option<Named<'_>> {
        let v = &self.view;
        if let Some(s) = shard_of(path) {
            let rows = v.shard_rows(s);
            if rows.is_empty() {
                return None;
            }
            return Some(Named::Shard(html::PackagesPage {
                page: self.shard_layout(s),
                shards: v.shards(),
                rows,
            }));
        }
        let (dir, file) = path.split_once('/')?;
        if dir == "maintainer" {
            // What `/<package>` answers (mgarepo, iurt), as a file a static web server serves;
            // `.unknown`, what it answers (with a 404) for a package there is not.
            if file == UNKNOWN_PACKAGE {
                return Some(Named::Empty);
            }
            return Some(Named::Login(View::first_login(self.package(file)?)));
        }
        let (name, ext) = file.rsplit_once('.')?;
        let txt = match ext {
            "txt" => true,
            "html" => false,
            _ => return None,
        };
        match dir {
            "packages" => {
                let row = self.package(name)?;
                Some(if txt {
                    Named::Line(row)
                } else {
                    Named::Package(self.package_page(row, None, None))
                })
            }
            "people" if name == crate::names::NOBODY => Some(if txt {
                Named::PersonText(crate::names::NOBODY, &v.unmaintained)
            } else {
                Named::Person(self.person_page(&self.nobody))
            }),
            "people" => {
                let (login, p) = v.people.get_key_value(name)?;
                Some(if txt {
                    Named::PersonText(login, &p.direct)
                } else {
                    Named::Person(self.person_page(p))
                })
            }
            "groups" => {
                let (name, g) = v.groups.get_key_value(name)?;
                Some(if txt {
                    Named::GroupText(name, &g.packages)
                } else {
                    Named::Group(html::GroupPage {
                        page: self.own_page(format!("%{name}"), "../"),
                        group: g,
                    })
                })
            }
            _ => None,
        }
    }

    /// The key of what every package's page shows beside the package's own record and
    /// history: the layout, the bug links and the tracks.
    pub fn shared_key(&self) -> keys::Key {
        keys::key(&(self.own_page("", "../"), &self.view.bug_url, &self.tracks))
    }

    /// What the pages of this site are keyed by. Each package is keyed once, from its row,
    /// with no lookup by name; or, with a `reference` (the keys of a generation whose origin
    /// has this site's [`Site::shared_key`], and the packages that may have changed since its
    /// commit), a package not among those keeps the key the generation has for it.
    pub fn input_keys(
        &self,
        paths: &Paths,
        reference: Option<(&keys::Keys, std::collections::HashSet<String>)>,
    ) -> InputKeys<'_> {
        let package = self
            .view
            .packages
            .par_iter()
            .enumerate()
            .map(|(j, row)| {
                let i = paths.first_of_package(j);
                reference
                    .as_ref()
                    .filter(|(_, changed)| !changed.contains(&row.name))
                    .and_then(|(old, _)| old.get(i, paths.get(i)))
                    .unwrap_or_else(|| Named::Package(self.package_page(row, None, None)).key())
            })
            .collect();
        InputKeys {
            site: self,
            package,
        }
    }

    fn package_page<'a>(
        &'a self,
        row: &'a view::PackageRow,
        action: Option<&'static str>,
        user: Option<&'a str>,
    ) -> html::PackagePage<'a> {
        let tracks = self
            .tracks_of
            .get(&row.name)
            .map(|is| is.iter().map(|i| &self.tracks[*i]).collect())
            .unwrap_or_default();
        html::PackagePage {
            page: self.own_page(row.name.as_str(), "../"),
            row,
            stints: self.stats.stints(&row.name),
            bug: self.view.bug_link(&row.name),
            tracks,
            action,
            user,
        }
    }

    /// A package's page as `login` sees it: with a `take` button when nobody maintains it,
    /// or a `drop` button when `login` does.
    pub fn package_page_for(
        &self,
        name: &str,
        login: &str,
    ) -> Result<Option<Rendered>, RenderError> {
        let Some(row) = self.package(name) else {
            return Ok(None);
        };
        let action = if row.maintainers.is_empty() {
            Some("take")
        } else if row.maintainers.iter().any(|m| m == login) {
            Some("drop")
        } else {
            None
        };
        html(name, &self.package_page(row, action, Some(login)))
    }

    /// A person's packages, by login; none for a login that maintains nothing.
    pub fn person(&self, login: &str) -> Option<&view::PersonView> {
        self.view.people.get(login)
    }

    /// A package's row, by name.
    pub fn package(&self, name: &str) -> Option<&view::PackageRow> {
        self.view.package(name)
    }
}

/// The keys of a site's [`Named`] pages.
pub struct InputKeys<'a> {
    site: &'a Site,
    /// Each package's, in the order of the view's rows.
    package: Vec<keys::Key>,
}

impl InputKeys<'_> {
    /// The key of the `i`-th of `paths` when it is a [`Named`] page: what [`Named::key`] says
    /// of it, except that a package's three pages share the key of its HTML page (whose
    /// inputs hold those of its line and of its login).
    pub fn of(&self, paths: &Paths, i: usize) -> Option<keys::Key> {
        if let Some(j) = paths.package_of(i, self.package.len()) {
            return Some(self.package[j]);
        }
        let rel = paths.get(i);
        match shard_of(rel) {
            Some(s) => self.shard(s),
            None => self.site.named(rel).as_ref().map(Named::key),
        }
    }

    /// The key of shard `s`'s page: its layout, the shards, and the keys of its packages in
    /// order (a package's key covers its row, so the same keys are the same rows). Its
    /// twenty thousand rows are not hashed again, string by string.
    fn shard(&self, s: &str) -> Option<keys::Key> {
        struct Inputs<'a> {
            page: Page<'a>,
            shards: Vec<String>,
            rows: &'a [u32],
            package: &'a [keys::Key],
        }
        impl std::hash::Hash for Inputs<'_> {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                self.page.hash(h);
                self.shards.hash(h);
                h.write_usize(self.rows.len());
                for &j in self.rows {
                    self.package[j as usize].hash(h);
                }
            }
        }
        let v = &self.site.view;
        let rows = v.by_shard.get(s).filter(|rows| !rows.is_empty())?;
        Some(keys::key(&Inputs {
            page: self.site.shard_layout(s),
            shards: v.shards(),
            rows,
            package: &self.package,
        }))
    }
}

/// The shard whose page is at `path` (`packages_<shard>.html`).
fn shard_of(path: &str) -> Option<&str> {
    path.strip_prefix("packages_")?.strip_suffix(".html")
}

/// How many pages each package has, one after the other in [`Paths`].
const PAGES_OF_PACKAGE: usize = 3;

/// The paths of a site, in order, in one string: a quarter of a million pages are not a
/// quarter of a million allocations.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Paths {
    text: String,
    /// Where each path ends in `text`.
    ends: Vec<usize>,
    /// The first of the package pages: each package's three pages (`packages/<name>.txt`,
    /// `packages/<name>.html`, `maintainer/<name>`), in the order of the view's rows.
    packages_from: usize,
}

impl Paths {
    /// Adds the path made of `parts`.
    fn push(&mut self, parts: &[&str]) {
        for p in parts {
            self.text.push_str(p);
        }
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// How many paths come before the first package's: the pages of the whole site and the
    /// shards.
    pub fn packages_from(&self) -> usize {
        self.packages_from
    }

    /// The row (in the view) of the package whose page is the `i`-th path.
    fn package_of(&self, i: usize, packages: usize) -> Option<usize> {
        let j = i.checked_sub(self.packages_from)? / PAGES_OF_PACKAGE;
        (j < packages).then_some(j)
    }

    /// The position of the first page of the package in row `j` of the view.
    fn first_of_package(&self, j: usize) -> usize {
        self.packages_from + PAGES_OF_PACKAGE * j
    }

    /// The `i`-th path.
    pub fn get(&self, i: usize) -> &str {
        let from = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        &self.text[from..self.ends[i]]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The site of packages `(name, maintainer)`.
    fn site_of(packages: &[(&str, &str)]) -> Site {
        let rules = crate::names::NameRules::default();
        let mut db = crate::model::Db::default();
        for (name, login) in packages {
            let name = crate::names::PackageName::parse(name, &rules).unwrap();
            let m = crate::names::Maintainer::parse(login, &rules).unwrap();
            db.packages.insert(
                name,
                crate::model::Package {
                    maintainers: vec![m].into(),
                    spans: std::iter::once(0..1).collect(),
                    file: crate::diag::FileId(0),
                },
            );
        }
        Site::new(&Input::of_records(
            &db,
            "0123456789abcdef0123456789abcdef01234567",
        ))
    }

    #[test]
    fn each_page_of_a_package_is_keyed_as_that_package_and_no_other() {
        // Names that sort in another order than they were added, and a maintainer each, so
        // that every package's key differs.
        let site = site_of(&[("zlib", "alice"), ("a", "bob"), ("perl", "carol")]);
        let paths = site.paths();
        let keys = site.input_keys(&paths, None);
        let mut keyed = 0;
        for (i, rel) in paths.iter().enumerate() {
            let name = rel
                .strip_prefix("maintainer/")
                .or_else(|| rel.strip_prefix("packages/")?.strip_suffix(".txt"))
                .or_else(|| rel.strip_prefix("packages/")?.strip_suffix(".html"));
            let expected = match name.and_then(|n| site.package(n)) {
                Some(row) => {
                    keyed += 1;
                    Some(Named::Package(site.package_page(row, None, None)).key())
                }
                // Keyed by the keys of its packages: see the test below.
                None if shard_of(rel).is_some() => keys.shard(shard_of(rel).unwrap()),
                None => site.named(rel).as_ref().map(Named::key),
            };
            assert_eq!(keys.of(&paths, i), expected, "{rel}");
        }
        assert_eq!(keyed, 9);
        // With the keys of a generation in which every page has key 7: the packages not said
        // to have changed keep it, unkeyed; `a` is keyed anew.
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("gen.keys");
        let origin = keys::Origin {
            commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            shared: site.shared_key(),
        };
        keys::write(&at, &origin, paths.iter().map(|p| (p, 7))).unwrap();
        let old = keys::read(&at).unwrap();
        let changed = std::collections::HashSet::from(["a".to_owned()]);
        let reused = site.input_keys(&paths, Some((&old, changed)));
        for (i, rel) in paths.iter().enumerate() {
            let expected = match paths.package_of(i, 3) {
                Some(_) if rel.contains("/a.") || rel == "maintainer/a" => keys.of(&paths, i),
                Some(_) => Some(7),
                // A shard is keyed from its packages' keys, whichever way they were found.
                None if shard_of(rel).is_some() => continue,
                None => keys.of(&paths, i),
            };
            assert_eq!(reused.of(&paths, i), expected, "{rel}");
        }
    }

    #[test]
    fn a_shard_is_keyed_anew_exactly_when_one_of_its_rows_changes() {
        let shards = |packages: &[(&str, &str)]| {
            let site = site_of(packages);
            let paths = site.paths();
            let keys = site.input_keys(&paths, None);
            paths
                .iter()
                .enumerate()
                .filter(|(_, p)| shard_of(p).is_some())
                .map(|(i, p)| {
                    let page = site.get(p).unwrap().unwrap().bytes;
                    (p.to_owned(), (keys.of(&paths, i).unwrap(), page))
                })
                .collect::<std::collections::BTreeMap<String, (keys::Key, Vec<u8>)>>()
        };
        let before = shards(&[("perl-a", "alice"), ("perl-b", "bob"), ("zlib", "carol")]);
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            ["packages_p.html", "packages_z.html"]
        );
        let changes = [
            // Another maintainer for one row of `p`.
            vec![("perl-a", "alice"), ("perl-b", "dave"), ("zlib", "carol")],
            // One more row in `p`.
            vec![
                ("perl-a", "alice"),
                ("perl-b", "bob"),
                ("perl-c", "bob"),
                ("zlib", "carol"),
            ],
            // One row fewer.
            vec![("perl-b", "bob"), ("zlib", "carol")],
        ];
        for packages in changes {
            let after = shards(&packages);
            for (shard, (key, page)) in &before {
                let (k, p) = &after[shard];
                assert_eq!(key == k, page == p, "{shard} after {packages:?}");
            }
            assert_ne!(before["packages_p.html"].0, after["packages_p.html"].0);
        }
    }
}
