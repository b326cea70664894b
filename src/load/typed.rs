//! Raw records to typed ones: addresses, names inside lists, duplicates within a list. The
//! path's own name was checked by the caller; tracks have their own module.

use std::ops::Range;

use super::{Problem, problem};
use crate::diag::Code;
use crate::model::{Group, Package, Person};
use crate::names::{Login, Maintainer, NameError, NameRules};
use crate::record::{RawGroup, RawPackage, RawPerson};

fn check_email(email: &str, span: Range<usize>, problems: &mut Vec<Problem>) {
    // The mail transport's own parser: an address it refuses would stop every mail to it.
    if email.parse::<lettre::Address>().is_err() {
        problems.push(problem(
            Code::BadEmail,
            Some(span),
            format!("`{}` is not an email address", email.escape_debug()),
        ));
    }
}

/// A one-line text field: no control characters, and for a name no angle brackets either
/// (both end up in commit author lines and mail headers).
pub(super) fn check_text(
    text: &str,
    span: Option<Range<usize>>,
    what: &str,
    name: bool,
    problems: &mut Vec<Problem>,
) {
    let bad = |c: char| c.is_control() || (name && (c == '<' || c == '>'));
    if let Some(c) = text.chars().find(|&c| bad(c)) {
        problems.push(problem(
            Code::BadText,
            span,
            format!("{what} `{}` holds {c:?}", text.escape_debug()),
        ));
    }
}

pub(super) fn person(raw: RawPerson, problems: &mut Vec<Problem>) -> Person {
    check_text(
        raw.name.get_ref(),
        Some(raw.name.span()),
        "the name",
        true,
        problems,
    );
    check_email(raw.email.get_ref(), raw.email.span(), problems);
    for a in &raw.aliases {
        check_email(a.get_ref(), a.span(), problems);
    }
    let address_spans = std::iter::once(raw.email.span())
        .chain(raw.aliases.iter().map(|a| a.span()))
        .collect();
    Person {
        address_spans,
        name: raw.name.into_inner(),
        email: raw.email.into_inner(),
        aliases: raw.aliases.into_iter().map(|a| a.into_inner()).collect(),
        inactive: raw.inactive,
        file: crate::diag::FileId(0),
    }
}

/// Reports the second and later occurrences of a name in one list.
fn duplicates<'a>(
    items: impl Iterator<Item = (&'a str, Range<usize>)>,
    what: &str,
    problems: &mut Vec<Problem>,
) {
    let mut seen = std::collections::HashMap::new();
    for (name, span) in items {
        match seen.get(name) {
            Some(first) => problems.push(Problem {
                related: Some((
                    Range::clone(first),
                    format!("`{name}` is first listed here"),
                )),
                ..problem(
                    Code::DuplicateMaintainer,
                    Some(span),
                    format!("`{name}` appears twice in {what}"),
                )
            }),
            None => {
                seen.insert(name, span);
            }
        }
    }
}

pub(super) fn group(raw: RawGroup, rules: &NameRules, problems: &mut Vec<Problem>) -> Group {
    for e in raw.email.iter().chain(&raw.aliases) {
        check_email(e.get_ref(), e.span(), problems);
    }
    if let Some(d) = &raw.description {
        check_text(
            d.get_ref(),
            Some(d.span()),
            "the description",
            false,
            problems,
        );
    }
    duplicates(
        raw.members.iter().map(|m| (m.get_ref().as_str(), m.span())),
        "members",
        problems,
    );
    let mut members = Vec::new();
    let mut spans = Vec::new();
    for m in &raw.members {
        match Login::parse(m.get_ref(), rules) {
            Ok(l) => {
                members.push(l);
                spans.push(m.span());
            }
            Err(NameError::Reserved) => problems.push(problem(
                Code::ReservedLogin,
                Some(m.span()),
                "`nobody` cannot be a group member",
            )),
            Err(e) => problems.push(problem(
                Code::BadLogin,
                Some(m.span()),
                format!("member {e}"),
            )),
        }
    }
    if raw.members.is_empty() {
        problems.push(problem(Code::EmptyGroup, None, "the group has no members"));
    }
    let address_spans = raw
        .email
        .iter()
        .chain(&raw.aliases)
        .map(|a| a.span())
        .collect();
    Group {
        address_spans,
        description: raw.description.map(|d| d.into_inner()).unwrap_or_default(),
        email: raw.email.map(|e| e.into_inner()),
        aliases: raw.aliases.into_iter().map(|a| a.into_inner()).collect(),
        members,
        spans,
        file: crate::diag::FileId(0),
    }
}

pub(super) fn package(raw: RawPackage, rules: &NameRules, problems: &mut Vec<Problem>) -> Package {
    duplicates(
        raw.maintainers
            .iter()
            .map(|m| (m.get_ref().as_str(), m.span())),
        "maintainers",
        problems,
    );
    let mut maintainers = Vec::new();
    let mut spans = Vec::new();
    for m in &raw.maintainers {
        match Maintainer::parse(m.get_ref(), rules) {
            Ok(x) => {
                maintainers.push(x);
                spans.push(m.span());
            }
            Err(NameError::Reserved) => problems.push(Problem {
                help: Some("write `maintainers = []` for a package that nobody maintains".into()),
                ..problem(
                    Code::ReservedLogin,
                    Some(m.span()),
                    "`nobody` cannot be listed as a maintainer",
                )
            }),
            Err(e) => {
                let code = if m.get_ref().starts_with('%') {
                    Code::BadGroupName
                } else {
                    Code::BadLogin
                };
                problems.push(problem(code, Some(m.span()), format!("maintainer {e}")));
            }
        }
    }
    Package {
        maintainers: maintainers.into(),
        spans: spans.into(),
        file: crate::diag::FileId(0),
    }
}
