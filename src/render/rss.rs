//! `changelog.rss`: RSS 2.0, one item per commit with package events, newest first.

use std::fmt::Write as _;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::history::CommitEvents;

/// At most this many items.
pub const MAX_ITEMS: usize = 100;

fn element<W: std::io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))?;
    Ok(())
}

/// RFC 2822 date of a commit, as RSS wants it.
pub fn rfc2822(seconds: i64, offset: i32) -> String {
    gix::date::Time { seconds, offset }.format_or_unix(gix::date::time::format::RFC2822)
}

/// Writes the feed to `out`.
pub fn write(
    title: &str,
    link: &str,
    history: &[CommitEvents],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut rss = BytesStart::new("rss");
    rss.push_attribute(("version", "2.0"));
    w.write_event(Event::Start(rss))?;
    w.write_event(Event::Start(BytesStart::new("channel")))?;
    element(&mut w, "title", title)?;
    element(&mut w, "link", link)?;
    element(
        &mut w,
        "description",
        "Who takes, drops, adds and removes packages",
    )?;
    if let Some(tip) = history.first() {
        element(&mut w, "lastBuildDate", &rfc2822(tip.time, tip.offset))?;
    }
    for c in history
        .iter()
        .filter(|c| !c.events.is_empty())
        .take(MAX_ITEMS)
    {
        w.write_event(Event::Start(BytesStart::new("item")))?;
        element(&mut w, "title", &c.subject)?;
        // One sentence a line, written into one string (the first commit of a big import
        // has an event for every package).
        let mut body = String::new();
        for (i, e) in c.events.iter().enumerate() {
            let sep = if i == 0 { "" } else { "\n" };
            write!(body, "{sep}{e}").expect("writing to a String");
        }
        element(&mut w, "description", &body)?;
        element(&mut w, "author", &format!("{} ({})", c.email, c.author))?;
        let mut guid = BytesStart::new("guid");
        guid.push_attribute(("isPermaLink", "false"));
        w.write_event(Event::Start(guid))?;
        w.write_event(Event::Text(BytesText::new(&c.id)))?;
        w.write_event(Event::End(BytesEnd::new("guid")))?;
        element(&mut w, "pubDate", &rfc2822(c.time, c.offset))?;
        w.write_event(Event::End(BytesEnd::new("item")))?;
    }
    w.write_event(Event::End(BytesEnd::new("channel")))?;
    w.write_event(Event::End(BytesEnd::new("rss")))?;
    w.into_inner().write_all(b"\n")
}
