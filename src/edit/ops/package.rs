//! The plans that change packages: take, drop, new, set and remove.

use gix::bstr::ByteSlice;
use gix::objs::FindExt;
use regex::Regex;

use super::{edited, maintainers, one, package_name};
use crate::commit::Change;
use crate::diag::OpCode;
use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::load::{Record, record_at};
use crate::model::Db;
use crate::names::{Login, Maintainer, PackageName};
use crate::policy::Rule;
use crate::record::{package_toml, person_toml};
use crate::source::SourceError;
use crate::source::objects::{self, blob_at, git_at};
use crate::words;

/// A package at `HEAD`: its file's text and its maintainers.
fn package_at(s: &Session, name: &PackageName) -> Result<Option<(String, Vec<Maintainer>)>, Stop> {
    let path = name.record_path();
    let Some(bytes) = blob_at(s.repo(), s.base.root, &path)? else {
        return Ok(None);
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(None);
    };
    Ok(
        match record_at(s.repo(), s.base.root, &path, &s.base.rules)? {
            Some(Record::Package(_, p)) => Some((text, p.maintainers.to_vec())),
            _ => None,
        },
    )
}

fn no_such_package(name: &str) -> Stop {
    Stop::refused(
        OpCode::NoSuchPackage,
        format!("there is no package {name}"),
        "check the name with `maintdb get`",
    )
}

/// Every package name at `HEAD`, read from the tree listings alone.
fn package_names(s: &Session) -> Result<Vec<String>, SourceError> {
    let repo = s.repo();
    let Some(root) = s.base.root else {
        return Ok(Vec::new());
    };
    let Some(dir) = objects::tree_at(repo, root, "maintainers/packages")? else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    let (mut buf, mut buf2) = (Vec::new(), Vec::new());
    let top = repo
        .objects
        .find_tree(&dir, &mut buf)
        .map_err(|e| git_at(dir, "reading a tree")(gix::Error::from_error(e)))?;
    for shard in top.entries.iter().filter(|e| e.mode.is_tree()) {
        let t = repo.objects.find_tree(shard.oid, &mut buf2).map_err(|e| {
            git_at(shard.oid.to_owned(), "reading a tree")(gix::Error::from_error(e))
        })?;
        names.extend(t.entries.iter().filter_map(|e| {
            e.filename
                .to_str()
                .ok()?
                .strip_suffix(".toml")
                .map(ToOwned::to_owned)
        }));
    }
    Ok(names)
}

/// Which packages a take or drop acts on.
pub enum Targets {
    Names(Vec<String>),
    Regex(String),
}

fn me(s: &Session) -> Result<Login, Stop> {
    s.actor
        .person
        .as_ref()
        .map(|(l, _)| l.clone())
        .ok_or_else(|| {
            Stop::refused(
                Rule::NotYourFile,
                format!(
                    "`{}` is not a person, so it cannot maintain packages",
                    s.actor.id
                ),
                "act as a person with --as LOGIN",
            )
        })
}

/// A selected package: its name, its file's text and its maintainers at `HEAD`.
type Selected = (PackageName, String, Vec<Maintainer>);

/// The packages named or matched, with their state at `HEAD`; `keep` filters regex matches.
fn select(
    s: &Session,
    targets: &Targets,
    keep: impl Fn(&[Maintainer]) -> bool,
    nothing: &str,
) -> Result<Vec<Selected>, Stop> {
    match targets {
        Targets::Names(names) => names
            .iter()
            .map(|n| {
                let name = package_name(s, n)?;
                let (text, m) = package_at(s, &name)?.ok_or_else(|| no_such_package(n))?;
                Ok((name, text, m))
            })
            .collect(),
        Targets::Regex(re) => {
            let re = Regex::new(re).map_err(|e| {
                Stop::refused(
                    OpCode::BadRegex,
                    format!("`{re}` is not a valid regex: {e}"),
                    "fix the pattern (Rust regex syntax)",
                )
            })?;
            let mut out = Vec::new();
            for n in package_names(s)?.into_iter().filter(|n| re.is_match(n)) {
                let Ok(name) = PackageName::parse(&n, &s.base.rules) else {
                    continue;
                };
                if let Some((text, m)) = package_at(s, &name)?
                    && keep(&m)
                {
                    out.push((name, text, m));
                }
            }
            if out.is_empty() {
                return Err(Stop::refused(
                    OpCode::NoMatch,
                    format!("`{re}` matches no package {nothing}"),
                    "check the pattern",
                ));
            }
            Ok(out)
        }
    }
}

fn list_message(verb: &str, who: &str, names: &[String], targets: &Targets) -> String {
    match (targets, names) {
        (Targets::Names(_), [one]) => format!("{who} {verb} {one}"),
        (Targets::Names(_), _) => format!(
            "{who} {verb} {} packages: {}",
            names.len(),
            names.join(", ")
        ),
        (Targets::Regex(re), _) => format!(
            "{who} {verb} {} ({re})",
            words::count(names.len(), "package", "packages")
        ),
    }
}

/// Who holds a package, as a sentence's end: "nobody maintains it", "alice and bob do".
fn held_by(m: &[Maintainer]) -> String {
    let owners: Vec<String> = m.iter().map(ToString::to_string).collect();
    match owners.len() {
        0 => "nobody maintains it".into(),
        1 => format!("{} does", owners[0]),
        _ => format!("{} do", words::and_list(&owners)),
    }
}

/// `take`: become the maintainer of packages that have none.
pub fn take(s: &Session, targets: &Targets) -> Result<Plan, Stop> {
    let me = me(s)?;
    let mine = Maintainer::Person(me.clone());
    let selected = select(s, targets, |m| m.is_empty(), "that nobody maintains")?;
    let mut changes = Vec::new();
    let mut names = Vec::new();
    for (name, text, m) in selected {
        if m.contains(&mine) {
            continue;
        }
        if !m.is_empty() {
            let owners: Vec<String> = m.iter().map(ToString::to_string).collect();
            return Err(Stop::refused(
                Rule::NotAMaintainer,
                format!(
                    "{name} is maintained by {}; only a package that nobody maintains can be taken",
                    words::and_list(&owners)
                ),
                format!(
                    "ask {}",
                    words::or_list(&[&owners[..], &["an admin".into()]].concat())
                ),
            ));
        }
        let content = edited(&text, |e| e.set_list("maintainers", &[me.to_string()]));
        changes.push(Change {
            path: name.record_path(),
            content: Some(content.into_bytes()),
        });
        names.push(name.to_string());
    }
    if changes.is_empty() {
        return Ok(Plan::Unchanged(format!(
            "{me} already maintains all of them"
        )));
    }
    let message = list_message("takes", me.as_str(), &names, targets);
    Ok(Plan::Edit { changes, message })
}

/// `drop`: stop maintaining packages.
pub fn drop(s: &Session, targets: &Targets) -> Result<Plan, Stop> {
    let me = me(s)?;
    let mine = Maintainer::Person(me.clone());
    let selected = select(
        s,
        targets,
        |m| m.contains(&mine),
        &format!("that {me} maintains"),
    )?;
    let mut changes = Vec::new();
    let mut names = Vec::new();
    for (name, text, m) in selected {
        if !m.contains(&mine) {
            return Err(Stop::refused(
                OpCode::NotMaintained,
                format!("{me} does not maintain {name}: {}", held_by(&m)),
                "you can only drop packages you maintain yourself",
            ));
        }
        changes.push(Change {
            path: name.record_path(),
            content: Some(edited(&text, |e| e.remove("maintainers", me.as_str())).into_bytes()),
        });
        names.push(name.to_string());
    }
    let message = match targets {
        Targets::Regex(re) => format!(
            "drop: {me} leaves {} ({re})",
            words::count(names.len(), "package", "packages")
        ),
        Targets::Names(_) => list_message("drops", me.as_str(), &names, targets),
    };
    Ok(Plan::Edit { changes, message })
}

/// `new` (setnewpackage): register a package; nothing happens when it exists.
pub fn new_package(s: &Session, name: &str, who: &[String]) -> Result<Plan, Stop> {
    let name = package_name(s, name)?;
    let list = maintainers(s, who)?;
    if blob_at(s.repo(), s.base.root, &name.record_path())?.is_some() {
        return Ok(Plan::Unchanged(format!("{name} exists already")));
    }
    let field = Db::maintainer_field(&list);
    let mut changes = vec![Change {
        path: name.record_path(),
        content: Some(package_toml(&list).into_bytes()),
    }];
    let mut message = format!("new package {name} for {field}");
    // A login with no record yet is registered with it, where config.toml says how.
    if let Some(people) = &s.base.config.people {
        let mut added = Vec::new();
        for m in &list {
            if let Maintainer::Person(l) = m
                && blob_at(s.repo(), s.base.root, &l.record_path())?.is_none()
            {
                changes.push(Change {
                    path: l.record_path(),
                    content: Some(
                        person_toml(l.as_str(), &people.address(l.as_str()), &[]).into_bytes(),
                    ),
                });
                added.push(l.to_string());
            }
        }
        if !added.is_empty() {
            message.push_str(&format!(
                "; {} {} registered",
                crate::words::and_list(&added),
                crate::words::noun(added.len(), "is", "are")
            ));
        }
    }
    Ok(Plan::Edit { changes, message })
}

/// `set` (setpackage): the package's maintainers become exactly `who`.
pub fn set_package(s: &Session, name: &str, who: &[String]) -> Result<Plan, Stop> {
    let name = package_name(s, name)?;
    let list = maintainers(s, who)?;
    let strings: Vec<String> = list.iter().map(ToString::to_string).collect();
    let content = match package_at(s, &name)? {
        Some((_, old)) if old == list => {
            return Ok(Plan::Unchanged(format!(
                "{name} already has maintainers {}",
                Db::maintainer_field(&list)
            )));
        }
        Some((text, _)) => edited(&text, |e| e.set_list("maintainers", &strings)),
        None => package_toml(&list),
    };
    Ok(one(
        name.record_path(),
        Some(content),
        format!("set {name}: {}", Db::maintainer_field(&list)),
    ))
}

/// `remove`: delete a package record.
pub fn remove_package(s: &Session, name: &str) -> Result<Plan, Stop> {
    let pkg = package_name(s, name)?;
    if blob_at(s.repo(), s.base.root, &pkg.record_path())?.is_none() {
        return Err(no_such_package(name));
    }
    Ok(one(
        pkg.record_path(),
        None,
        format!("remove package {pkg}"),
    ))
}
