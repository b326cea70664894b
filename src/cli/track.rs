//! `maintdb track`: the tracker role's commands. Remote sources are asked before the clone is
//! touched; every change is one commit through the same gate as a push.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::write::{Opts, run_op};
use super::{Cli, EXIT_DATA, EXIT_OK, EXIT_TOOL};
use crate::commit::Writer;
use crate::edit::Plan;
use crate::gate::Finding;
use crate::track::bts::{self, Bts};
use crate::track::ops::{self, NewTrack, SyncReport};
use crate::track::records::{suites_at, tracks_at};
use crate::track::sync::Suite;
use crate::track::world::{self, Endpoints};

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
    Add {
        #[arg(required = true, value_name = "BUG")]
        bugs: Vec<u64>,
        /// The suites to follow (default: every suite in suites.toml).
        #[arg(long = "suite", value_name = "SUITE")]
        suites: Vec<String>,
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        opts: Opts,
    },
    /// List point-release candidates from the security tracker: minor issues fixed in sid.
    Candidates {
        /// The security tracker's JSON, a file or URL.
        #[arg(long, value_name = "URL|FILE", default_value = SECURITY_TRACKER)]
        security_tracker: String,
        /// Track them.
        #[arg(long)]
        add: bool,
        #[arg(long, value_name = "SECS", default_value_t = 120)]
        timeout: u64,
        #[command(flatten)]
        opts: Opts,
    },
    /// Bring every active track up to date with the BTS and the archive, as one commit.
    Sync {
        #[command(flatten)]
        remote: Remote,
        /// A Debian mirror, holding dists/.
        #[arg(long, value_name = "URL", default_value = MIRROR)]
        mirror: String,
        /// The archive's master, serving new.822.
        #[arg(long, value_name = "URL", default_value = FTP_MASTER)]
        ftp_master: String,
        /// Print the transitions, and commit nothing.
        #[arg(long, conflicts_with = "push")]
        dry_run: bool,
        #[command(flatten)]
        opts: Opts,
    },
    /// Mark a suite of a track as not to be fixed.
    Ignore {
        bug: u64,
        #[arg(long)]
        suite: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        opts: Opts,
    },
    /// After a point release: mark what shipped, archive finished tracks, bump suites.toml.
    Release {
        suite: String,
        /// The point release (default: the one after suites.toml's).
        #[arg(long, value_name = "X.Y")]
        version: Option<String>,
        #[arg(long, value_name = "URL", default_value = MIRROR)]
        mirror: String,
        #[arg(long, value_name = "SECS", default_value_t = 60)]
        timeout: u64,
        #[command(flatten)]
        opts: Opts,
    },
    /// List tracks: `bug package suite state version` lines.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        suite: Option<String>,
        #[arg(long, value_enum, default_value = "txt")]
        format: super::log::LogFormat,
    },
    /// Print a track and its timeline from git history.
    Show { bug: u64 },
    /// Mail the maintainers of bugs fixed in unstable (unarchiving them first), throttled.
    Notify(super::track_mail::NotifyArgs),
    /// Remind the maintainers, in the notification's thread.
    Prod(super::track_mail::ProdArgs),
    /// What waits for the tracker: mails in doubt, and notified bugs with no progress.
    Todo(super::track_mail::TodoArgs),
}

/// The clone's HEAD, read before any change is planned: its suites and settings.
struct Head {
    writer: Writer,
    root: Option<gix::ObjectId>,
    suites: Vec<Suite>,
    bts_url: Option<String>,
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
        bts_url: base.config.bts_url.clone(),
        writer,
    })
}

impl Head {
    /// `--bts`, else config.toml's `bts_url`, else Debian's.
    fn bts_url(&self, r: &Remote) -> String {
        r.bts
            .clone()
            .or_else(|| self.bts_url.clone())
            .unwrap_or_else(|| bts::DEFAULT_URL.to_owned())
    }
}

/// A source failed: say which and why (with the causes), and that nothing was written.
fn fail(e: impl Into<anyhow::Error>) -> anyhow::Result<i32> {
    eprintln!("error: {:#}", e.into());
    eprintln!("nothing was committed; running it again later is safe");
    Ok(EXIT_TOOL)
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    match &args.what {
        What::Add {
            bugs,
            suites,
            remote,
            opts,
        } => {
            let bts = Bts::new(
                &head(&dir)?.bts_url(remote),
                Duration::from_secs(remote.timeout),
            )?;
            let statuses = match bts.get_status(bugs) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            if let Some(unknown) = bugs.iter().find(|b| !statuses.contains_key(b)) {
                super::write::write_findings(
                    &[Finding {
                        path: None,
                        code: crate::diag::OpCode::UnknownBug.into(),
                        message: format!("the BTS does not know bug {unknown}"),
                        help: "check the number; nothing was tracked".into(),
                        note: None,
                    }],
                    &mut std::io::stderr(),
                )?;
                eprintln!("nothing was committed");
                return Ok(EXIT_DATA);
            }
            run_op(
                &dir,
                opts,
                |s| {
                    let suites = if suites.is_empty() {
                        ops::default_suites(s)?
                    } else {
                        suites.clone()
                    };
                    let new: Vec<NewTrack> = bugs
                        .iter()
                        .map(|b| NewTrack::from_status(&statuses[b], suites.clone()))
                        .collect();
                    ops::add(s, &new, false)
                },
                out,
            )
        }
        What::Candidates {
            security_tracker,
            add,
            timeout,
            opts,
        } => candidates(&dir, security_tracker, *add, *timeout, opts, out),
        What::Sync {
            remote,
            mirror,
            ftp_master,
            dry_run,
            opts,
        } => {
            let h = head(&dir)?;
            let bugs: BTreeSet<u64> = tracks_at(h.writer.repo(), h.root)?
                .active
                .keys()
                .copied()
                .collect();
            let at = Endpoints {
                bts: h.bts_url(remote),
                mirror: mirror.clone(),
                queue: format!("{}/new.822", ftp_master.trim_end_matches('/')),
                timeout: Duration::from_secs(remote.timeout),
            };
            let world = match world::gather(&bugs, &h.suites, &at) {
                Ok(w) => w,
                Err(e) => return fail(e),
            };
            let report = std::cell::RefCell::new(SyncReport::default());
            let code = if *dry_run {
                // Planned as a real run (the same gate), then nothing is committed.
                let outcome = crate::edit::run(&dir, opts.as_.as_deref(), |s| {
                    ops::sync(s, &world, &mut report.borrow_mut())
                        .map(|_| Plan::Unchanged("dry run, nothing committed".into()))
                })?;
                for t in &report.borrow().transitions {
                    writeln!(out, "{t}")?;
                }
                super::write::tell(
                    outcome,
                    crate::edit::push::Pushed::Nothing,
                    out,
                    |_, _, _| Ok(()),
                    |out, why| writeln!(out, "{why}"),
                )?
            } else {
                run_op(
                    &dir,
                    opts,
                    |s| ops::sync(s, &world, &mut report.borrow_mut()),
                    out,
                )?
            };
            for w in &report.borrow().warnings {
                eprintln!("warning: {w}");
            }
            Ok(code)
        }
        What::Ignore {
            bug,
            suite,
            reason,
            opts,
        } => run_op(&dir, opts, |s| ops::ignore(s, *bug, suite, reason), out),
        What::Release {
            suite,
            version,
            mirror,
            timeout,
            opts,
        } => {
            let Some(s) = head(&dir)?.suites.into_iter().find(|s| &s.name == suite) else {
                eprintln!("error: suite `{suite}` is not defined in suites.toml");
                return Ok(EXIT_TOOL);
            };
            let release = match version {
                Some(v) if crate::record::is_point_release(v) => v.clone(),
                Some(v) => {
                    eprintln!("error: `{v}` is not a point release X.Y");
                    return Ok(EXIT_TOOL);
                }
                None => match crate::record::next_point_release(&s.version) {
                    Some(v) => v,
                    None => {
                        eprintln!(
                            "error: suites.toml's {suite} version `{}` is not X.Y",
                            s.version
                        );
                        return Ok(EXIT_TOOL);
                    }
                },
            };
            let shipped =
                match world::suite_versions(mirror, &s.codename, Duration::from_secs(*timeout)) {
                    Ok(v) => v,
                    Err(e) => return fail(e),
                };
            run_op(
                &dir,
                opts,
                |x| ops::release(x, suite, &release, &shipped),
                out,
            )
        }
        What::List {
            state,
            suite,
            format,
        } => super::track_list::list(cli, state.as_deref(), suite.as_deref(), *format, out),
        What::Show { bug } => super::track_list::show(cli, *bug, out),
        What::Notify(a) => super::track_mail::notify(&dir, a, out),
        What::Prod(a) => super::track_mail::prod(&dir, a, out),
        What::Todo(a) => super::track_mail::todo(&dir, a, out),
    }
}

fn candidates(
    dir: &Path,
    source: &str,
    add: bool,
    timeout: u64,
    opts: &Opts,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let h = head(dir)?;
    let suites: Vec<(String, String)> = h
        .suites
        .iter()
        .map(|s| (s.name.clone(), s.codename.clone()))
        .collect();
    let tracked = ops::tracked(h.writer.repo(), h.root)?;
    let fetch_opts = crate::fetch::Options {
        connect_timeout: Duration::from_secs(timeout),
        read_timeout: Duration::from_secs(timeout),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let input = crate::fetch::Input::parse(source);
    let json = match crate::fetch::read(&input, &fetch_opts) {
        Ok((_, bytes)) => bytes,
        Err(e) => return fail(e),
    };
    let criteria = crate::track::security::Criteria {
        suites: &suites,
        tracked: &tracked,
    };
    let found = match crate::track::security::candidates(&json, &criteria) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                anyhow::Error::new(e).context(format!("{input}: not the security tracker's JSON")),
            );
        }
    };
    for c in &found {
        let cves: Vec<&str> = c.cves.iter().map(String::as_str).collect();
        writeln!(
            out,
            "{} {} {} {}",
            c.bug,
            c.package,
            c.suites.join(","),
            cves.join(",")
        )?;
    }
    if !add || found.is_empty() {
        return Ok(EXIT_OK);
    }
    let new: Vec<NewTrack> = found.iter().map(NewTrack::from_candidate).collect();
    run_op(dir, opts, |s| ops::add(s, &new, true), out)
}
