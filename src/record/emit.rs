//! Writing new record files. Strings are quoted by the TOML encoder, so any name or address is
//! written safely.

use crate::names::Maintainer;

/// `s` as a TOML string.
pub fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = items.map(quote).collect();
    format!("[{}]", v.join(", "))
}

/// `packages/<c>/<name>.toml`.
pub fn package(maintainers: &[Maintainer]) -> String {
    let names: Vec<String> = maintainers.iter().map(ToString::to_string).collect();
    format!("maintainers = {}\n", list(names.iter().map(String::as_str)))
}

/// `people/<login>.toml`.
pub fn person(name: &str, email: &str, aliases: &[String]) -> String {
    let mut s = format!("name = {}\nemail = {}\n", quote(name), quote(email));
    if !aliases.is_empty() {
        s.push_str(&format!(
            "aliases = {}\n",
            list(aliases.iter().map(String::as_str))
        ));
    }
    s
}

/// `groups/<name>.toml`.
pub fn group(
    description: &str,
    email: Option<&str>,
    aliases: &[String],
    members: &[String],
) -> String {
    let mut s = format!("description = {}\n", quote(description));
    if let Some(e) = email {
        s.push_str(&format!("email = {}\n", quote(e)));
    }
    if !aliases.is_empty() {
        s.push_str(&format!(
            "aliases = {}\n",
            list(aliases.iter().map(String::as_str))
        ));
    }
    s.push_str(&format!(
        "members = {}\n",
        list(members.iter().map(String::as_str))
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_everything() {
        assert_eq!(
            person("A \"B\" C", "a@b", &[]),
            "name = 'A \"B\" C'\nemail = \"a@b\"\n"
        );
    }
}
