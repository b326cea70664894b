//! The HTTP side of admin calls: who is calling (basic auth against the htpasswd file, or the
//! header a trusted proxy sets), and the JSON replies.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};

use super::admin;
use crate::diag::ApiCode;

/// Where a request comes from, and the failed logins counted against such places.
#[derive(Clone, Copy)]
pub(super) struct Guard<'a> {
    pub(super) failures: &'a super::throttle::FailedLogins,
    pub(super) client: std::net::IpAddr,
    /// Whether the connection comes from a trusted proxy (or loopback), whose identity header
    /// is believed.
    pub(super) from_proxy: bool,
}

impl Guard<'_> {
    /// The user named by the identity header, when there is one and it may be believed.
    pub(super) fn header_user(&self, auth: &admin::Auth, headers: &HeaderMap) -> Option<String> {
        let name = auth.header.as_deref().filter(|_| self.from_proxy)?;
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(ToOwned::to_owned)
    }
}

/// The 429 of a client that failed to log in too often.
fn too_many(wait: std::time::Duration) -> admin::Reply {
    let secs = wait.as_secs().max(1);
    let mut r = admin::Reply::error(
        429,
        ApiCode::TooManyFailures,
        format!("too many failed logins from this address; try again in {secs} s"),
        "wait, then check the user name and password",
    );
    r.body["error"]["retry_after"] = secs.into();
    r
}

/// The identity of a caller, or the reply that refuses it. A password is only checked when
/// the caller's address has not failed too often; a wrong one counts against it.
pub(super) fn identify(
    auth: &admin::Auth,
    headers: &HeaderMap,
    guard: Guard<'_>,
) -> Result<String, admin::Reply> {
    let help = match (&auth.htpasswd, &auth.header) {
        (Some(_), Some(_)) => {
            "sign in through the proxy, or authenticate with HTTP basic auth as a user of the server's htpasswd file"
        }
        (None, Some(_)) => "sign in through the proxy that sets the identity header",
        _ => "authenticate with HTTP basic auth as a user of the server's htpasswd file",
    };
    let unauthorized =
        || admin::Reply::error(401, ApiCode::Unauthorized, "no valid credentials", help);
    if let Some(user) = guard.header_user(auth, headers) {
        return Ok(user);
    }
    let Some(users) = &auth.htpasswd else {
        return Err(unauthorized());
    };
    use base64::Engine as _;
    guard.failures.check(guard.client).map_err(too_many)?;
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
        guard.failures.failed(guard.client);
        Err(unauthorized())
    }
}

/// Reads a request body whole within `deadline`, counted from the first byte asked for to the
/// last (a client that sends one byte now and then cannot stretch it), and at most
/// [`admin::MAX_BODY`] bytes.
pub(super) async fn read_body(
    body: Body,
    deadline: std::time::Duration,
) -> Result<axum::body::Bytes, admin::Reply> {
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, admin::MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(admin::Reply::error(
            413,
            ApiCode::TooLarge,
            format!(
                "the body is over {} KiB, or broken off",
                admin::MAX_BODY / 1024
            ),
            "send one call at a time, with its fields only",
        )),
        Err(_) => Err(admin::Reply::error(
            408,
            ApiCode::BodyTimeout,
            format!("the body did not arrive within {} s", deadline.as_secs()),
            "send the whole body at once",
        )),
    }
}

/// An admin call. The caller is known before a byte of the body is read; checking a password
/// is slow on purpose (bcrypt), so it runs, like the commit, on a blocking thread, never on
/// the threads that answer pages.
pub(super) async fn admin_call(
    app: Arc<super::App>,
    client: super::pages::Client,
    op: String,
    req: axum::extract::Request,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let failed = || {
        admin::Reply::error(
            500,
            ApiCode::Internal,
            "the call failed",
            "see the server's log",
        )
    };
    let a = Arc::clone(&app);
    let headers = parts.headers.clone();
    let head = tokio::task::spawn_blocking(move || {
        let guard = a.guard(&client);
        admit_head(a.auth.as_ref(), &op, &headers, guard)
    })
    .await;
    let (id, op) = match head {
        Ok(Ok(admitted)) => admitted,
        Ok(Err(r)) => return json_reply(r),
        Err(_) => return json_reply(failed()),
    };
    let body = match read_body(body, app.limits.body_timeout).await {
        Ok(b) => b,
        Err(r) => return json_reply(r),
    };
    let reply = tokio::task::spawn_blocking(move || match admit_body(&parts.headers, &body) {
        Ok(call) => admin::apply(&app.writing, &id, op, &call),
        Err(r) => r,
    })
    .await
    .unwrap_or_else(|_| failed());
    json_reply(reply)
}

/// Everything about an admin call before it is applied: the server takes changes, the call
/// exists, the caller is known, the body reads. The caller, the operation and the call.
pub(super) fn admit(
    auth: Option<&admin::Auth>,
    op: &str,
    headers: &HeaderMap,
    body: &[u8],
    guard: Guard<'_>,
) -> Result<(String, admin::Op, admin::Call), admin::Reply> {
    let (id, op) = admit_head(auth, op, headers, guard)?;
    Ok((id, op, admit_body(headers, body)?))
}

/// What the head of an admin call decides: the server takes changes, the call exists, the
/// caller is known. The caller and the operation.
pub(super) fn admit_head(
    auth: Option<&admin::Auth>,
    op: &str,
    headers: &HeaderMap,
    guard: Guard<'_>,
) -> Result<(String, admin::Op), admin::Reply> {
    let (auth, op) = match (auth, admin::Op::from_path(op)) {
        (None, _) => {
            return Err(admin::Reply::error(
                403,
                ApiCode::ReadOnly,
                "this server does not take changes",
                "push to the repository, or ask for a server with --htpasswd",
            ));
        }
        (_, None) => {
            return Err(admin::Reply::error(
                404,
                ApiCode::UnknownCall,
                format!("no admin call `{op}`"),
                "use setnewpackage, setpackage or removepackage",
            ));
        }
        (Some(auth), Some(op)) => (auth, op),
    };
    Ok((identify(auth, headers, guard)?, op))
}

/// The call in an admin call's body.
fn admit_body(headers: &HeaderMap, body: &[u8]) -> Result<admin::Call, admin::Reply> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    admin::parse_call(ctype, body)
}

/// A JSON reply; a 401 asks for basic auth.
pub(super) fn json_reply(reply: admin::Reply) -> Response<Body> {
    let mut res = Response::new(Body::from(reply.body.to_string() + "\n"));
    *res.status_mut() = StatusCode::from_u16(reply.status).expect("known codes");
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(secs) = reply.body["error"]["retry_after"].as_u64()
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if reply.status == 401 {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"maintdb\""),
        );
    }
    res
}
