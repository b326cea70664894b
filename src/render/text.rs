//! The text formats: a contract other programs parse, so exact. UTF-8, one record per line,
//! sorted by byte order, each line ending in a newline.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::view::{PackageRow, View};
use crate::history::CommitEvents;

/// One line per item, each written by `line` straight into the text: a list of 100,000
/// packages is one buffer, not 100,000 strings joined.
fn lines<T>(items: impl ExactSizeIterator<Item = T>, line: impl Fn(&mut String, T)) -> String {
    // Most lines are a short name and a login or two.
    let mut s = String::with_capacity(items.len() * 24);
    for item in items {
        line(&mut s, item);
        s.push('\n');
    }
    s
}

/// `packages.txt` (and each `packages/<name>.txt` is one of its lines).
pub fn packages(view: &View) -> String {
    lines(view.packages.iter(), write_package_line)
}

pub fn package_line(row: &PackageRow) -> String {
    let mut s = String::with_capacity(row.name.len() + row.field.len() + 1);
    write_package_line(&mut s, row);
    s
}

fn write_package_line(s: &mut String, row: &PackageRow) {
    s.push_str(&row.name);
    s.push(':');
    s.push_str(&row.field);
}

/// `maintdb.txt`: Mageia's `pkg login` lines, the login being the first direct maintainer.
pub fn maintdb_txt(view: &View) -> String {
    lines(view.packages.iter(), |s, r| {
        s.push_str(&r.name);
        s.push(' ');
        s.push_str(View::first_login(r));
    })
}

/// `unmaintained.txt`: names only.
pub fn unmaintained(view: &View) -> String {
    lines(view.unmaintained.iter(), |s, p| s.push_str(p))
}

/// `people.txt`: every login with at least one package.
pub fn people(view: &View) -> String {
    lines(view.people.keys(), |s, l| s.push_str(l))
}

/// `people/<login>.txt`: `package:login` for the packages a person maintains directly.
pub fn person(login: &str, packages: &[String]) -> String {
    lines(packages.iter(), |s, p| {
        s.push_str(p);
        s.push(':');
        s.push_str(login);
    })
}

/// `groups/<g>.txt`: `package:%g`.
pub fn group(name: &str, packages: &[String]) -> String {
    lines(packages.iter(), |s, p| {
        s.push_str(p);
        s.push_str(":%");
        s.push_str(name);
    })
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
