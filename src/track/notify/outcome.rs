//! After sending: each mail's fate recorded in its track, and the mails in doubt.

use super::Settings;
use super::letters::{Ask, compose};
use crate::diag::OpCode;
use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::record::{Intent, RawTrack};
use crate::track::mail::clock::datetime;
use crate::track::mail::compose::Composed;
use crate::track::mail::transport::Fate;
use crate::track::mail::{Step, suites_text};
use crate::track::records::{active_path, suites_at, to_text, tracks_at};

/// Records what became of each mail (by its bug and intent): a sent mail moves its track on,
/// a mail in doubt is kept in the track's outbox for a person to settle, and every mail leaves
/// the outbox once its fate is known. The commit message names each mail's Message-ID, which
/// is how a journal left by a killed run knows what was recorded.
pub fn record(s: &Session, results: &[(u64, Intent, Fate)], now: i64) -> Result<Plan, Stop> {
    let mut tracks = tracks_at(s.repo(), s.base.root)?.active;
    let mut lines = Vec::new();
    let mut touched = std::collections::BTreeSet::new();
    for (bug, i, fate) in results {
        let Some(t) = tracks.get_mut(bug) else {
            continue;
        };
        let suites = suites_text(&i.suites);
        let held = t.outbox.iter().any(|o| o.msgid == i.msgid);
        match fate {
            Fate::Unknown(why) => {
                lines.push(format!(
                    "{bug} {suites}: {} in doubt {} ({why})",
                    i.step, i.msgid
                ));
                if !held {
                    t.outbox.push(i.clone());
                    touched.insert(*bug);
                }
                continue;
            }
            Fate::Refused(why) => {
                lines.push(format!(
                    "{bug} {suites}: {} refused {} ({why}); the next run tries again",
                    i.step, i.msgid
                ));
            }
            Fate::Sent => {
                lines.push(format!("{bug} {suites}: {} sent {}", i.step, i.msgid));
                mark_sent(t, i, now);
                touched.insert(*bug);
            }
        }
        if held {
            t.outbox.retain(|o| o.msgid != i.msgid);
            touched.insert(*bug);
        }
    }
    let changes: Vec<crate::commit::Change> = touched
        .into_iter()
        .map(|bug| crate::commit::Change {
            path: active_path(bug),
            content: Some(to_text(&tracks[&bug]).into_bytes()),
        })
        .collect();
    if changes.is_empty() {
        return Ok(Plan::Unchanged("nothing to record".into()));
    }
    let count = |f: fn(&Fate) -> bool| results.iter().filter(|(_, _, x)| f(x)).count();
    let sent = count(|f| *f == Fate::Sent);
    let doubt = count(|f| matches!(f, Fate::Unknown(_)));
    let mut head = format!("track mail: {sent} sent");
    if doubt > 0 {
        head.push_str(&format!(", {doubt} in doubt"));
    }
    Ok(Plan::Edit {
        changes,
        message: format!("{head}\n\n{}\n", lines.join("\n")),
    })
}

/// What a sent mail changes in its track.
fn mark_sent(t: &mut RawTrack, i: &Intent, now: i64) {
    let when = datetime(now);
    if i.step == "unarchive" {
        t.unarchive_requested = Some(when);
        return;
    }
    for suite in &i.suites {
        let Some(Some(p)) = t.progress_mut(suite) else {
            continue;
        };
        if i.step == "notify" {
            if p.state() == "fixed-unstable" {
                p.set_state("notified");
            }
            p.notified = Some(when);
            p.notify_msgid = Some(i.msgid.clone());
        } else {
            p.prods.push(when);
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
    // Without a suite: the bug's only mail in doubt (an unarchive request has none).
    let candidates: Vec<&Intent> = t
        .map(|t| {
            t.outbox
                .iter()
                .filter(|i| suite.is_none_or(|x| i.about(x)))
                .collect()
        })
        .unwrap_or_default();
    if candidates.len() > 1 {
        return Err(Stop::refused(
            OpCode::NoMailInDoubt,
            format!("bug {bug} has {} mails in doubt", candidates.len()),
            "name the suite of the one you mean with --suite",
        ));
    }
    let Some(i) = candidates.first().copied() else {
        return Err(Stop::refused(
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
            t.progress()
                .filter(|(n, _)| i.about(n))
                .map(|(_, p)| p.prods.len())
                .max()
                .unwrap_or(0)
                + 1,
        ),
        _ => Step::Notify,
    };
    let ask = Ask {
        bug,
        track: t,
        step,
        suites: suites.iter().filter(|x| i.about(&x.name)).collect(),
        note: "",
    };
    let mut c = compose(s, set, ask, &mut Vec::new())?;
    // The same Message-ID as the first attempt: a reader (and the BTS) sees one mail.
    c.msgid = i.msgid.clone();
    Ok(c)
}
