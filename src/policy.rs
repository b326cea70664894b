//! Who may change what (docs/policy.md), after the real Mageia maintdb: the build system registers
//! new packages, anyone may take a package that has nobody, you may drop only yourself, and you
//! cannot set someone else. The server's hook and the local writing commands share these rules.

use crate::names::{GroupName, Login, Maintainer};
use crate::record::RawPolicy;

/// The environment variables that carry the pusher's identity, in order of preference.
pub const IDENTITY_VARS: &[&str] = &[
    "MAINTDB_PUSHER",
    "GL_USERNAME",
    "GITEA_PUSHER_NAME",
    "GL_USER",
    "REMOTE_USER",
];

pub use crate::diag::Rule;

/// Why a change is refused, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: Rule,
    pub message: String,
    pub help: String,
}

impl Refusal {
    pub fn new(rule: Rule, message: impl Into<String>, help: impl Into<String>) -> Self {
        Refusal {
            rule,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// The acting identity and the roles it holds.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub admin: bool,
    pub buildsystem: bool,
    pub tracker: bool,
    /// The person record behind the identity, with every registered address.
    pub person: Option<(Login, Vec<String>)>,
}

impl Actor {
    /// Resolves `id` against the roles of `policy` and the person records (`addresses` gives a
    /// login's registered addresses when the person exists).
    pub fn resolve(
        id: &str,
        policy: &RawPolicy,
        rules: &crate::names::NameRules,
        addresses: impl Fn(&Login) -> Option<Vec<String>>,
    ) -> Result<Actor, Refusal> {
        let has = |list: &[String]| list.iter().any(|x| x == id);
        let person = Login::parse(id, rules)
            .ok()
            .and_then(|l| addresses(&l).map(|a| (l, a)));
        let actor = Actor {
            id: id.to_owned(),
            admin: has(&policy.admins),
            buildsystem: has(&policy.buildsystem),
            tracker: has(&policy.trackers),
            person,
        };
        if actor.admin || actor.buildsystem || actor.tracker || actor.person.is_some() {
            Ok(actor)
        } else {
            Err(Refusal::new(
                Rule::UnknownIdentity,
                format!("`{id}` is neither a role in policy.toml nor a person in people/"),
                "ask an admin to add your people/<login>.toml record",
            ))
        }
    }

    /// Plain persons must author their own commits; admins and the build system may not.
    pub fn must_author_own_commits(&self) -> bool {
        !self.admin && !self.buildsystem && self.person.is_some()
    }

    fn login(&self) -> Option<&Login> {
        self.person.as_ref().map(|(l, _)| l)
    }
}

/// The ref rules. `Ok(Some(branch))`: a policy branch is updated, so its new commits are to be
/// checked; `Ok(None)`: allowed with nothing more to check (an admin's tag).
pub fn check_ref<'r>(
    actor: &Actor,
    branches: &[String],
    refname: &'r str,
    delete: bool,
) -> Result<Option<&'r str>, Refusal> {
    let listed = || {
        format!(
            "push to one of: {} (policy.toml `branches`)",
            branches.join(", ")
        )
    };
    if let Some(tag) = refname.strip_prefix("refs/tags/") {
        return if actor.admin {
            Ok(None)
        } else {
            Err(Refusal::new(
                Rule::TagNotAdmin,
                format!("{} may not push or delete the tag {tag}", actor.id),
                "tags are set by admins",
            ))
        };
    }
    let Some(branch) = refname.strip_prefix("refs/heads/") else {
        return Err(Refusal::new(
            Rule::RefNotAllowed,
            format!("{refname} is not a branch"),
            listed(),
        ));
    };
    let is_policy_branch = branches.iter().any(|b| b == branch);
    match (is_policy_branch, delete) {
        (true, false) => Ok(Some(branch)),
        (true, true) => Err(Refusal::new(
            Rule::DeleteBranch,
            format!("the branch {branch} holds the records and cannot be deleted"),
            "push a commit that changes what you meant to change instead",
        )),
        (false, _) => Err(Refusal::new(
            Rule::BranchNotAllowed,
            format!("pushes to {branch} are not accepted"),
            listed(),
        )),
    }
}

/// One changed record, with what the rules need from both sides. `None` means absent.
pub enum Change<'a> {
    Package {
        name: &'a str,
        old: Option<&'a [Maintainer]>,
        new: Option<&'a [Maintainer]>,
    },
    Person {
        login: &'a str,
        added: bool,
        removed: bool,
        /// An added record exactly as a registration writes it (config.toml's `[people]
        /// email_domain` is set; the name is the login, the address `LOGIN@domain`, nothing
        /// else): the build system may add such a record (a registration adds it with the
        /// package that names the login).
        registration: bool,
    },
    Group {
        name: &'a str,
        /// Members before and after, when both sides exist.
        members: Option<(&'a [Login], &'a [Login])>,
        /// True when anything but the member list differs.
        other_fields_changed: bool,
    },
    Track {
        path: &'a str,
    },
    Suites,
    /// policy.toml, config.toml, or any other file.
    Other {
        path: &'a str,
    },
}

/// Checks one change for `actor`. `is_member` tells whether the actor belongs to a group, in
/// the tree before the change.
pub fn check(
    actor: &Actor,
    change: &Change<'_>,
    is_member: &dyn Fn(&GroupName) -> bool,
) -> Result<(), Refusal> {
    if actor.admin {
        return Ok(());
    }
    let who = &actor.id;
    let admin = |what: String| {
        Err(Refusal::new(
            Rule::AdminOnly,
            what,
            "ask an admin to make this change",
        ))
    };
    match change {
        Change::Package {
            name, old: None, ..
        } => {
            if actor.buildsystem {
                Ok(())
            } else {
                Err(Refusal::new(
                    Rule::NewPackage,
                    format!("{who} may not register the new package {name}"),
                    "new packages are registered by the build system or an admin",
                ))
            }
        }
        Change::Package {
            name, new: None, ..
        } => admin(format!("removing package {name} is admin-only")),
        Change::Package {
            name,
            old: Some(old),
            new: Some(new),
        } => {
            let Some(me) = actor.login() else {
                return Err(Refusal::new(
                    Rule::BuildsystemExisting,
                    format!("{who} may only register new packages, and {name} exists"),
                    "ask an admin to change an existing package",
                ));
            };
            let mine = |m: &Maintainer| match m {
                Maintainer::Person(l) => l == me,
                Maintainer::Group(g) => is_member(g),
            };
            if old.iter().any(mine) {
                return Ok(());
            }
            if old.is_empty() {
                let others: Vec<String> = new
                    .iter()
                    .filter(|m| !mine(m))
                    .map(ToString::to_string)
                    .collect();
                return if others.is_empty() {
                    Ok(())
                } else {
                    Err(Refusal::new(
                        Rule::CannotSetOthers,
                        format!(
                            "{who} cannot set someone else as maintainer of {name}: {}",
                            others.join(", ")
                        ),
                        "take the package for yourself (or a group you belong to); the others can join later",
                    ))
                };
            }
            let owners: Vec<String> = old.iter().map(ToString::to_string).collect();
            let verb = crate::words::noun(owners.len(), "maintains", "maintain");
            Err(Refusal::new(
                Rule::NotAMaintainer,
                format!(
                    "{} {verb} {name}; {who} is not among its maintainers",
                    crate::words::and_list(&owners)
                ),
                format!(
                    "ask {}",
                    crate::words::or_list(&[&owners[..], &["an admin".into()]].concat())
                ),
            ))
        }
        Change::Person {
            login,
            added,
            removed,
            registration,
        } => {
            let own = !added && !removed && actor.login().is_some_and(|l| l.as_str() == *login);
            if own || (*added && *registration && actor.buildsystem) {
                Ok(())
            } else if *added || *removed {
                admin(format!(
                    "adding or removing the person {login} is admin-only"
                ))
            } else {
                Err(Refusal::new(
                    Rule::NotYourFile,
                    format!("{who} may not edit the person record of {login}"),
                    format!("ask {login} or an admin"),
                ))
            }
        }
        // Leaving a group: the same group, less yourself.
        Change::Group {
            members: Some((old, new)),
            other_fields_changed: false,
            ..
        } if actor.login().is_some_and(|me| {
            old.contains(me) && old.iter().filter(|m| *m != me).eq(new.iter())
        }) =>
        {
            Ok(())
        }
        Change::Group { name, .. } => admin(format!(
            "changing group {name} is admin-only (members may only leave)"
        )),
        Change::Track { path } if !actor.tracker => Err(Refusal::new(
            Rule::TrackerOnly,
            format!("{who} may not change {path}"),
            "tracks are edited by trackers (policy.toml) or admins",
        )),
        Change::Suites if !actor.tracker => Err(Refusal::new(
            Rule::TrackerOnly,
            format!("{who} may not change suites.toml"),
            "suites are edited by trackers (policy.toml) or admins",
        )),
        Change::Track { .. } | Change::Suites => Ok(()),
        Change::Other { path } => admin(format!("changing {path} is admin-only")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::NameRules;

    fn actor(id: &str, policy: &RawPolicy) -> Actor {
        Actor::resolve(id, policy, &NameRules::default(), |l| {
            ["alice", "bob"]
                .contains(&l.as_str())
                .then(|| vec![format!("{l}@example.org")])
        })
        .unwrap()
    }

    fn m(s: &str) -> Maintainer {
        Maintainer::parse(s, &NameRules::default()).unwrap()
    }

    fn pkg<'a>(old: Option<&'a [Maintainer]>, new: Option<&'a [Maintainer]>) -> Change<'a> {
        Change::Package {
            name: "foo",
            old,
            new,
        }
    }

    #[test]
    fn take_drop_and_set_others() {
        let p = RawPolicy::default();
        let alice = actor("alice", &p);
        let no_groups = |_: &GroupName| false;
        let rule = |c: &Change<'_>| check(&alice, c, &no_groups).err().map(|r| r.rule);
        assert_eq!(
            rule(&pkg(Some(&[]), Some(&[m("alice")]))),
            None,
            "take an orphan"
        );
        assert_eq!(
            rule(&pkg(Some(&[m("alice")]), Some(&[]))),
            None,
            "drop yourself"
        );
        assert_eq!(
            rule(&pkg(Some(&[m("alice")]), Some(&[m("alice"), m("bob")]))),
            None
        );
        assert_eq!(
            rule(&pkg(Some(&[m("bob")]), Some(&[m("alice")]))),
            Some(Rule::NotAMaintainer)
        );
        assert_eq!(
            rule(&pkg(Some(&[]), Some(&[m("bob")]))),
            Some(Rule::CannotSetOthers)
        );
        assert_eq!(
            rule(&pkg(None, Some(&[m("alice")]))),
            Some(Rule::NewPackage)
        );
        assert_eq!(rule(&pkg(Some(&[m("alice")]), None)), Some(Rule::AdminOnly));
    }

    #[test]
    fn groups_count_as_yours() {
        let alice = actor("alice", &RawPolicy::default());
        let perl = |g: &GroupName| g.as_str() == "perl";
        assert!(check(&alice, &pkg(Some(&[]), Some(&[m("%perl")])), &perl).is_ok());
        assert!(
            check(
                &alice,
                &pkg(Some(&[m("%perl")]), Some(&[m("%perl"), m("bob")])),
                &perl
            )
            .is_ok()
        );
        assert!(check(&alice, &pkg(Some(&[]), Some(&[m("%python")])), &perl).is_err());
    }

    #[test]
    fn unknown_identity_is_refused() {
        let r = Actor::resolve(
            "mallory",
            &RawPolicy::default(),
            &NameRules::default(),
            |_| None,
        );
        assert_eq!(r.unwrap_err().rule, Rule::UnknownIdentity);
    }
}
