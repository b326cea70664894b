//! `maintdb render`: render one commit and publish it atomically.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::{Cli, EXIT_DATA, EXIT_OK};
use crate::diag::{Format, write_report};
use crate::render::{self, RenderError, publish};
use crate::source::open_repo;

#[derive(clap::Args)]
pub struct Args {
    /// Where the rendered tree is published (a symlink, swapped atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The revision to render.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    rev: String,
    /// Read the whole history instead of using the cache in the git dir.
    #[arg(long)]
    no_cache: bool,
    /// Make every page, instead of taking the unchanged ones from the published generation.
    #[arg(long)]
    full: bool,
}

/// How `render` reads and writes.
#[derive(Debug, Clone, Copy)]
pub struct How {
    /// Use the history cache in the git dir.
    pub cache: bool,
    /// Bring the generation before the published one up to date (or hard-link the unchanged
    /// pages of the published one into a fresh generation) instead of making every page.
    pub incremental: bool,
}

/// Renders `rev` of the repository at `dir` and publishes it at `out`. Returns the exit code.
pub fn render_rev(
    dir: &Path,
    rev: &str,
    out_dir: &Path,
    how: How,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let repo = open_repo(dir)?;
    let local = repo.to_thread_local();
    let commit = local
        .rev_parse_single(rev)
        .and_then(|id| id.object())
        .and_then(|o| o.peel_to_kind(gix::object::Kind::Commit))
        .map_err(|source| crate::source::SourceError::Rev {
            rev: rev.to_owned(),
            source,
        })?
        .id;
    let label = commit.to_hex_with_len(12).to_string();
    // The generation to reuse is found (and its keys read) while the commit is read; when
    // the records turn out invalid, the publication is dropped untouched.
    let (snapshot, publication) = std::thread::scope(|s| {
        let begun = s.spawn(|| publish::Publication::begin(out_dir, &label, how.incremental));
        let snapshot = render::snapshot::Snapshot::read(&repo, commit, how.cache);
        (snapshot, begun.join())
    });
    let snapshot = match snapshot? {
        Ok(s) => s,
        Err(report) => {
            write_report(&report, Format::Short, false, &mut std::io::stderr())?;
            eprintln!("the records at {rev} are not valid; nothing was published");
            return Ok(EXIT_DATA);
        }
    };
    let publication = match publication {
        Ok(p) => p?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let progress = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template("rendering {bar:40} {pos}/{len} files")
                .expect("a valid progress template"),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let site = snapshot.site();
    let generation = publication
        .finish(|mut target| {
            if !how.incremental {
                target.published = None;
            }
            let since = |from: &str| snapshot.packages_since(&repo.to_thread_local(), from);
            render::render_site(target, &site, &since, &progress)
        })
        .map_err(|e: RenderError| anyhow::Error::new(e))?;
    // The process ends after this: freeing every record and view one by one would only
    // delay it.
    std::mem::forget(site);
    std::mem::forget(snapshot);
    writeln!(
        out,
        "published {} at {} ({})",
        commit.to_hex_with_len(12),
        out_dir.display(),
        generation.display()
    )?;
    Ok(EXIT_OK)
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    render_rev(
        &cli.location(None).dir,
        &args.rev,
        &args.out,
        How {
            cache: !args.no_cache,
            incremental: !args.full,
        },
        out,
    )
}
