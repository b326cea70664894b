//! The plans that add groups and change their members.

use super::{edited, group_name, login, one};
use crate::diag::OpCode;
use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::record::group_toml;
use crate::source::objects::blob_at;

/// `group add`.
pub fn group_add(
    s: &Session,
    name: &str,
    description: &str,
    email: Option<&str>,
    members: &[String],
) -> Result<Plan, Stop> {
    let g = group_name(s, name)?;
    if blob_at(s.repo(), s.base.root, &g.record_path())?.is_some() {
        return Err(Stop::refused(
            OpCode::AlreadyExists,
            format!("group {g} exists already"),
            "use `maintdb group add-member`",
        ));
    }
    for m in members {
        login(s, m)?;
    }
    Ok(one(
        g.record_path(),
        Some(group_toml(description, email, &[], members)),
        format!("add group {g}"),
    ))
}

/// `group add-member` (`join = true`) and `group remove-member`.
pub fn group_member(s: &Session, name: &str, member: &str, join: bool) -> Result<Plan, Stop> {
    let g = group_name(s, name)?;
    let m = login(s, member)?;
    let text = blob_at(s.repo(), s.base.root, &g.record_path())?
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            Stop::refused(
                OpCode::NoSuchGroup,
                format!("there is no group {g}"),
                "use `maintdb group add`",
            )
        })?;
    let content = edited(&text, |e| {
        if join {
            e.push("members", m.as_str())
        } else {
            e.remove("members", m.as_str())
        }
    });
    if content == text {
        let state = if join { "already in" } else { "not in" };
        return Ok(Plan::Unchanged(format!("{m} is {state} {g}")));
    }
    let verb = if join { "joins" } else { "leaves" };
    Ok(one(
        g.record_path(),
        Some(content),
        format!("{m} {verb} {g}"),
    ))
}
