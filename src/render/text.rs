//! The text formats: a contract other programs parse, so exact. UTF-8, one record per line,
//! sorted by byte order, each line ending in a newline.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::view::{PackageRow, View};
use crate::history::CommitEvents;
use crate::names::NOBODY;

fn lines<'a>(items: impl Iterator<Item = String> + 'a) -> String {
    let mut s = String::new();
    for l in items {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

/// `packages.txt` (and each `packages/<name>.txt` is one of its lines).
pub fn packages(view: &View) -> String {
    lines(view.packages.iter().map(package_line))
}

pub fn package_line(row: &PackageRow) -> String {
    format!("{}:{}", row.name, row.field)
}

/// `maintdb.txt`: Mageia's `pkg login` lines, the login being the first direct maintainer.
pub fn maintdb_txt(view: &View) -> String {
    lines(
        view.packages
            .iter()
            .map(|r| format!("{} {}", r.name, View::first_login(r))),
    )
}

/// `unmaintained.txt`: names only.
pub fn unmaintained(view: &View) -> String {
    lines(view.unmaintained.iter().cloned())
}

/// `people.txt`: every login with at least one package.
pub fn people(view: &View) -> String {
    lines(view.people.keys().cloned())
}

/// `people/<login>.txt`: `package:login` for the packages a person maintains directly.
pub fn person(login: &str, packages: &[String]) -> String {
    lines(packages.iter().map(|p| format!("{p}:{login}")))
}

/// `people/nobody.txt`.
pub fn nobody(view: &View) -> String {
    person(NOBODY, &view.unmaintained)
}

/// `groups/<g>.txt`: `package:%g`.
pub fn group(name: &str, packages: &[String]) -> String {
    lines(packages.iter().map(|p| format!("{p}:%{name}")))
}

/// The 48 hours before the rendered commit.
pub const CHANGES_WINDOW: i64 = 48 * 3600;

/// `changes.txt`: the `packages.txt` lines of packages changed in the 48 hours before the
/// rendered commit (`p:-` for a removed one).
pub fn changes(view: &View, history: &[CommitEvents]) -> String {
    let Some(tip) = history.first() else {
        return String::new();
    };
    let since = tip.time - CHANGES_WINDOW;
    let changed: BTreeSet<&str> = history
        .iter()
        .take_while(|c| c.time > since)
        .flat_map(|c| c.events.iter().map(|e| e.package.as_str()))
        .collect();
    let mut s = String::new();
    for p in changed {
        match view.packages.binary_search_by(|r| r.name.as_str().cmp(p)) {
            Ok(i) => writeln!(s, "{}", package_line(&view.packages[i])),
            Err(_) => writeln!(s, "{p}:-"),
        }
        .expect("writing to a String");
    }
    s
}
