//! Mail composition from record fields: names, addresses, subjects and notes as records and
//! the BTS give them (CR/LF, non-ASCII, very long lines). A mail that is made never carries a
//! header its fields did not ask for, and its header lines are CRLF-terminated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maintdb::track::mail::Step;
use maintdb::track::mail::compose::{Composed, clean_msgid, mailbox_text};
use maintdb::track::mail::template::{Vars, render};

/// The headers a mail may carry.
const HEADERS: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "User-Agent",
    "X-Debbugs-No-Ack",
    "Content-Type",
    "In-Reply-To",
    "References",
    "Date",
    "MIME-Version",
    "Content-Transfer-Encoding",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut f = text.split('\u{1}');
    let mut next = || f.next().unwrap_or_default().to_owned();
    let (name, email, subject, package, note, cc, reply) =
        (next(), next(), next(), next(), next(), next(), next());
    let template = next();
    let vars = Vars {
        bug: 660650,
        package: package.clone(),
        subject: subject.clone(),
        suite: "stable".into(),
        from_name: name.clone(),
        note,
        ..Vars::default()
    };
    let site = (!template.is_empty()).then_some(("notify.txt", template.as_str()));
    let Ok(body) = render(Step::Notify, &vars, site) else {
        return;
    };
    let mail = Composed {
        bug: 660650,
        step: Step::Notify,
        suites: vec!["stable".into()],
        msgid: Step::Notify.msgid(660650, &["stable".into()], "example.org", 1_793_613_600),
        from: mailbox_text(&name, "maintdb@example.org"),
        to: mailbox_text(&name, &email),
        cc: vec![cc],
        subject: format!("{package}: {subject}"),
        in_reply_to: clean_msgid(&reply),
        references: clean_msgid(&reply).into_iter().collect(),
        body,
        date: 1_793_613_600,
    };
    let Ok(message) = mail.message() else {
        return;
    };
    let raw = message.formatted();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = &raw[..end + 2];
    for line in head.split_inclusive(|&b| b == b'\n') {
        assert!(line.ends_with(b"\r\n") && !line[..line.len() - 2].contains(&b'\r'));
        assert!(!line[..line.len() - 2].contains(&b'\n'));
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        let name =
            std::str::from_utf8(&line[..line.iter().position(|&b| b == b':').expect("a header")])
                .expect("ASCII");
        assert!(
            HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)),
            "injected {name}"
        );
    }
});
