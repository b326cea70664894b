//! `maintdb hook`: the git hooks (`pre-receive`) and their installation.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;

use super::{EXIT_DATA, EXIT_OK};
use crate::hook::{self, install};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Run as git's pre-receive hook: reads `<old> <new> <ref>` lines on standard input.
    PreReceive,
    /// Install the server hook into a bare repository, or the pre-commit hook into a clone.
    Install {
        /// The bare repository that receives pushes.
        #[arg(required_unless_present = "client", conflicts_with = "client")]
        repo: Option<PathBuf>,
        /// A clone: install the pre-commit hook there instead.
        #[arg(long, value_name = "CLONE")]
        client: Option<PathBuf>,
    },
}

pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    match &args.what {
        What::PreReceive => pre_receive(),
        What::Install { repo, client } => {
            let bin =
                std::env::current_exe().context("cannot find the path of this maintdb binary")?;
            let bin = bin.canonicalize().unwrap_or(bin);
            let (dir, name, template) = match (repo, client) {
                (Some(r), _) => (r, "pre-receive", install::PRE_RECEIVE),
                (None, Some(c)) => (c, "pre-commit", install::PRE_COMMIT),
                (None, None) => unreachable!("clap requires one of the two"),
            };
            let path = install::write_hook(dir, name, &install::render(template, &bin))?;
            writeln!(out, "installed {}", path.display())?;
            Ok(EXIT_OK)
        }
    }
}

fn pre_receive() -> anyhow::Result<i32> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the ref updates from standard input")?;
    let updates = hook::parse_updates(&input)
        .map_err(|e| anyhow::anyhow!("malformed pre-receive input: {e}"))?;
    let dir = std::env::var_os("GIT_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let opened = hook::quarantine::open(&dir, |k| std::env::var(k).ok())?;
    let identity = crate::policy::IDENTITY_VARS
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    let problems = hook::check_push(&opened.repo, &updates, identity.as_deref())?;
    if problems.is_empty() {
        return Ok(EXIT_OK);
    }
    let mut err = std::io::stderr().lock();
    hook::write_problems(&problems, &mut err)?;
    Ok(EXIT_DATA)
}
