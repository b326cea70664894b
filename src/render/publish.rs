//! Atomic publishing: each render goes into a generation directory beside the published path,
//! which is a symlink swapped in one `rename`. A reader sees the old tree or the new one, never
//! a mix; a render that dies leaves the published tree as it was. The last two generations
//! are kept, and the older one (which `--out` no longer reaches) is what the next render
//! brings up to date, writing only what changed, each file by rename into place: a reader who
//! still holds one of its files open reads the old bytes whole. A generation is reused only
//! when its keys file is whole and this build wrote it; the keys file is removed before the
//! first change, so a render killed half-way leaves a tree that is never trusted again (the
//! next render makes a fresh one and prunes it).

use std::path::{Path, PathBuf};

use super::keys::{self, Keys};

/// Failures while publishing.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "{path} exists and is not a maintdb publication (a symlink to a rendered tree); move it away first"
    )]
    NotALink { path: PathBuf },
    #[error("cannot publish to {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io {
        path: path.to_owned(),
        source,
    }
}

/// How many generations stay on disk: the published one and the one before.
pub const KEEP: usize = 2;

/// Where one render writes.
pub struct Target<'a> {
    /// The generation directory to fill.
    pub dir: &'a Path,
    /// The generation published so far, to hard-link unchanged pages from into a fresh one.
    pub published: Option<&'a Path>,
    /// When `dir` is an older generation brought up to date: what it holds, path by path.
    pub holds: Option<Keys>,
}

/// Renders with `render` and publishes the result at `out`: into the generation before the
/// published one when `reuse` is set and that one can be trusted, else into a fresh one.
pub fn publish<E: From<PublishError>>(
    out: &Path,
    label: &str,
    reuse: bool,
    render: impl FnOnce(Target) -> Result<(), E>,
) -> Result<PathBuf, E> {
    Publication::begin(out, label, reuse)?.finish(render)
}

/// A publication under way: the published path is locked and the generation to fill is
/// chosen, but nothing is changed yet. Dropped before [`Publication::finish`], it leaves
/// everything as it was (a render that finds the records invalid publishes nothing).
pub struct Publication {
    out: PathBuf,
    name: String,
    parent: PathBuf,
    prefix: String,
    gen_name: String,
    previous: Option<String>,
    /// The older generation to bring up to date, with what it holds.
    older: Option<(String, Keys)>,
    /// Held until the new generation is published and the old ones pruned.
    _lock: std::fs::File,
}

impl Publication {
    /// Locks the published path `out` (one render at a time: post-receive hooks may overlap)
    /// and, when `reuse` is set, finds and reads the older generation to reuse.
    pub fn begin(out: &Path, label: &str, reuse: bool) -> Result<Publication, PublishError> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".to_owned());
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        if let Ok(meta) = std::fs::symlink_metadata(out)
            && !meta.file_type().is_symlink()
        {
            return Err(PublishError::NotALink {
                path: out.to_owned(),
            });
        }
        // An flock dies with its process, so a killed render never leaves the path locked.
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        remove_stale_links(&parent, &name)?;
        let prefix = format!(".{name}.gen-");
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let gen_name = format!("{prefix}{stamp:024}-{label}");
        let previous = std::fs::read_link(out)
            .ok()
            .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| n.starts_with(&prefix));
        let older = if reuse {
            older_generation(&parent, &prefix, previous.as_deref())?
        } else {
            None
        };
        Ok(Publication {
            out: out.to_owned(),
            name,
            parent,
            prefix,
            gen_name,
            previous,
            older,
            _lock: lock,
        })
    }

    /// Renders with `render` into the chosen generation and publishes it.
    pub fn finish<E: From<PublishError>>(
        self,
        render: impl FnOnce(Target) -> Result<(), E>,
    ) -> Result<PathBuf, E> {
        let (parent, gen_name, previous) = (&self.parent, self.gen_name, self.previous);
        let gen_dir = parent.join(&gen_name);
        let previous_dir = previous.as_ref().map(|n| parent.join(n));
        let holds = match self.older {
            Some((name, holds)) => {
                // Untrusted from the first change on: the keys go first, then the name.
                let from = parent.join(&name);
                let keys = keys::path_of(&from);
                std::fs::remove_file(&keys).map_err(io(&keys))?;
                sync_dir(parent)?;
                std::fs::rename(&from, &gen_dir).map_err(io(&gen_dir))?;
                Some(holds)
            }
            None => {
                std::fs::create_dir(&gen_dir).map_err(io(&gen_dir))?;
                None
            }
        };
        render(Target {
            dir: &gen_dir,
            published: previous_dir.as_deref().filter(|d| d.is_dir()),
            holds,
        })?;
        let link = parent.join(format!(".{}.link-{}", self.name, std::process::id()));
        std::os::unix::fs::symlink(&gen_name, &link).map_err(io(&link))?;
        std::fs::rename(&link, &self.out).map_err(io(&self.out))?;
        prune(parent, &self.prefix, &[Some(gen_name), previous])?;
        Ok(gen_dir)
    }
}

/// The newest generation beside the published one whose keys this build can trust, with
/// them.
fn older_generation(
    parent: &Path,
    prefix: &str,
    published: Option<&str>,
) -> Result<Option<(String, Keys)>, PublishError> {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .map_err(io(parent))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) && Some(n.as_str()) != published)
        .collect();
    names.sort();
    Ok(names.into_iter().rev().find_map(|n| {
        let dir = parent.join(&n);
        let holds = keys::read(&keys::path_of(&dir))?;
        // A page added or removed since its keys were written: never trusted.
        keys::folders_hold(&dir, &holds).then_some((n, holds))
    }))
}

fn sync_dir(dir: &Path) -> Result<(), PublishError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// Removes the links that renders killed before their swap left (this one holds the lock, so
/// no other render is between making its link and renaming it).
fn remove_stale_links(parent: &Path, name: &str) -> Result<(), PublishError> {
    let prefix = format!(".{name}.link-");
    for entry in std::fs::read_dir(parent)
        .map_err(io(parent))?
        .filter_map(Result::ok)
    {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let p = entry.path();
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    Ok(())
}

/// Removes every generation but the published one and the one published before it
/// ([`KEEP`] in all), with their keys files; half-written generations of killed renders go
/// too.
fn prune(parent: &Path, prefix: &str, keep: &[Option<String>; KEEP]) -> Result<(), PublishError> {
    for entry in std::fs::read_dir(parent)
        .map_err(io(parent))?
        .filter_map(Result::ok)
    {
        let n = entry.file_name().to_string_lossy().into_owned();
        let generation = n.strip_suffix(".keys").unwrap_or(&n);
        if n.starts_with(prefix) && !keep.iter().flatten().any(|k| k == generation) {
            let p = parent.join(&n);
            let gone = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            gone.map_err(io(&p))?;
        }
    }
    Ok(())
}
