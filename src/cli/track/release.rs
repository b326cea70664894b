//! `maintdb track release`: after a point release, what shipped is marked, finished tracks
//! are archived and suites.toml moves on.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::super::write::{Opts, run_op};
use super::{MIRROR, fail, head};
use crate::cli::EXIT_TOOL;
use crate::track::{ops, world};

#[derive(clap::Args)]
pub struct ReleaseArgs {
    suite: String,
    /// The point release (default: the one after suites.toml's).
    #[arg(long, value_name = "X.Y")]
    version: Option<String>,
    #[arg(long, value_name = "URL", default_value = MIRROR)]
    mirror: String,
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    opts: Opts,
}

pub fn release(dir: &Path, a: &ReleaseArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let Some(s) = head(dir)?.suites.into_iter().find(|s| s.name == a.suite) else {
        eprintln!("error: suite `{}` is not defined in suites.toml", a.suite);
        return Ok(EXIT_TOOL);
    };
    let release = match ops::release_version(&s, a.version.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_TOOL);
        }
    };
    let shipped =
        match world::suite_versions(&a.mirror, &s.codename, Duration::from_secs(a.timeout)) {
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
