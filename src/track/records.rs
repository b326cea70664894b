//! The track records of one tree, read for the tracker commands: the active ones parsed (so
//! they can be changed and written back), the archived ones by bug number, and the suites.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::Record;
use crate::load::record_at;
use crate::names::NameRules;
use crate::record::{RawDismissed, RawSuites, RawTrack, TRACK_SUITES};
use crate::source::objects::{self, git_at};

use super::sync::Suite;

pub use crate::record::TRACKS_DIR;

/// The path of an active track.
pub fn active_path(bug: u64) -> String {
    format!("{TRACKS_DIR}/{bug}.toml")
}

/// The path of a dismissed candidate.
pub fn dismissed_path(bug: u64) -> String {
    format!("{TRACKS_DIR}/dismissed/{bug}.toml")
}

/// The path of a track archived after point release `release`.
pub fn archive_path(release: &str, bug: u64) -> String {
    format!("{TRACKS_DIR}/archive/{release}/{bug}.toml")
}

/// The text of a track record as the tracker writes it.
pub fn to_text(track: &RawTrack) -> String {
    toml::to_string(track).expect("a track serializes: plain strings, numbers and dates")
}

/// The tracks of one tree.
#[derive(Debug, Default)]
pub struct Tracks {
    pub active: BTreeMap<u64, RawTrack>,
    /// Archived bugs, with the point release they sit under.
    pub archived: BTreeMap<u64, String>,
    /// Dismissed candidates, with the reason.
    pub dismissed: BTreeMap<u64, RawDismissed>,
}

impl Tracks {
    /// Whether `bug` is tracked, active or archived.
    pub fn knows(&self, bug: u64) -> bool {
        self.active.contains_key(&bug) || self.archived.contains_key(&bug)
    }

    /// The bugs tracked, active or archived, and those dismissed: no candidate any more.
    pub fn bugs(&self) -> BTreeSet<u64> {
        self.active
            .keys()
            .chain(self.archived.keys())
            .chain(self.dismissed.keys())
            .copied()
            .collect()
    }
}

fn bug_of(name: &str) -> Option<u64> {
    name.strip_suffix(".toml")?.parse().ok()
}

/// Reads the tracks at `root`. A record that does not parse is left out: the validator
/// reports it, and the tracker must not rewrite what it cannot read. An object that cannot
/// be read is an error.
pub fn tracks_at(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
) -> Result<Tracks, crate::source::SourceError> {
    let mut out = Tracks::default();
    let Some(dir) = root
        .map(|r| objects::tree_at(repo, r, TRACKS_DIR))
        .transpose()?
        .flatten()
    else {
        return Ok(out);
    };
    let entries = |tree: gix::ObjectId| -> Result<Vec<(String, bool, gix::ObjectId)>, _> {
        objects::tree(repo, tree)?
            .iter()
            .map(|e| {
                let e = e.map_err(|e| git_at(tree, "reading a tree")(gix::Error::from_error(e)))?;
                Ok((
                    e.filename().to_string(),
                    e.mode().is_tree(),
                    e.oid().to_owned(),
                ))
            })
            .collect()
    };
    for (name, is_tree, id) in entries(dir)? {
        if name == "archive" && is_tree {
            for (release, is_tree, id) in entries(id)? {
                if !is_tree {
                    continue;
                }
                for (file, _, _) in entries(id)? {
                    if let Some(bug) = bug_of(&file) {
                        out.archived.insert(bug, release.clone());
                    }
                }
            }
            continue;
        }
        if name == "dismissed" && is_tree {
            for (file, _, id) in entries(id)? {
                let Some(bug) = bug_of(&file) else { continue };
                let text = String::from_utf8(objects::blob(repo, id)?).unwrap_or_default();
                if let Ok(d) = toml::from_str::<RawDismissed>(&text) {
                    out.dismissed.insert(bug, d);
                }
            }
            continue;
        }
        let Some(bug) = bug_of(&name) else { continue };
        // Read by the entry's id: a lookup by path would read the tracks tree again per file.
        let Ok(text) = String::from_utf8(objects::blob(repo, id)?) else {
            continue;
        };
        if let Ok(track) = toml::from_str::<RawTrack>(&text) {
            out.active.insert(bug, track);
        }
    }
    Ok(out)
}

/// The suites a track can follow, from `suites.toml` at `root`.
pub fn suites_at(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
    rules: &NameRules,
) -> Result<Vec<Suite>, crate::source::SourceError> {
    let suites: RawSuites = match record_at(repo, root, "maintainers/suites.toml", rules)? {
        Some(Record::Suites(s)) => *s,
        _ => RawSuites::default(),
    };
    Ok(TRACK_SUITES
        .iter()
        .filter_map(|name| {
            suites.get(*name).map(|s| Suite {
                name: (*name).to_owned(),
                codename: s.codename.clone(),
                version: s.version.clone(),
            })
        })
        .collect())
}
