//! Each track's timeline, read from the first-parent history: every change of a suite's state,
//! and every prod sent, with the commit, its date and its author. Commits that leave `tracks/` alone cost one tree
//! lookup; only the track files a commit changed are read. An archived track keeps its
//! content, so moving it under `archive/` is no event.

use std::collections::{BTreeMap, HashMap};

use crate::history::Meta;
use crate::record::RawTrack;
use crate::source::SourceError;
use crate::source::objects::{self, git_at};

use crate::record::TRACKS_DIR;

/// One change of state, or one prod sent (then `from` and `to` are the state it was sent in).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub suite: String,
    /// "" when the suite first appears.
    pub from: String,
    pub to: String,
    /// The prod's number, when this is a prod sent rather than a change of state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prod: Option<usize>,
    pub commit: String,
    pub author: String,
    /// Author time, seconds since the epoch (UTC).
    pub time: i64,
}

impl Change {
    /// `2026-11-02 10:00 UTC`.
    pub fn date(&self) -> String {
        let iso = gix::date::Time {
            seconds: self.time,
            offset: 0,
        }
        .format_or_unix(gix::date::time::format::ISO8601);
        format!("{} UTC", iso.get(..16).unwrap_or(&iso))
    }
}

fn tracks_tree(
    repo: &gix::Repository,
    root: gix::ObjectId,
) -> Result<Option<gix::ObjectId>, SourceError> {
    objects::tree_at(repo, root, TRACKS_DIR)
}

/// Bug → blob of its record, active or archived.
fn files(
    repo: &gix::Repository,
    tree: gix::ObjectId,
) -> Result<HashMap<u64, gix::ObjectId>, SourceError> {
    let mut out = HashMap::new();
    let mut level = vec![tree];
    for depth in 0..3 {
        let mut next = Vec::new();
        for tree in level {
            for e in objects::tree(repo, tree)?.iter() {
                let e = e.map_err(|e| git_at(tree, "reading a tree")(gix::Error::from_error(e)))?;
                let name = e.filename().to_string();
                if e.mode().is_tree() && depth < 2 && (depth == 1 || name == "archive") {
                    next.push(e.oid().to_owned());
                } else if let Some(bug) = name.strip_suffix(".toml").and_then(|b| b.parse().ok()) {
                    out.insert(bug, e.oid().to_owned());
                }
            }
        }
        level = next;
    }
    Ok(out)
}

/// Each suite's state and how many prods it has, in the track record `blob`; none when it
/// does not parse (the validator reports it).
fn states(
    repo: &gix::Repository,
    blob: gix::ObjectId,
) -> Result<Vec<(String, String, usize)>, SourceError> {
    let bytes = objects::blob(repo, blob)?;
    let Some(track) = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| toml::from_str::<RawTrack>(t).ok())
    else {
        return Ok(Vec::new());
    };
    Ok(track
        .progress()
        .map(|(s, p)| (s.to_owned(), p.state().to_owned(), p.prods.len()))
        .collect())
}

/// Every track's changes of state up to `tip`, oldest first.
pub fn read(
    repo: &gix::Repository,
    tip: gix::ObjectId,
) -> Result<BTreeMap<u64, Vec<Change>>, SourceError> {
    let mut chain = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        let meta = Meta::read(repo, id)?;
        next = meta.parent;
        chain.push(meta);
    }
    let mut out: BTreeMap<u64, Vec<Change>> = BTreeMap::new();
    let mut last_tree = None;
    type Seen = Vec<(String, String, usize)>;
    let mut known: HashMap<u64, (gix::ObjectId, Seen)> = HashMap::new();
    for meta in chain.iter().rev() {
        let tree = tracks_tree(repo, meta.tree)?;
        if tree == last_tree {
            continue;
        }
        last_tree = tree;
        let now = match tree {
            Some(t) => files(repo, t)?,
            None => HashMap::new(),
        };
        for (bug, blob) in &now {
            let before = known.get(bug);
            if before.is_some_and(|(b, _)| b == blob) {
                continue;
            }
            let after = states(repo, *blob)?;
            let old = before.map(|(_, s)| s.as_slice()).unwrap_or(&[]);
            for (suite, state, prods) in &after {
                let (from, prods_before) = old
                    .iter()
                    .find(|(s, _, _)| s == suite)
                    .map_or(("", 0), |(_, st, n)| (st.as_str(), *n));
                let change = |prod: Option<usize>, from: &str| Change {
                    suite: suite.clone(),
                    from: from.to_owned(),
                    to: state.clone(),
                    prod,
                    commit: meta.id.to_string(),
                    author: format!("{} <{}>", meta.author, meta.email),
                    time: meta.time,
                };
                if from != state {
                    out.entry(*bug).or_default().push(change(None, from));
                }
                for n in prods_before + 1..=*prods {
                    out.entry(*bug).or_default().push(change(Some(n), state));
                }
            }
            known.insert(*bug, (*blob, after));
        }
        known.retain(|bug, _| now.contains_key(bug));
    }
    Ok(out)
}
