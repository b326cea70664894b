//! Composing one mail: who it goes to (the maintainers' addresses, a group's included) and
//! its text from the templates.

use super::Settings;
use crate::diag::OpCode;
use crate::edit::Session;
use crate::gate::Stop;
use crate::load::{Record, record_at};
use crate::names::{Maintainer, PackageName};
use crate::record::RawTrack;
use crate::source::objects::blob_at;
use crate::track::mail::Step;
use crate::track::mail::compose::{Composed, clean_msgid, mailbox_text};
use crate::track::mail::template::{self, Vars};
use crate::track::sync::Suite;

/// The addresses of a package's maintainers; a maintainer without one is a warning.
fn maintainer_addresses(
    s: &Session,
    package: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>, Stop> {
    let rules = &s.base.rules;
    let record = match PackageName::parse(package, rules) {
        Ok(p) => record_at(s.repo(), s.base.root, &p.record_path(), rules)?,
        Err(_) => None,
    };
    let Some(Record::Package(_, pkg)) = record else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in pkg.maintainers.iter() {
        let path = match m {
            Maintainer::Person(l) => l.record_path(),
            Maintainer::Group(g) => g.record_path(),
        };
        match record_at(s.repo(), s.base.root, &path, rules)? {
            Some(Record::Person(_, p)) if !p.email.is_empty() => {
                out.push(mailbox_text(&p.name, &p.email));
            }
            Some(Record::Group(_, g)) if g.email.is_some() => {
                let email = g.email.clone().unwrap_or_default();
                out.push(mailbox_text(&g.description, &email));
            }
            _ => warnings.push(format!(
                "{m}, a maintainer of {package}, has no email address; the mail goes to the bug only"
            )),
        }
    }
    Ok(out)
}

/// One mail to compose: which step of which track, about which suites (one mail names every
/// suite of the bug it concerns).
pub(super) struct Ask<'a> {
    pub(super) bug: u64,
    pub(super) track: &'a RawTrack,
    pub(super) step: Step,
    pub(super) suites: Vec<&'a Suite>,
    pub(super) note: &'a str,
}

/// `pu` for stable, `opu` for oldstable.
fn request_kind(x: &Suite) -> &'static str {
    if x.name == "oldstable" { "opu" } else { "pu" }
}

/// The stable update suffix the suite's next upload of the package carries.
fn version_hint(track: &RawTrack, x: &Suite) -> String {
    let p = track.progress().find(|(n, _)| *n == x.name).map(|(_, p)| p);
    p.map_or_else(
        || format!("+deb{}u1", x.major()),
        |p| p.next_update(x.major()),
    )
}

/// One line for one suite: where it stands and what is asked.
fn ask_line(track: &RawTrack, step: Step, x: &Suite) -> String {
    let kind = request_kind(x);
    let head = format!(" - {} ({}):", x.name, x.codename);
    let hint = version_hint(track, x);
    let request = crate::words::with_article(kind);
    if step == Step::Notify {
        return format!(
            "{head} a {hint} upload, built in an up-to-date\n   {} chroot, and {request} request with its debdiff",
            x.codename
        );
    }
    let p = track.progress().find(|(n, _)| *n == x.name).map(|(_, p)| p);
    let since = p
        .and_then(|p| p.notified.as_ref())
        .map(|d| format!("notified on {}", &d.to_string()[..10]))
        .unwrap_or_else(|| "notified".into());
    let state = p.map_or("notified", |p| p.state());
    if state == "notified" {
        format!(
            "{head} {since}, no {kind} request yet;\n   a {hint} upload and {request} request are what it needs"
        )
    } else {
        format!("{head} {since}, now {state}")
    }
}

/// Composes one mail.
pub(super) fn compose(
    s: &Session,
    set: &Settings,
    ask: Ask,
    warnings: &mut Vec<String>,
) -> Result<Composed, Stop> {
    let Ask {
        bug,
        track,
        step,
        suites,
        note,
    } = ask;
    let package = track.package.get_ref();
    let bts = track.bts.clone().unwrap_or_default();
    let base = set.base_url.trim_end_matches('/');
    // A site's template of one suite gets the suites joined: `stable and oldstable`.
    let each = |f: &dyn Fn(&Suite) -> String| {
        crate::words::and_list(&suites.iter().map(|x| f(x)).collect::<Vec<_>>())
    };
    let request = each(&|x| request_kind(x).to_owned());
    let vars = Vars {
        bug,
        package: package.clone(),
        subject: bts.subject.clone(),
        suite: each(&|x| x.name.clone()),
        codename: each(&|x| x.codename.clone()),
        fixed: bts.fixed_versions.join(", "),
        version_hint: each(&|x| version_hint(track, x)),
        a_request: crate::words::with_article(&request),
        request,
        process_url: format!("{base}/process/index.html"),
        track_url: format!("{base}/tracker/{bug}.html"),
        from_name: set.sender_name(),
        note: note.to_owned(),
        suites: each(&|x| format!("{} ({})", x.name, x.codename)),
        asks: suites
            .iter()
            .map(|x| ask_line(track, step, x))
            .collect::<Vec<_>>()
            .join(";\n")
            + ".",
    };
    let file = format!("templates/mail/{}", template::file_name(step));
    let site = blob_at(s.repo(), s.base.root, &file)?.and_then(|b| String::from_utf8(b).ok());
    let body = template::render(step, &vars, site.as_deref().map(|t| (file.as_str(), t))).map_err(
        |e| {
            Stop::refused(
                OpCode::MailTemplate,
                e.to_string(),
                "fix the template; nothing was sent",
            )
        },
    )?;
    let names: Vec<String> = suites.iter().map(|x| x.name.clone()).collect();
    let msgid = step.msgid(bug, &names, set.domain(), set.now);
    let report = clean_msgid(&bts.msgid);
    // The thread a prod answers: the notification of the suites it is about.
    let notification = track
        .progress()
        .filter(|(n, _)| names.iter().any(|x| x == n))
        .find_map(|(_, p)| p.notify_msgid.as_deref())
        .and_then(clean_msgid);
    let (to, cc, subject, in_reply_to, references) = match step {
        Step::Unarchive => (
            set.mail.control.clone(),
            Vec::new(),
            format!("unarchive {bug}"),
            None,
            Vec::new(),
        ),
        Step::Notify | Step::Prod(_) => {
            let answers = match step {
                Step::Prod(_) => notification.clone().or(report.clone()),
                _ => report.clone(),
            };
            let references: Vec<String> = report
                .iter()
                .chain(notification.iter().filter(|_| step != Step::Notify))
                .cloned()
                .collect();
            let subject = if bts.subject.is_empty() {
                format!("Bug #{bug}: {package} in {}", vars.suite)
            } else {
                format!("Re: {}", bts.subject)
            };
            (
                format!("{bug}@{}", set.mail.bts_domain),
                if set.mail.copies_maintainers() {
                    maintainer_addresses(s, package, warnings)?
                } else {
                    Vec::new()
                },
                subject,
                answers,
                references,
            )
        }
    };
    Ok(Composed {
        bug,
        step,
        suites: names,
        msgid,
        from: set.mail.from.clone(),
        to,
        cc,
        subject,
        in_reply_to,
        references,
        body,
        date: set.now,
    })
}
