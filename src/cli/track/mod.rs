//! `maintdb track`: the tracker role's commands, one file each. Remote sources are asked
//! before the clone is touched; every change is one commit through the same gate as a push.

use std::io::Write;
use std::path::Path;

use super::{Cli, EXIT_TOOL};
use crate::commit::Writer;
use crate::track::bts;
use crate::track::records::suites_at;
use crate::track::sync::Suite;

mod add;
mod candidates;
mod list;
mod mail;
mod release;
mod sync;

/// Where Debian's services are, unless told otherwise.
const MIRROR: &str = "https://deb.debian.org/debian";
const FTP_MASTER: &str = "https://ftp-master.debian.org";
const SECURITY_TRACKER: &str = "https://security-tracker.debian.org/tracker/data/json";

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Args, Clone)]
struct Remote {
    /// The BTS SOAP endpoint (default: config.toml's bts_url, else Debian's).
    #[arg(long, value_name = "URL")]
    bts: Option<String>,
    /// Give up on a source that sends nothing for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    timeout: u64,
}

#[derive(clap::Subcommand)]
enum What {
    /// Track bugs: the BTS gives the package and the bug's details.
    Add(add::AddArgs),
    /// List point-release candidates from the security tracker: minor issues fixed in sid.
    Candidates(candidates::CandidatesArgs),
    /// Bring every active track up to date with the BTS and the archive, as one commit.
    Sync(sync::SyncArgs),
    /// Mark a suite of a track as not to be fixed.
    Ignore(add::IgnoreArgs),
    /// Set a candidate aside, with the reason: `track candidates` skips it from then on.
    Dismiss(add::DismissArgs),
    /// After a point release: mark what shipped, archive finished tracks, bump suites.toml.
    Release(release::ReleaseArgs),
    /// List tracks: `bug package suite state version` lines.
    List(list::ListArgs),
    /// Print a track and its timeline from git history.
    Show(list::ShowArgs),
    /// Mail the maintainers of bugs fixed in unstable (unarchiving them first), throttled.
    Notify(mail::NotifyArgs),
    /// Remind the maintainers, in the notification's thread.
    Prod(mail::ProdArgs),
    /// What waits for the tracker: mails in doubt, and notified bugs with no progress.
    Todo(mail::TodoArgs),
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    match &args.what {
        What::Add(a) => add::add(&dir, a, out),
        What::Candidates(a) => candidates::candidates(&dir, a, out),
        What::Sync(a) => sync::sync(&dir, a, out),
        What::Ignore(a) => add::ignore(&dir, a, out),
        What::Dismiss(a) => add::dismiss(&dir, a, out),
        What::Release(a) => release::release(&dir, a, out),
        What::List(a) => list::list(cli, a, out),
        What::Show(a) => list::show(cli, a.bug, out),
        What::Notify(a) => mail::notify(&dir, a, out),
        What::Prod(a) => mail::prod(&dir, a, out),
        What::Todo(a) => mail::todo(&dir, a, out),
    }
}

/// The clone's HEAD, read before any change is planned: its suites and settings.
struct Head {
    writer: Writer,
    root: Option<gix::ObjectId>,
    suites: Vec<Suite>,
    config: crate::record::RawConfig,
}

fn head(dir: &Path) -> anyhow::Result<Head> {
    let writer = Writer::open(dir)?;
    super::write::tell_repairs(writer.repairs());
    let root = writer.head().map(|_| writer.base_tree());
    let base = crate::gate::Base::at(writer.repo(), root)?;
    let suites = suites_at(writer.repo(), root, &base.rules)?;
    Ok(Head {
        root,
        suites,
        config: base.config,
        writer,
    })
}

impl Head {
    /// `--bts`, else config.toml's `bts_url`, else Debian's.
    fn bts_url(&self, r: &Remote) -> String {
        pick(&r.bts, &self.config.bts_url, bts::DEFAULT_URL)
    }

    /// `--mirror`, else config.toml's `mirror_url`, else Debian's.
    fn mirror_url(&self, given: &Option<String>) -> String {
        pick(given, &self.config.mirror_url, MIRROR)
    }

    /// `--ftp-master`, else config.toml's `ftp_master_url`, else Debian's.
    fn ftp_master_url(&self, given: &Option<String>) -> String {
        pick(given, &self.config.ftp_master_url, FTP_MASTER)
    }

    /// `--security-tracker`, else config.toml's `security_tracker_url`, else Debian's.
    fn security_tracker_url(&self, given: &Option<String>) -> String {
        pick(given, &self.config.security_tracker_url, SECURITY_TRACKER)
    }
}

/// The command line's value, else config.toml's, else the default: cron lines need no flags.
fn pick(given: &Option<String>, configured: &Option<String>, default: &str) -> String {
    given
        .clone()
        .or_else(|| configured.clone())
        .unwrap_or_else(|| default.to_owned())
}

/// A source failed: say which and why (with the causes), and that nothing was written.
fn fail(e: impl Into<anyhow::Error>) -> anyhow::Result<i32> {
    eprintln!("error: {:#}", e.into());
    eprintln!("nothing was committed; running it again later is safe");
    Ok(EXIT_TOOL)
}
