//! Opening the repository a hook runs in, with the objects of the push still in git's
//! quarantine. gix does not read `GIT_OBJECT_DIRECTORY` or `GIT_ALTERNATE_OBJECT_DIRECTORIES`,
//! so the object database is rebuilt from a private directory whose `info/alternates` names the
//! quarantine, git's alternates and the repository's own objects. That directory is ours alone:
//! nothing is ever written into the quarantine, whose contents git moves into the repository
//! when the push is accepted.

use std::path::{Path, PathBuf};

/// A repository opened for a hook; keeps the private object directory alive.
pub struct HookRepo {
    pub repo: gix::Repository,
    _objects: Option<tempfile::TempDir>,
}

/// Failures while opening the hook's repository.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the repository at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot prepare the object database for the quarantined push in {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Opens the repository at `dir` (git runs hooks inside it), honouring the quarantine
/// variables found in `env`.
pub fn open(dir: &Path, env: impl Fn(&str) -> Option<String>) -> Result<HookRepo, OpenError> {
    let mut repo = gix::open(dir).map_err(|source| OpenError::Open {
        path: dir.to_owned(),
        source,
    })?;
    repo.object_cache_size_if_unset(4 * 1024 * 1024);
    let Some(quarantine) = env("GIT_OBJECT_DIRECTORY") else {
        return Ok(HookRepo {
            repo,
            _objects: None,
        });
    };
    let absolute = |p: &str| {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            dir.join(p)
        }
    };
    let mut dirs = vec![absolute(&quarantine)];
    if let Some(alts) = env("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        dirs.extend(alts.split(':').filter(|s| !s.is_empty()).map(absolute));
    }
    let own = repo.objects.store_ref().path().to_owned();
    if !dirs.contains(&own) {
        dirs.push(own);
    }
    let tmp = tempfile::Builder::new()
        .prefix("maintdb-hook-")
        .tempdir()
        .map_err(|source| OpenError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let info = tmp.path().join("info");
    let io = |source| OpenError::Io {
        path: info.clone(),
        source,
    };
    std::fs::create_dir(&info).map_err(io)?;
    let lines: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    std::fs::write(info.join("alternates"), lines.join("\n") + "\n").map_err(io)?;
    repo.objects = gix::odb::at(tmp.path(), repo.object_hash())
        .map_err(io)?
        .into();
    Ok(HookRepo {
        repo,
        _objects: Some(tmp),
    })
}
