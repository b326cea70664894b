//! What packages install beside the binary, generated from the command line itself: shell
//! completions (`maintdb completions bash|zsh|fish`) and a man page for every subcommand
//! (`maintdb manpages DIR`, hidden: it is for packaging).

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, EXIT_OK};

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct ManpagesArgs {
    /// The directory to write `maintdb.1`, `maintdb-take.1`, ... into.
    dir: PathBuf,
}

pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    // Generated whole first: clap_complete panics on a write error (a closed pipe).
    let mut text = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "maintdb", &mut text);
    out.write_all(&text)?;
    Ok(EXIT_OK)
}

pub fn manpages(args: &ManpagesArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&args.dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let n = pages(&cmd, &args.dir)?;
    writeln!(out, "{n} man pages in {}", args.dir.display())?;
    Ok(EXIT_OK)
}

/// Writes the page of `cmd` and of each subcommand that is not hidden, as clap_mangen's
/// `generate_to` does, with the program's version as every page's source.
fn pages(cmd: &clap::Command, dir: &std::path::Path) -> std::io::Result<usize> {
    let mut n = 0;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        n += pages(sub, dir)?;
    }
    clap_mangen::Man::new(cmd.clone())
        .source(format!("maintdb {}", env!("CARGO_PKG_VERSION")))
        .manual("maintdb manual")
        .generate_to(dir)?;
    Ok(n + 1)
}
