//! The process documentation: `docs/process/*.md` of the rendered commit, as pages under
//! `process/`. Markdown comes from pushed data, so raw HTML in it is shown as text, never
//! passed through.

use askama::Template;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::RenderError;
use super::html::Page;
use super::output::{Rendered, html};

/// One document: its file stem and its Markdown.
#[derive(Debug, Clone)]
pub struct Doc {
    pub stem: String,
    pub markdown: String,
}

#[derive(Template)]
#[template(path = "process.html")]
struct ProcessPage<'a> {
    page: Page<'a>,
    body: String,
    others: Vec<(String, String)>,
}

/// The first `# ` heading, else the file's stem.
fn title(doc: &Doc) -> String {
    doc.markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map_or_else(|| doc.stem.clone(), |t| t.trim().to_owned())
}

/// The Markdown below the title: the page shows the title itself.
fn body(doc: &Doc) -> &str {
    match doc.markdown.split_once('\n') {
        Some((first, rest)) if first.starts_with("# ") => rest,
        _ => &doc.markdown,
    }
}

fn safe(url: CowStr<'_>) -> CowStr<'_> {
    if crate::record::safe_link(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// Markdown to HTML, with raw HTML turned into text and links of any scheme but `http`,
/// `https` and `mailto` pointed nowhere.
pub fn to_html(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// The process documentation maintdb ships (this project's `docs/process/`), for a data
/// repository without its own: every mail links to it.
const SHIPPED: [(&str, &str); 4] = [
    ("cadence", include_str!("../../docs/process/cadence.md")),
    ("fixing", include_str!("../../docs/process/fixing.md")),
    ("index", include_str!("../../docs/process/index.md")),
    ("states", include_str!("../../docs/process/states.md")),
];

/// The repository's own documents, and the shipped ones it does not override (page by page,
/// by file name), in name order.
pub fn with_shipped(own: &[Doc]) -> Vec<Doc> {
    let mut all = own.to_vec();
    for (stem, markdown) in SHIPPED {
        if !own.iter().any(|d| d.stem == stem) {
            all.push(Doc {
                stem: stem.to_owned(),
                markdown: markdown.to_owned(),
            });
        }
    }
    all.sort_by(|a, b| a.stem.cmp(&b.stem));
    all
}

/// Every path under `process/`: one per document, and an index when none is `index.md`.
pub fn paths(docs: &[Doc]) -> Vec<String> {
    let mut out: Vec<String> = docs
        .iter()
        .map(|d| format!("process/{}.html", d.stem))
        .collect();
    if !docs.iter().any(|d| d.stem == "index") {
        out.push("process/index.html".to_owned());
    }
    out
}

/// One path under `process/`, if it is one.
pub(super) fn get<'a>(
    path: &str,
    page: &dyn Fn(String, &'static str) -> Page<'a>,
    docs: &[Doc],
) -> Result<Option<Rendered>, RenderError> {
    let Some(stem) = path
        .strip_prefix("process/")
        .and_then(|p| p.strip_suffix(".html"))
    else {
        return Ok(None);
    };
    let all: Vec<(String, String)> = docs.iter().map(|d| (d.stem.clone(), title(d))).collect();
    if let Some(d) = docs.iter().find(|d| d.stem == stem) {
        return html(
            path,
            &ProcessPage {
                page: page(title(d), "../"),
                body: to_html(body(d)),
                others: all,
            },
        );
    }
    if stem != "index" {
        return Ok(None);
    }
    html(
        path,
        &ProcessPage {
            page: page("Process".into(), "../"),
            body: String::new(),
            others: all,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = to_html("# T\n\n<script>alert(1)</script>\n\na <b>b</b> [l](x.html)\n");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<a href=\"x.html\">l</a>"), "{html}");
    }

    #[test]
    fn only_web_and_mail_links() {
        let html = to_html(
            "[a](javascript:alert(1)) [b](JAVA%0aSCRIPT:x) ![i](data:image/png,x) [c](https://x.org/) [d](mailto:a@b)\n\n[r]: vbscript:x\n\n[e][r]\n",
        );
        assert!(!html.to_lowercase().contains("script:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("<a href=\"#\">a</a>"), "{html}");
        assert!(html.contains("<a href=\"#\">e</a>"), "{html}");
        assert!(html.contains("href=\"https://x.org/\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b\""), "{html}");
    }
}
