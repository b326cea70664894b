//! How a mail goes out: SMTP (lettre, `smtp://` or `smtps://`, credentials from the
//! environment), the local `sendmail`, or a Maildir outbox for review. Each send ends in one
//! of three fates, and the difference matters: a mail refused for certain is tried again by
//! the next run; a mail whose fate is unknown is never re-sent without a person deciding.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Transport as _;
use lettre::transport::smtp::authentication::Credentials;

use super::compose::Composed;

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Transport {
    Smtp(String),
    Sendmail,
    Outbox(PathBuf),
}

/// What became of one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// The server accepted it.
    Sent,
    /// Not accepted, for certain: the connection was refused, or the server answered 4xx/5xx
    /// before accepting it. The next run tries again.
    Refused(String),
    /// It may or may not have gone out (the connection broke mid-way). Left for a person.
    Unknown(String),
}

/// The SMTP URL does not read.
#[derive(Debug, thiserror::Error)]
#[error("{url} is not an SMTP URL")]
struct BadSmtpUrl {
    url: String,
    #[source]
    source: lettre::transport::smtp::Error,
}

fn smtp(url: &str) -> Result<lettre::SmtpTransport, BadSmtpUrl> {
    let mut b = lettre::SmtpTransport::from_url(url)
        .map_err(|source| BadSmtpUrl {
            url: url.to_owned(),
            source,
        })?
        .timeout(Some(Duration::from_secs(60)));
    if let (Ok(user), Ok(pass)) = (
        std::env::var("MAINTDB_SMTP_USER"),
        std::env::var("MAINTDB_SMTP_PASSWORD"),
    ) {
        b = b.credentials(Credentials::new(user, pass));
    }
    Ok(b.build())
}

/// Writes `bytes` into a Maildir as a new message: into `tmp/`, then renamed into `new/`, so a
/// reader never sees half a mail.
fn to_maildir(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let tmp = dir.join("tmp").join(name);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join("new").join(name))
}

impl Transport {
    /// Sends one mail.
    pub fn send(&self, mail: &Composed) -> Fate {
        let message = match mail.message() {
            Ok(m) => m,
            Err(e) => return Fate::Refused(e.to_string()),
        };
        match self {
            Transport::Outbox(dir) => {
                let name: String = mail
                    .msgid
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@'))
                    .collect();
                match to_maildir(dir, &format!("{name}.eml"), &message.formatted()) {
                    Ok(()) => Fate::Sent,
                    Err(e) => Fate::Refused(format!("cannot write to {}: {e}", dir.display())),
                }
            }
            Transport::Sendmail => match lettre::SendmailTransport::new().send(&message) {
                Ok(()) => Fate::Sent,
                Err(e) => Fate::Unknown(format!("sendmail: {e}")),
            },
            Transport::Smtp(url) => {
                let t = match smtp(url) {
                    Ok(t) => t,
                    Err(e) => return Fate::Refused(format!("{e}: {}", e.source)),
                };
                // A connection that cannot be made sends nothing, for certain; lettre's send
                // does not tell that apart from one that broke later, so try it first.
                match t.test_connection() {
                    Ok(true) => {}
                    Ok(false) => return Fate::Refused(format!("{url}: the server did not answer")),
                    Err(e) => return Fate::Refused(format!("{url}: {e}")),
                }
                match t.send(&message) {
                    Ok(_) => Fate::Sent,
                    Err(e) if e.is_permanent() || e.is_transient() => {
                        Fate::Refused(format!("{url}: {e}"))
                    }
                    Err(e) => Fate::Unknown(format!("{url}: {e}")),
                }
            }
        }
    }
}
