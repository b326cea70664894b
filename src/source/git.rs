//! Records from git objects: any revision of a repository, bare ones included.

use std::path::Path;

use gix::objs::FindExt;
use gix::objs::tree::EntryKind;

use super::{Content, Entry, Location, MAX_FILE_SIZE, Mode, ROOT, SourceError};

/// Opens the repository at (or above) `dir`.
pub fn open_repo(dir: &Path) -> Result<gix::ThreadSafeRepository, SourceError> {
    gix::ThreadSafeRepository::discover(dir).map_err(|source| SourceError::Open {
        path: dir.to_owned(),
        source,
    })
}

/// A tree in a repository: the `maintainers/` directory of one revision.
pub struct GitSource {
    repo: gix::ThreadSafeRepository,
    label: String,
    /// The root tree of the revision.
    tree: gix::ObjectId,
}

impl GitSource {
    /// The tree of `rev` (anything `git rev-parse` accepts that peels to a tree).
    pub fn at_rev(repo: gix::ThreadSafeRepository, rev: &str) -> Result<Self, SourceError> {
        let local = repo.to_thread_local();
        let rev_err = |source| SourceError::Rev {
            rev: rev.to_owned(),
            source,
        };
        let id = local.rev_parse_single(rev).map_err(rev_err)?;
        let tree = id
            .object()
            .and_then(|o| o.peel_to_tree())
            .map_err(rev_err)?
            .id;
        Ok(GitSource {
            repo,
            label: rev.to_owned(),
            tree,
        })
    }

    /// A tree already known by id (the hook's pushed commits).
    pub fn at_tree(repo: gix::ThreadSafeRepository, tree: gix::ObjectId, label: String) -> Self {
        GitSource { repo, label, tree }
    }

    pub fn describe(&self) -> String {
        format!("revision {}", self.label)
    }

    pub(super) fn thread_local(&self) -> gix::Repository {
        self.repo.to_thread_local()
    }

    fn records_tree(&self, repo: &gix::Repository) -> Result<Option<gix::ObjectId>, SourceError> {
        let mut buf = Vec::new();
        let root = repo
            .objects
            .find_tree(&self.tree, &mut buf)
            .map_err(|source| SourceError::Object {
                id: self.tree,
                what: "root tree",
                source,
            })?;
        Ok(root
            .entries
            .iter()
            .find(|e| e.filename == ROOT && e.mode.is_tree())
            .map(|e| e.oid.to_owned()))
    }

    /// Every file under `maintainers/`, in path order: git keeps a tree's entries in the
    /// order their full paths sort, and each subtree is listed where it stands.
    pub(super) fn entries(&self) -> Result<Vec<Entry>, SourceError> {
        let repo = self.thread_local();
        let Some(top) = self.records_tree(&repo)? else {
            return Err(SourceError::NoRecords {
                where_: self.describe(),
            });
        };
        let pieces = self.walk_spread(&repo, top, ROOT, 0, &mut Vec::new())?;
        Ok(super::concat(pieces))
    }

    /// The files under tree `id`, whose path is `prefix`, `depth` levels below `maintainers/`,
    /// as pieces in order: the subtrees of the first levels (the shards of `packages/`) are
    /// walked on threads of their own, the rest one tree after the other.
    fn walk_spread(
        &self,
        repo: &gix::Repository,
        id: gix::ObjectId,
        prefix: &str,
        depth: usize,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<Vec<Entry>>, SourceError> {
        use rayon::prelude::*;
        if depth == SPREAD_DEPTH {
            let mut out = Vec::new();
            walk(repo, id, prefix, buf, &mut out)?;
            return Ok(vec![out]);
        }
        let (mut first, mut parts) = (Vec::new(), Vec::new());
        list(repo, id, prefix, buf, &mut first, &mut parts)?;
        let below: Vec<Vec<Vec<Entry>>> = parts
            .into_par_iter()
            .map_init(
                || (self.thread_local(), Vec::new()),
                |(repo, buf), part| match part {
                    Item::File(e) => Ok(vec![vec![e]]),
                    Item::Tree(id, prefix) => self.walk_spread(repo, id, &prefix, depth + 1, buf),
                },
            )
            .collect::<Result<_, _>>()?;
        let mut pieces = vec![first];
        pieces.extend(below.into_iter().flatten());
        Ok(pieces)
    }

    pub(super) fn read_path(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let repo = self.thread_local();
        let tree = repo
            .find_tree(self.tree)
            .map_err(|source| SourceError::Object {
                id: self.tree,
                what: "root tree",
                source,
            })?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|source| SourceError::Object {
                id: self.tree,
                what: "tree entry",
                source,
            })?;
        match entry {
            Some(e) if e.mode().is_blob() => {
                let id = e.object_id();
                let blob = repo.find_blob(id).map_err(|source| SourceError::Object {
                    id,
                    what: "blob",
                    source,
                })?;
                Ok(Some(blob.data.clone()))
            }
            _ => Ok(None),
        }
    }
}

/// How many levels of subtrees are walked on threads of their own.
const SPREAD_DEPTH: usize = 3;

/// A tree's entry, in the order of the tree.
enum Item {
    File(Entry),
    Tree(gix::ObjectId, String),
}

/// Adds every file under tree `id`, whose path is `prefix`, to `out` in path order.
fn walk(
    repo: &gix::Repository,
    id: gix::ObjectId,
    prefix: &str,
    buf: &mut Vec<u8>,
    out: &mut Vec<Entry>,
) -> Result<(), SourceError> {
    // A stack, not recursion: a pushed tree may nest as deep as its author likes. What is on
    // it comes after the tree being listed.
    let mut stack = vec![Item::Tree(id, prefix.to_owned())];
    while let Some(item) = stack.pop() {
        match item {
            Item::File(e) => out.push(e),
            Item::Tree(id, prefix) => {
                let start = stack.len();
                list(repo, id, &prefix, buf, out, &mut stack)?;
                stack[start..].reverse();
            }
        }
    }
    Ok(())
}

/// Lists tree `id`, whose path is `prefix`, in order: the files before its first subtree go
/// straight to `out`, the rest to `rest` (decoded as they are read, no vector of entries).
fn list(
    repo: &gix::Repository,
    id: gix::ObjectId,
    prefix: &str,
    buf: &mut Vec<u8>,
    out: &mut Vec<Entry>,
    rest: &mut Vec<Item>,
) -> Result<(), SourceError> {
    let object_err = |source| SourceError::Object {
        id,
        what: "tree",
        source,
    };
    let tree = repo.objects.find_tree_iter(&id, buf).map_err(object_err)?;
    out.reserve(tree.count());
    let mut subtree = false;
    for e in tree {
        let e = e.map_err(object_err)?;
        let mut path = String::with_capacity(prefix.len() + 1 + e.filename.len());
        path.push_str(prefix);
        path.push('/');
        match std::str::from_utf8(e.filename) {
            Ok(name) => path.push_str(name),
            Err(_) => path.push_str(&String::from_utf8_lossy(e.filename)),
        }
        let oid = e.oid.to_owned();
        let (mode, location) = match e.mode.kind() {
            EntryKind::Tree => {
                subtree = true;
                rest.push(Item::Tree(oid, path));
                continue;
            }
            EntryKind::Blob => (Mode::File, Location::Blob(oid)),
            EntryKind::BlobExecutable => (Mode::Executable, Location::Blob(oid)),
            EntryKind::Link => (Mode::Symlink, Location::None),
            EntryKind::Commit => (Mode::Submodule, Location::None),
        };
        let entry = Entry {
            path,
            mode,
            location,
        };
        if subtree {
            rest.push(Item::File(entry));
        } else {
            out.push(entry);
        }
    }
    Ok(())
}

pub(super) fn read(
    repo: &gix::Repository,
    buf: &mut Vec<u8>,
    entry: &Entry,
) -> Result<Content, SourceError> {
    let Location::Blob(id) = &entry.location else {
        return Ok(Content::Skipped);
    };
    let blob = repo
        .objects
        .find_blob(id, buf)
        .map_err(|source| SourceError::Object {
            id: *id,
            what: "blob",
            source,
        })?;
    let len = blob.data.len() as u64;
    if len > MAX_FILE_SIZE {
        return Ok(Content::TooLarge(len));
    }
    Ok(Content::Bytes(blob.data.to_vec()))
}
