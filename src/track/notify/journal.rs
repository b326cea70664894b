//! The mail journal, `<git dir>/maintdb/mail`: the mails a run is sending, written (and synced
//! to disk) before the first one goes out, and each mail's fate written as soon as the mail
//! server answered. The run's one commit records the fates; only then is the journal removed.
//! A run killed on the way leaves it behind, and the next run records it first (a run holds
//! `<git dir>/maintdb/mail.lock` for its whole length; a second run on the same clone waits
//! for it a minute, then gives up): a mail whose answer was written is recorded as sent,
//! one without is in doubt, never sent again by itself.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::value::Datetime;

use crate::record::Intent;
use crate::track::mail::transport::Fate;

/// What the journal says of one mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub bug: u64,
    pub step: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<String>,
    pub msgid: String,
    pub since: Datetime,
    /// `sent` or `refused` once the mail server answered; absent while the answer is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fate: Option<String>,
}

impl Entry {
    pub fn new(bug: u64, i: &Intent) -> Entry {
        Entry {
            bug,
            step: i.step.clone(),
            suites: i.suites.clone(),
            msgid: i.msgid.clone(),
            since: i.since,
            fate: None,
        }
    }

    pub fn intent(&self) -> Intent {
        Intent {
            step: self.step.clone(),
            suites: self.suites.clone(),
            msgid: self.msgid.clone(),
            since: self.since,
        }
    }

    /// The fate to record: an entry without an answer is in doubt.
    pub fn fate(&self) -> Fate {
        match self.fate.as_deref() {
            Some("sent") => Fate::Sent,
            Some("refused") => Fate::Refused("refused before the run was interrupted".into()),
            _ => Fate::Unknown("the run was interrupted while sending it".into()),
        }
    }

    pub fn answered(&mut self, fate: &Fate) {
        self.fate = match fate {
            Fate::Sent => Some("sent".into()),
            Fate::Refused(_) => Some("refused".into()),
            Fate::Unknown(_) => None,
        };
    }
}

/// The journal of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    /// The branch tip the mails were planned on: commits after it that name a mail's
    /// Message-ID have recorded it.
    pub base: String,
    #[serde(default, rename = "mail")]
    pub mails: Vec<Entry>,
}

/// The journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "another maintdb run has been sending the tracker's mail from this clone for a minute \
         (it holds {lock}); nothing was sent: run again once it ends"
    )]
    Busy { lock: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: {source}; it lists the mails a killed run was sending: look at it, and remove it \
         only once each mail is settled (maintdb track notify --mark-sent or --resend)"
    )]
    Unreadable {
        path: PathBuf,
        source: toml::de::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_owned(),
        source,
    }
}

fn dir(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("maintdb")
}

/// The journal left by a killed run, if any, read without taking the lock (for `todo`).
pub fn peek(repo: &gix::Repository) -> Result<Option<Journal>, JournalError> {
    read(&dir(repo).join("mail"))
}

fn read(path: &Path) -> Result<Option<Journal>, JournalError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .map(Some)
            .map_err(|source| JournalError::Unreadable {
                path: path.to_owned(),
                source,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// How long a run waits for the one before it on the same clone.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A run that may send mail: it holds the clone's mail lock until it is dropped (or dies).
pub struct Run {
    _lock: File,
    dir: PathBuf,
}

impl Run {
    /// Takes the clone's mail lock, or says who holds it.
    pub fn begin(repo: &gix::Repository) -> Result<Run, JournalError> {
        let dir = dir(repo);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let lock = dir.join("mail.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(io(&lock))?;
        // A run from cron may start while the one before still sends: it waits a while.
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Run { _lock: file, dir }),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(JournalError::Busy { lock });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(&lock)(e)),
            }
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join("mail")
    }

    /// The journal a killed run left.
    pub fn left(&self) -> Result<Option<Journal>, JournalError> {
        read(&self.path())
    }

    /// Writes the journal through a synced temporary file renamed into place, so that it is
    /// whole on disk before the mail it announces goes out.
    pub fn write(&self, j: &Journal) -> Result<(), JournalError> {
        let tmp = self.dir.join("mail.tmp");
        let text = toml::to_string(j).expect("a journal serializes");
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(text.as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, self.path()).map_err(io(&tmp))?;
        self.sync_dir()
    }

    /// Removes the journal once its mails are recorded.
    pub fn clear(&self) -> Result<(), JournalError> {
        let path = self.path();
        match std::fs::remove_file(&path) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn sync_dir(&self) -> Result<(), JournalError> {
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.dir))
    }
}

/// The Message-IDs named by the commits from `head` back to (not including) `base`: the mails
/// those commits recorded. A base that is not there any more (history rewritten) hides
/// nothing, so every commit is read.
pub fn recorded(
    repo: &gix::Repository,
    head: Option<gix::ObjectId>,
    base: &str,
    msgids: &[&str],
) -> Result<BTreeSet<String>, gix::Error> {
    let mut found = BTreeSet::new();
    let Some(head) = head else {
        return Ok(found);
    };
    let hidden: Vec<gix::ObjectId> = gix::ObjectId::from_hex(base.as_bytes())
        .ok()
        .filter(|id| repo.find_commit(*id).is_ok())
        .into_iter()
        .collect();
    let walk = repo
        .rev_walk([head])
        .with_hidden(hidden)
        .all()
        .map_err(gix::Error::from_error)?;
    for info in walk {
        let info = info.map_err(gix::Error::from_error)?;
        let commit = repo.find_commit(info.id).map_err(gix::Error::from_error)?;
        let message = commit.message_raw_sloppy().to_string();
        for m in msgids {
            if message.contains(m) {
                found.insert((*m).to_owned());
            }
        }
        if found.len() == msgids.len() {
            break;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fates_survive_the_journal() {
        let since: Datetime = "2026-11-02T10:00:00Z".parse().unwrap();
        let i = Intent {
            step: "notify".into(),
            suites: vec!["stable".into(), "oldstable".into()],
            msgid: "<m@x>".into(),
            since,
        };
        let mut e = Entry::new(7, &i);
        assert!(matches!(e.fate(), Fate::Unknown(_)), "no answer: in doubt");
        e.answered(&Fate::Sent);
        let j = Journal {
            base: "0".repeat(40),
            mails: vec![e],
        };
        let back: Journal = toml::from_str(&toml::to_string(&j).unwrap()).unwrap();
        assert_eq!(back, j);
        assert_eq!(back.mails[0].fate(), Fate::Sent);
        assert_eq!(back.mails[0].intent(), i);
    }
}
