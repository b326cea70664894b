//! The tracker's pages and lists: an index by suite and state, one list per state (text and
//! HTML), one page per bug with its timeline, one page per point release, and `tracker.json`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RenderError;
use super::html::Page;
use super::site::{Kind, Rendered, html};
use crate::model::Db;
use crate::record::{TRACK_STATES, TRACK_SUITES};
use crate::track::timeline::Change;

/// Where a bug number links to.
pub const BUG_LINK: &str = "https://bugs.debian.org/";

/// One suite of one track.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct SuiteRow {
    pub suite: String,
    pub state: String,
    pub version: Option<String>,
    pub pu_bug: Option<i64>,
    pub released_in: Option<String>,
    pub reason: Option<String>,
}

/// One step of a timeline, ready to show.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct Step {
    pub date: String,
    pub suite: String,
    pub from: String,
    pub to: String,
    pub commit: String,
    pub author: String,
}

/// One tracked bug, ready to show.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct TrackView {
    pub bug: u64,
    pub package: String,
    pub subject: String,
    pub done: String,
    pub fixed_versions: Vec<String>,
    pub cves: Vec<String>,
    pub suites: Vec<SuiteRow>,
    /// The point release it is archived under.
    pub archive: Option<String>,
    pub timeline: Vec<Step>,
}

/// Every track of `db`, by bug, with its timeline.
pub fn views(db: &Db, timelines: &BTreeMap<u64, Vec<Change>>) -> Vec<TrackView> {
    let mut out: Vec<TrackView> = db
        .tracks
        .iter()
        .map(|t| TrackView {
            bug: t.bug,
            package: t.package.clone(),
            subject: t
                .bts
                .as_ref()
                .map(|b| b.subject.clone())
                .unwrap_or_default(),
            done: t.bts.as_ref().map(|b| b.done.clone()).unwrap_or_default(),
            fixed_versions: t
                .bts
                .as_ref()
                .map(|b| b.fixed_versions.clone())
                .unwrap_or_default(),
            cves: t.cves.clone(),
            suites: t
                .suites
                .iter()
                .map(|s| {
                    let p = t.progress.iter().find(|(n, _)| n == s).map(|(_, p)| p);
                    SuiteRow {
                        suite: s.clone(),
                        state: p.map_or("new", |p| p.state()).to_owned(),
                        version: p.and_then(|p| p.version()).map(ToOwned::to_owned),
                        pu_bug: p.and_then(|p| p.pu_bug.as_ref()).map(|b| *b.get_ref()),
                        released_in: p
                            .and_then(|p| p.released_in.as_ref())
                            .map(|r| r.get_ref().clone()),
                        reason: p.and_then(|p| p.reason.clone()),
                    }
                })
                .collect(),
            archive: t.archive.clone(),
            timeline: timelines
                .get(&t.bug)
                .into_iter()
                .flatten()
                .map(|c| Step {
                    date: c.date(),
                    suite: c.suite.clone(),
                    from: c.from.clone(),
                    to: c.to.clone(),
                    commit: c.commit[..c.commit.len().min(10)].to_owned(),
                    author: c.author.clone(),
                })
                .collect(),
        })
        .collect();
    out.sort_by_key(|t| t.bug);
    out
}

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
