//! `maintdb serve` over real HTTP on 127.0.0.1: every rendered path served byte for byte,
//! the requests real consumers send (mgarepo, iurt, hourly conditional downloads), following
//! the branch after a push, bad paths, and a graceful stop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{copy_tree, git_ok, maintdb, run};

/// A running `maintdb serve`.
pub struct Served {
    pub child: Child,
    pub base: String,
    /// What the server wrote on stderr after its first line: the request log.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Served {
    fn start(repo: &Path) -> Served {
        Served::start_with(repo, &[])
    }

    pub fn start_with(repo: &Path, extra: &[&str]) -> Served {
        let mut child = maintdb(repo)
            .args(["serve", "--listen", "127.0.0.1:0", "--poll-ms", "50"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("serve says where it listens").unwrap();
            if let Some(url) = line
                .split(" on ")
                .nth(1)
                .filter(|u| u.starts_with("http://"))
            {
                break url.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining the request log so the server never blocks on a full pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(l);
            }
        });
        Served { child, base, log }
    }

    /// The status of a GET of `path` sent as it is: an HTTP client would normalise `..` away.
    fn raw_status(&self, path: &[u8]) -> u16 {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET ").unwrap();
        s.write_all(path).unwrap();
        s.write_all(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut head = Vec::new();
        let _ = s.read_to_end(&mut head);
        String::from_utf8_lossy(&head)
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    fn get(&self, client: &reqwest::blocking::Client, path: &str) -> reqwest::blocking::Response {
        client.get(format!("{}{path}", self.base)).send().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A repository holding the project's sample data and process pages.
pub fn sample() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    git_ok(tmp.path(), &["init", "-q", "-b", "main"]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_tree(&root.join("maintainers"), &tmp.path().join("maintainers"));
    std::fs::create_dir_all(tmp.path().join("docs")).unwrap();
    copy_tree(&root.join("docs/process"), &tmp.path().join("docs/process"));
    git_ok(tmp.path(), &["add", "-A"]);
    git_ok(tmp.path(), &["commit", "-q", "-m", "sample"]);
    tmp
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
}

fn files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            files(&e.path(), &format!("{name}/"), out);
        } else {
            out.push(name);
        }
    }
}

#[test]
fn every_rendered_path_is_served_byte_for_byte() {
    let repo = sample();
    let site = tempfile::tempdir().unwrap();
    let out = site.path().join("site");
    let (code, o, e) = run(maintdb(repo.path()).args(["render", "--out", out.to_str().unwrap()]));
    assert_eq!(code, 0, "{o}{e}");
    let served = Served::start(repo.path());
    let c = client();
    let mut all = Vec::new();
    files(&out.canonicalize().unwrap(), "", &mut all);
    assert!(all.len() > 1000, "{}", all.len());
    let kinds = [
        "packages/",
        "people/",
        "groups/",
        "tracker/",
        "process/",
        "packages_",
    ];
    for k in kinds {
        assert!(all.iter().any(|p| p.starts_with(k)), "no {k} path rendered");
    }
    for path in &all {
        let r = served.get(&c, &format!("/{path}"));
        assert_eq!(r.status(), 200, "{path}");
        let want = std::fs::read(out.join(path)).unwrap();
        assert!(r.bytes().unwrap() == want, "{path} differs");
    }
}

#[test]
fn what_real_consumers_ask() {
    let repo = sample();
    let served = Served::start(repo.path());
    let c = client();
    // mgarepo and iurt: `/<package>`.
    let r = served.get(&c, "/perl");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "ntyni\n");
    let r = served.get(&c, "/no-such-package");
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().unwrap(), "", "iurt would take a body for a login");
    // An orphan of the sample.
    assert_eq!(served.get(&c, "/abicheck").text().unwrap(), "nobody\n");
    // The PHP filter's URL: text for iurt, JSON otherwise; names match exactly.
    assert_eq!(
        served.get(&c, "/maintdb.php?pkg=perl&iurt").text().unwrap(),
        "ntyni\n"
    );
    assert_eq!(
        served.get(&c, "/maintdb.php?pkg=nope&iurt").text().unwrap(),
        "\n"
    );
    let json = |path: &str| -> serde_json::Value {
        let r = served.get(&c, path);
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/json; charset=utf-8",
            "{path}"
        );
        r.json().unwrap()
    };
    assert_eq!(
        json("/maintdb.php?pkg=perl"),
        serde_json::json!({"packages": {"perl": {"maintainers": ["ntyni", "dominic-hargreaves"]}}})
    );
    assert_eq!(
        json("/maintdb.php?pkg=abicheck"),
        serde_json::json!({"packages": {"abicheck": {"maintainers": ["nobody"]}}})
    );
    assert_eq!(json("/maintdb.php?pkg=per"), serde_json::json!([]));
    assert_eq!(json("/maintdb.php?pkg=nope"), serde_json::json!([]));
    assert_eq!(
        json("/maintdb.php?uid=nobody-at-all"),
        serde_json::json!([])
    );
    assert_eq!(json("/maintdb.php"), serde_json::json!([]));
    let mine = json("/maintdb.php?uid=ntyni");
    let pkgs = mine["maintainers"]["ntyni"]["packages"].as_array().unwrap();
    assert!(pkgs.iter().any(|p| p == "perl"), "{mine}");
    // The seed's text URLs: an empty body for an unknown name.
    for p in ["/packages/nope.txt", "/people/nope.txt", "/groups/nope.txt"] {
        let r = served.get(&c, p);
        assert_eq!(r.status(), 200, "{p}");
        assert_eq!(r.text().unwrap(), "", "{p}");
    }
    // Hourly downloads: conditional GET.
    let r = served.get(&c, "/maintdb.txt");
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "public, max-age=60");
    assert!(r.headers().contains_key("last-modified"));
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong ETag: {etag}"
    );
    let r = c
        .get(format!("{}/maintdb.txt", served.base))
        .header("If-None-Match", &etag)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    assert!(r.bytes().unwrap().is_empty());
    // HEAD, gzip, the index, health.
    let r = c
        .head(format!("{}/packages.txt", served.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(format!("{}/packages.txt", served.base))
        .header("Accept-Encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["vary"], "Accept-Encoding");
    // Each representation has its own strong validator, and either one gets a 304.
    let gz_etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&r.bytes().unwrap()[..]),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, served.get(&c, "/packages.txt").bytes().unwrap());
    assert!(gz_etag.ends_with("-gz\""), "{gz_etag}");
    let r = c
        .get(format!("{}/packages.txt", served.base))
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &gz_etag)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    // A client that refuses gzip gets it plain.
    let r = c
        .get(format!("{}/packages.txt", served.base))
        .header("Accept-Encoding", "gzip;q=0, identity")
        .send()
        .unwrap();
    assert!(!r.headers().contains_key("content-encoding"));
    assert!(
        served
            .get(&c, "/")
            .text()
            .unwrap()
            .contains("packages.html")
    );
    let head = git_ok(repo.path(), &["rev-parse", "HEAD"]);
    assert!(
        served
            .get(&c, "/healthz")
            .text()
            .unwrap()
            .contains(head.trim())
    );
    // Bad requests: refused, and the server keeps serving.
    for p in [
        "/../etc/passwd",
        "/%2e%2e/etc/passwd",
        "/a%00b",
        "/%ff%fe",
        "/packages/../people.txt",
    ] {
        assert_eq!(served.raw_status(p.as_bytes()), 400, "{p}");
    }
    assert_eq!(
        served.raw_status(b"/caf\xe9"),
        400,
        "raw bytes that are not UTF-8"
    );
    let r = c
        .delete(format!("{}/packages.txt", served.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(served.get(&c, "/perl").status(), 200);
    // One log line per request: method, path, status, bytes, microseconds. Lines are
    // written in batches: wait for the last request's.
    let start = Instant::now();
    let last = |l: &String| l.starts_with("DELETE /packages.txt 405 ");
    while !served.log.lock().unwrap().iter().any(last) {
        let logged = served.log.lock().unwrap().clone();
        assert!(start.elapsed() < Duration::from_secs(5), "{logged:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let logged = served.log.lock().unwrap().clone();
    let line = logged
        .iter()
        .find(|l| l.starts_with("GET /perl 200 6 "))
        .expect("the first request is logged");
    assert!(line.ends_with("us"), "{line}");
    assert!(
        logged
            .iter()
            .any(|l| l.starts_with("GET /../etc/passwd 400 ")),
        "{logged:?}"
    );
}

#[test]
fn it_follows_the_branch_and_stops_gracefully() {
    let repo = sample();
    let mut served = Served::start(repo.path());
    let c = client();
    std::fs::write(
        repo.path().join("maintainers/packages/p/perl.toml"),
        "maintainers = [\"gregoa\"]\n",
    )
    .unwrap();
    git_ok(repo.path(), &["commit", "-q", "-am", "gregoa takes perl"]);
    let head = git_ok(repo.path(), &["rev-parse", "HEAD"]);
    let start = Instant::now();
    while !served
        .get(&c, "/healthz")
        .text()
        .unwrap()
        .contains(head.trim())
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the new commit is served"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(served.get(&c, "/perl").text().unwrap(), "gregoa\n");
    // The log is drained by another thread: it may lag behind the answer.
    let start = Instant::now();
    let said = loop {
        let said = served.log.lock().unwrap().join("\n");
        if said.contains("(read from the tree diff)") || start.elapsed() > Duration::from_secs(5) {
            break said;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(said.contains("(read from the tree diff)"), "{said}");
    // A commit whose records are not valid is not served; the last good one stays.
    std::fs::write(
        repo.path().join("maintainers/packages/p/perl.toml"),
        "maintainers = [\"ghost\"]\n",
    )
    .unwrap();
    git_ok(repo.path(), &["commit", "-q", "-am", "bad"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(served.get(&c, "/perl").text().unwrap(), "gregoa\n");
    // SIGTERM: a clean exit.
    let pid = served.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn idle_connections_neither_block_nor_linger() {
    use std::io::Read;
    let repo = sample();
    let mut served = Served::start_with(repo.path(), &["--header-timeout", "1"]);
    let addr = served.base.trim_start_matches("http://").to_owned();
    // A slowloris: a thousand connections that never send a request.
    let idle: Vec<std::net::TcpStream> = (0..1000)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    let c = client();
    let start = Instant::now();
    assert_eq!(served.get(&c, "/perl").text().unwrap(), "ntyni\n");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "served beside them"
    );
    std::thread::sleep(Duration::from_millis(2500));
    for mut s in idle.into_iter().step_by(50) {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 256];
        // A read that times out means the server still holds the connection open.
        let n = s
            .read(&mut buf)
            .expect("the server closed the idle connection");
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(
            n == 0 || text.starts_with("HTTP/1.1 408"),
            "closed after the header timeout: {text}"
        );
    }
    assert_eq!(served.get(&c, "/perl").status(), 200);
    let pid = served.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(served.child.wait().unwrap().success());
}

/// Mageia's clients as they are: iurt runs libwww-perl's `GET` and takes what it prints as the
/// login (an empty answer meaning none), mgarepo reads the URL with Python's urllib.
#[test]
fn mageias_clients_as_they_call() {
    let repo = sample();
    let served = Served::start(repo.path());
    // iurt: my $maint = `GET '$url/$srpm_name'`; chomp $maint;
    let iurt = |pkg: &str| {
        let script = format!(
            "my $maint = `GET '{}/{pkg}'`; chomp $maint; print $maint ? \"[$maint]\" : \"none\";",
            served.base
        );
        let out = std::process::Command::new("perl")
            .args(["-e", &script])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(iurt("perl"), "[ntyni]");
    assert_eq!(iurt("abicheck"), "[nobody]");
    assert_eq!(iurt("no-such-package"), "none");
    // mgarepo's `maintdb get`: urllib, a 404 is an HTTPError.
    let mgarepo = |pkg: &str| {
        let script = format!(
            "import urllib.request, urllib.error\n\
             try:\n    print(urllib.request.urlopen('{}/{pkg}').read().decode().strip())\n\
             except urllib.error.HTTPError as e:\n    print('HTTP', e.code)\n",
            served.base
        );
        let out = std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(mgarepo("perl"), "ntyni\n");
    assert_eq!(mgarepo("no-such-package"), "HTTP 404\n");
    // HEAD of an unknown package: 404, nothing to read.
    let r = client()
        .head(format!("{}/no-such-package", served.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.bytes().unwrap().is_empty());
}
