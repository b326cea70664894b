//! The packages page in a real browser: headless Chromium, driven through chromedriver's
//! WebDriver protocol on 127.0.0.1. `.ci/run` installs both; elsewhere the test says why it
//! skips (see the README).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{self, git_ok, maintdb, run};

const CHROMIUM: &str = "/usr/bin/chromium";

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    base: String,
    http: reqwest::blocking::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(bin: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let d = Driver { child, base, http };
        let start = Instant::now();
        while d.http.get(format!("{}/status", d.base)).send().is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not come up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        d
    }

    /// A headless Chromium session with a fresh profile; its id.
    fn session(&self, profile: &Path, window: &str) -> String {
        let session = self.call(
            reqwest::Method::POST,
            "/session",
            Some(json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--disable-quic", "--no-first-run", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync",
                             format!("--window-size={window}"),
                             format!("--user-data-dir={}", profile.display())]
                }
            }}})),
        );
        session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned()
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .expect("webdriver answers")
            .json()
            .expect("webdriver speaks JSON");
        assert!(
            v["value"].get("error").is_none(),
            "webdriver error on {path}: {v}"
        );
        v["value"].clone()
    }
}

/// The packages.txt lines whose row text contains `needle` (what the filter matches: the
/// name, then the maintainers, or `nobody`).
/// chromedriver, when it and Chromium are installed; otherwise says why the test skips (CI
/// must have both: `.ci/run` installs them).
fn chromedriver() -> Option<PathBuf> {
    match (which("chromedriver"), Path::new(CHROMIUM).exists()) {
        (Some(driver), true) => Some(driver),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have chromium and chromedriver: .ci/run installs them"
            );
            eprintln!(
                "skipping the browser test: chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}

fn expected_rows(packages_txt: &str, needle: &str) -> usize {
    packages_txt
        .lines()
        .filter(|l| {
            let (name, field) = l.split_once(':').unwrap();
            let shown = if field == "nobody" {
                "nobody".to_owned()
            } else {
                field.replace(',', ", ")
            };
            format!("{name}{shown}").to_lowercase().contains(needle)
        })
        .count()
}

#[test]
fn search_box_filters_rows_in_chromium() {
    let Some(driver_bin) = chromedriver() else {
        return;
    };
    // Render the shipped Debian sample.
    let repo = tempfile::tempdir().unwrap();
    git_ok(repo.path(), &["init", "-q", "-b", "main"]);
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maintainers"),
        &repo.path().join("maintainers"),
    );
    git_ok(repo.path(), &["add", "-A"]);
    git_ok(repo.path(), &["commit", "-q", "-m", "sample"]);
    let site = repo.path().join("site");
    let (code, _, err) =
        run(maintdb(repo.path()).args(["render", "--out", site.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    let packages_txt = std::fs::read_to_string(site.join("packages.txt")).unwrap();
    let total = packages_txt.lines().count();
    let want = expected_rows(&packages_txt, "perl");
    assert!(want > 0 && want < total);

    let d = Driver::start(&driver_bin);
    let profile = tempfile::tempdir().unwrap();
    let sid = d.session(profile.path(), "1000,1400");
    let s = |p: &str| format!("/session/{sid}{p}");
    let url = format!(
        "file://{}",
        site.join("packages.html").canonicalize().unwrap().display()
    );
    d.call(
        reqwest::Method::POST,
        &s("/url"),
        Some(json!({ "url": url })),
    );
    let visible = || {
        let script = "return Array.prototype.filter.call(document.querySelectorAll('#packages tbody tr'), function (r) { return !r.hidden; }).length;";
        d.call(
            reqwest::Method::POST,
            &s("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        )
        .as_u64()
        .unwrap() as usize
    };
    assert_eq!(visible(), total, "every row shows before typing");
    let el = d.call(
        reqwest::Method::POST,
        &s("/element"),
        Some(json!({"using": "css selector", "value": "#q"})),
    );
    let eid = el
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    d.call(
        reqwest::Method::POST,
        &s(&format!("/element/{eid}/value")),
        Some(json!({"text": "perl"})),
    );
    assert_eq!(visible(), want, "typing `perl` leaves the matching rows");

    // Keep the screenshot as a test artifact.
    screenshot(&d, &sid, "packages-filtered.png");
    d.call(reqwest::Method::DELETE, &s(""), None);
}

#[test]
fn stats_charts_fit_any_width_in_chromium() {
    let Some(driver_bin) = chromedriver() else {
        return;
    };
    let repo = crate::render::scripted();
    let site = repo.path().join("site");
    let (code, _, err) =
        run(maintdb(repo.path()).args(["render", "--out", site.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    let url = format!(
        "file://{}",
        site.join("stats.html").canonicalize().unwrap().display()
    );
    let d = Driver::start(&driver_bin);
    for (window, shot) in [("420,1600", "stats-narrow.png"), ("1400,1600", "stats.png")] {
        let profile = tempfile::tempdir().unwrap();
        let sid = d.session(profile.path(), window);
        let s = |p: &str| format!("/session/{sid}{p}");
        d.call(
            reqwest::Method::POST,
            &s("/url"),
            Some(json!({ "url": url })),
        );
        // Every chart is laid out inside the page's width, with its aspect kept.
        let script = "return Array.prototype.map.call(document.querySelectorAll('section svg'), function (e) { var r = e.getBoundingClientRect(); return [r.width, r.height, document.documentElement.clientWidth]; });";
        let sizes = d.call(
            reqwest::Method::POST,
            &s("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        );
        let sizes = sizes.as_array().unwrap();
        assert_eq!(sizes.len(), 3, "{sizes:?}");
        for size in sizes {
            let (w, h, page) = (
                size[0].as_f64().unwrap(),
                size[1].as_f64().unwrap(),
                size[2].as_f64().unwrap(),
            );
            assert!(w > 100.0 && w <= page && h > 20.0, "{window}: {sizes:?}");
        }
        screenshot(&d, &sid, shot);
        d.call(reqwest::Method::DELETE, &s(""), None);
    }
}

/// Keeps a screenshot of the session's page in `CARGO_TARGET_TMPDIR/artifacts/`.
fn screenshot(d: &Driver, sid: &str, name: &str) {
    use base64::Engine;
    let png = d.call(
        reqwest::Method::GET,
        &format!("/session/{sid}/screenshot"),
        None,
    );
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join(name), &bytes).unwrap();
}

/// Clicks `button` and waits until the page that follows shows `then`.
fn click_until(d: &Driver, sid: &str, button: &str, then: &str) {
    let id = find(d, sid, button).unwrap_or_else(|| panic!("no {button} on the page"));
    d.call(
        reqwest::Method::POST,
        &format!("/session/{sid}/element/{id}/click"),
        Some(json!({})),
    );
    let start = Instant::now();
    while find(d, sid, then).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no {then} after the click"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The element id of the first match of a CSS selector, if any.
fn find(d: &Driver, sid: &str, css: &str) -> Option<String> {
    let v: Value = d
        .http
        .post(format!("{}/session/{sid}/element", d.base))
        .json(&json!({"using": "css selector", "value": css}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    v["value"]
        .as_object()
        .filter(|o| !o.contains_key("error"))
        .and_then(|o| o.values().next())
        .and_then(|e| e.as_str())
        .map(ToOwned::to_owned)
}

#[test]
fn take_and_drop_on_the_web_in_chromium() {
    let Some(driver_bin) = chromedriver() else {
        return;
    };
    let server = support::Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let pw = crate::serve_admin::htpasswd(tmp.path());
    let served =
        crate::serve::Served::start_with(&server.bare, &["--htpasswd", pw.to_str().unwrap()]);
    let d = Driver::start(&driver_bin);
    let profile = tempfile::tempdir().unwrap();
    let sid = d.session(profile.path(), "1000,800");
    let s = |p: &str| format!("/session/{sid}{p}");
    let host = served.base.trim_start_matches("http://").to_owned();
    let go = |url: String| {
        d.call(
            reqwest::Method::POST,
            &s("/url"),
            Some(json!({ "url": url })),
        );
    };
    // Anonymous: the page as rendered, no button.
    go(format!("http://{host}/packages/orphan.html"));
    assert!(find(&d, &sid, "#take").is_none());
    // Signed in as carol: a take button on an unmaintained package.
    go(format!("http://carol:carol-secret@{host}/login"));
    go(format!("http://{host}/packages/orphan.html"));
    click_until(&d, &sid, "#take", "#drop");
    let txt = reqwest::blocking::get(format!("{}/packages/orphan.txt", served.base))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(txt, "orphan:carol\n");
    let author = git_ok(&server.bare, &["log", "-1", "--format=%an <%ae>|%s"]);
    assert_eq!(
        author.trim(),
        "Carol <carol@example.org>|carol takes orphan"
    );
    screenshot(&d, &sid, "package-taken.png");
    // And drop it again.
    click_until(&d, &sid, "#drop", "#take");
    d.call(reqwest::Method::DELETE, &s(""), None);

    // A post from another site is refused, even with carol's credentials.
    let refs = server.refs();
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/web/take", served.base))
        .basic_auth("carol", Some("carol-secret"))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("package=orphan2")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(server.refs(), refs);
}

/// Serves one HTML page on a loopback port of its own (another origin), for as long as the
/// test runs; its URL.
fn framing_page(html: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
        }
    });
    url
}

#[test]
fn pages_refuse_to_be_framed_and_run_no_inline_script_in_chromium() {
    let Some(driver_bin) = chromedriver() else {
        return;
    };
    let server = support::Server::new("hook");
    let served = crate::serve::Served::start_with(&server.bare, &[]);
    let d = Driver::start(&driver_bin);
    let profile = tempfile::tempdir().unwrap();
    let sid = d.session(profile.path(), "1000,800");
    let s = |p: &str| format!("/session/{sid}{p}");
    let script = |js: &str| {
        d.call(
            reqwest::Method::POST,
            &s("/execute/sync"),
            Some(json!({"script": js, "args": []})),
        )
    };
    let package = format!("{}/packages/orphan.html", served.base);
    // Another origin frames a package page: the browser must show nothing of it.
    let framer = framing_page(format!("<iframe id=\"f\" src=\"{package}\"></iframe>"));
    d.call(
        reqwest::Method::POST,
        &s("/url"),
        Some(json!({ "url": framer })),
    );
    std::thread::sleep(Duration::from_millis(1500));
    let frame = find(&d, &sid, "#f").expect("the iframe");
    d.call(
        reqwest::Method::POST,
        &s("/frame"),
        Some(json!({"id": {"element-6066-11e4-a52e-4f735466cecf": frame}})),
    );
    let inside = script("return document.location.href + ' ' + document.body.innerText");
    let inside = inside.as_str().unwrap_or_default();
    assert!(
        !inside.starts_with(&package) && !inside.contains("orphan"),
        "the framed page loaded: {inside}"
    );
    d.call(
        reqwest::Method::POST,
        &s("/frame"),
        Some(json!({"id": null})),
    );
    // The packages page's search box runs from its file under the policy.
    d.call(
        reqwest::Method::POST,
        &s("/url"),
        Some(json!({ "url": format!("{}/packages.html", served.base) })),
    );
    assert_eq!(
        script("return document.getElementById('q').hidden"),
        json!(false)
    );
    d.call(reqwest::Method::DELETE, &s(""), None);
}

/// The sample data with tracked bugs in several states, committed in two steps so the bug
/// pages have a timeline; rendered. The temporary directory holds the site in `site/`.
fn tracker_site() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maintainers"),
        &d.join("maintainers"),
    );
    let bts = |subject: &str| {
        format!(
            "[bts]\nsubject = \"{subject}\"\nseverity = \"important\"\ntags = [\"security\"]\n\
             done = \"\"\nfixed_versions = []\nfound_versions = []\nmergedwith = []\n\
             archived = false\nmsgid = \"<report@example.org>\"\n"
        )
    };
    let tracks = [
        (
            1_087_003,
            "aalib",
            "[\"stable\", \"oldstable\"]",
            "aalib: CVE-2025-12345: heap-based buffer overflow when rendering very long lines with extended attributes",
            "[stable]\nstate = \"requested\"\npu_bug = 1087104\n\n[oldstable]\nstate = \"fixed-unstable\"\n",
        ),
        (
            1_087_012,
            "abcde",
            "[\"stable\"]",
            "abcde: CVE-2025-23456: command injection through crafted CDDB answers",
            "[stable]\nstate = \"uploaded\"\npu_bug = 1087200\nversion = \"2.9.3-1+deb12u1\"\n",
        ),
        (
            1_087_055,
            "0ad",
            "[\"oldstable\"]",
            "0ad: CVE-2025-34567: out-of-bounds read in the replay parser",
            "[oldstable]\nstate = \"new\"\n",
        ),
        (
            1_090_001,
            "2048",
            "[\"stable\"]",
            "2048: CVE-2025-45678: denial of service",
            "[stable]\nstate = \"ignored\"\nreason = \"not affected: the vulnerable code is not built\"\n",
        ),
    ];
    let write = |first: bool| {
        for (bug, package, suites, subject, state) in &tracks {
            let state = if first {
                state
                    .replace("\"requested\"\npu_bug = 1087104", "\"new\"")
                    .replace(
                        "\"uploaded\"\npu_bug = 1087200\nversion = \"2.9.3-1+deb12u1\"",
                        "\"new\"",
                    )
            } else {
                state.to_string()
            };
            std::fs::write(
                d.join(format!("maintainers/tracks/{bug}.toml")),
                format!(
                    "package = \"{package}\"\nsuites = {suites}\n\n{}\n{state}",
                    bts(subject)
                ),
            )
            .unwrap();
        }
        git_ok(d, &["add", "-A"]);
        git_ok(
            d,
            &[
                "commit",
                "-q",
                "-m",
                if first { "track" } else { "progress" },
            ],
        );
    };
    std::fs::create_dir_all(d.join("maintainers/tracks")).unwrap();
    write(true);
    write(false);
    let (code, out, err) = run(maintdb(d).arg("check"));
    assert_eq!(code, 0, "{out}{err}");
    let site = d.join("site");
    let (code, _, err) = run(maintdb(d).args(["render", "--out", site.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    repo
}

#[test]
fn tracker_tables_keep_states_and_bug_numbers_whole_in_chromium() {
    let Some(driver_bin) = chromedriver() else {
        return;
    };
    let repo = tracker_site();
    let site = repo.path().join("site");
    let d = Driver::start(&driver_bin);
    let pages = [
        ("tracker/index.html", "tracker"),
        ("tracker/requested.html", "tracker-requested"),
        ("tracker/1087003.html", "tracker-bug"),
    ];
    // Each state and bug number: its text, the height of its text, and its line height.
    let script = "return Array.prototype.map.call(document.querySelectorAll('.state, .bug'), function (e) { var r = document.createRange(); r.selectNodeContents(e); return [e.textContent, r.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]; }).concat([[\"page\", document.documentElement.scrollWidth, document.documentElement.clientWidth]]);";
    for width in [1280, 390] {
        let profile = tempfile::tempdir().unwrap();
        let sid = d.session(profile.path(), &format!("{width},1200"));
        let s = |p: &str| format!("/session/{sid}{p}");
        for (page, shot) in pages {
            let url = format!(
                "file://{}",
                site.join(page).canonicalize().unwrap().display()
            );
            d.call(
                reqwest::Method::POST,
                &s("/url"),
                Some(json!({ "url": url })),
            );
            let measured = d.call(
                reqwest::Method::POST,
                &s("/execute/sync"),
                Some(json!({"script": script, "args": []})),
            );
            let measured = measured.as_array().unwrap();
            let (page_size, cells) = measured.split_last().unwrap();
            assert!(cells.len() >= 2, "{page}: {measured:?}");
            for c in cells {
                let (text, height, line) = (
                    c[0].as_str().unwrap(),
                    c[1].as_f64().unwrap(),
                    c[2].as_f64().unwrap(),
                );
                if text.trim().is_empty() {
                    continue; // an empty cell (no request yet) has no line to break
                }
                assert!(
                    height > 0.0 && height < 1.5 * line,
                    "{page} at {width} px: `{text}` wraps ({height} px high, lines of {line} px)"
                );
            }
            // The page itself never scrolls sideways: a wide table scrolls in its own box.
            let (scroll, client) = (
                page_size[1].as_f64().unwrap(),
                page_size[2].as_f64().unwrap(),
            );
            assert!(
                scroll <= client,
                "{page} at {width} px: {scroll} > {client}"
            );
            screenshot(&d, &sid, &format!("{shot}-{width}.png"));
        }
        d.call(reqwest::Method::DELETE, &s(""), None);
    }
}
