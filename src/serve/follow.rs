//! Following the branch: the commit being served, read from git and swapped in whole when
//! the branch's tip moves, so a reader never sees half of one commit and half of another.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::ServeError;
use crate::render::site::Site;
use crate::render::snapshot::Snapshot;

/// The commit being served.
pub(super) struct Current {
    pub(super) site: Site,
    /// The commit date, as `Last-Modified`.
    pub(super) last_modified: axum::http::HeaderValue,
    /// The big answers compressed once, by path.
    pub(super) packed: std::sync::Mutex<std::collections::HashMap<String, bytes::Bytes>>,
}

/// What every request reads: the current commit, swapped whole when the branch moves.
/// Readers take it without a lock or a reference count of their own.
pub struct Shared {
    pub(super) current: arc_swap::ArcSwap<Current>,
}

impl Shared {
    pub(super) fn new(current: Current) -> Shared {
        Shared {
            current: arc_swap::ArcSwap::from_pointee(current),
        }
    }

    pub(super) fn now(&self) -> arc_swap::Guard<Arc<Current>> {
        self.current.load()
    }

    pub(super) fn served(&self) -> gix::ObjectId {
        gix::ObjectId::from_hex(self.now().site.commit().as_bytes()).expect("a commit id")
    }

    pub(super) fn swap(&self, next: Current) {
        self.current.store(Arc::new(next));
    }
}

/// Reads `commit` whole; the snapshot keeps only the history the site shows.
pub(super) fn read(
    repo: &gix::ThreadSafeRepository,
    commit: gix::ObjectId,
) -> Result<Snapshot, ServeError> {
    match Snapshot::read(repo, commit, true)? {
        Ok(mut s) => {
            s.keep_shown();
            Ok(s)
        }
        Err(report) => Err(ServeError::Invalid {
            commit: commit.to_string(),
            errors: report.errors(),
        }),
    }
}

/// What readers are handed for `snapshot` (read from `repo`), published first when `publish`
/// is set.
pub(super) fn current(
    repo: &gix::ThreadSafeRepository,
    snapshot: &Snapshot,
    publish: Option<&std::path::Path>,
) -> Current {
    let when = UNIX_EPOCH + Duration::from_secs(snapshot.time.max(0) as u64);
    let site = snapshot.site();
    if let Some(dir) = publish {
        let label = snapshot.commit.to_hex_with_len(12).to_string();
        let hidden = indicatif::ProgressBar::hidden();
        let published = crate::render::publish::publish(dir, &label, true, |target| {
            let since = |from: &str| snapshot.packages_since(&repo.to_thread_local(), from);
            crate::render::render_site(target, &site, &since, &hidden)
        });
        if let Err(e) = published {
            // Serving goes on; the published tree stays as it was.
            eprintln!("error: cannot publish {label} at {}: {e}", dir.display());
        }
    }
    Current::new(site, when)
}

impl Current {
    /// `site`, last modified `when`.
    pub(super) fn new(site: Site, when: std::time::SystemTime) -> Current {
        Current {
            site,
            last_modified: axum::http::HeaderValue::from_str(&httpdate::fmt_http_date(when))
                .expect("an HTTP date is a valid header value"),
            packed: Default::default(),
        }
    }
}

/// Keeps the served commit in step with the branch.
pub(super) struct Follow {
    pub(super) repo: gix::ThreadSafeRepository,
    pub(super) name: String,
    pub(super) publish: Option<PathBuf>,
    pub(super) shared: Arc<Shared>,
    /// The records and history of the served commit, which the next one is reached from;
    /// `None` after a failure, when the next commit is read whole. The lock also keeps two
    /// refreshes from running at once.
    pub(super) base: std::sync::Mutex<Option<Snapshot>>,
    /// A tip that failed to load is not tried again until the branch moves on.
    pub(super) failed: std::sync::Mutex<Option<gix::ObjectId>>,
    pub(super) metrics: Arc<super::metrics::Metrics>,
}

impl Follow {
    /// Loads and serves the branch's tip, if it moved.
    pub(super) fn refresh(&self) {
        let Some(now) = crate::edit::branch::tip_of(&self.repo.to_thread_local(), &self.name)
        else {
            return;
        };
        let mut base = self.base.lock().unwrap_or_else(|e| e.into_inner());
        let served = self.shared.served();
        let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        if now == served || Some(now) == *failed {
            return;
        }
        let started = std::time::Instant::now();
        let advanced = match base.as_mut() {
            Some(s) => s.advance(&self.repo, now).unwrap_or_else(|e| {
                eprintln!("warning: {e}; reading {} whole", now.to_hex_with_len(12));
                false
            }),
            None => false,
        };
        if !advanced {
            *base = None;
            match read(&self.repo, now) {
                Ok(s) => *base = Some(s),
                Err(e) => {
                    eprintln!("error: {e}; still serving {}", served.to_hex_with_len(12));
                    self.metrics.reloaded("failed", started.elapsed(), None);
                    *failed = Some(now);
                    return;
                }
            }
        }
        let snapshot = base.as_ref().expect("read or advanced above");
        self.shared
            .swap(current(&self.repo, snapshot, self.publish.as_deref()));
        let label = if advanced { "diff" } else { "whole" };
        self.metrics
            .reloaded(label, started.elapsed(), Some(snapshot.time));
        let how = if advanced {
            "from the tree diff"
        } else {
            "whole"
        };
        eprintln!("serving {} (read {how})", now.to_hex_with_len(12));
    }
}
