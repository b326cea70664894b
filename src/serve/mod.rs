//! `maintdb serve`: the rendered site of a branch's tip over HTTP, answered from memory with
//! the same code `render` writes files with. It follows the branch: when the tip moves (a
//! push, a `git fetch` in a mirror), the new commit is read and swapped in whole, so a reader
//! never sees half of one commit and half of another.

mod accept;
pub mod admin;
pub mod answer;
mod calls;
mod follow;
pub mod htpasswd;
mod mageia;
mod metrics;
mod offline;
mod pages;
pub mod proxy;
mod route;
mod throttle;
mod web;

pub use accept::Limits;
use calls::admin_call;
use follow::{Follow, Shared};
pub use offline::Offline;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Response};

use crate::source::open_repo;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub repo: PathBuf,
    pub branch: Option<String>,
    /// How often the branch is looked at.
    pub poll: Duration,
    /// How admin calls authenticate; `None` turns the admin API off (`--read-only`).
    pub admin: Option<admin::Auth>,
    pub limits: Limits,
    /// Also publish each served commit here, as `render --out` does.
    pub publish: Option<PathBuf>,
    /// The reverse proxies whose forwarding headers are believed.
    pub proxies: proxy::Proxies,
    /// Where to answer `GET /metrics`; nowhere when `None`.
    pub metrics: Option<SocketAddr>,
}

/// Why serving could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error("the branch `{0}` does not exist; name one with --branch")]
    NoBranch(String),
    #[error(
        "the records at {commit} are not valid ({errors} errors); run `maintdb check --rev {commit}`"
    )]
    Invalid { commit: String, errors: usize },
    #[error("cannot listen")]
    Listen(#[source] std::io::Error),
}

/// Request log lines waiting to be written: a busy server appends here and a timer writes
/// them to stderr every so often, rather than paying a write (and a wake-up) per request.
static REQUEST_LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// Writes the waiting request log lines to stderr.
fn flush_request_log() {
    use std::io::Write as _;
    let lines = std::mem::take(&mut *REQUEST_LOG.lock().unwrap_or_else(|e| e.into_inner()));
    if !lines.is_empty() {
        let _ = std::io::stderr().write_all(&lines);
    }
}

fn start_request_log() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            flush_request_log();
        }
    });
}

/// Waits for SIGTERM or Ctrl-C.
pub(super) async fn shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    eprintln!("shutting down: finishing the requests in flight");
}

/// What the handlers share.
struct App {
    shared: Arc<Shared>,
    follow: Arc<Follow>,
    writing: Arc<admin::Writing>,
    auth: Option<admin::Auth>,
    sessions: web::Sessions,
    failures: throttle::FailedLogins,
    proxies: proxy::Proxies,
    limits: Limits,
    metrics: Arc<metrics::Metrics>,
}

impl App {
    /// Where a request comes from: the client (behind a trusted proxy, from its header), and
    /// whether the connection is a trusted proxy's (or loopback), whose identity header is
    /// believed.
    fn guard(&self, client: &pages::Client) -> calls::Guard<'_> {
        calls::Guard {
            failures: &self.failures,
            client: client.0,
            from_proxy: client.1.is_loopback() || self.proxies.trusts(client.1),
        }
    }
}

/// `POST /admin/<op>`.
async fn admin_route(
    app: Arc<App>,
    client: pages::Client,
    op: String,
    req: axum::extract::Request,
) -> Response<Body> {
    admin_call(app, client, op, req).await
}

/// `GET /login`.
async fn login_route(app: Arc<App>, client: pages::Client, headers: HeaderMap) -> Response<Body> {
    // A password check is slow on purpose: not on the threads that answer pages.
    tokio::task::spawn_blocking(move || {
        let guard = app.guard(&client);
        let https = app.proxies.https(client.1, &headers);
        web::login(app.auth.as_ref(), &app.sessions, &headers, guard, https)
    })
    .await
    .unwrap_or_else(|_| web::failed())
}

/// `POST /logout`.
fn logout_route(app: &App, client: pages::Client, headers: &HeaderMap) -> Response<Body> {
    let https = app.proxies.https(client.1, headers);
    web::logout(app.auth.as_ref(), &app.sessions, headers, https)
}

/// `POST /web/take` or `/web/drop`.
async fn web_route(
    app: Arc<App>,
    client: pages::Client,
    verb: String,
    req: axum::extract::Request,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    // Who is posting, before a byte of the body is read.
    let a = Arc::clone(&app);
    let headers = parts.headers.clone();
    let user = tokio::task::spawn_blocking(move || {
        let guard = a.guard(&client);
        web::admit_head(a.auth.as_ref(), &a.sessions, &headers, guard)
    })
    .await;
    let user = match user {
        Ok(Ok(user)) => user,
        Ok(Err(refusal)) => return *refusal,
        Err(_) => return web::failed(),
    };
    let body = match calls::read_body(body, app.limits.body_timeout).await {
        Ok(b) => b,
        Err(r) => return calls::json_reply(r),
    };
    tokio::task::spawn_blocking(move || {
        let (res, changed) = web::act(&verb, &app.writing, &user, &body);
        if changed {
            // Show the change at once on the page the user returns to.
            app.follow.refresh();
        }
        res
    })
    .await
    .unwrap_or_else(|_| web::failed())
}

/// Serves until SIGTERM; `listening` hears the bound address first.
pub async fn run(
    opts: Options,
    listen: SocketAddr,
    listening: impl FnOnce(SocketAddr, &str),
) -> Result<(), ServeError> {
    start_request_log();
    let repo = open_repo(&opts.repo)?;
    let name = crate::edit::branch::reference_name(&repo.to_thread_local(), opts.branch.as_deref());
    let first = crate::edit::branch::tip_of(&repo.to_thread_local(), &name)
        .ok_or_else(|| ServeError::NoBranch(name.clone()))?;
    let failures = throttle::FailedLogins::default();
    let metrics = Arc::new(metrics::Metrics::new(&failures));
    let r = repo.clone();
    let publish = opts.publish.clone();
    let started = std::time::Instant::now();
    let (snapshot, current) = tokio::task::spawn_blocking(move || {
        let s = follow::read(&r, first)?;
        let c = follow::current(&r, &s, publish.as_deref());
        Ok::<_, ServeError>((s, c))
    })
    .await
    .expect("loading does not panic")?;
    metrics.reloaded("whole", started.elapsed(), Some(snapshot.time));
    let shared = Arc::new(Shared::new(current));
    let follow = Arc::new(Follow {
        repo: repo.clone(),
        name: name.clone(),
        publish: opts.publish.clone(),
        shared: Arc::clone(&shared),
        base: std::sync::Mutex::new(Some(snapshot)),
        failed: std::sync::Mutex::new(None),
        metrics: Arc::clone(&metrics),
    });
    let follower = Arc::clone(&follow);
    let poll = opts.poll;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(poll).await;
            let f = Arc::clone(&follower);
            let _ = tokio::task::spawn_blocking(move || f.refresh()).await;
        }
    });
    let app = Arc::new(App {
        shared,
        follow,
        writing: Arc::new(admin::Writing {
            branch: crate::edit::branch::Branch {
                repo: opts.repo.clone(),
                reference: name.clone(),
            },
            lock: std::sync::Mutex::new(()),
        }),
        auth: opts.admin.clone(),
        sessions: web::Sessions::default(),
        failures,
        proxies: opts.proxies.clone(),
        limits: opts.limits,
        metrics: Arc::clone(&metrics),
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(ServeError::Listen)?;
    let addr = listener.local_addr().map_err(ServeError::Listen)?;
    let mut metrics_at = None;
    if let Some(at) = opts.metrics {
        let listener = tokio::net::TcpListener::bind(at)
            .await
            .map_err(ServeError::Listen)?;
        metrics_at = Some(listener.local_addr().map_err(ServeError::Listen)?);
        tokio::spawn(metrics_loop(listener, Arc::clone(&app)));
    }
    listening(addr, &format!("{} of {name}", first.to_hex_with_len(12)));
    if let Some(at) = metrics_at {
        eprintln!("metrics at http://{at}/metrics");
    }
    accept::accept_loop(
        listener,
        pages::Service::new(Arc::clone(&app)),
        opts.limits,
        opts.proxies.clone(),
        metrics.connections.clone(),
    )
    .await;
    flush_request_log();
    Ok(())
}

/// The metrics listener: `GET /metrics` and nothing else, one connection at a time is enough
/// for a scraper; a slow one is cut off by the header timeout.
async fn metrics_loop(listener: tokio::net::TcpListener, app: Arc<App>) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let timeout = app.limits.header_timeout;
        let app = Arc::clone(&app);
        let service = hyper::service::service_fn(move |req: axum::http::Request<_>| {
            let app = Arc::clone(&app);
            async move {
                let get = req.method() == axum::http::Method::GET
                    || req.method() == axum::http::Method::HEAD;
                let res = if req.uri().path() == "/metrics" && get {
                    let mut res = Response::new(Body::from(app.metrics.encode(&app.failures)));
                    res.headers_mut().insert(
                        axum::http::header::CONTENT_TYPE,
                        axum::http::HeaderValue::from_static(metrics::CONTENT_TYPE),
                    );
                    res
                } else {
                    pages::status(404)
                };
                Ok::<_, std::convert::Infallible>(res)
            }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
