//! serve's request handling as a function, with no network: the request line, headers and
//! body into a response, from the shipped sample data's site. Input: a selector byte (the
//! peer, and which sign-in the server takes), then `METHOD TARGET`, header lines, an empty
//! line and the body.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;

use axum::body::HttpBody;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use maintdb::render::{Input, site::Site};
use maintdb::serve::Offline;
use maintdb::serve::admin::Auth;
use maintdb::serve::htpasswd::{Htpasswd, HtpasswdFile};

fn site() -> Site {
    let db = maintdb_fuzz::sample_db();
    Site::new(&Input::of_records(
        &db,
        "0123456789abcdef0123456789abcdef01234567",
    ))
}

/// A server signing in by a proxy's header, and one with an htpasswd file (`admin:secret`,
/// at bcrypt's lowest cost so that a run checks many).
static SERVERS: LazyLock<[Offline; 3]> = LazyLock::new(|| {
    let hash = bcrypt::hash("secret", 4).expect("bcrypt hashes");
    let (users, _) = Htpasswd::parse(&format!("admin:{hash}\n"));
    [
        Offline::new(site(), None),
        Offline::new(site(), Some(Auth::header("X-Remote-User"))),
        Offline::new(
            site(),
            Some(Auth::htpasswd(HtpasswdFile::fixed(users))),
        ),
    ]
});

fn request(text: &[u8]) -> Option<Request<bytes::Bytes>> {
    let split = text.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (text, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut b = Request::builder().method(method).uri(target);
    for l in lines {
        let (k, v) = l.split_once(':')?;
        b = b.header(k, v.trim_start());
    }
    b.body(bytes::Bytes::copy_from_slice(body)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Some(req) = request(rest) else {
        return;
    };
    let peer = if which & 4 == 0 {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, which))
    };
    let server = &SERVERS[usize::from(which % 3)];
    let head = req.method() == axum::http::Method::HEAD;
    let res = server.handle(peer, req);
    let status = res.status();
    assert!(
        status != StatusCode::INTERNAL_SERVER_ERROR || which % 3 == 0,
        "{status}"
    );
    // A body of known length, and an ETag only on a page of this commit.
    assert!(res.body().size_hint().exact().is_some() || head);
    if let Some(etag) = res.headers().get("etag") {
        assert!(
            etag.to_str()
                .is_ok_and(|e| e.starts_with('"') && e.ends_with('"'))
        );
    }
});
