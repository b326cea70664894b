//! The changelog: package events read from the first-parent history of a branch with gix.
//! Each commit's events depend only on that commit and its first parent, so they are cached
//! by commit id in the repository's git dir; a render after one new commit reads one commit.
//! Deleting the cache changes nothing but the time it takes.

pub mod cache;
mod events;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use events::{Event, Kind, Meta};

use crate::source::SourceError;

/// One commit of the first-parent history with its package events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitEvents {
    pub id: String,
    pub parent: Option<String>,
    pub author: String,
    pub email: String,
    /// Author time, seconds since the epoch, and its offset from UTC in seconds.
    pub time: i64,
    pub offset: i32,
    pub subject: String,
    pub events: Vec<Event>,
}

impl CommitEvents {
    pub fn short(&self) -> &str {
        &self.id[..self.id.len().min(10)]
    }
}

/// The first-parent history from `tip`, newest first, with every commit's events.
/// `use_cache` reads and updates the cache in the git dir.
pub fn read(
    repo: &gix::ThreadSafeRepository,
    tip: gix::ObjectId,
    use_cache: bool,
) -> Result<Vec<CommitEvents>, SourceError> {
    let local = repo.to_thread_local();
    let cache_path = use_cache.then(|| cache::path(&local));
    let loaded = cache_path.as_deref().map(cache::load).unwrap_or_default();
    let damaged = loaded.damaged;
    let mut cached: HashMap<String, CommitEvents> = loaded.commits;

    // Follow the chain: cached commits give their parent without reading the object; every
    // other commit is read once, here, and its events are computed in parallel below.
    let mut chain: Vec<String> = Vec::new();
    let mut next = Some(tip);
    let mut todo: Vec<events::Meta> = Vec::new();
    while let Some(id) = next {
        let hex = id.to_string();
        if let Some(c) = cached.get(&hex) {
            next = c
                .parent
                .as_deref()
                .map(|p| gix::ObjectId::from_hex(p.as_bytes()).expect("the cache holds hex ids"));
            chain.push(hex);
            continue;
        }
        let meta = events::Meta::read(&local, id)?;
        next = meta.parent;
        todo.push(meta);
        chain.push(hex);
    }
    let fresh = compute(repo, todo)?;
    let fresh_ids: std::collections::HashSet<String> = fresh.iter().map(|c| c.id.clone()).collect();
    let appended = !fresh.is_empty();
    for c in fresh {
        cached.insert(c.id.clone(), c);
    }
    // A cache that cannot be written only costs time next run.
    if let Some(p) = &cache_path {
        if damaged {
            // Rebuilt from what checked out, the branch's commits oldest first.
            let all: Vec<&CommitEvents> = chain.iter().rev().map(|h| &cached[h]).collect();
            let _ = cache::rewrite(p, &all);
        } else if appended {
            let fresh: Vec<&CommitEvents> = chain
                .iter()
                .rev()
                .filter(|h| fresh_ids.contains(h.as_str()))
                .map(|h| &cached[h])
                .collect();
            let _ = cache::append(p, &fresh);
        }
    }
    Ok(chain
        .into_iter()
        .map(|hex| {
            cached
                .remove(&hex)
                .expect("every commit of the chain was read or cached")
        })
        .collect())
}

/// The events of `todo`, a first-parent chain newest first, computed in parallel.
fn compute(
    repo: &gix::ThreadSafeRepository,
    todo: Vec<events::Meta>,
) -> Result<Vec<CommitEvents>, SourceError> {
    let local = repo.to_thread_local();
    // Each commit is diffed against its parent's tree, known from the next entry when the
    // parent was read too.
    let mut parent_trees: Vec<Option<gix::ObjectId>> = Vec::with_capacity(todo.len());
    for (i, m) in todo.iter().enumerate() {
        parent_trees.push(match (m.parent, todo.get(i + 1)) {
            (Some(p), Some(n)) if n.id == p => Some(n.tree),
            (Some(p), _) => Some(crate::gate::root_tree(&local, p)?),
            (None, _) => None,
        });
    }
    todo.into_par_iter()
        .zip(parent_trees)
        .map_init(
            || {
                // Neighbouring commits share most trees: cache them per worker.
                let mut r = repo.to_thread_local();
                r.object_cache_size_if_unset(16 * 1024 * 1024);
                r
            },
            |r, (meta, parent_tree)| events::of_commit(r, meta, parent_tree),
        )
        .collect()
}

/// The events of the commits from `tip` back to `known` (left out), newest first: what a
/// reader that already has `known`'s history is missing. `None` when `known` is not within
/// `limit` commits of `tip`'s first-parent chain (a rewritten branch): read it all again.
pub fn since(
    repo: &gix::ThreadSafeRepository,
    tip: gix::ObjectId,
    known: gix::ObjectId,
    limit: usize,
) -> Result<Option<Vec<CommitEvents>>, SourceError> {
    let local = repo.to_thread_local();
    let mut todo: Vec<events::Meta> = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        if id == known {
            return compute(repo, todo).map(Some);
        }
        if todo.len() == limit {
            break;
        }
        let meta = events::Meta::read(&local, id)?;
        next = meta.parent;
        todo.push(meta);
    }
    Ok(None)
}
