//! Mail that goes out at most once. A run (1) records its intent to send each mail in the
//! track's `outbox` and commits that (pushed with `--push`, so two trackers on two clones
//! cannot both claim a mail), (2) sends, and (3) records each fate: a sent mail moves the
//! track on and leaves the outbox; a mail refused for certain leaves the outbox, so the next
//! run tries again; a mail whose fate is unknown stays, and no run sends it again by itself:
//! `track todo` lists it for a person to resend or mark as sent.

use crate::diag::OpCode;
use std::collections::BTreeMap;

use crate::edit::{Plan, Session};
use crate::gate::{Finding, Stop};
use crate::load::Record;
use crate::load::record_at;
use crate::names::{Maintainer, PackageName};
use crate::record::{Intent, RawMail, RawTrack, SuiteProgress};
use crate::source::objects::blob_at;

use super::mail::clock::{datetime, seconds};
use super::mail::compose::{Composed, clean_msgid, mailbox_text};
use super::mail::template::{self, Vars};
use super::mail::transport::Fate;
use super::mail::{Step, throttle};
use super::records::{active_path, suites_at, to_text, tracks_at};
use super::sync::Suite;

/// What every mail of a run needs to know.
pub struct Settings {
    pub mail: RawMail,
    /// Where the pages are published (links in the mails).
    pub base_url: String,
    pub now: i64,
}

impl Settings {
    /// The domain of the `from` address, for Message-IDs.
    fn domain(&self) -> &str {
        self.mail
            .from
            .rsplit('@')
            .next()
            .map(|d| d.trim_end_matches('>').trim())
            .filter(|d| !d.is_empty())
            .unwrap_or("maintdb.invalid")
    }

    fn sender_name(&self) -> String {
        self.mail
            .from
            .split('<')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .to_owned()
    }
}

/// What a run saw beside the mails it planned.
#[derive(Debug, Default)]
pub struct Report {
    /// Mails due that the throttle held back.
    pub deferred: usize,
    /// Intents found at the start: their fate is unknown.
    pub in_doubt: Vec<(u64, Intent)>,
    pub warnings: Vec<String>,
}

fn refuse(
    code: impl Into<crate::diag::UserCode>,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Stop {
    Stop::Refused(vec![Finding {
        path: None,
        code: code.into(),
        message: message.into(),
        help: help.into(),
        note: None,
    }])
}

/// The addresses of a package's maintainers; a maintainer without one is a warning.
fn maintainer_addresses(
    s: &Session,
    package: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>, Stop> {
    let rules = &s.base.rules;
    let record = match PackageName::parse(package, rules) {
        Ok(p) => record_at(s.repo(), s.base.root, &p.record_path(), rules)?,
        Err(_) => None,
    };
    let Some(Record::Package(_, pkg)) = record else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in &pkg.maintainers {
        let path = match m {
            Maintainer::Person(l) => l.record_path(),
            Maintainer::Group(g) => g.record_path(),
        };
        match record_at(s.repo(), s.base.root, &path, rules)? {
            Some(Record::Person(_, p)) if !p.email.is_empty() => {
                out.push(mailbox_text(&p.name, &p.email));
            }
            Some(Record::Group(_, g)) if g.email.is_some() => {
                let email = g.email.clone().unwrap_or_default();
                out.push(mailbox_text(&g.description, &email));
            }
            _ => warnings.push(format!(
                "{m}, a maintainer of {package}, has no email address; the mail goes to the bug only"
            )),
        }
    }
    Ok(out)
}

/// One mail to compose: which step of which track, about which suite.
struct Ask<'a> {
    bug: u64,
    track: &'a RawTrack,
    step: Step,
    suite: Option<&'a Suite>,
    note: &'a str,
}

/// Composes one mail.
fn compose(
    s: &Session,
    set: &Settings,
    ask: Ask,
    warnings: &mut Vec<String>,
) -> Result<Composed, Stop> {
    let Ask {
        bug,
        track,
        step,
        suite,
        note,
    } = ask;
    let package = track.package.get_ref();
    let bts = track.bts.clone().unwrap_or_default();
    let base = set.base_url.trim_end_matches('/');
    let vars = Vars {
        bug,
        package: package.clone(),
        subject: bts.subject.clone(),
        suite: suite.map(|x| x.name.clone()).unwrap_or_default(),
        codename: suite.map(|x| x.codename.clone()).unwrap_or_default(),
        fixed: bts.fixed_versions.join(", "),
        version_hint: suite
            .map(|x| format!("+deb{}u1", x.major()))
            .unwrap_or_default(),
        request: suite
            .map(|x| if x.name == "oldstable" { "opu" } else { "pu" })
            .unwrap_or_default()
            .to_owned(),
        process_url: format!("{base}/process/index.html"),
        track_url: format!("{base}/tracker/{bug}.html"),
        from_name: set.sender_name(),
        note: note.to_owned(),
    };
    let file = format!("templates/mail/{}", template::file_name(step));
    let site = blob_at(s.repo(), s.base.root, &file)?.and_then(|b| String::from_utf8(b).ok());
    let body = template::render(step, &vars, site.as_deref().map(|t| (file.as_str(), t))).map_err(
        |e| {
            refuse(
                OpCode::MailTemplate,
                e.to_string(),
                "fix the template; nothing was sent",
            )
        },
    )?;
    let suite_name = suite.map(|x| x.name.as_str());
    let msgid = step.msgid(bug, suite_name, set.domain());
    let report = clean_msgid(&bts.msgid);
    let progress = suite_name.and_then(|n| track.progress().find(|(s, _)| *s == n).map(|(_, p)| p));
    let (to, cc, subject, in_reply_to, references) = match step {
        Step::Unarchive => (
            set.mail.control.clone(),
            Vec::new(),
            format!("unarchive {bug}"),
            None,
            Vec::new(),
        ),
        Step::Notify | Step::Prod(_) => {
            let notification = progress
                .and_then(|p| p.notify_msgid.as_deref())
                .and_then(clean_msgid);
            let answers = match step {
                Step::Prod(_) => notification.clone().or(report.clone()),
                _ => report.clone(),
            };
            let references: Vec<String> = report
                .iter()
                .chain(notification.iter().filter(|_| step != Step::Notify))
                .cloned()
                .collect();
            let subject = if bts.subject.is_empty() {
                format!("Bug #{bug}: {package} in {}", vars.suite)
            } else {
                format!("Re: {}", bts.subject)
            };
            (
                format!("{bug}@{}", set.mail.bts_domain),
                maintainer_addresses(s, package, warnings)?,
                subject,
                answers,
                references,
            )
        }
    };
    Ok(Composed {
        bug,
        step,
        suite: suite_name.map(ToOwned::to_owned),
        msgid,
        from: set.mail.from.clone(),
        to,
        cc,
        subject,
        in_reply_to,
        references,
        body,
    })
}

fn intent(c: &Composed, now: i64) -> Intent {
    Intent {
        step: c.step.name().to_owned(),
        suite: c.suite.clone(),
        msgid: c.msgid.clone(),
        since: datetime(now),
    }
}

fn subject_list(mails: &[Composed]) -> Vec<String> {
    mails
        .iter()
        .map(|m| {
            let suite = m
                .suite
                .as_deref()
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            format!("{}{suite}: {} {}", m.bug, m.step.name(), m.msgid)
        })
        .collect()
}

fn intent_plan(tracks: &mut BTreeMap<u64, RawTrack>, chosen: &[Composed], now: i64) -> Plan {
    let mut changes = Vec::new();
    for (bug, mails) in group(chosen) {
        let track = tracks.get_mut(&bug).expect("chosen from these tracks");
        track.outbox.extend(mails.iter().map(|m| intent(m, now)));
        changes.push(crate::commit::Change {
            path: active_path(bug),
            content: Some(to_text(track).into_bytes()),
        });
    }
    let lines = subject_list(chosen);
    Plan::Edit {
        changes,
        message: format!(
            "track mail: about to send {} mail{}\n\n{}\n",
            chosen.len(),
            if chosen.len() == 1 { "" } else { "s" },
            lines.join("\n")
        ),
    }
}

fn group(mails: &[Composed]) -> BTreeMap<u64, Vec<&Composed>> {
    let mut out: BTreeMap<u64, Vec<&Composed>> = BTreeMap::new();
    for m in mails {
        out.entry(m.bug).or_default().push(m);
    }
    out
}

/// Plans a notify run: the mails due (unarchive requests first where the bug is archived,
/// else notifications of suites fixed in unstable), as many as the throttle allows, composed
/// now, so a template that fails stops the run before anything is sent.
pub fn notify_intents(
    s: &Session,
    set: &Settings,
    chosen: &mut Vec<Composed>,
    report: &mut Report,
) -> Result<Plan, Stop> {
    chosen.clear();
    *report = Report::default();
    let mut tracks = tracks_at(s.repo(), s.base.root)?.active;
    let suites = suites_at(s.repo(), s.base.root, &s.base.rules)?;
    let mut room = throttle::room(
        &throttle::mail_times(tracks.values()),
        set.now,
        set.mail.max_per_hour,
    );
    for (bug, t) in &tracks {
        report
            .in_doubt
            .extend(t.outbox.iter().map(|i| (*bug, i.clone())));
        let claimed = |step: &str, suite: Option<&str>| {
            t.outbox
                .iter()
                .any(|i| i.step == step && i.suite.as_deref() == suite)
        };
        let fixed: Vec<&Suite> = t
            .progress()
            .filter(|(_, p)| p.state() == "fixed-unstable")
            .filter_map(|(n, _)| suites.iter().find(|x| x.name == n))
            .collect();
        if fixed.is_empty() {
            continue;
        }
        let archived = t.bts.as_ref().is_some_and(|b| b.archived);
        let mut due = Vec::new();
        if archived {
            // A mail to an archived bug is filed as junk: unarchive first, notify later.
            if t.unarchive_requested.is_none() && !claimed("unarchive", None) {
                due.push((Step::Unarchive, None));
            }
        } else {
            due.extend(
                fixed
                    .into_iter()
                    .filter(|x| !claimed("notify", Some(&x.name)))
                    .map(|x| (Step::Notify, Some(x))),
            );
        }
        for (step, suite) in due {
            if room == 0 {
                report.deferred += 1;
                continue;
            }
            room -= 1;
            let ask = Ask {
                bug: *bug,
                track: t,
                step,
                suite,
                note: "",
            };
            chosen.push(compose(s, set, ask, &mut report.warnings)?);
        }
    }
    if chosen.is_empty() {
        return Ok(Plan::Unchanged("no mail is due".into()));
    }
    Ok(intent_plan(&mut tracks, chosen, set.now))
}

/// Plans a prod: a reminder in the notification's thread, not within `prod_interval_days` of
/// the last mail unless forced, and within the throttle.
pub fn prod_intent(
    s: &Session,
    set: &Settings,
    bug: u64,
    suite: Option<&str>,
    note: &str,
    force: bool,
    chosen: &mut Vec<Composed>,
) -> Result<Plan, Stop> {
    chosen.clear();
    let mut tracks = tracks_at(s.repo(), s.base.root)?.active;
    let suites = suites_at(s.repo(), s.base.root, &s.base.rules)?;
    let room = throttle::room(
        &throttle::mail_times(tracks.values()),
        set.now,
        set.mail.max_per_hour,
    );
    let Some(t) = tracks.get(&bug) else {
        return Err(refuse(
            OpCode::UnknownTrack,
            format!("bug {bug} is not tracked"),
            "check the number",
        ));
    };
    let notified: Vec<(&str, &SuiteProgress)> = t
        .progress()
        .filter(|(n, p)| p.notify_msgid.is_some() && suite.is_none_or(|x| x == *n))
        .collect();
    let Some((name, p)) = notified.first().copied() else {
        return Err(refuse(
            OpCode::NotNotified,
            format!(
                "bug {bug} was never notified{}",
                suite.map(|x| format!(" in {x}")).unwrap_or_default()
            ),
            "a prod follows a notification; run maintdb track notify first",
        ));
    };
    if t.outbox.iter().any(|i| i.suite.as_deref() == Some(name)) {
        return Err(refuse(
            OpCode::MailInDoubt,
            format!("a mail of bug {bug} in {name} is in doubt"),
            "settle it first: see maintdb track todo",
        ));
    }
    let last = p
        .prods
        .iter()
        .chain(p.notified.iter())
        .filter_map(seconds)
        .max()
        .unwrap_or(0);
    let interval = i64::from(set.mail.prod_interval_days) * 86_400;
    if !force && set.now - last < interval {
        return Err(refuse(
            OpCode::ProdTooSoon,
            format!(
                "the last mail about bug {bug} in {name} is {} days old; prods wait {} days",
                (set.now - last) / 86_400,
                set.mail.prod_interval_days
            ),
            "wait, or pass --force",
        ));
    }
    if room == 0 {
        return Err(refuse(
            OpCode::Throttled,
            format!("{} mails went out in the last hour", set.mail.max_per_hour),
            "try again later",
        ));
    }
    let x = suites.iter().find(|x| x.name == name);
    let mut warnings = Vec::new();
    let step = Step::Prod(p.prods.len() + 1);
    let ask = Ask {
        bug,
        track: t,
        step,
        suite: x,
        note,
    };
    chosen.push(compose(s, set, ask, &mut warnings)?);
    Ok(intent_plan(&mut tracks, chosen, set.now))
}

/// Records what became of each mail.
pub fn record(s: &Session, results: &[(Composed, Fate)], now: i64) -> Result<Plan, Stop> {
    let mut tracks = tracks_at(s.repo(), s.base.root)?.active;
    let mut changes = Vec::new();
    let mut lines = Vec::new();
    let mut touched = std::collections::BTreeSet::new();
    for (m, fate) in results {
        let Some(t) = tracks.get_mut(&m.bug) else {
            continue;
        };
        let before = t.outbox.len();
        let suite = m.suite.as_deref().unwrap_or("");
        match fate {
            Fate::Unknown(why) => {
                lines.push(format!(
                    "{} {suite}: {} in doubt ({why})",
                    m.bug,
                    m.step.name()
                ));
                continue;
            }
            Fate::Refused(why) => {
                lines.push(format!(
                    "{} {suite}: {} refused ({why}); the next run tries again",
                    m.bug,
                    m.step.name()
                ));
            }
            Fate::Sent => {
                lines.push(format!(
                    "{} {suite}: {} sent {}",
                    m.bug,
                    m.step.name(),
                    m.msgid
                ));
                mark_sent(t, m, now);
            }
        }
        t.outbox.retain(|i| i.msgid != m.msgid);
        if t.outbox.len() != before || matches!(fate, Fate::Sent) {
            touched.insert(m.bug);
        }
    }
    for bug in touched {
        changes.push(crate::commit::Change {
            path: active_path(bug),
            content: Some(to_text(&tracks[&bug]).into_bytes()),
        });
    }
    if changes.is_empty() {
        return Ok(Plan::Unchanged("nothing to record".into()));
    }
    let sent = results.iter().filter(|(_, f)| *f == Fate::Sent).count();
    Ok(Plan::Edit {
        changes,
        message: format!("track mail: {sent} sent\n\n{}\n", lines.join("\n")),
    })
}

/// What a sent mail changes in its track.
fn mark_sent(t: &mut RawTrack, m: &Composed, now: i64) {
    let when = datetime(now);
    match m.step {
        Step::Unarchive => t.unarchive_requested = Some(when),
        Step::Notify | Step::Prod(_) => {
            let Some(Some(p)) = m.suite.as_deref().and_then(|s| t.progress_mut(s)) else {
                return;
            };
            if m.step == Step::Notify {
                if p.state() == "fixed-unstable" {
                    p.set_state("notified");
                }
                p.notified = Some(when);
                p.notify_msgid = Some(m.msgid.clone());
            } else {
                p.prods.push(when);
            }
        }
    }
}

/// Finds the mail in doubt for `bug` (and `suite`, none for an unarchive request), composed
/// again as it was meant, for `--resend` or `--mark-sent`.
pub fn in_doubt(
    s: &Session,
    set: &Settings,
    bug: u64,
    suite: Option<&str>,
) -> Result<Composed, Stop> {
    let tracks = tracks_at(s.repo(), s.base.root)?.active;
    let suites = suites_at(s.repo(), s.base.root, &s.base.rules)?;
    let t = tracks.get(&bug);
    let Some(i) = t.and_then(|t| t.outbox.iter().find(|i| i.suite.as_deref() == suite)) else {
        return Err(refuse(
            OpCode::NoMailInDoubt,
            format!(
                "bug {bug} has no mail in doubt{}",
                suite.map(|x| format!(" in {x}")).unwrap_or_default()
            ),
            "maintdb track todo lists the mails in doubt",
        ));
    };
    let t = t.expect("found above");
    let step = match i.step.as_str() {
        "unarchive" => Step::Unarchive,
        "prod" => Step::Prod(
            suite
                .and_then(|x| t.progress().find(|(n, _)| *n == x))
                .map_or(1, |(_, p)| p.prods.len() + 1),
        ),
        _ => Step::Notify,
    };
    let x = suite.and_then(|n| suites.iter().find(|x| x.name == n));
    let ask = Ask {
        bug,
        track: t,
        step,
        suite: x,
        note: "",
    };
    let mut c = compose(s, set, ask, &mut Vec::new())?;
    // The same Message-ID as the first attempt: a reader (and the BTS) sees one mail.
    c.msgid = i.msgid.clone();
    Ok(c)
}
