//! `maintdb init`: a new data repository (config.toml, policy.toml, the first admin's record,
//! suites.toml when asked) as one first commit by that admin, and with `--server` the bare
//! repository that receives pushes, seeded from it, with the hooks installed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::{EXIT_DATA, EXIT_OK};
use crate::commit::{Change, Identity, Writer};

#[derive(clap::Args)]
pub struct Args {
    /// Where the data repository goes (created, or an empty directory).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The distribution's name, shown on the pages.
    #[arg(long, value_name = "NAME")]
    distribution: String,
    /// The first admin's login.
    #[arg(long, value_name = "LOGIN")]
    admin: String,
    /// The first admin's address (their commits' author address).
    #[arg(long, value_name = "ADDR")]
    email: String,
    /// The first admin's full name (default: the login).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The build system's login, which registers new packages.
    #[arg(long, value_name = "LOGIN")]
    buildsystem: Option<String>,
    /// A point-release suite to track, `NAME=CODENAME:X.Y` (repeatable; writes suites.toml),
    /// e.g. `stable=trixie:13.2`.
    #[arg(long = "suite", value_name = "NAME=CODENAME:X.Y")]
    suites: Vec<String>,
    /// Also make the bare repository that receives pushes, seeded from the new one, with the
    /// pre-receive hook installed; the new repository pushes there.
    #[arg(long, value_name = "BARE.git")]
    server: Option<PathBuf>,
    /// With --server: also install post-receive, which publishes the site to DIR after each
    /// push.
    #[arg(long, value_name = "DIR", requires = "server")]
    publish: Option<PathBuf>,
}

/// Fails unless `dir` is missing or an empty directory.
fn empty_target(dir: &Path, what: &str) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty; {what} goes into a new or empty directory",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// A `[NAME]` table of suites.toml from `NAME=CODENAME:X.Y`.
fn suite_table(spec: &str) -> anyhow::Result<String> {
    let bad = || {
        anyhow::anyhow!(
            "--suite `{spec}` is not NAME=CODENAME:X.Y (for example stable=trixie:13.2)"
        )
    };
    let (name, rest) = spec.split_once('=').ok_or_else(bad)?;
    let (codename, version) = rest.split_once(':').ok_or_else(bad)?;
    let bare_key = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !bare_key(name) || codename.is_empty() || !crate::record::is_point_release(version) {
        return Err(bad());
    }
    Ok(format!(
        "[{name}]\ncodename = {}\nversion = {}\n",
        crate::record::toml_string(codename),
        crate::record::toml_string(version)
    ))
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

pub fn run(a: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    empty_target(&a.dir, "the data repository")?;
    let existed = a.dir.exists();
    if let Some(server) = &a.server {
        empty_target(server, "the server's bare repository")?;
    }
    let name = a.name.clone().unwrap_or_else(|| a.admin.clone());
    let q = crate::record::toml_string;
    let mut files = vec![
        (
            "maintainers/config.toml",
            format!("distribution = {}\n", q(&a.distribution)),
        ),
        (
            "maintainers/policy.toml",
            format!(
                "admins = [{}]\nbuildsystem = [{}]\ntrackers = []\nbranches = [\"main\"]\n",
                q(&a.admin),
                a.buildsystem.as_deref().map(q).unwrap_or_default()
            ),
        ),
    ];
    let person = format!("maintainers/people/{}.toml", a.admin);
    files.push((
        person.as_str(),
        crate::record::person_toml(&name, &a.email, &[]),
    ));
    if !a.suites.is_empty() {
        let tables: Vec<String> = a
            .suites
            .iter()
            .map(|s| suite_table(s))
            .collect::<anyhow::Result<_>>()?;
        files.push(("maintainers/suites.toml", tables.join("\n")));
    }
    std::fs::create_dir_all(&a.dir)
        .with_context(|| format!("cannot create {}", a.dir.display()))?;
    gix::init(&a.dir)
        .with_context(|| format!("cannot make a repository in {}", a.dir.display()))?;
    let writer = Writer::open(&a.dir)?;
    let changes: Vec<Change> = files
        .iter()
        .map(|(path, text)| Change {
            path: (*path).to_owned(),
            content: Some(text.clone().into_bytes()),
        })
        .collect();
    let tree = writer.stage(&changes)?;
    // Nothing is committed that `check` would not pass (a login or address it refuses).
    let (_, report) = crate::validate::check(&writer.source_at(Some(tree)))?;
    if report.has_errors() {
        crate::diag::write_report(
            &report,
            crate::diag::Format::Short,
            false,
            &mut std::io::stderr(),
        )?;
        // Leave the target as it was found: missing, or empty.
        let _ = if existed {
            std::fs::remove_dir_all(a.dir.join(".git"))
        } else {
            std::fs::remove_dir_all(&a.dir)
        };
        eprintln!("nothing was written; fix the options and run init again");
        return Ok(EXIT_DATA);
    }
    let author = Identity {
        name,
        email: a.email.clone(),
    };
    let id = writer.commit(
        tree,
        &format!("init: {} maintainers, admin {}", a.distribution, a.admin),
        &author,
        &changes,
    )?;
    git(&a.dir, &["config", "maintdb.login", &a.admin])?;
    writeln!(
        out,
        "initialized {} (commit {}); you act there as {}",
        a.dir.display(),
        id.to_hex_with_len(12),
        a.admin
    )?;
    if let Some(server) = &a.server {
        let abs = std::path::absolute(server).context("cannot resolve --server")?;
        let abs_s = abs.to_string_lossy();
        git(&a.dir, &["clone", "-q", "--bare", ".", &abs_s])?;
        let bin = crate::hook::install::this_binary()
            .context("cannot find the path of this maintdb binary")?;
        let publish = a
            .publish
            .as_ref()
            .map(std::path::absolute)
            .transpose()
            .context("cannot resolve the --publish directory")?;
        for path in crate::hook::install::server(&abs, &bin, publish.as_deref())? {
            writeln!(out, "installed {}", path.display())?;
        }
        git(&a.dir, &["remote", "add", "origin", &abs_s])?;
        git(&a.dir, &["fetch", "-q", "origin"])?;
        git(
            &a.dir,
            &["branch", "-q", "--set-upstream-to", "origin/main"],
        )?;
        writeln!(
            out,
            "the server's repository is {}; writing commands push there with --push",
            abs.display()
        )?;
    }
    Ok(EXIT_OK)
}
