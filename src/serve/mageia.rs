//! Mageia's URLs as its clients call them: `/<package>` (mgarepo with urllib, iurt with
//! libwww-perl's `GET`, which prints a 404's body, so the body of an unknown package is
//! empty), and the `maintdb.php` filter: text for iurt, JSON for everyone else.

use serde_json::json;

use super::answer::Answer;
use crate::render::site::{Kind, Site};
use crate::render::view::{PackageRow, View};

/// The value of `key` in a query string.
pub fn query_value<'a>(query: &'a str, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy())
    })
}

/// `/<package>`: the `maintdb.txt` login and a newline; an unknown package is a 404 with no
/// body at all.
pub fn package(site: &Site, name: &str) -> Answer {
    match site.package(name) {
        Some(r) => Answer {
            cacheable: true,
            ..Answer::plain(200, &format!("{}\n", View::first_login(r)))
        },
        None => Answer::plain(404, ""),
    }
}

/// The package's direct maintainers by login, or `nobody`.
fn logins(row: &PackageRow) -> Vec<&str> {
    let direct: Vec<&str> = row
        .maintainers
        .iter()
        .map(String::as_str)
        .filter(|m| !m.starts_with('%'))
        .collect();
    if direct.is_empty() {
        vec![crate::names::NOBODY]
    } else {
        direct
    }
}

/// `maintdb.php`: with `iurt` and `pkg`, the login and a newline (an empty line for an
/// unknown package); else JSON: `?pkg=P` gives `{"packages":{"P":{"maintainers":[...]}}}`,
/// `?uid=L` gives `{"maintainers":{"L":{"packages":[...]}}}` (the packages L maintains
/// directly), and `[]` when nothing matches. Names match exactly.
pub fn php(site: &Site, query: Option<&str>) -> Answer {
    let q = query.unwrap_or("");
    let pkg = query_value(q, "pkg");
    if query_value(q, "iurt").is_some() {
        let line = pkg
            .as_deref()
            .and_then(|p| site.package(p))
            .map(|r| View::first_login(r).to_owned())
            .unwrap_or_default();
        return Answer::plain(200, &format!("{line}\n"));
    }
    let body = if let Some(p) = pkg.as_deref() {
        match site.package(p) {
            Some(r) => json!({"packages": {p: {"maintainers": logins(r)}}}),
            None => json!([]),
        }
    } else if let Some(uid) = query_value(q, "uid") {
        match site.person(&uid).filter(|p| !p.direct.is_empty()) {
            Some(p) => json!({"maintainers": {uid.as_ref(): {"packages": p.direct}}}),
            None => json!([]),
        }
    } else {
        json!([])
    };
    Answer {
        content_type: Kind::Json.content_type(),
        ..Answer::plain(200, &format!("{body}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        assert_eq!(query_value("pkg=perl&iurt", "pkg").unwrap(), "perl");
        assert_eq!(query_value("iurt&pkg=a%2Bb", "pkg").unwrap(), "a+b");
        assert!(query_value("iurt", "pkg").is_none());
        assert!(query_value("pkg=x&iurt", "iurt").is_some());
    }
}
