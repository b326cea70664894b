//! Tracker mail through a real SMTP server on 127.0.0.1 (aiosmtpd, delivering into a Maildir):
//! the notification and its headers, unarchiving first, prods, the throttle over three runs,
//! refusals, and kill -9 at each step of a send. Without aiosmtpd (`apt-get install
//! python3-aiosmtpd`) the SMTP tests say so and skip; `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Clone, Server, git_ok, maintdb, run};

const CONFIG: &str = "distribution = \"Test\"\nbase_url = \"https://maintdb.example.org/\"\n\n\
[mail]\nfrom = \"Point release tracker <tracker@example.org>\"\nbts_domain = \"bugs.example.org\"\n\
control = \"control@bugs.example.org\"\nmax_per_hour = 10\n";

/// A track of `package` whose stable suite is fixed in unstable, and holds a seventh stable
/// update.
fn track(bug: u64, package: &str, archived: bool) -> String {
    format!(
        "package = \"{package}\"\nsuites = [\"stable\"]\n\n[bts]\nsubject = \"{package}: CVE-2026-{bug}\"\n\
         severity = \"important\"\ndone = \"Fixer <f@example.org>\"\nfixed_versions = [\"{package}/2.0-1\"]\n\
         archived = {archived}\nmsgid = \"<report-{bug}@example.org>\"\n\n[stable]\nstate = \"fixed-unstable\"\nnewest = \"1.2-1+deb12u7\"\n"
    )
}

/// The tracker fixture with `[mail]` configured and the given tracks.
fn server(tracks: &[(u64, &str, bool)]) -> Server {
    let mut extra = vec![("config.toml".to_owned(), CONFIG.to_owned())];
    for (bug, pkg, archived) in tracks {
        extra.push((format!("tracks/{bug}.toml"), track(*bug, pkg, *archived)));
    }
    extra.push((
        "groups/zlib-team.toml".into(),
        "description = \"Zlib team\"\nmembers = [\"broonie\"]\n".into(),
    ));
    extra.push((
        "packages/c/curl.toml".into(),
        "maintainers = [\"alice\", \"%zlib-team\"]\n".into(),
    ));
    Server::with("tracker", &extra)
}

pub(crate) fn md(c: &Clone, now: &str, args: &[&str]) -> (i32, String, String) {
    run(maintdb(&c.dir)
        .env("MAINTDB_USER", "dave")
        .env("MAINTDB_PUSHER", "dave")
        .env("MAINTDB_NOW", now)
        .args(args))
}

const T0: &str = "2026-11-02T10:00:00Z";

pub(crate) fn have_aiosmtpd() -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "skipping an SMTP test: aiosmtpd is not installed (apt-get install python3-aiosmtpd)"
        );
    }
    ok
}

/// A server holding `tracks` and dave's clone of it; `None`, with the reason printed, when
/// aiosmtpd is missing.
fn smtp_case(tracks: &[(u64, &str, bool)]) -> Option<(Server, Clone)> {
    if !have_aiosmtpd() {
        return None;
    }
    let s = server(tracks);
    let c = s.clone("dave");
    Some((s, c))
}

/// aiosmtpd on 127.0.0.1, with its Maildir and a log of the steps it saw.
pub(crate) struct Sink {
    child: Child,
    _tmp: tempfile::TempDir,
    pub maildir: PathBuf,
    log: PathBuf,
    pub url: String,
}

impl Sink {
    pub(crate) fn start(extra: &[&str]) -> Sink {
        let tmp = tempfile::tempdir().unwrap();
        let port = crate::httpd::closed_port();
        let maildir = tmp.path().join("Maildir");
        let log = tmp.path().join("log");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
        let child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&maildir)
            .arg(&log)
            .args(extra)
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let sink = Sink {
            child,
            _tmp: tmp,
            maildir,
            log,
            url: format!("smtp://127.0.0.1:{port}"),
        };
        sink.wait_for("READY");
        sink
    }

    fn events(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for(&self, event: &str) {
        let start = Instant::now();
        while !self.events().lines().any(|l| l.starts_with(event)) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no {event} in {}",
                self.events()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The delivered mails, as text.
    pub(crate) fn mails(&self) -> Vec<String> {
        let new = self.maildir.join("new");
        let mut out: Vec<String> = std::fs::read_dir(&new)
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn file(c: &Clone, rel: &str) -> String {
    std::fs::read_to_string(c.dir.join("maintainers").join(rel)).unwrap()
}

fn head(c: &Clone) -> String {
    git_ok(&c.dir, &["rev-parse", "HEAD"])
}

#[test]
fn a_notification_in_the_bugs_thread() {
    let Some((s, c)) = smtp_case(&[(660650, "zlib", false), (2000, "curl", false)]) else {
        return;
    };
    let sink = Sink::start(&[]);
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url, "--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("sent 2, deferred 0\n"), "{out}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 2);
    let zlib = mails
        .iter()
        .find(|m| m.contains("660650@bugs.example.org"))
        .unwrap();
    for header in [
        "Message-ID: <maintdb.660650.stable.notify.20261102T100000Z@example.org>",
        "In-Reply-To: <report-660650@example.org>",
        "References: <report-660650@example.org>",
        "X-Debbugs-No-Ack: yes",
        "Subject: Re: zlib: CVE-2026-660650",
        "To: 660650@bugs.example.org",
        "Cc: \"Mark Brown\" <broonie@example.org>",
    ] {
        assert!(zlib.contains(header), "{header} in\n{zlib}");
    }
    assert!(
        zlib.contains("https://maintdb.example.org/tracker/660650.html"),
        "{zlib}"
    );
    assert!(
        zlib.contains("https://maintdb.example.org/process/index.html"),
        "{zlib}"
    );
    // The next stable update after the suite's seventh, and the request with its article.
    assert!(
        zlib.contains("a +deb12u8 upload") && zlib.contains("and a pu request with its debdiff"),
        "{zlib}"
    );
    // curl's maintainers: a person and a group without an address (a warning names it).
    let curl = mails
        .iter()
        .find(|m| m.contains("2000@bugs.example.org"))
        .unwrap();
    assert!(curl.contains("alice@example.org"), "{curl}");
    assert!(
        err.contains("warning: %zlib-team, a maintainer of curl, has no email address"),
        "{err}"
    );

    let t = file(&c, "tracks/660650.toml");
    assert!(t.contains("state = \"notified\""), "{t}");
    assert!(
        t.contains(
            "notify_msgid = \"<maintdb.660650.stable.notify.20261102T100000Z@example.org>\""
        ),
        "{t}"
    );
    assert!(!t.contains("[[outbox]]"), "{t}");
    // One commit records the run (the intents went to the clone's journal), on the server,
    // naming each mail; the journal is gone.
    let log = git_ok(&c.dir, &["log", "-2", "--format=%s"]);
    assert_eq!(log, "track mail: 2 sent\nextra records\n");
    let message = git_ok(&c.dir, &["log", "-1", "--format=%b"]);
    assert!(
        message.contains(
            "660650 stable: notify sent <maintdb.660650.stable.notify.20261102T100000Z@example.org>"
        ),
        "{message}"
    );
    assert!(!c.dir.join(".git/maintdb/mail").exists());
    assert_eq!(git_ok(&s.bare, &["rev-parse", "main"]), head(&c));
    let (code, out, _) = run(maintdb(&c.dir).arg("check"));
    assert_eq!(code, 0, "{out}");

    // Nothing is due any more: no mail, no commit.
    let before = head(&c);
    let (code, out, _) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0);
    assert!(
        out.contains("no mail is due") && out.ends_with("sent 0, deferred 0\n"),
        "{out}"
    );
    assert_eq!(head(&c), before);
    assert_eq!(sink.mails().len(), 2);
}

#[test]
fn an_archived_bug_is_unarchived_first() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", true)]) else {
        return;
    };
    let sink = Sink::start(&[]);
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0, "{out}{err}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("To: control@bugs.example.org"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("unarchive 660650"), "{}", mails[0]);
    assert!(file(&c, "tracks/660650.toml").contains("unarchive_requested = "));
    // Still archived: the notification waits.
    let (_, out, _) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert!(out.contains("no mail is due"), "{out}");
    assert_eq!(sink.mails().len(), 1);
    // Once sync has seen it unarchived, the notification goes.
    let t = file(&c, "tracks/660650.toml").replace("archived = true\n", "");
    c.write("tracks/660650.toml", &t).commit("sync: unarchived");
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(sink.mails().len(), 2);
}

#[test]
fn prods_follow_the_notification_and_wait_their_turn() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false)]) else {
        return;
    };
    let sink = Sink::start(&[]);
    let (code, _, err) = md(&c, T0, &["track", "prod", "660650", "--smtp", &sink.url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not-notified: bug 660650 was never notified"),
        "{err}"
    );
    md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    let (code, _, err) = md(
        &c,
        "2026-11-10T10:00:00Z",
        &["track", "prod", "660650", "--smtp", &sink.url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("prod-too-soon: the last mail about bug 660650 in stable is 8 days old"),
        "{err}"
    );
    let (code, out, err) = md(
        &c,
        "2026-11-17T10:00:00Z",
        &[
            "track",
            "prod",
            "660650",
            "--note",
            "Any news?",
            "--smtp",
            &sink.url,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let mails = sink.mails();
    let prod = mails.iter().find(|m| m.contains("prod1")).unwrap();
    assert!(
        prod.contains("In-Reply-To: <maintdb.660650.stable.notify.20261102T100000Z@example.org>"),
        "{prod}"
    );
    assert!(prod.contains("Any news?"), "{prod}");
    assert!(file(&c, "tracks/660650.toml").contains("prods = [2026-11-17T10:00:00+00:00]"));
    // --force prods again at once; todo lists it once its interval has passed.
    let (code, _, err) = md(
        &c,
        "2026-11-17T11:00:00Z",
        &["track", "prod", "660650", "--force", "--smtp", &sink.url],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(sink.mails().len(), 3);
    // The prods are in the bug's timeline, after the notification.
    let (_, show, _) = md(&c, "2026-11-17T11:00:00Z", &["track", "show", "660650"]);
    let steps: Vec<&str> = show
        .lines()
        .skip_while(|l| *l != "timeline:")
        .filter(|l| l.contains("stable: "))
        .collect();
    assert!(
        steps.len() >= 3
            && steps[steps.len() - 3].contains("stable: fixed-unstable -> notified")
            && steps[steps.len() - 2].contains("stable: prod 1 sent (notified)")
            && steps[steps.len() - 1].contains("stable: prod 2 sent (notified)"),
        "{show}"
    );
    let (_, out, _) = md(&c, "2026-12-05T10:00:00Z", &["track", "todo"]);
    assert!(
        out.contains("660650 zlib stable: last mail 17 days ago, no progress"),
        "{out}"
    );
}

#[test]
fn maintainers_are_copied_only_where_the_bts_does_not_forward() {
    // Debian's BTS forwards <bug>@bugs.debian.org to the maintainer: no Cc by default. Any
    // other tracker gets the Cc (the other tests), and the setting wins either way.
    for (mail, copied) in [
        ("bts_domain = \"bugs.debian.org\"\n", false),
        (
            "bts_domain = \"bugs.debian.org\"\ncc_maintainers = true\n",
            true,
        ),
        (
            "bts_domain = \"bugs.example.org\"\ncc_maintainers = false\n",
            false,
        ),
    ] {
        let config = format!(
            "distribution = \"Test\"\nbase_url = \"https://maintdb.example.org/\"\n\n\
             [mail]\nfrom = \"Point release tracker <tracker@example.org>\"\n{mail}"
        );
        let s = Server::with(
            "tracker",
            &[
                ("config.toml".to_owned(), config),
                (
                    "tracks/660650.toml".to_owned(),
                    track(660650, "zlib", false),
                ),
            ],
        );
        let c = s.clone("dave");
        let outbox = tempfile::tempdir().unwrap();
        let dir = outbox.path().join("Maildir");
        let (code, out, err) = md(
            &c,
            T0,
            &["track", "notify", "--outbox", dir.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{out}{err}");
        let sent: Vec<String> = std::fs::read_dir(dir.join("new"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert_eq!(sent.len(), 1, "{mail}");
        assert_eq!(sent[0].contains("\r\nCc: "), copied, "{mail}: {}", sent[0]);
    }
}

#[test]
fn todo_shows_a_request_that_was_never_notified() {
    let requested = "package = \"zlib\"\nsuites = [\"stable\"]\n\n[stable]\nstate = \"requested\"\npu_bug = 1070001\n";
    let s = Server::with(
        "tracker",
        &[
            ("config.toml".to_owned(), CONFIG.to_owned()),
            ("tracks/660650.toml".to_owned(), requested.to_owned()),
        ],
    );
    let c = s.clone("dave");
    let (code, out, err) = md(&c, T0, &["track", "todo"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("requests without a notification:\n  660650 zlib stable: requested (#1070001) but its maintainers were never notified"),
        "{out}"
    );
    // The bug's page says so too.
    let site = tempfile::tempdir().unwrap();
    let (code, out, err) = md(
        &c,
        T0,
        &["render", "--out", site.path().join("s").to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}{err}");
    let page = std::fs::read_to_string(site.path().join("s/tracker/660650.html")).unwrap();
    assert!(
        page.contains("<span class=\"stalled\">maintainers never notified</span>"),
        "{page}"
    );
}

/// `n` tracks of bugs `first + 1`... (packages pkg1..., alice's), fixed in unstable; a clone
/// of dave's; an empty outbox directory.
fn many_tracks(first: u64, n: u64) -> (Server, Clone, tempfile::TempDir) {
    let mut extra = vec![("config.toml".to_owned(), CONFIG.to_owned())];
    for i in 1..=n {
        let pkg = format!("pkg{i}");
        extra.push((
            format!("packages/p/{pkg}.toml"),
            "maintainers = [\"alice\"]\n".into(),
        ));
        extra.push((
            format!("tracks/{}.toml", first + i),
            track(first + i, &pkg, false),
        ));
    }
    let s = Server::with("tracker", &extra);
    let c = s.clone("dave");
    (s, c, tempfile::tempdir().unwrap())
}

#[test]
fn due_prods_go_out_in_one_run_throttled_and_the_rest_next_run() {
    let (_s, c, outbox) = many_tracks(6000, 12);
    let dir = outbox.path().join("Maildir");
    let dir = dir.to_str().unwrap();
    let count = || std::fs::read_dir(outbox.path().join("Maildir/new")).map_or(0, |d| d.count());
    // Twelve notifications: ten now, two an hour later.
    md(
        &c,
        "2026-11-02T10:00:00Z",
        &["track", "notify", "--outbox", dir],
    );
    md(
        &c,
        "2026-11-02T11:00:01Z",
        &["track", "notify", "--outbox", dir],
    );
    assert_eq!(count(), 12);
    // A week on: nothing is due.
    let (code, out, err) = md(
        &c,
        "2026-11-09T10:00:00Z",
        &["track", "prod", "--due", "--outbox", dir],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no prod is due"), "{out}");
    assert_eq!(count(), 12);
    // Two weeks on, todo says so, and one command prods them, ten at once.
    let (_, todo, _) = md(&c, "2026-11-16T12:00:00Z", &["track", "todo"]);
    assert!(todo.contains("maintdb track prod --due"), "{todo}");
    let (code, out, err) = md(
        &c,
        "2026-11-16T12:00:00Z",
        &["track", "prod", "--due", "--outbox", dir],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sent 10, deferred 2"), "{out}");
    assert_eq!(count(), 22);
    // The throttle's rest goes out on the next run, not refused.
    let (code, out, err) = md(
        &c,
        "2026-11-16T13:00:01Z",
        &["track", "prod", "--due", "--outbox", dir],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sent 2, deferred 0"), "{out}");
    assert_eq!(count(), 24);
    let t = file(&c, "tracks/6001.toml");
    assert!(t.contains("prods = [2026-11-16T12:00:00+00:00]"), "{t}");
    // And then nothing more is due.
    let (_, out, _) = md(
        &c,
        "2026-11-16T14:00:00Z",
        &["track", "prod", "--due", "--outbox", dir],
    );
    assert!(out.contains("no prod is due"), "{out}");
    assert_eq!(count(), 24);
}

#[test]
fn the_throttle_spreads_thirty_mails_over_three_hours() {
    let (_s, c, outbox) = many_tracks(5000, 30);
    let dir = outbox.path().join("Maildir");
    let dir = dir.to_str().unwrap();
    let count = || std::fs::read_dir(outbox.path().join("Maildir/new")).map_or(0, |d| d.count());
    let before = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let (code, out, _) = md(
        &c,
        "2026-11-02T10:00:00Z",
        &["track", "notify", "--dry-run"],
    );
    assert_eq!(code, 0);
    assert!(
        out.ends_with("dry run: 10 due, 20 deferred; nothing sent\n"),
        "{out}"
    );
    assert!(
        out.starts_with("notify <maintdb.5001.stable.notify.20261102T100000Z@example.org> to 5001@bugs.example.org"),
        "{out}"
    );
    assert_eq!(git_ok(&c.dir, &["rev-parse", "HEAD"]), before);
    for (now, sent, deferred, total) in [
        ("2026-11-02T10:00:00Z", 10, 20, 10),
        ("2026-11-02T10:30:00Z", 0, 20, 10),
        ("2026-11-02T11:00:01Z", 10, 10, 20),
        ("2026-11-02T12:00:02Z", 10, 0, 30),
    ] {
        let (code, out, err) = md(&c, now, &["track", "notify", "--outbox", dir]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.ends_with(&format!("sent {sent}, deferred {deferred}\n")),
            "{now}: {out}"
        );
        assert_eq!(count(), total, "{now}");
    }
}

/// Starts `notify` through `sink`, waits for `event` (the journal names the mail by then), and
/// kills it.
fn kill_at(c: &Clone, sink: &Sink, event: &str) {
    let before = head(c);
    let mut child = maintdb(&c.dir)
        .env("MAINTDB_USER", "dave")
        .env("MAINTDB_NOW", T0)
        .args(["track", "notify", "--smtp", &sink.url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sink.wait_for(event);
    let journal = std::fs::read_to_string(c.dir.join(".git/maintdb/mail")).unwrap_or_default();
    assert!(
        journal.contains("msgid = \"<maintdb.660650.stable.notify."),
        "the journal names the mail before anything is sent: {journal}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(head(c), before, "no bookkeeping commit before the mail");
}

fn after_the_kill(c: &Clone, sink: &Sink, delivered: usize) {
    crate::support::fsck_clean(&c.dir);
    let (code, out, err) = md(c, T0, &["check"]);
    assert_eq!(code, 0, "check after the kill: {out}{err}");
    assert_eq!(sink.mails().len(), delivered);
    let (_, todo, _) = md(c, T0, &["track", "todo"]);
    assert!(todo.contains("mails in doubt"), "{todo}");
    assert!(
        todo.contains(
            "660650 stable notify <maintdb.660650.stable.notify.20261102T100000Z@example.org>"
        ),
        "{todo}"
    );
    // No run sends it again by itself.
    let (code, out, _) = md(c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("in doubt 1"), "{out}");
    assert_eq!(sink.mails().len(), delivered);
}

#[test]
fn killed_at_random_points_never_sends_twice_and_the_next_run_goes_on() {
    let Some((s, c)) = smtp_case(&[(660650, "zlib", false), (2000, "curl", false)]) else {
        return;
    };
    let sink = Sink::start(&[]);
    crate::support::kill_runs(
        12,
        Duration::from_millis(400),
        |_| {
            let mut cmd = maintdb(&c.dir);
            cmd.env("MAINTDB_USER", "dave")
                .env("MAINTDB_PUSHER", "dave")
                .env("MAINTDB_NOW", T0)
                .args(["track", "notify", "--smtp", &sink.url, "--push"]);
            cmd
        },
        |_| {
            crate::support::fsck_clean(&c.dir);
            crate::support::fsck_clean(&s.bare);
            let (code, out, err) = md(&c, T0, &["check"]);
            assert_eq!(code, 0, "check after a kill: {out}{err}");
        },
    );
    // Each bug's notification went out at most once, whatever the kills hit.
    let mails = sink.mails();
    for bug in ["660650@bugs.example.org", "2000@bugs.example.org"] {
        assert!(mails.iter().filter(|m| m.contains(bug)).count() <= 1);
    }
    // The next run finishes without cleanup by hand (mails in doubt are reported, not resent).
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url, "--push"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = md(&c, T0, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn killed_before_sending_is_in_doubt_until_resent() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false)]) else {
        return;
    };
    {
        let stalling = Sink::start(&["--delay-ehlo", "30"]);
        kill_at(&c, &stalling, "EHLO");
        after_the_kill(&c, &stalling, 0);
    }
    let sink = Sink::start(&[]);
    let (code, out, err) = md(
        &c,
        T0,
        &[
            "track", "notify", "--resend", "660650", "--suite", "stable", "--smtp", &sink.url,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(sink.mails().len(), 1);
    assert!(file(&c, "tracks/660650.toml").contains("state = \"notified\""));
    let (_, todo, _) = md(&c, T0, &["track", "todo"]);
    assert_eq!(todo, "nothing to do\n");
}

#[test]
fn killed_mid_conversation_is_in_doubt() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false)]) else {
        return;
    };
    let sink = Sink::start(&["--delay-rcpt", "30"]);
    kill_at(&c, &sink, "RCPT");
    after_the_kill(&c, &sink, 0);
}

#[test]
fn killed_after_acceptance_is_marked_sent_never_sent_twice() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false)]) else {
        return;
    };
    let sink = Sink::start(&["--delay-after-delivery", "30"]);
    kill_at(&c, &sink, "DELIVERED");
    after_the_kill(&c, &sink, 1);
    let (code, out, err) = md(
        &c,
        T0,
        &[
            "track",
            "notify",
            "--mark-sent",
            "660650",
            "--suite",
            "stable",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("marked as sent, without sending it again: bug 660650 stable notify"),
        "{out}"
    );
    assert!(!out.contains("sent 1"), "{out}");
    assert_eq!(sink.mails().len(), 1, "marked, not sent again");
    let t = file(&c, "tracks/660650.toml");
    assert!(
        t.contains("state = \"notified\"") && !t.contains("[[outbox]]"),
        "{t}"
    );
}

#[test]
fn refusals_are_retried_by_the_next_run() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false)]) else {
        return;
    };
    // Nobody listening.
    let closed = format!("smtp://127.0.0.1:{}", crate::httpd::closed_port());
    let (code, out, _) = md(&c, T0, &["track", "notify", "--smtp", &closed]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("refused 1 (tried again next run)"), "{out}");
    for args in [
        &["--rcpt-code", "451"][..],
        &["--rcpt-code", "550"],
        &["--data-code", "451"],
    ] {
        let sink = Sink::start(args);
        let (code, out, _) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
        assert_eq!(code, 1, "{args:?}: {out}");
        assert!(out.contains("refused 1"), "{args:?}: {out}");
        assert!(sink.mails().is_empty());
    }
    let t = file(&c, "tracks/660650.toml");
    assert!(
        t.contains("state = \"fixed-unstable\"") && !t.contains("[[outbox]]"),
        "{t}"
    );
    // A connection dropped in DATA: the fate is unknown, so it waits for a person.
    // It is not the run's failure: exit 0, with the bug and suite in one line, for cron.
    let dropping = Sink::start(&["--drop-in-data"]);
    let (code, out, _) = md(&c, T0, &["track", "notify", "--smtp", &dropping.url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("in doubt 1"), "{out}");
    assert!(
        out.lines()
            .any(|l| l
                .starts_with("in doubt: bug 660650 stable notify <maintdb.660650.stable.notify.")),
        "{out}"
    );
    // A working server: the mail still waits for a person, and goes once resent.
    let sink = Sink::start(&[]);
    md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert!(sink.mails().is_empty());
    md(
        &c,
        T0,
        &[
            "track", "notify", "--resend", "660650", "--suite", "stable", "--smtp", &sink.url,
        ],
    );
    assert_eq!(sink.mails().len(), 1);
}

#[test]
fn a_template_that_fails_stops_the_run_before_sending() {
    let s = server(&[(660650, "zlib", false)]);
    let c = s.clone("dave");
    std::fs::create_dir_all(c.dir.join("templates/mail")).unwrap();
    std::fs::write(
        c.dir.join("templates/mail/notify.txt"),
        "Hello {{ maintainer }},\n",
    )
    .unwrap();
    git_ok(&c.dir, &["add", "-A"]);
    git_ok(&c.dir, &["commit", "-q", "-m", "site template"]);
    let before = head(&c);
    let outbox = tempfile::tempdir().unwrap();
    let (code, _, err) = md(
        &c,
        T0,
        &[
            "track",
            "notify",
            "--outbox",
            outbox.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "mail-template: templates/mail/notify.txt:1: `{{ maintainer }}` is not a mail variable"
        ),
        "{err}"
    );
    assert_eq!(head(&c), before, "nothing committed");
    assert!(!outbox.path().join("new").exists(), "nothing sent");
    // A site template that renders is used.
    std::fs::write(
        c.dir.join("templates/mail/notify.txt"),
        "Dear {{ package }} maintainers,\n",
    )
    .unwrap();
    git_ok(&c.dir, &["commit", "-q", "-am", "fixed"]);
    let (code, out, err) = md(
        &c,
        T0,
        &[
            "track",
            "notify",
            "--outbox",
            outbox.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let mail = std::fs::read_dir(outbox.path().join("new"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert!(
        std::fs::read_to_string(mail.path())
            .unwrap()
            .contains("Dear zlib maintainers,")
    );
}

#[test]
fn the_local_sendmail_gets_the_mail() {
    use std::os::unix::fs::PermissionsExt;
    let s = server(&[(660650, "zlib", false)]);
    let c = s.clone("dave");
    let bin = tempfile::tempdir().unwrap();
    let spool = bin.path().join("spool");
    let script = bin.path().join("sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" > '{0}.args'\ncat > '{0}'\n",
            spool.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let (code, out, err) = run(maintdb(&c.dir)
        .env("MAINTDB_USER", "dave")
        .env("MAINTDB_NOW", T0)
        .env("PATH", path)
        .args(["track", "notify", "--sendmail"]));
    assert_eq!(code, 0, "{out}{err}");
    let mail = std::fs::read_to_string(&spool).unwrap();
    assert!(
        mail.contains("Message-ID: <maintdb.660650.stable.notify.20261102T100000Z@example.org>"),
        "{mail}"
    );
    let args = std::fs::read_to_string(spool.with_extension("args")).unwrap();
    assert!(
        args.contains("660650@bugs.example.org") && args.contains("broonie@example.org"),
        "{args}"
    );
}

#[test]
fn a_second_run_on_the_clone_waits_for_the_first() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false)]) else {
        return;
    };
    let sink = Sink::start(&[]);
    // Another run holds the clone's mail lock (flock(1) takes the same kind of lock) for a
    // second and a half.
    std::fs::create_dir_all(c.dir.join(".git/maintdb")).unwrap();
    let mut holder = Command::new("flock")
        .arg(c.dir.join(".git/maintdb/mail.lock"))
        .args(["sleep", "1.5"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(start.elapsed() >= Duration::from_millis(900), "it waited");
    holder.wait().unwrap();
    assert_eq!(sink.mails().len(), 1);
}

#[test]
fn a_journal_left_by_a_killed_run_is_recorded_first() {
    let Some((_s, c)) = smtp_case(&[(660650, "zlib", false), (2000, "curl", false)]) else {
        return;
    };
    let sink = Sink::start(&[]);
    // A run was killed after the server took 660650's notification and wrote so, before its
    // commit; 2000's had no answer yet.
    let base = head(&c).trim().to_owned();
    let journal = format!(
        "base = \"{base}\"\n\n[[mail]]\nbug = 660650\nstep = \"notify\"\nsuites = [\"stable\"]\n\
         msgid = \"<maintdb.660650.stable.notify.20261102T090000Z@example.org>\"\n\
         since = 2026-11-02T09:00:00Z\nfate = \"sent\"\n\n[[mail]]\nbug = 2000\nstep = \"notify\"\n\
         suites = [\"stable\"]\nmsgid = \"<maintdb.2000.stable.notify.20261102T090000Z@example.org>\"\n\
         since = 2026-11-02T09:00:00Z\n"
    );
    std::fs::create_dir_all(c.dir.join(".git/maintdb")).unwrap();
    std::fs::write(c.dir.join(".git/maintdb/mail"), &journal).unwrap();
    let (code, todo, err) = md(&c, T0, &["track", "todo"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        todo.contains("2000 stable notify <maintdb.2000.stable.notify.20261102T090000Z"),
        "the unanswered one is in doubt already: {todo}"
    );
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("recording the mails of an interrupted run first (2 mails)"),
        "{out}"
    );
    // Nothing sent again: one recorded as sent, the other in doubt; the journal is gone.
    assert_eq!(sink.mails().len(), 0);
    let zlib = file(&c, "tracks/660650.toml");
    assert!(
        zlib.contains("state = \"notified\"")
            && zlib.contains("<maintdb.660650.stable.notify.20261102T090000Z@example.org>"),
        "{zlib}"
    );
    assert!(file(&c, "tracks/2000.toml").contains("[[outbox]]"));
    assert!(!c.dir.join(".git/maintdb/mail").exists());
    // A journal whose mails a commit after its base recorded already (the run was killed
    // between its commit and removing the journal) records nothing twice.
    std::fs::write(c.dir.join(".git/maintdb/mail"), &journal).unwrap();
    let before = head(&c);
    let (code, out, err) = md(&c, T0, &["track", "notify", "--smtp", &sink.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("interrupted run"), "{out}");
    assert_eq!(head(&c), before);
    assert_eq!(sink.mails().len(), 0);
    assert!(!c.dir.join(".git/maintdb/mail").exists());
}
