//! `maintdb take` and `maintdb drop`: become, or stop being, a package's maintainer.

use std::io::Write;

use super::Cli;
use super::write::{Opts, run_op};
use crate::edit::ops::{self, Targets};

#[derive(clap::Args)]
pub struct Args {
    /// Packages by name.
    #[arg(required_unless_present = "regex", conflicts_with = "regex")]
    packages: Vec<String>,
    /// Every package whose name matches (take: those nobody maintains; drop: yours).
    #[arg(long, value_name = "RE")]
    regex: Option<String>,
    #[command(flatten)]
    opts: Opts,
}

impl Args {
    fn targets(&self) -> Targets {
        match &self.regex {
            Some(r) => Targets::Regex(r.clone()),
            None => Targets::Names(self.packages.clone()),
        }
    }
}

pub fn run(cli: &Cli, args: &Args, drop: bool, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    let targets = args.targets();
    run_op(
        &dir,
        &args.opts,
        |s| {
            if drop {
                ops::drop(s, &targets)
            } else {
                ops::take(s, &targets)
            }
        },
        out,
    )
}
