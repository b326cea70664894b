//! Pushes through the real gitolite3 (Debian's package): gitolite-shell, driven as sshd drives
//! it (`SSH_ORIGINAL_COMMAND`, `SSH_CONNECTION`; no sshd needed), checks its own access rules
//! and then runs maintdb's pre-receive hook with `GL_USER` set to the pusher.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{fixtures, git_ok, maintdb, repo_from, run};

const GITOLITE_SHELL: &str = "/usr/share/gitolite3/gitolite-shell";

/// A gitolite installation in its own HOME, serving `maintainers` (seeded from the hook
/// fixture, with maintdb's hook installed) to the people of the fixture.
struct Gitolite {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    /// The `ssh` git runs: it passes the command to gitolite-shell as sshd would.
    ssh: PathBuf,
}

impl Gitolite {
    fn new() -> Gitolite {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = git\n\temail = git@localhost\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        let gitolite = |args: &[&str]| {
            let out = Command::new("gitolite")
                .env("HOME", &home)
                .args(args)
                .output()
                .expect("gitolite3 is installed");
            assert!(
                out.status.success(),
                "gitolite {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        gitolite(&["setup", "-a", "admin"]);
        let seed = repo_from(&fixtures().join("hook"));
        let bare = home.join("repositories/maintainers.git");
        git_ok(
            seed.path(),
            &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
        );
        std::fs::write(
            home.join(".gitolite/conf/gitolite.conf"),
            "repo gitolite-admin\n    RW+ = admin\n\n\
             repo maintainers\n    RW+ = alice bob carol dave buildsystem\n",
        )
        .unwrap();
        gitolite(&["compile"]);
        gitolite(&["setup", "--hooks-only"]);
        let (code, out, err) =
            run(maintdb(tmp.path()).args(["hook", "install", bare.to_str().unwrap()]));
        assert_eq!(code, 0, "{out}{err}");
        let ssh = tmp.path().join("ssh");
        std::fs::write(
            &ssh,
            format!(
                "#!/bin/sh\nfor last; do :; done\n\
                 export SSH_ORIGINAL_COMMAND=\"$last\" SSH_CONNECTION='127.0.0.1 40000 127.0.0.1 22' HOME='{}'\n\
                 exec {GITOLITE_SHELL} \"$GL_TEST_USER\"\n",
                home.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
        Gitolite {
            _tmp: tmp,
            home,
            ssh,
        }
    }

    fn bare(&self) -> PathBuf {
        self.home.join("repositories/maintainers.git")
    }

    /// Pushes `dir`'s HEAD to main as the gitolite user `user`: success and git's stderr.
    fn push(&self, dir: &Path, user: &str) -> (bool, String) {
        crate::support::push_with(
            dir,
            &["git@localhost:maintainers", "HEAD:main"],
            &[
                ("GIT_SSH_COMMAND", self.ssh.as_os_str()),
                ("GL_TEST_USER", user.as_ref()),
            ],
        )
    }
}

#[test]
fn pushes_through_gitolite_reach_the_hook_as_gl_user() {
    let gl = Gitolite::new();
    let tmp = tempfile::tempdir().unwrap();
    let dir = crate::support::bob_takes_orphan2(tmp.path(), &gl.bare());
    let before = git_ok(&gl.bare(), &["rev-parse", "main"]);
    // A user gitolite does not know is stopped by gitolite: the hook never runs.
    let (ok, err) = gl.push(&dir, "mallory");
    assert!(!ok);
    assert!(err.contains("DENIED"), "{err}");
    assert!(!err.contains("remote:"), "the hook ran: {err}");
    // Another person's push of bob's take: gitolite lets carol write, the hook refuses.
    let (ok, err) = gl.push(&dir, "carol");
    assert!(!ok);
    assert!(err.contains("cannot-set-others"), "{err}");
    assert!(err.contains("carol cannot set someone else"), "{err}");
    assert_eq!(git_ok(&gl.bare(), &["rev-parse", "main"]), before);
    // The maintainer's own push lands.
    let (ok, err) = gl.push(&dir, "bob");
    assert!(ok, "{err}");
    assert_eq!(
        git_ok(&gl.bare(), &["rev-parse", "main"]),
        git_ok(&dir, &["rev-parse", "HEAD"])
    );
}
