//! What rendering makes: a path's kind (its content type) and bytes, and the one way a page
//! template becomes bytes. The leaf the page modules and the site build on.

use askama::Template;

use super::RenderError;

/// What a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Html,
    Css,
    Js,
    Json,
    Rss,
}

impl Kind {
    /// The `Content-Type` of this kind.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Text => "text/plain; charset=utf-8",
            Kind::Html => "text/html; charset=utf-8",
            Kind::Css => "text/css; charset=utf-8",
            Kind::Js => "text/javascript; charset=utf-8",
            Kind::Json => "application/json; charset=utf-8",
            Kind::Rss => "application/rss+xml; charset=utf-8",
        }
    }
}

/// A rendered path whose bytes can be handed out many times without copying.
#[derive(Debug, Clone)]
pub struct Shared {
    pub kind: Kind,
    pub bytes: bytes::Bytes,
}

/// One rendered path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub kind: Kind,
    pub bytes: Vec<u8>,
}

impl Rendered {
    pub fn new(kind: Kind, bytes: Vec<u8>) -> Rendered {
        Rendered { kind, bytes }
    }

    pub(super) fn text(s: String) -> Option<Rendered> {
        Some(Rendered::new(Kind::Text, s.into_bytes()))
    }
}

/// Renders a page template.
pub fn html(path: &str, t: &impl Template) -> Result<Option<Rendered>, RenderError> {
    let s = t.render().map_err(|source| RenderError::Template {
        what: path.to_owned(),
        source,
    })?;
    Ok(Some(Rendered::new(Kind::Html, s.into_bytes())))
}
