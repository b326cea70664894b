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
    /// Run as git's post-receive hook: render and publish the branch after a push.
    PostReceive {
        /// Where the rendered tree is published.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Install the server hook into a bare repository, or the pre-commit hook into a clone.
    Install {
        /// The bare repository that receives pushes.
        #[arg(required_unless_present = "client", conflicts_with = "client")]
        repo: Option<PathBuf>,
        /// A clone: install the pre-commit hook there instead.
        #[arg(long, value_name = "CLONE")]
        client: Option<PathBuf>,
        /// Also install post-receive, which renders and publishes to DIR after each push.
        #[arg(long, value_name = "DIR", conflicts_with = "client")]
        publish: Option<PathBuf>,
    },
}

pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    match &args.what {
        What::PreReceive => pre_receive(),
        What::PostReceive { out: dir } => post_receive(dir, out),
        What::Install {
            repo,
            client,
            publish,
        } => {
            let bin =
                install::this_binary().context("cannot find the path of this maintdb binary")?;
            let written = match (repo, client) {
                (Some(r), _) => {
                    let publish = publish
                        .as_ref()
                        .map(std::path::absolute)
                        .transpose()
                        .context("cannot resolve the --publish directory")?;
                    install::server(r, &bin, publish.as_deref())?
                }
                (None, Some(c)) => vec![install::write_hook(
                    c,
                    "pre-commit",
                    &install::render(install::PRE_COMMIT, &bin),
                )?],
                (None, None) => unreachable!("clap requires one of the two"),
            };
            for path in written {
                writeln!(out, "installed {}", path.display())?;
            }
            Ok(EXIT_OK)
        }
    }
}

/// Publishes the branch `HEAD` names when a push updated it. Failing to publish does not undo
/// the push (git ignores post-receive's exit code), so it is reported on the client's screen.
fn post_receive(dir: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the ref updates from standard input")?;
    let updates = hook::parse_updates(&input)
        .map_err(|e| anyhow::anyhow!("malformed post-receive input: {e}"))?;
    let git_dir = std::env::var_os("GIT_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let repo = gix::open(&git_dir).with_context(|| format!("cannot open {}", git_dir.display()))?;
    let head = repo
        .head_name()
        .ok()
        .flatten()
        .map(|n| n.as_bstr().to_string());
    if !updates
        .iter()
        .any(|u| Some(&u.refname) == head.as_ref() && !u.new.is_null())
    {
        return Ok(EXIT_OK);
    }
    super::render::render_rev(
        &git_dir,
        "HEAD",
        dir,
        super::render::How {
            cache: true,
            incremental: true,
        },
        out,
    )
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
