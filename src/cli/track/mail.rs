//! `maintdb track notify`, `track prod` and `track todo`: the tracker's mail, sent at most
//! once (see `crate::track::notify` for the order that guarantees it).

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::write::{Opts, settle, tell};
use crate::cli::{EXIT_DATA, EXIT_OK};
use crate::edit::Outcome;
use crate::edit::push::Pushed;
use crate::record::Intent;
use crate::track::mail::compose::Composed;
use crate::track::mail::transport::{Fate, Transport};
use crate::track::mail::{clock, suites_text};
use crate::track::notify::{self, Report, Settings, journal};
use crate::track::records::tracks_at;

#[derive(clap::Args, Clone)]
pub struct Via {
    /// Send through this SMTP server (`smtp://host:port`, `smtps://host:port`).
    #[arg(long, value_name = "URL", group = "via")]
    smtp: Option<String>,
    /// Send with the local `sendmail`.
    #[arg(long, group = "via")]
    sendmail: bool,
    /// Write the mails into this Maildir instead of sending them.
    #[arg(long, value_name = "DIR", group = "via")]
    outbox: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct NotifyArgs {
    /// Print the mails that are due, and send and commit nothing.
    #[arg(long, conflicts_with = "push")]
    dry_run: bool,
    /// Send again the mail in doubt of this bug (with --suite; without, its unarchive request).
    #[arg(long, value_name = "BUG", conflicts_with = "mark_sent")]
    resend: Option<u64>,
    /// Record the mail in doubt of this bug as sent, without sending it.
    #[arg(long, value_name = "BUG")]
    mark_sent: Option<u64>,
    /// The suite of the mail in doubt.
    #[arg(long)]
    suite: Option<String>,
    #[command(flatten)]
    via: Via,
    #[command(flatten)]
    opts: Opts,
}

#[derive(clap::Args)]
pub struct ProdArgs {
    #[arg(required_unless_present = "due")]
    bug: Option<u64>,
    /// Prod every track whose prod is due (notified, no progress, the prod interval since
    /// the last mail), as many as the throttle allows; the rest wait for the next run.
    #[arg(long, conflicts_with_all = ["bug", "suite", "force"])]
    due: bool,
    #[arg(long)]
    suite: Option<String>,
    /// A sentence for the maintainers, added to the reminder.
    #[arg(long)]
    note: Option<String>,
    /// Prod even within the interval since the last mail.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    via: Via,
    #[command(flatten)]
    opts: Opts,
}

#[derive(clap::Args)]
pub struct TodoArgs {
    /// Tracks whose last mail is older than this many days (default: the prod interval).
    #[arg(long)]
    days: Option<u32>,
}

/// The settings of HEAD's `[mail]`, and now.
fn settings(dir: &Path) -> anyhow::Result<Settings> {
    let w = crate::commit::Writer::open(dir)?;
    crate::cli::write::tell_repairs(w.repairs());
    let root = w.head().map(|_| w.base_tree());
    let base = crate::gate::Base::at(w.repo(), root)?;
    let Some(mail) = base.config.mail.clone() else {
        anyhow::bail!(
            "maintainers/config.toml has no [mail] table; add one with at least `from` (see docs/tracking.md)"
        );
    };
    Ok(Settings {
        mail,
        base_url: base.config.base_url.clone().unwrap_or_default(),
        now: clock::now()?,
    })
}

fn transport(via: &Via, set: &Settings) -> Transport {
    if let Some(dir) = &via.outbox {
        Transport::Outbox(dir.clone())
    } else if via.sendmail {
        Transport::Sendmail
    } else {
        Transport::Smtp(via.smtp.clone().unwrap_or_else(|| set.mail.smtp.clone()))
    }
}

/// Sends the mails `plan` chooses, at most once each: under the clone's mail lock, a journal
/// left by a killed run is recorded first; then the mails are written to the journal, sent, and
/// their fates recorded in one commit (pushed with `--push`, after catching up with the
/// server so that what another clone sent counts).
fn send_planned(
    dir: &Path,
    opts: &Opts,
    set: &Settings,
    via: &Transport,
    nothing: &str,
    plan: impl Fn(&crate::edit::Session, &mut Vec<Composed>) -> Result<(), crate::gate::Stop>,
    out: &mut dyn Write,
) -> anyhow::Result<(i32, Vec<(Composed, Fate)>)> {
    let run = journal::Run::begin(crate::commit::Writer::open(dir)?.repo())?;
    if opts.push {
        crate::edit::push::catch_up(dir)?;
    }
    let code = record_left(dir, opts, set, &run, out)?;
    if code != EXIT_OK {
        return Ok((code, Vec::new()));
    }
    let chosen = RefCell::new(Vec::new());
    let base = std::cell::Cell::new(None);
    let outcome = crate::edit::run(dir, opts.as_.as_deref(), |s| {
        plan(s, &mut chosen.borrow_mut())?;
        base.set(s.writer.head());
        Ok(crate::edit::Plan::Unchanged(nothing.to_owned()))
    })?;
    let mails = chosen.into_inner();
    if mails.is_empty() || !matches!(outcome, Outcome::Unchanged(_)) {
        let code = tell(
            outcome,
            Pushed::Nothing,
            out,
            |_, _, _| Ok(()),
            |out, why| writeln!(out, "{why}"),
        )?;
        return Ok((code, Vec::new()));
    }
    let mut j = journal::Journal {
        base: base.get().map(|b| b.to_string()).unwrap_or_default(),
        mails: mails
            .iter()
            .map(|m| journal::Entry::new(m.bug, &notify::intent(m, set.now)))
            .collect(),
    };
    run.write(&j)?;
    let mut results = Vec::new();
    for (n, m) in mails.into_iter().enumerate() {
        let fate = via.send(&m);
        j.mails[n].answered(&fate);
        run.write(&j)?;
        results.push((m, fate));
    }
    let fates: Vec<(u64, Intent, Fate)> = results
        .iter()
        .map(|(m, f)| (m.bug, notify::intent(m, set.now), f.clone()))
        .collect();
    let (code, landed) = record(dir, opts, set, &fates, out)?;
    if landed {
        run.clear()?;
    }
    Ok((code, results))
}

/// Records the journal a killed run left, if any: what it sent, and what it may have sent (in
/// doubt); then removes it. Mails a commit after its base already names were recorded before
/// the kill.
fn record_left(
    dir: &Path,
    opts: &Opts,
    set: &Settings,
    run: &journal::Run,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Some(left) = run.left()? else {
        return Ok(EXIT_OK);
    };
    let w = crate::commit::Writer::open(dir)?;
    let ids: Vec<&str> = left.mails.iter().map(|e| e.msgid.as_str()).collect();
    let done = journal::recorded(w.repo(), w.head(), &left.base, &ids)?;
    let fates: Vec<(u64, Intent, Fate)> = left
        .mails
        .iter()
        .filter(|e| !done.contains(&e.msgid))
        .map(|e| (e.bug, e.intent(), e.fate()))
        .collect();
    if fates.is_empty() {
        run.clear()?;
        return Ok(EXIT_OK);
    }
    writeln!(
        out,
        "recording the mails of an interrupted run first ({}):",
        crate::words::count(fates.len(), "mail", "mails")
    )?;
    let (code, landed) = record(dir, opts, set, &fates, out)?;
    if !landed {
        return Ok(code.max(EXIT_DATA));
    }
    run.clear()?;
    Ok(EXIT_OK)
}

/// Commits the fates; whether the commit landed (and was pushed, with `--push`).
fn record(
    dir: &Path,
    opts: &Opts,
    set: &Settings,
    fates: &[(u64, Intent, Fate)],
    out: &mut dyn Write,
) -> anyhow::Result<(i32, bool)> {
    let (outcome, pushed) = settle(dir, opts.push, || {
        Ok(crate::edit::run(dir, opts.as_.as_deref(), |s| {
            notify::record(s, fates, set.now)
        })?)
    })?;
    let landed = match &outcome {
        Outcome::Committed { .. } => !matches!(pushed, Pushed::Refused(_)),
        Outcome::Unchanged(_) => true,
        Outcome::Refused(_) => false,
    };
    let code = tell(
        outcome,
        pushed,
        out,
        |out, _, message| {
            let body: Vec<&str> = message.lines().skip(2).collect();
            for l in body {
                writeln!(out, "{l}")?;
            }
            Ok(())
        },
        |_, _| Ok(()),
    )?;
    Ok((code, landed))
}

fn summary(
    results: &[(Composed, Fate)],
    report: &Report,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    let count = |f: fn(&Fate) -> bool| results.iter().filter(|(_, x)| f(x)).count();
    let sent = count(|f| *f == Fate::Sent);
    let refused = count(|f| matches!(f, Fate::Refused(_)));
    let unknown = count(|f| matches!(f, Fate::Unknown(_)));
    let mut line = format!("sent {sent}, deferred {}", report.deferred);
    if refused > 0 {
        line.push_str(&format!(", refused {refused} (tried again next run)"));
    }
    if unknown + report.in_doubt.len() > 0 {
        line.push_str(&format!(
            ", in doubt {} (see maintdb track todo)",
            unknown + report.in_doubt.len()
        ));
    }
    writeln!(out, "{line}")?;
    // A mail in doubt waits for a person: said in one line each, and not an error of the run.
    for (m, fate) in results {
        if let Fate::Unknown(why) = fate {
            writeln!(
                out,
                "in doubt: bug {} {} {} {}: {why}; see maintdb track todo",
                m.bug,
                m.suites_text(),
                m.step.name(),
                m.msgid
            )?;
        }
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    // The mail server refused (or could not be reached): the run failed to do its work.
    Ok(if refused > 0 { EXIT_DATA } else { EXIT_OK })
}

pub fn notify(dir: &Path, a: &NotifyArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    // A missing [mail] is a usage error: exit 2 with the message, as every tool failure.
    let set = settings(dir)?;
    let via = transport(&a.via, &set);
    if let Some(bug) = a.resend.or(a.mark_sent) {
        return settle_in_doubt(dir, a, bug, &set, &via, out);
    }
    let report = RefCell::new(Report::default());
    if a.dry_run {
        let mails = RefCell::new(Vec::new());
        crate::edit::run(dir, a.opts.as_.as_deref(), |s| {
            notify::notify_intents(s, &set, &mut mails.borrow_mut(), &mut report.borrow_mut())?;
            Ok(crate::edit::Plan::Unchanged(String::new()))
        })?;
        for m in mails.borrow().iter() {
            writeln!(
                out,
                "{} {} to {} cc {}: {}",
                m.step.name(),
                m.msgid,
                m.to,
                m.cc.join(", "),
                m.subject
            )?;
        }
        writeln!(
            out,
            "dry run: {} due, {} deferred; nothing sent",
            mails.borrow().len(),
            report.borrow().deferred
        )?;
        return Ok(EXIT_OK);
    }
    let (code, results) = send_planned(
        dir,
        &a.opts,
        &set,
        &via,
        "no mail is due",
        |s, chosen| notify::notify_intents(s, &set, chosen, &mut report.borrow_mut()),
        out,
    )?;
    let report = report.into_inner();
    let summary_code = summary(&results, &report, out)?;
    Ok(code.max(summary_code))
}

/// `--resend BUG` or `--mark-sent BUG`: settles a mail in doubt, under the mail lock.
fn settle_in_doubt(
    dir: &Path,
    a: &NotifyArgs,
    bug: u64,
    set: &Settings,
    via: &Transport,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let run = journal::Run::begin(crate::commit::Writer::open(dir)?.repo())?;
    let code = record_left(dir, &a.opts, set, &run, out)?;
    if code != EXIT_OK {
        return Ok(code);
    }
    let resend = a.resend.is_some();
    let chosen = RefCell::new(None);
    let outcome = crate::edit::run(dir, a.opts.as_.as_deref(), |s| {
        *chosen.borrow_mut() = Some(notify::in_doubt(s, set, bug, a.suite.as_deref())?);
        Ok(crate::edit::Plan::Unchanged(String::new()))
    })?;
    let Some(mail) = chosen.into_inner() else {
        return tell(
            outcome,
            Pushed::Nothing,
            out,
            |_, _, _| Ok(()),
            |_, _| Ok(()),
        );
    };
    let fate = if resend { via.send(&mail) } else { Fate::Sent };
    let said = format!(
        "bug {} {} {} {}",
        mail.bug,
        mail.suites_text(),
        mail.step.name(),
        mail.msgid
    );
    let fates = [(mail.bug, notify::intent(&mail, set.now), fate.clone())];
    let (code, landed) = record(dir, &a.opts, set, &fates, out)?;
    if !landed {
        // Not recorded (refused, or the push was): the mail stays in doubt; say nothing else.
        return Ok(code.max(EXIT_DATA));
    }
    if !resend {
        writeln!(out, "marked as sent, without sending it again: {said}")?;
        return Ok(EXIT_OK);
    }
    Ok(summary(&[(mail, fate)], &Report::default(), out)?)
}

pub fn prod(dir: &Path, a: &ProdArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    // A missing [mail] is a usage error: exit 2 with the message, as every tool failure.
    let set = settings(dir)?;
    let via = transport(&a.via, &set);
    let note = a.note.clone().unwrap_or_default();
    let report = RefCell::new(Report::default());
    let (code, results) = match a.bug {
        Some(bug) if !a.due => send_planned(
            dir,
            &a.opts,
            &set,
            &via,
            "no prod is due",
            |s, chosen| {
                notify::prod_intent(s, &set, bug, a.suite.as_deref(), &note, a.force, chosen)
            },
            out,
        )?,
        _ => send_planned(
            dir,
            &a.opts,
            &set,
            &via,
            "no prod is due",
            |s, chosen| notify::due_prod_intents(s, &set, &note, chosen, &mut report.borrow_mut()),
            out,
        )?,
    };
    if results.is_empty() {
        return Ok(code);
    }
    Ok(code.max(summary(&results, &report.borrow(), out)?))
}

pub fn todo(dir: &Path, a: &TodoArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let w = crate::commit::Writer::open(dir)?;
    crate::cli::write::tell_repairs(w.repairs());
    let root = w.head().map(|_| w.base_tree());
    let base = crate::gate::Base::at(w.repo(), root)?;
    let now = clock::now()?;
    let days = a
        .days
        .or(base.config.mail.as_ref().map(|m| m.prod_interval_days))
        .unwrap_or(14);
    let tracks = tracks_at(w.repo(), root)?.active;
    let mut doubt = Vec::new();
    let mut waiting = Vec::new();
    let mut unnotified = Vec::new();
    let mut stalled = Vec::new();
    // A killed run's journal, not recorded yet: its unanswered mails are in doubt too.
    let left = journal::peek(w.repo())?
        .map(|j| j.mails)
        .unwrap_or_default();
    let pending = left
        .iter()
        .filter(|e| e.fate.is_none())
        .map(|e| (e.bug, e.intent()));
    let held = tracks
        .iter()
        .flat_map(|(bug, t)| t.outbox.iter().map(|i| (*bug, i.clone())));
    for (bug, i) in held.chain(pending) {
        let suite = i
            .suites
            .first()
            .map(|s| format!(" --suite {s}"))
            .unwrap_or_default();
        doubt.push(format!(
            "{bug} {} {} {} since {}: maintdb track notify --resend {bug}{suite}, or --mark-sent {bug}{suite} if it went out",
            suites_text(&i.suites),
            i.step,
            i.msgid,
            i.since
        ));
    }
    for (bug, t) in &tracks {
        for (suite, p) in t.progress() {
            if p.state() == "requested" && p.notify_msgid.is_none() {
                let request = p
                    .pu_bug
                    .as_ref()
                    .map(|b| format!(" (#{})", b.get_ref()))
                    .unwrap_or_default();
                unnotified.push(format!(
                    "{bug} {} {suite}: requested{request} but its maintainers were never \
                     notified, so it cannot be prodded: look at the request",
                    t.package.get_ref()
                ));
            }
            if let (Some(since), Some(pu)) = (
                p.moreinfo_since.as_ref().and_then(clock::seconds),
                p.pu_bug.as_ref(),
            ) && matches!(p.state(), "requested" | "notified" | "fixed-unstable")
            {
                stalled.push(format!(
                    "{bug} {} {suite}: request #{} tagged moreinfo for {}: the release team \
                     waits for the maintainers' answer",
                    t.package.get_ref(),
                    pu.get_ref(),
                    crate::words::count((now - since).max(0) / 86_400, "day", "days"),
                ));
            }
            if p.state() != "notified" {
                continue;
            }
            if let Some(last) = notify::last_mail(p).filter(|l| now - l > i64::from(days) * 86_400)
            {
                waiting.push(format!(
                    "{bug} {} {suite}: last mail {} days ago, no progress: maintdb track prod {bug} --suite {suite}",
                    t.package.get_ref(),
                    (now - last) / 86_400
                ));
            }
        }
    }
    if !doubt.is_empty() {
        writeln!(out, "mails in doubt (they may or may not have gone out):")?;
        for l in &doubt {
            writeln!(out, "  {l}")?;
        }
    }
    if !waiting.is_empty() {
        writeln!(out, "waiting more than {days} days:")?;
        for l in &waiting {
            writeln!(out, "  {l}")?;
        }
        writeln!(
            out,
            "`maintdb track prod --due` prods every one of them that is due, throttled"
        )?;
    }
    for (title, lines) in [
        ("requests without a notification:", &unnotified),
        ("requests waiting for an answer:", &stalled),
    ] {
        if !lines.is_empty() {
            writeln!(out, "{title}")?;
            for l in lines {
                writeln!(out, "  {l}")?;
            }
        }
    }
    if doubt.is_empty() && waiting.is_empty() && unnotified.is_empty() && stalled.is_empty() {
        writeln!(out, "nothing to do")?;
    }
    Ok(EXIT_OK)
}
