//! The tracked bugs as the pages show them: one view per track, its suites and its timeline.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::history::tracks::Change;
use crate::model::Db;

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
    /// The day the request was first seen tagged `moreinfo`, while it is.
    pub moreinfo_since: Option<String>,
}

/// One step of a timeline, ready to show.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct Step {
    pub date: String,
    pub suite: String,
    pub from: String,
    pub to: String,
    /// The prod's number, for a prod sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prod: Option<usize>,
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
                        moreinfo_since: p
                            .and_then(|p| p.moreinfo_since.as_ref())
                            .map(|d| d.to_string().chars().take(10).collect()),
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
                    prod: c.prod,
                    commit: c.commit[..c.commit.len().min(10)].to_owned(),
                    author: c.author.clone(),
                })
                .collect(),
        })
        .collect();
    out.sort_by_key(|t| t.bug);
    out
}
