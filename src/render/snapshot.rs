//! What one commit renders from, read from git: the validated records, the first-parent
//! history with its events, each track's timeline, and the process documentation. `render`
//! and `serve` both start here.

use std::sync::Arc;

use crate::diag::Report;
use crate::history::CommitEvents;
use crate::history::tracks::Change;
use crate::model::Db;
use crate::source::objects::{self, git_at};
use crate::source::{GitSource, Source, SourceError};

use super::Input;
use super::process::Doc;
use super::site::Site;
use super::view::View;

/// One commit, read.
pub struct Snapshot {
    pub commit: gix::ObjectId,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub db: Db,
    /// What the pages show of `db`.
    view: Arc<View>,
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
        // The history and its tally do not depend on the records: they are read while the
        // records are checked and viewed (each side leaves a core idle part of the time).
        let (checked, read) = rayon::join(
            || {
                let (db, report) = crate::validate::check(&source)?;
                let view = (!report.has_errors()).then(|| Arc::new(View::new(&db)));
                Ok::<_, SourceError>((db, report, view))
            },
            || -> Result<_, SourceError> {
                let history = crate::history::read(repo, commit, use_cache)?;
                let tally = super::stats::Tally::of(&history);
                Ok((history, tally))
            },
        );
        let (db, report, view) = checked?;
        let Some(view) = view else {
            return Ok(Err(report));
        };
        let (history, tally) = read?;
        let local = repo.to_thread_local();
        Ok(Ok(Snapshot {
            commit,
            time: commit_time(&local, commit)?,
            process: process_docs(&local, commit)?,
            timelines: timelines(&local, &db, commit)?,
            db,
            view,
            tally,
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
        self.view = Arc::new(View::new(&self.db));
        self.tally.fold(&history[..new_commits]);
        self.history = Arc::new(history);
        self.keep_shown();
        self.timelines = timelines(&local, &self.db, commit)?;
        self.process = process_docs(&local, commit)?;
        self.time = commit_time(&local, commit)?;
        self.commit = commit;
        Ok(true)
    }

    /// The packages whose pages may differ between the render of `from` and this commit's:
    /// those whose record files differ between the two trees, and those the commits since
    /// `from` name (their stints changed, though a file may be back as it was). `None` when
    /// `from` is not in the first-parent history this snapshot holds, or its trees cannot be
    /// read: then no package can be left out.
    pub fn packages_since(
        &self,
        repo: &gix::Repository,
        from: &str,
    ) -> Option<std::collections::HashSet<String>> {
        use crate::validate::delta;
        let newer = self.history.iter().position(|c| c.id == from)?;
        let mut names: std::collections::HashSet<String> = self.history[..newer]
            .iter()
            .flat_map(|c| &c.events)
            .map(|e| e.package.clone())
            .collect();
        let from = gix::ObjectId::from_hex(from.as_bytes()).ok()?;
        let records = |c| delta::records_tree(repo, objects::root_tree(repo, c)?);
        let changes = delta::diff(repo, records(from).ok()?, records(self.commit).ok()?).ok()?;
        for c in &changes {
            use gix::bstr::ByteSlice;
            use gix::diff::tree::recorder::Change as Diff;
            let (Diff::Addition { path, .. }
            | Diff::Deletion { path, .. }
            | Diff::Modification { path, .. }) = c;
            let path = path.to_str().ok()?;
            match crate::history::package_name(path) {
                Some(name) => {
                    names.insert(name.to_owned());
                }
                // Something else among the packages' records: no telling what it changed.
                None if path.starts_with("packages/") => return None,
                None => {}
            }
        }
        Some(names)
    }

    /// The site of this commit.
    pub fn site(&self) -> Site {
        let id = self.commit.to_string();
        Site::with_view(
            &Input {
                db: &self.db,
                history: Arc::clone(&self.history),
                commit: &id,
                timelines: &self.timelines,
                process: &self.process,
                stats: Arc::new(self.tally.stats()),
            },
            Arc::clone(&self.view),
        )
    }
}

/// Committer time, seconds since the epoch.
fn commit_time(repo: &gix::Repository, commit: gix::ObjectId) -> Result<i64, SourceError> {
    let read = git_at(commit, "reading a commit");
    let c = repo.find_commit(commit).map_err(read)?;
    let time = c
        .time()
        .map_err(|e| git_at(commit, "reading a commit's time")(gix::Error::from_error(e)))?;
    Ok(time.seconds)
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
    crate::history::tracks::read(repo, commit)
}

/// `docs/process/*.md` of the commit, by file name. A document that is not UTF-8 is left
/// out; one that cannot be read is an error.
fn process_docs(repo: &gix::Repository, commit: gix::ObjectId) -> Result<Vec<Doc>, SourceError> {
    let root = objects::root_tree(repo, commit)?;
    let Some(dir) = objects::tree_at(repo, root, "docs/process")? else {
        return Ok(Vec::new());
    };
    let mut docs = Vec::new();
    for e in objects::tree(repo, dir)?.iter() {
        let e = e.map_err(|e| git_at(dir, "reading a tree")(gix::Error::from_error(e)))?;
        let name = e.filename().to_string();
        let Some(stem) = name.strip_suffix(".md") else {
            continue;
        };
        if let Ok(markdown) = String::from_utf8(objects::blob(repo, e.oid().to_owned())?) {
            docs.push(Doc {
                stem: stem.to_owned(),
                markdown,
            });
        }
    }
    docs.sort_by(|a, b| a.stem.cmp(&b.stem));
    Ok(docs)
}
