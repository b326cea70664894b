//! The tracker's pages and lists: an index by suite and state, one list per state (text and
//! HTML), one page per bug with its timeline, one page per point release, and `tracker.json`.

use super::RenderError;
use super::html::Page;
use super::output::{Kind, Rendered, html};
pub use super::track_view::{BUG_LINK, Step, SuiteRow, TrackView, views};
use crate::record::{TRACK_STATES, TRACK_SUITES};

/// One line of a list: a track's suite.
pub struct Line<'a> {
    pub track: &'a TrackView,
    pub suite: &'a SuiteRow,
}

/// A suite's tracks in one state.
pub struct Group<'a> {
    pub state: &'static str,
    pub lines: Vec<Line<'a>>,
}

/// The index: per suite, per state (every state, in order, with its count).
pub struct SuiteGroups<'a> {
    pub suite: &'static str,
    pub states: Vec<Group<'a>>,
}

fn lines<'a>(views: &'a [TrackView], keep: impl Fn(&SuiteRow) -> bool) -> Vec<Line<'a>> {
    views
        .iter()
        .flat_map(|t| t.suites.iter().map(move |s| Line { track: t, suite: s }))
        .filter(|l| keep(l.suite))
        .collect()
}

/// `bug package suite version` lines.
fn text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| {
            format!(
                "{} {} {} {}\n",
                l.track.bug,
                l.track.package,
                l.suite.suite,
                l.suite.version.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

mod pages {
    use super::{Group, Line, SuiteGroups, TrackView};
    use crate::render::html::Page;
    use askama::Template;

    #[derive(Template)]
    #[template(path = "tracker/index.html")]
    pub struct Index<'a> {
        pub page: Page<'a>,
        pub suites: Vec<SuiteGroups<'a>>,
        pub releases: Vec<String>,
        pub total: usize,
    }

    #[derive(Template)]
    #[template(path = "tracker/list.html")]
    pub struct List<'a> {
        pub page: Page<'a>,
        pub groups: Vec<Group<'a>>,
    }

    #[derive(Template)]
    #[template(path = "tracker/bug.html")]
    pub struct Bug<'a> {
        pub page: Page<'a>,
        pub track: &'a TrackView,
        pub bug_link: &'a str,
    }

    impl Line<'_> {
        pub fn version(&self) -> &str {
            self.suite.version.as_deref().unwrap_or("")
        }
    }
}

/// The point releases that shipped something, in numeric order.
fn releases(views: &[TrackView]) -> Vec<String> {
    let mut releases: Vec<String> = views
        .iter()
        .flat_map(|t| t.suites.iter().filter_map(|s| s.released_in.clone()))
        .collect();
    releases.sort_by_key(|r| {
        let (a, b) = r.split_once('.').unwrap_or((r, "0"));
        (a.parse::<u32>().unwrap_or(0), b.parse::<u32>().unwrap_or(0))
    });
    releases.dedup();
    releases
}

/// The suite lines of the tracks not archived yet.
fn active_lines(views: &[TrackView], keep: impl Fn(&SuiteRow) -> bool) -> Vec<Line<'_>> {
    let mut out = lines(views, keep);
    out.retain(|l| l.track.archive.is_none());
    out
}

/// Every path under `tracker/`, and `tracker.json`.
pub fn paths(views: &[TrackView]) -> Vec<String> {
    let mut out = vec!["tracker/index.html".to_owned(), "tracker.json".to_owned()];
    for state in TRACK_STATES {
        out.push(format!("tracker/{state}.txt"));
        out.push(format!("tracker/{state}.html"));
    }
    out.extend(
        releases(views)
            .iter()
            .map(|r| format!("tracker/archive/{r}.html")),
    );
    out.extend(views.iter().map(|t| format!("tracker/{}.html", t.bug)));
    out
}

/// One path under `tracker/` (or `tracker.json`), if it is one.
pub(super) fn get<'a>(
    path: &str,
    page: &dyn Fn(String, &'static str) -> Page<'a>,
    views: &[TrackView],
    commit: &str,
) -> Result<Option<Rendered>, RenderError> {
    if path == "tracker.json" {
        let mut json = serde_json::to_vec_pretty(&serde_json::json!({
            "commit": commit,
            "tracks": views,
        }))
        .expect("tracks serialize");
        json.push(b'\n');
        return Ok(Some(Rendered::new(Kind::Json, json)));
    }
    let Some(rest) = path.strip_prefix("tracker/") else {
        return Ok(None);
    };
    if rest == "index.html" {
        let suites = TRACK_SUITES
            .iter()
            .map(|suite| SuiteGroups {
                suite,
                states: TRACK_STATES
                    .iter()
                    .map(|state| Group {
                        state,
                        lines: active_lines(views, |s| s.suite == *suite && s.state == *state),
                    })
                    .collect(),
            })
            .collect();
        return html(
            path,
            &pages::Index {
                page: page("Tracked bugs".into(), "../"),
                suites,
                releases: releases(views),
                total: views.iter().filter(|t| t.archive.is_none()).count(),
            },
        );
    }
    if let Some(release) = rest
        .strip_prefix("archive/")
        .and_then(|r| r.strip_suffix(".html"))
    {
        if !releases(views).iter().any(|r| r == release) {
            return Ok(None);
        }
        let shipped = lines(views, |s| s.released_in.as_deref() == Some(release));
        return html(
            path,
            &pages::List {
                page: page(format!("Shipped in {release}"), "../../"),
                groups: vec![Group {
                    state: "released",
                    lines: shipped,
                }],
            },
        );
    }
    let (stem, ext) = rest.rsplit_once('.').unwrap_or((rest, ""));
    if let Some(state) = TRACK_STATES.iter().find(|s| **s == stem) {
        let found = active_lines(views, |s| s.state == *state);
        return match ext {
            "txt" => Ok(Some(Rendered::new(Kind::Text, text(&found).into_bytes()))),
            "html" => html(
                path,
                &pages::List {
                    page: page(format!("Tracked bugs: {state}"), "../"),
                    groups: vec![Group {
                        state,
                        lines: found,
                    }],
                },
            ),
            _ => Ok(None),
        };
    }
    let Some(t) = stem
        .parse::<u64>()
        .ok()
        .filter(|_| ext == "html")
        .and_then(|bug| views.binary_search_by_key(&bug, |t| t.bug).ok())
        .map(|i| &views[i])
    else {
        return Ok(None);
    };
    html(
        path,
        &pages::Bug {
            page: page(format!("Bug #{}", t.bug), "../"),
            track: t,
            bug_link: BUG_LINK,
        },
    )
}
