//! `--push`: after committing, push to the branch's upstream with `git push` (gix cannot push).
//! When the server says the branch moved, fetch, drop the commit, recompute the change on the
//! new tip and try again, a bounded number of times with jittered backoff. A refusal by the
//! hook's rules is reported and never retried. The clone ends on the pushed commit, or where it
//! started.

use std::hash::BuildHasher;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{EditError, Outcome};
use crate::commit::Writer;

/// How many times a moving branch is retried before giving up.
pub const MAX_ATTEMPTS: u32 = 25;

/// How a push ended.
#[derive(Debug)]
pub enum Pushed {
    /// Pushed after this many attempts.
    Done { attempts: u32 },
    /// Nothing to push (the command changed nothing, or was refused locally).
    Nothing,
    /// The server's hook refused it; its `remote:` lines.
    Refused(Vec<String>),
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, EditError> {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| EditError::GitCommand {
            what: args.join(" "),
            message: e.to_string(),
        })
}

fn git_ok(dir: &Path, args: &[&str]) -> Result<String, EditError> {
    let out = git(dir, args)?;
    if !out.status.success() {
        return Err(EditError::GitCommand {
            what: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The remote and the remote branch the current branch tracks.
fn upstream(dir: &Path) -> Result<(String, String), EditError> {
    let branch = git_ok(dir, &["symbolic-ref", "-q", "HEAD"])?;
    let line = git_ok(
        dir,
        &[
            "for-each-ref",
            "--format=%(upstream:remotename) %(upstream:remoteref)",
            &branch,
        ],
    )?;
    match line.split_once(' ') {
        Some((remote, rref)) if !remote.is_empty() && !rref.is_empty() => {
            Ok((remote.to_owned(), rref.to_owned()))
        }
        _ => Err(EditError::GitCommand {
            what: "push".into(),
            message: format!(
                "{branch} has no upstream; set one with `git branch --set-upstream-to`"
            ),
        }),
    }
}

/// `<git dir>/maintdb/pushing`: the process running `--push` and the commit it started from,
/// there from before its commit until it returns. A run killed in between leaves its commit
/// unpushed; the next run sees the process is gone and drops that one commit (it stays in
/// the reflog), as if the killed command had never run. More than one commit on top is
/// someone's work, and is only reported.
struct Journal {
    path: std::path::PathBuf,
}

/// Removes the journal when the run returns, however it returns.
struct Pushing<'a>(&'a Journal);

impl Drop for Pushing<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0.path);
    }
}

impl Journal {
    fn at(dir: &Path) -> Result<Journal, EditError> {
        let git_dir = git_ok(dir, &["rev-parse", "--absolute-git-dir"])?;
        Ok(Journal {
            path: Path::new(&git_dir).join("maintdb").join("pushing"),
        })
    }

    fn begin(&self, start: &str) -> Result<Pushing<'_>, EditError> {
        let io = |e: std::io::Error| EditError::GitCommand {
            what: "push".into(),
            message: format!("cannot write {}: {e}", self.path.display()),
        };
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&self.path, format!("{}\n{start}\n", std::process::id())).map_err(io)?;
        Ok(Pushing(self))
    }

    /// Drops the one unpushed commit of a killed run, unless the server has it already. What
    /// was repaired is told in `repairs`.
    fn drop_killed_commit(
        &self,
        dir: &Path,
        remote: &str,
        rref: &str,
        repairs: &mut Vec<String>,
    ) -> Result<(), EditError> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Ok(());
        };
        let mut lines = text.lines();
        let (Some(pid), Some(start)) = (lines.next(), lines.next()) else {
            let _ = std::fs::remove_file(&self.path);
            return Ok(());
        };
        if Path::new("/proc").join(pid).exists() || !Path::new("/proc/self").exists() {
            // The run is alive (or this system cannot tell): leave everything as it is.
            return Ok(());
        }
        // The locks the killed run and its `git` children left.
        if let (Some(since), Some(git_dir)) = (
            crate::commit::journal::written(&self.path),
            self.path.parent().and_then(Path::parent),
        ) {
            crate::commit::journal::remove_locks_since(git_dir, since, repairs);
            // A remote on this machine (a path): its receive-pack ran as a child of the killed
            // run, and may have left the branch's lock there too.
            if let Some(remote_dir) = local_git_dir(dir, remote) {
                crate::commit::journal::remove_locks_since(&remote_dir, since, repairs);
            }
        }
        // The killed run may have pushed before it died: ask the server.
        git_ok(dir, &["fetch", "-q", remote, rref])?;
        let head = git_ok(dir, &["rev-parse", "HEAD"])?;
        let on_server = git(dir, &["merge-base", "--is-ancestor", &head, "FETCH_HEAD"])?;
        let parent = git(dir, &["rev-parse", "-q", "--verify", "HEAD^"])?;
        let one_on_start = String::from_utf8_lossy(&parent.stdout).trim() == start;
        if !on_server.status.success() && one_on_start {
            reset_keep(dir, start)?;
            repairs.push(format!(
                "dropped {}, the unpushed commit of a maintdb run killed before its push (it \
                 stays in the reflog)",
                &head[..head.len().min(12)]
            ));
        }
        let _ = std::fs::remove_file(&self.path);
        Ok(())
    }
}

/// The git directory of `remote` when it is a repository on this machine (a path or a
/// `file://` URL); `None` for a remote reached over the network.
fn local_git_dir(dir: &Path, remote: &str) -> Option<std::path::PathBuf> {
    let url = git_ok(dir, &["remote", "get-url", remote]).ok()?;
    let path = match url.strip_prefix("file://") {
        Some(p) => p.to_owned(),
        // `host:path` (scp-like) and `scheme://` are remote.
        None if url.contains("://") || url.split('/').next().is_some_and(|h| h.contains(':')) => {
            return None;
        }
        None => url,
    };
    let path = dir.join(path);
    [path.join(".git"), path]
        .into_iter()
        .find(|p| p.join("HEAD").is_file() && p.join("refs").is_dir())
}

/// `git reset --keep` to `rev`, with each record written whole (see
/// [`Writer::move_to`]), so that a run killed meanwhile leaves no half-written file; git
/// itself when the change is more than regular files.
fn reset_keep(dir: &Path, rev: &str) -> Result<(), EditError> {
    let id = git_ok(
        dir,
        &["rev-parse", "--verify", "-q", &format!("{rev}^{{commit}}")],
    )?;
    let id = gix::ObjectId::from_hex(id.as_bytes()).map_err(|e| EditError::GitCommand {
        what: "reset".into(),
        message: format!("git named {rev} {id:?}: {e}"),
    })?;
    if !Writer::open(dir)?.move_to(id)? {
        git_ok(dir, &["reset", "-q", "--keep", rev])?;
    }
    Ok(())
}

/// Attempts in a row that find the server's branch locked before a push gives up: another
/// push holds the lock for milliseconds, so by then (about a second) it is one left behind.
const LOCKED_ATTEMPTS: u32 = 5;

/// Whether git says the branch's lock file exists on the server.
fn stale_lock(push_output: &str) -> bool {
    push_output.contains("cannot lock ref") && push_output.contains("File exists")
}

fn backoff(attempt: u32) -> Duration {
    let base = 25u64 << attempt.min(5);
    let jitter = std::hash::RandomState::new().hash_one(attempt) % base;
    Duration::from_millis((base + jitter).min(1500))
}

/// Brings the branch up to its upstream, by fast-forward only, before a run that must see what
/// other clones pushed (the tracker's mail, planned from what was already sent). A branch with
/// commits of its own is left as it is: the push that follows deals with it.
pub fn catch_up(dir: &Path) -> Result<(), EditError> {
    let (remote, rref) = upstream(dir)?;
    git_ok(dir, &["fetch", "-q", &remote, &rref])?;
    let behind = git(dir, &["merge-base", "--is-ancestor", "HEAD", "FETCH_HEAD"])?;
    if behind.status.success() {
        reset_keep(dir, "FETCH_HEAD")?;
    }
    Ok(())
}

/// Runs `attempt` (which commits on the current `HEAD`) and pushes, retrying while the branch
/// moves under it. What it repaired of a killed run first is told in `repairs`.
pub fn with_push<E: From<EditError>>(
    dir: &Path,
    mut attempt: impl FnMut() -> Result<Outcome, E>,
    repairs: &mut Vec<String>,
) -> Result<(Outcome, Pushed), E> {
    let (remote, rref) = upstream(dir)?;
    let journal = Journal::at(dir)?;
    journal.drop_killed_commit(dir, &remote, &rref, repairs)?;
    let ahead = git_ok(dir, &["rev-list", "--count", "@{upstream}..HEAD"])?;
    if ahead != "0" {
        return Err(EditError::GitCommand {
            what: "push".into(),
            message: format!("the branch has {ahead} unpushed commit(s); push or drop them first, so a retry cannot lose them"),
        }
        .into());
    }
    let _pushing = journal.begin(&git_ok(dir, &["rev-parse", "HEAD"])?)?;
    let mut last = String::new();
    // A push that finds the server's branch locked, time after time: a lock that stays.
    let mut locked = 0;
    for n in 1..=MAX_ATTEMPTS {
        let start = git_ok(dir, &["rev-parse", "HEAD"])?;
        let outcome = attempt()?;
        if !matches!(outcome, Outcome::Committed { .. }) {
            return Ok((outcome, Pushed::Nothing));
        }
        let out = git(
            dir,
            &["push", "--porcelain", &remote, &format!("HEAD:{rref}")],
        )?;
        if out.status.success() {
            return Ok((outcome, Pushed::Done { attempts: n }));
        }
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
        // Leave no stray commit behind, whatever happens next.
        reset_keep(dir, &start)?;
        if all.contains("maintdb: push refused") {
            let remote_lines = err
                .lines()
                .filter(|l| l.starts_with("remote:"))
                .map(ToOwned::to_owned)
                .collect();
            return Ok((outcome, Pushed::Refused(remote_lines)));
        }
        // The branch moved: before our push (rejected by git), or while the hook ran (the
        // server's ref update lost the race).
        let moved = [
            "fetch first",
            "non-fast-forward",
            "[rejected]",
            "cannot lock ref",
            "failed to update ref",
        ]
        .iter()
        .any(|m| all.contains(m));
        if !moved {
            return Err(EditError::GitCommand {
                what: "push".into(),
                message: err.trim().to_owned(),
            }
            .into());
        }
        locked = if stale_lock(&all) { locked + 1 } else { 0 };
        last = all;
        if locked == LOCKED_ATTEMPTS {
            break;
        }
        git_ok(dir, &["fetch", "-q", &remote, &rref])?;
        reset_keep(dir, "FETCH_HEAD")?;
        std::thread::sleep(backoff(n));
    }
    let message = if locked == LOCKED_ATTEMPTS {
        format!(
            "gave up after {LOCKED_ATTEMPTS} attempts: the server's branch stayed locked ({}); \
             a push there is stuck, or one was killed: if the lock file stays, remove it on the \
             server",
            last.lines()
                .find(|l| l.contains("cannot lock ref"))
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .trim()
        )
    } else {
        format!("gave up after {MAX_ATTEMPTS} attempts: the branch kept moving")
    };
    Err(EditError::GitCommand {
        what: "push".into(),
        message,
    }
    .into())
}
