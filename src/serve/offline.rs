//! The server's request handling without a socket or a repository: the pages exactly as
//! served, and the admin and web calls up to the point where they would commit (answered
//! with 202 instead). Fuzzing drives requests through it.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{Request, Response};

use super::admin::{Auth, Reply};
use super::calls::{self, Guard};
use super::follow::Current;
use super::route::{self, Route};
use super::{pages, proxy, throttle, web};
use crate::render::site::Site;

/// A server of one site, with its sessions and failed logins, and no repository.
pub struct Offline {
    current: Current,
    auth: Option<Auth>,
    sessions: web::Sessions,
    failures: throttle::FailedLogins,
    proxies: proxy::Proxies,
}

impl Offline {
    pub fn new(site: Site, auth: Option<Auth>) -> Offline {
        Offline {
            current: Current::new(site, std::time::UNIX_EPOCH),
            auth,
            sessions: web::Sessions::default(),
            failures: throttle::FailedLogins::default(),
            proxies: proxy::Proxies::new(vec![std::net::Ipv4Addr::LOCALHOST.into()]),
        }
    }

    /// The answer to `req` from a connection of `peer`, with the headers every answer carries.
    pub fn handle(&self, peer: IpAddr, req: Request<bytes::Bytes>) -> Response<Body> {
        let mut res = self.route(peer, req);
        pages::harden(&mut res);
        res
    }

    fn route(&self, peer: IpAddr, req: Request<bytes::Bytes>) -> Response<Body> {
        let guard = Guard {
            failures: &self.failures,
            client: self.proxies.client(peer, req.headers()),
            from_proxy: peer.is_loopback() || self.proxies.trusts(peer),
        };
        let auth = self.auth.as_ref();
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_owned();
        match route::route(&parts.method, &path) {
            Route::Admin(op) => {
                calls::json_reply(match calls::admit(auth, op, &parts.headers, &body, guard) {
                    Ok(_) => Reply {
                        status: 202,
                        body: serde_json::json!({"would": "commit"}),
                    },
                    Err(r) => r,
                })
            }
            Route::Web(_) => match web::admit(auth, &self.sessions, &parts.headers, &body, guard) {
                Ok(_) => pages::status(202),
                Err(refusal) => *refusal,
            },
            Route::Login => web::login(auth, &self.sessions, &parts.headers, guard, false),
            Route::Logout => web::logout(auth, &self.sessions, &parts.headers, false),
            Route::MethodNotAllowed => pages::status(405),
            Route::NotFound => web::not_found(),
            Route::Page => pages::page_of(&self.current, auth, &self.sessions, &parts, guard),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::htpasswd::{Htpasswd, HtpasswdFile};

    fn server() -> Offline {
        let db = crate::model::Db::default();
        let site = Site::new(&crate::render::Input::of_records(
            &db,
            "0123456789abcdef0123456789abcdef01234567",
        ));
        let hash = bcrypt::hash("bs-secret", 4).expect("bcrypt hashes");
        let (users, _) = Htpasswd::parse(&format!("buildsystem:{hash}\n"));
        Offline::new(
            site,
            Some(Auth {
                htpasswd: Some(std::sync::Arc::new(HtpasswdFile::fixed(users))),
                header: Some("X-Remote-User".into()),
            }),
        )
    }

    fn call(s: &Offline, peer: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let mut req = Request::post("/admin/setnewpackage")
            .header("Content-Type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(bytes::Bytes::from_static(b"package=p&maintainer=carol"))
            .expect("a request");
        let res = s.handle(peer.parse().expect("an address"), req);
        let status = res.status().as_u16();
        let body = body_text(res);
        (status, body)
    }

    fn body_text(res: Response<Body>) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let bytes = rt
            .block_on(axum::body::to_bytes(res.into_body(), 1 << 20))
            .expect("a body");
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn the_header_from_a_proxy_and_basic_auth_from_anyone() {
        let s = server();
        // Through the proxy (here loopback): the header names the caller.
        let (code, _) = call(&s, "127.0.0.1", &[("X-Remote-User", "carol")]);
        assert_eq!(code, 202);
        // From anywhere else the header is not believed: basic auth is asked for.
        let (code, body) = call(&s, "203.0.113.9", &[("X-Remote-User", "alice")]);
        assert_eq!(code, 401, "{body}");
        assert!(
            body.contains("htpasswd") && body.contains("proxy"),
            "{body}"
        );
        // Basic auth, from anywhere.
        let basic = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                "buildsystem:bs-secret"
            )
        );
        let (code, _) = call(&s, "203.0.113.9", &[("Authorization", &basic)]);
        assert_eq!(code, 202);
    }
}
