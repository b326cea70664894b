//! `maintdb check`: validate every record and print the report.

use std::io::Write;

use super::{Cli, EXIT_DATA, EXIT_OK};
use crate::diag::{Format, write_report};

#[derive(clap::Args)]
pub struct Args {
    /// Check this revision (read from git objects) instead of the working tree.
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
    /// Output format; default: rich on a terminal, short otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write, tty: bool) -> anyhow::Result<i32> {
    let source = cli.location(args.rev.clone()).source()?;
    let (db, report) = crate::validate::check(&source)?;
    // The process ends after the report: freeing a hundred thousand records one by one
    // would only delay it.
    std::mem::forget(db);
    let format = args
        .format
        .unwrap_or(if tty { Format::Rich } else { Format::Short });
    write_report(&report, format, tty, out)?;
    let code = if report.has_errors() {
        EXIT_DATA
    } else {
        EXIT_OK
    };
    std::mem::forget(report);
    Ok(code)
}
