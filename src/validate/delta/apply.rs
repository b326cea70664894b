//! Bringing a whole-tree [`Db`] up to date with a change, record by record, where no rule
//! reaches across (what a render after one commit does).

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;

use super::read;
use crate::diag::Report;
use crate::load;
use crate::model::Db;
use crate::source::{ROOT, SourceError};

/// Brings `db`, the records of a valid tree, up to date with `changes` (from [`diff`]) and
/// checks every cross-file rule on the result in memory: a full check at the cost of loading
/// only the changed files. `Ok(false)` when that cannot be done here (config.toml changed, a
/// file became a directory or the other way round) or the result is not valid; the caller
/// then does a full check, which also explains any problem. `db` is then left half-updated
/// and must be dropped.
pub fn apply(repo: &gix::Repository, db: &mut Db, changes: &[Change]) -> Result<bool, SourceError> {
    let mut report = Report::default();
    // The packages change together at the end: one by one, each would move those after it.
    let mut gone = std::collections::HashSet::new();
    let mut new = Vec::new();
    for c in changes {
        let (path, mode, id) = match c {
            Change::Deletion {
                path, entry_mode, ..
            } => {
                if entry_mode.is_tree() {
                    return Ok(false);
                }
                if !remove(db, &format!("{ROOT}/{}", path.to_str_lossy()), &mut gone) {
                    return Ok(false);
                }
                continue;
            }
            Change::Addition {
                path,
                entry_mode,
                oid,
                ..
            } => (path, entry_mode, oid),
            Change::Modification {
                path,
                entry_mode,
                previous_entry_mode,
                oid,
                ..
            } => {
                if previous_entry_mode.is_tree() {
                    return Ok(false);
                }
                (path, entry_mode, oid)
            }
        };
        let path = format!("{ROOT}/{}", path.to_str_lossy());
        if mode.is_tree() || !remove(db, &path, &mut gone) {
            return Ok(false);
        }
        let (mode, content) = read(repo, mode.kind(), *id)?;
        let loaded = load::load(&path, mode, content, &db.rules);
        let (file, record, _) = crate::validate::absorb(&mut report, loaded);
        if report.has_errors() {
            return Ok(false);
        }
        match record {
            Some(load::Record::Package(name, package)) => {
                new.push((name, crate::model::Package { file, ..package }));
            }
            Some(r) => crate::validate::insert(db, r, file),
            None => {}
        }
    }
    db.packages.update(&gone, new);
    crate::validate::cross_check(db, &crate::validate::Known::default(), &mut report);
    Ok(!report.has_errors())
}

/// Takes the record at `path` out of `db`, or for a package adds its name to `gone`; `false`
/// for config.toml, whose name rules apply to every record.
fn remove(db: &mut Db, path: &str, gone: &mut std::collections::HashSet<String>) -> bool {
    match load::classify(path) {
        load::Kind::Config => return false,
        load::Kind::Policy => db.policy = Default::default(),
        load::Kind::Suites => db.suites = Default::default(),
        load::Kind::Person(l) => {
            db.people.remove(l.as_str());
        }
        load::Kind::Group(g) => {
            db.groups.remove(g.as_str());
        }
        load::Kind::Package { name, .. } => {
            gone.insert(name);
        }
        load::Kind::Track { bug, archive } => db
            .tracks
            .retain(|t| !(t.bug.to_string() == bug && t.archive == archive)),
        load::Kind::Dismissed { bug } => {
            if let Ok(bug) = bug.parse() {
                db.dismissed.remove(&bug);
            }
        }
        load::Kind::Unexpected => {}
    }
    true
}
