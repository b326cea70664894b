//! Installing the hooks: small sh scripts that call this binary by its absolute path. Their
//! body is the one shipped in the project's `hooks/` directory.

use std::path::{Path, PathBuf};

/// The shipped hooks, with the line that names the binary.
pub const PRE_RECEIVE: &str = include_str!("../../hooks/pre-receive");
pub const PRE_COMMIT: &str = include_str!("../../hooks/pre-commit");

/// The line of every shipped hook that names the binary; installing replaces the default.
const BIN_LINE: &str = "MAINTDB=${MAINTDB:-maintdb}";

/// A hook's text calling the binary at `bin`.
pub fn render(template: &str, bin: &Path) -> String {
    let quoted = format!("'{}'", bin.display().to_string().replace('\'', "'\\''"));
    template.replace(BIN_LINE, &format!("MAINTDB=${{MAINTDB:-{quoted}}}"))
}

/// Failures while installing.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{path} is not a git repository")]
    NotARepo {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes `name` into the repository's hooks directory, executable; the same input always
/// gives the same file.
pub fn write_hook(repo_dir: &Path, name: &str, text: &str) -> Result<PathBuf, InstallError> {
    use std::os::unix::fs::PermissionsExt;
    let repo = gix::open(repo_dir).map_err(|source| InstallError::NotARepo {
        path: repo_dir.to_owned(),
        source,
    })?;
    let dir = repo.git_dir().join("hooks");
    let path = dir.join(name);
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| InstallError::Io { path: p, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let tmp = dir.join(format!(".{name}.maintdb-tmp"));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    Ok(path)
}
