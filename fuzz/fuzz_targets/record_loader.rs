//! The record loader: any bytes at any path, in any mode. Every outcome is a report that
//! renders in each format (spans inside the text, on character boundaries), never a panic.
//! Input: a mode byte, the path, a newline, the content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maintdb::diag::{Format, Report, write_report};
use maintdb::load;
use maintdb::names::NameRules;
use maintdb::source::{Content, Mode};

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let (path, content) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let path = String::from_utf8_lossy(path);
    let mode = [Mode::File, Mode::Executable, Mode::Symlink, Mode::Submodule][usize::from(m % 4)];
    let content = match mode {
        Mode::File | Mode::Executable => Content::Bytes(content.to_vec()),
        _ => Content::Skipped,
    };
    // The config's own rules, as a check applies them to every other file.
    let (_, rules) = if path == "config.toml" {
        maintdb::validate::config(match &content {
            Content::Bytes(b) => Some(b.clone()),
            _ => None,
        })
    } else {
        (Default::default(), NameRules::default())
    };
    let loaded = load::load(&path, mode, content, &rules);
    for p in &loaded.problems {
        if let Some(s) = &p.span {
            assert!(s.start <= s.end && s.end <= loaded.text.len(), "{p:?}");
            assert!(loaded.text.is_char_boundary(s.start) && loaded.text.is_char_boundary(s.end));
        }
    }
    // The same blob at another path shares the parse, with that path's own rules.
    let twin = load::load_twin("packages/x/xyz.toml", mode, &loaded, &rules);
    let mut report = Report::default();
    maintdb::validate::absorb(&mut report, loaded);
    if let Some(t) = twin {
        maintdb::validate::absorb(&mut report, t);
    }
    report.sort();
    for format in [Format::Short, Format::Rich, Format::Json, Format::Github] {
        write_report(&report, format, false, &mut std::io::sink()).expect("a sink takes it");
    }
});
