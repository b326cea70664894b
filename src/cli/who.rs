//! `maintdb who`: the packages a person (or group, or nobody) maintains directly.

use std::io::Write;

use super::{Cli, EXIT_DATA, EXIT_OK};
use crate::names::{Maintainer, NOBODY};

#[derive(clap::Args)]
pub struct Args {
    /// A login, `%group`, or `nobody`.
    login: String,
    /// Read this revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let source = cli.location(args.rev.clone()).source()?;
    let (db, report) = crate::validate::check(&source)?;
    super::warn_if_errors(&report);
    let want = if args.login == NOBODY {
        None
    } else {
        match Maintainer::parse(&args.login, &db.rules) {
            Ok(m) => Some(m),
            Err(_) => return Ok(EXIT_DATA),
        }
    };
    let mut found = false;
    for (name, pkg) in &db.packages {
        let hit = match &want {
            None => pkg.maintainers.is_empty(),
            Some(m) => pkg.maintainers.contains(m),
        };
        if hit {
            writeln!(out, "{name}:{}", args.login)?;
            found = true;
        }
    }
    Ok(if found { EXIT_OK } else { EXIT_DATA })
}
