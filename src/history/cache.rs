//! The history cache: one JSON line per commit in `<git dir>/maintdb/history.jsonl`.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::CommitEvents;

pub fn path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("maintdb").join("history.jsonl")
}

/// Loads the cache; a missing or damaged line is just not cached.
pub fn load(path: &Path) -> HashMap<String, CommitEvents> {
    let Ok(file) = std::fs::File::open(path) else {
        return HashMap::new();
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<CommitEvents>(&l).ok())
        .map(|c| (c.id.clone(), c))
        .collect()
}

/// Appends the commits read this time. Entries never change (a commit's events depend only on
/// the commit), so the file only grows; a line damaged by a crash or a concurrent writer is
/// skipped on load and read again from git.
pub fn append(path: &Path, commits: &[&CommitEvents]) -> std::io::Result<()> {
    let dir = path.parent().expect("the cache lives in a directory");
    std::fs::create_dir_all(dir)?;
    let mut buf = Vec::new();
    for c in commits {
        serde_json::to_writer(&mut buf, c)?;
        buf.push(b'\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&buf)
}
