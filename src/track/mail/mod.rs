//! The tracker's mail: what is sent (compose, templates), how often (throttle), and how
//! (transports). The order that makes a mail go out at most once lives with the commands
//! (`crate::track::notify`): intent committed first, then the mail, then the record.

pub mod clock;
pub mod compose;
pub mod template;
pub mod throttle;
pub mod transport;

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

    /// The deterministic Message-ID of this step: the same step always gets the same id, so a
    /// mail sent twice by hand is recognisable as one.
    pub fn msgid(self, bug: u64, suite: Option<&str>, domain: &str) -> String {
        let suite = suite.map(|s| format!(".{s}")).unwrap_or_default();
        match self {
            Step::Prod(n) => format!("<maintdb.{bug}{suite}.prod{n}@{domain}>"),
            _ => format!("<maintdb.{bug}{suite}.{}@{domain}>", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_deterministic() {
        assert_eq!(
            Step::Notify.msgid(660650, Some("stable"), "example.org"),
            "<maintdb.660650.stable.notify@example.org>"
        );
        assert_eq!(
            Step::Prod(2).msgid(1, Some("oldstable"), "x"),
            "<maintdb.1.oldstable.prod2@x>"
        );
        assert_eq!(
            Step::Unarchive.msgid(1, None, "x"),
            "<maintdb.1.unarchive@x>"
        );
    }
}
