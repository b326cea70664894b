//! Following the branch: the commit being served, read from git and swapped in whole when
//! the branch's tip moves, so a reader never sees half of one commit and half of another.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, UNIX_EPOCH};

use super::ServeError;
use crate::render::site::Site;
use crate::render::snapshot::Snapshot;

/// The commit being served.
pub(super) struct Current {
    pub(super) site: Site,
    pub(super) last_modified: String,
}

/// What every request reads: the current commit, swapped whole when the branch moves.
pub struct Shared {
    pub(super) current: RwLock<Arc<Current>>,
}

impl Shared {
    pub(super) fn now(&self) -> Arc<Current> {
        Arc::clone(
            &self
                .current
                .read()
                .expect("never poisoned: writers only swap"),
        )
    }

    pub(super) fn served(&self) -> gix::ObjectId {
        gix::ObjectId::from_hex(self.now().site.commit().as_bytes()).expect("a commit id")
    }

    pub(super) fn swap(&self, next: Current) {
        *self.current.write().expect("never poisoned") = Arc::new(next);
    }
}

/// The branch's ref name: `--branch`, else the one HEAD points to, else `main`.
pub(super) fn branch_ref(repo: &gix::Repository, branch: Option<&str>) -> String {
    match branch {
        Some(b) if b.starts_with("refs/") => b.to_owned(),
        Some(b) => format!("refs/heads/{b}"),
        None => repo
            .head_name()
            .ok()
            .flatten()
            .map_or_else(|| "refs/heads/main".to_owned(), |n| n.as_bstr().to_string()),
    }
}

pub(super) fn tip(repo: &gix::ThreadSafeRepository, name: &str) -> Option<gix::ObjectId> {
    let local = repo.to_thread_local();
    let mut r = local.find_reference(name).ok()?;
    r.peel_to_id().ok().map(|id| id.detach())
}

pub(super) fn load(
    repo: &gix::ThreadSafeRepository,
    commit: gix::ObjectId,
    publish: Option<&std::path::Path>,
) -> Result<Current, ServeError> {
    let snapshot = match Snapshot::read(repo, commit, true)? {
        Ok(s) => s,
        Err(report) => {
            return Err(ServeError::Invalid {
                commit: commit.to_string(),
                errors: report.errors(),
            });
        }
    };
    let when = UNIX_EPOCH + Duration::from_secs(snapshot.time.max(0) as u64);
    let site = snapshot.site();
    if let Some(dir) = publish {
        let label = commit.to_hex_with_len(12).to_string();
        let hidden = indicatif::ProgressBar::hidden();
        let published = crate::render::publish::publish(dir, &label, |d| {
            crate::render::render_site(d, &site, &hidden)
        });
        if let Err(e) = published {
            // Serving goes on; the published tree stays as it was.
            eprintln!("error: cannot publish {label} at {}: {e}", dir.display());
        }
    }
    Ok(Current {
        site,
        last_modified: httpdate::fmt_http_date(when),
    })
}

/// Keeps the served commit in step with the branch.
pub(super) struct Follow {
    pub(super) repo: gix::ThreadSafeRepository,
    pub(super) name: String,
    pub(super) publish: Option<PathBuf>,
    pub(super) shared: Arc<Shared>,
    /// A tip that failed to load is not tried again until the branch moves on.
    pub(super) failed: std::sync::Mutex<Option<gix::ObjectId>>,
}

impl Follow {
    /// Loads and serves the branch's tip, if it moved.
    pub(super) fn refresh(&self) {
        let Some(now) = tip(&self.repo, &self.name) else {
            return;
        };
        let served = self.shared.served();
        let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        if now == served || Some(now) == *failed {
            return;
        }
        match load(&self.repo, now, self.publish.as_deref()) {
            Ok(next) => {
                self.shared.swap(next);
                eprintln!("serving {}", now.to_hex_with_len(12));
            }
            Err(e) => {
                eprintln!("error: {e}; still serving {}", served.to_hex_with_len(12));
                *failed = Some(now);
            }
        }
    }
}
