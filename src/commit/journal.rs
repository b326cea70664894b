//! The writing journal, `<git dir>/maintdb/writing`: while a command holds git's index lock
//! to bring the working tree and index in line with its commit, the journal names the
//! process, the lock file (by inode), the branch tip before the commit and the paths. A
//! command killed in that window leaves both behind; the next one sees that the process is
//! gone and the lock is the one it took, and finishes the work. A lock nobody journaled
//! (a running or killed `git`) is never removed, only reported. Beside it, `committing`
//! does the same for the branch lock of a commit made without a working tree.

use std::path::{Path, PathBuf};

use super::{Change, CommitError};

fn path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("maintdb").join("writing")
}

/// Where files are written before they are renamed into the working tree.
pub(super) fn scratch(repo: &gix::Repository) -> PathBuf {
    repo.git_dir().join("maintdb").join("tmp")
}

fn lock_path(index: &Path) -> PathBuf {
    let mut p = index.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

fn inode(p: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::symlink_metadata(p).ok().map(|m| m.ino())
}

/// Whether process `pid` still runs (where `/proc` can tell; elsewhere it is assumed to).
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes the lock files under `git_dir` (its own and those under `refs/`) made since
/// `since`, when a journal shows that the run that made them is dead: git's locks carry no
/// owner, and a killed run (with its `git` children) leaves them for good. Each one removed
/// is told in `repairs`.
pub(crate) fn remove_locks_since(
    git_dir: &Path,
    since: std::time::SystemTime,
    repairs: &mut Vec<String>,
) {
    let mut dirs = vec![git_dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                if dir == git_dir && e.file_name() != "refs" {
                    continue;
                }
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "lock")
                && meta.modified().is_ok_and(|m| m >= since)
                && std::fs::remove_file(&p).is_ok()
            {
                repairs.push(format!(
                    "removed {}, left by a killed maintdb run",
                    p.display()
                ));
            }
        }
    }
}

/// When the journal at `path` was written.
pub(crate) fn written(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The error of an index lock that could not be taken.
pub(super) fn locked(index: &Path, source: gix::Error) -> CommitError {
    let path = lock_path(index);
    if path.exists() {
        CommitError::Locked {
            path,
            why: HELD.to_owned(),
        }
    } else {
        CommitError::Git {
            what: "locking the index",
            source,
        }
    }
}

pub(super) const HELD: &str = "held by a git command, or left by a killed one";

/// Records that this process is about to take (`held` false) or holds the index lock for
/// `changes` on top of `before`. Only a held lock is named by its inode; an intent names none.
pub(super) fn begin(
    repo: &gix::Repository,
    index: &Path,
    before: Option<gix::ObjectId>,
    changes: &[Change],
    held: bool,
) -> Result<(), CommitError> {
    let p = path(repo);
    let dir = p.parent().expect("the journal lives in a directory");
    let io = |e| CommitError::Io {
        path: p.clone(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut text = format!(
        "{}\n{}\n{}\n",
        std::process::id(),
        if held {
            inode(&lock_path(index)).unwrap_or(0)
        } else {
            0
        },
        before.map_or_else(|| "none".to_owned(), |id| id.to_string())
    );
    for c in changes {
        text.push_str(&c.path);
        text.push('\n');
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(io)?;
    tmp.persist(&p).map_err(|e| io(e.error))?;
    Ok(())
}

/// The work is done: the journal goes.
pub(super) fn done(repo: &gix::Repository) {
    let _ = std::fs::remove_file(path(repo));
}

/// `<git dir>/maintdb/committing`: a commit into a repository without a working tree (a
/// server's admin call) names its process here while it moves the branch. A run killed in
/// that window leaves git's lock of the branch, and no push or call could move it again.
fn committing(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("maintdb").join("committing")
}

/// Records that this process is about to move a branch.
pub(super) fn begin_commit(repo: &gix::Repository) -> Result<(), CommitError> {
    let p = committing(repo);
    let io = |e| CommitError::Io {
        path: p.clone(),
        source: e,
    };
    let dir = p.parent().expect("the journal lives in a directory");
    std::fs::create_dir_all(dir).map_err(io)?;
    // Whole or not at all: concurrent writers read it while they start, and one that read it
    // half-written (empty) would take its writer for dead.
    let mut part = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut part, format!("{}\n", std::process::id()).as_bytes())
        .map_err(io)?;
    part.persist(&p).map_err(|e| io(e.error))?;
    Ok(())
}

/// The branch moved (or the commit failed): the journal goes.
pub(super) fn done_commit(repo: &gix::Repository) {
    let _ = std::fs::remove_file(committing(repo));
}

/// When a run that was moving a branch was killed, removes the locks it left (those made
/// since its journal) and the journal. A run that still goes on is left alone.
pub(super) fn clear_killed_commit(repo: &gix::Repository, repairs: &mut Vec<String>) {
    let p = committing(repo);
    let Ok(text) = std::fs::read_to_string(&p) else {
        return;
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        // It names no process, so no run is known dead: the locks stay (a journal is written
        // whole, by rename, so this one was damaged), the journal goes.
        let _ = std::fs::remove_file(&p);
        return;
    };
    if alive(pid) {
        return;
    }
    if let Some(since) = written(&p) {
        remove_locks_since(repo.git_dir(), since, repairs);
    }
    let _ = std::fs::remove_file(&p);
}

/// What a killed run left to finish.
pub(super) struct Left {
    pub(super) before: Option<gix::ObjectId>,
    pub(super) paths: Vec<String>,
}

/// The unfinished work of a killed run, with its stale lock removed; `None` when there is
/// none. A journal of a process that still runs is an error (wait for it).
pub(super) fn left(
    repo: &gix::Repository,
    index: &Path,
    repairs: &mut Vec<String>,
) -> Result<Option<Left>, CommitError> {
    let p = path(repo);
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Ok(None);
    };
    let mut lines = text.lines();
    let (Some(pid), Some(ino), Some(before)) = (lines.next(), lines.next(), lines.next()) else {
        // Cut short before it was whole: its lock, if any, was not recorded.
        done(repo);
        return Ok(None);
    };
    let (Ok(pid), Ok(ino)) = (pid.parse::<u32>(), ino.parse::<u64>()) else {
        done(repo);
        return Ok(None);
    };
    let lock = lock_path(index);
    if pid != std::process::id() && alive(pid) {
        return Err(CommitError::Locked {
            path: lock,
            why: format!("maintdb process {pid} is writing this clone; wait for it"),
        });
    }
    let since = written(&p);
    // A run killed between its intent and naming its lock: a lock made since the intent is
    // the one it took (as for the branch locks below).
    let taken_since = ino == 0 && since.is_some_and(|s| written(&lock).is_some_and(|l| l >= s));
    match inode(&lock) {
        // The lock the dead run took: it is stale.
        Some(i) if i == ino || taken_since => {
            std::fs::remove_file(&lock).map_err(|source| CommitError::Io {
                path: lock.clone(),
                source,
            })?;
        }
        // Someone else's lock now (or none: the run got as far as writing the index).
        _ => {
            if inode(&lock).is_none() {
                done(repo);
                return Ok(None);
            }
            return Err(CommitError::Locked {
                path: lock,
                why: HELD.to_owned(),
            });
        }
    }
    // The ref locks of the dead run's commit, if it died inside it.
    if let Some(since) = since {
        remove_locks_since(repo.git_dir(), since, repairs);
    }
    let before = gix::ObjectId::from_hex(before.as_bytes()).ok();
    Ok(Some(Left {
        before,
        paths: lines.map(ToOwned::to_owned).collect(),
    }))
}
