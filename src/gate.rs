//! The gate every change passes, on the server (each pushed commit) and in a clone (each
//! command before it commits): the new tree must be valid, validated incrementally against its
//! parent, and the change must be allowed for the actor (docs/policy.md).

use std::cell::RefCell;
use std::collections::HashMap;

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change as TreeChange;

use crate::diag::{Report, Severity, UserCode};
use crate::load::record_at;
use crate::load::{self, Kind, Record};
use crate::names::{GroupName, Login, NameRules};
use crate::policy::{self, Actor, Refusal, Rule};
use crate::record::{RawConfig, RawPolicy};
use crate::source::objects::{blob_at, git_at};
use crate::source::{Content, Mode, ROOT, SourceError};
use crate::validate::delta;

/// One reason a change cannot pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file (with `:line:col` for validator findings), if the finding is about one.
    pub path: Option<String>,
    pub code: UserCode,
    pub message: String,
    pub help: String,
    /// The other side of a conflict (`path:line:col: what is there`), when there is one.
    pub note: Option<String>,
}

impl Finding {
    /// A finding about no file in particular: a command's refusal.
    pub fn new(
        code: impl Into<UserCode>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            path: None,
            code: code.into(),
            message: message.into(),
            help: help.into(),
            note: None,
        }
    }

    pub fn refusal(path: Option<&str>, r: Refusal) -> Finding {
        Finding {
            path: path.map(ToOwned::to_owned),
            code: r.rule.into(),
            message: r.message,
            help: r.help,
            note: None,
        }
    }
}

/// The record in blob `id`, read as the file at `path`.
fn record_of(
    repo: &gix::Repository,
    id: gix::ObjectId,
    path: &str,
    rules: &NameRules,
) -> Result<Option<Record>, SourceError> {
    // Too large to be a record: the validator says so, unread.
    let size = repo
        .find_header(id)
        .map_err(git_at(id, "reading a blob header"))?
        .size();
    if size > crate::source::MAX_FILE_SIZE {
        return Ok(None);
    }
    let blob = repo.find_blob(id).map_err(git_at(id, "reading a blob"))?;
    let bytes = blob.data.clone();
    Ok(load::load(path, Mode::File, Content::Bytes(bytes), rules).record)
}

/// Why an operation ends without a plan: refusals of what was asked (exit 1), or a repository
/// that could not be read (the tool failed, exit 2).
#[derive(Debug)]
pub enum Stop {
    Refused(Vec<Finding>),
    Failed(SourceError),
}

impl Stop {
    /// One refusal about no file in particular (see [`Finding::new`]).
    pub fn refused(
        code: impl Into<UserCode>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Stop {
        Stop::Refused(vec![Finding::new(code, message, help)])
    }
}

impl From<Vec<Finding>> for Stop {
    fn from(f: Vec<Finding>) -> Stop {
        Stop::Refused(f)
    }
}

impl From<SourceError> for Stop {
    fn from(e: SourceError) -> Stop {
        Stop::Failed(e)
    }
}

/// What the push is checked against: the policy and people of the branch as it is.
pub struct Base {
    pub root: Option<gix::ObjectId>,
    pub policy: RawPolicy,
    pub config: RawConfig,
    pub rules: NameRules,
}

impl Base {
    pub fn at(repo: &gix::Repository, root: Option<gix::ObjectId>) -> Result<Base, SourceError> {
        // config.toml is read once: its name rules apply to the other records.
        let (config, rules) =
            crate::validate::config(blob_at(repo, root, "maintainers/config.toml")?);
        let policy = match record_at(repo, root, "maintainers/policy.toml", &rules)? {
            Some(Record::Policy(p)) => *p,
            _ => RawPolicy::default(),
        };
        Ok(Base {
            root,
            policy,
            config,
            rules,
        })
    }

    /// The actor behind `id`, or the refusal of an identity that is neither a role nor a
    /// person.
    pub fn actor(
        &self,
        repo: &gix::Repository,
        id: &str,
    ) -> Result<Result<Actor, Refusal>, SourceError> {
        let person = match Login::parse(id, &self.rules) {
            Ok(l) => self.person(repo, &l)?,
            Err(_) => None,
        };
        let addresses: Option<Vec<String>> =
            person.map(|p| p.addresses().map(str::to_lowercase).collect());
        Ok(Actor::resolve(id, &self.policy, &self.rules, |_| {
            addresses.clone()
        }))
    }

    /// A person's record in the base tree.
    pub fn person(
        &self,
        repo: &gix::Repository,
        login: &Login,
    ) -> Result<Option<crate::model::Person>, SourceError> {
        Ok(
            match record_at(repo, self.root, &login.record_path(), &self.rules)? {
                Some(Record::Person(_, p)) => Some(*p),
                _ => None,
            },
        )
    }
}

/// Checks changes for one actor against one base.
pub struct Gate<'a> {
    pub repo: &'a gix::Repository,
    pub base: &'a Base,
    pub actor: &'a Actor,
    /// Group membership of the actor, read once per group.
    groups: RefCell<HashMap<GroupName, bool>>,
}

impl<'a> Gate<'a> {
    pub fn new(repo: &'a gix::Repository, base: &'a Base, actor: &'a Actor) -> Self {
        Gate {
            repo,
            base,
            actor,
            groups: RefCell::new(HashMap::new()),
        }
    }

    /// The errors of a validation report as findings.
    pub fn validity(report: &Report, out: &mut Vec<Finding>) {
        for d in &report.diagnostics {
            if d.severity() != Severity::Error {
                continue;
            }
            let (line, col) = report.files.position(d.file, d.span.as_ref());
            let note = d.related.as_ref().map(|r| {
                let (line, col) = report.files.position(r.file, r.span.as_ref());
                format!("{}:{line}:{col}: {}", report.files.path(r.file), r.message)
            });
            out.push(Finding {
                path: Some(format!("{}:{line}:{col}", report.files.path(d.file))),
                code: d.code.into(),
                message: d.message.clone(),
                help: d.help.clone(),
                note,
            });
        }
    }

    /// A full check of `tree` (a new branch, or a repository's first push).
    pub fn check_tree(&self, tree: gix::ObjectId) -> Result<Vec<Finding>, SourceError> {
        let mut out = Vec::new();
        Gate::validity(&delta::check_change(self.repo, None, tree)?, &mut out);
        Ok(out)
    }

    /// Checks the change from `parent_root` (a valid tree, or none) to `tree`, authored by
    /// `author_email`. `incremental` is false when `parent_root` cannot be trusted to be valid.
    pub fn check_change(
        &self,
        parent_root: Option<gix::ObjectId>,
        tree: gix::ObjectId,
        author_email: &str,
        incremental: bool,
    ) -> Result<Vec<Finding>, SourceError> {
        let old_top = match parent_root {
            Some(r) => delta::root_entries(self.repo, r)?,
            None => Default::default(),
        };
        let new_top = delta::root_entries(self.repo, tree)?;
        let (old, new) = (delta::records_in(&old_top), delta::records_in(&new_top));
        let changes = delta::diff(self.repo, old, new)?;
        let incremental = incremental && old.is_some() && new.is_some();
        let mut out = Vec::new();
        Gate::validity(
            &delta::check_changes(self.repo, incremental, tree, &changes)?,
            &mut out,
        );

        if let Some((_, addresses)) = self
            .actor
            .person
            .as_ref()
            .filter(|_| self.actor.must_author_own_commits())
        {
            let email = author_email.to_lowercase();
            if !addresses.contains(&email) {
                out.push(Finding::refusal(
                    None,
                    Refusal::new(
                        Rule::AuthorMismatch,
                        format!("the commit is authored by <{email}>, which is not an address of {}", self.actor.id),
                        format!(
                            "author your commits as {} (git commit --amend --reset-author), or add the address to your aliases",
                            addresses.join(" or ")
                        ),
                    ),
                ));
            }
        }
        self.permitted(&old_top, &new_top, &changes, &mut out)?;
        Ok(out)
    }

    /// Checks only whether the actor may make the change from `old_root` to `new_root`, however
    /// many commits it took: the net change of a ref update. Validity and authorship are each
    /// commit's own business ([`Gate::check_change`]).
    pub fn check_net(
        &self,
        old_root: Option<gix::ObjectId>,
        new_root: gix::ObjectId,
    ) -> Result<Vec<Finding>, SourceError> {
        let old_top = match old_root {
            Some(r) => delta::root_entries(self.repo, r)?,
            None => Default::default(),
        };
        let new_top = delta::root_entries(self.repo, new_root)?;
        let changes = delta::diff(
            self.repo,
            delta::records_in(&old_top),
            delta::records_in(&new_top),
        )?;
        let mut out = Vec::new();
        self.permitted(&old_top, &new_top, &changes, &mut out)?;
        Ok(out)
    }

    /// The policy's refusals of a change: each changed record, then everything beside
    /// `maintainers/` (the process pages, `.gitmodules`, the README), which is the admins'.
    fn permitted(
        &self,
        old_top: &delta::RootEntries,
        new_top: &delta::RootEntries,
        changes: &[TreeChange],
        out: &mut Vec<Finding>,
    ) -> Result<(), SourceError> {
        // Admins may change anything: nothing to read.
        if self.actor.admin {
            return Ok(());
        }
        for c in changes {
            if let Some(f) = self.allowed(c)? {
                out.push(f);
            }
        }
        for name in outside_records(old_top, new_top) {
            let change = policy::Change::Other { path: &name };
            if let Err(r) = policy::check(self.actor, &change, &|g| self.is_member(g)) {
                out.push(Finding::refusal(Some(&name), r));
            }
        }
        Ok(())
    }

    /// Reads whether the actor belongs to each of `groups` in the base tree, once per group.
    fn read_membership<'g>(
        &self,
        groups: impl Iterator<Item = &'g GroupName>,
    ) -> Result<(), SourceError> {
        let Some(me) = self.actor.person.as_ref().map(|(l, _)| l) else {
            return Ok(());
        };
        for g in groups {
            if self.groups.borrow().contains_key(g) {
                continue;
            }
            let member = matches!(
                record_at(self.repo, self.base.root, &g.record_path(), &self.base.rules)?,
                Some(Record::Group(_, grp)) if grp.members.contains(me)
            );
            self.groups.borrow_mut().insert(g.clone(), member);
        }
        Ok(())
    }

    /// Whether the actor belongs to `g`, as [`Gate::read_membership`] found.
    fn is_member(&self, g: &GroupName) -> bool {
        self.groups.borrow().get(g).copied().unwrap_or(false)
    }

    /// Applies the push policy to one changed path.
    fn allowed(&self, change: &TreeChange) -> Result<Option<Finding>, SourceError> {
        // Each side is read by its blob id from the diff: a lookup by path from the root
        // would inflate every tree on the way once per changed file.
        let blob =
            |mode: &gix::objs::tree::EntryMode, id: &gix::ObjectId| mode.is_blob().then_some(*id);
        let (rel, old_id, new_id) = match change {
            TreeChange::Addition {
                path,
                entry_mode,
                oid,
                ..
            } => (path, None, blob(entry_mode, oid)),
            TreeChange::Deletion {
                path,
                entry_mode,
                oid,
                ..
            } => (path, blob(entry_mode, oid), None),
            TreeChange::Modification {
                path,
                previous_entry_mode,
                previous_oid,
                entry_mode,
                oid,
                ..
            } => (
                path,
                blob(previous_entry_mode, previous_oid),
                blob(entry_mode, oid),
            ),
        };
        let (added, removed) = (
            matches!(change, TreeChange::Addition { .. }),
            matches!(change, TreeChange::Deletion { .. }),
        );
        let path = format!("{ROOT}/{}", rel.to_str_lossy());
        let rules = &self.base.rules;
        let read = |id: Option<gix::ObjectId>| {
            id.map(|id| record_of(self.repo, id, &path, rules))
                .transpose()
                .map(Option::flatten)
        };
        let (old, new) = (read(old_id)?, read(new_id)?);
        let maintainers = |r: &Option<Record>| match r {
            Some(Record::Package(_, p)) => Some(p.maintainers.clone()),
            _ => None,
        };
        let (om, nm) = (maintainers(&old), maintainers(&new));
        let members = |r: &Option<Record>| match r {
            Some(Record::Group(_, g)) => Some(g.clone()),
            _ => None,
        };
        let (og, ng) = (members(&old), members(&new));
        let kind = load::classify(&path);
        let change = match &kind {
            Kind::Package { name, .. } => {
                // An unreadable side is the validator's to report.
                if (!added && om.is_none()) || (!removed && nm.is_none()) {
                    return Ok(None);
                }
                let groups = om
                    .iter()
                    .chain(&nm)
                    .flat_map(|m| m.iter())
                    .filter_map(|m| match m {
                        crate::names::Maintainer::Group(g) => Some(g),
                        crate::names::Maintainer::Person(_) => None,
                    });
                self.read_membership(groups)?;
                policy::Change::Package {
                    name,
                    old: om.as_deref(),
                    new: nm.as_deref(),
                }
            }
            Kind::Person(login) => policy::Change::Person {
                login,
                added,
                removed,
                registration: added
                    && matches!(
                        (&new, &self.base.config.people),
                        (Some(Record::Person(_, p)), Some(people))
                            if p.name == *login
                                && p.email == people.address(login)
                                && p.aliases.is_empty()
                                && !p.inactive
                    ),
            },
            Kind::Group(name) => policy::Change::Group {
                name,
                members: og
                    .as_ref()
                    .zip(ng.as_ref())
                    .map(|(o, n)| (o.members.as_slice(), n.members.as_slice())),
                other_fields_changed: og.as_ref().zip(ng.as_ref()).is_none_or(|(o, n)| {
                    (&o.description, &o.email, &o.aliases) != (&n.description, &n.email, &n.aliases)
                }),
            },
            Kind::Track { .. } | Kind::Dismissed { .. } => policy::Change::Track { path: &path },
            Kind::Suites => policy::Change::Suites,
            Kind::Config | Kind::Policy | Kind::Unexpected => policy::Change::Other { path: &path },
        };
        Ok(policy::check(self.actor, &change, &|g| self.is_member(g))
            .err()
            .map(|r| Finding::refusal(Some(&path), r)))
    }
}

/// The top-level entries other than `maintainers` that differ between two root trees.
fn outside_records(old: &delta::RootEntries, new: &delta::RootEntries) -> Vec<String> {
    let changed = new.iter().filter(|(n, e)| old.get(*n) != Some(e));
    let removed = old.iter().filter(|(n, _)| !new.contains_key(*n));
    let mut names: Vec<String> = changed
        .chain(removed)
        .map(|(n, _)| n.clone())
        .filter(|n| n != ROOT)
        .collect();
    names.sort();
    names
}
