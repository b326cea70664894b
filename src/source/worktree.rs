//! Records from a directory on disk (a clone's working tree).

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{Content, Entry, Location, MAX_FILE_SIZE, Mode, ROOT, SourceError};

/// A working tree: the directory that holds `maintainers/`.
pub struct WorktreeSource {
    root: PathBuf,
    /// The repository whose working tree this is, when it is one: its index tells which
    /// files are unchanged since they were staged, as `git status` uses it.
    git: std::sync::OnceLock<Option<Box<Staged>>>,
}

/// A clone's repository and its index.
pub(super) struct Staged {
    pub(super) repo: gix::ThreadSafeRepository,
    index: gix::index::File,
}

impl WorktreeSource {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WorktreeSource {
            root: root.into(),
            git: std::sync::OnceLock::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository and index of the working tree, when `root` is the top of a clone.
    pub(super) fn staged(&self) -> Option<&Staged> {
        self.git
            .get_or_init(|| {
                let repo = gix::open(&self.root).ok()?;
                let top = repo.workdir()?.canonicalize().ok()?;
                if top != self.root.canonicalize().ok()? {
                    return None;
                }
                let index = repo.open_index().ok()?;
                Some(Box::new(Staged {
                    repo: repo.into_sync(),
                    index,
                }))
            })
            .as_deref()
    }

    pub(super) fn entries(&self) -> Result<Vec<Entry>, SourceError> {
        let top = self.root.join(ROOT);
        if !top.is_dir() {
            return Err(SourceError::NoRecords {
                where_: self.root.display().to_string(),
            });
        }
        walk(&top, ROOT, self.staged())
    }

    pub(super) fn read_path(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let full = self.root.join(path);
        match fs::read(&full) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SourceError::Io { path: full, source }),
        }
    }
}

/// The index entries under the directory `rel` (repository-relative), sorted by path and stage
/// as the index keeps them: one search of the index per directory.
fn under<'a>(staged: &'a Staged, rel: &str) -> &'a [gix::index::Entry] {
    let prefix = format!("{rel}/");
    staged
        .index
        .prefixed_entries(prefix.as_str().into())
        .unwrap_or_default()
}

/// The unconflicted entries among `entries` (from [`under`]) of paths asked for in sorted
/// order: one pass over the directory's part of the index. A conflicted file has none, and
/// is read from disk.
struct Cursor<'a> {
    staged: &'a Staged,
    entries: &'a [gix::index::Entry],
}

impl<'a> Cursor<'a> {
    fn find(&mut self, path: &str) -> Option<&'a gix::index::Entry> {
        let path = path.as_bytes();
        let index = &self.staged.index;
        while let Some((e, rest)) = self.entries.split_first() {
            match <[u8]>::cmp(e.path(index), path) {
                std::cmp::Ordering::Less => self.entries = rest,
                std::cmp::Ordering::Equal => return (e.stage_raw() == 0).then_some(e),
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }
}

/// The staged blob of index entry `e` when the file on disk is the one it describes: same
/// mode, size, times and inode, and not changed in the same instant the index was written
/// (racy git: such a file is read from disk, whatever its stat data says).
fn unchanged(
    staged: &Staged,
    e: &gix::index::Entry,
    meta: &fs::Metadata,
    mode: Mode,
) -> Option<gix::ObjectId> {
    use gix::index::entry::{Flags, Mode as IndexMode};
    use std::os::unix::fs::MetadataExt;
    let want = match mode {
        Mode::File => IndexMode::FILE,
        Mode::Executable => IndexMode::FILE_EXECUTABLE,
        _ => return None,
    };
    if e.mode != want
        || e.flags
            .intersects(Flags::INTENT_TO_ADD | Flags::ASSUME_VALID)
    {
        return None;
    }
    let s = &e.stat;
    // The index keeps these fields truncated to 32 bits, as git does.
    let same = u64::from(s.size) == meta.size() & 0xffff_ffff
        && i64::from(s.mtime.secs) == meta.mtime() & 0xffff_ffff
        && i64::from(s.mtime.nsecs) == meta.mtime_nsec()
        && i64::from(s.ctime.secs) == meta.ctime() & 0xffff_ffff
        && i64::from(s.ctime.nsecs) == meta.ctime_nsec()
        && u64::from(s.ino) == meta.ino() & 0xffff_ffff;
    let written = staged.index.timestamp();
    let racy = racy(
        (i64::from(s.mtime.secs), s.mtime.nsecs),
        (written.unix_seconds(), written.nanoseconds()),
    );
    (same && !racy).then_some(e.id)
}

/// Whether a file modified at `mtime` may have changed again unseen after an index written
/// at `written` recorded it: when it was modified in the same instant or later, a change
/// within the timestamps' resolution leaves the stat data as it was.
fn racy(mtime: (i64, u32), written: (i64, u32)) -> bool {
    mtime >= written
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Lists the files under `dir` in path order, subdirectories in parallel. The list is sized
/// from the index: on a large tree, growing it is most of the cost of the walk.
fn walk(dir: &Path, rel: &str, staged: Option<&Staged>) -> Result<Vec<Entry>, SourceError> {
    use rayon::prelude::*;
    let here = staged.map(|g| under(g, rel)).unwrap_or_default();
    let mut cursor = staged.map(|staged| Cursor {
        staged,
        entries: here,
    });
    let mut out = Vec::with_capacity(here.len());
    let mut subdirs = Vec::new();
    let mut items = fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|item| {
            let item = item.map_err(io(dir))?;
            Ok((
                format!("{rel}/{}", item.file_name().to_string_lossy()),
                item,
            ))
        })
        .collect::<Result<Vec<_>, SourceError>>()?;
    items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (path, item) in items {
        // Relative to the open directory: no path to resolve again.
        let meta = item.metadata().map_err(|source| SourceError::Io {
            path: item.path(),
            source,
        })?;
        let ft = meta.file_type();
        if ft.is_dir() {
            let full = item.path();
            // A checked-out submodule is a directory with its own `.git`.
            if full.join(".git").exists() {
                out.push(Entry {
                    path,
                    mode: Mode::Submodule,
                    location: Location::None,
                });
            } else {
                subdirs.push((full, path));
            }
        } else if ft.is_symlink() {
            out.push(Entry {
                path,
                mode: Mode::Symlink,
                location: Location::None,
            });
        } else {
            let mode = if meta.permissions().mode() & 0o111 != 0 {
                Mode::Executable
            } else {
                Mode::File
            };
            let location = match cursor
                .as_mut()
                .and_then(|c| Some((c.staged, c.find(&path)?)))
                .and_then(|(g, e)| unchanged(g, e, &meta, mode))
            {
                Some(id) => Location::Blob(id),
                None => Location::Fs(item.path()),
            };
            out.push(Entry {
                path,
                mode,
                location,
            });
        }
    }
    // Sorted runs, one per directory: the sort in [`super::Source::entries`] only merges them.
    let below: Vec<Vec<Entry>> = subdirs
        .par_iter()
        .map(|(full, path)| walk(full, path, staged))
        .collect::<Result<_, _>>()?;
    out.extend(below.into_iter().flatten());
    Ok(out)
}

pub(super) fn read(entry: &Entry) -> Result<Content, SourceError> {
    let Location::Fs(path) = &entry.location else {
        return Ok(Content::Skipped);
    };
    let file = fs::File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    if len > MAX_FILE_SIZE {
        return Ok(Content::TooLarge(len));
    }
    let mut buf = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut buf)
        .map_err(io(path))?;
    if buf.len() as u64 > MAX_FILE_SIZE {
        return Ok(Content::TooLarge(buf.len() as u64));
    }
    Ok(Content::Bytes(buf))
}

#[cfg(test)]
mod tests {
    #[test]
    fn racy_entries() {
        assert!(super::racy((100, 5), (100, 5)), "the same instant");
        assert!(super::racy((100, 6), (100, 5)), "later");
        assert!(super::racy((101, 0), (100, 999)), "later second");
        assert!(!super::racy((100, 4), (100, 5)), "before");
        assert!(!super::racy((99, 999), (100, 0)), "an earlier second");
    }
}
