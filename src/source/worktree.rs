//! Records from a directory on disk (a clone's working tree).

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{Content, Entry, Location, MAX_FILE_SIZE, Mode, ROOT, SourceError};

/// A working tree: the directory that holds `maintainers/`.
pub struct WorktreeSource {
    root: PathBuf,
}

impl WorktreeSource {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WorktreeSource { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(super) fn entries(&self) -> Result<Vec<Entry>, SourceError> {
        let top = self.root.join(ROOT);
        if !top.is_dir() {
            return Err(SourceError::NoRecords {
                where_: self.root.display().to_string(),
            });
        }
        let mut out = Vec::new();
        walk(&top, ROOT, &mut out)?;
        Ok(out)
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

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<Entry>) -> Result<(), SourceError> {
    for item in fs::read_dir(dir).map_err(io(dir))? {
        let item = item.map_err(io(dir))?;
        let full = item.path();
        let name = item.file_name().to_string_lossy().into_owned();
        let path = format!("{rel}/{name}");
        let meta = fs::symlink_metadata(&full).map_err(io(&full))?;
        let ft = meta.file_type();
        if ft.is_dir() {
            // A checked-out submodule is a directory with its own `.git`.
            if full.join(".git").exists() {
                out.push(Entry {
                    path,
                    mode: Mode::Submodule,
                    location: Location::None,
                });
            } else {
                walk(&full, &path, out)?;
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
            out.push(Entry {
                path,
                mode,
                location: Location::Fs(full),
            });
        }
    }
    Ok(())
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
