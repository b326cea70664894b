//! `maintdb import`: records from a Debian `Sources` index or a text list, as one commit.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::{Cli, EXIT_DATA, EXIT_OK};
use crate::commit::Writer;
use crate::diag::{Format, write_report};
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
    DebianSources { file: PathBuf },
    /// A text list: `pkg:login[,login…]`, `pkg login` or `pkg<TAB>login` lines.
    Text {
        file: PathBuf,
        /// Create people missing from people/ as LOGIN@DOMAIN.
        #[arg(long, value_name = "DOMAIN")]
        email_domain: Option<String>,
    },
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    let writer = Writer::open(&dir)?;
    let (db, _) = if writer.has_records() {
        crate::validate::check(&writer.source_at(None))?
    } else {
        (Db::default(), Default::default())
    };
    let mut registry = Registry::from_db(&db);
    let (file, plan) = match &args.what {
        What::DebianSources { file } => {
            let input = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            (file, debian::plan(&input, &db.rules, &mut registry))
        }
        What::Text { file, email_domain } => {
            let input = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let opts = text::Options {
                email_domain: email_domain.clone(),
            };
            (file, text::plan(&input, &db.rules, &registry, &opts))
        }
    };
    let plan = match plan {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}:{}: {}", file.display(), e.line, e.message);
            }
            eprintln!("{} malformed line(s); nothing was imported", errors.len());
            return Ok(EXIT_DATA);
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
        writeln!(
            out,
            "nothing changed: the records already match {}",
            file.display()
        )?;
        return Ok(EXIT_OK);
    }
    let tree = writer.stage(&changes)?;
    let (_, report) = crate::validate::check(&writer.source_at(Some(tree)))?;
    if report.has_errors() {
        write_report(&report, Format::Short, false, &mut std::io::stderr())?;
        eprintln!("the imported records would not be valid; nothing was committed");
        return Ok(EXIT_DATA);
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
    writeln!(out, "{message}\ncommitted {}", id.to_hex_with_len(12))?;
    Ok(EXIT_OK)
}
