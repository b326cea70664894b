//! Attacks on `maintdb serve` over real HTTP on 127.0.0.1: forged `X-Forwarded-For`, bodies
//! that trickle, clients that take every slot, oversized heads, framing and sessions. Other
//! loopback addresses (127.0.0.2, ...) stand for other clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::serve_admin::admin_server;

const FORM: &str = "application/x-www-form-urlencoded";

/// A connection to `addr` from the loopback address `src`.
fn connect_from(src: &str, addr: &str) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(format!("{src}:0").parse().unwrap()).unwrap();
        let s = sock.connect(addr.parse().unwrap()).await.unwrap();
        s.into_std().unwrap()
    })
    .tap_blocking()
}

trait Blocking {
    fn tap_blocking(self) -> Self;
}

impl Blocking for TcpStream {
    fn tap_blocking(self) -> Self {
        self.set_nonblocking(false).unwrap();
        self
    }
}

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

/// Sends the head of a `setnewpackage` whose body is `len` bytes, with credentials if given.
fn post_head(conn: &mut TcpStream, len: usize, auth: Option<&str>) {
    let auth = auth.map_or(String::new(), |a| format!("Authorization: Basic {a}\r\n"));
    // A connection the server turned away at once is closed: writing to it may fail.
    let _ = write!(
        conn,
        "POST /admin/setnewpackage HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {FORM}\r\nContent-Length: {len}\r\n\r\n"
    );
}

/// Writes one byte every `every` in the background until the connection breaks or `for_` ends.
fn trickle(conn: &TcpStream, every: Duration, for_: Duration) {
    let mut w = conn.try_clone().unwrap();
    std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < for_ {
            if w.write_all(b"a").is_err() {
                return;
            }
            std::thread::sleep(every);
        }
    });
}

/// Everything the server answers until it closes (or `wait` passes), and how long it took.
fn answer(conn: &mut TcpStream, wait: Duration) -> (String, Duration) {
    conn.set_read_timeout(Some(wait)).unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                // One answer is all these tests need.
                if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    (String::from_utf8_lossy(&buf).into_owned(), start.elapsed())
}

#[test]
fn a_trickled_body_meets_a_deadline_not_a_pause() {
    let (s, _tmp, served) = admin_server(&["--body-timeout", "2"]);
    let before = s.refs();
    let addr = served.base.trim_start_matches("http://").to_owned();
    let mut conn = TcpStream::connect(&addr).unwrap();
    post_head(&mut conn, 60_000, Some(&basic("buildsystem", "bs-secret")));
    // A byte every 300 ms: each comes well within the timeout, the whole body never does.
    trickle(&conn, Duration::from_millis(300), Duration::from_secs(15));
    let (text, took) = answer(&mut conn, Duration::from_secs(12));
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        took < Duration::from_secs(5),
        "cut at the deadline, not after the last pause: {took:?}"
    );
    assert_eq!(s.refs(), before);
}

#[test]
fn an_unauthenticated_body_is_never_read() {
    let (s, _tmp, served) = admin_server(&["--body-timeout", "10"]);
    let before = s.refs();
    let addr = served.base.trim_start_matches("http://").to_owned();
    for auth in [None, Some(basic("buildsystem", "wrong"))] {
        let mut conn = TcpStream::connect(&addr).unwrap();
        post_head(&mut conn, 60_000, auth.as_deref());
        let (text, took) = answer(&mut conn, Duration::from_secs(12));
        assert!(text.starts_with("HTTP/1.1 401"), "{text}");
        assert!(took < Duration::from_secs(3), "answered at once: {took:?}");
    }
    assert_eq!(s.refs(), before);
}

#[test]
fn trickling_clients_do_not_take_every_slot() {
    let (_s, _tmp, served) = admin_server(&["--max-connections", "10", "--body-timeout", "60"]);
    let addr = served.base.trim_start_matches("http://").to_owned();
    let auth = basic("buildsystem", "bs-secret");
    // Ten tricklers from one address: it gets a quarter of the slots; the rest are closed.
    let mut held = Vec::new();
    for _ in 0..10 {
        let mut conn = connect_from("127.0.0.2", &addr);
        post_head(&mut conn, 60_000, Some(&auth));
        trickle(&conn, Duration::from_millis(500), Duration::from_secs(30));
        held.push(conn);
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut closed = 0;
    for c in &mut held {
        c.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut b = [0u8; 1];
        match c.read(&mut b) {
            Ok(0) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            _ => {}
        }
    }
    assert!(closed >= 7, "{closed} of 10 closed");
    // Everyone else is still served, at once.
    let start = Instant::now();
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/orphan", served.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(start.elapsed() < Duration::from_secs(2));
    let mut other = connect_from("127.0.0.3", &addr);
    write!(
        other,
        "GET /perl-Foo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let (text, _) = answer(&mut other, Duration::from_secs(5));
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}

#[test]
fn an_oversized_head_is_431() {
    let (_s, _tmp, served) = admin_server(&[]);
    let addr = served.base.trim_start_matches("http://").to_owned();
    let mut conn = TcpStream::connect(&addr).unwrap();
    let big = "a".repeat(200 * 1024);
    let _ = write!(
        conn,
        "GET /orphan HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n"
    );
    let (text, _) = answer(&mut conn, Duration::from_secs(5));
    assert!(text.starts_with("HTTP/1.1 431"), "{text:.200}");
    // A head under the cap is served.
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/orphan", served.base))
        .header("X-Big", "a".repeat(8 * 1024))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// A setnewpackage with a wrong or right password, from the address a proxy names.
fn guess(base: &str, pass: &str, xff: &str) -> u16 {
    reqwest::blocking::Client::new()
        .post(format!("{base}/admin/setnewpackage"))
        .basic_auth("buildsystem", Some(pass))
        .header("Content-Type", FORM)
        .header("X-Forwarded-For", xff)
        .body("package=guessed&maintainer=carol")
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn forwarded_for_is_believed_only_from_named_proxies() {
    // No proxy named: the header is the client's own word, and rotating it gains nothing.
    let (_s, _tmp, served) = admin_server(&[]);
    for i in 0..10 {
        assert_eq!(guess(&served.base, "guess", &format!("192.0.2.{i}")), 401);
    }
    assert_eq!(guess(&served.base, "bs-secret", "192.0.2.99"), 429);

    // Behind a named proxy: each client has its own bucket, found right to left, so an
    // attacker's guesses neither escape theirs nor lock the build system out.
    let (_s, _tmp, served) = admin_server(&["--trusted-proxy", "127.0.0.1"]);
    for i in 0..10 {
        let forged = format!("192.0.2.{i}, 198.51.100.66");
        assert_eq!(guess(&served.base, "guess", &forged), 401);
    }
    assert_eq!(
        guess(&served.base, "bs-secret", "192.0.2.77, 198.51.100.66"),
        429
    );
    assert_eq!(guess(&served.base, "bs-secret", "198.51.100.7"), 200);
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `user` in; the Set-Cookie header and the cookie.
fn sign_in(base: &str, user: &str, pass: &str, proto: Option<&str>) -> (String, String) {
    let mut req = client()
        .get(format!("{base}/login"))
        .basic_auth(user, Some(pass));
    if let Some(p) = proto {
        req = req.header("X-Forwarded-Proto", p);
    }
    let r = req.send().unwrap();
    assert_eq!(r.status(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = set.split(';').next().unwrap().to_owned();
    (set, cookie)
}

fn package_page(base: &str, path: &str, cookie: &str) -> String {
    client()
        .get(format!("{base}{path}"))
        .header("Cookie", cookie)
        .send()
        .unwrap()
        .text()
        .unwrap()
}

#[test]
fn pages_refuse_framing_and_sessions_end() {
    let (s, _tmp, served) = admin_server(&["--trusted-proxy", "127.0.0.1"]);
    let base = &served.base;
    let r = client()
        .get(format!("{base}/packages/orphan.html"))
        .send()
        .unwrap();
    let h = r.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let r = client().get(format!("{base}/packages.txt")).send().unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let page = client()
        .get(format!("{base}/packages.html"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!page.contains("<script>"), "no inline script");
    assert!(page.contains("<script src=\"search.js\"></script>"));
    let js = client().get(format!("{base}/search.js")).send().unwrap();
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );

    // Secure only when a trusted proxy says the client came over HTTPS.
    let (plain, _) = sign_in(base, "carol", "carol-secret", None);
    assert!(!plain.contains("Secure"), "{plain}");
    let (secure, cookie) = sign_in(base, "carol", "carol-secret", Some("https"));
    assert!(secure.contains("; Secure"), "{secure}");
    assert!(package_page(base, "/packages/orphan.html", &cookie).contains("id=\"take\""));
    assert!(package_page(base, "/packages/orphan.html", &cookie).contains("id=\"logout\""));

    // Signing out from another site is refused; from this one it ends the session.
    let out = |origin: &str| {
        client()
            .post(format!("{base}/logout"))
            .header("Cookie", &cookie)
            .header("Origin", origin)
            .send()
            .unwrap()
    };
    assert_eq!(out("http://evil.example").status(), 403);
    assert!(package_page(base, "/packages/orphan.html", &cookie).contains("id=\"take\""));
    let host = base.trim_start_matches("http://");
    let r = out(&format!("http://{host}"));
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert!(!package_page(base, "/packages/orphan.html", &cookie).contains("id=\"take\""));
    let r = client().get(format!("{base}/logout")).send().unwrap();
    assert_eq!(r.status(), 405, "only POST signs out");

    // A package whose name a client percent-encodes still gets its button.
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/admin/setnewpackage"))
        .basic_auth("buildsystem", Some("bs-secret"))
        .header("Content-Type", FORM)
        .body("package=g%2B%2B&maintainer=nobody")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let (_, cookie) = sign_in(base, "carol", "carol-secret", None);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page = package_page(base, "/packages/g%2B%2B.html", &cookie);
        if page.contains("id=\"take\"") {
            break;
        }
        assert!(Instant::now() < deadline, "no take button:\n{page}");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(s);
}
