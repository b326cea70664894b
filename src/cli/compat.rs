//! `maintdb compat CALLER ACTION [ARGS]`: Mageia's original maintdb command line, which its
//! ssh wrapper (`mgarepo maintdb get|set`) and the build system (`root new PKG LOGIN`) run.
//! It works on the bare repository that receives pushes: each write is one commit on the
//! branch, planned as CALLER and passed through the same gate as a push by CALLER (see
//! [`crate::edit::branch`]), and published as a push would be. The words and exit codes are
//! the original script's, which those scripts read.

use std::io::Write;
use std::path::Path;

use super::{Cli, EXIT_TOOL};
use crate::diag::{Code, OpCode, Rule, UserCode};
use crate::edit::Outcome;
use crate::edit::branch::{Branch, Landed};
use crate::edit::ops::{self, Targets};
use crate::gate::Finding;
use crate::load::Record;
use crate::names::{NOBODY, PackageName};

#[derive(clap::Args)]
pub struct Args {
    /// The branch to read and write (default: the one HEAD names).
    #[arg(long, value_name = "BRANCH")]
    branch: Option<String>,
    /// Who runs the command (the login the ssh wrapper passes; `root` is the build system).
    caller: String,
    /// `get [PKG]`, `set PKG LOGIN|nobody` or `new PKG LOGIN`.
    action: String,
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
}

/// A refusal the original script's callers understand: its line, exit 1.
const REFUSED: i32 = 1;

fn say(line: &str) -> anyhow::Result<i32> {
    eprintln!("Error: {line}");
    Ok(REFUSED)
}

/// The original script refuses these outright.
fn invalid_name(name: &str) -> bool {
    name.is_empty() || name.contains(['/', '*', '{', '}', '%']) || name.contains("..")
}

pub fn run(cli: &Cli, a: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    let branch = Branch::of(&dir, a.branch.as_deref())?;
    match (a.action.as_str(), a.args.as_slice()) {
        ("get", []) => get_all(&branch, out),
        ("get", [pkg]) => get(&branch, pkg, out),
        ("set", [pkg, login]) => set(&branch, &a.caller, pkg, login),
        ("new", [pkg, login]) => new(&branch, &a.caller, pkg, login),
        ("get" | "set" | "new", _) => {
            eprintln!(
                "Error: usage: maintdb CALLER get [PKG] | set PKG LOGIN|nobody | new PKG LOGIN"
            );
            Ok(EXIT_TOOL)
        }
        (other, _) => {
            eprintln!("Error: unknown action `{other}`; use get, set or new");
            Ok(EXIT_TOOL)
        }
    }
}

/// The login `maintdb.txt` gives a package: its first direct maintainer, or `nobody`.
fn login_of(maintainers: &[crate::names::Maintainer]) -> &str {
    maintainers
        .iter()
        .find_map(|m| match m {
            crate::names::Maintainer::Person(l) => Some(l.as_str()),
            crate::names::Maintainer::Group(_) => None,
        })
        .unwrap_or(NOBODY)
}

/// The records at the branch's tip.
fn tip(branch: &Branch) -> anyhow::Result<(gix::Repository, crate::gate::Base)> {
    let repo = gix::open(&branch.repo)?;
    let root = crate::edit::branch::tip_of(&repo, &branch.reference)
        .map(|c| crate::source::objects::root_tree(&repo, c))
        .transpose()?;
    let base = crate::gate::Base::at(&repo, root)?;
    Ok((repo, base))
}

/// The package `name`'s maintainers at the tip; `None` when there is no such package.
fn maintainers_of(
    repo: &gix::Repository,
    base: &crate::gate::Base,
    name: &PackageName,
) -> anyhow::Result<Option<Vec<crate::names::Maintainer>>> {
    Ok(
        match crate::load::record_at(repo, base.root, &name.record_path(), &base.rules)? {
            Some(Record::Package(_, p)) => Some(p.maintainers.to_vec()),
            _ => None,
        },
    )
}

fn does_not_exist(pkg: &str) -> anyhow::Result<i32> {
    say(&format!("package {pkg} does not exist in maintdb."))
}

fn get(branch: &Branch, pkg: &str, out: &mut dyn Write) -> anyhow::Result<i32> {
    if invalid_name(pkg) {
        return say("invalid package name.");
    }
    let (repo, base) = tip(branch)?;
    let Ok(name) = PackageName::parse(pkg, &base.rules) else {
        return say("invalid package name.");
    };
    match maintainers_of(&repo, &base, &name)? {
        Some(m) => {
            writeln!(out, "{}", login_of(&m))?;
            Ok(0)
        }
        None => does_not_exist(pkg),
    }
}

fn get_all(branch: &Branch, out: &mut dyn Write) -> anyhow::Result<i32> {
    let source = super::Location {
        dir: branch.repo.clone(),
        rev: Some(branch.reference.clone()),
    }
    .source()?;
    let (db, report) = crate::validate::check(&source)?;
    super::warn_if_errors(&report);
    for (name, pkg) in &db.packages {
        writeln!(out, "{name} {}", login_of(&pkg.maintainers))?;
    }
    Ok(0)
}

/// Who CALLER acts as: `root` is the build system (itself when policy.toml lists `root`
/// there, else the first build system login).
fn acting(base: &crate::gate::Base, caller: &str) -> String {
    let builders = &base.policy.buildsystem;
    if caller == "root"
        && !builders.iter().any(|b| b == "root")
        && let Some(b) = builders.first()
    {
        return b.clone();
    }
    caller.to_owned()
}

fn set(branch: &Branch, caller: &str, pkg: &str, login: &str) -> anyhow::Result<i32> {
    if invalid_name(pkg) {
        return say("invalid package name.");
    }
    let (repo, base) = tip(branch)?;
    let Ok(name) = PackageName::parse(pkg, &base.rules) else {
        return say("invalid package name.");
    };
    if maintainers_of(&repo, &base, &name)?.is_none() {
        return does_not_exist(pkg);
    }
    let dropping = login == NOBODY;
    if !dropping && login != caller {
        return say("cannot set someone else as maintainer.");
    }
    let targets = Targets::Names(vec![pkg.to_owned()]);
    let landed = write(branch, &acting(&base, caller), |s| {
        if dropping {
            ops::drop(s, &targets)
        } else {
            ops::take(s, &targets)
        }
    })?;
    match landed {
        Ok(()) => Ok(0),
        Err(f) => match f.code {
            UserCode::Rule(Rule::NotAMaintainer) | UserCode::OpCode(OpCode::NotMaintained) => {
                say(&format!("cannot set maintainer for {pkg}."))
            }
            UserCode::OpCode(OpCode::NoSuchPackage) => does_not_exist(pkg),
            _ => say(&f.message),
        },
    }
}

fn new(branch: &Branch, caller: &str, pkg: &str, login: &str) -> anyhow::Result<i32> {
    if caller != "root" {
        return say("new is only allowed to root.");
    }
    if invalid_name(pkg) {
        return say("invalid package name.");
    }
    let (_, base) = tip(branch)?;
    let who = [login.to_owned()];
    match write(branch, &acting(&base, caller), |s| {
        ops::new_package(s, pkg, &who)
    })? {
        Ok(()) => Ok(0),
        Err(f) if f.code == UserCode::Code(Code::BadPackageName) => say("invalid package name."),
        Err(f) => say(&f.message),
    }
}

/// Commits `op` as `id` on the branch and publishes it as a push would; the first refusal
/// when it is refused.
fn write(
    branch: &Branch,
    id: &str,
    op: impl Fn(&crate::edit::Session) -> Result<crate::edit::Plan, crate::gate::Stop>,
) -> anyhow::Result<Result<(), Finding>> {
    let mut repairs = Vec::new();
    let landed = branch.commit_as(id, op, &mut repairs);
    super::write::tell_repairs(&repairs);
    match landed? {
        Landed {
            outcome: Outcome::Committed { id, .. },
            based_on,
        } => {
            post_receive(branch, based_on, id)?;
            Ok(Ok(()))
        }
        Landed {
            outcome: Outcome::Unchanged(_),
            ..
        } => Ok(Ok(())),
        Landed {
            outcome: Outcome::Refused(mut findings),
            ..
        } => Ok(Err(findings.remove(0))),
    }
}

/// Runs the repository's post-receive hook (the one `hook install --publish` writes) for the
/// new commit, with the line a push gives it, so the published site follows.
fn post_receive(
    branch: &Branch,
    old: Option<gix::ObjectId>,
    new: gix::ObjectId,
) -> anyhow::Result<()> {
    use std::process::{Command, Stdio};
    let repo = gix::open(&branch.repo)?;
    let hook = repo.git_dir().join("hooks/post-receive");
    if !is_executable(&hook) {
        return Ok(());
    }
    let old = old.map_or_else(|| "0".repeat(40), |o| o.to_string());
    let mut child = Command::new(&hook)
        .current_dir(repo.git_dir())
        .env("GIT_DIR", repo.git_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{old} {new} {}", branch.reference)?;
    }
    let status = child.wait()?;
    if !status.success() {
        eprintln!(
            "warning: {} exited with {status}; the change is committed",
            hook.display()
        );
    }
    Ok(())
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
