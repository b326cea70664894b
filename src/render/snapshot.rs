//! What one commit renders from, read from git: the validated records, the first-parent
//! history with its events, each track's timeline, and the process documentation. `render`
//! and `serve` both start here.

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
    pub history: Vec<CommitEvents>,
    pub timelines: std::collections::BTreeMap<u64, Vec<Change>>,
    pub process: Vec<Doc>,
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
        let time = local
            .find_commit(commit)
            .ok()
            .and_then(|c| c.time().ok())
            .map_or(0, |t| t.seconds);
        let history = crate::history::read(repo, commit, use_cache)?;
        // Timelines cost a walk of the history: only when there is a track to show.
        let timelines = if db.tracks.is_empty() {
            Default::default()
        } else {
            crate::track::timeline::read(&local, commit)?
        };
        Ok(Ok(Snapshot {
            commit,
            time,
            process: process_docs(&local, commit),
            db,
            history,
            timelines,
        }))
    }

    /// The site of this commit.
    pub fn site(&self) -> Site {
        let id = self.commit.to_string();
        Site::new(&Input {
            db: &self.db,
            history: &self.history,
            commit: &id,
            timelines: &self.timelines,
            process: &self.process,
        })
    }
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
