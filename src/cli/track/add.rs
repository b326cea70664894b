//! `maintdb track add`, `track ignore` and `track dismiss`: starting a track from the BTS's
//! word on a bug, giving up on a suite of it, and setting a candidate aside for good.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::super::write::{Opts, run_op, write_findings};
use super::{Remote, fail, head};
use crate::cli::EXIT_DATA;
use crate::gate::Finding;
use crate::track::bts::{Bts, BugStatus};
use crate::track::ops::{self, NewTrack};

#[derive(clap::Args)]
pub struct AddArgs {
    #[arg(required = true, value_name = "BUG")]
    bugs: Vec<u64>,
    /// The suites to follow (default: every suite in suites.toml).
    #[arg(long = "suite", value_name = "SUITE")]
    suites: Vec<String>,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    opts: Opts,
}

#[derive(clap::Args)]
pub struct IgnoreArgs {
    bug: u64,
    #[arg(long)]
    suite: String,
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    opts: Opts,
}

#[derive(clap::Args)]
pub struct DismissArgs {
    bug: u64,
    /// Why it is not tracked; kept in the record for whoever looks again.
    #[arg(long)]
    reason: String,
    /// The bug's source package (default: the BTS's word).
    #[arg(long)]
    package: Option<String>,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    opts: Opts,
}

/// What the BTS says of `bugs`, each filed against its source package (a binary package is
/// mapped by the BTS's `binary_to_source`, and the output says so); `Err(code)` once the
/// failure is told.
fn ask_bts(
    dir: &Path,
    remote: &Remote,
    bugs: &[u64],
    out: &mut dyn Write,
) -> anyhow::Result<Result<BTreeMap<u64, BugStatus>, i32>> {
    let bts = Bts::new(
        &head(dir)?.bts_url(remote),
        Duration::from_secs(remote.timeout),
    )?;
    let mut statuses = match bts.get_status(bugs) {
        Ok(s) => s,
        Err(e) => return fail(e).map(Err),
    };
    // A bug filed against a binary package: its source, as the BTS maps it.
    for status in statuses.values_mut() {
        if !status.source.is_empty() || status.binaries.is_empty() {
            continue;
        }
        for binary in status.binaries.clone() {
            let sources = match bts.binary_to_source(&binary) {
                Ok(s) => s,
                Err(e) => return fail(e).map(Err),
            };
            match sources.first() {
                Some(source) => {
                    writeln!(
                        out,
                        "bug {}: {binary} is a binary package of {source} (the BTS's \
                         binary_to_source); tracking {source}",
                        status.bug
                    )?;
                    status.source.push(source.clone());
                }
                // Not a binary the BTS knows: a source package's name.
                None => status.source.push(binary),
            }
        }
    }
    if let Some(unknown) = bugs.iter().find(|b| !statuses.contains_key(b)) {
        write_findings(
            &[Finding::new(
                crate::diag::OpCode::UnknownBug,
                format!("the BTS does not know bug {unknown}"),
                "check the number; nothing was tracked",
            )],
            &mut std::io::stderr(),
        )?;
        eprintln!("nothing was committed");
        return Ok(Err(EXIT_DATA));
    }
    Ok(Ok(statuses))
}

pub fn add(dir: &Path, a: &AddArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let statuses = match ask_bts(dir, &a.remote, &a.bugs, out)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    run_op(
        dir,
        &a.opts,
        |s| {
            let suites = if a.suites.is_empty() {
                ops::default_suites(s)?
            } else {
                a.suites.clone()
            };
            let new: Vec<NewTrack> = a
                .bugs
                .iter()
                .map(|b| NewTrack::from_status(&statuses[b], suites.clone()))
                .collect();
            ops::add(s, &new, false, None)
        },
        out,
    )
}

pub fn ignore(dir: &Path, a: &IgnoreArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    run_op(
        dir,
        &a.opts,
        |s| ops::ignore(s, a.bug, &a.suite, &a.reason),
        out,
    )
}

pub fn dismiss(dir: &Path, a: &DismissArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let package = match &a.package {
        Some(p) => p.clone(),
        None => match ask_bts(dir, &a.remote, &[a.bug], out)? {
            Ok(s) => NewTrack::from_status(&s[&a.bug], Vec::new()).package,
            Err(code) => return Ok(code),
        },
    };
    let new = NewTrack {
        bug: a.bug,
        package,
        suites: Vec::new(),
        cves: Vec::new(),
        bts: None,
    };
    run_op(dir, &a.opts, |s| ops::dismiss(s, &new, &a.reason), out)
}
