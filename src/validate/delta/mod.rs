//! Validation that follows a change (the hook's hot path). The parent tree is known to be
//! valid, so only the records a commit changed are loaded, and the cross-file rules ask the new
//! tree about just the records they touch. Changes whose effects reach across the whole tree
//! (removing a person, group or package; editing config.toml or suites.toml) fall back to a
//! full check.

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;
use gix::objs::FindExt;
use gix::objs::tree::{EntryKind, EntryMode};

use super::cross::{self};
use crate::diag::Report;
use crate::load::{self, Record};
use crate::names::NameRules;
use crate::source::{Content, GitSource, MAX_FILE_SIZE, Mode, ROOT, Source, SourceError};

fn object_err(id: gix::ObjectId, what: &'static str) -> impl FnOnce(gix::Error) -> SourceError {
    move |source| SourceError::Object { id, what, source }
}

/// A root tree's entries by name: mode and id.
pub type RootEntries = std::collections::BTreeMap<String, (EntryMode, gix::ObjectId)>;

/// The entries of a root tree.
pub fn root_entries(
    repo: &gix::Repository,
    root: gix::ObjectId,
) -> Result<RootEntries, SourceError> {
    let mut buf = Vec::new();
    let tree = repo
        .objects
        .find_tree(&root, &mut buf)
        .map_err(object_err(root, "root tree"))?;
    Ok(tree
        .entries
        .iter()
        .map(|e| (e.filename.to_string(), (e.mode, e.oid.to_owned())))
        .collect())
}

/// The id of `maintainers/` among a root tree's entries.
pub fn records_in(entries: &RootEntries) -> Option<gix::ObjectId> {
    entries
        .get(ROOT)
        .filter(|(mode, _)| mode.is_tree())
        .map(|(_, id)| *id)
}

/// The id of `maintainers/` in a root tree.
pub fn records_tree(
    repo: &gix::Repository,
    root: gix::ObjectId,
) -> Result<Option<gix::ObjectId>, SourceError> {
    Ok(records_in(&root_entries(repo, root)?))
}

use crate::source::objects::entry_at as lookup;

mod apply;
mod facts;

pub use apply::apply;
use facts::TreeFacts;

fn read(
    repo: &gix::Repository,
    kind: EntryKind,
    id: gix::ObjectId,
) -> Result<(Mode, Content), SourceError> {
    let mode = match kind {
        EntryKind::Blob => Mode::File,
        EntryKind::BlobExecutable => Mode::Executable,
        EntryKind::Link => return Ok((Mode::Symlink, Content::Skipped)),
        EntryKind::Commit | EntryKind::Tree => return Ok((Mode::Submodule, Content::Skipped)),
    };
    // The header first: a huge blob in a push is refused without being inflated.
    let size = repo
        .find_header(id)
        .map_err(object_err(id, "blob header"))?
        .size();
    if size > MAX_FILE_SIZE {
        return Ok((mode, Content::TooLarge(size)));
    }
    let blob = repo.find_blob(id).map_err(object_err(id, "blob"))?;
    Ok((mode, Content::Bytes(blob.data.clone())))
}

/// Paths whose change can affect records that did not change: these need a full check.
fn reaches_across(c: &Change) -> bool {
    let path = match c {
        Change::Deletion { path, .. } => {
            let p = path.to_str_lossy();
            return p.starts_with("people/")
                || p.starts_with("groups/")
                || p.starts_with("packages/");
        }
        Change::Addition { path, .. } | Change::Modification { path, .. } => path,
    };
    path == "config.toml" || path == "suites.toml"
}

/// The changes between two `maintainers/` trees, paths relative to `maintainers/`, trees
/// themselves left out. Uses gix's low-level tree diff: it follows only differing subtrees.
pub fn diff(
    repo: &gix::Repository,
    old: Option<gix::ObjectId>,
    new: Option<gix::ObjectId>,
) -> Result<Vec<Change>, SourceError> {
    diff_in(&repo.objects, repo.object_hash(), old, new)
}

/// [`diff`], reading the trees from `objects`.
pub fn diff_in(
    objects: &impl gix::objs::Find,
    hash: gix::hash::Kind,
    old: Option<gix::ObjectId>,
    new: Option<gix::ObjectId>,
) -> Result<Vec<Change>, SourceError> {
    use gix::objs::FindExt;
    if old == new {
        return Ok(Vec::new());
    }
    // A missing side is the empty tree, which need not exist in the object database.
    let mut buf1 = Vec::new();
    let mut buf2 = Vec::new();
    let lhs = match old {
        Some(id) => objects
            .find_tree_iter(&id, &mut buf1)
            .map_err(object_err(id, "tree"))?,
        None => gix::objs::TreeRefIter::from_bytes(&[], hash),
    };
    let rhs = match new {
        Some(id) => objects
            .find_tree_iter(&id, &mut buf2)
            .map_err(object_err(id, "tree"))?,
        None => gix::objs::TreeRefIter::from_bytes(&[], hash),
    };
    let new = new.unwrap_or_else(|| gix::ObjectId::empty_tree(hash));
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        lhs,
        rhs,
        gix::diff::tree::State::default(),
        objects,
        &mut recorder,
    )
    .map_err(|e| SourceError::Object {
        id: new,
        what: "tree diff",
        source: gix::Error::from_error(e),
    })?;
    let mut changes = recorder.records;
    changes.retain(|c| match c {
        Change::Addition { entry_mode, .. } | Change::Deletion { entry_mode, .. } => {
            !entry_mode.is_tree()
        }
        Change::Modification {
            entry_mode,
            previous_entry_mode,
            ..
        } => !(entry_mode.is_tree() && previous_entry_mode.is_tree()),
    });
    Ok(changes)
}

/// Validates `tree`, given that `parent` (when there is one) is valid. The report covers the
/// changed files, or the whole tree when the change reaches across it.
pub fn check_change(
    repo: &gix::Repository,
    parent: Option<gix::ObjectId>,
    tree: gix::ObjectId,
) -> Result<Report, SourceError> {
    let old = match parent {
        Some(p) => records_tree(repo, p)?,
        None => None,
    };
    let new = records_tree(repo, tree)?;
    let changes = diff(repo, old, new)?;
    check_changes(
        repo,
        parent.is_some() && old.is_some() && new.is_some(),
        tree,
        &changes,
    )
}

/// Validates `tree` given `changes` from a valid parent; `incremental` is false when there is
/// no valid parent to start from, which means a full check.
pub fn check_changes(
    repo: &gix::Repository,
    incremental: bool,
    tree: gix::ObjectId,
    changes: &[Change],
) -> Result<Report, SourceError> {
    let full = || {
        let src = Source::Git(Box::new(GitSource::at_tree(
            repo.clone().into_sync(),
            tree,
            tree.to_hex_with_len(12).to_string(),
        )));
        super::check(&src).map(|(_, r)| r)
    };
    if !incremental {
        return full();
    }
    if changes.iter().any(reaches_across) {
        return full();
    }

    let config = match lookup(repo, tree, "maintainers/config.toml")? {
        Some((kind, id)) => match read(repo, kind, id)? {
            (_, Content::Bytes(b)) => Some(b),
            _ => None,
        },
        None => None,
    };
    let (_, rules) = super::config(config);
    let facts = TreeFacts {
        repo,
        root: tree,
        rules: &rules,
        failed: Default::default(),
    };
    let mut report = Report::default();
    let mut shards = Shards::new();
    // The addresses of changed people and groups, checked against everyone else's below.
    let mut claimed: Vec<(String, cross::Claim)> = Vec::new();
    let mut changed_paths = std::collections::HashSet::new();
    for c in changes {
        let (path, mode, id, added) = match c {
            Change::Addition {
                path,
                entry_mode,
                oid,
                ..
            } => (path, entry_mode, oid, true),
            Change::Modification {
                path,
                entry_mode,
                oid,
                ..
            } => (path, entry_mode, oid, false),
            Change::Deletion { .. } => continue,
        };
        if mode.is_tree() {
            // A file replaced by a directory: its files are listed on their own.
            continue;
        }
        let path = format!("{ROOT}/{}", path.to_str_lossy());
        let (mode, content) = read(repo, mode.kind(), *id)?;
        let loaded = load::load(&path, mode, content, &rules);
        let (file, record, _) = super::absorb(&mut report, loaded);
        match record {
            Some(Record::Package(name, mut pkg)) => {
                pkg.file = file;
                cross::package(&name, &pkg, &facts, &mut report);
                if added {
                    case_collisions(repo, tree, &name, file, &mut shards, &mut report)?;
                }
            }
            Some(Record::Group(name, mut g)) => {
                g.file = file;
                cross::group(&name, &g, &facts, &mut report);
                claimed.extend(cross::group_claims(&name, &g));
                changed_paths.insert(path);
            }
            Some(Record::Person(login, mut p)) => {
                p.file = file;
                claimed.extend(cross::person_claims(&login, &p));
                changed_paths.insert(path);
            }
            Some(Record::Track(mut t)) => {
                t.file = file;
                cross::track(&t, &facts, &mut report);
            }
            _ => {}
        }
    }
    facts.failure()?;
    if !claimed.is_empty() {
        address_claims(repo, tree, &rules, &changed_paths, &claimed, &mut report)?;
    }
    report.sort();
    Ok(report)
}

/// Checks the addresses `claimed` by changed records against each other and against every
/// other person and group of `root` (one read of `people/` and `groups/`, only when a push
/// changes one of them). A record already in conflict before the push is not reported again.
fn address_claims(
    repo: &gix::Repository,
    root: gix::ObjectId,
    rules: &NameRules,
    changed: &std::collections::HashSet<String>,
    claimed: &[(String, cross::Claim)],
    report: &mut Report,
) -> Result<(), SourceError> {
    cross::addresses(claimed.iter().cloned(), report);
    let wanted: std::collections::HashSet<&str> = claimed.iter().map(|(a, _)| a.as_str()).collect();
    for dir in ["people", "groups"] {
        let dir = format!("{ROOT}/{dir}");
        let Some((_, id)) = lookup(repo, root, &dir)? else {
            continue;
        };
        let mut buf = Vec::new();
        let entries: Vec<(String, EntryKind, gix::ObjectId)> = repo
            .objects
            .find_tree(&id, &mut buf)
            .map_err(object_err(id, "tree"))?
            .entries
            .iter()
            .map(|e| {
                (
                    format!("{dir}/{}", e.filename.to_str_lossy()),
                    e.mode.kind(),
                    e.oid.to_owned(),
                )
            })
            .collect();
        for (path, kind, id) in entries {
            if changed.contains(&path)
                || !matches!(kind, EntryKind::Blob | EntryKind::BlobExecutable)
            {
                continue;
            }
            let (mode, content) = read(repo, kind, id)?;
            let loaded = load::load(&path, mode, content, rules);
            let theirs = match &loaded.record {
                Some(Record::Person(l, p)) => cross::person_claims(l, p),
                Some(Record::Group(g, x)) => cross::group_claims(g, x),
                _ => continue,
            };
            let hits: Vec<_> = theirs
                .into_iter()
                .filter(|(a, _)| wanted.contains(a.as_str()))
                .collect();
            if hits.is_empty() {
                continue;
            }
            // The other file joins the report so the secondary label can point into it.
            let file = report.files.add(loaded.path, loaded.text);
            for (address, mut other) in hits {
                other.file = file;
                for (_, mine) in claimed
                    .iter()
                    .filter(|(a, c)| *a == address && c.owner != other.owner)
                {
                    cross::address_taken(&address, &other, mine, report);
                }
            }
        }
    }
    Ok(())
}

/// The package names of shard directories by their lowercase form, each directory read once
/// (a push that adds many packages to one directory must not read it once per package).
type Shards = std::collections::HashMap<String, std::collections::HashMap<String, Vec<String>>>;

/// An added package against the others in its shard directory (the only place a name equal
/// but for case can be, as the shard is the lowercased first character).
fn case_collisions(
    repo: &gix::Repository,
    root: gix::ObjectId,
    name: &crate::names::PackageName,
    file: crate::diag::FileId,
    shards: &mut Shards,
    report: &mut Report,
) -> Result<(), SourceError> {
    let dir = format!("{ROOT}/packages/{}", name.shard());
    if !shards.contains_key(&dir) {
        let mut folded: std::collections::HashMap<String, Vec<String>> = Default::default();
        if let Some((_, id)) = lookup(repo, root, &dir)? {
            let mut buf = Vec::new();
            let tree = repo
                .objects
                .find_tree(&id, &mut buf)
                .map_err(object_err(id, "tree"))?;
            for e in &tree.entries {
                let n = e.filename.to_str_lossy();
                if let Some(n) = n.strip_suffix(".toml") {
                    folded
                        .entry(n.to_lowercase())
                        .or_default()
                        .push(n.to_owned());
                }
            }
        }
        shards.insert(dir.clone(), folded);
    }
    let lower = name.as_str().to_lowercase();
    for other in shards[&dir].get(&lower).into_iter().flatten() {
        if other != name.as_str() {
            let (earlier, later) = if other.as_str() < name.as_str() {
                (other.as_str(), name.as_str())
            } else {
                (name.as_str(), other.as_str())
            };
            // Point at the pushed file either way; the other one is only named.
            cross::case_collision((earlier, None), (later, file), report);
        }
    }
    Ok(())
}
