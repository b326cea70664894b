//! What the server answers, as a pure function of the site and the request: the paths of the
//! rendered site, Mageia's URLs (`/<package>`, `maintdb.php`: see [`super::mageia`]), empty bodies for
//! unknown names on the seed's text URLs, `/healthz`, and conditional GET. No I/O here, so the
//! whole of it can be tested (and fuzzed) without a socket.

use crate::render::site::{Kind, Site};

/// A request, as far as the answer depends on it.
#[derive(Debug, Clone, Default)]
pub struct Ask<'a> {
    pub method: &'a str,
    /// The raw path, percent-encoded as it came.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    /// Strong validator, from the commit and the path.
    pub etag: Option<String>,
    /// Shared with the site's memo for the big lists: a clone costs nothing.
    pub body: bytes::Bytes,
    /// Whether a client may keep it as [`CACHE_CONTROL`] says.
    pub cacheable: bool,
}

impl Answer {
    pub(super) fn plain(status: u16, body: &str) -> Answer {
        Answer {
            status,
            content_type: Kind::Text.content_type(),
            etag: None,
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
            cacheable: false,
        }
    }
}

/// How long the lists may be cached: consumers poll hourly, pushes should show within minutes.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// The decoded path without its leading slash, or why it is refused.
fn decode(raw: &str) -> Result<std::borrow::Cow<'_, str>, &'static str> {
    let raw = raw.strip_prefix('/').unwrap_or(raw);
    let path = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| "the path is not UTF-8")?;
    if path.contains('\0') {
        return Err("the path holds a NUL");
    }
    if path.split('/').any(|seg| seg == ".." || seg == ".") || path.contains("//") {
        return Err("the path holds `.` or `..` segments");
    }
    Ok(path)
}

/// The answer to `ask` from `site`.
pub fn answer(site: &Site, ask: &Ask) -> Answer {
    if !matches!(ask.method, "GET" | "HEAD") {
        return Answer::plain(405, "only GET and HEAD are served here\n");
    }
    let path = match decode(ask.path) {
        Ok(p) => p,
        Err(why) => return Answer::plain(400, &format!("{why}\n")),
    };
    let commit = site.commit();
    if path == "healthz" {
        let body = format!("{{\"commit\":\"{commit}\",\"status\":\"ok\"}}\n");
        return Answer {
            content_type: Kind::Json.content_type(),
            ..Answer::plain(200, &body)
        };
    }
    if path == "maintdb.php" {
        return super::mageia::php(site, ask.query);
    }
    let file = if path.is_empty() {
        "index.html"
    } else {
        &*path
    };
    // The validator depends on the commit and the path only: a client that holds it holds
    // this very answer, so a match is answered without making the page again.
    let etag = format!(
        "\"{}-{:016x}\"",
        &commit[..commit.len().min(12)],
        crate::checksum::fnv64(file.as_bytes())
    );
    // A gzip answer carries its own validator (`…-gz"`); either names this resource.
    let fresh = ask.if_none_match.is_some_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == etag || t.strip_suffix("-gz\"") == etag.strip_suffix('"'))
    });
    if fresh {
        return Answer {
            status: 304,
            content_type: Kind::Text.content_type(),
            etag: Some(etag),
            body: bytes::Bytes::new(),
            cacheable: true,
        };
    }
    let found = match site.get_shared(file) {
        Ok(f) => f,
        Err(_) => return Answer::plain(500, "the page cannot be rendered\n"),
    };
    let (kind, body) = match found {
        Some(r) => (r.kind, r.bytes.clone()),
        None => {
            // mgarepo and iurt ask `/<package>`.
            if !path.contains('/') {
                return super::mageia::package(site, &path);
            }
            // The seed's text URLs answer an unknown name with an empty body.
            let empty_ok = ["packages/", "people/", "groups/"].iter().any(|d| {
                path.strip_prefix(d)
                    .is_some_and(|name| name.ends_with(".txt") && !name.contains('/'))
            });
            if empty_ok {
                (Kind::Text, bytes::Bytes::new())
            } else {
                return Answer::plain(404, "not found\n");
            }
        }
    };
    Answer {
        status: 200,
        content_type: kind.content_type(),
        etag: Some(etag),
        body,
        cacheable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_escape_are_refused() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/x",
            "/a/%2E%2E/b",
            "/a%00b",
            "/%ff",
            "/a//b",
            "/./x",
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        assert_eq!(decode("/packages/g%2B%2B.txt").unwrap(), "packages/g++.txt");
        assert_eq!(decode("/").unwrap(), "");
    }
}
