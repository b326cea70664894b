//! The working tree and index following a commit: refusing to overwrite uncommitted edits,
//! git's index lock with the journal that lets a killed run be finished, and each changed
//! file written atomically.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use gix::bstr::ByteSlice;

use super::{Change, CommitError, Writer, git, io, journal};

impl Writer {
    /// Finishes what a killed writing command left: its commit made but the working tree and
    /// index not yet following (their lock still held), per its journal. A lock this tool
    /// did not take is only reported.
    pub(super) fn finish_killed_run(&mut self) -> Result<(), CommitError> {
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

    /// Moves `HEAD` to `target` as `git reset --keep` does, but with each changed file
    /// written atomically under the journal that lets a killed run be finished: a run killed
    /// at any point leaves every record whole (git writes a file in place, so a kill can
    /// leave half of one). A file it would change that has uncommitted edits is refused.
    /// `Ok(false)`, with nothing done, when the trees differ in more than regular files (an
    /// executable, a symlink, a file that becomes a directory): that is left to git.
    pub fn move_to(&self, target: gix::ObjectId) -> Result<bool, CommitError> {
        use gix::diff::tree::recorder::Change as Diff;
        let (Some(workdir), Some(head)) = (&self.workdir, self.head) else {
            return Ok(false);
        };
        let tree = self
            .repo
            .find_commit(target)
            .and_then(|c| c.tree_id())
            .map_err(git("reading the commit to move to"))?
            .detach();
        let old = self
            .repo
            .find_tree(self.base_tree)
            .map_err(git("reading HEAD's tree"))?;
        let new = self
            .repo
            .find_tree(tree)
            .map_err(git("reading the tree to move to"))?;
        let mut recorder = gix::diff::tree::Recorder::default();
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&old.data, self.repo.object_hash()),
            gix::objs::TreeRefIter::from_bytes(&new.data, self.repo.object_hash()),
            gix::diff::tree::State::default(),
            &self.repo.objects,
            &mut recorder,
        )
        .map_err(|e| git("comparing the trees")(gix::Error::from_error(e)))?;
        let plain = |m: gix::objs::tree::EntryMode| m.kind() == gix::objs::tree::EntryKind::Blob;
        let mut changes = Vec::new();
        for c in &recorder.records {
            let (path, content) = match c {
                Diff::Addition { entry_mode, .. } | Diff::Deletion { entry_mode, .. }
                    if entry_mode.is_tree() =>
                {
                    continue;
                }
                Diff::Modification {
                    previous_entry_mode,
                    entry_mode,
                    ..
                } if previous_entry_mode.is_tree() && entry_mode.is_tree() => continue,
                Diff::Addition {
                    path,
                    entry_mode,
                    oid,
                    ..
                } if plain(*entry_mode) => (path, Some(*oid)),
                Diff::Deletion {
                    path, entry_mode, ..
                } if plain(*entry_mode) => (path, None),
                Diff::Modification {
                    path,
                    previous_entry_mode,
                    entry_mode,
                    oid,
                    ..
                } if plain(*previous_entry_mode) && plain(*entry_mode) => (path, Some(*oid)),
                _ => return Ok(false),
            };
            let content = match content {
                Some(id) => Some(
                    self.repo
                        .find_object(id)
                        .map_err(git("reading a blob"))?
                        .detach()
                        .data,
                ),
                None => None,
            };
            changes.push(Change {
                path: path.to_str_lossy().into_owned(),
                content,
            });
        }
        for c in &changes {
            self.ensure_clean(&c.path)?;
        }
        let index = self.read_index()?;
        let lock = self.lock_index(&changes)?;
        use gix::refs::transaction::{Change as Edit, LogChange, PreviousValue, RefEdit, RefLog};
        let moved = self.repo.edit_reference(RefEdit {
            change: Edit::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: format!("maintdb: moving to {target}").into(),
                },
                expected: PreviousValue::MustExistAndMatch(gix::refs::Target::Object(head)),
                new: gix::refs::Target::Object(target),
            },
            name: "HEAD".try_into().expect("a valid name"),
            deref: true,
        });
        if let Err(e) = moved {
            journal::done(&self.repo);
            return Err(git("moving HEAD")(e));
        }
        self.update_worktree(workdir, &changes, index, lock)?;
        journal::done(&self.repo);
        Ok(true)
    }

    /// The bytes at `path` in `HEAD`, if any.
    pub(super) fn head_content(&self, path: &str) -> Result<Option<Vec<u8>>, CommitError> {
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
    pub(super) fn lock_index(&self, changes: &[Change]) -> Result<gix::lock::File, CommitError> {
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

    /// Refuses to overwrite a path whose working copy differs from `HEAD`.
    pub(super) fn ensure_clean(&self, path: &str) -> Result<(), CommitError> {
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

    pub(super) fn read_index(&self) -> Result<gix::index::File, CommitError> {
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

    pub(super) fn update_worktree(
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
