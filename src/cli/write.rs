//! What every writing command shares: the acting identity, `--push`, and how the outcome is
//! told to the user.

use std::io::Write;
use std::path::Path;

use super::{EXIT_DATA, EXIT_OK};
use crate::edit::push::{Pushed, with_push};
use crate::edit::{self, Outcome, Plan, Session};
use crate::gate::Finding;

#[derive(clap::Args, Clone)]
pub struct Opts {
    /// Act as this login (default: MAINTDB_USER, then git config maintdb.login).
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_: Option<String>,
    /// Push the commit to the branch's upstream, retrying while the branch moves.
    #[arg(long)]
    pub push: bool,
}

/// Writes refusals, one block each.
pub fn write_findings(findings: &[Finding], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "refused: {}",
        crate::words::count(findings.len(), "problem", "problems")
    )?;
    for f in findings {
        match &f.path {
            Some(p) => writeln!(out, "{p}: {}: {}", f.code, f.message)?,
            None => writeln!(out, "{}: {}", f.code, f.message)?,
        }
        if let Some(n) = &f.note {
            writeln!(out, "  note: {n}")?;
        }
        writeln!(out, "  help: {}", f.help)?;
    }
    Ok(())
}

/// Tells what opening a clone repaired of a killed run (see [`crate::commit::Writer::repairs`]).
pub fn tell_repairs(repairs: &[String]) {
    for r in repairs {
        eprintln!("note: {r}");
    }
}

/// Runs `attempt` once, or with `--push` until it lands. What is repaired of a killed run
/// first (an unpushed commit, stale locks, a working tree behind its commit) is told.
pub fn settle(
    dir: &Path,
    push: bool,
    mut attempt: impl FnMut() -> anyhow::Result<Outcome>,
) -> anyhow::Result<(Outcome, Pushed)> {
    let mut opened = None;
    let mut attempt = || {
        if opened.is_none() {
            opened = Some(crate::commit::Writer::open(dir)?.repairs().to_vec());
        }
        attempt()
    };
    let mut dropped = Vec::new();
    let settled = if push {
        with_push(dir, &mut attempt, &mut dropped)
    } else {
        attempt().map(|o| (o, Pushed::Nothing))
    };
    tell_repairs(&dropped);
    tell_repairs(&opened.unwrap_or_default());
    settled
}

/// Tells the user how a writing command ended and returns the exit code. `committed` writes
/// what is said of a commit; `unchanged` what is said when there was nothing to do.
pub fn tell(
    outcome: Outcome,
    pushed: Pushed,
    out: &mut dyn Write,
    committed: impl FnOnce(&mut dyn Write, gix::ObjectId, &str) -> std::io::Result<()>,
    unchanged: impl FnOnce(&mut dyn Write, &str) -> std::io::Result<()>,
) -> anyhow::Result<i32> {
    match outcome {
        Outcome::Committed { id, message } => committed(out, id, &message)?,
        Outcome::Unchanged(why) => {
            unchanged(out, &why)?;
            return Ok(EXIT_OK);
        }
        Outcome::Refused(findings) => {
            write_findings(&findings, &mut std::io::stderr())?;
            eprintln!("nothing was committed");
            return Ok(EXIT_DATA);
        }
    }
    match pushed {
        Pushed::Done { attempts: 1 } => writeln!(out, "pushed")?,
        Pushed::Done { attempts } => writeln!(
            out,
            "pushed (after {attempts} attempts: the branch had moved)"
        )?,
        Pushed::Nothing => {}
        Pushed::Refused(lines) => {
            for l in lines {
                eprintln!("{l}");
            }
            eprintln!("the server refused the push; the local commit was dropped");
            return Ok(EXIT_DATA);
        }
    }
    Ok(EXIT_OK)
}

/// `--dry-run`: plans with `op` as a real run would, commits nothing, and writes the lines
/// `said` gives once planning is over (or the refusal).
pub fn dry_run(
    dir: &Path,
    as_: Option<&str>,
    op: impl FnOnce(&Session) -> Result<Plan, crate::gate::Stop>,
    said: impl FnOnce() -> Vec<String>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let outcome = edit::run(dir, as_, |s| {
        op(s).map(|_| Plan::Unchanged("dry run, nothing committed".into()))
    })?;
    for line in said() {
        writeln!(out, "{line}")?;
    }
    tell(
        outcome,
        Pushed::Nothing,
        out,
        |_, _, _| Ok(()),
        |out, why| writeln!(out, "{why}"),
    )
}

/// Runs `attempt` once, or with `--push` until it lands, and reports.
pub fn finish(
    dir: &Path,
    opts: &Opts,
    attempt: impl FnMut() -> anyhow::Result<Outcome>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let (outcome, pushed) = settle(dir, opts.push, attempt)?;
    tell(
        outcome,
        pushed,
        out,
        |out, id, message| {
            writeln!(
                out,
                "{}\ncommitted {}",
                message.trim_end(),
                id.to_hex_with_len(12)
            )
        },
        |out, why| writeln!(out, "nothing changed: {why}"),
    )
}

/// The usual writing command: plan with `op` in a session, commit, maybe push.
pub fn run_op(
    dir: &Path,
    opts: &Opts,
    op: impl Fn(&Session) -> Result<Plan, crate::gate::Stop>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    finish(
        dir,
        opts,
        || Ok(edit::run(dir, opts.as_.as_deref(), &op)?),
        out,
    )
}
