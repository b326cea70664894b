//! `maintdb explain`: what a diagnostic code means and how to fix it.

use std::io::Write;

use super::{EXIT_DATA, EXIT_OK};
use crate::diag::Code;

#[derive(clap::Args)]
pub struct Args {
    /// The code, e.g. `unknown-maintainer`; without it, every code as a Markdown table.
    code: Option<String>,
}

/// The Markdown list of every code, as shipped in docs/diagnostics.md.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Diagnostic codes\n\nEvery problem `maintdb check` reports has one of these stable codes.\n\
         `maintdb explain CODE` prints the same text.\n\n| code | severity | cause | fix |\n|---|---|---|---|\n",
    );
    for c in Code::ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.as_str(),
            c.severity().as_str(),
            c.cause().replace('|', "\\|"),
            c.fix().replace('|', "\\|")
        ));
    }
    s
}

pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    match &args.code {
        None => {
            out.write_all(markdown().as_bytes())?;
            Ok(EXIT_OK)
        }
        Some(name) => match Code::from_name(name) {
            Some(c) => {
                writeln!(
                    out,
                    "{} ({})\ncause: {}\nfix: {}",
                    c.as_str(),
                    c.severity().as_str(),
                    c.cause(),
                    c.fix()
                )?;
                Ok(EXIT_OK)
            }
            None => {
                eprintln!("unknown code `{name}`; run `maintdb explain` for the list");
                Ok(EXIT_DATA)
            }
        },
    }
}
