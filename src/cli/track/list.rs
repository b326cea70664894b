//! `maintdb track list` and `track show`: reading tracks, and a track's timeline from history.

use std::io::Write;

use crate::cli::log::LogFormat;
use crate::cli::{Cli, EXIT_DATA, EXIT_OK};
use crate::source::open_repo;
use crate::track::records::{active_path, archive_path, tracks_at};

/// One line of `track list`.
#[derive(serde::Serialize)]
struct Row {
    bug: u64,
    package: String,
    suite: String,
    state: String,
    version: Option<String>,
    archive: Option<String>,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    suite: Option<String>,
    #[arg(long, value_enum, default_value = "txt")]
    format: LogFormat,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    pub bug: u64,
}

pub fn list(cli: &Cli, a: &ListArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let (state, suite, format) = (a.state.as_deref(), a.suite.as_deref(), a.format);
    let (db, report) = crate::validate::check(&cli.location(None).source()?)?;
    crate::cli::warn_if_errors(&report);
    let mut rows = Vec::new();
    for t in &db.tracks {
        for s in &t.suites {
            let p = t.progress.iter().find(|(n, _)| n == s).map(|(_, p)| p);
            let row = Row {
                bug: t.bug,
                package: t.package.clone(),
                suite: s.clone(),
                state: p.map_or("new", |p| p.state()).to_owned(),
                version: p.and_then(|p| p.version()).map(ToOwned::to_owned),
                archive: t.archive.clone(),
            };
            if state.is_some_and(|x| x != row.state) || suite.is_some_and(|x| x != row.suite) {
                continue;
            }
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| (a.bug, &a.suite).cmp(&(b.bug, &b.suite)));
    match format {
        LogFormat::Txt => {
            for r in &rows {
                writeln!(
                    out,
                    "{} {} {} {} {}",
                    r.bug,
                    r.package,
                    r.suite,
                    r.state,
                    r.version.as_deref().unwrap_or("-")
                )?;
            }
        }
        LogFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
    }
    Ok(EXIT_OK)
}

pub fn show(cli: &Cli, bug: u64, out: &mut dyn Write) -> anyhow::Result<i32> {
    let repo = open_repo(&cli.location(None).dir)?.to_thread_local();
    let Ok(tip) = repo.head_id().map(|id| id.detach()) else {
        eprintln!("error: the repository has no commits");
        return Ok(EXIT_DATA);
    };
    let root = Some(crate::source::objects::root_tree(&repo, tip)?);
    let tracks = tracks_at(&repo, root)?;
    let path = match tracks.archived.get(&bug) {
        Some(release) => archive_path(release, bug),
        None => active_path(bug),
    };
    let Some(text) = crate::source::objects::blob_at(&repo, root, &path)? else {
        eprintln!("error: bug {bug} is not tracked");
        return Ok(EXIT_DATA);
    };
    writeln!(out, "# {path}")?;
    out.write_all(&text)?;
    writeln!(out, "\ntimeline:")?;
    let timeline = crate::history::tracks::read(&repo, tip)?;
    for c in timeline.get(&bug).into_iter().flatten() {
        let what = match (c.prod, c.from.is_empty()) {
            (Some(n), _) => format!("prod {n} sent ({})", c.to),
            (None, true) => format!("(added) -> {}", c.to),
            (None, false) => format!("{} -> {}", c.from, c.to),
        };
        writeln!(
            out,
            "  {} {}: {what}  {} {}",
            c.date(),
            c.suite,
            &c.commit[..10],
            c.author
        )?;
    }
    Ok(EXIT_OK)
}
