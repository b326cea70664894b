//! The cross-file rules of docs/validation.md, one function per kind of record. They ask a [`Facts`]
//! about the other records, so the same rules run over a whole loaded tree (`check`) or over
//! lookups into a pushed tree (the hook, which only loads what a push changed).

use crate::diag::{Code, Diagnostic, Report};
use crate::model::{Group, Package, Track};
use crate::names::{GroupName, Login, Maintainer, PackageName};

/// What the rules need to know about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonFact {
    Missing,
    /// The file exists but did not load: already reported on its own.
    Broken,
    Present {
        inactive: bool,
    },
}

/// Answers about the records of one tree.
pub trait Facts {
    fn person(&self, login: &Login) -> PersonFact;
    /// True when the group's file exists (even if broken).
    fn group_exists(&self, name: &GroupName) -> bool;
    /// True when the package's file exists (even if broken).
    fn package_exists(&self, name: &str) -> bool;
    fn suite_defined(&self, name: &str) -> bool;
}

/// The rules on a package's maintainers. What they find depends on the list alone (the name
/// only words the messages): a full check skips lists it has found clean before.
pub fn package(name: &PackageName, pkg: &Package, facts: &dyn Facts, report: &mut Report) {
    for (m, span) in pkg.maintainers.iter().zip(pkg.spans.iter()) {
        match m {
            Maintainer::Person(l) => match facts.person(l) {
                PersonFact::Present { inactive: true } => report.push(Diagnostic::new(
                    Code::InactiveMaintainer,
                    pkg.file,
                    Some(span.clone()),
                    format!(
                        "{l} is marked inactive in {} but still maintains {name}",
                        l.record_path()
                    ),
                )),
                PersonFact::Present { .. } | PersonFact::Broken => {}
                PersonFact::Missing => report.push(
                    Diagnostic::new(
                        Code::UnknownMaintainer,
                        pkg.file,
                        Some(span.clone()),
                        format!("maintainer `{l}` of {name} is not a known person"),
                    )
                    .help(format!("add {} or correct the login", l.record_path())),
                ),
            },
            Maintainer::Group(g) => {
                if !facts.group_exists(g) {
                    report.push(
                        Diagnostic::new(
                            Code::UnknownGroup,
                            pkg.file,
                            Some(span.clone()),
                            format!("group `%{g}` of {name} does not exist"),
                        )
                        .help(format!("add {} or correct the group name", g.record_path())),
                    );
                }
            }
        }
    }
}

pub fn group(name: &GroupName, group: &Group, facts: &dyn Facts, report: &mut Report) {
    for (m, span) in group.members.iter().zip(&group.spans) {
        if facts.person(m) == PersonFact::Missing {
            report.push(
                Diagnostic::new(
                    Code::UnknownMember,
                    group.file,
                    Some(span.clone()),
                    format!("member `{m}` of group {name} is not a known person"),
                )
                .help(format!("add {} or remove the member", m.record_path())),
            );
        }
    }
}

pub fn track(t: &Track, facts: &dyn Facts, report: &mut Report) {
    if !facts.package_exists(&t.package) {
        report.push(Diagnostic::new(
            Code::UnknownPackage,
            t.file,
            Some(t.package_span.clone()),
            format!(
                "bug {} tracks package `{}`, which does not exist",
                t.bug, t.package
            ),
        ));
    }
    for (s, span) in t.suites.iter().zip(&t.suite_spans) {
        if crate::record::TRACK_SUITES.contains(&s.as_str()) && !facts.suite_defined(s) {
            report.push(
                Diagnostic::new(
                    Code::UnknownSuite,
                    t.file,
                    Some(span.clone()),
                    format!("suite `{s}` is not defined in suites.toml"),
                )
                .help(format!(
                    "add a [{s}] table with codename and version to maintainers/suites.toml"
                )),
            );
        }
    }
}

/// Reports `later` colliding with `earlier` (two names equal but for case).
pub fn case_collision(
    earlier: (&str, Option<crate::diag::FileId>),
    later: (&str, crate::diag::FileId),
    report: &mut Report,
) {
    let mut d = Diagnostic::new(
        Code::CaseCollision,
        later.1,
        None,
        format!(
            "package `{}` differs from `{}` only in case",
            later.0, earlier.0
        ),
    );
    if let Some(f) = earlier.1 {
        d = d.related(f, None, format!("`{}` is defined here", earlier.0));
    }
    report.push(d);
}

/// Who holds an address: the record, and where in its file.
#[derive(Debug, Clone)]
pub struct Claim {
    /// `person alice` or `group perl`.
    pub owner: String,
    pub file: crate::diag::FileId,
    pub span: std::ops::Range<usize>,
}

/// The claims of a person's addresses.
pub fn person_claims(login: &Login, p: &crate::model::Person) -> Vec<(String, Claim)> {
    claims(
        format!("person {login}"),
        p.file,
        p.addresses(),
        &p.address_spans,
    )
}

/// The claims of a group's addresses.
pub fn group_claims(name: &GroupName, g: &Group) -> Vec<(String, Claim)> {
    claims(
        format!("group {name}"),
        g.file,
        g.addresses(),
        &g.address_spans,
    )
}

fn claims<'a>(
    owner: String,
    file: crate::diag::FileId,
    addresses: impl Iterator<Item = &'a str>,
    spans: &[std::ops::Range<usize>],
) -> Vec<(String, Claim)> {
    addresses
        .zip(spans)
        .map(|(a, span)| {
            let claim = Claim {
                owner: owner.clone(),
                file,
                span: span.clone(),
            };
            (a.to_lowercase(), claim)
        })
        .collect()
}

/// An address belongs to one person or group: `later` claims what `earlier` holds. Addresses
/// are compared without regard to case, as commit authors are matched.
pub fn address_taken(address: &str, earlier: &Claim, later: &Claim, report: &mut Report) {
    report.push(
        Diagnostic::new(
            Code::DuplicateAddress,
            later.file,
            Some(later.span.clone()),
            format!(
                "`{address}` is already an address of {}; {} cannot claim it too",
                earlier.owner, later.owner
            ),
        )
        .related(
            earlier.file,
            Some(earlier.span.clone()),
            format!("{} holds it here", earlier.owner),
        ),
    );
}

/// Reports every claim of an address that an earlier claim of another owner holds.
pub fn addresses(all: impl Iterator<Item = (String, Claim)>, report: &mut Report) {
    // Counted first: growing the table claim by claim costs more than the claims.
    let all: Vec<_> = all.collect();
    let mut held: std::collections::HashMap<String, Claim> =
        std::collections::HashMap::with_capacity(all.len());
    for (address, claim) in all {
        match held.get(&address) {
            Some(first) if first.owner != claim.owner => {
                address_taken(&address, first, &claim, report)
            }
            Some(_) => {}
            None => {
                held.insert(address, claim);
            }
        }
    }
}
