//! Installing the hooks: small sh scripts that call this binary by its absolute path. Their
//! body is the one shipped in the project's `hooks/` directory.

use std::path::{Path, PathBuf};

/// The shipped hooks, with the line that names the binary.
pub const PRE_RECEIVE: &str = include_str!("../../hooks/pre-receive");
pub const PRE_COMMIT: &str = include_str!("../../hooks/pre-commit");
pub const POST_RECEIVE: &str = include_str!("../../hooks/post-receive");

/// The line of every shipped hook that names the binary; installing replaces the default.
const BIN_LINE: &str = "MAINTDB=${MAINTDB:-maintdb}";

/// The line of the post-receive hook that names the published directory.
const OUT_LINE: &str = "OUT=${MAINTDB_PUBLISH:-}";

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// A hook's text calling the binary at `bin`.
pub fn render(template: &str, bin: &Path) -> String {
    template.replace(BIN_LINE, &format!("MAINTDB=${{MAINTDB:-{}}}", quote(bin)))
}

/// The post-receive hook's text, publishing to `out`.
pub fn render_post_receive(bin: &Path, out: &Path) -> String {
    render(POST_RECEIVE, bin).replace(
        OUT_LINE,
        &format!("OUT=${{MAINTDB_PUBLISH:-{}}}", quote(out)),
    )
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

/// Installs the server's hooks into the bare repository `repo`: pre-receive, and with
/// `publish` post-receive rendering there after each push. Both call the binary at `bin`.
pub fn server(
    repo: &Path,
    bin: &Path,
    publish: Option<&Path>,
) -> Result<Vec<PathBuf>, InstallError> {
    let mut written = vec![write_hook(repo, "pre-receive", &render(PRE_RECEIVE, bin))?];
    if let Some(target) = publish {
        written.push(write_hook(
            repo,
            "post-receive",
            &render_post_receive(bin, target),
        )?);
    }
    Ok(written)
}

/// This binary's path, as the hooks name it.
pub fn this_binary() -> std::io::Result<PathBuf> {
    let bin = std::env::current_exe()?;
    Ok(bin.canonicalize().unwrap_or(bin))
}
