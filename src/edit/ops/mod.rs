//! The writing commands' plans: which files change, and the sentence that goes into `git log`.
//! Each reads only the records it needs from `HEAD`. One file per noun: [`package`] (take,
//! drop, new, set, remove), [`person`] and [`group`]; what they share is here.

use super::{Plan, Session};
use crate::commit::Change;
use crate::diag::Code;
use crate::gate::Stop;
use crate::names::{GroupName, Login, Maintainer, NOBODY, NameError, PackageName};
use crate::record::Editor;

mod directory;
mod group;
mod package;
mod person;

pub use directory::{Limits, SyncReport, person_sync};
pub use group::{group_add, group_member};
pub use package::{Targets, drop, new_package, remove_package, set_package, take};
pub use person::{PersonFields, person_add, person_edit};

fn name_error(code: Code, what: &str, e: NameError) -> Stop {
    Stop::refused(code, format!("{what}: {e}"), code.fix())
}

fn package_name(s: &Session, name: &str) -> Result<PackageName, Stop> {
    PackageName::parse(name, &s.base.rules)
        .map_err(|e| name_error(Code::BadPackageName, "bad package name", e))
}

fn login(s: &Session, name: &str) -> Result<Login, Stop> {
    Login::parse(name, &s.base.rules).map_err(|e| name_error(Code::BadLogin, "bad login", e))
}

fn group_name(s: &Session, name: &str) -> Result<GroupName, Stop> {
    GroupName::parse(name, &s.base.rules)
        .map_err(|e| name_error(Code::BadGroupName, "bad group name", e))
}

/// A maintainer list from the command line: `nobody` (or nothing) means none.
fn maintainers(s: &Session, names: &[String]) -> Result<Vec<Maintainer>, Stop> {
    names
        .iter()
        .filter(|n| n.as_str() != NOBODY || names.len() > 1)
        .map(|n| {
            Maintainer::parse(n, &s.base.rules).map_err(|e| {
                let code = if n.starts_with('%') {
                    Code::BadGroupName
                } else {
                    Code::BadLogin
                };
                name_error(code, &format!("bad maintainer `{n}`"), e)
            })
        })
        .collect()
}

/// A plan that writes (or, with `None`, deletes) one file.
fn one(path: String, content: Option<String>, message: String) -> Plan {
    Plan::Edit {
        changes: vec![Change {
            path,
            content: content.map(String::into_bytes),
        }],
        message,
    }
}

fn edited(text: &str, f: impl FnOnce(&mut Editor) -> &mut Editor) -> String {
    match Editor::parse(text) {
        Ok(mut e) => {
            f(&mut e);
            e.finish()
        }
        // The file at HEAD is valid TOML (HEAD passed the gate); keep the text if not.
        Err(_) => text.to_owned(),
    }
}
