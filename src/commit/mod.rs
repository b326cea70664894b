//! Writing a set of file changes as one commit with gix: blobs and trees go straight into the
//! object database (only the changed paths are rehashed), then the branch moves with a
//! compare-and-swap, and finally the working tree and index follow.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;

use crate::source::{GitSource, Source};

pub(crate) mod journal;

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

    /// Finishes what a killed writing command left: its commit made but the working tree and
    /// index not yet following (their lock still held), per its journal. A lock this tool
    /// did not take is only reported.
    fn finish_killed_run(&mut self) -> Result<(), CommitError> {
        let Some(workdir) = &self.workdir else {
            return Ok(());
        };
        let index_path = self.repo.index_path();
        let Some(left) = journal::left(&self.repo, &index_path, &mut self.repairs)? else {
            return Ok(());
        };
        // The killed run's temporary files.
        let _ = fs::remove_dir_all(journal::scratch(&self.repo));
        if self.head != left.before {
            let changes = left
                .paths
                .iter()
                .map(|p| {
                    Ok(Change {
                        path: p.clone(),
                        content: self.head_content(p)?,
                    })
                })
                .collect::<Result<Vec<_>, CommitError>>()?;
            let lock = self.lock_index(&changes)?;
            self.update_worktree(workdir, &changes, self.read_index()?, lock)?;
            journal::done(&self.repo);
            self.repairs.push(format!(
                "a killed maintdb run left its commit without the working tree; brought {} in \
                 line with HEAD",
                crate::words::count(changes.len(), "file", "files")
            ));
        } else {
            journal::done(&self.repo);
        }
        Ok(())
    }

    /// The bytes at `path` in `HEAD`, if any.
    fn head_content(&self, path: &str) -> Result<Option<Vec<u8>>, CommitError> {
        match self.head_blob(path)? {
            Some(id) => Ok(Some(
                self.repo
                    .find_object(id)
                    .map_err(git("reading a blob"))?
                    .detach()
                    .data,
            )),
            None => Ok(None),
        }
    }

    /// Takes git's index lock and records in the journal that this process holds it for
    /// `changes`.
    fn lock_index(&self, changes: &[Change]) -> Result<gix::lock::File, CommitError> {
        let index_path = self.repo.index_path();
        // The intent first: a run killed between taking the lock and naming it in the
        // journal would leave a lock nobody can tell from a running git's.
        journal::begin(&self.repo, &index_path, self.head, changes, false)?;
        let lock = match gix::lock::File::acquire_to_update_resource(
            &index_path,
            gix::lock::acquire::Fail::Immediately,
            None,
            0,
        ) {
            Ok(lock) => lock,
            Err(source) => {
                journal::done(&self.repo);
                return Err(journal::locked(&index_path, source));
            }
        };
        journal::begin(&self.repo, &index_path, self.head, changes, true)?;
        Ok(lock)
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

    /// Refuses to overwrite a path whose working copy differs from `HEAD`.
    fn ensure_clean(&self, path: &str) -> Result<(), CommitError> {
        let Some(workdir) = &self.workdir else {
            return Ok(());
        };
        let full = workdir.join(path);
        let on_disk = match fs::read(&full) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&full)(e)),
        };
        let in_head = self.head_blob(path)?;
        let same = match (&on_disk, in_head) {
            (None, None) => true,
            (Some(b), Some(id)) => {
                gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, b)
                    .map_err(git("hashing a file"))?
                    == id
            }
            _ => false,
        };
        if same {
            Ok(())
        } else {
            Err(CommitError::Dirty {
                path: path.to_owned(),
            })
        }
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
        let id = made.map_err(git("committing"))?.detach();
        if let (Some((index, lock)), Some(workdir)) = (index, &self.workdir) {
            self.update_worktree(workdir, changes, index, lock)?;
            journal::done(&self.repo);
        }
        Ok(id)
    }

    fn read_index(&self) -> Result<gix::index::File, CommitError> {
        // Like git, trust the index file without re-hashing it on read: on a large clone that
        // hash is most of a command's time. It is still written with its checksum.
        let index_path = self.repo.index_path();
        let hash = self.repo.object_hash();
        Ok(if index_path.exists() {
            gix::index::File::at(&index_path, hash, true, Default::default())
                .map_err(git("reading the index"))?
        } else {
            gix::index::File::from_state(gix::index::State::new(hash), index_path)
        })
    }

    fn update_worktree(
        &self,
        workdir: &Path,
        changes: &[Change],
        mut index: gix::index::File,
        lock: gix::lock::File,
    ) -> Result<(), CommitError> {
        let hash = self.repo.object_hash();
        let mut removed = std::collections::HashSet::new();
        let sorted_len = index.entries().len();
        let mut pushed = false;
        for c in changes {
            let full = workdir.join(&c.path);
            match &c.content {
                Some(bytes) => {
                    write_atomically(&full, bytes, &journal::scratch(&self.repo))?;
                    let meta =
                        gix::index::fs::Metadata::from_path_no_follow(&full).map_err(io(&full))?;
                    let stat = gix::index::entry::Stat::from_fs(&meta).unwrap_or_default();
                    let id = gix::objs::compute_hash(
                        self.repo.object_hash(),
                        gix::objs::Kind::Blob,
                        bytes,
                    )
                    .map_err(git("hashing a file"))?;
                    let path = c.path.as_bytes().as_bstr();
                    let stage = gix::index::entry::Stage::Unconflicted;
                    // Look only among the entries that were sorted before this loop pushed any.
                    match index.entry_index_by_path_and_stage_bounded(path, stage, sorted_len) {
                        Some(i) => {
                            let e = &mut index.entries_mut()[i];
                            e.id = id;
                            e.stat = stat;
                            e.mode = gix::index::entry::Mode::FILE;
                        }
                        None => {
                            index.dangerously_push_entry(
                                stat,
                                id,
                                gix::index::entry::Flags::empty(),
                                gix::index::entry::Mode::FILE,
                                path,
                            );
                            pushed = true;
                        }
                    }
                }
                None => {
                    match fs::remove_file(&full) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(io(&full)(e)),
                    }
                    removed.insert(c.path.as_bytes().to_vec());
                }
            }
        }
        if pushed {
            index.sort_entries();
        }
        if !removed.is_empty() {
            index.remove_entries(|_, p, _| removed.contains(p.as_bytes()));
        }
        // The cached tree extension no longer matches; git rebuilds it when needed.
        index.remove_tree();
        let skip_hash = self
            .repo
            .config_snapshot()
            .boolean("index.skipHash")
            .unwrap_or(false);
        write_index(&index, hash, skip_hash, lock)?;
        Ok(())
    }
}

/// Writes the index under git's lock file, hashing the serialized bytes in one pass (gix's
/// writer hashes every small write separately, which dominates on a large index). With git's
/// `index.skipHash` the trailer stays null, as git writes it.
fn write_index(
    index: &gix::index::File,
    hash: gix::hash::Kind,
    skip_hash: bool,
    mut lock: gix::lock::File,
) -> Result<(), CommitError> {
    let path = index.path().to_owned();
    let options = gix::index::write::Options {
        skip_hash: true,
        ..Default::default()
    };
    let size = std::fs::metadata(&path).map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size + 64 * 1024);
    index
        .write_to(&mut bytes, options)
        .map_err(git("writing the index"))?;
    if !skip_hash {
        // Written with a null trailer: replace it by the real hash.
        bytes.truncate(bytes.len() - hash.len_in_bytes());
        let mut hasher = gix::hash::hasher(hash);
        hasher.update(&bytes);
        let digest = hasher.try_finalize().map_err(git("hashing the index"))?;
        bytes.extend_from_slice(digest.as_slice());
    }
    lock.write_all(&bytes).map_err(io(&path))?;
    lock.commit().map_err(|e| io(&path)(e.error))?;
    Ok(())
}

/// Writes through a temporary file and a rename, so a reader never sees half a record. The
/// temporary file is made in `scratch` (in the git dir), so that a killed run leaves nothing
/// among the records; beside the record when the two are on different file systems.
fn write_atomically(path: &Path, bytes: &[u8], scratch: &Path) -> Result<(), CommitError> {
    let dir = path.parent().expect("a record path has a parent directory");
    fs::create_dir_all(dir).map_err(io(dir))?;
    fs::create_dir_all(scratch).map_err(io(scratch))?;
    let mut tmp = tempfile::NamedTempFile::new_in(scratch).map_err(io(scratch))?;
    tmp.write_all(bytes).map_err(io(path))?;
    let tmp = match tmp.persist(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::CrossesDevices => e.file,
        Err(e) => return Err(io(path)(e.error)),
    };
    drop(tmp);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(path))?;
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}
