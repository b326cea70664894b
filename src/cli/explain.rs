//! `maintdb explain`: what a code means and how to fix it, for every code a user can see.

use std::io::Write;

use super::{EXIT_DATA, EXIT_OK};
use crate::diag::UserCode;

#[derive(clap::Args)]
pub struct Args {
    /// The code, e.g. `unknown-maintainer`; without it, every code as Markdown.
    code: Option<String>,
}

/// A section of docs/diagnostics.md: a heading, what it covers, and which codes it holds.
type Section = (&'static str, &'static str, fn(UserCode) -> bool);

const SECTIONS: &[Section] = &[
    (
        "Validation",
        "Every problem `maintdb check` reports (and the hook refuses a commit for).",
        |c| matches!(c, UserCode::Code(_)),
    ),
    (
        "Push policy",
        "Who may change what: the hook's, the writing commands' and the admin API's refusals (see policy.md).",
        |c| matches!(c, UserCode::Rule(_)),
    ),
    (
        "Commands",
        "What the writing and tracking commands refuse beside the two above.",
        |c| matches!(c, UserCode::OpCode(_)),
    ),
    (
        "Admin API",
        "The `code` of an `{\"error\": ...}` answer of `maintdb serve`, beside the two first families.",
        |c| matches!(c, UserCode::ApiCode(_)),
    ),
];

/// The Markdown list of every code, as shipped in docs/diagnostics.md.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Codes\n\nEvery code maintdb prints, by where it comes from. \
         `maintdb explain CODE` prints the same text.\n",
    );
    for (title, what, family) in SECTIONS {
        s.push_str(&format!(
            "\n## {title}\n\n{what}\n\n| code | kind | cause | fix |\n|---|---|---|---|\n"
        ));
        for c in UserCode::all().filter(|c| family(*c)) {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.as_str(),
                c.family(),
                c.cause().replace('|', "\\|"),
                c.fix().replace('|', "\\|")
            ));
        }
    }
    s
}

pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    match &args.code {
        None => {
            out.write_all(markdown().as_bytes())?;
            Ok(EXIT_OK)
        }
        Some(name) => match UserCode::from_name(name) {
            Some(c) => {
                writeln!(
                    out,
                    "{} ({})\ncause: {}\nfix: {}",
                    c.as_str(),
                    c.family(),
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
