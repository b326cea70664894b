//! Importing from a mirror's URLs and compressed files, and every way a download goes wrong,
//! against a server on 127.0.0.1. Nothing is committed when any input fails.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::httpd::{Httpd, Reply, closed_port};
use crate::support::{git_ok, maintdb, run};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const SMALL: &str = "\
Package: a
Version: 1.0-1
Maintainer: A <a@example.org>

Package: b
Version: 2.0-1
Maintainer: B <b@example.org>
";

/// A repository with one committed import, so a failure's "nothing changed" can be seen.
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    git_ok(tmp.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(tmp.path().join("S"), SMALL).unwrap();
    let (code, out, err) = run(maintdb(tmp.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        "S",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    tmp
}

fn head(repo: &Path) -> String {
    git_ok(repo, &["rev-parse", "HEAD"])
}

/// Runs an import that must fail: a non-zero exit, nothing committed, the clone clean.
fn fails(repo: &Path, args: &[&str]) -> (i32, String) {
    let before = head(repo);
    let (code, out, err) = run(maintdb(repo)
        .env("MAINTDB_USER", "importer")
        .args(["import", "debian-sources", "--timeout", "1"])
        .args(args));
    assert_ne!(code, 0, "{out}{err}");
    assert_eq!(head(repo), before, "nothing is committed: {err}");
    assert_eq!(git_ok(repo, &["status", "--porcelain", "maintainers"]), "");
    (code, err)
}

#[test]
fn mirror_and_security_urls_in_one_commit() {
    let main_xz = data("debian-bookworm-main.sources.xz");
    let security_gz = gzip(&data("debian-bookworm-security.sources"));
    let server = Httpd::start(move |req| match req.path.as_str() {
        _ if req.method != "GET" => Reply::status(405),
        _ if !req
            .header("user-agent")
            .is_some_and(|a| a.starts_with("maintdb/")) =>
        {
            Reply::status(403)
        }
        "/debian/dists/bookworm/main/source/Sources.xz" => Reply::ok(main_xz.clone()),
        "/debian-security/dists/bookworm-security/main/source/Sources.gz" => {
            Reply::ok(security_gz.clone())
        }
        _ => Reply::status(404),
    });
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git_ok(repo, &["init", "-q", "-b", "main"]);
    let main = server.url("/debian/dists/bookworm/main/source/Sources.xz");
    let security = server.url("/debian-security/dists/bookworm-security/main/source/Sources.gz");
    let (code, out, err) = run(maintdb(repo).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        main.as_str(),
        security.as_str(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("import: 34289 added, 0 changed"), "{out}");
    assert!(err.is_empty(), "no progress bar off a terminal: {err}");
    assert_eq!(git_ok(repo, &["rev-list", "--count", "HEAD"]).trim(), "1");
    let body = git_ok(repo, &["log", "-1", "--format=%b"]);
    assert!(
        body.contains("bookworm-security/main/source/Sources.gz"),
        "{body}"
    );
    let (code, out, _) = run(maintdb(repo).args(["check"]));
    assert_eq!(code, 0, "{out}");
    let get = |p: &str| run(maintdb(repo).args(["get", p])).1;
    // The security archive's newer curl brings its extra uploader.
    assert_eq!(get("curl"), "curl:ghedo,samueloph,sergiodj,charles\n");
    // Its older openssl loses to main's.
    assert!(
        get("openssl").starts_with("openssl:%pkg-openssl"),
        "{}",
        get("openssl")
    );

    // Again: no commit.
    let (code, out, err) = run(maintdb(repo).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        main.as_str(),
        security.as_str(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with("34289 unchanged; nothing to commit\n"),
        "{out}"
    );
    assert_eq!(git_ok(repo, &["rev-list", "--count", "HEAD"]).trim(), "1");
}

#[test]
fn compressed_files_by_magic_not_name() {
    let repo = repo();
    let next = SMALL.replace("B <b@example.org>", "C <c@example.org>");
    // An xz file named like a plain one, and a gzip file named `.xz`.
    std::fs::write(repo.path().join("Sources"), xz(next.as_bytes())).unwrap();
    let (code, out, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        "Sources",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("import: 0 added, 1 changed"), "{out}");
    std::fs::write(repo.path().join("Sources.xz"), gzip(SMALL.as_bytes())).unwrap();
    let (code, out, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        "Sources.xz",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("import: 0 added, 1 changed"), "{out}");
}

#[test]
fn http_errors_name_the_url() {
    let repo = repo();
    let server = Httpd::start(|req| match req.path.as_str() {
        "/500" => Reply::status(500),
        _ => Reply::status(404),
    });
    for (path, status) in [
        ("/404/Sources.xz", "404 Not Found"),
        ("/500", "500 Internal Server Error"),
    ] {
        let url = server.url(path);
        let (code, err) = fails(repo.path(), &[&url]);
        assert_eq!(code, 2);
        assert!(
            err.contains(&format!("{url}: the server answered {status}")),
            "{err}"
        );
    }
    // One good input and one bad: still nothing.
    let good = repo.path().join("S");
    let url = server.url("/404");
    let (_, err) = fails(repo.path(), &[good.to_str().unwrap(), &url]);
    assert!(err.contains(&url), "{err}");
}

#[test]
fn connection_refused_names_the_url() {
    let repo = repo();
    let url = format!("http://127.0.0.1:{}/Sources.xz", closed_port());
    let (code, err) = fails(repo.path(), &[&url]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{url}: cannot connect")), "{err}");
}

#[test]
fn a_stalled_server_times_out() {
    let repo = repo();
    let server = Httpd::start(|req| match req.path.as_str() {
        // Stalls mid-body, after a little data.
        "/body" => Reply::Stall {
            sent: b"Package: a\n".to_vec(),
            for_: Duration::from_secs(20),
        },
        // Never answers at all.
        _ => {
            std::thread::sleep(Duration::from_secs(20));
            Reply::status(500)
        }
    });
    for path in ["/body", "/head"] {
        let url = server.url(path);
        let started = std::time::Instant::now();
        let (code, err) = fails(repo.path(), &[&url]);
        assert_eq!(code, 2);
        assert!(err.contains(&format!("{url}: no data for 1 s")), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the timeout was honoured"
        );
    }
}

#[test]
fn a_body_cut_off_mid_stream() {
    let repo = repo();
    let packed = xz(SMALL.as_bytes());
    let server = Httpd::start(move |_| Reply::Cut {
        sent: packed[..packed.len() / 2].to_vec(),
        declared: packed.len(),
    });
    let url = server.url("/Sources.xz");
    let (code, err) = fails(repo.path(), &[&url]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{url}: the download broke off after")),
        "{err}"
    );
}

#[test]
fn truncated_compressed_streams() {
    let repo = repo();
    let big = SMALL.repeat(2000);
    for (name, packed) in [("S.xz", xz(big.as_bytes())), ("S.gz", gzip(big.as_bytes()))] {
        let path = repo.path().join(name);
        std::fs::write(&path, &packed[..packed.len() * 2 / 3]).unwrap();
        let (code, err) = fails(repo.path(), &[name]);
        assert_eq!(code, 2);
        let kind = if name.ends_with("xz") { "xz" } else { "gzip" };
        assert!(
            err.contains(&format!("{name}: the {kind} data is damaged or cut short")),
            "{err}"
        );
    }
    // The same over HTTP, served complete as far as HTTP can tell.
    let packed = gzip(big.as_bytes());
    let cut = packed[..packed.len() - 6].to_vec();
    let server = Httpd::start(move |_| Reply::ok(cut.clone()));
    let url = server.url("/Sources.gz");
    let (_, err) = fails(repo.path(), &[&url]);
    assert!(
        err.contains(&format!("{url}: the gzip data is damaged")),
        "{err}"
    );
}

#[test]
fn an_html_page_is_not_an_index() {
    let repo = repo();
    let server = Httpd::start(|_| Reply::Full {
        status: 200,
        content_type: "text/html",
        body: b"<!DOCTYPE html>\n<html><head><title>Mirror</title></head></html>\n".to_vec(),
    });
    let url = server.url("/dists/bookworm/main/source/Sources.xz");
    let (code, err) = fails(repo.path(), &[&url]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "{url}:1: malformed-input: this is not a Debian Sources index: it starts with `<!DOCTYPE html>`"
        )),
        "{err}"
    );
    assert_eq!(
        err.matches("malformed-input").count(),
        1,
        "one message: {err}"
    );
}

#[test]
fn stanzas_without_package_or_maintainer_name_input_and_line() {
    let repo = repo();
    let bad = "Package: ok\nVersion: 1\nMaintainer: A <a@example.org>\n\n\
               Version: 2\nMaintainer: B <b@example.org>\n\n\
               Package: nomaint\nVersion: 3\n";
    let packed = gzip(bad.as_bytes());
    let server = Httpd::start(move |_| Reply::ok(packed.clone()));
    let url = server.url("/Sources.gz");
    let (code, err) = fails(repo.path(), &[&url]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "{url}:5: malformed-input: stanza has no Package field"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{url}:8: malformed-input: package nomaint has no Maintainer field"
        )),
        "{err}"
    );
}
