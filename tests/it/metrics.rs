//! `serve --metrics`: `/metrics` on a listener of its own, read by the Prometheus project's
//! own OpenMetrics parser (python3-prometheus-client), after real traffic: lists, pages, admin
//! calls that succeed, fail and are throttled, a reload after a commit, an idle connection.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve_admin::{FORM, admin_server, setnew};
use crate::support::{free_port, git_ok};

/// Every sample of the exposition, as (name, labels, value), parsed by
/// `prometheus_client.openmetrics.parser`, which rejects text that breaks the format.
fn parse(text: &str) -> Vec<(String, serde_json::Map<String, serde_json::Value>, f64)> {
    const SCRIPT: &str = "import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        print(json.dumps([s.name, s.labels, s.value]))
";
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn value(
    samples: &[(String, serde_json::Map<String, serde_json::Value>, f64)],
    name: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).and_then(|x| x.as_str()) == Some(v))
        })
        .map(|s| s.2)
}

#[test]
fn metrics_parse_and_count_what_happened() {
    let port = free_port();
    let at = format!("127.0.0.1:{port}");
    let (s, _tmp, served) = admin_server(&["--metrics", &at]);
    let scrape = || {
        let r = reqwest::blocking::get(format!("http://{at}/metrics")).unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text"),
        );
        parse(&r.text().unwrap())
    };
    let client = reqwest::blocking::Client::new();
    // The public listener does not answer it.
    let r = client
        .get(format!("{}/metrics", served.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().unwrap().contains("maintdb_"));
    for path in ["/packages.txt", "/healthz", "/", "/no-such-page.html"] {
        client.get(format!("{}{path}", served.base)).send().unwrap();
    }
    assert_eq!(setnew(&served.base, "metered"), 200);
    // Hostile paths make no new series.
    for i in 0..20 {
        client
            .post(format!("{}/admin/made-up-{i}", served.base))
            .basic_auth("buildsystem", Some("bs-secret"))
            .send()
            .unwrap();
    }
    for _ in 0..10 {
        let r = client
            .post(format!("{}/admin/setpackage", served.base))
            .basic_auth("buildsystem", Some("guess"))
            .header("Content-Type", FORM)
            .body("package=metered&maintainer=alice")
            .send()
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = client
        .post(format!("{}/admin/setpackage", served.base))
        .basic_auth("buildsystem", Some("bs-secret"))
        .header("Content-Type", FORM)
        .body("package=metered&maintainer=alice")
        .send()
        .unwrap();
    assert_eq!(r.status(), 429);
    // A connection that says nothing yet is open.
    let _idle = std::net::TcpStream::connect(served.base.trim_start_matches("http://")).unwrap();

    // The committed call moves the branch; the server reloads from the tree diff.
    let deadline = Instant::now() + Duration::from_secs(10);
    let m = loop {
        let m = scrape();
        let ready = value(&m, "maintdb_reloads_total", &[("how", "diff")]).is_some()
            && value(&m, "maintdb_open_connections", &[]).is_some_and(|v| v >= 1.0);
        if ready || Instant::now() > deadline {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let v = |name: &str, labels: &[(&str, &str)]| {
        value(&m, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in {m:?}"))
    };
    assert_eq!(
        v(
            "maintdb_http_requests_total",
            &[("class", "list"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        v(
            "maintdb_http_requests_total",
            &[("class", "health"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        v(
            "maintdb_http_requests_total",
            &[("class", "page"), ("status", "404")]
        ),
        2.0
    );
    assert_eq!(
        v(
            "maintdb_http_request_duration_seconds_count",
            &[("class", "list")]
        ),
        1.0
    );
    assert!(
        v(
            "maintdb_http_request_duration_seconds_sum",
            &[("class", "admin")]
        ) > 0.0
    );
    assert_eq!(
        v(
            "maintdb_admin_calls_total",
            &[("call", "setnewpackage"), ("outcome", "ok")]
        ),
        1.0
    );
    assert_eq!(
        v(
            "maintdb_admin_calls_total",
            &[("call", "setpackage"), ("outcome", "unauthorized")]
        ),
        10.0
    );
    assert_eq!(
        v(
            "maintdb_admin_calls_total",
            &[("call", "setpackage"), ("outcome", "throttled")]
        ),
        1.0
    );
    let unknown: Vec<_> = m
        .iter()
        .filter(|(n, l, _)| n == "maintdb_admin_calls_total" && l["call"] == "unknown")
        .collect();
    assert_eq!(
        unknown.len(),
        1,
        "twenty made-up calls, one series: {unknown:?}"
    );
    assert_eq!(unknown[0].2, 20.0);
    assert_eq!(v("maintdb_failed_logins_total", &[]), 10.0);
    assert_eq!(v("maintdb_throttled_logins_total", &[]), 1.0);
    assert_eq!(v("maintdb_throttled_addresses", &[]), 1.0);
    assert!(v("maintdb_open_connections", &[]) >= 1.0);
    assert_eq!(v("maintdb_reloads_total", &[("how", "whole")]), 1.0);
    assert_eq!(v("maintdb_reloads_total", &[("how", "diff")]), 1.0);
    assert!(v("maintdb_reload_duration_seconds", &[]) > 0.0);
    let tip_time: f64 = git_ok(&s.bare, &["log", "-1", "--format=%ct", "main"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(v("maintdb_served_commit_timestamp_seconds", &[]), tip_time);
    let age = v("maintdb_served_commit_age_seconds", &[]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((age - (now - tip_time)).abs() < 60.0, "{age}");
}

#[test]
fn without_the_option_there_is_no_metrics_listener() {
    let port = free_port();
    let (_s, _tmp, served) = admin_server(&[]);
    let r = reqwest::blocking::get(format!("{}/metrics", served.base)).unwrap();
    assert_eq!(r.status(), 404);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
