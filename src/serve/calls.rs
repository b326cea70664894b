//! The HTTP side of admin calls: who is calling (basic auth against the htpasswd file, or the
//! header a trusted proxy sets), and the JSON replies.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};

use super::admin;

/// Where a request comes from, and the failed logins counted against such places.
#[derive(Clone, Copy)]
pub(super) struct Guard<'a> {
    pub(super) failures: &'a super::throttle::FailedLogins,
    pub(super) client: std::net::IpAddr,
}

/// The 429 of a client that failed to log in too often.
fn too_many(wait: std::time::Duration) -> admin::Reply {
    let secs = wait.as_secs().max(1);
    let mut r = admin::Reply::error(
        429,
        "too-many-failures",
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
    }
}

/// An admin call. Checking a password is slow on purpose (bcrypt), so it runs with the
/// commit on a blocking thread, never on the threads that answer pages.
pub(super) async fn admin_call(
    app: Arc<super::App>,
    client: std::net::IpAddr,
    op: String,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response<Body> {
    let reply = tokio::task::spawn_blocking(move || {
        let guard = Guard {
            failures: &app.failures,
            client,
        };
        call(app.auth.as_ref(), &app.writing, &op, &headers, &body, guard)
    })
    .await
    .unwrap_or_else(|_| {
        admin::Reply::error(500, "internal", "the call failed", "see the server's log")
    });
    json_reply(reply)
}

fn call(
    auth: Option<&admin::Auth>,
    writing: &admin::Writing,
    op: &str,
    headers: &HeaderMap,
    body: &[u8],
    guard: Guard<'_>,
) -> admin::Reply {
    match admit(auth, op, headers, body, guard) {
        Ok((id, op, call)) => admin::apply(writing, &id, op, &call),
        Err(r) => r,
    }
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
    let (auth, op) = match (auth, admin::Op::from_path(op)) {
        (None, _) => {
            return Err(admin::Reply::error(
                403,
                "read-only",
                "this server does not take changes",
                "push to the repository, or ask for a server with --htpasswd",
            ));
        }
        (_, None) => {
            return Err(admin::Reply::error(
                404,
                "unknown-call",
                format!("no admin call `{op}`"),
                "use setnewpackage, setpackage or removepackage",
            ));
        }
        (Some(auth), Some(op)) => (auth, op),
    };
    let id = identify(auth, headers, guard)?;
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let call = admin::parse_call(ctype, body)?;
    Ok((id, op, call))
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
