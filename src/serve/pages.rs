//! The pages, on the server's hot path: a request for anything but the admin API, the web
//! forms and `/login` is answered here directly, without the router, with gzip when the
//! client accepts it (big answers compressed once per commit) and its request log line.
//! Everything else goes through the router.

use std::convert::Infallible;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};

use super::App;
use super::answer;
use super::follow::Current;
use super::route::{self, Route};

/// Answers smaller than this are not compressed (as tower-http's default).
const MIN_GZIP: usize = 32;
/// Answers at least this big are compressed once per commit and kept.
const KEEP_GZIP: usize = 8 * 1024;

/// The service each connection runs.
#[derive(Clone)]
pub(super) struct Service {
    app: Arc<App>,
    /// The connection's peer.
    peer: std::net::IpAddr,
}

/// Where a request comes from (see [`super::proxy::Proxies::client`]), and the peer that
/// brought it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Client(pub(super) std::net::IpAddr, pub(super) std::net::IpAddr);

impl Service {
    pub(super) fn new(app: Arc<App>) -> Service {
        Service {
            app,
            peer: std::net::Ipv4Addr::UNSPECIFIED.into(),
        }
    }

    /// The service for one connection from `peer`.
    pub(super) fn for_peer(&self, peer: std::net::IpAddr) -> Service {
        Service {
            peer,
            ..self.clone()
        }
    }
}

type Answering = std::pin::Pin<Box<dyn Future<Output = Response<Body>> + Send + 'static>>;

impl hyper::service::Service<Request<hyper::body::Incoming>> for Service {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send + 'static>,
    >;

    fn call(&self, req: Request<hyper::body::Incoming>) -> Self::Future {
        let client = Client(self.app.proxies.client(self.peer, req.headers()), self.peer);
        let start = Instant::now();
        let path = req.uri().path().to_owned();
        let method = req.method().clone();
        let app = Arc::clone(&self.app);
        let routed = route::route(req.method(), &path);
        let (class, call) = match routed {
            Route::Admin(op) => ("admin", Some(super::metrics::admin_call(op))),
            Route::Web(verb) => ("web", Some(super::metrics::web_call(verb))),
            Route::Login => ("login", None),
            Route::Logout => ("logout", None),
            Route::Page => ("page", None),
            Route::MethodNotAllowed | Route::NotFound => ("other", None),
        };
        let routed: Answering = match routed {
            Route::Page => {
                let (parts, _) = req.into_parts();
                let slow = super::web::may_sign_in(app.auth.as_ref(), &parts);
                let answer = move |app: &App| {
                    let mut res = page(app, &parts, client);
                    harden(&mut res);
                    let class = super::metrics::page_class(parts.uri.path());
                    app.metrics
                        .answered(class, res.status().as_u16(), start.elapsed());
                    log_line(parts.method.as_str(), parts.uri.path(), &res, start);
                    res
                };
                if !slow {
                    return Box::pin(std::future::ready(Ok(answer(&app))));
                }
                // A page for a user who may be signed in by a password: checking it is slow
                // on purpose (bcrypt), so not on the threads that answer pages.
                return Box::pin(async move {
                    Ok(tokio::task::spawn_blocking(move || answer(&app))
                        .await
                        .unwrap_or_else(|_| super::web::failed()))
                });
            }
            Route::MethodNotAllowed => Box::pin(std::future::ready(status(405))),
            Route::NotFound => Box::pin(std::future::ready(super::web::not_found())),
            Route::Admin(op) => {
                let op = op.to_owned();
                Box::pin(super::admin_route(app, client, op, req.map(Body::new)))
            }
            Route::Web(verb) => {
                let verb = verb.to_owned();
                Box::pin(super::web_route(app, client, verb, req.map(Body::new)))
            }
            Route::Login => Box::pin(super::login_route(app, client, req.headers().clone())),
            Route::Logout => Box::pin(std::future::ready(super::logout_route(
                &app,
                client,
                req.headers(),
            ))),
        };
        let app = Arc::clone(&self.app);
        Box::pin(async move {
            let mut res = routed.await;
            harden(&mut res);
            let status = res.status().as_u16();
            app.metrics.answered(class, status, start.elapsed());
            if let Some(call) = call {
                app.metrics.call(call, status);
            }
            log_line(method.as_str(), &path, &res, start);
            Ok(res)
        })
    }
}

/// A bare status answer.
pub(super) fn status(code: u16) -> Response<Body> {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::from_u16(code).expect("known codes");
    res
}

/// What every HTML page allows: scripts from this site only (none inline), no framing by any
/// other page, no plugins, forms posted only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers every answer carries: no content sniffing, and on HTML pages the content
/// security policy and a refusal to be framed (a page framing ours could steer a click on a
/// take or drop button).
pub(super) fn harden(res: &mut Response<Body>) {
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

/// A page: a signed-in user's package page offers take or drop; everyone else gets the page
/// as rendered.
fn page(app: &App, req: &Parts, client: Client) -> Response<Body> {
    let guard = app.guard(&client);
    page_of(
        &app.shared.now(),
        app.auth.as_ref(),
        &app.sessions,
        req,
        guard,
    )
}

/// A page of `current`, as [`page`] answers it.
pub(super) fn page_of(
    current: &Current,
    auth: Option<&super::admin::Auth>,
    sessions: &super::web::Sessions,
    req: &Parts,
    guard: super::calls::Guard<'_>,
) -> Response<Body> {
    if let Some(page) = super::web::page_for_user(&current.site, auth, sessions, req, guard) {
        return page;
    }
    let mut res = respond(current, req);
    if auth.is_some() && super::web::is_package_page(req.uri.path()) {
        // The page differs for a signed-in user: caches must ask each time.
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(
            header::VARY,
            HeaderValue::from_static("Cookie, Authorization"),
        );
    }
    res
}

/// Whether the client takes gzip (`gzip` or `*` with a weight above zero).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let q = parts
                .find_map(|p| p.strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && q > 0.0
        })
}

fn gzip(bytes: &[u8]) -> bytes::Bytes {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("writing to memory");
    e.finish().expect("writing to memory").into()
}

/// The answer to `req` from the served commit.
fn respond(current: &Current, req: &Parts) -> Response<Body> {
    let headers = &req.headers;
    let ask = answer::Ask {
        method: req.method.as_str(),
        path: req.uri.path(),
        query: req.uri.query(),
        if_none_match: headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok()),
    };
    let a = answer::answer(&current.site, &ask);
    let packs = a.status == 200 && a.body.len() >= MIN_GZIP;
    let gzipped = packs && accepts_gzip(headers);
    let body = if !gzipped {
        a.body
    } else if a.body.len() >= KEEP_GZIP {
        let mut kept = current.packed.lock().unwrap_or_else(|e| e.into_inner());
        kept.entry(ask.path.to_owned())
            .or_insert_with(|| gzip(&a.body))
            .clone()
    } else {
        gzip(&a.body)
    };
    let mut out = Response::new(Body::from(body));
    *out.status_mut() = StatusCode::from_u16(a.status).expect("the answers use known codes");
    let h: &mut HeaderMap = out.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    if packs {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if gzipped {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Some(etag) = a.etag {
        // Each representation has its own strong validator.
        let etag = if gzipped {
            format!("{}-gz\"", etag.trim_end_matches('"'))
        } else {
            etag
        };
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        h.insert(header::LAST_MODIFIED, current.last_modified.clone());
    }
    if a.cacheable {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(answer::CACHE_CONTROL),
        );
    }
    out
}

/// The request log line of one answered request: method, path, status, bytes, microseconds.
fn log_line(method: &str, path: &str, res: &Response<Body>, start: Instant) {
    let bytes = res
        .body()
        .size_hint()
        .exact()
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    let micros = start.elapsed().as_micros();
    let mut log = super::REQUEST_LOG.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(
        log,
        "{method} {path} {} {bytes} {micros}us",
        res.status().as_u16()
    );
}
