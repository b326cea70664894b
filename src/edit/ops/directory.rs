//! `person sync`: the people records brought in step with a directory. New people are added,
//! names and addresses follow the directory (a changed address stays as an alias, so old
//! commits and mails still match), and people the directory no longer lists are marked
//! inactive, never deleted: their packages stay, and `check` warns about them.

use std::collections::{BTreeMap, BTreeSet};

use super::edited;
use crate::commit::Change;
use crate::diag::OpCode;
use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::import::directory::DirPerson;
use crate::names::Login;
use crate::record::person_toml;
use crate::source::objects::{self, blob_at};
use crate::words::count;

/// What a sync does and what it left alone, one line each.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub changes: Vec<String>,
    pub warnings: Vec<String>,
}

/// How many people one run may mark inactive: a directory's answer cut short (a size limit,
/// a failed search piped on) must not retire everyone.
pub struct Limits {
    pub max_inactive: usize,
}

pub fn person_sync(
    s: &Session,
    directory: &[DirPerson],
    limits: &Limits,
    report: &mut SyncReport,
) -> Result<Plan, Stop> {
    if directory.is_empty() {
        return Err(Stop::refused(
            OpCode::DirectoryIncomplete,
            "the directory's answer lists no people",
            "check the search (its base, filter and the login attribute); nothing was changed",
        ));
    }
    let listed = listed(s, directory, report);
    let mut changes = Vec::new();
    let (mut added, mut updated, mut retired) = (0, 0, 0);
    for (login, p) in &listed {
        let path = login.record_path();
        let name = p.name.as_deref().unwrap_or(login.as_str());
        match blob_at(s.repo(), s.base.root, &path)? {
            None => {
                let text = person_toml(name, &p.mails[0], &p.mails[1..]);
                report
                    .changes
                    .push(format!("add {login}: {name} <{}>", p.mails[0]));
                changes.push(Change {
                    path,
                    content: Some(text.into_bytes()),
                });
                added += 1;
            }
            Some(bytes) => {
                let Some(current) = s.base.person(s.repo(), login)? else {
                    report.warnings.push(format!(
                        "{path} does not read as a person record; left as it is"
                    ));
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut said = Vec::new();
                let content = edited(&text, |e| {
                    if current.name != name {
                        said.push(format!("name `{}` → `{name}`", current.name));
                        e.set_str("name", name);
                    }
                    let mut aliases = current.aliases.clone();
                    if current.email != p.mails[0] {
                        said.push(format!("email {} → {}", current.email, p.mails[0]));
                        e.set_str("email", &p.mails[0]);
                        aliases.push(current.email.clone());
                    }
                    aliases.extend(p.mails[1..].iter().cloned());
                    let mut seen = BTreeSet::new();
                    aliases.retain(|a| *a != p.mails[0] && seen.insert(a.clone()));
                    if aliases != current.aliases {
                        let new: Vec<&str> = aliases
                            .iter()
                            .filter(|a| !current.aliases.contains(a))
                            .map(String::as_str)
                            .collect();
                        said.push(format!("aliases + {}", new.join(", ")));
                        e.replace_list("aliases", &aliases);
                    }
                    if current.inactive {
                        said.push("active again".into());
                        e.remove_key("inactive");
                    }
                    e
                });
                if content != text {
                    report
                        .changes
                        .push(format!("update {login}: {}", said.join("; ")));
                    changes.push(Change {
                        path,
                        content: Some(content.into_bytes()),
                    });
                    updated += 1;
                }
            }
        }
    }
    let mut gone = Vec::new();
    for login in recorded(s)? {
        if listed.contains_key(&login) || directory.iter().any(|p| p.login == login.as_str()) {
            continue;
        }
        let Some(current) = s.base.person(s.repo(), &login)? else {
            continue;
        };
        if current.inactive {
            continue;
        }
        if holds_role(s, &login) {
            report.warnings.push(format!(
                "{login} is not in the directory but holds a role in policy.toml; left active"
            ));
            continue;
        }
        gone.push(login);
    }
    if gone.len() > limits.max_inactive {
        return Err(Stop::refused(
            OpCode::DirectoryIncomplete,
            format!(
                "the directory's answer would mark {} inactive, more than --max-inactive {}",
                count(gone.len(), "person", "people"),
                limits.max_inactive
            ),
            "check that the search returned every entry (ldapsearch stops at the server's size \
             limit), or raise --max-inactive; nothing was changed",
        ));
    }
    for login in gone {
        let path = login.record_path();
        let text = String::from_utf8_lossy(
            &objects::blob_at(s.repo(), s.base.root, &path)?.unwrap_or_default(),
        )
        .into_owned();
        let content = edited(&text, |e| e.set_bool("inactive", true));
        report
            .changes
            .push(format!("mark {login} inactive: not in the directory"));
        changes.push(Change {
            path,
            content: Some(content.into_bytes()),
        });
        retired += 1;
    }
    if changes.is_empty() {
        return Ok(Plan::Unchanged(
            "the people records agree with the directory".into(),
        ));
    }
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!("{added} added"));
    }
    if updated > 0 {
        parts.push(format!("{updated} updated"));
    }
    if retired > 0 {
        parts.push(format!("{retired} marked inactive"));
    }
    Ok(Plan::Edit {
        changes,
        message: format!("sync people with the directory: {}", parts.join(", ")),
    })
}

/// The directory's people whose login is one maintdb accepts and who have an address; the
/// others are told as warnings.
fn listed<'d>(
    s: &Session,
    directory: &'d [DirPerson],
    report: &mut SyncReport,
) -> BTreeMap<Login, &'d DirPerson> {
    let mut out = BTreeMap::new();
    for p in directory {
        let where_ = format!("{} (line {})", p.dn, p.line);
        match Login::parse(&p.login, &s.base.rules) {
            Err(e) => report.warnings.push(format!(
                "{where_}: `{}` is not a login maintdb accepts ({e}); skipped",
                p.login
            )),
            Ok(_) if p.mails.is_empty() => report.warnings.push(format!(
                "{where_}: no address; skipped, its record left as it is"
            )),
            Ok(l) => {
                out.insert(l, p);
            }
        }
    }
    out
}

/// The logins with a record at the session's base.
fn recorded(s: &Session) -> Result<Vec<Login>, Stop> {
    let Some(root) = s.base.root else {
        return Ok(Vec::new());
    };
    let Some(dir) = objects::tree_at(s.repo(), root, "maintainers/people")? else {
        return Ok(Vec::new());
    };
    let tree = objects::tree(s.repo(), dir)?;
    Ok(tree
        .iter()
        .filter_map(Result::ok)
        .filter(|e| e.mode().is_blob())
        .filter_map(|e| {
            let name = std::str::from_utf8(e.filename())
                .ok()?
                .strip_suffix(".toml")?;
            Login::parse(name, &s.base.rules).ok()
        })
        .collect())
}

fn holds_role(s: &Session, login: &Login) -> bool {
    let p = &s.base.policy;
    [&p.admins, &p.buildsystem, &p.trackers]
        .iter()
        .any(|list| list.iter().any(|l| l == login.as_str()))
}
