//! Mail that goes out at most once, one mail per bug. A run (1) writes the mails it is about
//! to send in the clone's mail journal (`journal`; the run holds the clone's mail lock), (2)
//! sends, writing each mail server's answer there, and (3) records every fate in one commit:
//! a sent mail moves the track on; a mail refused for certain is tried again by the next run;
//! a mail whose fate is unknown goes to the track's `outbox`, and no run sends it again by
//! itself: `track todo` lists it for a person to resend or mark as sent. A journal left by a
//! killed run is recorded the same way before anything else.
//!
//! Here, choosing the mails that are due; `letters` composes each mail for its maintainers;
//! `outcome` records what became of them.

use crate::diag::OpCode;
use std::collections::BTreeMap;

use crate::edit::Session;
use crate::gate::Stop;
use crate::record::{Intent, RawMail, RawTrack, SuiteProgress};

use super::mail::clock::{datetime, seconds};
use super::mail::compose::Composed;
use super::mail::{Step, throttle};
use super::records::{suites_at, tracks_at};
use super::sync::Suite;

pub mod journal;
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

/// The intent a composed mail is recorded under while it is under way.
pub fn intent(c: &Composed, now: i64) -> Intent {
    Intent {
        step: c.step.name().to_owned(),
        suites: c.suites.clone(),
        msgid: c.msgid.clone(),
        since: datetime(now),
    }
}

/// Plans a notify run: the mails due (an unarchive request where the bug is archived, else
/// one notification per bug naming every suite fixed in unstable), as many as the throttle
/// allows, composed now, so a template that fails stops the run before anything is sent.
pub fn notify_intents(
    s: &Session,
    set: &Settings,
    chosen: &mut Vec<Composed>,
    report: &mut Report,
) -> Result<(), Stop> {
    chosen.clear();
    *report = Report::default();
    let Planning {
        tracks,
        suites,
        mut room,
    } = planning(s, set)?;
    for (bug, t) in &tracks {
        report
            .in_doubt
            .extend(t.outbox.iter().map(|i| (*bug, i.clone())));
        let fixed: Vec<&Suite> = t
            .progress()
            .filter(|(_, p)| p.state() == "fixed-unstable")
            .filter(|(n, _)| !t.outbox.iter().any(|i| i.step == "notify" && i.about(n)))
            .filter_map(|(n, _)| suites.iter().find(|x| x.name == n))
            .collect();
        if fixed.is_empty() {
            continue;
        }
        let archived = t.bts.as_ref().is_some_and(|b| b.archived);
        let ask = if archived {
            // A mail to an archived bug is filed as junk: unarchive first, notify later.
            if t.unarchive_requested.is_some() || t.outbox.iter().any(|i| i.step == "unarchive") {
                continue;
            }
            (Step::Unarchive, Vec::new())
        } else {
            (Step::Notify, fixed)
        };
        if room == 0 {
            report.deferred += 1;
            continue;
        }
        room -= 1;
        let ask = Ask {
            bug: *bug,
            track: t,
            step: ask.0,
            suites: ask.1,
            note: "",
        };
        chosen.push(compose(s, set, ask, &mut report.warnings)?);
    }
    Ok(())
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

/// The prods due now, as `track todo` lists them: per bug, every suite notified, with no
/// progress since, whose last mail is `prod_interval_days` old and has no mail in doubt.
/// Sorted by bug; one prod each, naming its suites.
pub fn due_prods(tracks: &BTreeMap<u64, RawTrack>, set: &Settings) -> Vec<(u64, Vec<String>)> {
    let interval = i64::from(set.mail.prod_interval_days) * 86_400;
    let mut due = Vec::new();
    for (bug, t) in tracks {
        let names: Vec<String> = t
            .progress()
            .filter(|(name, p)| {
                p.state() == "notified"
                    && p.notify_msgid.is_some()
                    && !t.outbox.iter().any(|i| i.about(name))
                    && set.now - last_mail(p).unwrap_or(0) >= interval
            })
            .map(|(name, _)| name.to_owned())
            .collect();
        if !names.is_empty() {
            due.push((*bug, names));
        }
    }
    due
}

/// The prod of `bug` about `names`: its step counts the prods the suites already had.
fn prod_ask<'a>(
    bug: u64,
    t: &'a RawTrack,
    names: &[String],
    suites: &'a [Suite],
    note: &'a str,
) -> Ask<'a> {
    let sent = t
        .progress()
        .filter(|(n, _)| names.iter().any(|x| x == n))
        .map(|(_, p)| p.prods.len())
        .max()
        .unwrap_or(0);
    Ask {
        bug,
        track: t,
        step: Step::Prod(sent + 1),
        suites: suites.iter().filter(|x| names.contains(&x.name)).collect(),
        note,
    }
}

/// `track prod --due`: every prod due, as many as the throttle allows now; the rest are
/// counted as deferred and are due again on the next run.
pub fn due_prod_intents(
    s: &Session,
    set: &Settings,
    note: &str,
    chosen: &mut Vec<Composed>,
    report: &mut Report,
) -> Result<(), Stop> {
    chosen.clear();
    *report = Report::default();
    let Planning {
        tracks,
        suites,
        room,
    } = planning(s, set)?;
    let due = due_prods(&tracks, set);
    report.deferred = due.len().saturating_sub(room);
    for (bug, names) in due.into_iter().take(room) {
        let ask = prod_ask(bug, &tracks[&bug], &names, &suites, note);
        chosen.push(compose(s, set, ask, &mut report.warnings)?);
    }
    Ok(())
}

/// Plans a prod: a reminder in the notification's thread about every suite of the bug still
/// waiting since its notification (or `suite` alone), not within `prod_interval_days` of the
/// last mail unless forced, and within the throttle.
pub fn prod_intent(
    s: &Session,
    set: &Settings,
    bug: u64,
    suite: Option<&str>,
    note: &str,
    force: bool,
    chosen: &mut Vec<Composed>,
) -> Result<(), Stop> {
    chosen.clear();
    let Planning {
        tracks,
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
    // Without --suite, the suites still waiting; a suite named is prodded whatever its state.
    let waiting: Vec<(&str, &SuiteProgress)> = notified
        .iter()
        .copied()
        .filter(|(_, p)| suite.is_some() || p.state() == "notified")
        .collect();
    let prodded = if waiting.is_empty() {
        &notified
    } else {
        &waiting
    };
    if prodded.is_empty() {
        return Err(Stop::refused(
            OpCode::NotNotified,
            format!(
                "bug {bug} was never notified{}",
                suite.map(|x| format!(" in {x}")).unwrap_or_default()
            ),
            "a prod follows a notification; run maintdb track notify first",
        ));
    }
    if let Some((name, _)) = prodded
        .iter()
        .find(|(n, _)| t.outbox.iter().any(|i| i.about(n)))
    {
        return Err(Stop::refused(
            OpCode::MailInDoubt,
            format!("a mail of bug {bug} in {name} is in doubt"),
            "settle it first: see maintdb track todo",
        ));
    }
    let last = prodded
        .iter()
        .filter_map(|(_, p)| last_mail(p))
        .max()
        .unwrap_or(0);
    let name = prodded[0].0;
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
    let names: Vec<String> = prodded.iter().map(|(n, _)| (*n).to_owned()).collect();
    let mut warnings = Vec::new();
    let ask = prod_ask(bug, t, &names, &suites, note);
    chosen.push(compose(s, set, ask, &mut warnings)?);
    Ok(())
}
