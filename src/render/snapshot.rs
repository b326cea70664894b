//! What one commit renders from, read from git: the validated records, the first-parent
//! history with its events, each track's timeline, and the process documentation. `render`
//! and `serve` both start here.

use std::sync::Arc;

use crate::diag::Report;
use crate::history::CommitEvents;
use crate::model::Db;
use crate::source::{GitSource, Source, SourceError};
use crate::track::timeline::Change;

use super::Input;
use super::process::Doc;
use super::site::Site;

/// One commit, read.
pub struct Snapshot {
    pub commit: gix::ObjectId,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub db: Db,
    /// The first-parent history, newest first: all of it, or after [`Snapshot::keep_shown`]
    /// the part the site shows.
    pub history: Arc<Vec<CommitEvents>>,
    /// Whether `history` goes back to the first commit.
    complete: bool,
    pub timelines: std::collections::BTreeMap<u64, Vec<Change>>,
    pub process: Vec<Doc>,
    /// The whole history's trends, folded commit by commit.
    tally: super::stats::Tally,
}

impl Snapshot {
    /// Reads `commit`; `Err` with the report when its records are not valid.
    pub fn read(
        repo: &gix::ThreadSafeRepository,
        commit: gix::ObjectId,
        use_cache: bool,
    ) -> Result<Result<Snapshot, Report>, SourceError> {
        let source = Source::Git(Box::new(GitSource::at_rev(
            repo.clone(),
            &commit.to_string(),
        )?));
        let (db, report) = crate::validate::check(&source)?;
        if report.has_errors() {
            return Ok(Err(report));
        }
        let local = repo.to_thread_local();
        let history = crate::history::read(repo, commit, use_cache)?;
        Ok(Ok(Snapshot {
            commit,
            time: commit_time(&local, commit),
            process: process_docs(&local, commit),
            timelines: timelines(&local, &db, commit)?,
            db,
            tally: super::stats::Tally::of(&history),
            history: Arc::new(history),
            complete: true,
        }))
    }

    /// Keeps only the part of the history the site shows: what a server holds in memory.
    pub fn keep_shown(&mut self) {
        let n = super::shown(&self.history);
        if n < self.history.len() {
            self.history = Arc::new(self.history[..n].to_vec());
            self.complete = false;
        }
    }

    /// Moves on to `commit`, whose records are reached from this one's by their tree diff:
    /// only the changed records are loaded and the history of only the new commits is read,
    /// then every rule is checked in memory. `Ok(false)` when that cannot be done (a change
    /// that needs a full check, an invalid result, a rewritten branch): read `commit` whole
    /// with [`Snapshot::read`] instead; this snapshot is then no longer usable.
    pub fn advance(
        &mut self,
        repo: &gix::ThreadSafeRepository,
        commit: gix::ObjectId,
    ) -> Result<bool, SourceError> {
        use crate::validate::delta;
        let local = repo.to_thread_local();
        let old = delta::records_tree(
            &local,
            crate::source::objects::root_tree(&local, self.commit)?,
        )?;
        let new = delta::records_tree(&local, crate::source::objects::root_tree(&local, commit)?)?;
        let (Some(_), Some(_)) = (old, new) else {
            return Ok(false);
        };
        let changes = delta::diff(&local, old, new)?;
        if !delta::apply(&local, &mut self.db, &changes)? {
            return Ok(false);
        }
        let Some(fresh) = crate::history::since(repo, commit, self.commit, 10_000)? else {
            return Ok(false);
        };
        let mut history = fresh;
        let new_commits = history.len();
        history.extend(self.history.iter().cloned());
        if !self.complete && super::shown(&history) == history.len() {
            // The site would show more than this snapshot kept (commit dates going back).
            return Ok(false);
        }
        self.tally.fold(&history[..new_commits]);
        self.history = Arc::new(history);
        self.keep_shown();
        self.timelines = timelines(&local, &self.db, commit)?;
        self.process = process_docs(&local, commit);
        self.time = commit_time(&local, commit);
        self.commit = commit;
        Ok(true)
    }

    /// The site of this commit.
    pub fn site(&self) -> Site {
        let id = self.commit.to_string();
        Site::new(&Input {
            db: &self.db,
            history: Arc::clone(&self.history),
            commit: &id,
            timelines: &self.timelines,
            process: &self.process,
            stats: Arc::new(self.tally.stats()),
        })
    }
}

/// Committer time, seconds since the epoch.
fn commit_time(repo: &gix::Repository, commit: gix::ObjectId) -> i64 {
    repo.find_commit(commit)
        .ok()
        .and_then(|c| c.time().ok())
        .map_or(0, |t| t.seconds)
}

/// Each track's changes of state. They cost a walk of the history: only when there is a
/// track to show.
fn timelines(
    repo: &gix::Repository,
    db: &Db,
    commit: gix::ObjectId,
) -> Result<std::collections::BTreeMap<u64, Vec<Change>>, SourceError> {
    if db.tracks.is_empty() {
        return Ok(Default::default());
    }
    crate::track::timeline::read(repo, commit)
}

/// `docs/process/*.md` of the commit, by file name.
fn process_docs(repo: &gix::Repository, commit: gix::ObjectId) -> Vec<Doc> {
    let Some(tree) = repo
        .find_commit(commit)
        .ok()
        .and_then(|c| c.tree().ok())
        .and_then(|t| t.lookup_entry_by_path("docs/process").ok().flatten())
        .and_then(|e| e.object().ok())
        .map(|o| o.into_tree())
    else {
        return Vec::new();
    };
    let mut docs: Vec<Doc> = tree
        .iter()
        .flatten()
        .filter_map(|e| {
            let name = e.filename().to_string();
            let stem = name.strip_suffix(".md")?.to_owned();
            let blob = repo.find_blob(e.oid()).ok()?;
            let markdown = String::from_utf8(blob.data.clone()).ok()?;
            Some(Doc { stem, markdown })
        })
        .collect();
    docs.sort_by(|a, b| a.stem.cmp(&b.stem));
    docs
}
