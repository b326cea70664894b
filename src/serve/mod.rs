//! `maintdb serve`: the rendered site of a branch's tip over HTTP, answered from memory with
//! the same code `render` writes files with. It follows the branch: when the tip moves (a
//! push, a `git fetch` in a mirror), the new commit is read and swapped in whole, so a reader
//! never sees half of one commit and half of another.

mod accept;
pub mod admin;
pub mod answer;
pub mod htpasswd;
mod web;

pub use accept::Limits;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, UNIX_EPOCH};

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};

use crate::render::site::Site;
use crate::render::snapshot::Snapshot;
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

/// The commit being served.
struct Current {
    site: Site,
    last_modified: String,
}

/// What every request reads: the current commit, swapped whole when the branch moves.
pub struct Shared {
    current: RwLock<Arc<Current>>,
}

impl Shared {
    fn now(&self) -> Arc<Current> {
        Arc::clone(
            &self
                .current
                .read()
                .expect("never poisoned: writers only swap"),
        )
    }

    fn served(&self) -> gix::ObjectId {
        gix::ObjectId::from_hex(self.now().site.commit().as_bytes()).expect("a commit id")
    }

    fn swap(&self, next: Current) {
        *self.current.write().expect("never poisoned") = Arc::new(next);
    }
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

/// The branch's ref name: `--branch`, else the one HEAD points to, else `main`.
fn branch_ref(repo: &gix::Repository, branch: Option<&str>) -> String {
    match branch {
        Some(b) if b.starts_with("refs/") => b.to_owned(),
        Some(b) => format!("refs/heads/{b}"),
        None => repo
            .head_name()
            .ok()
            .flatten()
            .map_or_else(|| "refs/heads/main".to_owned(), |n| n.as_bstr().to_string()),
    }
}

fn tip(repo: &gix::ThreadSafeRepository, name: &str) -> Option<gix::ObjectId> {
    let local = repo.to_thread_local();
    let mut r = local.find_reference(name).ok()?;
    r.peel_to_id().ok().map(|id| id.detach())
}

fn load(
    repo: &gix::ThreadSafeRepository,
    commit: gix::ObjectId,
    publish: Option<&std::path::Path>,
) -> Result<Current, ServeError> {
    let snapshot = match Snapshot::read(repo, commit, true)? {
        Ok(s) => s,
        Err(report) => {
            return Err(ServeError::Invalid {
                commit: commit.to_string(),
                errors: report.errors(),
            });
        }
    };
    let when = UNIX_EPOCH + Duration::from_secs(snapshot.time.max(0) as u64);
    let site = snapshot.site();
    if let Some(dir) = publish {
        let label = commit.to_hex_with_len(12).to_string();
        let hidden = indicatif::ProgressBar::hidden();
        let published = crate::render::publish::publish(dir, &label, |d| {
            crate::render::render_site(d, &site, &hidden)
        });
        if let Err(e) = published {
            // Serving goes on; the published tree stays as it was.
            eprintln!("error: cannot publish {label} at {}: {e}", dir.display());
        }
    }
    Ok(Current {
        site,
        last_modified: httpdate::fmt_http_date(when),
    })
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

/// The identity of an admin call, or the reply that refuses it.
pub(super) fn identify(auth: &admin::Auth, headers: &HeaderMap) -> Result<String, admin::Reply> {
    let unauthorized = || {
        admin::Reply::error(
            401,
            "unauthorized",
            "no valid credentials",
            "authenticate with HTTP basic auth as a user of the server's htpasswd file",
        )
    };
    match auth {
        admin::Auth::Header(name) => headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(ToOwned::to_owned)
            .ok_or_else(unauthorized),
        admin::Auth::Htpasswd(users) => {
            use base64::Engine as _;
            let (user, password) = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "))
                .and_then(|b| {
                    base64::engine::general_purpose::STANDARD
                        .decode(b.trim())
                        .ok()
                })
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())))
                .ok_or_else(unauthorized)?;
            if users.check(&user, &password) {
                Ok(user)
            } else {
                Err(unauthorized())
            }
        }
    }
}

async fn admin_call(
    auth: &Option<admin::Auth>,
    writing: Arc<admin::Writing>,
    op: &str,
    headers: &HeaderMap,
    body: axum::body::Bytes,
) -> Response<Body> {
    let reply = match (auth, admin::Op::from_path(op)) {
        (None, _) => admin::Reply::error(
            403,
            "read-only",
            "this server does not take changes",
            "push to the repository, or ask for a server with --htpasswd",
        ),
        (_, None) => admin::Reply::error(
            404,
            "unknown-call",
            format!("no admin call `{op}`"),
            "use setnewpackage, setpackage or removepackage",
        ),
        (Some(auth), Some(op)) => match identify(auth, headers) {
            Err(r) => r,
            Ok(id) => {
                let ctype = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                match admin::parse_call(&ctype, &body) {
                    Err(r) => r,
                    Ok(call) => {
                        tokio::task::spawn_blocking(move || admin::apply(&writing, &id, op, &call))
                            .await
                            .unwrap_or_else(|_| {
                                admin::Reply::error(
                                    500,
                                    "internal",
                                    "the call failed",
                                    "see the server's log",
                                )
                            })
                    }
                }
            }
        },
    };
    json_reply(reply)
}

/// A JSON reply; a 401 asks for basic auth.
pub(super) fn json_reply(reply: admin::Reply) -> Response<Body> {
    let mut res = Response::new(Body::from(reply.body.to_string() + "\n"));
    *res.status_mut() = StatusCode::from_u16(reply.status).expect("known codes");
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if reply.status == 401 {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"maintdb\""),
        );
    }
    res
}

/// Keeps the served commit in step with the branch.
struct Follow {
    repo: gix::ThreadSafeRepository,
    name: String,
    publish: Option<PathBuf>,
    shared: Arc<Shared>,
    /// A tip that failed to load is not tried again until the branch moves on.
    failed: std::sync::Mutex<Option<gix::ObjectId>>,
}

impl Follow {
    /// Loads and serves the branch's tip, if it moved.
    fn refresh(&self) {
        let Some(now) = tip(&self.repo, &self.name) else {
            return;
        };
        let served = self.shared.served();
        let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        if now == served || Some(now) == *failed {
            return;
        }
        match load(&self.repo, now, self.publish.as_deref()) {
            Ok(next) => {
                self.shared.swap(next);
                eprintln!("serving {}", now.to_hex_with_len(12));
            }
            Err(e) => {
                eprintln!("error: {e}; still serving {}", served.to_hex_with_len(12));
                *failed = Some(now);
            }
        }
    }
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
    eprintln!(
        "{method} {path} {} {bytes} {}us",
        res.status().as_u16(),
        start.elapsed().as_micros()
    );
    res
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

/// Serves until SIGTERM; `listening` hears the bound address first.
pub async fn run(
    opts: Options,
    listen: SocketAddr,
    listening: impl FnOnce(SocketAddr, &str),
) -> Result<(), ServeError> {
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
    let writing = Arc::new(admin::Writing {
        repo: opts.repo.clone(),
        reference: name.clone(),
        lock: std::sync::Mutex::new(()),
    });
    let auth = Arc::new(opts.admin.clone());
    let state = Arc::clone(&shared);
    let (web_writing, web_auth, web_follow) =
        (Arc::clone(&writing), Arc::clone(&auth), Arc::clone(&follow));
    let login_auth = Arc::clone(&auth);
    let page_auth = Arc::clone(&auth);
    let sessions = Arc::new(web::Sessions::default());
    let (web_sessions, login_sessions, page_sessions) = (
        Arc::clone(&sessions),
        Arc::clone(&sessions),
        Arc::clone(&sessions),
    );
    let app = axum::Router::new()
        .route(
            "/web/{verb}",
            axum::routing::post(
                move |axum::extract::Path(verb): axum::extract::Path<String>,
                      headers: HeaderMap,
                      body: axum::body::Bytes| {
                    let (writing, auth, follow) = (
                        Arc::clone(&web_writing),
                        Arc::clone(&web_auth),
                        Arc::clone(&web_follow),
                    );
                    let sessions = Arc::clone(&web_sessions);
                    async move {
                        if verb != "take" && verb != "drop" {
                            return web::not_found();
                        }
                        tokio::task::spawn_blocking(move || {
                            let (res, changed) = web::act(
                                &verb,
                                auth.as_ref().as_ref(),
                                &sessions,
                                &writing,
                                &headers,
                                &body,
                            );
                            if changed {
                                // Show the change at once on the page the user returns to.
                                follow.refresh();
                            }
                            res
                        })
                        .await
                        .unwrap_or_else(|_| web::not_found())
                    }
                },
            )
            .layer(axum::extract::DefaultBodyLimit::max(admin::MAX_BODY)),
        )
        .route(
            "/login",
            axum::routing::get(move |headers: HeaderMap| {
                let (auth, sessions) = (Arc::clone(&login_auth), Arc::clone(&login_sessions));
                async move { web::login(auth.as_ref().as_ref(), &sessions, &headers) }
            }),
        )
        .route(
            "/admin/{op}",
            axum::routing::post(
                move |axum::extract::Path(op): axum::extract::Path<String>,
                      headers: HeaderMap,
                      body: axum::body::Bytes| {
                    let (writing, auth) = (Arc::clone(&writing), Arc::clone(&auth));
                    async move { admin_call(&auth, writing, &op, &headers, body).await }
                },
            )
            .layer(axum::extract::DefaultBodyLimit::max(admin::MAX_BODY)),
        )
        .fallback(move |req: Request<Body>| {
            let (state, auth) = (Arc::clone(&state), Arc::clone(&page_auth));
            let sessions = Arc::clone(&page_sessions);
            async move {
                // A signed-in user's package page offers take or drop; everyone else gets
                // the page as rendered.
                if let Some(page) =
                    web::page_for_user(&state.now().site, auth.as_ref().as_ref(), &sessions, &req)
                {
                    return page;
                }
                let mut res = respond(&state, &req);
                if auth.is_some() && web::is_package_page(req.uri().path()) {
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
        })
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn(log));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(ServeError::Listen)?;
    let addr = listener.local_addr().map_err(ServeError::Listen)?;
    listening(addr, &format!("{} of {name}", first.to_hex_with_len(12)));
    accept::accept_loop(listener, app, opts.limits).await;
    Ok(())
}
