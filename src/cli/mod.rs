//! The command line: one module per subcommand, each with its clap `Args` and `run`.
//! This is the edge where errors become messages and exit codes.

mod check;
mod compat;
mod explain;
mod generate;
mod get;
mod group;
mod hook;
mod import;
mod init;
mod log;
mod package;
mod person;
mod render;
mod serve;
mod take;
mod track;
mod who;
mod write;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::source::{GitSource, Source, WorktreeSource, open_repo};

/// Exit code: everything is fine.
pub const EXIT_OK: i32 = 0;
/// Exit code: problems in the data, a refused change, or nothing found.
pub const EXIT_DATA: i32 = 1;
/// Exit code: usage error or failure of the tool itself.
pub const EXIT_TOOL: i32 = 2;

#[derive(Parser)]
#[command(
    name = "maintdb",
    version,
    about = "Package maintainership records kept in git",
    max_term_width = 100
)]
pub struct Cli {
    /// The repository (a clone, or a bare repository with --rev); default: the current directory.
    #[arg(long, global = true, value_name = "DIR")]
    repo: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a new data repository (and with --server the bare repository that receives
    /// pushes).
    Init(init::Args),
    /// Validate every record (the rules: docs/validation.md).
    Check(check::Args),
    /// Print `package:maintainers` lines, for one package or all.
    Get(get::Args),
    /// Print the packages of a person (`nobody`: unmaintained packages; `%group`: a group's).
    Who(who::Args),
    /// Import records from a Debian Sources index or a text list, as one commit.
    Import(import::Args),
    /// Become the maintainer of packages that nobody maintains.
    Take(take::Args),
    /// Stop maintaining packages.
    Drop(take::Args),
    /// Register a new package (setnewpackage); nothing happens if it exists.
    New(package::NewArgs),
    /// Set a package's maintainers (setpackage).
    Set(package::SetArgs),
    /// Remove a package.
    Remove(package::RemoveArgs),
    /// Add or edit people.
    Person(person::Args),
    /// Add groups and change their members.
    Group(group::Args),
    /// Render the lists and pages of one commit and publish them atomically.
    Render(render::Args),
    /// Show who took, dropped, added and removed packages.
    Log(log::Args),
    /// Explain a diagnostic code, or list them all.
    Explain(explain::Args),
    /// Git hooks: the server's pre-receive check, and installing hooks.
    Hook(hook::Args),
    /// Track bugs to fix in stable and oldstable point releases.
    Track(track::Args),
    /// Serve the lists and pages of a branch over HTTP, following its tip.
    Serve(serve::Args),
    /// Mageia's original command line (`CALLER get|set|new`), on the bare repository.
    Compat(compat::Args),
    /// Print the shell completions for bash, zsh or fish.
    Completions(generate::CompletionsArgs),
    /// Write a man page for every subcommand into a directory (for packaging).
    #[command(hide = true)]
    Manpages(generate::ManpagesArgs),
}

/// Where a command reads records: the working tree, or a revision.
pub struct Location {
    pub dir: PathBuf,
    pub rev: Option<String>,
}

impl Location {
    /// Opens the source: the revision if one was given (or the repository is bare), else the
    /// working tree at the top of the clone.
    pub fn source(&self) -> anyhow::Result<Source> {
        let repo = open_repo(&self.dir);
        let rev = match (&self.rev, &repo) {
            (Some(r), _) => Some(r.clone()),
            (None, Ok(r)) if r.work_dir().is_none() => Some("HEAD".to_owned()),
            _ => None,
        };
        Ok(match rev {
            Some(rev) => Source::Git(Box::new(GitSource::at_rev(repo?, &rev)?)),
            None => Source::Worktree(WorktreeSource::new(self.worktree_root())),
        })
    }

    /// The nearest directory at or above `dir` that holds `maintainers/` (as cargo finds
    /// `Cargo.toml`), else `dir` itself so the error names it.
    fn worktree_root(&self) -> PathBuf {
        let abs = std::path::absolute(&self.dir).unwrap_or_else(|_| self.dir.clone());
        abs.ancestors()
            .find(|d| d.join(crate::source::ROOT).is_dir())
            .map_or(self.dir.clone(), ToOwned::to_owned)
    }
}

impl Cli {
    fn location(&self, rev: Option<String>) -> Location {
        Location {
            dir: self.repo.clone().unwrap_or_else(|| PathBuf::from(".")),
            rev,
        }
    }
}

/// Parses the command line, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_TOOL } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(&cli, &mut out, tty).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_TOOL
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Runs a parsed command line.
pub fn run(cli: &Cli, out: &mut dyn Write, tty: bool) -> anyhow::Result<i32> {
    match &cli.command {
        Command::Init(a) => init::run(a, out),
        Command::Check(a) => check::run(cli, a, out, tty),
        Command::Get(a) => get::run(cli, a, out),
        Command::Who(a) => who::run(cli, a, out),
        Command::Import(a) => import::run(cli, a, out),
        Command::Take(a) => take::run(cli, a, false, out),
        Command::Drop(a) => take::run(cli, a, true, out),
        Command::New(a) => package::new(cli, a, out),
        Command::Set(a) => package::set(cli, a, out),
        Command::Remove(a) => package::remove(cli, a, out),
        Command::Person(a) => person::run(cli, a, out),
        Command::Completions(a) => generate::completions(a, out),
        Command::Manpages(a) => generate::manpages(a, out),
        Command::Group(a) => group::run(cli, a, out),
        Command::Render(a) => render::run(cli, a, out),
        Command::Log(a) => log::run(cli, a, out),
        Command::Explain(a) => explain::run(a, out),
        Command::Hook(a) => hook::run(a, out),
        Command::Track(a) => track::run(cli, a, out),
        Command::Serve(a) => serve::run(cli, a, out),
        Command::Compat(a) => compat::run(cli, a, out),
    }
}

/// Read commands answer from valid records; say so when some are not.
fn warn_if_errors(report: &crate::diag::Report) {
    if report.has_errors() {
        eprintln!(
            "warning: the records have {} error(s); answers may be incomplete. Run `maintdb check`.",
            report.errors()
        );
    }
}
