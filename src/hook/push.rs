//! Checking one push: the ref rules, then each new commit's tree (validated incrementally
//! against its first parent) and its change (allowed for the pusher), and its author.

use std::cell::RefCell;
use std::collections::HashMap;

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change as TreeChange;

use crate::diag::{Report, Severity};
use crate::load::{self, Kind, Record};
use crate::names::{GroupName, NameRules};
use crate::policy::{self, Actor, Refusal, Rule};
use crate::record::RawPolicy;
use crate::source::{Content, GitSource, Mode, ROOT, Source, SourceError};
use crate::validate::delta;

/// One line of git's input: `<old> <new> <ref>`.
#[derive(Debug, Clone)]
pub struct Update {
    pub old: gix::ObjectId,
    pub new: gix::ObjectId,
    pub refname: String,
}

/// One reason to refuse the push.
#[derive(Debug, Clone)]
pub struct Problem {
    pub refname: String,
    pub commit: Option<gix::ObjectId>,
    pub path: Option<String>,
    pub code: String,
    pub message: String,
    pub help: String,
}

/// Parses git's input lines; an error names the bad line.
pub fn parse_updates(input: &str) -> Result<Vec<Update>, String> {
    input
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let [old, new, refname] = parts.as_slice() else {
                return Err(format!(
                    "line {}: expected `<old> <new> <ref>`, found `{l}`",
                    i + 1
                ));
            };
            let id = |s: &str| {
                gix::ObjectId::from_hex(s.as_bytes()).map_err(|e| format!("line {}: {e}", i + 1))
            };
            Ok(Update {
                old: id(old)?,
                new: id(new)?,
                refname: (*refname).to_owned(),
            })
        })
        .collect()
}

fn refusal(
    refname: &str,
    commit: Option<gix::ObjectId>,
    path: Option<&str>,
    r: Refusal,
) -> Problem {
    Problem {
        refname: refname.to_owned(),
        commit,
        path: path.map(ToOwned::to_owned),
        code: r.rule.as_str().to_owned(),
        message: r.message,
        help: r.help,
    }
}

fn git(what: &'static str) -> impl FnOnce(gix::Error) -> SourceError {
    move |source| SourceError::Object {
        id: gix::ObjectId::null(gix::hash::Kind::Sha1),
        what,
        source,
    }
}

/// Reads and loads one record of `root`, if present.
fn record_at(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
    path: &str,
    rules: &NameRules,
) -> Option<Record> {
    let tree = repo.find_tree(root?).ok()?;
    let entry = tree.lookup_entry_by_path(path).ok()??;
    if !entry.mode().is_blob() {
        return None;
    }
    let blob = repo.find_blob(entry.object_id()).ok()?;
    let l = load::load(path, Mode::File, Content::Bytes(blob.data.clone()), rules);
    l.record
}

/// What the push is checked against: the policy and people of the branch as it is.
struct Base {
    root: Option<gix::ObjectId>,
    policy: RawPolicy,
    rules: NameRules,
}

impl Base {
    fn at(repo: &gix::Repository, root: Option<gix::ObjectId>) -> Result<Base, SourceError> {
        let (policy, rules) = match root {
            Some(r) => {
                let src = Source::Git(Box::new(GitSource::at_tree(
                    repo.clone().into_sync(),
                    r,
                    String::new(),
                )));
                let rules = crate::validate::name_rules(&src)?;
                let policy = match record_at(repo, root, "maintainers/policy.toml", &rules) {
                    Some(Record::Policy(p)) => p,
                    _ => RawPolicy::default(),
                };
                (policy, rules)
            }
            None => (RawPolicy::default(), NameRules::default()),
        };
        Ok(Base {
            root,
            policy,
            rules,
        })
    }

    fn actor(&self, repo: &gix::Repository, id: &str) -> Result<Actor, Refusal> {
        Actor::resolve(id, &self.policy, &self.rules, |l| {
            match record_at(repo, self.root, &l.record_path(), &self.rules) {
                Some(Record::Person(_, p)) => Some(p.addresses().map(str::to_lowercase).collect()),
                _ => None,
            }
        })
    }
}

fn root_tree(repo: &gix::Repository, commit: gix::ObjectId) -> Result<gix::ObjectId, SourceError> {
    Ok(repo
        .find_commit(commit)
        .and_then(|c| c.tree_id())
        .map_err(git("reading a commit"))?
        .detach())
}

/// Checks a whole push; an empty result means it is accepted.
pub fn check_push(
    repo: &gix::Repository,
    updates: &[Update],
    identity: Option<&str>,
) -> Result<Vec<Problem>, SourceError> {
    let whole = |r: Refusal| {
        vec![refusal(
            &updates
                .iter()
                .map(|u| u.refname.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            None,
            None,
            r,
        )]
    };
    let Some(identity) = identity.filter(|s| !s.is_empty()) else {
        return Ok(whole(Refusal::new(
            Rule::NoIdentity,
            format!(
                "the server gave no pusher identity (none of {} is set)",
                policy::IDENTITY_VARS.join(", ")
            ),
            "push through the authenticated server, or ask an admin to set MAINTDB_PUSHER for this remote",
        )));
    };
    // The branch as it is decides who may do what; an empty repository takes the pushed tip's.
    let head = repo.head_id().ok().map(|id| id.detach());
    let base_root = match head {
        Some(h) => Some(root_tree(repo, h)?),
        None => updates
            .iter()
            .find(|u| !u.new.is_null())
            .map(|u| peel_commit(repo, u.new).and_then(|c| root_tree(repo, c)))
            .transpose()?,
    };
    let base = Base::at(repo, base_root)?;
    let actor = match base.actor(repo, identity) {
        Ok(a) => a,
        Err(r) => return Ok(whole(r)),
    };
    let existing = existing_tips(repo)?;
    let mut problems = Vec::new();
    let mut ctx = Ctx {
        repo,
        base: &base,
        actor: &actor,
        groups: RefCell::new(HashMap::new()),
        problems: &mut problems,
        empty_repo: head.is_none(),
    };
    for u in updates {
        ctx.update(u, &existing)?;
    }
    Ok(problems)
}

fn peel_commit(repo: &gix::Repository, id: gix::ObjectId) -> Result<gix::ObjectId, SourceError> {
    Ok(repo
        .find_object(id)
        .and_then(|o| o.peel_to_kind(gix::object::Kind::Commit))
        .map_err(git("peeling a pushed ref"))?
        .id)
}

/// Every commit an existing ref points at (tags peeled): their history is already checked.
fn existing_tips(repo: &gix::Repository) -> Result<Vec<gix::ObjectId>, SourceError> {
    let mut out = Vec::new();
    let refs = repo.references().map_err(git("listing refs"))?;
    for r in refs.all().map_err(git("listing refs"))? {
        let Ok(mut r) = r else { continue };
        if let Ok(id) = r.peel_to_id()
            && let Ok(c) = peel_commit(repo, id.detach())
        {
            out.push(c);
        }
    }
    Ok(out)
}

struct Ctx<'a> {
    repo: &'a gix::Repository,
    base: &'a Base,
    actor: &'a Actor,
    /// Group membership of the actor, read once per group.
    groups: RefCell<HashMap<GroupName, bool>>,
    problems: &'a mut Vec<Problem>,
    empty_repo: bool,
}

impl Ctx<'_> {
    fn refuse(
        &mut self,
        refname: &str,
        commit: Option<gix::ObjectId>,
        path: Option<&str>,
        r: Refusal,
    ) {
        self.problems.push(refusal(refname, commit, path, r));
    }

    fn update(&mut self, u: &Update, existing: &[gix::ObjectId]) -> Result<(), SourceError> {
        let name = u.refname.as_str();
        let branch = match policy::check_ref(
            self.actor,
            &self.base.policy.branches,
            name,
            u.new.is_null(),
        ) {
            Ok(Some(branch)) => branch,
            Ok(None) => return Ok(()),
            Err(r) => {
                self.refuse(name, None, None, r);
                return Ok(());
            }
        };
        let tip = peel_commit(self.repo, u.new)?;
        if !u.old.is_null() && !self.is_ancestor(u.old, tip)? {
            self.refuse(
                name,
                Some(tip),
                None,
                Refusal::new(
                    Rule::NonFastForward,
                    format!("{branch} would lose commits: {} is not an ancestor of the new tip", u.old.to_hex_with_len(10)),
                    "fetch, rebase your commits on the current branch, and push again (never force)",
                ),
            );
            return Ok(());
        }
        let mut new_commits: Vec<gix::ObjectId> = Vec::new();
        let walk = self
            .repo
            .rev_walk([tip])
            .with_hidden(existing.iter().copied())
            .all()
            .map_err(git("walking the pushed commits"))?;
        for info in walk {
            new_commits.push(
                info.map_err(|e| git("walking the pushed commits")(gix::Error::from_error(e)))?
                    .id,
            );
        }
        new_commits.reverse();
        if u.old.is_null() && !new_commits.contains(&tip) {
            // A new branch on existing history: its tip still gets a full check.
            let tree = root_tree(self.repo, tip)?;
            self.validity(name, tip, delta::check_change(self.repo, None, tree)?);
        }
        for c in new_commits {
            self.commit(name, c)?;
        }
        Ok(())
    }

    fn is_ancestor(&self, old: gix::ObjectId, new: gix::ObjectId) -> Result<bool, SourceError> {
        if old == new {
            return Ok(true);
        }
        let base = self
            .repo
            .merge_base(old, new)
            .map_err(git("finding the merge base"))?;
        Ok(base.is_some_and(|b| b.detach() == old))
    }

    fn validity(&mut self, refname: &str, commit: gix::ObjectId, report: Report) {
        for d in &report.diagnostics {
            if d.severity() != Severity::Error {
                continue;
            }
            let (line, col) = report.files.position(d.file, d.span.as_ref());
            self.problems.push(Problem {
                refname: refname.to_owned(),
                commit: Some(commit),
                path: Some(format!("{}:{line}:{col}", report.files.path(d.file))),
                code: d.code.as_str().to_owned(),
                message: d.message.clone(),
                help: d.help.clone(),
            });
        }
    }

    fn commit(&mut self, refname: &str, id: gix::ObjectId) -> Result<(), SourceError> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(git("reading a pushed commit"))?;
        let tree = commit
            .tree_id()
            .map_err(git("reading a pushed commit"))?
            .detach();
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let parent_root = parent.map(|p| root_tree(self.repo, p)).transpose()?;
        let old = parent_root
            .map(|r| delta::records_tree(self.repo, r))
            .transpose()?
            .flatten();
        let new = delta::records_tree(self.repo, tree)?;
        let changes = delta::diff(self.repo, old, new)?;
        let incremental = old.is_some() && new.is_some() && !self.empty_repo;
        self.validity(
            refname,
            id,
            delta::check_changes(self.repo, incremental, tree, &changes)?,
        );

        if self.actor.must_author_own_commits() {
            let author = commit.author().map_err(git("reading a pushed commit"))?;
            let email = author.email.to_str_lossy().to_lowercase();
            let addresses = &self
                .actor
                .person
                .as_ref()
                .expect("persons have addresses")
                .1;
            if !addresses.contains(&email) {
                self.refuse(
                    refname,
                    Some(id),
                    None,
                    Refusal::new(
                        Rule::AuthorMismatch,
                        format!("the commit is authored by <{email}>, which is not an address of {}", self.actor.id),
                        format!(
                            "author your commits as {} (git commit --amend --reset-author), or add the address to your aliases",
                            addresses.join(" or ")
                        ),
                    ),
                );
            }
        }
        for c in &changes {
            self.allowed(refname, id, parent_root, tree, c);
        }
        Ok(())
    }

    fn is_member(&self, g: &GroupName) -> bool {
        let Some(me) = self.actor.person.as_ref().map(|(l, _)| l) else {
            return false;
        };
        *self
            .groups
            .borrow_mut()
            .entry(g.clone())
            .or_insert_with(|| {
                matches!(
                    record_at(self.repo, self.base.root, &g.record_path(), &self.base.rules),
                    Some(Record::Group(_, grp)) if grp.members.contains(me)
                )
            })
    }

    /// Applies the push policy to one changed path.
    fn allowed(
        &mut self,
        refname: &str,
        commit: gix::ObjectId,
        old_root: Option<gix::ObjectId>,
        new_root: gix::ObjectId,
        change: &TreeChange,
    ) {
        let (rel, added, removed) = match change {
            TreeChange::Addition { path, .. } => (path, true, false),
            TreeChange::Deletion { path, .. } => (path, false, true),
            TreeChange::Modification { path, .. } => (path, false, false),
        };
        let path = format!("{ROOT}/{}", rel.to_str_lossy());
        let rules = &self.base.rules;
        let old = (!added)
            .then(|| record_at(self.repo, old_root, &path, rules))
            .flatten();
        let new = (!removed)
            .then(|| record_at(self.repo, Some(new_root), &path, rules))
            .flatten();
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
                    return;
                }
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
            Kind::Track { .. } => policy::Change::Track { path: &path },
            Kind::Suites => policy::Change::Suites,
            Kind::Config | Kind::Policy | Kind::Unexpected => policy::Change::Other { path: &path },
        };
        if let Err(r) = policy::check(self.actor, &change, &|g| self.is_member(g)) {
            let shown = path.clone();
            self.refuse(refname, Some(commit), Some(&shown), r);
        }
    }
}
