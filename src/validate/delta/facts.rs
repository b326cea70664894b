//! The cross-file rules' questions (does this person, group, package or suite exist?) answered
//! by looking single paths up in the new tree.

use gix::objs::tree::EntryKind;

use super::{lookup, read};
use crate::load::{self, Record};
use crate::names::{GroupName, Login, NameRules};
use crate::source::{Content, SourceError};
use crate::validate::cross::{Facts, PersonFact};

/// [`Facts`] answered by looking paths up in one tree. A read that fails is kept in `failed`
/// (the first one): the check then ends as the tool's failure, not as a verdict on the data.
pub(super) struct TreeFacts<'a> {
    pub(super) repo: &'a gix::Repository,
    pub(super) root: gix::ObjectId,
    pub(super) rules: &'a NameRules,
    pub(super) failed: std::cell::RefCell<Option<SourceError>>,
}

impl TreeFacts<'_> {
    /// `read`'s answer, or `None` with the failure kept.
    fn kept<T>(&self, read: Result<T, SourceError>) -> Option<T> {
        match read {
            Ok(v) => Some(v),
            Err(e) => {
                self.failed.borrow_mut().get_or_insert(e);
                None
            }
        }
    }

    /// The entry at `path`, `Some(None)` when there is none, `None` when it cannot be read.
    fn entry(&self, path: &str) -> Option<Option<(EntryKind, gix::ObjectId)>> {
        self.kept(lookup(self.repo, self.root, path))
    }

    /// The first read that failed, if any.
    pub(super) fn failure(self) -> Result<(), SourceError> {
        self.failed.into_inner().map_or(Ok(()), Err)
    }
}

impl Facts for TreeFacts<'_> {
    fn person(&self, login: &Login) -> PersonFact {
        let path = login.record_path();
        let Some(found) = self.entry(&path) else {
            return PersonFact::Broken;
        };
        let Some((kind, id)) = found else {
            return PersonFact::Missing;
        };
        let Some((mode, content)) = self.kept(read(self.repo, kind, id)) else {
            return PersonFact::Broken;
        };
        match load::load(&path, mode, content, self.rules) {
            l if !l.problems.is_empty() => PersonFact::Broken,
            load::Loaded {
                record: Some(Record::Person(_, p)),
                ..
            } => PersonFact::Present {
                inactive: p.inactive,
            },
            _ => PersonFact::Broken,
        }
    }

    fn group_exists(&self, name: &GroupName) -> bool {
        !matches!(self.entry(&name.record_path()), Some(None))
    }

    fn package_exists(&self, name: &str) -> bool {
        match crate::names::PackageName::parse(name, self.rules) {
            Ok(p) => !matches!(self.entry(&p.record_path()), Some(None)),
            Err(_) => false,
        }
    }

    fn suite_defined(&self, name: &str) -> bool {
        let Some(Some((kind, id))) = self.entry("maintainers/suites.toml") else {
            return false;
        };
        match self.kept(read(self.repo, kind, id)) {
            Some((_, Content::Bytes(b))) => {
                toml::from_slice::<crate::record::RawSuites>(&b).is_ok_and(|s| s.contains_key(name))
            }
            _ => false,
        }
    }
}
