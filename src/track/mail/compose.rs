//! One mail, ready to go: addresses, threading headers and body, and the lettre message made
//! from them. Every value that reaches a header is cleaned of line breaks first: names and
//! subjects come from records and from the BTS, and must never add a header of their own.

use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes};

use super::Step;

const USER_AGENT: &str = concat!("maintdb/", env!("CARGO_PKG_VERSION"));

/// One mail of a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub bug: u64,
    pub step: Step,
    /// The suites it is about, in suites.toml's order (none for an unarchive request).
    pub suites: Vec<String>,
    pub msgid: String,
    pub from: String,
    pub to: String,
    pub cc: Vec<String>,
    pub subject: String,
    /// The message this one answers: the bug's report, or the notification.
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub body: String,
    /// When it was composed (Unix seconds, the run's clock: `MAINTDB_NOW` when set): its `Date:`.
    pub date: i64,
}

/// A mail that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("bug {bug}: the {field} address `{value}` is not an address")]
    Address {
        bug: u64,
        field: &'static str,
        value: String,
        #[source]
        source: lettre::address::AddressError,
    },
    #[error("bug {bug}: the mail cannot be built")]
    Build {
        bug: u64,
        #[source]
        source: lettre::error::Error,
    },
}

/// `X-Debbugs-No-Ack: yes`: the BTS sends no acknowledgement back.
#[derive(Clone)]
struct NoAck;

impl Header for NoAck {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Debbugs-No-Ack")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(NoAck)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "yes".to_owned())
    }
}

/// One line: line breaks and other control characters become spaces, runs of white space one.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Message-ID as it may stand in a header: `<…>` with nothing but visible ASCII inside.
pub fn clean_msgid(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = s.starts_with('<')
        && s.ends_with('>')
        && s.len() > 2
        && s.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| s.to_owned())
}

/// `Name <address>`, with the name on one line.
pub fn mailbox_text(name: &str, email: &str) -> String {
    let name = one_line(name);
    if name.is_empty() {
        email.to_owned()
    } else {
        format!("\"{}\" <{email}>", name.replace(['"', '\\'], ""))
    }
}

impl Composed {
    /// The suites it is about, `stable+oldstable`, or `-` for none.
    pub fn suites_text(&self) -> String {
        super::suites_text(&self.suites)
    }

    fn mailbox(&self, field: &'static str, value: &str) -> Result<Mailbox, ComposeError> {
        value.parse().map_err(|source| ComposeError::Address {
            bug: self.bug,
            field,
            value: value.to_owned(),
            source,
        })
    }

    /// The message as it goes out.
    pub fn message(&self) -> Result<Message, ComposeError> {
        let mut b = Message::builder()
            .from(self.mailbox("From", &self.from)?)
            .to(self.mailbox("To", &self.to)?)
            .subject(one_line(&self.subject))
            .message_id(Some(self.msgid.clone()))
            .date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.date.max(0) as u64))
            .user_agent(USER_AGENT.to_owned())
            .header(NoAck)
            .header(ContentType::TEXT_PLAIN);
        if !self.cc.is_empty() {
            let mut all = Mailboxes::new();
            for c in &self.cc {
                all.push(self.mailbox("Cc", c)?);
            }
            b = b.header(lettre::message::header::Cc::from(all));
        }
        if let Some(r) = &self.in_reply_to {
            b = b.in_reply_to(r.clone());
        }
        if !self.references.is_empty() {
            b = b.references(self.references.join(" "));
        }
        b.body(self.body.clone())
            .map_err(|source| ComposeError::Build {
                bug: self.bug,
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Composed {
        Composed {
            bug: 1,
            step: Step::Notify,
            suites: vec!["stable".into()],
            msgid: "<maintdb.1.stable.notify@example.org>".into(),
            from: "Tracker <tracker@example.org>".into(),
            to: "1@bugs.debian.org".into(),
            cc: vec![mailbox_text(
                "Evil\r\nBcc: victim@example.org",
                "m@example.org",
            )],
            subject: "Re: zlib: crash\r\nBcc: victim@example.org".into(),
            in_reply_to: Some("<report@example.org>".into()),
            references: vec!["<report@example.org>".into()],
            body: "Hello\n".into(),
            date: 1_793_613_600,
        }
    }

    #[test]
    fn headers_thread_and_never_inject() {
        let text = String::from_utf8(mail().message().unwrap().formatted()).unwrap();
        assert!(
            text.contains("Message-ID: <maintdb.1.stable.notify@example.org>\r\n"),
            "{text}"
        );
        // The run's clock, not the machine's.
        assert!(
            text.contains("Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n"),
            "{text}"
        );
        assert!(
            text.contains("In-Reply-To: <report@example.org>\r\n"),
            "{text}"
        );
        assert!(
            text.contains("References: <report@example.org>\r\n"),
            "{text}"
        );
        assert!(text.contains("X-Debbugs-No-Ack: yes\r\n"), "{text}");
        assert!(text.contains("User-Agent: maintdb/"), "{text}");
        assert!(!text.contains("\r\nBcc:"), "no header smuggled in: {text}");
    }

    #[test]
    fn message_ids_are_checked() {
        assert_eq!(clean_msgid(" <a@b> ").as_deref(), Some("<a@b>"));
        assert_eq!(clean_msgid("<a@b>\r\nBcc: x"), None);
        assert_eq!(clean_msgid("a@b"), None);
        assert_eq!(one_line("a\r\n  b\tc"), "a b c");
    }

    #[test]
    fn a_bad_address_is_named() {
        let mut m = mail();
        m.cc = vec!["not an address".into()];
        let e = m.message().unwrap_err();
        assert!(
            e.to_string().contains("the Cc address `not an address`"),
            "{e}"
        );
    }
}
