//! Checking one push: the ref rules, then each new commit's tree (validated incrementally
//! against its first parent), its change (allowed for the pusher), its author and its shape
//! (merges are for admins), and last the update as a whole: the old tip's tree against the new
//! tip's, so no history shaped around the per-commit checks can change what the pusher may not.

use crate::gate::{Base, Finding, Gate};
use crate::policy::{self, Refusal, Rule};
use crate::source::SourceError;
use crate::source::objects::{git, git_at, root_tree};

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
    pub code: crate::diag::UserCode,
    pub message: String,
    pub help: String,
    pub note: Option<String>,
}

/// A line of git's input that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("line {line}: expected `<old> <new> <ref>`, found `{found}`")]
    Shape { line: usize, found: String },
    #[error("line {line}: `{found}` is not an object id")]
    Id { line: usize, found: String },
}

/// Parses git's input lines; an error names the bad line.
pub fn parse_updates(input: &str) -> Result<Vec<Update>, InputError> {
    input
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let [old, new, refname] = parts.as_slice() else {
                return Err(InputError::Shape {
                    line: i + 1,
                    found: l.to_owned(),
                });
            };
            let id = |s: &str| {
                gix::ObjectId::from_hex(s.as_bytes()).map_err(|_| InputError::Id {
                    line: i + 1,
                    found: s.to_owned(),
                })
            };
            Ok(Update {
                old: id(old)?,
                new: id(new)?,
                refname: (*refname).to_owned(),
            })
        })
        .collect()
}

fn problem(refname: &str, commit: Option<gix::ObjectId>, f: Finding) -> Problem {
    Problem {
        refname: refname.to_owned(),
        commit,
        path: f.path,
        code: f.code,
        message: f.message,
        help: f.help,
        note: f.note,
    }
}

fn refusal(
    refname: &str,
    commit: Option<gix::ObjectId>,
    path: Option<&str>,
    r: Refusal,
) -> Problem {
    problem(refname, commit, Finding::refusal(path, r))
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
    let actor = match base.actor(repo, identity)? {
        Ok(a) => a,
        Err(r) => return Ok(whole(r)),
    };
    let existing = existing_tips(repo)?;
    let mut problems = Vec::new();
    let mut ctx = Ctx {
        gate: Gate::new(repo, &base, &actor),
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
        .map_err(git_at(id, "peeling a pushed ref"))?
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
    gate: Gate<'a>,
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

    fn add(&mut self, refname: &str, commit: gix::ObjectId, findings: Vec<Finding>) {
        self.problems.extend(
            findings
                .into_iter()
                .map(|f| problem(refname, Some(commit), f)),
        );
    }

    fn update(&mut self, u: &Update, existing: &[gix::ObjectId]) -> Result<(), SourceError> {
        let name = u.refname.as_str();
        let branch = match policy::check_ref(
            self.gate.actor,
            &self.gate.base.policy.branches,
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
        let tip = peel_commit(self.gate.repo, u.new)?;
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
            .gate
            .repo
            .rev_walk([tip])
            .with_hidden(existing.iter().copied())
            .all()
            .map_err(git_at(tip, "walking the pushed commits"))?;
        for info in walk {
            new_commits.push(
                info.map_err(|e| {
                    git_at(tip, "walking the pushed commits")(gix::Error::from_error(e))
                })?
                .id,
            );
        }
        new_commits.reverse();
        if u.old.is_null() && !new_commits.contains(&tip) {
            // A new branch on existing history: its tip still gets a full check.
            let tree = root_tree(self.gate.repo, tip)?;
            let findings = self.gate.check_tree(tree)?;
            self.add(name, tip, findings);
        }
        // One new commit straight on the old tip: its own check was the whole update's.
        let one_step =
            new_commits.len() == 1 && new_commits[0] == tip && self.parents(tip)? == [u.old];
        for c in new_commits {
            self.commit(name, c)?;
        }
        // What the update does to the data, whatever the shape of its history: a merge can
        // bring back any old tree with no new commit changing anything.
        let old_root = if u.old.is_null() {
            self.gate.base.root.filter(|_| !self.empty_repo)
        } else {
            Some(root_tree(
                self.gate.repo,
                peel_commit(self.gate.repo, u.old)?,
            )?)
        };
        let new_root = root_tree(self.gate.repo, tip)?;
        if !one_step && old_root != Some(new_root) && !(self.empty_repo && u.old.is_null()) {
            let from = old_root.map_or_else(
                || "nothing".to_owned(),
                |_| u.old.to_hex_with_len(10).to_string(),
            );
            for f in self.gate.check_net(old_root, new_root)? {
                // A commit of the push already refused for the same file and rule says it.
                let said = self
                    .problems
                    .iter()
                    .any(|p| p.refname == name && p.code == f.code && p.path == f.path);
                if !said {
                    let mut p = problem(name, None, f);
                    p.message = format!(
                        "the update as a whole ({from} to {}): {}",
                        tip.to_hex_with_len(10),
                        p.message
                    );
                    self.problems.push(p);
                }
            }
        }
        Ok(())
    }

    fn parents(&self, id: gix::ObjectId) -> Result<Vec<gix::ObjectId>, SourceError> {
        let commit = self
            .gate
            .repo
            .find_commit(id)
            .map_err(git_at(id, "reading a pushed commit"))?;
        Ok(commit.parent_ids().map(|p| p.detach()).collect())
    }

    fn is_ancestor(&self, old: gix::ObjectId, new: gix::ObjectId) -> Result<bool, SourceError> {
        if old == new {
            return Ok(true);
        }
        let base = self
            .gate
            .repo
            .merge_base(old, new)
            .map_err(git_at(new, "finding the merge base with a pushed commit"))?;
        Ok(base.is_some_and(|b| b.detach() == old))
    }

    fn commit(&mut self, refname: &str, id: gix::ObjectId) -> Result<(), SourceError> {
        let repo = self.gate.repo;
        let commit = repo
            .find_commit(id)
            .map_err(git_at(id, "reading a pushed commit"))?;
        let tree = commit
            .tree_id()
            .map_err(git_at(id, "reading a pushed commit"))?
            .detach();
        if commit.parent_ids().nth(1).is_some() && !self.gate.actor.admin {
            self.refuse(
                refname,
                Some(id),
                None,
                Refusal::new(
                    Rule::MergeNotAdmin,
                    format!("{} may not push a merge commit", self.gate.actor.id),
                    "rebase your commits on the branch (git pull --rebase) and push them again; only admins push merges",
                ),
            );
        }
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let parent_root = parent.map(|p| root_tree(repo, p)).transpose()?;
        let author = commit
            .author()
            .map_err(git_at(id, "reading a pushed commit"))?
            .email
            .to_string();
        let findings = self
            .gate
            .check_change(parent_root, tree, &author, !self.empty_repo)?;
        self.add(refname, id, findings);
        Ok(())
    }
}
