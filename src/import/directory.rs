//! The people a directory lists, read from its LDIF entries: which attribute holds the login,
//! the name and the addresses is configurable (`uid`, `cn` and `mail` by default, the first
//! `mail` being the registered address and the others aliases).

use std::collections::HashMap;

use super::InputError;
use super::ldif::Entry;

/// Which attributes hold what.
#[derive(Debug, Clone)]
pub struct Attributes {
    pub login: String,
    pub name: String,
    pub email: String,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            login: "uid".into(),
            name: "cn".into(),
            email: "mail".into(),
        }
    }
}

/// One person of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirPerson {
    /// Where the entry is: its DN and the line of its `dn:`.
    pub dn: String,
    pub line: usize,
    pub login: String,
    pub name: Option<String>,
    /// Every address, the registered one first.
    pub mails: Vec<String>,
}

/// The people in `entries`. Entries without the login attribute (the `ou=` that holds
/// them, groups) are not people and are counted in the second value. A value that is not
/// text, or a login two entries share, is an error naming the line.
pub fn people(
    entries: &[Entry],
    attrs: &Attributes,
) -> Result<(Vec<DirPerson>, usize), InputError> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut not_people = 0;
    for e in entries {
        let mut logins = e.values(&attrs.login);
        let Some(login) = logins.next() else {
            not_people += 1;
            continue;
        };
        if let Some(other) = logins.next() {
            return Err(InputError {
                line: other.line,
                message: format!(
                    "{} has two values of `{}`; a person has one login",
                    e.dn, attrs.login
                ),
            });
        }
        let login_s = login.text()?.trim().to_owned();
        if let Some(first) = seen.insert(login_s.clone(), e.line) {
            return Err(InputError {
                line: e.line,
                message: format!(
                    "{} has the login `{login_s}` the entry on line {first} has already",
                    e.dn
                ),
            });
        }
        let name = match e.values(&attrs.name).next() {
            Some(n) => Some(n.text()?.trim().to_owned()).filter(|n| !n.is_empty()),
            None => None,
        };
        let mut mails: Vec<String> = Vec::new();
        for m in e.values(&attrs.email) {
            let m = m.text()?.trim().to_owned();
            if !m.is_empty() && !mails.contains(&m) {
                mails.push(m);
            }
        }
        out.push(DirPerson {
            dn: e.dn.clone(),
            line: e.line,
            login: login_s,
            name,
            mails,
        });
    }
    Ok((out, not_people))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ldif::parse;

    #[test]
    fn the_first_mail_is_the_address_and_others_are_aliases() {
        let input = "dn: ou=people,dc=x\nou: people\n\ndn: uid=a,ou=people,dc=x\nuid: a\ncn: A\nmail: a@x\nmail: b@x\nmail: a@x\n";
        let (p, skipped) =
            people(&parse(input.as_bytes()).unwrap(), &Attributes::default()).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(p[0].mails, ["a@x", "b@x"]);
        assert_eq!(p[0].name.as_deref(), Some("A"));
    }

    #[test]
    fn a_login_twice_is_an_error() {
        let input = "dn: uid=a,dc=x\nuid: a\n\ndn: uid=a,dc=y\nuid: a\n";
        let e = people(&parse(input.as_bytes()).unwrap(), &Attributes::default()).unwrap_err();
        assert_eq!(e.line, 4);
        let input = "dn: uid=a,dc=x\nuid: a\nuid: b\n";
        let e = people(&parse(input.as_bytes()).unwrap(), &Attributes::default()).unwrap_err();
        assert_eq!(e.line, 3);
    }
}
