//! `maintdb track release`: after a point release, what shipped is marked, finished tracks
//! are archived and suites.toml moves on. The release is the one the mirror's Release file
//! names (`track sync` does the same by itself); `--version` is for a mirror that lags.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::super::write::{Opts, run_op, write_findings};
use super::{fail, head};
use crate::cli::{EXIT_DATA, EXIT_TOOL};
use crate::gate::Finding;
use crate::track::{ops, world};

#[derive(clap::Args)]
pub struct ReleaseArgs {
    suite: String,
    /// The point release, for a mirror that lags: only the one after suites.toml's is taken
    /// (default: the `Version:` of the mirror's `dists/<codename>/Release`).
    #[arg(long, value_name = "X.Y")]
    version: Option<String>,
    /// A Debian mirror, holding dists/ (default: config.toml's mirror_url, else Debian's).
    #[arg(long, value_name = "URL")]
    mirror: Option<String>,
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    opts: Opts,
}

pub fn release(dir: &Path, a: &ReleaseArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let h = head(dir)?;
    let mirror = h.mirror_url(&a.mirror);
    let Some(s) = h.suites.into_iter().find(|s| s.name == a.suite) else {
        eprintln!("error: suite `{}` is not defined in suites.toml", a.suite);
        return Ok(EXIT_TOOL);
    };
    let timeout = Duration::from_secs(a.timeout);
    let at_mirror = match &a.version {
        Some(_) => None,
        None => match world::point_release(&mirror, &s.codename, timeout) {
            Ok(v) => Some(v),
            Err(e) => return fail(e),
        },
    };
    let release = match ops::release_version(&s, a.version.as_deref(), at_mirror.as_deref()) {
        Ok(v) => v,
        Err(e @ ops::ReleaseVersionError::Recorded { .. }) => {
            eprintln!("error: {e}");
            return Ok(EXIT_TOOL);
        }
        Err(e) => {
            write_findings(
                &[Finding::new(
                    crate::diag::OpCode::NotReleased,
                    e.to_string(),
                    crate::diag::OpCode::NotReleased.fix(),
                )],
                &mut std::io::stderr(),
            )?;
            eprintln!("nothing was committed");
            return Ok(EXIT_DATA);
        }
    };
    let shipped = match world::suite_versions(&mirror, &s.codename, timeout) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    run_op(
        dir,
        &a.opts,
        |x| ops::release(x, &a.suite, &release, &shipped),
        out,
    )
}
