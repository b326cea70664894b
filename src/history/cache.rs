//! The history cache: one line per commit in `<git dir>/maintdb/history.jsonl`, a checksum
//! and the commit's events as JSON. A line whose checksum does not match (a crash cut it
//! short, a disk flipped a bit, someone edited it) is never trusted: its commit is read from
//! git again and the cache is rewritten whole.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::CommitEvents;
use crate::checksum::fnv64;

pub fn path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("maintdb").join("history.jsonl")
}

/// What the cache holds, and whether some of it was damaged.
#[derive(Default)]
pub struct Loaded {
    pub commits: HashMap<String, CommitEvents>,
    pub damaged: bool,
}

/// One line: `<checksum as 16 hex digits> <json>`.
fn line(c: &CommitEvents) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec(c)?;
    let mut out = format!("{:016x} ", fnv64(&json)).into_bytes();
    out.extend_from_slice(&json);
    out.push(b'\n');
    Ok(out)
}

fn parse(l: &[u8]) -> Option<CommitEvents> {
    let (sum, json) = l.split_at_checked(16)?;
    let json = json.strip_prefix(b" ")?;
    let sum = u64::from_str_radix(std::str::from_utf8(sum).ok()?, 16).ok()?;
    if sum != fnv64(json) {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// Loads the cache; a missing file is an empty cache.
pub fn load(path: &Path) -> Loaded {
    match std::fs::File::open(path) {
        Ok(file) => read(std::io::BufReader::new(file)),
        Err(_) => Loaded::default(),
    }
}

/// Reads a cache's lines; any line that is not as [`append`] wrote it marks the cache damaged.
pub fn read(input: impl BufRead) -> Loaded {
    let mut out = Loaded::default();
    for l in input.split(b'\n') {
        let Ok(l) = l else {
            out.damaged = true;
            break;
        };
        match parse(&l) {
            Some(c) => {
                out.commits.insert(c.id.clone(), c);
            }
            None => out.damaged = true,
        }
    }
    out
}

/// Appends the commits read this time. Entries never change (a commit's events depend only on
/// the commit), so the file only grows.
pub fn append(path: &Path, commits: &[&CommitEvents]) -> std::io::Result<()> {
    let dir = path.parent().expect("the cache lives in a directory");
    std::fs::create_dir_all(dir)?;
    let mut buf = Vec::new();
    for c in commits {
        buf.extend(line(c)?);
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&buf)
}

/// Writes the cache anew with `commits`, oldest first, replacing a damaged one in one rename.
pub fn rewrite(path: &Path, commits: &[&CommitEvents]) -> std::io::Result<()> {
    let dir = path.parent().expect("the cache lives in a directory");
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    for c in commits {
        tmp.write_all(&line(c)?)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
