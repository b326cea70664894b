//! `maintdb render`: every path of docs/outputs.md for one commit, as a pure function of it.
//!
//! The pages are made by modules that read neither the clock nor the machine, in one
//! direction: [`output`] (kinds and bytes) and the views ([`view`], [`track_view`], [`stats`])
//! ← the page modules ([`html`], [`text`], [`rss`], [`process`], [`tracker`], `stats_page`,
//! `charts`) ← [`site`], which assembles them. The edges are elsewhere: [`snapshot`] reads the
//! commit from git (validation, history, the tracker's timeline) and hands the site its inputs,
//! and [`keys`] and [`publish`] write the output directory (a generation's name takes the
//! clock; the keys of unchanged pages are trusted only from the same executable). The same
//! commit gives the same bytes.

mod charts;
pub mod html;
pub mod keys;
pub mod output;
pub mod process;
pub mod publish;
pub mod rss;
pub mod site;
pub mod snapshot;
pub mod stats;
mod stats_page;
pub mod text;
pub mod track_view;
pub mod tracker;
pub mod view;

use std::path::Path;

use rayon::prelude::*;

use crate::history::CommitEvents;
use crate::model::Db;

/// The newest this many events are shown on `changelog.html`.
pub const CHANGELOG_EVENTS: usize = 500;

/// How many of the newest commits of `history` the site shows: enough for the changelog's
/// events, the feed's items and the window of `changes.txt`. A server keeps only these.
pub fn shown(history: &[CommitEvents]) -> usize {
    let mut events = 0;
    let changelog = history
        .iter()
        .position(|c| {
            events += c.events.len();
            events >= CHANGELOG_EVENTS
        })
        .map_or(history.len(), |i| i + 1);
    let feed = history
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.events.is_empty())
        .nth(rss::MAX_ITEMS - 1)
        .map_or(history.len(), |(i, _)| i + 1);
    let window = history.first().map_or(0, |tip| {
        let since = tip.time - text::CHANGES_WINDOW;
        history.iter().take_while(|c| c.time > since).count()
    });
    changelog.max(feed).max(window)
}

/// Failures while writing the output tree.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write {path}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot render {what}")]
    Template {
        what: String,
        #[source]
        source: askama::Error,
    },
    #[error(transparent)]
    Publish(#[from] publish::PublishError),
}

/// What one render is of.
pub struct Input<'a> {
    pub db: &'a Db,
    /// The first-parent history, newest first; at least the [`shown`] part of it.
    pub history: std::sync::Arc<Vec<CommitEvents>>,
    /// The rendered commit's id.
    pub commit: &'a str,
    /// Each track's changes of state, from the same history.
    pub timelines: &'a std::collections::BTreeMap<u64, Vec<crate::history::tracks::Change>>,
    /// The process documentation of the commit (`docs/process/*.md`).
    pub process: &'a [process::Doc],
    /// The trends of the whole history (not only the part in `history`).
    pub stats: std::sync::Arc<stats::Stats>,
}

/// Writes every path of `site` into `dir`, which must exist and be empty, and the keys of its
/// pages beside it. With `previous`, a generation published before, the pages of packages,
/// people, groups and shards whose inputs are unchanged are hard-linked from it instead of
/// made again: the tree is the same bytes either way.
pub fn render_site(
    dir: &Path,
    site: &site::Site,
    previous: Option<&Path>,
    progress: &indicatif::ProgressBar,
) -> Result<(), RenderError> {
    let paths = site.paths();
    progress.set_length(paths.len() as u64);
    let parents: std::collections::BTreeSet<&str> = paths
        .iter()
        .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
        .collect();
    for d in parents {
        let p = dir.join(d);
        std::fs::create_dir_all(&p).map_err(|source| RenderError::Io { path: p, source })?;
    }
    let kept = previous.and_then(|p| Some((p, keys::read(&keys::path_of(p))?)));
    let made: Vec<Option<keys::Key>> = paths
        .par_iter()
        .map(|rel| -> Result<Option<keys::Key>, RenderError> {
            let path = dir.join(rel);
            let named = site.named(rel);
            let key = named.as_ref().map(site::Named::key);
            if let (Some(k), Some((old, keys))) = (key, &kept)
                && keys.get(rel.as_str()) == Some(&k)
                && std::fs::hard_link(old.join(rel), &path).is_ok()
            {
                progress.inc(1);
                return Ok(key);
            }
            let rendered = match named {
                Some(n) => n.render(rel)?,
                None => site.get(rel)?.expect("every listed path renders"),
            };
            std::fs::write(&path, &rendered.bytes)
                .map_err(|source| RenderError::Io { path, source })?;
            progress.inc(1);
            Ok(key)
        })
        .collect::<Result<_, _>>()?;
    let listed: Vec<(&str, keys::Key)> = paths
        .iter()
        .zip(made)
        .filter_map(|(p, k)| Some((p.as_str(), k?)))
        .collect();
    let at = keys::path_of(dir);
    keys::write(&at, &listed).map_err(|source| RenderError::Io { path: at, source })?;
    progress.finish_and_clear();
    Ok(())
}
