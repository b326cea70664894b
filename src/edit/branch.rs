//! Committing on a branch with no working tree (the bare repository a server receives pushes
//! in): plan as `id` on the branch's tip, pass the gate, and move the branch with a
//! compare-and-swap. A lost race (a push, another call), or the branch's lock held by another
//! writer, re-reads the branch and plans again, a bounded number of times. The admin API and
//! `maintdb compat` write this way.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{EditError, Outcome, Plan, Session};
use crate::commit::Writer;
use crate::gate::Stop;

/// How often a lost race is retried.
pub const ATTEMPTS: u32 = 25;

/// Where such commits go.
#[derive(Debug, Clone)]
pub struct Branch {
    pub repo: PathBuf,
    /// The full reference, `refs/heads/main`.
    pub reference: String,
}

/// How a commit on a branch ended.
#[derive(Debug)]
pub struct Landed {
    pub outcome: Outcome,
    /// The tip the plan was made on.
    pub based_on: Option<gix::ObjectId>,
}

/// Why nothing could be committed.
#[derive(Debug, thiserror::Error)]
pub enum BranchError {
    #[error("cannot open the repository at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("{reference} kept moving under {attempts} attempts; try again")]
    KeptMoving { reference: String, attempts: u32 },
    #[error(transparent)]
    Edit(#[from] EditError),
}

/// The full name of `branch` (`main` or `refs/heads/main`), else the branch `HEAD` points to,
/// else `refs/heads/main`.
pub fn reference_name(repo: &gix::Repository, branch: Option<&str>) -> String {
    match branch {
        Some(b) if b.starts_with("refs/") => b.to_owned(),
        Some(b) => format!("refs/heads/{b}"),
        None => repo
            .head_name()
            .ok()
            .flatten()
            .map_or_else(|| "refs/heads/main".to_owned(), |n| n.to_string()),
    }
}

/// Where `reference` points now.
pub fn tip_of(repo: &gix::Repository, reference: &str) -> Option<gix::ObjectId> {
    let mut r = repo.find_reference(reference).ok()?;
    r.peel_to_id().ok().map(|id| id.detach())
}

impl Branch {
    /// The branch `HEAD` of the repository at `repo` names, or `refs/heads/<branch>`.
    pub fn of(repo: &Path, branch: Option<&str>) -> Result<Branch, BranchError> {
        Ok(Branch {
            repo: repo.to_owned(),
            reference: reference_name(&self::open(repo)?, branch),
        })
    }

    /// Plans with `op` as `id` on the tip, passes the gate and commits; a lost race re-reads
    /// the branch and plans again. What opening repaired of a killed run is told in
    /// `repairs`.
    pub fn commit_as(
        &self,
        id: &str,
        op: impl Fn(&Session) -> Result<Plan, Stop>,
        repairs: &mut Vec<String>,
    ) -> Result<Landed, BranchError> {
        let mut held = None;
        for attempt in 0..ATTEMPTS {
            let repo = open(&self.repo)?;
            let writer =
                Writer::at_branch(repo.clone(), &self.reference).map_err(EditError::from)?;
            repairs.extend(writer.repairs().iter().cloned());
            let based_on = writer.head();
            match Session::with_writer(writer, id).and_then(|s| super::apply(s, &op)) {
                Ok(outcome) => return Ok(Landed { outcome, based_on }),
                // Another writer held the branch's lock past git's timeout: try again, and
                // name the lock if it is never let go.
                Err(EditError::Commit(e)) if e.is_transient() => held = Some(e),
                // The compare-and-swap failed because the branch moved: plan again on the
                // new tip.
                Err(_) if tip_of(&repo, &self.reference) != based_on => held = None,
                Err(e) => return Err(e.into()),
            }
            std::thread::sleep(Duration::from_millis(5 << attempt.min(6)));
        }
        Err(match held {
            Some(e) => EditError::Commit(e).into(),
            None => BranchError::KeptMoving {
                reference: self.reference.clone(),
                attempts: ATTEMPTS,
            },
        })
    }
}

fn open(path: &Path) -> Result<gix::Repository, BranchError> {
    gix::open(path).map_err(|e| BranchError::Open {
        path: path.to_owned(),
        source: gix::Error::from_error(e),
    })
}
