//! After sending: each mail's fate recorded in its track, and the mails in doubt.

use super::Settings;
use super::letters::{Ask, compose};
use crate::diag::OpCode;
use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::record::RawTrack;
use crate::track::mail::Step;
use crate::track::mail::clock::datetime;
use crate::track::mail::compose::Composed;
use crate::track::mail::transport::Fate;
use crate::track::records::{active_path, suites_at, to_text, tracks_at};

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
