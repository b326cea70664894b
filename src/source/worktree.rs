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
        Ok(super::concat(walk(&top, ROOT, true, self.staged())?))
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

/// The unconflicted index entry of `path` among `entries` (from [`under`]), if there is one. A
/// conflicted file has none, and is read from disk.
fn find<'a>(
    staged: &'a Staged,
    entries: &'a [gix::index::Entry],
    path: &str,
) -> Option<&'a gix::index::Entry> {
    let path = path.as_bytes();
    let index = &staged.index;
    // Sorted by path, then stage: the first entry of the path tells whether it is unmerged.
    let at = entries.partition_point(|e| e.path(index) < path);
    entries
        .get(at)
        .filter(|e| e.path(index) == path && e.stage_raw() == 0)
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

/// What a directory holds, in path order.
enum Part {
    /// Files (or symlinks, or submodules) next to each other.
    Files(Vec<Item>),
    /// A subdirectory, its path relative to the repository, and whether that path is exact.
    Dir(PathBuf, String, bool),
}

/// A directory's entry: its path relative to the repository, and whether that is exact (not
/// when a name on the way is not UTF-8, and is shown with replacement characters).
type Item = (String, fs::DirEntry, bool);

/// Lists the files under `dir` (at `rel`, exact or not) in path order, as pieces:
/// subdirectories are walked, and the files of a directory looked at, in parallel.
fn walk(
    dir: &Path,
    rel: &str,
    exact: bool,
    staged: Option<&Staged>,
) -> Result<Vec<Vec<Entry>>, SourceError> {
    use rayon::prelude::*;
    let mut items = fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|item| {
            let item = item.map_err(io(dir))?;
            let name = item.file_name();
            let path = format!("{rel}/{}", name.to_string_lossy());
            Ok((path, item, exact && name.to_str().is_some()))
        })
        .collect::<Result<Vec<Item>, SourceError>>()?;
    items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut parts: Vec<Part> = Vec::new();
    for (path, item, exact) in items {
        // The kind the directory listing gives: no `lstat` for it, unless the file system
        // does not say.
        let ft = item.file_type().map_err(|source| SourceError::Io {
            path: item.path(),
            source,
        })?;
        // A checked-out submodule is a directory with its own `.git`.
        if ft.is_dir() && !item.path().join(".git").exists() {
            parts.push(Part::Dir(item.path(), path, exact));
        } else if let Some(Part::Files(files)) = parts.last_mut() {
            files.push((path, item, exact));
        } else {
            parts.push(Part::Files(vec![(path, item, exact)]));
        }
    }
    let here = staged.map(|g| under(g, rel)).unwrap_or_default();
    let pieces = parts
        .into_par_iter()
        .map(|part| match part {
            Part::Dir(full, path, exact) => walk(&full, &path, exact, staged),
            Part::Files(files) => {
                let mut out = Vec::with_capacity(files.len());
                files
                    .into_par_iter()
                    .map(|item| entry(item, staged, here))
                    .collect_into_vec(&mut out);
                Ok(vec![out.into_iter().collect::<Result<_, _>>()?])
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pieces.into_iter().flatten().collect())
}

/// The entry of the file (or symlink, or submodule) `item` at `path`: one `lstat`, and the
/// staged blob instead of the file when the index vouches for it.
fn entry(
    (path, item, exact): Item,
    staged: Option<&Staged>,
    here: &[gix::index::Entry],
) -> Result<Entry, SourceError> {
    // Relative to the open directory: no path to resolve again.
    let meta = item.metadata().map_err(|source| SourceError::Io {
        path: item.path(),
        source,
    })?;
    let ft = meta.file_type();
    let (mode, location) = if ft.is_dir() {
        (Mode::Submodule, Location::None)
    } else if ft.is_symlink() {
        (Mode::Symlink, Location::None)
    } else {
        let mode = if meta.permissions().mode() & 0o111 != 0 {
            Mode::Executable
        } else {
            Mode::File
        };
        let location = staged
            .and_then(|g| Some((g, find(g, here, &path)?)))
            .and_then(|(g, e)| unchanged(g, e, &meta, mode))
            .map_or_else(
                || match exact {
                    true => Location::Fs,
                    false => Location::FsAt(item.path().into_boxed_path()),
                },
                Location::Blob,
            );
        (mode, location)
    };
    Ok(Entry {
        path,
        mode,
        location,
    })
}

/// The bytes of a file of the working tree at `root`.
pub(super) fn read(root: &Path, entry: &Entry) -> Result<Content, SourceError> {
    let path = &match &entry.location {
        Location::Fs => root.join(&entry.path),
        Location::FsAt(path) => path.to_path_buf(),
        _ => return Ok(Content::Skipped),
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
