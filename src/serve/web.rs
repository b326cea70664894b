//! Take and drop on the web: a user signs in once at `/login` (HTTP basic auth, or the proxy's
//! header), gets a session cookie (`HttpOnly`, `SameSite=Strict`), and then sees a `take`
//! button on an unmaintained package's page and a `drop` button on their own. The POST goes
//! through the same operations and gate as `maintdb take` and `maintdb drop`; a post from
//! another site is refused by its `Origin`. Anonymous visitors get the rendered pages,
//! unchanged.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};

use super::admin::{self, Auth, Reply};
use super::calls::Guard;
use crate::edit::ops::{self, Targets};

const COOKIE: &str = "maintdb_session";

/// How long a session lasts.
const SESSION: Duration = Duration::from_secs(12 * 3600);

/// The signed-in sessions, by random token; they live in memory (a restart signs everyone out).
#[derive(Default)]
pub(super) struct Sessions {
    by_token: Mutex<HashMap<String, (String, Instant)>>,
}

impl Sessions {
    fn open(&self, user: &str) -> Result<String, getrandom::Error> {
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw)?;
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let mut all = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, (_, since)| since.elapsed() < SESSION);
        all.insert(token.clone(), (user.to_owned(), Instant::now()));
        Ok(token)
    }

    /// Ends the session of `token`, if it is one.
    fn close(&self, token: &str) -> bool {
        let mut all = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        all.remove(token).is_some()
    }

    fn user(&self, token: &str) -> Option<String> {
        let all = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        all.get(token)
            .filter(|(_, since)| since.elapsed() < SESSION)
            .map(|(u, _)| u.clone())
    }
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The user a request is signed in as: by its session cookie, or by credentials it carries.
/// `Ok(None)` when it carries none; `Err` with the refusal when they are wrong (401) or the
/// client failed too often (429).
pub(super) fn signed_in(
    auth: Option<&Auth>,
    sessions: &Sessions,
    headers: &HeaderMap,
    guard: Guard<'_>,
) -> Result<Option<String>, Reply> {
    let Some(auth) = auth else {
        return Ok(None);
    };
    if let Some(user) = cookie(headers).and_then(|t| sessions.user(t)) {
        return Ok(Some(user));
    }
    if let Some(user) = guard.header_user(auth, headers) {
        return Ok(Some(user));
    }
    if auth.htpasswd.is_none() || !headers.contains_key(header::AUTHORIZATION) {
        return Ok(None);
    }
    super::calls::identify(auth, headers, guard).map(Some)
}

fn redirect(to: &str) -> Response<Body> {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn text(status: u16, body: String) -> Response<Body> {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(status).expect("known codes");
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// The session cookie's attributes: `Secure` when the request came over HTTPS.
fn cookie_attributes(https: bool, max_age: u64) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("Path=/; HttpOnly; SameSite=Strict{secure}; Max-Age={max_age}")
}

/// `GET /login`: asks the browser for credentials, opens a session, and goes to the index.
/// `https`: the request came over HTTPS (through a trusted proxy), so the cookie is `Secure`.
pub(super) fn login(
    auth: Option<&Auth>,
    sessions: &Sessions,
    headers: &HeaderMap,
    guard: Guard<'_>,
    https: bool,
) -> Response<Body> {
    let Some(a) = auth else {
        return text(404, "this server takes no changes\n".into());
    };
    let user = match super::calls::identify(a, headers, guard) {
        Ok(u) => u,
        Err(r) => return super::calls::json_reply(r),
    };
    let Ok(token) = sessions.open(&user) else {
        return text(500, "cannot open a session\n".into());
    };
    let mut res = redirect("/");
    let value = format!(
        "{COOKIE}={token}; {}",
        cookie_attributes(https, SESSION.as_secs())
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `POST /logout` from this site's pages: ends the session on the server, clears the cookie,
/// and goes to the index.
pub(super) fn logout(
    auth: Option<&Auth>,
    sessions: &Sessions,
    headers: &HeaderMap,
    https: bool,
) -> Response<Body> {
    if auth.is_none() {
        return text(404, "this server takes no changes\n".into());
    }
    if !same_origin(headers) {
        let why = "refused: the form was not posted from this site's pages\n";
        return text(403, why.into());
    }
    if let Some(token) = cookie(headers) {
        sessions.close(token);
    }
    let mut res = redirect("/");
    let value = format!("{COOKIE}=; {}", cookie_attributes(https, 0));
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// Whether the request comes from a page of this server: its `Origin` names the `Host`.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    match (host, origin) {
        (Some(h), Some(o)) => o == format!("http://{h}") || o == format!("https://{h}"),
        _ => false,
    }
}

/// Everything about a take or drop form that its head decides: the server takes changes, the
/// user is signed in, the form comes from this site. The user, or the refusal.
pub(super) fn admit_head(
    auth: Option<&Auth>,
    sessions: &Sessions,
    headers: &HeaderMap,
    guard: Guard<'_>,
) -> Result<String, Box<Response<Body>>> {
    if auth.is_none() {
        return Err(Box::new(text(403, "this server takes no changes\n".into())));
    }
    let user = match signed_in(auth, sessions, headers, guard) {
        Ok(Some(user)) => user,
        Ok(None) => return Err(Box::new(text(401, "sign in at /login first\n".into()))),
        Err(r) => return Err(Box::new(super::calls::json_reply(r))),
    };
    if !same_origin(headers) {
        let why = "refused: the form was not posted from this site's pages\n";
        return Err(Box::new(text(403, why.into())));
    }
    Ok(user)
}

/// The `package` field of a take or drop form.
fn package_of(body: &[u8]) -> String {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "package")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Everything about a take or drop form before it is acted on: the user and the package, or
/// the refusal.
pub(super) fn admit(
    auth: Option<&Auth>,
    sessions: &Sessions,
    headers: &HeaderMap,
    body: &[u8],
    guard: Guard<'_>,
) -> Result<(String, String), Box<Response<Body>>> {
    let user = admit_head(auth, sessions, headers, guard)?;
    Ok((user, package_of(body)))
}

/// `POST /web/take` or `/web/drop` by `user` (admitted) with a `package` form field: the
/// answer, and whether a commit was made.
pub(super) fn act(
    verb: &str,
    writing: &admin::Writing,
    user: &str,
    body: &[u8],
) -> (Response<Body>, bool) {
    let package = package_of(body);
    let targets = Targets::Names(vec![package.clone()]);
    let reply: Reply = admin::commit_as(writing, user, |s| match verb {
        "take" => ops::take(s, &targets),
        _ => ops::drop(s, &targets),
    });
    if reply.status != 200 {
        let message = reply.body["error"]["message"].as_str().unwrap_or("refused");
        return (text(reply.status, format!("refused: {message}\n")), false);
    }
    let changed = reply.body["changed"] == true;
    let page = percent_encoding::utf8_percent_encode(&package, PATH_SEGMENT);
    (redirect(&format!("/packages/{page}.html")), changed)
}

/// What a path segment must escape.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A handler that failed: 500, never 404.
pub(super) fn failed() -> Response<Body> {
    text(500, "the request failed; see the server's log\n".into())
}

pub(super) fn not_found() -> Response<Body> {
    text(404, "not found\n".into())
}

/// Whether `path` is a package's page, which a signed-in user sees with a button.
pub(super) fn is_package_page(path: &str) -> bool {
    path.strip_prefix("/packages/")
        .is_some_and(|p| p.ends_with(".html") && !p.contains('/'))
}

/// Whether answering `req` may check a password: a package page asked with basic auth.
pub(super) fn may_sign_in(auth: Option<&Auth>, req: &axum::http::request::Parts) -> bool {
    auth.is_some_and(|a| a.htpasswd.is_some())
        && req.headers.contains_key(header::AUTHORIZATION)
        && is_package_page(req.uri.path())
}

/// A package page for a signed-in user, with its button, or the 429 of a client that failed
/// to sign in too often; `None` for anything else (wrong credentials get the page as anyone
/// does).
pub(super) fn page_for_user(
    site: &crate::render::site::Site,
    auth: Option<&Auth>,
    sessions: &Sessions,
    req: &axum::http::request::Parts,
    guard: Guard<'_>,
) -> Option<Response<Body>> {
    if req.method != axum::http::Method::GET {
        return None;
    }
    let path = req.uri.path();
    if !is_package_page(path) {
        return None;
    }
    let name = path.strip_prefix("/packages/")?.strip_suffix(".html")?;
    // The path arrives percent-encoded; the package is named by what it decodes to.
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    let user = match signed_in(auth, sessions, &req.headers, guard) {
        Ok(user) => user?,
        Err(r) if r.status == 429 => return Some(super::calls::json_reply(r)),
        Err(_) => return None,
    };
    let page = site.package_page_for(&name, &user).ok()??;
    let mut res = Response::new(Body::from(page.bytes));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(page.kind.content_type()),
    );
    // Personal: never cached by a proxy.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Some(res)
}
