//! The writing commands' plans: which files change, and the sentence that goes into `git log`.
//! Each reads only the records it needs from `HEAD`.

use gix::bstr::ByteSlice;
use gix::objs::FindExt;
use regex::Regex;

use super::{Plan, Session};
use crate::commit::Change;
use crate::diag::{Code, OpCode, UserCode};
use crate::gate::{Finding, Stop};
use crate::load::Record;
use crate::load::record_at;
use crate::model::Db;
use crate::names::{GroupName, Login, Maintainer, NOBODY, NameError, PackageName};
use crate::policy::Rule;
use crate::record::{Editor, group_toml, package_toml, person_toml};
use crate::source::SourceError;
use crate::source::objects::{self, blob_at, git_at};

fn finding(code: impl Into<UserCode>, message: impl Into<String>, help: impl Into<String>) -> Stop {
    Stop::Refused(vec![Finding {
        path: None,
        code: code.into(),
        message: message.into(),
        help: help.into(),
        note: None,
    }])
}

fn name_error(code: Code, what: &str, e: NameError) -> Stop {
    finding(code, format!("{what}: {e}"), code.fix())
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
            Some(Record::Package(_, p)) => Some((text, p.maintainers)),
            _ => None,
        },
    )
}

fn no_such_package(name: &str) -> Stop {
    finding(
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
            finding(
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
                finding(
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
                return Err(finding(
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
        (Targets::Regex(re), _) => format!("{who} {verb} {} packages ({re})", names.len()),
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
            let owners = Db::maintainer_field(&m);
            return Err(finding(
                Rule::NotAMaintainer,
                format!(
                    "{name} is maintained by {owners}; only a package that nobody maintains can be taken"
                ),
                format!("ask {owners} or an admin"),
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
            return Err(finding(
                OpCode::NotMaintained,
                format!(
                    "{me} does not maintain {name} (maintainers: {})",
                    Db::maintainer_field(&m)
                ),
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
        Targets::Regex(re) => format!("drop: {me} leaves {} packages ({re})", names.len()),
        Targets::Names(_) => list_message("drops", me.as_str(), &names, targets),
    };
    Ok(Plan::Edit { changes, message })
}

/// `new` (setnewpackage): register a package; nothing happens when it exists.
pub fn new_package(s: &Session, name: &str, who: &[String]) -> Result<Plan, Stop> {
    let name = package_name(s, name)?;
    let list = maintainers(s, who)?;
    if blob_at(s.repo(), s.base.root, &name.record_path())?.is_some() {
        return Ok(Plan::Unchanged(format!(
            "{name} exists already; nothing changed"
        )));
    }
    let field = Db::maintainer_field(&list);
    Ok(one(
        name.record_path(),
        Some(package_toml(&list)),
        format!("new package {name} for {field}"),
    ))
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

/// Fields of a person to set; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct PersonFields {
    pub name: Option<String>,
    pub email: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub inactive: Option<bool>,
}

/// `person add`.
pub fn person_add(s: &Session, login_s: &str, f: &PersonFields) -> Result<Plan, Stop> {
    let l = login(s, login_s)?;
    if blob_at(s.repo(), s.base.root, &l.record_path())?.is_some() {
        return Err(finding(
            OpCode::AlreadyExists,
            format!("{l} exists already"),
            "use `maintdb person edit`",
        ));
    }
    let (Some(name), Some(email)) = (&f.name, &f.email) else {
        return Err(finding(
            Code::MissingField,
            "a new person needs --name and --email",
            "pass both",
        ));
    };
    let mut text = person_toml(name, email, f.aliases.as_deref().unwrap_or_default());
    if f.inactive == Some(true) {
        text.push_str("inactive = true\n");
    }
    Ok(one(l.record_path(), Some(text), format!("add person {l}")))
}

/// `person edit`.
pub fn person_edit(s: &Session, login_s: &str, f: &PersonFields) -> Result<Plan, Stop> {
    let l = login(s, login_s)?;
    let text = blob_at(s.repo(), s.base.root, &l.record_path())?
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            finding(
                OpCode::NoSuchPerson,
                format!("there is no person {l}"),
                "use `maintdb person add`",
            )
        })?;
    let content = edited(&text, |e| {
        if let Some(n) = &f.name {
            e.set_str("name", n);
        }
        if let Some(m) = &f.email {
            e.set_str("email", m);
        }
        if let Some(a) = &f.aliases {
            e.set_list("aliases", a);
        }
        if let Some(i) = f.inactive {
            e.set_bool("inactive", i);
        }
        e
    });
    if content == text {
        return Ok(Plan::Unchanged(format!("{l} is unchanged")));
    }
    Ok(one(
        l.record_path(),
        Some(content),
        format!("edit person {l}"),
    ))
}

/// `group add`.
pub fn group_add(
    s: &Session,
    name: &str,
    description: &str,
    email: Option<&str>,
    members: &[String],
) -> Result<Plan, Stop> {
    let g = group_name(s, name)?;
    if blob_at(s.repo(), s.base.root, &g.record_path())?.is_some() {
        return Err(finding(
            OpCode::AlreadyExists,
            format!("group {g} exists already"),
            "use `maintdb group add-member`",
        ));
    }
    for m in members {
        login(s, m)?;
    }
    Ok(one(
        g.record_path(),
        Some(group_toml(description, email, &[], members)),
        format!("add group {g}"),
    ))
}

/// `group add-member` (`join = true`) and `group remove-member`.
pub fn group_member(s: &Session, name: &str, member: &str, join: bool) -> Result<Plan, Stop> {
    let g = group_name(s, name)?;
    let m = login(s, member)?;
    let text = blob_at(s.repo(), s.base.root, &g.record_path())?
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            finding(
                OpCode::NoSuchGroup,
                format!("there is no group {g}"),
                "use `maintdb group add`",
            )
        })?;
    let content = edited(&text, |e| {
        if join {
            e.push("members", m.as_str())
        } else {
            e.remove("members", m.as_str())
        }
    });
    if content == text {
        let state = if join { "already in" } else { "not in" };
        return Ok(Plan::Unchanged(format!("{m} is {state} {g}")));
    }
    let verb = if join { "joins" } else { "leaves" };
    Ok(one(
        g.record_path(),
        Some(content),
        format!("{m} {verb} {g}"),
    ))
}
