//! `maintdb import`: bring the records in line with Debian `Sources` indexes (files or URLs,
//! plain, gzip or xz) or a text list, as one commit.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use super::Cli;
use super::write::{settle, tell};
use crate::commit::Identity;
use crate::commit::Writer;
use crate::edit::Outcome;
use crate::fetch::{self, Input};
use crate::gate::{Finding, Gate};
use crate::import::sync::{self, Diff};
use crate::import::{Format, Plan, Registry, text};
use crate::model::Db;
use crate::names::NameRules;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Debian `Sources` indexes: a mirror's components and the security archive, in one commit.
    DebianSources {
        /// Files or http(s) URLs; plain, gzip or xz. Where a package appears in several, the
        /// higher version wins.
        #[arg(required = true, value_name = "FILE|URL")]
        inputs: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A text list: `pkg:login[,login…]`, `pkg login` or `pkg<TAB>login` lines.
    Text {
        /// A file or an http(s) URL; plain, gzip or xz.
        #[arg(value_name = "FILE|URL")]
        input: String,
        /// Create people missing from people/ as LOGIN@DOMAIN.
        #[arg(long, value_name = "DOMAIN")]
        email_domain: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::Args)]
struct Common {
    /// Remove packages that no input holds (without it they are listed and kept).
    #[arg(long)]
    prune: bool,
    /// Print what would change, and commit nothing.
    #[arg(long, conflicts_with = "push")]
    dry_run: bool,
    /// Push the commit to the branch's upstream, retrying while the branch moves.
    #[arg(long)]
    push: bool,
    /// Act as this login (default: MAINTDB_USER, then git config maintdb.login).
    #[arg(long = "as", value_name = "LOGIN")]
    as_: Option<String>,
    /// Give up on a server that sends nothing for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    timeout: u64,
    /// Give up on a server that does not accept the connection within this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    connect_timeout: u64,
}

/// The inputs, read and decompressed, each with where it came from.
type Loaded = [(Input, String)];

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    let (names, common) = match &args.what {
        What::DebianSources { inputs, common } => (inputs.clone(), common),
        What::Text { input, common, .. } => (vec![input.clone()], common),
    };
    let opts = fetch::Options {
        connect_timeout: Duration::from_secs(common.connect_timeout),
        read_timeout: Duration::from_secs(common.timeout),
        progress: std::io::stderr().is_terminal(),
    };
    // Everything is fetched before the clone is touched, and once, however often a push retries.
    let mut inputs = Vec::with_capacity(names.len());
    for name in &names {
        let input = Input::parse(name);
        let text = fetch::read_text(&input, &opts)?;
        inputs.push((input, text));
    }
    let last = RefCell::new(None);
    let attempt = || {
        let (outcome, diff) = import_once(&dir, &args.what, &inputs, common)?;
        *last.borrow_mut() = diff;
        Ok(outcome)
    };
    let (outcome, pushed) = settle(&dir, common.push, attempt)?;
    if matches!(outcome, Outcome::Committed { .. }) {
        pack_loose_objects(&dir);
    }
    let diff = last.into_inner();
    if let Some(d) = &diff {
        if common.dry_run {
            for l in d.lines() {
                writeln!(out, "{l}")?;
            }
        } else if !d.absent.is_empty() {
            let names: Vec<String> = d.absent.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "kept {} absent from the inputs (--prune removes them): {}",
                crate::words::count(names.len(), "package", "packages"),
                names.join(" ")
            )?;
        }
    }
    let counts = diff.as_ref().map(Diff::counts).unwrap_or_default();
    tell(
        outcome,
        pushed,
        out,
        |out, id, _| {
            writeln!(
                out,
                "import: {counts}; committed {}",
                id.to_hex_with_len(12)
            )
        },
        |out, why| writeln!(out, "import: {counts}; {why}"),
    )
}

/// Plans the import against the clone's `HEAD`, validates the result, and commits (unless
/// `dry_run`). Returns the outcome and, once the inputs were understood, the diff.
fn import_once(
    dir: &Path,
    what: &What,
    loaded: &Loaded,
    common: &Common,
) -> anyhow::Result<(Outcome, Option<Diff>)> {
    let dry_run = common.dry_run;
    let writer = Writer::open(dir)?;
    // The same rule as every writing command: who imports is said, never guessed.
    let login = crate::edit::acting_identity(writer.repo(), common.as_.as_deref())
        .ok_or(crate::edit::EditError::NoIdentity)?;
    super::write::tell_repairs(writer.repairs());
    let (db, _) = if writer.has_records() {
        crate::validate::check(&writer.source_at(None))?
    } else {
        (Db::default(), Default::default())
    };
    let mut registry = Registry::from_db(&db);
    let plan = match plan(what, loaded, &db.rules, &mut registry) {
        Ok(p) => p,
        Err(findings) => return Ok((Outcome::Refused(findings), None)),
    };
    let prune = match what {
        What::DebianSources { common, .. } | What::Text { common, .. } => common.prune,
    };
    let head = writer.source_at(None);
    let diff = sync::diff(&plan, &db, prune, |path| head.read_path(path))?;
    if diff.changes.is_empty() {
        return Ok((Outcome::Unchanged("nothing to commit".into()), Some(diff)));
    }
    let tree = writer.stage(&diff.changes)?;
    let (new_db, report) = crate::validate::check(&writer.source_at(Some(tree)))?;
    if report.has_errors() {
        let mut findings = Vec::new();
        Gate::validity(&report, &mut findings);
        return Ok((Outcome::Refused(findings), Some(diff)));
    }
    if dry_run {
        let why = "dry run, nothing committed".to_owned();
        return Ok((Outcome::Unchanged(why), Some(diff)));
    }
    let identity = author(&writer, &new_db, &login)?;
    let sources: Vec<String> = loaded
        .iter()
        .map(|(i, _)| format!("  {}", i.short_name()))
        .collect();
    let message = format!(
        "import: {}\n\nfrom:\n{}\n",
        diff.counts(),
        sources.join("\n")
    );
    let id = writer.commit(tree, &message, &identity, &diff.changes)?;
    Ok((Outcome::Committed { id, message }, Some(diff)))
}

/// Who an import by `login` is authored by: their person record (in the imported tree), else
/// config.toml's build system identity, else the clone's git identity (a first import, before
/// any record names the importer).
fn author(writer: &Writer, db: &Db, login: &str) -> Result<Identity, crate::edit::EditError> {
    let person = crate::names::Login::parse(login, &db.rules)
        .ok()
        .and_then(|l| db.people.get(&l));
    if let Some(p) = person {
        return Ok(Identity {
            name: p.name.clone(),
            email: p.email.clone(),
        });
    }
    if let Some(b) = &db.config.buildsystem {
        return Ok(Identity {
            name: b.name.clone(),
            email: b.email.clone(),
        });
    }
    writer
        .committer_identity()
        .ok_or_else(|| crate::edit::EditError::NoAuthor {
            id: login.to_owned(),
        })
}

/// The import's plan, or every malformed line as a refusal naming its input and line.
fn plan(
    what: &What,
    loaded: &Loaded,
    rules: &NameRules,
    registry: &mut Registry,
) -> Result<Plan, Vec<Finding>> {
    let format = match what {
        What::DebianSources { .. } => Format::DebianSources,
        What::Text { email_domain, .. } => Format::Text(text::Options {
            email_domain: email_domain.clone(),
        }),
    };
    crate::import::plan(&format, loaded, rules, registry).map_err(|errors| {
        errors
            .into_iter()
            .map(|(input, e)| Finding {
                path: Some(format!("{input}:{}", e.line)),
                code: crate::diag::OpCode::MalformedInput.into(),
                message: e.message,
                help: "fix the input; nothing is imported while any of it is malformed".into(),
                note: None,
            })
            .collect()
    })
}

/// An import can write tens of thousands of objects, each a loose file until git packs them,
/// and reading that many loose files back makes every later command slow. Do what git's own
/// commands do after writing: `git gc --auto`, which packs only past git's threshold. Waited
/// for, so the next command finds the pack. A failure costs speed only, so it is a warning.
fn pack_loose_objects(dir: &Path) {
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"])
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!("warning: `git gc --auto` failed ({s}); the import is committed"),
        Err(e) => eprintln!("warning: cannot run `git gc --auto` ({e}); the import is committed"),
    }
}
