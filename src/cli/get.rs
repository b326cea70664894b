//! `maintdb get`: the `packages.txt` line of one package, or all lines.

use std::io::Write;

use super::{Cli, EXIT_DATA, EXIT_OK};
use crate::load::{self, Record};
use crate::model::Db;
use crate::source::Mode;

#[derive(clap::Args)]
pub struct Args {
    /// The package; without it, every package.
    package: Option<String>,
    /// Read this revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let source = cli.location(args.rev.clone()).source()?;
    let Some(name) = &args.package else {
        let (db, report) = crate::validate::check(&source)?;
        super::warn_if_errors(&report);
        for (name, pkg) in &db.packages {
            writeln!(out, "{}", Db::package_line(name, pkg))?;
        }
        return Ok(EXIT_OK);
    };
    // One package: read just its file.
    let rules = crate::validate::name_rules(&source)?;
    let Ok(pkg) = crate::names::PackageName::parse(name, &rules) else {
        return Ok(EXIT_DATA);
    };
    let path = pkg.record_path();
    let Some(bytes) = source.read_path(&path)? else {
        return Ok(EXIT_DATA);
    };
    let loaded = load::load(
        &path,
        Mode::File,
        crate::source::Content::Bytes(bytes),
        &rules,
    );
    match loaded.record {
        Some(Record::Package(name, p)) if loaded.problems.is_empty() => {
            writeln!(out, "{}", Db::package_line(&name, &p))?;
            Ok(EXIT_OK)
        }
        _ => {
            for p in &loaded.problems {
                eprintln!("{path}: {}: {}", p.code, p.message);
            }
            eprintln!("{path} is not valid; run `maintdb check` for details");
            Ok(EXIT_DATA)
        }
    }
}
