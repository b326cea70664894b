//! Pushes over HTTP through the real Apache (Debian's apache2) running git-http-backend behind
//! basic auth: Apache checks the password and passes the user to the hook as `REMOTE_USER`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{bin, fixtures, git_ok, repo_from, run};

const MODULES: &str = "/usr/lib/apache2/modules";

struct Apache {
    child: Child,
    port: u16,
    _tmp: tempfile::TempDir,
    repos: PathBuf,
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

impl Apache {
    /// `maintainers.git` seeded from the hook fixture, with the hook installed, served at
    /// `/git/` to the users of an htpasswd file made by the real `htpasswd`.
    fn start(users: &[(&str, &str)]) -> Apache {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let dir = dir.as_path();
        // Apache's children run as `nobody` when started by root: they must reach the binary
        // the hook names, so it is copied where they can.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let maintdb = dir.join("maintdb");
        std::fs::copy(bin(), &maintdb).unwrap();
        let repos = dir.join("repos");
        let bare = repos.join("maintainers.git");
        let seed = repo_from(&fixtures().join("hook"));
        git_ok(
            seed.path(),
            &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
        );
        git_ok(&bare, &["config", "http.receivepack", "true"]);
        let (code, out, err) =
            run(Command::new(&maintdb).args(["hook", "install", bare.to_str().unwrap()]));
        assert_eq!(code, 0, "{out}{err}");
        let pw = dir.join("htpasswd");
        for (user, password) in users {
            let create = if pw.exists() { "-bB" } else { "-cbB" };
            let out = Command::new("htpasswd")
                .args([create, pw.to_str().unwrap(), user, password])
                .output()
                .expect("htpasswd (apache2-utils) is installed");
            assert!(out.status.success());
        }
        let root = is_root();
        if root {
            let out = Command::new("chown")
                .args(["-R", "nobody:nogroup", repos.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(out.status.success());
        }
        let port = crate::support::free_port();
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let modules = [
            ("mpm_prefork", "mod_mpm_prefork"),
            ("authn_core", "mod_authn_core"),
            ("authn_file", "mod_authn_file"),
            ("authz_core", "mod_authz_core"),
            ("authz_user", "mod_authz_user"),
            ("auth_basic", "mod_auth_basic"),
            ("alias", "mod_alias"),
            ("env", "mod_env"),
            ("cgi", "mod_cgi"),
        ]
        .iter()
        .map(|(name, file)| format!("LoadModule {name}_module {MODULES}/{file}.so\n"))
        .collect::<String>();
        let conf = format!(
            "ServerRoot {d}\nServerName localhost\nListen 127.0.0.1:{port}\nPidFile {d}/httpd.pid\n\
             ErrorLog {d}/logs/error.log\n{modules}{user}\
             SetEnv GIT_PROJECT_ROOT {r}\nSetEnv GIT_HTTP_EXPORT_ALL\n\
             ScriptAlias /git/ /usr/lib/git-core/git-http-backend/\n\
             <Location /git/>\n  AuthType Basic\n  AuthName maintainers\n\
             AuthUserFile {pw}\n  Require valid-user\n</Location>\n",
            d = dir.display(),
            r = repos.display(),
            pw = pw.display(),
            user = if root {
                "User nobody\nGroup nogroup\n"
            } else {
                ""
            },
        );
        let conf_path = dir.join("httpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("apache2")
            .args(["-X", "-f", conf_path.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("apache2 is installed");
        let apache = Apache {
            child,
            port,
            _tmp: tmp,
            repos,
        };
        crate::support::wait_for_port(port, "apache", &dir.join("logs/error.log"));
        apache
    }

    fn bare(&self) -> PathBuf {
        self.repos.join("maintainers.git")
    }

    /// Pushes `dir`'s HEAD to main with basic auth: success and git's stderr.
    fn push(&self, dir: &Path, user: &str, password: &str) -> (bool, String) {
        let url = format!(
            "http://{user}:{password}@127.0.0.1:{}/git/maintainers.git",
            self.port
        );
        crate::support::push_with(
            dir,
            &[&url, "HEAD:main"],
            &[("GIT_TERMINAL_PROMPT", "0".as_ref())],
        )
    }
}

/// `git rev-parse` in a repository another user owns.
fn tip(bare: &Path) -> String {
    git_ok(bare, &["-c", "safe.directory=*", "rev-parse", "main"])
}

#[test]
fn pushes_through_git_http_backend_under_apache_reach_the_hook_as_remote_user() {
    let apache = Apache::start(&[("bob", "bob-pw"), ("carol", "carol-pw")]);
    let tmp = tempfile::tempdir().unwrap();
    let seed = repo_from(&fixtures().join("hook"));
    let dir = crate::support::bob_takes_orphan2(tmp.path(), seed.path());
    let before = tip(&apache.bare());
    // A wrong password never reaches the hook: Apache answers 401.
    let (ok, err) = apache.push(&dir, "bob", "wrong");
    assert!(!ok);
    assert!(!err.contains("remote:"), "the hook ran: {err}");
    // carol authenticates, and the hook refuses her push of bob's take.
    let (ok, err) = apache.push(&dir, "carol", "carol-pw");
    assert!(!ok);
    assert!(err.contains("carol cannot set someone else"), "{err}");
    assert_eq!(tip(&apache.bare()), before);
    // bob's own push lands.
    let (ok, err) = apache.push(&dir, "bob", "bob-pw");
    assert!(ok, "{err}");
    assert_eq!(tip(&apache.bare()), git_ok(&dir, &["rev-parse", "HEAD"]));
}
