//! Where record bytes come from: a working tree on disk, or a tree read from git objects.
//! Both list the files under `maintainers/` with their mode as git would record it, and both
//! read them in parallel, so the validator sees identical input from either.

mod git;
pub mod objects;
mod worktree;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use git::{GitSource, open_repo};
pub use worktree::WorktreeSource;

/// The directory every record lives under, relative to the repository root.
pub const ROOT: &str = "maintainers";

/// Records larger than this are refused unread (docs/validation.md).
pub const MAX_FILE_SIZE: u64 = 64 * 1024;

/// A file's mode, as git sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    File,
    Executable,
    Symlink,
    Submodule,
}

/// Where an entry's bytes are.
#[derive(Debug, Clone)]
pub enum Location {
    /// The file on disk, at the entry's path under the working tree.
    Fs,
    /// The file on disk at this path: a name on the way is not UTF-8, and the entry's path
    /// shows it with replacement characters.
    FsAt(Box<Path>),
    Blob(gix::ObjectId),
    /// Symlinks and submodules: never read.
    None,
}

/// One file under `maintainers/`.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub mode: Mode,
    pub location: Location,
}

/// What reading an entry gave.
#[derive(Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    TooLarge(u64),
    /// Not read: a symlink or submodule.
    Skipped,
}

/// Failures of the tool itself while reading a source (not problems in the data).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the git repository at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot resolve revision `{rev}`")]
    Rev {
        rev: String,
        #[source]
        source: gix::Error,
    },
    #[error("cannot read object {id} ({what})")]
    Object {
        id: gix::ObjectId,
        what: &'static str,
        #[source]
        source: gix::Error,
    },
    #[error("{where_} has no `maintainers/` directory")]
    NoRecords { where_: String },
}

/// The shortest piece of `len` items a thread takes: a few long pieces per thread, not the
/// dozens rayon would split the work into, for work whose every piece starts with empty
/// caches (a repository opened again, a pack's delta bases).
pub fn few_pieces(len: usize) -> usize {
    (len / (4 * rayon::current_num_threads())).max(1)
}

/// The pieces of a listing, in order, in one vector.
fn concat(mut pieces: Vec<Vec<Entry>>) -> Vec<Entry> {
    pieces.retain(|p| !p.is_empty());
    if pieces.len() == 1 {
        return pieces.pop().unwrap_or_default();
    }
    let mut out = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    pieces.into_iter().for_each(|p| out.extend(p));
    out
}

/// A source of record files.
pub enum Source {
    Worktree(WorktreeSource),
    Git(Box<GitSource>),
}

impl Source {
    /// Every file under `maintainers/`, sorted by path.
    pub fn entries(&self) -> Result<Vec<Entry>, SourceError> {
        let mut entries = match self {
            Source::Worktree(w) => w.entries()?,
            Source::Git(g) => g.entries()?,
        };
        // Both list paths in order, unless a name is not UTF-8 or a pushed tree is out of order.
        if !entries.is_sorted_by(|a, b| a.path <= b.path) {
            entries.sort_by(|a, b| a.path.cmp(&b.path));
        }
        Ok(entries)
    }

    /// A short description for messages: the directory, or the revision.
    pub fn describe(&self) -> String {
        match self {
            Source::Worktree(w) => w.root().display().to_string(),
            Source::Git(g) => g.describe(),
        }
    }

    /// Reads every entry (in parallel) and maps it with `f`, keeping the order of `entries`.
    /// The results are written in place into one vector of the right size: collecting them
    /// in growing pieces costs more in fresh memory than the reading does.
    pub fn map_entries<E, R, F>(&self, entries: &[E], f: F) -> Result<Vec<R>, SourceError>
    where
        E: std::borrow::Borrow<Entry> + Sync,
        R: Send,
        F: Fn(&Entry, Content) -> R + Sync,
    {
        let mut out: Vec<Result<R, SourceError>> = Vec::with_capacity(entries.len());
        // Each piece a thread takes opens the repository again (its caches and buffers start
        // empty).
        let piece = few_pieces(entries.len());
        match self {
            // Files the index vouches for are read from the object database.
            Source::Worktree(w) => entries
                .par_iter()
                .with_min_len(piece)
                .map_init(
                    || (w.staged().map(|g| g.repo.to_thread_local()), Vec::new()),
                    |(repo, buf), e| {
                        let e = e.borrow();
                        let c = match (&e.location, repo) {
                            (Location::Blob(_), Some(repo)) => git::read(repo, buf, e)?,
                            _ => worktree::read(w.root(), e)?,
                        };
                        Ok(f(e, c))
                    },
                )
                .collect_into_vec(&mut out),
            Source::Git(g) => entries
                .par_iter()
                .with_min_len(piece)
                .map_init(
                    || (g.thread_local(), Vec::new()),
                    |(repo, buf), e| {
                        let e = e.borrow();
                        Ok(f(e, git::read(repo, buf, e)?))
                    },
                )
                .collect_into_vec(&mut out),
        }
        out.into_iter().collect()
    }

    /// Reads one file by repository-relative path; `None` when it does not exist.
    pub fn read_path(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        match self {
            Source::Worktree(w) => w.read_path(path),
            Source::Git(g) => g.read_path(path),
        }
    }
}
