//! `maintdb track candidates`: minor issues the security tracker shows fixed in sid, printed
//! and, with `--add`, tracked.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::super::write::{Opts, run_op};
use super::{fail, head};
use crate::cli::EXIT_OK;
use crate::track::ops::{self, NewTrack};

#[derive(clap::Args)]
pub struct CandidatesArgs {
    /// The security tracker's JSON, a file or URL (default: config.toml's
    /// security_tracker_url, else Debian's).
    #[arg(long, value_name = "URL|FILE")]
    security_tracker: Option<String>,
    /// Track them.
    #[arg(long)]
    add: bool,
    /// With --add, track at most this many (for a first run against the tracker's thousands
    /// of entries); the others stay candidates for a later run.
    #[arg(long, value_name = "N", requires = "add")]
    max: Option<usize>,
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    #[command(flatten)]
    opts: Opts,
}

pub fn candidates(dir: &Path, a: &CandidatesArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let h = head(dir)?;
    let suites: Vec<(String, String)> = h
        .suites
        .iter()
        .map(|s| (s.name.clone(), s.codename.clone()))
        .collect();
    let tracked = ops::tracked(h.writer.repo(), h.root)?;
    let fetch_opts = crate::fetch::Options {
        connect_timeout: Duration::from_secs(a.timeout),
        read_timeout: Duration::from_secs(a.timeout),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let input = crate::fetch::Input::parse(&h.security_tracker_url(&a.security_tracker));
    let json = match crate::fetch::read(&input, &fetch_opts) {
        Ok((_, bytes)) => bytes,
        Err(e) => return fail(e),
    };
    let criteria = crate::track::security::Criteria {
        suites: &suites,
        tracked: &tracked,
    };
    let found = match crate::track::security::candidates(&json, &criteria) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                anyhow::Error::new(e).context(format!("{input}: not the security tracker's JSON")),
            );
        }
    };
    for c in &found {
        let cves: Vec<&str> = c.cves.iter().map(String::as_str).collect();
        writeln!(
            out,
            "{} {} {} {}",
            c.bug,
            c.package,
            c.suites.join(","),
            cves.join(",")
        )?;
    }
    if !a.add || found.is_empty() {
        return Ok(EXIT_OK);
    }
    let new: Vec<NewTrack> = found.iter().map(NewTrack::from_candidate).collect();
    let code = run_op(dir, &a.opts, |s| ops::add(s, &new, true, a.max), out)?;
    if let Some(max) = a.max.filter(|m| *m < found.len()) {
        writeln!(
            out,
            "--max {max}: the other candidates stay candidates for a later run"
        )?;
    }
    Ok(code)
}
