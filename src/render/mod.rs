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

/// What a render is told of the commits since another (one a generation was rendered from):
/// the packages whose pages may differ between that commit's render and this one's, or
/// `None` when it cannot tell.
pub type Since<'a> = &'a (dyn Fn(&str) -> Option<std::collections::HashSet<String>> + Sync);

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

impl<'a> Input<'a> {
    /// A render of the records alone, at `commit`: no history, no tracks, no process
    /// documentation.
    pub fn of_records(db: &'a Db, commit: &'a str) -> Input<'a> {
        static NO_TIMELINES: std::collections::BTreeMap<u64, Vec<crate::history::tracks::Change>> =
            std::collections::BTreeMap::new();
        Input {
            db,
            history: Default::default(),
            commit,
            timelines: &NO_TIMELINES,
            process: &[],
            stats: Default::default(),
        }
    }
}

/// Writes every path of `site` into the target's generation, and the keys of its pages beside
/// it: for a page of a package, person, group or shard the hash of its inputs, for every other
/// page the hash of its bytes. Into a fresh generation, the pages whose inputs are unchanged
/// since the published one are hard-linked from it. Into an older generation brought up to
/// date, only the pages whose keys differ from what it holds are written (by rename into
/// place), and the pages gone are removed. The tree is the same bytes either way. A package
/// that `since` (asked with the commit the reused or published generation was rendered from)
/// does not name keeps its key from that generation's keys, unkeyed.
pub fn render_site(
    target: publish::Target,
    site: &site::Site,
    since: Since,
    progress: &indicatif::ProgressBar,
) -> Result<(), RenderError> {
    let dir = target.dir;
    let paths = site.paths();
    progress.set_length(paths.len() as u64);
    let folders = folders_of(paths.iter());
    for d in folders.iter().filter(|d| !d.is_empty()) {
        let p = dir.join(d);
        std::fs::create_dir_all(&p).map_err(|source| RenderError::Io { path: p, source })?;
    }
    let holds = target.holds.as_ref();
    let kept = match holds {
        Some(_) => None,
        None => target
            .published
            .and_then(|p| Some((p, keys::read(&keys::path_of(p))?))),
    };
    let shared = site.shared_key();
    let reference = holds
        .or(kept.as_ref().map(|(_, k)| k))
        .filter(|k| k.origin().shared == shared)
        .and_then(|k| Some((k, since(&k.origin().commit)?)));
    let input_keys = site.input_keys(&paths, reference);
    let page = |i: usize| -> Result<(keys::Key, bool), RenderError> {
        let rel = paths.get(i);
        let input_key = input_keys.of(&paths, i);
        let held = holds.and_then(|h| h.get(i, rel));
        if let Some(k) = input_key {
            if held == Some(k) {
                return Ok((k, true));
            }
            if let Some((old, keys)) = &kept
                && keys.get(i, rel) == Some(k)
                && std::fs::hard_link(old.join(rel), dir.join(rel)).is_ok()
            {
                return Ok((k, false));
            }
        }
        let rendered = match site.named(rel) {
            Some(n) => n.render(rel)?,
            None if site::list(rel).is_some() => {
                let k = stream_list(site, dir, rel, held, holds.is_some())?;
                return Ok((k, held.is_some()));
            }
            None => site.get(rel)?.expect("every listed path renders"),
        };
        let k = input_key.unwrap_or_else(|| keys::key(&rendered.bytes));
        if held != Some(k) {
            write_file(&dir.join(rel), &rendered.bytes, holds.is_some())?;
        }
        Ok((k, held.is_some()))
    };
    // Each page's key, and whether the reused generation held the page, in the order of
    // `paths`: written in place. The pages before the packages' (the whole-site lists, each
    // as big as the site) are taken one at a time, so that no worker gets them all; the
    // others a run of pages at a time (the progress bar moves by runs).
    const RUN: usize = 512;
    let mut made: Vec<(keys::Key, bool)> = vec![(keys::Key::default(), false); paths.len()];
    let lists_len = paths.packages_from();
    let (lists, rest) = made.split_at_mut(lists_len);
    let (whole_site, per_page) = rayon::join(
        || {
            lists
                .par_iter_mut()
                .enumerate()
                .with_max_len(1)
                .try_for_each(|(i, slot)| -> Result<(), RenderError> {
                    *slot = page(i)?;
                    progress.inc(1);
                    Ok(())
                })
        },
        || {
            rest.par_chunks_mut(RUN).enumerate().try_for_each(
                |(run, slots)| -> Result<(), RenderError> {
                    for (j, slot) in slots.iter_mut().enumerate() {
                        *slot = page(lists_len + run * RUN + j)?;
                    }
                    progress.inc(slots.len() as u64);
                    Ok(())
                },
            )
        },
    );
    whole_site?;
    per_page?;
    // Every page the reused generation held is one of this render's: nothing to remove.
    let found = made.iter().filter(|(_, held)| *held).count();
    if let Some(holds) = holds.filter(|h| h.pages().count() != found) {
        let now: std::collections::HashSet<&str> = paths.iter().collect();
        let gone = holds.pages().filter(|p| !now.contains(p));
        remove_gone(dir, gone)?;
    }
    // Each folder as it is now: a file added to or removed from the tree after this makes it
    // untrusted.
    let folders: Vec<(String, keys::Key)> = folders
        .into_iter()
        .map(|f| {
            let stamp = keys::folder_stamp(&dir.join(f));
            (keys::folder(f), stamp.unwrap_or_default())
        })
        .collect();
    let listed = paths
        .iter()
        .zip(made.into_iter().map(|(k, _)| k))
        .chain(folders.iter().map(|(f, k)| (f.as_str(), *k)));
    let at = keys::path_of(dir);
    let origin = keys::Origin {
        commit: site.commit().to_owned(),
        shared,
    };
    keys::write(&at, &origin, listed).map_err(|source| RenderError::Io { path: at, source })?;
    progress.finish_and_clear();
    Ok(())
}

/// The folders of `paths` (and the generation's own, `""`). The paths come in runs that take
/// turns among a few folders (a package's `.txt`, `.html` and `maintainer/` pages): a folder
/// is looked up in the set only when it is not one of the last few seen, not once per page.
fn folders_of<'a>(paths: impl Iterator<Item = &'a str>) -> std::collections::BTreeSet<&'a str> {
    let mut folders = std::collections::BTreeSet::from([""]);
    let mut recent = [""; 4];
    for d in paths.filter_map(|p| p.rsplit_once('/').map(|(d, _)| d)) {
        if !recent.contains(&d) {
            folders.insert(d);
            recent.rotate_right(1);
            recent[0] = d;
        }
    }
    folders
}

/// Writes a page: into a fresh generation directly, into a reused one by rename, so that a
/// reader holding the old file reads its old bytes whole.
fn write_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), RenderError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| RenderError::Io { path, source }
    };
    if !replace {
        return std::fs::write(path, bytes).map_err(io(path));
    }
    let part = part_of(path);
    std::fs::write(&part, bytes).map_err(io(&part))?;
    std::fs::rename(&part, path).map_err(io(path))
}

/// Where a page is written before it is renamed into place.
fn part_of(path: &Path) -> std::path::PathBuf {
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    part.into()
}

/// Writes one of the lists of `site` to its file as it is made, and returns its key. Into a
/// reused generation by rename, as [`write_file`] does, and not at all when the bytes are
/// those it holds (`held`).
fn stream_list(
    site: &site::Site,
    dir: &Path,
    rel: &str,
    held: Option<keys::Key>,
    replace: bool,
) -> Result<keys::Key, RenderError> {
    let path = dir.join(rel);
    let to = if replace {
        part_of(&path)
    } else {
        path.clone()
    };
    let io = |source| RenderError::Io {
        path: to.clone(),
        source,
    };
    let file = std::fs::File::create(&to).map_err(io)?;
    // Buffered before it is keyed: the key is summed over long runs, not over every quote
    // and comma of the JSON.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, keys::Keyed::new(file));
    site.write_list(rel, &mut out).map_err(io)?;
    let keyed = out.into_inner().map_err(|e| io(e.into_error()))?;
    let k = keyed.finish().map_err(io)?;
    if replace {
        let placed = if held == Some(k) {
            std::fs::remove_file(&to)
        } else {
            std::fs::rename(&to, &path)
        };
        placed.map_err(io)?;
    }
    Ok(k)
}

/// Removes the pages of a reused generation that the new one does not have, and the folders
/// they leave empty.
fn remove_gone<'a>(dir: &Path, gone: impl Iterator<Item = &'a str>) -> Result<(), RenderError> {
    let mut folders = std::collections::BTreeSet::new();
    for rel in gone {
        let path = dir.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(RenderError::Io { path, source }),
        }
        if let Some((folder, _)) = rel.rsplit_once('/') {
            folders.insert(folder.to_owned());
        }
    }
    // Deepest first; a folder that still holds pages stays.
    for folder in folders.iter().rev() {
        let _ = std::fs::remove_dir(dir.join(folder));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_folder_is_found_however_the_paths_take_turns() {
        // Six folders in turn (more than are remembered), one nested, and pages at the top.
        let mut paths = vec!["index.html".to_owned()];
        for i in 0..20 {
            for d in ["a", "b", "c", "d", "e", "tracks/2026"] {
                paths.push(format!("{d}/{i}.html"));
            }
        }
        paths.push("packages.txt".to_owned());
        let folders = folders_of(paths.iter().map(String::as_str));
        assert_eq!(
            folders.into_iter().collect::<Vec<_>>(),
            ["", "a", "b", "c", "d", "e", "tracks/2026"]
        );
    }
}
