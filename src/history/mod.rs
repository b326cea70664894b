//! The changelog: package events read from the first-parent history of a branch with gix.
//! Each commit's events depend only on that commit and its first parent, so they are cached
//! by commit id in the repository's git dir; a render after one new commit reads one commit.
//! Deleting the cache changes nothing but the time it takes. [`tracks`] reads the same
//! history for each track's changes of state.

pub mod cache;
mod events;
mod packs;
pub mod tracks;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use events::{Event, Kind, Meta, package_name};

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
    let mut loaded = cache_path.as_deref().map(cache::load).unwrap_or_default();

    // Follow the chain: cached commits give their parent without reading the object, and so
    // do the commits in git's commit-graph; every other commit is read once, here. The events
    // are computed in parallel below (reading the commits the graph gave).
    let graph = local.commit_graph_if_enabled().ok().flatten();
    let mut chain: Vec<Option<CommitEvents>> = Vec::new();
    let mut next = Some(tip);
    let mut todo: Vec<Todo> = Vec::new();
    let mut seen = gix::hashtable::HashSet::default();
    while let Some(id) = next {
        if !seen.insert(id) {
            // Only cached parents can lead back to a commit met before (git's history has no
            // cycles): a cache made to lie. Walk again from git alone; the cache is rewritten.
            loaded = cache::Loaded::default();
            loaded.damaged = true;
            (chain, todo, next) = (Vec::new(), Vec::new(), Some(tip));
            seen.clear();
            continue;
        }
        if let Some(c) = loaded.get(&id) {
            next = c.parent.as_deref().map(|p| {
                gix::ObjectId::from_hex(p.as_bytes()).expect("the cache decodes whole ids")
            });
            chain.push(Some(c));
            continue;
        }
        let t = Todo::walk(&local, graph.as_ref(), id)?;
        next = t.parent;
        todo.push(t);
        chain.push(None);
    }
    // Nothing new (the usual case of a warm cache): no thread pool to start.
    let fresh = if todo.is_empty() {
        Vec::new()
    } else {
        compute(repo, todo)?
    };
    let mut fresh = fresh.into_iter();
    let appended = fresh.len() > 0;
    // The chain, newest first, the fresh commits in the order they were met.
    let chain: Vec<CommitEvents> = chain
        .into_iter()
        .map(|c| {
            c.or_else(|| fresh.next())
                .expect("a fresh commit for each gap")
        })
        .collect();
    // A cache that cannot be written only costs time next run.
    if let Some(p) = &cache_path {
        if loaded.damaged {
            // Rebuilt from what checked out, the branch's commits oldest first.
            let all: Vec<&CommitEvents> = chain.iter().rev().collect();
            let _ = cache::rewrite(p, &all);
        } else if appended {
            let fresh: Vec<&CommitEvents> = chain
                .iter()
                .rev()
                .filter(|c| loaded_missing(&loaded, c))
                .collect();
            let _ = cache::append(p, &fresh);
        }
    }
    Ok(chain)
}

fn loaded_missing(loaded: &cache::Loaded, c: &CommitEvents) -> bool {
    gix::ObjectId::from_hex(c.id.as_bytes()).is_ok_and(|id| !loaded.has(&id))
}

/// A commit of the chain whose events are to be computed, as far as the walk read it.
struct Todo {
    id: gix::ObjectId,
    tree: gix::ObjectId,
    parent: Option<gix::ObjectId>,
    /// Read when the commit-graph did not have it.
    meta: Option<events::Meta>,
}

impl Todo {
    /// Commit `id`, from the commit-graph when it holds it, else read.
    fn walk(
        repo: &gix::Repository,
        graph: Option<&gix::commitgraph::Graph>,
        id: gix::ObjectId,
    ) -> Result<Todo, SourceError> {
        if let Some(g) = graph
            && let Some(c) = g.commit_by_id(id)
            && let Ok(parent) = c.parent1()
        {
            return Ok(Todo {
                id,
                tree: c.root_tree_id().to_owned(),
                parent: parent.map(|p| g.id_at(p).to_owned()),
                meta: None,
            });
        }
        Ok(Todo::from(events::Meta::read(repo, id)?))
    }
}

impl From<events::Meta> for Todo {
    fn from(m: events::Meta) -> Todo {
        Todo {
            id: m.id,
            tree: m.tree,
            parent: m.parent,
            meta: Some(m),
        }
    }
}

/// The events of `todo`, a first-parent chain newest first, computed in parallel.
fn compute(
    repo: &gix::ThreadSafeRepository,
    todo: Vec<Todo>,
) -> Result<Vec<CommitEvents>, SourceError> {
    let local = repo.to_thread_local();
    // Each commit is diffed against its parent's tree, known from the next entry when the
    // parent was read too.
    let mut parent_trees: Vec<Option<gix::ObjectId>> = Vec::with_capacity(todo.len());
    for (i, m) in todo.iter().enumerate() {
        parent_trees.push(match (m.parent, todo.get(i + 1)) {
            (Some(p), Some(n)) if n.id == p => Some(n.tree),
            (Some(p), _) => Some(crate::source::objects::root_tree(&local, p)?),
            (None, _) => None,
        });
    }
    let bundles = packs::Bundles::open(&local);
    // A worker's caches last one piece of the commits.
    let piece = crate::source::few_pieces(todo.len());
    todo.into_par_iter()
        .zip(parent_trees)
        .with_min_len(piece)
        .map_init(
            // Neighbouring commits share most trees and blobs: each worker keeps what it read.
            || {
                (
                    packs::Packs::new(&bundles, repo.to_thread_local()),
                    events::Blobs::default(),
                )
            },
            |(objects, blobs), (t, parent_tree)| {
                let meta = match t.meta {
                    Some(m) => m,
                    None => events::Meta::read(objects.repo(), t.id)?,
                };
                events::of_commit(objects, blobs, meta, parent_tree)
            },
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
    let mut todo: Vec<Todo> = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        if id == known {
            return compute(repo, todo).map(Some);
        }
        if todo.len() == limit {
            break;
        }
        let t = Todo::from(events::Meta::read(&local, id)?);
        next = t.parent;
        todo.push(t);
    }
    Ok(None)
}
