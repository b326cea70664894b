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
    for m in &pkg.maintainers {
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

/// One mail to compose: which step of which track, about which suite.
pub(super) struct Ask<'a> {
    pub(super) bug: u64,
    pub(super) track: &'a RawTrack,
    pub(super) step: Step,
    pub(super) suite: Option<&'a Suite>,
    pub(super) note: &'a str,
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
        suite,
        note,
    } = ask;
    let package = track.package.get_ref();
    let bts = track.bts.clone().unwrap_or_default();
    let base = set.base_url.trim_end_matches('/');
    let request = suite
        .map(|x| if x.name == "oldstable" { "opu" } else { "pu" })
        .unwrap_or_default();
    let vars = Vars {
        bug,
        package: package.clone(),
        subject: bts.subject.clone(),
        suite: suite.map(|x| x.name.clone()).unwrap_or_default(),
        codename: suite.map(|x| x.codename.clone()).unwrap_or_default(),
        fixed: bts.fixed_versions.join(", "),
        version_hint: suite
            .map(|x| {
                let p = track.progress().find(|(n, _)| *n == x.name).map(|(_, p)| p);
                p.map_or_else(
                    || format!("+deb{}u1", x.major()),
                    |p| p.next_update(x.major()),
                )
            })
            .unwrap_or_default(),
        request: request.to_owned(),
        a_request: crate::words::with_article(request),
        process_url: format!("{base}/process/index.html"),
        track_url: format!("{base}/tracker/{bug}.html"),
        from_name: set.sender_name(),
        note: note.to_owned(),
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
    let suite_name = suite.map(|x| x.name.as_str());
    let msgid = step.msgid(bug, suite_name, set.domain(), set.now);
    let report = clean_msgid(&bts.msgid);
    let progress = suite_name.and_then(|n| track.progress().find(|(s, _)| *s == n).map(|(_, p)| p));
    let (to, cc, subject, in_reply_to, references) = match step {
        Step::Unarchive => (
            set.mail.control.clone(),
            Vec::new(),
            format!("unarchive {bug}"),
            None,
            Vec::new(),
        ),
        Step::Notify | Step::Prod(_) => {
            let notification = progress
                .and_then(|p| p.notify_msgid.as_deref())
                .and_then(clean_msgid);
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
        suite: suite_name.map(ToOwned::to_owned),
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
