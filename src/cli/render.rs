//! `maintdb render`: render one commit and publish it atomically.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::{Cli, EXIT_DATA, EXIT_OK};
use crate::diag::{Format, write_report};
use crate::render::{self, Input, RenderError, publish};
use crate::source::{GitSource, Source, open_repo};

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
}

/// Renders `rev` of the repository at `dir` and publishes it at `out`. Returns the exit code.
pub fn render_rev(
    dir: &Path,
    rev: &str,
    out_dir: &Path,
    use_cache: bool,
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
    let source = Source::Git(Box::new(GitSource::at_rev(
        repo.clone(),
        &commit.to_string(),
    )?));
    let (db, report) = crate::validate::check(&source)?;
    if report.has_errors() {
        write_report(&report, Format::Short, false, &mut std::io::stderr())?;
        eprintln!("the records at {rev} are not valid; nothing was published");
        return Ok(EXIT_DATA);
    }
    let history = crate::history::read(&repo, commit, use_cache)?;
    // Timelines cost a walk of the history: only when there is a track to show.
    let timelines = if db.tracks.is_empty() {
        Default::default()
    } else {
        crate::track::timeline::read(&local, commit)?
    };
    let progress = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template("rendering {bar:40} {pos}/{len} files")
                .expect("a valid progress template"),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let id = commit.to_string();
    let input = Input {
        db: &db,
        history: &history,
        commit: &id,
        timelines: &timelines,
        process: &process_docs(&local, commit),
    };
    let label = commit.to_hex_with_len(12).to_string();
    let generation = publish::publish(out_dir, &label, |dir| {
        render::render_into(dir, &input, &progress)
    })
    .map_err(|e: RenderError| anyhow::Error::new(e))?;
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
        !args.no_cache,
        out,
    )
}

/// `docs/process/*.md` of the commit, by file name.
fn process_docs(repo: &gix::Repository, commit: gix::ObjectId) -> Vec<render::process::Doc> {
    let Some(tree) = repo
        .find_commit(commit)
        .ok()
        .and_then(|c| c.tree().ok())
        .and_then(|t| t.lookup_entry_by_path("docs/process").ok().flatten())
        .and_then(|e| e.object().ok())
        .map(|o| o.into_tree())
    else {
        return Vec::new();
    };
    let mut docs: Vec<render::process::Doc> = tree
        .iter()
        .flatten()
        .filter_map(|e| {
            let name = e.filename().to_string();
            let stem = name.strip_suffix(".md")?.to_owned();
            let blob = repo.find_blob(e.oid()).ok()?;
            let markdown = String::from_utf8(blob.data.clone()).ok()?;
            Some(render::process::Doc { stem, markdown })
        })
        .collect();
    docs.sort_by(|a, b| a.stem.cmp(&b.stem));
    docs
}
