//! The track records of one tree, read for the tracker commands: the active ones parsed (so
//! they can be changed and written back), the archived ones by bug number, and the suites.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::Record;
use crate::load::record_at;
use crate::names::NameRules;
use crate::record::{RawSuites, RawTrack, TRACK_SUITES};

use super::sync::Suite;

/// Where active tracks live.
pub const TRACKS_DIR: &str = "maintainers/tracks";

/// The path of an active track.
pub fn active_path(bug: u64) -> String {
    format!("{TRACKS_DIR}/{bug}.toml")
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
}

impl Tracks {
    /// Whether `bug` is tracked, active or archived.
    pub fn knows(&self, bug: u64) -> bool {
        self.active.contains_key(&bug) || self.archived.contains_key(&bug)
    }

    pub fn bugs(&self) -> BTreeSet<u64> {
        self.active
            .keys()
            .chain(self.archived.keys())
            .copied()
            .collect()
    }
}

fn bug_of(name: &str) -> Option<u64> {
    name.strip_suffix(".toml")?.parse().ok()
}

/// Reads the tracks at `root`. A record that does not parse is left out: the validator
/// reports it, and the tracker must not rewrite what it cannot read.
pub fn tracks_at(repo: &gix::Repository, root: Option<gix::ObjectId>) -> Tracks {
    let mut out = Tracks::default();
    let Some(tree) = root
        .and_then(|r| repo.find_tree(r).ok())
        .and_then(|t| t.lookup_entry_by_path(TRACKS_DIR).ok().flatten())
        .and_then(|e| e.object().ok())
        .map(|o| o.into_tree())
    else {
        return out;
    };
    for entry in tree.iter().flatten() {
        let name = entry.filename().to_string();
        if name == "archive" && entry.mode().is_tree() {
            let Ok(archive) = repo.find_tree(entry.oid()) else {
                continue;
            };
            for release in archive.iter().flatten() {
                let Ok(dir) = repo.find_tree(release.oid()) else {
                    continue;
                };
                for f in dir.iter().flatten() {
                    if let Some(bug) = bug_of(&f.filename().to_string()) {
                        out.archived.insert(bug, release.filename().to_string());
                    }
                }
            }
            continue;
        }
        let Some(bug) = bug_of(&name) else { continue };
        // Read by the entry's id: a lookup by path would read the tracks tree again per file.
        let Some(text) = repo
            .find_blob(entry.oid())
            .ok()
            .and_then(|b| String::from_utf8(b.data.clone()).ok())
        else {
            continue;
        };
        if let Ok(track) = toml::from_str::<RawTrack>(&text) {
            out.active.insert(bug, track);
        }
    }
    out
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
