//! `maintdb log`: the changelog's events on a terminal.

use std::io::Write;

use super::{Cli, EXIT_OK};
use crate::source::open_repo;

#[derive(clap::Args)]
pub struct Args {
    /// Only events newer than this, relative to the newest commit: `2d`, `12h`, `30m`, `1w`.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    since: Option<i64>,
    /// Only events of this package.
    #[arg(long)]
    package: Option<String>,
    /// Only events naming this login (or `%group`).
    #[arg(long)]
    person: Option<String>,
    #[arg(long, value_enum, default_value = "txt")]
    format: LogFormat,
    /// The revision whose history is shown.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    rev: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Txt,
    Json,
}

/// `2d` → seconds.
fn parse_age(s: &str) -> Result<i64, String> {
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not an age such as 2d, 12h, 30m or 1w"))?;
    let mult = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        "w" => 7 * 86400,
        _ => return Err(format!("`{s}`: the unit is m, h, d or w")),
    };
    Ok(n * mult)
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let repo = open_repo(&cli.location(None).dir)?;
    let tip = repo
        .to_thread_local()
        .rev_parse_single(args.rev.as_str())
        .and_then(|id| id.object())
        .and_then(|o| o.peel_to_kind(gix::object::Kind::Commit))
        .map_err(|source| crate::source::SourceError::Rev {
            rev: args.rev.clone(),
            source,
        })?
        .id;
    let history = crate::history::read(&repo, tip, true)?;
    let newest = history.first().map_or(0, |c| c.time);
    let mut rows = Vec::new();
    for c in &history {
        if args.since.is_some_and(|s| c.time <= newest - s) {
            break;
        }
        for e in &c.events {
            if args.package.as_ref().is_some_and(|p| *p != e.package) {
                continue;
            }
            if args
                .person
                .as_ref()
                .is_some_and(|p| !e.people().contains(&p.as_str()))
            {
                continue;
            }
            rows.push((c, e));
        }
    }
    match args.format {
        LogFormat::Txt => {
            for (c, e) in rows {
                let date = gix::date::Time {
                    seconds: c.time,
                    offset: c.offset,
                }
                .format_or_unix(gix::date::time::format::ISO8601);
                writeln!(
                    out,
                    "{date}  {}  {}  ({})",
                    c.short(),
                    e.sentence(),
                    c.author
                )?;
            }
        }
        LogFormat::Json => {
            let items: Vec<_> = rows
                .into_iter()
                .map(|(c, e)| {
                    serde_json::json!({
                        "commit": c.id, "author": c.author, "email": c.email, "time": c.time,
                        "event": e, "sentence": e.sentence(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)?;
        }
    }
    Ok(EXIT_OK)
}
