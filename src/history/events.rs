//! What one commit did to the packages: the diff of `maintainers/packages/` against its first
//! parent, turned into events a person reads.

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;
use serde::{Deserialize, Serialize};

use super::CommitEvents;
use gix::objs::FindExt;

use super::packs::Packs;
use crate::load::{self, Record};
use crate::names::NameRules;
use crate::source::objects::{git, git_at};
use crate::source::{Content, Mode, ROOT, SourceError};
use crate::validate::delta;
use crate::words::and_words;

/// What happened to a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    Added { maintainers: Vec<String> },
    Removed,
    Takes { who: Vec<String> },
    Drops { who: Vec<String> },
    HandedOver { from: Vec<String>, to: Vec<String> },
}

/// One event: a package and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub package: String,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Event {
    /// The sentence shown in the changelog.
    pub fn sentence(&self) -> String {
        self.to_string()
    }

    /// Everyone the event names.
    pub fn people(&self) -> Vec<&str> {
        match &self.kind {
            Kind::Added { maintainers } => maintainers.iter().map(String::as_str).collect(),
            Kind::Removed => Vec::new(),
            Kind::Takes { who } | Kind::Drops { who } => who.iter().map(String::as_str).collect(),
            Kind::HandedOver { from, to } => from.iter().chain(to).map(String::as_str).collect(),
        }
    }
}

/// The sentence shown in the changelog, written where it is shown.
impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.package;
        match &self.kind {
            Kind::Added { maintainers } if maintainers.is_empty() => {
                write!(f, "new package {p}, unmaintained")
            }
            Kind::Added { maintainers } => {
                write!(f, "new package {p} for {}", and_words(maintainers))
            }
            Kind::Removed => write!(f, "{p} removed"),
            Kind::Takes { who } if who.len() == 1 => write!(f, "{} takes {p}", who[0]),
            Kind::Takes { who } => write!(f, "{} take {p}", and_words(who)),
            Kind::Drops { who } if who.len() == 1 => write!(f, "{} drops {p}", who[0]),
            Kind::Drops { who } => write!(f, "{} drop {p}", and_words(who)),
            Kind::HandedOver { from, to } => write!(
                f,
                "{p} handed over from {} to {}",
                and_words(from),
                and_words(to)
            ),
        }
    }
}

/// The events of a change from maintainers `old` to `new`.
pub fn classify(package: &str, old: Option<&[String]>, new: Option<&[String]>) -> Vec<Event> {
    let ev = |kind| Event {
        package: package.to_owned(),
        kind,
    };
    match (old, new) {
        (None, Some(n)) => vec![ev(Kind::Added {
            maintainers: n.to_vec(),
        })],
        (Some(_), None) => vec![ev(Kind::Removed)],
        (None, None) => Vec::new(),
        (Some(o), Some(n)) => {
            let added: Vec<String> = n.iter().filter(|m| !o.contains(m)).cloned().collect();
            let gone: Vec<String> = o.iter().filter(|m| !n.contains(m)).cloned().collect();
            if !o.is_empty() && !n.is_empty() && added.len() == n.len() && gone.len() == o.len() {
                return vec![ev(Kind::HandedOver {
                    from: gone,
                    to: added,
                })];
            }
            let mut out = Vec::new();
            if !gone.is_empty() {
                out.push(ev(Kind::Drops { who: gone }));
            }
            if !added.is_empty() {
                out.push(ev(Kind::Takes { who: added }));
            }
            out
        }
    }
}

/// The maintainers a package's blob names, `None` when it is not a sound record. History keeps
/// whatever was committed; names are read with the default rules. A blob that cannot be read
/// is an error.
fn maintainers(
    objects: &Packs,
    id: gix::ObjectId,
    path: &str,
) -> Result<Option<Vec<String>>, SourceError> {
    static RULES: std::sync::OnceLock<NameRules> = std::sync::OnceLock::new();
    let mut buf = Vec::new();
    let blob = objects
        .find_blob(&id, &mut buf)
        .map_err(git_at(id, "reading a blob"))?;
    let rules = RULES.get_or_init(NameRules::default);
    Ok(
        match load::load(path, Mode::File, Content::Bytes(blob.data.to_vec()), rules).record {
            Some(Record::Package(_, p)) => {
                Some(p.maintainers.iter().map(ToString::to_string).collect())
            }
            _ => None,
        },
    )
}

/// The maintainers of the blobs a worker read last: a commit's new blob is usually the next
/// commit's old one, so each is read and parsed once. The path is part of the key, as the
/// record's name comes from it.
#[derive(Default)]
pub struct Blobs(std::collections::HashMap<(gix::ObjectId, String), Option<Vec<String>>>);

impl Blobs {
    /// Beyond this many, the memo starts again (a worker walks neighbouring commits).
    const MAX: usize = 4096;

    fn maintainers(
        &mut self,
        objects: &Packs,
        id: gix::ObjectId,
        path: &str,
    ) -> Result<Option<Vec<String>>, SourceError> {
        if let Some(hit) = self.0.get(&(id, path.to_owned())) {
            return Ok(hit.clone());
        }
        if self.0.len() == Self::MAX {
            self.0.clear();
        }
        let got = maintainers(objects, id, path)?;
        self.0.insert((id, path.to_owned()), got.clone());
        Ok(got)
    }
}

/// The package whose record is at `path` (relative to `maintainers/`), as the events name it.
pub fn package_name(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("packages/")?;
    let (_, file) = rest.split_once('/')?;
    file.strip_suffix(".toml")
}

/// What the history needs of a commit object, read once.
pub struct Meta {
    pub id: gix::ObjectId,
    pub tree: gix::ObjectId,
    pub parent: Option<gix::ObjectId>,
    pub author: String,
    pub email: String,
    pub time: i64,
    pub offset: i32,
    pub subject: String,
}

impl Meta {
    pub fn read(repo: &gix::Repository, id: gix::ObjectId) -> Result<Meta, SourceError> {
        let commit = repo.find_commit(id).map_err(git("reading history"))?;
        let c = commit.decode().map_err(git("reading history"))?;
        let author = c
            .author()
            .map_err(|e| git("reading history")(gix::Error::from_error(e)))?;
        let time = author
            .time()
            .map_err(|e| git("reading history")(gix::Error::from_error(e)))?;
        Ok(Meta {
            id,
            tree: c.tree(),
            parent: c.parents().next(),
            author: author.name.to_str_lossy().into_owned(),
            email: author.email.to_str_lossy().into_owned(),
            time: time.seconds,
            offset: time.offset,
            subject: c
                .message
                .to_str_lossy()
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        })
    }
}

/// The id of `maintainers/` in a root tree, as [`delta::records_tree`] finds it (the last
/// entry of that name, when a hostile tree has two) without building a map of the entries.
fn records_tree(
    objects: &Packs,
    root: gix::ObjectId,
) -> Result<Option<gix::ObjectId>, SourceError> {
    let mut buf = Vec::new();
    let tree = objects
        .find_tree_iter(&root, &mut buf)
        .map_err(git_at(root, "reading a root tree"))?;
    let mut found = None;
    for e in tree {
        let e = e.map_err(|e| git_at(root, "reading a root tree")(gix::Error::from_error(e)))?;
        if e.filename == ROOT {
            found = e.mode.is_tree().then(|| e.oid.to_owned());
        }
    }
    Ok(found)
}

/// A commit's events against its first parent's tree.
pub fn of_commit(
    objects: &Packs,
    blobs: &mut Blobs,
    meta: Meta,
    parent_tree: Option<gix::ObjectId>,
) -> Result<CommitEvents, SourceError> {
    let old = match parent_tree {
        Some(t) => records_tree(objects, t)?,
        None => None,
    };
    let new = records_tree(objects, meta.tree)?;
    let mut events = Vec::new();
    for c in delta::diff_in(objects, objects.repo().object_hash(), old, new)? {
        let (path, before, after) = match &c {
            Change::Addition {
                path,
                oid,
                entry_mode,
                ..
            } if entry_mode.is_blob() => (path, None, Some(*oid)),
            Change::Deletion {
                path,
                oid,
                entry_mode,
                ..
            } if entry_mode.is_blob() => (path, Some(*oid), None),
            Change::Modification {
                path,
                previous_oid,
                oid,
                entry_mode,
                ..
            } if entry_mode.is_blob() => (path, Some(*previous_oid), Some(*oid)),
            _ => continue,
        };
        let path = path.to_str_lossy();
        let Some(name) = package_name(&path) else {
            continue;
        };
        let full = format!("maintainers/{path}");
        let o = match before {
            Some(b) => blobs.maintainers(objects, b, &full)?,
            None => None,
        };
        let n = match after {
            Some(a) => blobs.maintainers(objects, a, &full)?,
            None => None,
        };
        events.extend(classify(name, o.as_deref(), n.as_deref()));
    }
    Ok(CommitEvents {
        id: meta.id.to_string(),
        parent: meta.parent.map(|p| p.to_string()),
        author: meta.author,
        email: meta.email,
        time: meta.time,
        offset: meta.offset,
        subject: meta.subject,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    fn kinds(old: Option<&[&str]>, new: Option<&[&str]>) -> Vec<String> {
        let o = old.map(v);
        let n = new.map(v);
        classify("p", o.as_deref(), n.as_deref())
            .iter()
            .map(Event::sentence)
            .collect()
    }

    #[test]
    fn event_kinds() {
        assert_eq!(kinds(None, Some(&["a"])), ["new package p for a"]);
        assert_eq!(kinds(Some(&["a"]), None), ["p removed"]);
        assert_eq!(kinds(Some(&[]), Some(&["a"])), ["a takes p"]);
        assert_eq!(kinds(Some(&["a", "b"]), Some(&["a"])), ["b drops p"]);
        assert_eq!(
            kinds(Some(&["a"]), Some(&["b"])),
            ["p handed over from a to b"]
        );
        assert_eq!(
            kinds(Some(&["a", "b"]), Some(&["b", "c"])),
            ["a drops p", "c takes p"]
        );
        assert!(kinds(Some(&["a", "b"]), Some(&["b", "a"])).is_empty());
    }
}
