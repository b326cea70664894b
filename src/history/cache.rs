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

/// Writes the cache through a temporary file, so a reader never sees half of it.
pub fn save(path: &Path, commits: &HashMap<String, CommitEvents>) -> std::io::Result<()> {
    let dir = path.parent().expect("the cache lives in a directory");
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        let mut ids: Vec<&String> = commits.keys().collect();
        ids.sort();
        for id in ids {
            serde_json::to_writer(&mut w, &commits[id])?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
