//! Mail that goes out at most once. A run (1) records its intent to send each mail in the
//! track's `outbox` and commits that (pushed with `--push`, so two trackers on two clones
//! cannot both claim a mail), (2) sends, and (3) records each fate: a sent mail moves the
//! track on and leaves the outbox; a mail refused for certain leaves the outbox, so the next
//! run tries again; a mail whose fate is unknown stays, and no run sends it again by itself:
//! `track todo` lists it for a person to resend or mark as sent.
//!
//! Here, choosing the mails that are due and recording the intent; `letters` composes each
//! mail for its maintainers; `outcome` records what became of them.

use crate::diag::OpCode;
use std::collections::BTreeMap;

use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::record::{Intent, RawMail, RawTrack, SuiteProgress};

use super::mail::clock::{datetime, seconds};
use super::mail::compose::Composed;
use super::mail::{Step, throttle};
use super::records::{active_path, suites_at, to_text, tracks_at};
use super::sync::Suite;

mod letters;
mod outcome;

use letters::{Ask, compose};
pub use outcome::{in_doubt, record};

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
            "track mail: about to send {}\n\n{}\n",
            crate::words::count(chosen.len(), "mail", "mails"),
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
    let Planning {
        mut tracks,
        suites,
        mut room,
    } = planning(s, set)?;
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

/// What every mail plan starts from: the active tracks, the suites, and how many mails the
/// throttle lets go out now.
struct Planning {
    tracks: BTreeMap<u64, RawTrack>,
    suites: Vec<Suite>,
    room: usize,
}

fn planning(s: &Session, set: &Settings) -> Result<Planning, Stop> {
    let tracks = tracks_at(s.repo(), s.base.root)?.active;
    let suites = suites_at(s.repo(), s.base.root, &s.base.rules)?;
    let room = throttle::room(
        &throttle::mail_times(tracks.values()),
        set.now,
        set.mail.max_per_hour,
    );
    Ok(Planning {
        tracks,
        suites,
        room,
    })
}

/// When the last mail about a suite of a track went out (the notification or a prod).
pub fn last_mail(p: &SuiteProgress) -> Option<i64> {
    p.prods
        .iter()
        .chain(p.notified.iter())
        .filter_map(seconds)
        .max()
}

/// The prods due now, as `track todo` lists them: every suite notified, with no progress
/// since, whose last mail is `prod_interval_days` old and has no mail in doubt. Sorted by bug.
pub fn due_prods(tracks: &BTreeMap<u64, RawTrack>, set: &Settings) -> Vec<(u64, String)> {
    let interval = i64::from(set.mail.prod_interval_days) * 86_400;
    let mut due = Vec::new();
    for (bug, t) in tracks {
        for (name, p) in t.progress() {
            let doubt = t.outbox.iter().any(|i| i.suite.as_deref() == Some(name));
            if p.state() == "notified"
                && p.notify_msgid.is_some()
                && !doubt
                && set.now - last_mail(p).unwrap_or(0) >= interval
            {
                due.push((*bug, name.to_owned()));
            }
        }
    }
    due
}

/// `track prod --due`: every prod due, as many as the throttle allows now; the rest are
/// counted as deferred and are due again on the next run.
pub fn due_prod_intents(
    s: &Session,
    set: &Settings,
    note: &str,
    chosen: &mut Vec<Composed>,
    report: &mut Report,
) -> Result<Plan, Stop> {
    chosen.clear();
    *report = Report::default();
    let Planning {
        mut tracks,
        suites,
        room,
    } = planning(s, set)?;
    let due = due_prods(&tracks, set);
    report.deferred = due.len().saturating_sub(room);
    for (bug, name) in due.into_iter().take(room) {
        let t = &tracks[&bug];
        let Some(p) = t.progress().find(|(n, _)| *n == name).map(|(_, p)| p) else {
            continue;
        };
        let ask = Ask {
            bug,
            track: t,
            step: Step::Prod(p.prods.len() + 1),
            suite: suites.iter().find(|x| x.name == name),
            note,
        };
        chosen.push(compose(s, set, ask, &mut report.warnings)?);
    }
    if chosen.is_empty() {
        return Ok(Plan::Unchanged("no prod is due".into()));
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
    let Planning {
        mut tracks,
        suites,
        room,
    } = planning(s, set)?;
    let Some(t) = tracks.get(&bug) else {
        return Err(Stop::refused(
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
        return Err(Stop::refused(
            OpCode::NotNotified,
            format!(
                "bug {bug} was never notified{}",
                suite.map(|x| format!(" in {x}")).unwrap_or_default()
            ),
            "a prod follows a notification; run maintdb track notify first",
        ));
    };
    if t.outbox.iter().any(|i| i.suite.as_deref() == Some(name)) {
        return Err(Stop::refused(
            OpCode::MailInDoubt,
            format!("a mail of bug {bug} in {name} is in doubt"),
            "settle it first: see maintdb track todo",
        ));
    }
    let last = last_mail(p).unwrap_or(0);
    let interval = i64::from(set.mail.prod_interval_days) * 86_400;
    if !force && set.now - last < interval {
        return Err(Stop::refused(
            OpCode::ProdTooSoon,
            format!(
                "the last mail about bug {bug} in {name} is {} old; prods wait {}",
                crate::words::count((set.now - last) / 86_400, "day", "days"),
                crate::words::count(set.mail.prod_interval_days, "day", "days")
            ),
            "wait, or pass --force",
        ));
    }
    if room == 0 {
        return Err(Stop::refused(
            OpCode::Throttled,
            format!(
                "{} went out in the last hour",
                crate::words::count(set.mail.max_per_hour, "mail", "mails")
            ),
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
