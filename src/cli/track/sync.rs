//! `maintdb track sync`: every active track brought up to date with the BTS and the archive,
//! as one commit (or, with `--dry-run`, only printed); then, when the mirror's Release file
//! shows a suite past the point release suites.toml records, what `track release` does, as a
//! second commit of the same run.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::super::write::{Opts, dry_run, run_op};
use super::{Remote, fail, head};
use crate::track::ops::{self, SyncReport};
use crate::track::world::{self, Endpoints};

#[derive(clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    remote: Remote,
    /// A Debian mirror, holding dists/ (default: config.toml's mirror_url, else Debian's).
    #[arg(long, value_name = "URL")]
    mirror: Option<String>,
    /// The archive's master, serving new.822 (default: config.toml's ftp_master_url, else
    /// Debian's).
    #[arg(long, value_name = "URL")]
    ftp_master: Option<String>,
    /// Print the transitions, and commit nothing.
    #[arg(long, conflicts_with = "push")]
    dry_run: bool,
    #[command(flatten)]
    opts: Opts,
}

pub fn sync(dir: &Path, a: &SyncArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let h = head(dir)?;
    let bugs = ops::tracked_active(h.writer.repo(), h.root)?;
    let at = Endpoints {
        bts: h.bts_url(&a.remote),
        mirror: h.mirror_url(&a.mirror),
        queue: format!(
            "{}/new.822",
            h.ftp_master_url(&a.ftp_master).trim_end_matches('/')
        ),
        timeout: Duration::from_secs(a.remote.timeout),
    };
    let mut world = match world::gather(&bugs, &h.suites, &at) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    world.now = crate::track::mail::clock::now()?;
    let report = std::cell::RefCell::new(SyncReport::default());
    let code = if a.dry_run {
        dry_run(
            dir,
            a.opts.as_.as_deref(),
            |s| ops::sync(s, &world, &mut report.borrow_mut()),
            || report.borrow().transitions.clone(),
            out,
        )?
    } else {
        run_op(
            dir,
            &a.opts,
            |s| ops::sync(s, &world, &mut report.borrow_mut()),
            out,
        )?
    };
    for w in &report.borrow().warnings {
        eprintln!("warning: {w}");
    }
    if code != super::super::EXIT_OK {
        return Ok(code);
    }
    for (suite, version) in ops::shipped_releases(&h.suites, &world) {
        let said = format!(
            "point release {version} of {} ({}): the mirror's Release file says so",
            suite.name, suite.codename
        );
        if a.dry_run {
            writeln!(out, "{said}; a run would record it as `track release` does")?;
            continue;
        }
        writeln!(out, "{said}; recording it")?;
        let none = Default::default();
        let shipped = world.released.get(&suite.codename).unwrap_or(&none);
        let code = run_op(
            dir,
            &a.opts,
            |s| ops::release(s, &suite.name, &version, shipped),
            out,
        )?;
        if code != super::super::EXIT_OK {
            return Ok(code);
        }
    }
    Ok(code)
}
