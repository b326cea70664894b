//! Gathering what one sync observes, from every source: the BTS (the tracked bugs, the release
//! team's requests), the mirror (each suite and its proposed-updates) and the archive's queue
//! report. Any failure stops the gathering and names its source, so that nothing is written
//! from half a picture.

use std::collections::BTreeSet;
use std::time::Duration;

use super::archive::{self, Versions};
use super::bts::{Bts, BtsError, RELEASE_TEAM};
use super::sync::{Request, Suite, World};
use crate::fetch::{self, FetchError, Input};
use crate::import::InputError;

/// Where each source lives.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub bts: String,
    /// A Debian mirror's base, holding `dists/`.
    pub mirror: String,
    /// The queue report, `new.822`.
    pub queue: String,
    pub timeout: Duration,
}

/// A source that failed.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    #[error(transparent)]
    Bts(#[from] BtsError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{input}:{line}: {message}")]
    Malformed {
        input: String,
        line: usize,
        message: String,
    },
}

fn malformed(input: &str, mut errors: Vec<InputError>) -> ObserveError {
    let first = errors.remove(0);
    ObserveError::Malformed {
        input: input.to_owned(),
        line: first.line,
        message: first.message,
    }
}

/// The URL of a suite's `Sources.xz` on a mirror.
pub fn sources_url(mirror: &str, dist: &str) -> String {
    format!(
        "{}/dists/{dist}/main/source/Sources.xz",
        mirror.trim_end_matches('/')
    )
}

fn fetch_text(url: &str, timeout: Duration) -> Result<String, FetchError> {
    let opts = fetch::Options {
        connect_timeout: timeout,
        read_timeout: timeout,
        progress: false,
    };
    fetch::read_text(&Input::parse(url), &opts)
}

/// The versions a suite of the mirror holds.
pub fn suite_versions(
    mirror: &str,
    dist: &str,
    timeout: Duration,
) -> Result<Versions, ObserveError> {
    let url = sources_url(mirror, dist);
    let text = fetch_text(&url, timeout)?;
    archive::versions(&text).map_err(|e| malformed(&url, e))
}

/// The point release a suite of the mirror is at: the `Version:` of `dists/<codename>/Release`.
pub fn point_release(
    mirror: &str,
    codename: &str,
    timeout: Duration,
) -> Result<String, ObserveError> {
    let url = format!("{}/dists/{codename}/Release", mirror.trim_end_matches('/'));
    let text = fetch_text(&url, timeout)?;
    release_file_version(&text).ok_or_else(|| ObserveError::Malformed {
        input: url,
        line: 1,
        message: "no `Version: X.Y` field: a released suite's Release file says which point \
                  release it is at"
            .into(),
    })
}

/// The `Version:` of a Release file's first paragraph, when it is a point release X.Y.
pub fn release_file_version(text: &str) -> Option<String> {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| l.strip_prefix("Version:"))
        .map(str::trim)
        .filter(|v| crate::record::is_point_release(v))
        .map(ToOwned::to_owned)
}

/// Asks every source about `bugs` and `suites`.
pub fn gather(
    bugs: &BTreeSet<u64>,
    suites: &[Suite],
    at: &Endpoints,
) -> Result<World, ObserveError> {
    let bts = Bts::new(&at.bts, at.timeout)?;
    let mut world = World {
        asked: bugs.clone(),
        ..World::default()
    };
    let list: Vec<u64> = bugs.iter().copied().collect();
    world.statuses = bts.get_status(&list)?;
    let tags = bts.get_usertag(RELEASE_TEAM, &["pu", "opu"])?;
    let requests: BTreeSet<u64> = tags.values().flatten().copied().collect();
    let requests: Vec<u64> = requests.into_iter().collect();
    let codenames: Vec<&str> = suites.iter().map(|s| s.codename.as_str()).collect();
    world.requests = bts
        .get_status(&requests)?
        .values()
        .filter_map(|s| Request::from_status(s, &codenames))
        .collect();
    for s in suites {
        let released = suite_versions(&at.mirror, &s.codename, at.timeout)?;
        let proposed = suite_versions(
            &at.mirror,
            &format!("{}-proposed-updates", s.codename),
            at.timeout,
        )?;
        world.released.insert(s.codename.clone(), released);
        world.proposed.insert(s.codename.clone(), proposed);
        let at_release = point_release(&at.mirror, &s.codename, at.timeout)?;
        world.point_releases.insert(s.codename.clone(), at_release);
    }
    let text = fetch_text(&at.queue, at.timeout)?;
    world.queue = archive::queue(&text).map_err(|e| malformed(&at.queue, e))?;
    Ok(world)
}
