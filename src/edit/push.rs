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

fn backoff(attempt: u32) -> Duration {
    let base = 25u64 << attempt.min(5);
    let jitter = std::hash::RandomState::new().hash_one(attempt) % base;
    Duration::from_millis((base + jitter).min(1500))
}

/// Runs `attempt` (which commits on the current `HEAD`) and pushes, retrying while the branch
/// moves under it.
pub fn with_push<E: From<EditError>>(
    dir: &Path,
    mut attempt: impl FnMut() -> Result<Outcome, E>,
) -> Result<(Outcome, Pushed), E> {
    let (remote, rref) = upstream(dir)?;
    let ahead = git_ok(dir, &["rev-list", "--count", "@{upstream}..HEAD"])?;
    if ahead != "0" {
        return Err(EditError::GitCommand {
            what: "push".into(),
            message: format!("the branch has {ahead} unpushed commit(s); push or drop them first, so a retry cannot lose them"),
        }
        .into());
    }
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
        git_ok(dir, &["reset", "-q", "--keep", &start])?;
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
        git_ok(dir, &["fetch", "-q", &remote, &rref])?;
        git_ok(dir, &["reset", "-q", "--keep", "FETCH_HEAD"])?;
        std::thread::sleep(backoff(n));
    }
    Err(EditError::GitCommand {
        what: "push".into(),
        message: format!("gave up after {MAX_ATTEMPTS} attempts: the branch kept moving"),
    }
    .into())
}
