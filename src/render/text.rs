//! The text formats: a contract other programs parse, so exact. UTF-8, one record per line,
//! sorted by byte order, each line ending in a newline.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::view::{PackageRow, View};
use crate::history::CommitEvents;

/// One line per item, each written by `line` straight to `out`: a list of 100,000 packages
/// goes to its file as it is made, not first into one string or a string per line.
fn lines<W: Write + ?Sized, T>(
    out: &mut W,
    items: impl Iterator<Item = T>,
    line: impl Fn(&mut W, T) -> io::Result<()>,
) -> io::Result<()> {
    for item in items {
        line(out, item)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `packages.txt` (and each `packages/<name>.txt` is one of its lines).
pub fn packages(view: &View, out: &mut impl Write) -> io::Result<()> {
    lines(out, view.packages.iter(), |out, r| {
        write_package_line(out, r)
    })
}

pub fn package_line(row: &PackageRow) -> String {
    format!("{}:{}", row.name, row.field)
}

fn write_package_line<W: Write + ?Sized>(out: &mut W, row: &PackageRow) -> io::Result<()> {
    out.write_all(row.name.as_bytes())?;
    out.write_all(b":")?;
    out.write_all(row.field.as_bytes())
}

/// `maintdb.txt`: Mageia's `pkg login` lines, the login being the first direct maintainer.
pub fn maintdb_txt(view: &View, out: &mut impl Write) -> io::Result<()> {
    lines(out, view.packages.iter(), |out, r| {
        out.write_all(r.name.as_bytes())?;
        out.write_all(b" ")?;
        out.write_all(View::first_login(r).as_bytes())
    })
}

/// `unmaintained.txt`: names only.
pub fn unmaintained(view: &View, out: &mut impl Write) -> io::Result<()> {
    lines(out, view.unmaintained.iter(), |out, p| {
        out.write_all(p.as_bytes())
    })
}

/// `people.txt`: every login with at least one package.
pub fn people(view: &View, out: &mut impl Write) -> io::Result<()> {
    lines(out, view.people.keys(), |out, l| {
        out.write_all(l.as_bytes())
    })
}

/// `people/<login>.txt`: `package:login` for the packages a person maintains directly.
pub fn person(login: &str, packages: &[String]) -> Vec<u8> {
    held_by(login, packages)
}

/// `groups/<g>.txt`: `package:%g`.
pub fn group(name: &str, packages: &[String]) -> Vec<u8> {
    held_by(&format!("%{name}"), packages)
}

/// `package:maintainer` for each of `packages`.
fn held_by(maintainer: &str, packages: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    lines(&mut out, packages.iter(), |out, p| {
        write!(out, "{p}:{maintainer}")
    })
    .expect("writing to memory");
    out
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
