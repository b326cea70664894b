//! Writing a set of file changes as one commit with gix: blobs and trees go straight into the
//! object database (only the changed paths are rehashed), then the branch moves with a
//! compare-and-swap, and finally the working tree and index follow.

use std::path::{Path, PathBuf};

use gix::objs::tree::EntryKind;

use crate::source::{GitSource, Source};

pub(crate) mod journal;
mod worktree;

/// One file to write (`Some`) or delete (`None`), by repository-relative path.
#[derive(Debug, Clone)]
pub struct Change {
    pub path: String,
    pub content: Option<Vec<u8>>,
}

/// Who a commit is by.
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

/// Failures while writing a commit.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("cannot open the clone at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("{path} is a bare repository; writing commands need a clone with a working tree")]
    Bare { path: PathBuf },
    #[error(
        "{path} has uncommitted changes; commit or stash them first, so they are not overwritten"
    )]
    Dirty { path: String },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} exists ({why}); if no git command is running, remove it")]
    Locked { path: PathBuf, why: String },
    #[error("git failed while {what}")]
    Git {
        what: &'static str,
        #[source]
        source: gix::Error,
    },
}

impl CommitError {
    /// Whether the same commit may succeed when tried again: a lock another process holds
    /// for a moment.
    pub fn is_transient(&self) -> bool {
        match self {
            CommitError::Locked { .. } => true,
            CommitError::Git { source, .. } => source.is_retryable(),
            _ => false,
        }
    }
}

fn git(what: &'static str) -> impl FnOnce(gix::Error) -> CommitError {
    move |source| CommitError::Git { what, source }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CommitError + '_ {
    move |source| CommitError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A clone positioned at its `HEAD`, or a branch of any repository (a server's bare one),
/// ready to commit changes on top.
pub struct Writer {
    repo: gix::Repository,
    /// The working tree that follows each commit; none when writing a branch directly.
    workdir: Option<PathBuf>,
    /// The reference a commit moves: `HEAD` in a clone, else the branch.
    reference: String,
    head: Option<gix::ObjectId>,
    base_tree: gix::ObjectId,
    /// What opening repaired of a killed run, one line each, for the caller to tell.
    repairs: Vec<String>,
}

impl Writer {
    /// Opens the clone at (or above) `dir`, finishing what a killed run left; see
    /// [`Writer::repairs`].
    pub fn open(dir: &Path) -> Result<Self, CommitError> {
        let repo = gix::discover(dir).map_err(|source| CommitError::Open {
            path: dir.to_owned(),
            source,
        })?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| CommitError::Bare {
                path: dir.to_owned(),
            })?
            .to_owned();
        let head = repo.head_id().ok().map(|id| id.detach());
        let mut writer = Writer::at(repo, Some(workdir), "HEAD".to_owned(), head)?;
        writer.finish_killed_run()?;
        Ok(writer)
    }

    /// Writes `reference` (`refs/heads/main`) of `repo` directly, with no working tree: what
    /// a server does for its admin API. The commit moves the reference only if it still
    /// points where it pointed now.
    pub fn at_branch(repo: gix::Repository, reference: &str) -> Result<Self, CommitError> {
        let head = repo
            .find_reference(reference)
            .ok()
            .and_then(|mut r| r.peel_to_id().ok())
            .map(|id| id.detach());
        let mut repairs = Vec::new();
        journal::clear_killed_commit(&repo, &mut repairs);
        let mut writer = Writer::at(repo, None, reference.to_owned(), head)?;
        writer.repairs = repairs;
        Ok(writer)
    }

    fn at(
        mut repo: gix::Repository,
        workdir: Option<PathBuf>,
        reference: String,
        head: Option<gix::ObjectId>,
    ) -> Result<Self, CommitError> {
        // The gate looks records up by path, each lookup walking from the root: keep the
        // inflated trees, so a change of thousands of files does not inflate them each time.
        repo.object_cache_size_if_unset(8 * 1024 * 1024);
        let base_tree = match head {
            Some(id) => repo
                .find_commit(id)
                .and_then(|c| c.tree_id())
                .map_err(git("reading HEAD"))?
                .detach(),
            None => gix::ObjectId::empty_tree(repo.object_hash()),
        };
        Ok(Writer {
            repo,
            workdir,
            reference,
            head,
            base_tree,
            repairs: Vec::new(),
        })
    }

    /// The identity git is configured with (`user.name`, `user.email`, or the environment).
    pub fn committer_identity(&self) -> Option<Identity> {
        let c = self.repo.committer()?.ok()?;
        Some(Identity {
            name: c.name.to_string(),
            email: c.email.to_string(),
        })
    }

    /// What opening repaired of a run that was killed (its stale locks, a working tree
    /// behind its commit), one line each: the caller tells the user.
    pub fn repairs(&self) -> &[String] {
        &self.repairs
    }

    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// The root tree of `HEAD` (the empty tree in an empty repository).
    pub fn base_tree(&self) -> gix::ObjectId {
        self.base_tree
    }

    /// The working tree, when the writer has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    pub fn head(&self) -> Option<gix::ObjectId> {
        self.head
    }

    /// The records as of `HEAD` (or of `tree`), read from git objects.
    pub fn source_at(&self, tree: Option<gix::ObjectId>) -> Source {
        Source::Git(Box::new(GitSource::at_tree(
            self.repo.clone().into_sync(),
            tree.unwrap_or(self.base_tree),
            "HEAD".to_owned(),
        )))
    }

    /// Whether the records at `HEAD` exist at all (an empty repository has none).
    pub fn has_records(&self) -> bool {
        self.head.is_some()
            && self
                .repo
                .find_tree(self.base_tree)
                .ok()
                .and_then(|t| t.find_entry(crate::source::ROOT).map(|_| ()))
                .is_some()
    }

    /// The blob id at `path` in `HEAD`, if any.
    fn head_blob(&self, path: &str) -> Result<Option<gix::ObjectId>, CommitError> {
        let tree = self
            .repo
            .find_tree(self.base_tree)
            .map_err(git("reading HEAD's tree"))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(git("reading HEAD's tree"))?;
        Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
    }

    /// Writes the changed blobs and the new root tree; returns the tree id. Nothing is visible
    /// yet: no ref moves and no working file changes.
    pub fn stage(&self, changes: &[Change]) -> Result<gix::ObjectId, CommitError> {
        for c in changes {
            self.ensure_clean(&c.path)?;
        }
        let mut editor = self
            .repo
            .edit_tree(self.base_tree)
            .map_err(git("editing the tree"))?;
        for c in changes {
            match &c.content {
                Some(bytes) => {
                    let id = self.repo.write_blob(bytes).map_err(git("writing a blob"))?;
                    editor
                        .upsert(c.path.as_str(), EntryKind::Blob, id)
                        .map_err(git("editing the tree"))?;
                }
                None => {
                    editor
                        .remove(c.path.as_str())
                        .map_err(git("editing the tree"))?;
                }
            }
        }
        Ok(editor.write().map_err(git("writing the tree"))?.detach())
    }

    /// Why a commit did not move the branch: another process holding its lock (a push's `git
    /// receive-pack`, another call) past git's lock timeout is named as such.
    fn not_moved(&self, source: gix::Error) -> CommitError {
        let lock = self
            .repo
            .common_dir()
            .join(format!("{}.lock", self.reference));
        if source.is_retryable() && lock.exists() {
            CommitError::Locked {
                path: lock,
                why: journal::HELD.to_owned(),
            }
        } else {
            git("committing")(source)
        }
    }

    /// Commits `tree` on top of `HEAD` (the branch must not have moved since [`Writer::open`]),
    /// then brings the working tree and index in line with `changes`.
    pub fn commit(
        &self,
        tree: gix::ObjectId,
        message: &str,
        author: &Identity,
        changes: &[Change],
    ) -> Result<gix::ObjectId, CommitError> {
        // Read and lock the index first: if that fails, nothing has moved yet.
        let index = match self.workdir {
            Some(_) => {
                let index = self.read_index()?;
                let lock = self.lock_index(changes)?;
                Some((index, lock))
            }
            None => None,
        };
        let mut time_buf = gix::date::parse::TimeBuf::default();
        let committer = match self.repo.committer() {
            Some(Ok(c)) => c.to_owned().map_err(git("reading the committer"))?,
            _ => gix::actor::Signature {
                name: author.name.clone().into(),
                email: author.email.clone().into(),
                time: gix::date::Time::now_local_or_utc(),
            },
        };
        let author_sig = gix::actor::Signature {
            name: author.name.clone().into(),
            email: author.email.clone().into(),
            time: committer.time,
        };
        let mut time_buf2 = gix::date::parse::TimeBuf::default();
        if self.workdir.is_none() {
            journal::begin_commit(&self.repo)?;
        }
        let made = self.repo.commit_as(
            committer.to_ref(&mut time_buf),
            author_sig.to_ref(&mut time_buf2),
            self.reference.as_str(),
            message,
            tree,
            self.head,
        );
        if self.workdir.is_none() {
            journal::done_commit(&self.repo);
        }
        let id = made.map_err(|e| self.not_moved(e))?.detach();
        if let (Some((index, lock)), Some(workdir)) = (index, &self.workdir) {
            self.update_worktree(workdir, changes, index, lock)?;
            journal::done(&self.repo);
        }
        Ok(id)
    }
}
