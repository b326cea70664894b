//! Changing records in a clone, one commit per command. A command computes the files it
//! changes from `HEAD`, passes the same gate the server's hook applies (validity and push
//! policy), and only then commits. The one thing a clone cannot know is who will push, so it
//! trusts the acting identity (`--as`).

pub mod branch;
pub mod ops;
pub mod push;

use std::path::Path;

use crate::commit::{Change, CommitError, Identity, Writer};
use crate::gate::{Base, Finding, Gate};
use crate::policy::Actor;
use crate::source::SourceError;

/// Failures of the tool (not refusals, which are [`Outcome::Refused`]).
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Commit(#[from] CommitError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "no acting identity: pass --as LOGIN, set MAINTDB_USER, or run `git config maintdb.login LOGIN`"
    )]
    NoIdentity,
    #[error(
        "no author identity for `{id}`: it has no people/ record; set [buildsystem] name and email in config.toml, or git config user.name and user.email"
    )]
    NoAuthor { id: String },
    #[error("git {what} failed: {message}")]
    GitCommand { what: String, message: String },
}

/// What a command wants to do.
pub enum Plan {
    Edit {
        changes: Vec<Change>,
        message: String,
    },
    /// Nothing to do; the sentence says why.
    Unchanged(String),
}

/// What came of it.
#[derive(Debug)]
pub enum Outcome {
    Committed { id: gix::ObjectId, message: String },
    Unchanged(String),
    Refused(Vec<Finding>),
}

/// A clone, the records at its `HEAD`, and who acts.
pub struct Session {
    pub writer: Writer,
    pub base: Base,
    pub actor: Actor,
}

/// The acting login: `--as`, else `MAINTDB_USER`, else git config `maintdb.login`.
pub fn acting_identity(repo: &gix::Repository, as_: Option<&str>) -> Option<String> {
    as_.map(ToOwned::to_owned)
        .or_else(|| std::env::var("MAINTDB_USER").ok().filter(|s| !s.is_empty()))
        .or_else(|| {
            repo.config_snapshot()
                .string("maintdb.login")
                .map(|s| s.to_string())
                .filter(|s| !s.is_empty())
        })
}

impl Session {
    /// Opens the clone at `dir` for `as_` (or the configured identity).
    pub fn open(dir: &Path, as_: Option<&str>) -> Result<Result<Session, Vec<Finding>>, EditError> {
        let writer = Writer::open(dir)?;
        let id = acting_identity(writer.repo(), as_).ok_or(EditError::NoIdentity)?;
        Session::with_writer(writer, &id)
    }

    /// A session of `id` on `writer` (a clone, or a server's branch); a refusal when `id` is
    /// neither a role nor a person.
    pub fn with_writer(
        writer: Writer,
        id: &str,
    ) -> Result<Result<Session, Vec<Finding>>, EditError> {
        let root = writer.head().map(|_| writer.base_tree());
        let base = Base::at(writer.repo(), root)?;
        Ok(match base.actor(writer.repo(), id)? {
            Ok(actor) => Ok(Session {
                writer,
                base,
                actor,
            }),
            Err(r) => Err(vec![Finding::refusal(None, r)]),
        })
    }

    pub fn repo(&self) -> &gix::Repository {
        self.writer.repo()
    }

    /// Who the commit is by: the actor's person record, else the configured build system
    /// identity, else git's.
    fn author(&self) -> Result<Identity, EditError> {
        if let Some((login, _)) = &self.actor.person
            && let Some(p) = self.base.person(self.repo(), login)?
        {
            return Ok(Identity {
                name: p.name,
                email: p.email,
            });
        }
        if self.actor.buildsystem
            && let Some(b) = &self.base.config.buildsystem
        {
            return Ok(Identity {
                name: b.name.clone(),
                email: b.email.clone(),
            });
        }
        self.writer
            .committer_identity()
            .ok_or_else(|| EditError::NoAuthor {
                id: self.actor.id.clone(),
            })
    }

    /// Stages `changes`, passes them through the gate, and commits.
    pub fn apply(&self, changes: &[Change], message: &str) -> Result<Outcome, EditError> {
        let author = self.author()?;
        let tree = self.writer.stage(changes)?;
        let gate = Gate::new(self.repo(), &self.base, &self.actor);
        let findings = gate.check_change(
            self.base.root,
            tree,
            &author.email,
            self.base.root.is_some(),
        )?;
        if !findings.is_empty() {
            return Ok(Outcome::Refused(findings));
        }
        let id = self.writer.commit(tree, message, &author, changes)?;
        Ok(Outcome::Committed {
            id,
            message: message.to_owned(),
        })
    }
}

/// Opens a session, plans with `op`, and applies the plan.
pub fn run(
    dir: &Path,
    as_: Option<&str>,
    op: impl FnOnce(&Session) -> Result<Plan, crate::gate::Stop>,
) -> Result<Outcome, EditError> {
    apply(Session::open(dir, as_)?, op)
}

/// Plans with `op` in an opened session (or its refusal), and applies the plan.
pub fn apply(
    session: Result<Session, Vec<Finding>>,
    op: impl FnOnce(&Session) -> Result<Plan, crate::gate::Stop>,
) -> Result<Outcome, EditError> {
    let session = match session {
        Ok(s) => s,
        Err(f) => return Ok(Outcome::Refused(f)),
    };
    match op(&session) {
        Err(crate::gate::Stop::Refused(f)) => Ok(Outcome::Refused(f)),
        Err(crate::gate::Stop::Failed(e)) => Err(e.into()),
        Ok(Plan::Unchanged(why)) => Ok(Outcome::Unchanged(why)),
        Ok(Plan::Edit { changes, message }) => session.apply(&changes, &message),
    }
}
