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
    /// Why the suite is stuck, when it is: its request waits at `moreinfo` (since the day a
    /// sync first saw the tag), or it was requested without its maintainers ever being
    /// notified (so it cannot be prodded).
    pub stall: Option<String>,
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
                        stall: p.and_then(stall),
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

/// What a suite waits on, in a few words, when it is stuck.
fn stall(p: &crate::record::SuiteProgress) -> Option<String> {
    if let Some(d) = &p.moreinfo_since {
        let day: String = d.to_string().chars().take(10).collect();
        return Some(format!("moreinfo since {day}"));
    }
    (p.state() == "requested" && p.notify_msgid.is_none())
        .then(|| "maintainers never notified".to_owned())
}
