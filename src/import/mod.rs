//! Import of maintainership from outside: a Debian `Sources` index or a maintdb text list.
//! An import is planned completely in memory first; any malformed input stops it before a
//! single file is written.

mod address;
pub mod deb822;
pub mod debian;
pub mod directory;
pub mod ldif;
pub mod sync;
pub mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::commit::Change;
use crate::model::Db;
use crate::names::{GroupName, Login, Maintainer, PackageName};

/// A malformed line or stanza of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A person the import creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub name: String,
    pub email: String,
    pub aliases: Vec<String>,
}

/// A group the import creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub description: String,
    pub email: Option<String>,
    pub aliases: Vec<String>,
    pub members: BTreeSet<Login>,
}

/// Everything an import will write.
#[derive(Debug, Default)]
pub struct Plan {
    pub people: BTreeMap<Login, NewPerson>,
    pub groups: BTreeMap<GroupName, NewGroup>,
    pub packages: BTreeMap<PackageName, Vec<Maintainer>>,
}

impl Plan {
    /// The people and group records to write, in path order. They are new ones only: the
    /// registry reuses existing records. Packages are compared with the records in [`sync`].
    pub fn new_records(&self) -> Vec<Change> {
        let mut out = Vec::with_capacity(self.people.len() + self.groups.len());
        for (login, p) in &self.people {
            out.push(Change {
                path: login.record_path(),
                content: Some(
                    crate::record::person_toml(&p.name, &p.email, &p.aliases).into_bytes(),
                ),
            });
        }
        for (name, g) in &self.groups {
            let members: Vec<String> = g.members.iter().map(|m| m.to_string()).collect();
            out.push(Change {
                path: name.record_path(),
                content: Some(
                    crate::record::group_toml(
                        &g.description,
                        g.email.as_deref(),
                        &g.aliases,
                        &members,
                    )
                    .into_bytes(),
                ),
            });
        }
        out
    }
}

/// Who already exists, so that an import reuses logins and never takes one twice.
#[derive(Debug, Default)]
pub struct Registry {
    by_email: HashMap<String, Login>,
    group_by_email: HashMap<String, GroupName>,
    logins: BTreeSet<String>,
    groups: BTreeSet<String>,
}

impl Registry {
    pub fn from_db(db: &Db) -> Self {
        let mut r = Registry::default();
        for (login, p) in &db.people {
            for a in p.addresses() {
                r.by_email.insert(a.to_lowercase(), login.clone());
            }
            r.logins.insert(login.to_string());
        }
        for (name, g) in &db.groups {
            for e in g.email.iter().chain(&g.aliases) {
                r.group_by_email.insert(e.to_lowercase(), name.clone());
            }
            r.groups.insert(name.to_string());
        }
        r
    }

    pub fn login_for_email(&self, email: &str) -> Option<&Login> {
        self.by_email.get(&email.to_lowercase())
    }

    pub fn group_for_email(&self, email: &str) -> Option<&GroupName> {
        self.group_by_email.get(&email.to_lowercase())
    }

    pub fn has_login(&self, login: &str) -> bool {
        self.logins.contains(login)
    }

    pub fn has_group(&self, name: &str) -> bool {
        self.groups.contains(name)
    }

    /// Reserves `base`, or `base-2`, `base-3`… (kept within 32 characters) in `taken`.
    fn unique(taken: &mut BTreeSet<String>, base: &str) -> String {
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                base.to_owned()
            } else {
                let suffix = format!("-{n}");
                let keep = base.len().min(32 - suffix.len());
                format!("{}{suffix}", base[..keep].trim_end_matches('-'))
            };
            if candidate != crate::names::NOBODY && taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }

    pub fn new_login(&mut self, base: &str) -> String {
        Registry::unique(&mut self.logins, base)
    }

    pub fn new_group(&mut self, base: &str) -> String {
        Registry::unique(&mut self.groups, base)
    }
}

/// Lowercase ASCII slug fit for a login or group: `[a-z][a-z0-9-]*`, at most 32 characters.
pub fn slug(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_lowercase();
    let mut out = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert(0, 'x');
    }
    out.truncate(32);
    out.trim_end_matches('-').to_owned()
}

/// What the inputs of an import are.
pub enum Format {
    /// Debian `Sources` indexes, merged (the higher version of a package wins).
    DebianSources,
    /// One maintdb text list.
    Text(text::Options),
}

/// Reads every input into one plan, or returns every malformed line with the input it is in.
pub fn plan<I: Clone>(
    format: &Format,
    loaded: &[(I, String)],
    rules: &crate::names::NameRules,
    registry: &mut Registry,
) -> Result<Plan, Vec<(I, InputError)>> {
    let mut bad = Vec::new();
    let plan = match format {
        Format::DebianSources => {
            let mut all = debian::Sources::default();
            for (input, text) in loaded {
                match debian::read(text, rules) {
                    Ok(s) => all.merge(s),
                    Err(errors) => bad.extend(errors.into_iter().map(|e| (input.clone(), e))),
                }
            }
            if bad.is_empty() {
                debian::plan(all, rules, registry)
            } else {
                Plan::default()
            }
        }
        Format::Text(opts) => match loaded.first() {
            Some((input, text)) => {
                text::plan(text, rules, registry, opts).unwrap_or_else(|errors| {
                    bad.extend(errors.into_iter().map(|e| (input.clone(), e)));
                    Plan::default()
                })
            }
            None => Plan::default(),
        },
    };
    if bad.is_empty() { Ok(plan) } else { Err(bad) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Torquil Macdonald Sørensen"),
            "torquil-macdonald-sorensen"
        );
        assert_eq!(slug("0xffff"), "x0xffff");
        assert_eq!(slug("a".repeat(40).as_str()).len(), 32);
    }

    #[test]
    fn unique_names() {
        let mut r = Registry::default();
        assert_eq!(r.new_login("bob"), "bob");
        assert_eq!(r.new_login("bob"), "bob-2");
        assert_eq!(r.new_login("nobody"), "nobody-2");
    }
}
