//! The tracker's mail: what is sent (compose, templates), how often (throttle), and how
//! (transports). The order that makes a mail go out at most once lives with the commands
//! (`crate::track::notify`): intent committed first, then the mail, then the record.

pub mod clock;
pub mod compose;
pub mod template;
pub mod throttle;
pub mod transport;

/// The suites a mail is about as one word, `stable+oldstable`, or `-` for none (an unarchive
/// request is about the bug).
pub fn suites_text(suites: &[String]) -> String {
    if suites.is_empty() {
        "-".into()
    } else {
        suites.join("+")
    }
}

/// Which mail of a track's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first mail: the fix is in unstable, the suite is still affected.
    Notify,
    /// The n-th reminder (from 1).
    Prod(usize),
    /// `unarchive <bug>` to the BTS's control address.
    Unarchive,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Notify => "notify",
            Step::Prod(_) => "prod",
            Step::Unarchive => "unarchive",
        }
    }

    /// The Message-ID of this step's mail about `suites` composed at `at` (Unix seconds):
    /// every mail its own (a reopened bug's second notification is a new mail), readable by
    /// what it is. A mail retried after a killed run keeps the id its intent recorded, so the
    /// retry is the same mail.
    pub fn msgid(self, bug: u64, suites: &[String], domain: &str, at: i64) -> String {
        let suite = if suites.is_empty() {
            String::new()
        } else {
            format!(".{}", suites.join("+"))
        };
        let when = jiff::Timestamp::from_second(at)
            .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
            .unwrap_or_else(|_| at.to_string());
        match self {
            Step::Prod(n) => format!("<maintdb.{bug}{suite}.prod{n}.{when}@{domain}>"),
            _ => format!("<maintdb.{bug}{suite}.{}.{when}@{domain}>", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_say_what_and_when() {
        let t0 = 1_793_613_600; // 2026-11-02T10:00:00Z
        let stable = ["stable".to_owned()];
        assert_eq!(
            Step::Notify.msgid(660650, &stable, "example.org", t0),
            "<maintdb.660650.stable.notify.20261102T100000Z@example.org>"
        );
        assert_eq!(
            Step::Prod(2).msgid(1, &["stable".into(), "oldstable".into()], "x", t0),
            "<maintdb.1.stable+oldstable.prod2.20261102T100000Z@x>"
        );
        assert_eq!(
            Step::Unarchive.msgid(1, &[], "x", t0),
            "<maintdb.1.unarchive.20261102T100000Z@x>"
        );
        // A reopened bug notified again, days later: another mail, another id.
        assert_ne!(
            Step::Notify.msgid(660650, &stable, "example.org", t0),
            Step::Notify.msgid(660650, &stable, "example.org", t0 + 6 * 86_400)
        );
    }
}
