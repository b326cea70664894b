//! The admin API for build systems that cannot push: `POST /admin/setnewpackage`,
//! `/admin/setpackage` and `/admin/removepackage`, form-encoded or JSON. Each call is
//! authenticated (htpasswd, or a header a reverse proxy sets), resolved to an identity as the
//! hook resolves a pusher, planned by the same operations as `maintdb new|set|remove`, passed
//! through the same gate, and committed on the branch with a compare-and-swap; a lost race
//! re-reads the branch and tries again.

use crate::diag::{ApiCode, UserCode};
use std::sync::Mutex;

use serde_json::json;

use super::htpasswd::HtpasswdFile;
use crate::edit::branch::{Branch, BranchError, Landed};
use crate::edit::{Outcome, Session, ops};
use crate::gate::Finding;

/// How a caller proves who it is: a header a reverse proxy sets after authenticating the user
/// (LDAP, SSO), believed only from a trusted proxy or loopback; else HTTP basic auth against
/// the htpasswd file. A server may take both: packagers through the proxy, the build system
/// with its password.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub htpasswd: Option<std::sync::Arc<HtpasswdFile>>,
    /// The header's name.
    pub header: Option<String>,
}

impl Auth {
    pub fn header(name: &str) -> Auth {
        Auth {
            header: Some(name.to_owned()),
            htpasswd: None,
        }
    }

    pub fn htpasswd(users: HtpasswdFile) -> Auth {
        Auth {
            htpasswd: Some(std::sync::Arc::new(users)),
            header: None,
        }
    }
}

/// What a call asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub package: String,
    /// Logins and `%group`s; empty (or `nobody`) means unmaintained.
    pub maintainers: Vec<String>,
}

/// The three operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    SetNew,
    Set,
    Remove,
}

impl Op {
    pub fn from_path(name: &str) -> Option<Op> {
        match name {
            "setnewpackage" => Some(Op::SetNew),
            "setpackage" => Some(Op::Set),
            "removepackage" => Some(Op::Remove),
            _ => None,
        }
    }
}

/// An answer: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Reply {
    pub fn error(status: u16, code: ApiCode, message: impl Into<String>, help: &str) -> Reply {
        Reply {
            status,
            body: json!({"error": {"code": code.as_str(), "message": message.into(), "help": help}}),
        }
    }
}

fn split_maintainers<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    values
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

/// Reads a call from a form-encoded or JSON body.
pub fn parse_call(content_type: &str, body: &[u8]) -> Result<Call, Reply> {
    let kind = content_type.split(';').next().unwrap_or("").trim();
    let bad = |m: String| {
        Reply::error(
            400,
            ApiCode::BadRequest,
            m,
            "send `package` and `maintainer` fields",
        )
    };
    let (package, maintainers) = match kind {
        "application/x-www-form-urlencoded" => {
            if std::str::from_utf8(body).is_err() {
                return Err(bad("the form is not UTF-8".into()));
            }
            let pairs: Vec<(String, String)> = form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let package = pairs
                .iter()
                .find(|(k, _)| k == "package")
                .map(|(_, v)| v.clone());
            let m = split_maintainers(
                pairs
                    .iter()
                    .filter(|(k, _)| k == "maintainer")
                    .map(|(_, v)| v.as_str()),
            );
            (package, m)
        }
        "application/json" => {
            let v: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| bad(format!("the body is not JSON: {e}")))?;
            let package = v
                .get("package")
                .and_then(|p| p.as_str())
                .map(ToOwned::to_owned);
            let m = match v.get("maintainer") {
                None | Some(serde_json::Value::Null) => Vec::new(),
                Some(serde_json::Value::String(s)) => {
                    split_maintainers(std::iter::once(s.as_str()))
                }
                Some(serde_json::Value::Array(a)) => {
                    let strings: Option<Vec<&str>> = a.iter().map(|x| x.as_str()).collect();
                    split_maintainers(
                        strings
                            .ok_or_else(|| bad("`maintainer` must hold strings".into()))?
                            .into_iter(),
                    )
                }
                Some(_) => return Err(bad("`maintainer` must be a string or a list".into())),
            };
            (package, m)
        }
        other => {
            return Err(Reply::error(
                415,
                ApiCode::UnsupportedMediaType,
                format!("`{other}` bodies are not read here"),
                "send application/x-www-form-urlencoded or application/json",
            ));
        }
    };
    let package = package.ok_or_else(|| bad("no `package` field".into()))?;
    Ok(Call {
        package,
        maintainers,
    })
}

/// Refusals of who-may-change-what are 403; problems with the request's names are 400.
fn refused(findings: &[Finding]) -> Reply {
    let f = &findings[0];
    let status = if matches!(f.code, UserCode::Rule(_)) {
        403
    } else {
        400
    };
    Reply {
        status,
        body: json!({"error": {"code": f.code.as_str(), "message": f.message, "help": f.help}}),
    }
}

/// Where admin calls commit.
pub struct Writing {
    pub branch: Branch,
    /// One call commits at a time in this process; a push from outside is caught by the
    /// compare-and-swap and retried.
    pub lock: Mutex<()>,
}

/// The largest body an admin call may send.
pub const MAX_BODY: usize = 64 * 1024;

fn internal(e: impl std::fmt::Display) -> Reply {
    eprintln!("error: admin call: {e}");
    Reply::error(
        500,
        ApiCode::Internal,
        "the change could not be written",
        "see the server's log",
    )
}

/// Runs one call as `id`.
pub fn apply(w: &Writing, id: &str, op: Op, call: &Call) -> Reply {
    commit_as(w, id, |s| match op {
        Op::SetNew => ops::new_package(s, &call.package, &call.maintainers),
        Op::Set => ops::set_package(s, &call.package, &call.maintainers),
        Op::Remove => ops::remove_package(s, &call.package),
    })
}

/// Plans with `op` as `id` on the branch's tip, passes the gate, and commits (see
/// [`Branch::commit_as`]), one call of this process at a time.
pub fn commit_as(
    w: &Writing,
    id: &str,
    op: impl Fn(&Session) -> Result<crate::edit::Plan, crate::gate::Stop>,
) -> Reply {
    let _one = w.lock.lock().unwrap_or_else(|e| e.into_inner());
    let mut repairs = Vec::new();
    let landed = w.branch.commit_as(id, op, &mut repairs);
    for r in repairs {
        eprintln!("note: {r}");
    }
    match landed {
        Ok(Landed {
            outcome: Outcome::Committed { id, .. },
            ..
        }) => Reply {
            status: 200,
            body: json!({"commit": id.to_string(), "changed": true}),
        },
        Ok(Landed {
            outcome: Outcome::Unchanged(_),
            based_on,
        }) => Reply {
            status: 200,
            body: json!({"commit": based_on.map(|t| t.to_string()), "changed": false}),
        },
        Ok(Landed {
            outcome: Outcome::Refused(findings),
            ..
        }) => refused(&findings),
        Err(BranchError::KeptMoving { .. }) => Reply::error(
            409,
            ApiCode::Conflict,
            "the branch kept moving",
            "try again",
        ),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_json() {
        let c = parse_call(
            "application/x-www-form-urlencoded",
            b"package=perl-Foo&maintainer=alice&maintainer=bob,%25perl",
        )
        .unwrap();
        assert_eq!(c.package, "perl-Foo");
        assert_eq!(c.maintainers, ["alice", "bob", "%perl"]);
        let c = parse_call(
            "application/json; charset=utf-8",
            br#"{"package":"x","maintainer":["a","b"]}"#,
        )
        .unwrap();
        assert_eq!(c.maintainers, ["a", "b"]);
        let c = parse_call(
            "application/json",
            br#"{"package":"x","maintainer":"nobody"}"#,
        )
        .unwrap();
        assert_eq!(c.maintainers, ["nobody"]);
        assert_eq!(parse_call("text/plain", b"x").unwrap_err().status, 415);
        assert_eq!(
            parse_call("application/json", b"{").unwrap_err().status,
            400
        );
        assert_eq!(
            parse_call("application/json", br#"{"maintainer":"a"}"#)
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            parse_call("application/json", br#"{"package":"x","maintainer":[1]}"#)
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            parse_call("application/x-www-form-urlencoded", b"package=\xff")
                .unwrap_err()
                .status,
            400
        );
    }
}
