//! The plans that add and edit people.

use super::{edited, login, one};
use crate::diag::{Code, OpCode};
use crate::edit::{Plan, Session};
use crate::gate::Stop;
use crate::record::person_toml;
use crate::source::objects::blob_at;

/// Fields of a person to set; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct PersonFields {
    pub name: Option<String>,
    pub email: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub inactive: Option<bool>,
}

/// `person add`.
pub fn person_add(s: &Session, login_s: &str, f: &PersonFields) -> Result<Plan, Stop> {
    let l = login(s, login_s)?;
    if blob_at(s.repo(), s.base.root, &l.record_path())?.is_some() {
        return Err(Stop::refused(
            OpCode::AlreadyExists,
            format!("{l} exists already"),
            "use `maintdb person edit`",
        ));
    }
    let (Some(name), Some(email)) = (&f.name, &f.email) else {
        return Err(Stop::refused(
            Code::MissingField,
            "a new person needs --name and --email",
            "pass both",
        ));
    };
    let mut text = person_toml(name, email, f.aliases.as_deref().unwrap_or_default());
    if f.inactive == Some(true) {
        text.push_str("inactive = true\n");
    }
    Ok(one(l.record_path(), Some(text), format!("add person {l}")))
}

/// `person edit`.
pub fn person_edit(s: &Session, login_s: &str, f: &PersonFields) -> Result<Plan, Stop> {
    let l = login(s, login_s)?;
    let text = blob_at(s.repo(), s.base.root, &l.record_path())?
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            Stop::refused(
                OpCode::NoSuchPerson,
                format!("there is no person {l}"),
                "use `maintdb person add`",
            )
        })?;
    let content = edited(&text, |e| {
        if let Some(n) = &f.name {
            e.set_str("name", n);
        }
        if let Some(m) = &f.email {
            e.set_str("email", m);
        }
        if let Some(a) = &f.aliases {
            e.set_list("aliases", a);
        }
        if let Some(i) = f.inactive {
            e.set_bool("inactive", i);
        }
        e
    });
    if content == text {
        return Ok(Plan::Unchanged(format!("{l} is unchanged")));
    }
    Ok(one(
        l.record_path(),
        Some(content),
        format!("edit person {l}"),
    ))
}
