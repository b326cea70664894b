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
