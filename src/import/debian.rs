//! Import from Debian `Sources` indexes (see docs/import.md): Maintainer and Uploaders become
//! the package's maintainers, team addresses become groups, the QA group means orphaned.
//! Several indexes (a mirror's components, the security archive) merge into one set of
//! sources; where a package appears more than once, the higher version wins.

use std::collections::{BTreeMap, BTreeSet};

use super::address::{self, Address};
use super::{InputError, NewGroup, NewPerson, Plan, Registry, deb822, slug};
use crate::names::{GroupName, Login, Maintainer, NameRules, PackageName};

/// The Debian QA Group: a package maintained by it is orphaned.
const QA: &str = "packages@qa.debian.org";

/// Mail domains that belong to teams (mailing lists and per-package team addresses).
const TEAM_DOMAINS: &[&str] = &[
    "lists.alioth.debian.org",
    "alioth-lists.debian.net",
    "lists.debian.org",
    "packages.debian.org",
    "lists.launchpad.net",
    "lists.ubuntu.com",
    "googlegroups.com",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Orphan,
    Team,
    Person,
}

fn role(email: &str) -> Role {
    let email = email.to_lowercase();
    if email == QA {
        return Role::Orphan;
    }
    let (local, domain) = email.split_once('@').unwrap_or((&email, ""));
    let team = (domain == "tracker.debian.org" && local.starts_with("team+"))
        || TEAM_DOMAINS.contains(&domain)
        || domain.starts_with("lists.");
    if team { Role::Team } else { Role::Person }
}

/// The identity of an address: lowercased, and with the two hosts of Debian's team lists
/// (`lists.alioth.debian.org` moved to `alioth-lists.debian.net`) folded into one.
fn key(email: &str) -> String {
    let lower = email.to_lowercase();
    match lower.strip_suffix("@lists.alioth.debian.org") {
        Some(local) => format!("{local}@alioth-lists.debian.net"),
        None => lower,
    }
}

/// The group name a team address suggests: `team+pkg-go@…` → `pkg-go`, `pkg-games-devel@…` → `pkg-games`.
fn team_base(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email).to_lowercase();
    let local = local.strip_prefix("team+").unwrap_or(&local);
    let trimmed = ["-devel", "-maintainers", "-maint", "-team", "-discuss"]
        .iter()
        .find_map(|s| local.strip_suffix(s))
        .unwrap_or(local);
    slug(trimmed)
}

/// The login a personal address suggests: the local part for `@debian.org`, else the name.
fn login_base(a: &Address) -> String {
    let (local, domain) = a.email.split_once('@').unwrap_or((&a.email, ""));
    if domain.eq_ignore_ascii_case("debian.org") || a.name.is_empty() {
        slug(local)
    } else {
        slug(&a.name)
    }
}

struct Source {
    name: PackageName,
    version: debversion::Version,
    people: Vec<Address>,
}

/// The source packages of one or more indexes, the highest version of each.
#[derive(Default)]
pub struct Sources(BTreeMap<PackageName, Source>);

impl Sources {
    /// Adds `other`'s packages; where both hold one, the higher version stays.
    pub fn merge(&mut self, other: Sources) {
        for (name, src) in other.0 {
            self.offer(name, src);
        }
    }

    fn offer(&mut self, name: PackageName, src: Source) {
        let newer = self
            .0
            .get(&name)
            .is_none_or(|old| src.version > old.version);
        if newer {
            self.0.insert(name, src);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a file that is not a `Sources` index at all looks like: its first line is no
/// `Field: value` (an HTML error page served with status 200, a directory listing, a tarball).
fn not_an_index(text: &str) -> Option<InputError> {
    let (i, first) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))?;
    let looks_like_field = first
        .split_once(':')
        .is_some_and(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace));
    (!looks_like_field).then(|| InputError {
        line: i + 1,
        message: format!(
            "this is not a Debian Sources index: it starts with `{}`; give a `Sources`, \
             `Sources.gz` or `Sources.xz` file or URL",
            first.chars().take(60).collect::<String>()
        ),
    })
}

/// Parses every stanza of one index; returns its sources (highest version per package) or
/// every problem.
pub fn read(text: &str, rules: &NameRules) -> Result<Sources, Vec<InputError>> {
    if let Some(e) = not_an_index(text) {
        return Err(vec![e]);
    }
    let (stanzas, syntax) = deb822::parse(text);
    let mut errors: Vec<InputError> = syntax
        .into_iter()
        .map(|e| InputError {
            line: e.line,
            message: e.message,
        })
        .collect();
    let mut out = Sources::default();
    for s in &stanzas {
        let mut err = |line, message: String| errors.push(InputError { line, message });
        let Some(pkg) = s.get("Package") else {
            err(s.line, "stanza has no Package field".into());
            continue;
        };
        let name = match PackageName::parse(&pkg.value, rules) {
            Ok(n) => n,
            Err(e) => {
                err(pkg.line, format!("bad package name: {e}"));
                continue;
            }
        };
        let version = match s
            .get("Version")
            .map(|v| (v, v.value.parse::<debversion::Version>()))
        {
            Some((_, Ok(v))) => v,
            Some((v, Err(e))) => {
                err(v.line, format!("bad version `{}` of {name}: {e}", v.value));
                continue;
            }
            None => {
                err(s.line, format!("package {name} has no Version field"));
                continue;
            }
        };
        let Some(m) = s.get("Maintainer") else {
            err(s.line, format!("package {name} has no Maintainer field"));
            continue;
        };
        // Parsed as a list: real indexes hold a stray trailing comma, or two addresses, now and then.
        let mut people = match address::parse_list(&m.value) {
            Ok(a) if !a.is_empty() => a,
            Ok(_) => {
                err(m.line, format!("Maintainer of {name} is empty"));
                continue;
            }
            Err(e) => {
                err(m.line, format!("Maintainer of {name}: {e}"));
                continue;
            }
        };
        if let Some(u) = s.get("Uploaders") {
            match address::parse_list(&u.value.replace('\n', " ")) {
                Ok(list) => people.extend(list),
                Err(e) => {
                    err(u.line, format!("Uploaders of {name}: {e}"));
                    continue;
                }
            }
        }
        out.offer(
            name.clone(),
            Source {
                name,
                version,
                people,
            },
        );
    }
    if errors.is_empty() && out.is_empty() {
        errors.push(InputError {
            line: 1,
            message: "the index holds no package; give a `Sources` index with stanzas".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Plans the import of `sources` on top of the existing `registry`.
pub fn plan(sources: Sources, rules: &NameRules, registry: &mut Registry) -> Plan {
    let sources = sources.0;

    // Every address, keyed by lowercase email; the first spelling seen is the canonical one.
    let mut seen: BTreeMap<String, (Address, BTreeSet<String>)> = BTreeMap::new();
    // Team → the people who upload its packages.
    let mut team_uploaders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for src in sources.values() {
        for a in &src.people {
            let e = seen
                .entry(key(&a.email))
                .or_insert_with(|| (a.clone(), BTreeSet::new()));
            if e.0.email != a.email {
                e.1.insert(a.email.clone());
            }
        }
        let teams: Vec<String> = src
            .people
            .iter()
            .filter(|a| role(&a.email) == Role::Team)
            .map(|a| key(&a.email))
            .collect();
        for t in teams {
            let members = team_uploaders.entry(t).or_default();
            members.extend(
                src.people
                    .iter()
                    .filter(|a| role(&a.email) == Role::Person)
                    .map(|a| key(&a.email)),
            );
        }
    }
    // A team nobody uploads for cannot be a group (groups need members): it becomes a person,
    // so its address is kept.
    let is_group = |email: &str| {
        role(email) == Role::Team && team_uploaders.get(email).is_some_and(|m| !m.is_empty())
    };

    let mut plan = Plan::default();
    let mut logins: BTreeMap<String, Login> = BTreeMap::new();
    // Debian accounts first, so `@debian.org` local parts keep their own login.
    let mut persons: Vec<&String> = seen
        .keys()
        .filter(|k| role(k) != Role::Orphan && !is_group(k))
        .collect();
    persons.sort_by_key(|k| (!k.ends_with("@debian.org"), k.as_str()));
    for key in persons {
        let (addr, aliases) = &seen[key];
        let login = match registry.login_for_email(key) {
            Some(l) => l.clone(),
            None => {
                let login = Login::parse(&registry.new_login(&login_base(addr)), rules)
                    .expect("slugs fit the default login rule");
                let name = if addr.name.is_empty() {
                    login.to_string()
                } else {
                    addr.name.clone()
                };
                plan.people.insert(
                    login.clone(),
                    NewPerson {
                        name,
                        email: addr.email.clone(),
                        aliases: aliases.iter().cloned().collect(),
                    },
                );
                login
            }
        };
        logins.insert(key.clone(), login);
    }
    let mut groups: BTreeMap<String, GroupName> = BTreeMap::new();
    for (key, members) in &team_uploaders {
        if !is_group(key) {
            continue;
        }
        let (addr, aliases) = &seen[key];
        let existing = std::iter::once(&addr.email)
            .chain(aliases)
            .find_map(|e| registry.group_for_email(e));
        let name = match existing {
            Some(g) => g.clone(),
            None => {
                let name = GroupName::parse(&registry.new_group(&team_base(key)), rules)
                    .expect("slugs fit the default group rule");
                plan.groups.insert(
                    name.clone(),
                    NewGroup {
                        description: if addr.name.is_empty() {
                            name.to_string()
                        } else {
                            addr.name.clone()
                        },
                        email: Some(addr.email.clone()),
                        aliases: aliases.iter().cloned().collect(),
                        members: members.iter().map(|m| logins[m].clone()).collect(),
                    },
                );
                name
            }
        };
        groups.insert(key.clone(), name);
    }
    for src in sources.into_values() {
        let mut list: Vec<Maintainer> = Vec::new();
        for a in &src.people {
            let key = key(&a.email);
            let m = match (groups.get(&key), logins.get(&key)) {
                (Some(g), _) => Maintainer::Group(g.clone()),
                (None, Some(l)) => Maintainer::Person(l.clone()),
                (None, None) => continue, // the QA group: orphaned
            };
            if !list.contains(&m) {
                list.push(m);
            }
        }
        plan.packages.insert(src.name, list);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
Package: 0ad
Version: 0.0.26-3
Maintainer: Debian Games Team <pkg-games-devel@lists.alioth.debian.org>
Uploaders: Vincent Cheng <vcheng@debian.org>, Ludovic Rousseau <rousseau@debian.org>

Package: 2vcard
Version: 0.6-4
Maintainer: Debian QA Group <packages@qa.debian.org>

Package: foo
Version: 1.0-1
Maintainer: Jörg Doe <joerg@example.org>

Package: foo
Version: 1.0-10
Maintainer: Other One <other@example.org>
Uploaders: \"Doe, Jane\" <jane@example.org>
";

    fn plan_of(text: &str) -> Result<Plan, Vec<InputError>> {
        let rules = NameRules::default();
        Ok(plan(read(text, &rules)?, &rules, &mut Registry::default()))
    }

    #[test]
    fn teams_orphans_and_versions() {
        let plan = plan_of(SAMPLE).unwrap();
        let get = |p: &str| {
            let k = PackageName::parse(p, &NameRules::default()).unwrap();
            crate::model::Db::maintainer_field(&plan.packages[&k])
        };
        assert_eq!(get("0ad"), "%pkg-games,vcheng,rousseau");
        assert_eq!(get("2vcard"), "nobody");
        // 1.0-10 > 1.0-1 in Debian ordering, though not as strings.
        assert_eq!(get("foo"), "other-one,doe-jane");
        let g = &plan.groups[&GroupName::parse("pkg-games", &NameRules::default()).unwrap()];
        assert_eq!(g.members.len(), 2);
        assert_eq!(
            g.email.as_deref(),
            Some("pkg-games-devel@lists.alioth.debian.org")
        );
    }

    #[test]
    fn malformed_stanzas_name_their_lines() {
        let bad = "Package: a\nVersion: 1\nMaintainer: nobody-here\n\nPackage: b\nMaintainer: B <b@c.d>\n";
        let errs = plan_of(bad).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 5]);
        let errs = plan_of("Version: 1\nMaintainer: A <a@b.c>\n").unwrap_err();
        assert!(errs[0].message.contains("no Package field"), "{errs:?}");
    }

    #[test]
    fn html_is_not_an_index() {
        let page = "\n<!DOCTYPE html>\n<html><body>Not Found</body></html>\n";
        let errs = plan_of(page).unwrap_err();
        assert_eq!(errs.len(), 1, "one clear message, not one per line");
        assert_eq!(errs[0].line, 2);
        assert!(
            errs[0].message.contains("not a Debian Sources index"),
            "{errs:?}"
        );
        let errs = plan_of("# only a comment\n").unwrap_err();
        assert!(errs[0].message.contains("holds no package"), "{errs:?}");
    }

    #[test]
    fn merged_indexes_keep_the_higher_version() {
        let rules = NameRules::default();
        let mut all = read(SAMPLE, &rules).unwrap();
        let security = "Package: 2vcard\nVersion: 0.6-4+deb12u1\nMaintainer: S <s@example.org>\n\n\
                        Package: foo\nVersion: 1.0-2\nMaintainer: Old <old@example.org>\n";
        all.merge(read(security, &rules).unwrap());
        let plan = plan(all, &rules, &mut Registry::default());
        let get = |p: &str| {
            let k = PackageName::parse(p, &rules).unwrap();
            crate::model::Db::maintainer_field(&plan.packages[&k])
        };
        assert_eq!(get("2vcard"), "s", "the security update is newer");
        assert_eq!(get("foo"), "other-one,doe-jane", "1.0-10 beats 1.0-2");
    }
}
