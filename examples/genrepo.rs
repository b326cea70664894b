//! Generates a synthetic maintainers repository as a `git fast-import` stream, for benchmarks:
//!
//! ```sh
//! cargo run --release --example genrepo -- 100000 10000 500 [COMMITS TOUCH] | git fast-import
//! ```
//!
//! The first commit holds PACKAGES packages, PEOPLE people and GROUPS groups; then COMMITS
//! commits each hand over TOUCH packages, which builds long delta chains.

use std::io::{self, BufWriter, Write};

fn blob(out: &mut impl Write, path: &str, data: &str) -> io::Result<()> {
    writeln!(out, "M 100644 inline {path}\ndata {}\n{data}", data.len())
}

/// Later commits on the same branch continue from its tip: fast-import chains them itself.
fn commit(out: &mut impl Write, n: u64, msg: &str) -> io::Result<()> {
    writeln!(out, "commit refs/heads/main")?;
    writeln!(
        out,
        "author Gen <gen@example.org> {} +0000",
        1_700_000_000 + n * 60
    )?;
    writeln!(
        out,
        "committer Gen <gen@example.org> {} +0000",
        1_700_000_000 + n * 60
    )?;
    writeln!(out, "data {}\n{msg}", msg.len())
}

fn pkg_name(i: u64) -> String {
    const PREFIX: &[&str] = &[
        "lib", "python-", "perl-", "golang-", "r-cran-", "node-", "rust-", "",
    ];
    format!("{}pkg{i}", PREFIX[(i % PREFIX.len() as u64) as usize])
}

fn main() -> io::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let get = |i: usize, d: u64| args.get(i).copied().unwrap_or(d);
    let (packages, people, groups, commits, touch) = (
        get(0, 100_000),
        get(1, 10_000),
        get(2, 500),
        get(3, 0),
        get(4, 100),
    );
    let mut out = BufWriter::new(io::stdout().lock());
    commit(&mut out, 0, "generated")?;
    blob(
        &mut out,
        "maintainers/config.toml",
        "distribution = \"Generated\"\n",
    )?;
    blob(
        &mut out,
        "maintainers/policy.toml",
        "admins = [\"u0\"]\nbuildsystem = [\"buildsystem\"]\n",
    )?;
    for p in 0..people {
        blob(
            &mut out,
            &format!("maintainers/people/u{p}.toml"),
            &format!("name = \"User {p}\"\nemail = \"u{p}@example.org\"\n"),
        )?;
    }
    for g in 0..groups {
        let members: Vec<String> = (0..5)
            .map(|k| format!("\"u{}\"", (g * 7 + k * 13) % people))
            .collect();
        blob(
            &mut out,
            &format!("maintainers/groups/team{g}.toml"),
            &format!(
                "description = \"Team {g}\"\nmembers = [{}]\n",
                members.join(", ")
            ),
        )?;
    }
    // A package is touched again PACKAGES commits later (7919 is prime); `lap` counts those
    // returns so that each one changes the file even when every index below wraps around
    // with the same period (100 packages and 100 people).
    let maint = |i: u64, round: u64| -> String {
        let lap = round / packages;
        match (i + round + lap) % 10 {
            0 => String::new(),
            1 | 2 => format!(
                "\"%team{}\", \"u{}\"",
                (i + round) % groups,
                (i * 31 + round + lap) % people
            ),
            3 => format!(
                "\"u{}\", \"u{}\"",
                (i + round + lap) % people,
                (i * 17 + 1 + round) % people
            ),
            _ => format!("\"u{}\"", (i * 7 + round + lap) % people),
        }
    };
    let path = |name: &str| format!("maintainers/packages/{}/{name}.toml", &name[..1]);
    for i in 0..packages {
        let name = pkg_name(i);
        blob(
            &mut out,
            &path(&name),
            &format!("maintainers = [{}]\n", maint(i, 0)),
        )?;
    }
    for c in 1..=commits {
        commit(&mut out, c, &format!("hand over {touch} packages"))?;
        for k in 0..touch {
            let i = (c * 7919 + k * 104_729) % packages;
            let name = pkg_name(i);
            blob(
                &mut out,
                &path(&name),
                &format!("maintainers = [{}]\n", maint(i, c)),
            )?;
        }
    }
    out.flush()
}
