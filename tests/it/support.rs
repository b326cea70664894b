//! Helpers shared by the integration tests: hermetic git, temporary repositories, the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_maintdb")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A `git` command isolated from the user's configuration, with fixed dates.
pub fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .env("GIT_AUTHOR_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z");
    c
}

/// Runs a command and panics with its stderr on failure; returns its stdout.
pub fn succeed(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs git in `dir` with `input` on its standard input; asserts it succeeds and returns its
/// output, trimmed.
pub fn git_input(dir: &Path, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = git(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The raw entries of `tree` in `dir`, as (mode, name, id), modes as trees store them (`40000`,
/// not `040000`).
pub fn tree_entries(dir: &Path, tree: &str) -> Vec<(String, Vec<u8>, String)> {
    git_ok(dir, &["ls-tree", tree])
        .lines()
        .map(|l| {
            let (meta, n) = l.split_once('\t').unwrap();
            let mut m = meta.split(' ');
            let (md, _, oid) = (m.next().unwrap(), m.next().unwrap(), m.next().unwrap());
            (
                md.trim_start_matches('0').to_owned(),
                n.as_bytes().to_vec(),
                oid.to_owned(),
            )
        })
        .collect()
}

/// A tree entry, as the raw bytes a tree object holds.
pub fn tree_entry(mode: &str, name: &[u8], id: &str) -> Vec<u8> {
    let mut e = format!("{mode} ").into_bytes();
    e.extend_from_slice(name);
    e.push(0);
    for i in (0..id.len()).step_by(2) {
        e.push(u8::from_str_radix(&id[i..i + 2], 16).unwrap());
    }
    e
}

/// Runs git and panics with its stderr on failure.
pub fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `maintdb` binary with the same isolated git environment.
pub fn maintdb(dir: &Path) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z");
    c
}

pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the command runs");
    (
        status.code().expect("exited normally"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Copies a directory tree (keeping modes and symlinks as they are).
pub fn copy_tree(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(st.success());
}

/// A new repository holding a copy of `maintainers` from `fixture`, committed on `main`.
pub fn repo_from(fixture: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    git_ok(tmp.path(), &["init", "-q", "-b", "main"]);
    copy_tree(
        &fixture.join("maintainers"),
        &tmp.path().join("maintainers"),
    );
    git_ok(tmp.path(), &["add", "-A"]);
    git_ok(tmp.path(), &["commit", "-q", "-m", "fixture"]);
    tmp
}

/// A bare repository seeded from a fixture, with the hook installed.
pub struct Server {
    _tmp: tempfile::TempDir,
    pub bare: PathBuf,
}

impl Server {
    pub fn new(fixture: &str) -> Server {
        Server::with(fixture, &[])
    }

    /// A server seeded from `fixture` plus extra files (path under maintainers/, content).
    pub fn with(fixture: &str, extra: &[(String, String)]) -> Server {
        let seed = repo_from(&fixtures().join(fixture));
        if !extra.is_empty() {
            for (rel, content) in extra {
                let p = seed.path().join("maintainers").join(rel);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, content).unwrap();
            }
            git_ok(seed.path(), &["add", "-A"]);
            git_ok(seed.path(), &["commit", "-q", "-m", "extra records"]);
        }
        let tmp = tempfile::tempdir().unwrap();
        let bare = tmp.path().join("srv.git");
        git_ok(
            seed.path(),
            &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
        );
        let (code, out, err) =
            run(maintdb(tmp.path()).args(["hook", "install", bare.to_str().unwrap()]));
        assert_eq!(code, 0, "{out}{err}");
        Server { _tmp: tmp, bare }
    }

    pub fn refs(&self) -> String {
        git_ok(
            &self.bare,
            &["for-each-ref", "--format=%(refname) %(objectname)"],
        )
    }

    /// An admin (alice) registers `outside0` … `outside{n-1}` for carol, one push each,
    /// rebasing when others moved the branch first.
    pub fn outside_pushes(&self, n: usize) {
        let c = self.clone("alice");
        for i in 0..n {
            c.write(
                &format!("packages/o/outside{i}.toml"),
                "maintainers = [\"carol\"]\n",
            )
            .add_all()
            .commit(&format!("outside{i}"));
            c.push_rebasing("alice");
        }
    }

    /// A clone whose commits are authored by `login@example.org`.
    pub fn clone(&self, login: &str) -> Clone {
        let tmp = tempfile::tempdir().unwrap();
        git_ok(
            tmp.path(),
            &["clone", "-q", self.bare.to_str().unwrap(), "c"],
        );
        let dir = tmp.path().join("c");
        git_ok(&dir, &["config", "user.name", login]);
        git_ok(
            &dir,
            &["config", "user.email", &format!("{login}@example.org")],
        );
        Clone { _tmp: tmp, dir }
    }
}

pub struct Clone {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Clone {
    pub fn write(&self, rel: &str, content: &str) -> &Self {
        let p = self.dir.join("maintainers").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.dir.join("maintainers").join(rel)).unwrap();
        self
    }

    /// Commits everything with the clone's configured author (git's env author is cleared).
    pub fn commit(&self, msg: &str) -> &Self {
        succeed(
            git(&self.dir)
                .env_remove("GIT_AUTHOR_NAME")
                .env_remove("GIT_AUTHOR_EMAIL")
                .args(["commit", "-q", "-a", "-m", msg]),
        );
        self
    }

    pub fn add_all(&self) -> &Self {
        git_ok(&self.dir, &["add", "-A"]);
        self
    }

    /// Pushes as `pusher` (None: no identity at all); returns success and git's stderr.
    pub fn push_as(&self, pusher: Option<&str>, args: &[&str]) -> (bool, String) {
        let mut cmd = git(&self.dir);
        for v in maintdb::policy::IDENTITY_VARS {
            cmd.env_remove(v);
        }
        if let Some(p) = pusher {
            cmd.env("MAINTDB_PUSHER", p);
        }
        let out = cmd
            .arg("push")
            .args(["origin"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn push(&self, pusher: &str) -> (bool, String) {
        self.push_as(Some(pusher), &["main"])
    }

    /// Pushes as `pusher`, rebasing on the server's branch while others move it first.
    pub fn push_rebasing(&self, pusher: &str) {
        for _ in 0..50 {
            if self.push(pusher).0 {
                return;
            }
            git_ok(&self.dir, &["pull", "-q", "--rebase", "origin", "main"]);
        }
        let (_, err) = self.push(pusher);
        panic!("the push keeps failing: {err}");
    }
}

/// Starts `cmd` `times` times and kills each run (its process group) with SIGKILL after a delay spread over
/// `within` (evenly, with a pseudo-random jitter, so that every phase of the command is hit),
/// calling `after(i)` once each killed run is reaped. A run that finishes first is fine.
pub fn kill_runs(
    times: u32,
    within: std::time::Duration,
    mut cmd: impl FnMut(u32) -> Command,
    mut after: impl FnMut(u32),
) {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..times {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let step = within / times;
        let jitter = step.mul_f64((seed >> 11) as f64 / (1u64 << 53) as f64);
        use std::os::unix::process::CommandExt as _;
        // Its own process group, killed whole: the command and the `git` it runs die together,
        // as under a service manager.
        let mut child = cmd(i)
            .process_group(0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the command starts");
        std::thread::sleep(step * i + jitter);
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .status();
        child.wait().expect("the killed command is reaped");
        after(i);
    }
}

/// `git fsck` of `dir` finds nothing wrong (dangling objects of a killed run are fine).
pub fn fsck_clean(dir: &Path) {
    let out = git(dir)
        .args(["fsck", "--no-dangling", "--no-progress"])
        .output()
        .expect("git runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.trim().is_empty(),
        "git fsck: {text}"
    );
}

/// Every file under `dir` (a directory, or the symlink a render publishes), by relative path.
/// How many files of the tree at `dir` are hard links (shared with another generation).
pub fn linked(dir: &Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    tree(dir)
        .keys()
        .filter(|p| std::fs::metadata(dir.join(p)).unwrap().nlink() > 1)
        .count()
}

pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(base).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A port nothing listens on now, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port` (5 s at most), else fails with `log`'s text.
pub fn wait_for_port(port: u16, what: &str, log: &Path) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "{what} did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// A clone of `from` in `parent/c` with one commit by bob: he takes orphan2 (from the hook
/// fixture, where nobody maintains it).
pub fn bob_takes_orphan2(parent: &Path, from: &Path) -> PathBuf {
    let dir = parent.join("c");
    git_ok(
        parent,
        &["clone", "-q", from.to_str().unwrap(), dir.to_str().unwrap()],
    );
    std::fs::write(
        dir.join("maintainers/packages/o/orphan2.toml"),
        "maintainers = [\"bob\"]\n",
    )
    .unwrap();
    git_ok(
        &dir,
        &[
            "commit",
            "-qam",
            "bob takes orphan2",
            "--author",
            "Bob <bob@example.org>",
        ],
    );
    dir
}

/// `git push` in `dir` with `args` and `envs`, and no pusher identity of the test's own:
/// success and git's stderr.
pub fn push_with(dir: &Path, args: &[&str], envs: &[(&str, &std::ffi::OsStr)]) -> (bool, String) {
    let mut cmd = git(dir);
    for v in maintdb::policy::IDENTITY_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(envs.iter().copied());
    let out = cmd.arg("push").args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
