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
mod web;

pub use accept::Limits;
use calls::admin_call;
use follow::{Follow, Shared, branch_ref, load, tip};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};

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

fn respond(shared: &Shared, req: &Request<Body>) -> Response<Body> {
    let current = Arc::clone(
        &shared
            .current
            .read()
            .expect("never poisoned: writers only swap"),
    );
    let headers = req.headers();
    let ask = answer::Ask {
        method: req.method().as_str(),
        path: req.uri().path(),
        query: req.uri().query(),
        if_none_match: headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok()),
    };
    let a = answer::answer(&current.site, &ask);
    let mut out = Response::new(Body::from(a.body));
    *out.status_mut() = StatusCode::from_u16(a.status).expect("the answers use known codes");
    let h: &mut HeaderMap = out.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    if let Some(etag) = a.etag {
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        if let Ok(v) = HeaderValue::from_str(&current.last_modified) {
            h.insert(header::LAST_MODIFIED, v);
        }
    }
    if let Some(age) = a.max_age
        && let Ok(v) = HeaderValue::from_str(&format!("public, max-age={age}"))
    {
        h.insert(header::CACHE_CONTROL, v);
    }
    out
}

/// Logs one line per request on stderr: method, path, status, bytes, microseconds.
async fn log(req: Request<Body>, next: axum::middleware::Next) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let bytes = res
        .body()
        .size_hint()
        .exact()
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    let line = format!(
        "{method} {path} {} {bytes} {}us\n",
        res.status().as_u16(),
        start.elapsed().as_micros()
    );
    REQUEST_LOG
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend_from_slice(line.as_bytes());
    res
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
}

type AppState = axum::extract::State<Arc<App>>;
type Named = axum::extract::Path<String>;

async fn admin_route(
    axum::extract::State(app): AppState,
    axum::extract::Path(op): Named,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response<Body> {
    admin_call(&app.auth, Arc::clone(&app.writing), &op, &headers, body).await
}

async fn login_route(axum::extract::State(app): AppState, headers: HeaderMap) -> Response<Body> {
    web::login(app.auth.as_ref(), &app.sessions, &headers)
}

async fn web_route(
    axum::extract::State(app): AppState,
    axum::extract::Path(verb): Named,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response<Body> {
    if verb != "take" && verb != "drop" {
        return web::not_found();
    }
    tokio::task::spawn_blocking(move || {
        let (res, changed) = web::act(
            &verb,
            app.auth.as_ref(),
            &app.sessions,
            &app.writing,
            &headers,
            &body,
        );
        if changed {
            // Show the change at once on the page the user returns to.
            app.follow.refresh();
        }
        res
    })
    .await
    .unwrap_or_else(|_| web::not_found())
}

async fn page_route(axum::extract::State(app): AppState, req: Request<Body>) -> Response<Body> {
    // A signed-in user's package page offers take or drop; everyone else gets the page as
    // rendered.
    if let Some(page) = web::page_for_user(
        &app.shared.now().site,
        app.auth.as_ref(),
        &app.sessions,
        &req,
    ) {
        return page;
    }
    let mut res = respond(&app.shared, &req);
    if app.auth.is_some() && web::is_package_page(req.uri().path()) {
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

/// Serves until SIGTERM; `listening` hears the bound address first.
pub async fn run(
    opts: Options,
    listen: SocketAddr,
    listening: impl FnOnce(SocketAddr, &str),
) -> Result<(), ServeError> {
    start_request_log();
    let repo = open_repo(&opts.repo)?;
    let name = branch_ref(&repo.to_thread_local(), opts.branch.as_deref());
    let first = tip(&repo, &name).ok_or_else(|| ServeError::NoBranch(name.clone()))?;
    let r = repo.clone();
    let publish = opts.publish.clone();
    let current = tokio::task::spawn_blocking(move || load(&r, first, publish.as_deref()))
        .await
        .expect("loading does not panic")?;
    let shared = Arc::new(Shared {
        current: RwLock::new(Arc::new(current)),
    });
    let follow = Arc::new(Follow {
        repo: repo.clone(),
        name: name.clone(),
        publish: opts.publish.clone(),
        shared: Arc::clone(&shared),
        failed: std::sync::Mutex::new(None),
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
            repo: opts.repo.clone(),
            reference: name.clone(),
            lock: std::sync::Mutex::new(()),
        }),
        auth: opts.admin.clone(),
        sessions: web::Sessions::default(),
    });
    let limit = || axum::extract::DefaultBodyLimit::max(admin::MAX_BODY);
    let router = axum::Router::new()
        .route("/web/{verb}", axum::routing::post(web_route).layer(limit()))
        .route("/login", axum::routing::get(login_route))
        .route(
            "/admin/{op}",
            axum::routing::post(admin_route).layer(limit()),
        )
        .fallback(page_route)
        .with_state(app)
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn(log));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(ServeError::Listen)?;
    let addr = listener.local_addr().map_err(ServeError::Listen)?;
    listening(addr, &format!("{} of {name}", first.to_hex_with_len(12)));
    accept::accept_loop(listener, router, opts.limits).await;
    flush_request_log();
    Ok(())
}
