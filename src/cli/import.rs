//! `maintdb import`: records from a Debian `Sources` index or a text list, as one commit.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Cli;
use super::write::{Opts, finish};
use crate::commit::Writer;
use crate::edit::Outcome;
use crate::gate::{Finding, Gate};
use crate::import::{Registry, debian, text};
use crate::model::Db;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// A Debian `Sources` index (deb822).
    DebianSources {
        file: PathBuf,
        /// Push the commit to the branch's upstream, retrying while the branch moves.
        #[arg(long)]
        push: bool,
    },
    /// A text list: `pkg:login[,login…]`, `pkg login` or `pkg<TAB>login` lines.
    Text {
        file: PathBuf,
        /// Create people missing from people/ as LOGIN@DOMAIN.
        #[arg(long, value_name = "DOMAIN")]
        email_domain: Option<String>,
        /// Push the commit to the branch's upstream, retrying while the branch moves.
        #[arg(long)]
        push: bool,
    },
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    let (file, push) = match &args.what {
        What::DebianSources { file, push } | What::Text { file, push, .. } => (file, *push),
    };
    let input =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let opts = Opts { as_: None, push };
    finish(
        &dir,
        &opts,
        || import_once(&dir, &args.what, file, &input),
        out,
    )
}

/// Plans the import against the clone's `HEAD`, validates the result, and commits.
fn import_once(dir: &Path, what: &What, file: &Path, input: &str) -> anyhow::Result<Outcome> {
    let writer = Writer::open(dir)?;
    let (db, _) = if writer.has_records() {
        crate::validate::check(&writer.source_at(None))?
    } else {
        (Db::default(), Default::default())
    };
    let mut registry = Registry::from_db(&db);
    let plan = match what {
        What::DebianSources { .. } => debian::plan(input, &db.rules, &mut registry),
        What::Text { email_domain, .. } => {
            let opts = text::Options {
                email_domain: email_domain.clone(),
            };
            text::plan(input, &db.rules, &registry, &opts)
        }
    };
    let plan = match plan {
        Ok(p) => p,
        Err(errors) => {
            let findings = errors
                .into_iter()
                .map(|e| Finding {
                    path: Some(format!("{}:{}", file.display(), e.line)),
                    code: "malformed-input".into(),
                    message: e.message,
                    help: "fix the line; nothing is imported while any line is malformed".into(),
                })
                .collect();
            return Ok(Outcome::Refused(findings));
        }
    };
    let mut changes = plan.changes();
    if writer.has_records() {
        let head = writer.source_at(None);
        let mut unchanged = Vec::new();
        for (i, c) in changes.iter().enumerate() {
            if head.read_path(&c.path)? == c.content {
                unchanged.push(i);
            }
        }
        for i in unchanged.into_iter().rev() {
            changes.remove(i);
        }
    }
    if changes.is_empty() {
        return Ok(Outcome::Unchanged(format!(
            "the records already match {}",
            file.display()
        )));
    }
    let tree = writer.stage(&changes)?;
    let (_, report) = crate::validate::check(&writer.source_at(Some(tree)))?;
    if report.has_errors() {
        let mut findings = Vec::new();
        Gate::validity(&report, &mut findings);
        return Ok(Outcome::Refused(findings));
    }
    let identity = writer
        .committer_identity()
        .context("no committer identity: set git config user.name and user.email")?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let message = format!("import: {} from {name}", plan.summary());
    let id = writer.commit(tree, &message, &identity, &changes)?;
    Ok(Outcome::Committed { id, message })
}
