//! The server side: `pre-receive` checks every ref update and every new commit of a push
//! against the validator and the push policy, and `install` sets the hooks up.

pub mod install;
mod push;
pub mod quarantine;

pub use push::{Problem, Update, check_push, parse_updates};

/// At most this many problems are printed; the rest are counted.
pub const MAX_PRINTED: usize = 50;

/// Writes the refusal the client sees (as `remote:` lines).
pub fn write_problems(problems: &[Problem], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "maintdb: push refused: {}",
        crate::words::count(problems.len(), "problem", "problems")
    )?;
    for p in problems.iter().take(MAX_PRINTED) {
        writeln!(out)?;
        let mut place = vec![p.refname.clone()];
        if let Some(c) = &p.commit {
            place.push(c.to_hex_with_len(10).to_string());
        }
        if let Some(f) = &p.path {
            place.push(f.clone());
        }
        writeln!(out, "{}", place.join(" "))?;
        writeln!(out, "  {}: {}", p.code, p.message)?;
        if let Some(n) = &p.note {
            writeln!(out, "  note: {n}")?;
        }
        writeln!(out, "  help: {}", p.help)?;
    }
    if problems.len() > MAX_PRINTED {
        writeln!(
            out,
            "\n... and {} more problems not shown",
            problems.len() - MAX_PRINTED
        )?;
    }
    Ok(())
}
