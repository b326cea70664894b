//! Mail bodies: askama text templates shipped in `templates/mail/`, which a site overrides by
//! committing `templates/mail/<name>.txt` to its data repository. The shipped templates use
//! nothing but `{{ name }}`, so a site's copy of one renders the same way.

use askama::Template;

use super::Step;

/// Everything a mail body may say.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub bug: u64,
    pub package: String,
    pub subject: String,
    pub suite: String,
    pub codename: String,
    pub fixed: String,
    /// `+deb12u1`: what a stable update's version carries.
    pub version_hint: String,
    /// `pu` or `opu`.
    pub request: String,
    /// The request with its article: `a pu`, `an opu`.
    pub a_request: String,
    pub process_url: String,
    pub track_url: String,
    pub from_name: String,
    pub note: String,
    /// Every suite the mail is about, with its codename: `stable (bookworm) and oldstable
    /// (bullseye)`.
    pub suites: String,
    /// One line per suite: where it stands and what is asked for it.
    pub asks: String,
}

impl Vars {
    fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "bug" => self.bug.to_string(),
            "package" => self.package.clone(),
            "subject" => self.subject.clone(),
            "suite" => self.suite.clone(),
            "codename" => self.codename.clone(),
            "fixed" => self.fixed.clone(),
            "version_hint" => self.version_hint.clone(),
            "request" => self.request.clone(),
            "a_request" => self.a_request.clone(),
            "process_url" => self.process_url.clone(),
            "track_url" => self.track_url.clone(),
            "from_name" => self.from_name.clone(),
            "note" => self.note.clone(),
            "suites" => self.suites.clone(),
            "asks" => self.asks.clone(),
            _ => return None,
        })
    }
}

macro_rules! shipped {
    ($name:ident, $path:literal) => {
        // Every template gets every variable, as a site's copy does; each uses some.
        #[derive(Template)]
        #[template(path = $path)]
        #[allow(dead_code)]
        struct $name<'a> {
            bug: u64,
            package: &'a str,
            subject: &'a str,
            suite: &'a str,
            codename: &'a str,
            fixed: &'a str,
            version_hint: &'a str,
            request: &'a str,
            a_request: &'a str,
            process_url: &'a str,
            track_url: &'a str,
            from_name: &'a str,
            note: &'a str,
            suites: &'a str,
            asks: &'a str,
        }

        impl<'a> From<&'a Vars> for $name<'a> {
            fn from(v: &'a Vars) -> Self {
                $name {
                    bug: v.bug,
                    package: &v.package,
                    subject: &v.subject,
                    suite: &v.suite,
                    codename: &v.codename,
                    fixed: &v.fixed,
                    version_hint: &v.version_hint,
                    request: &v.request,
                    a_request: &v.a_request,
                    process_url: &v.process_url,
                    track_url: &v.track_url,
                    from_name: &v.from_name,
                    note: &v.note,
                    suites: &v.suites,
                    asks: &v.asks,
                }
            }
        }
    };
}

shipped!(NotifyTxt, "mail/notify.txt");
shipped!(ProdTxt, "mail/prod.txt");
shipped!(UnarchiveTxt, "mail/unarchive.txt");

/// A template that does not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{file}:{line}: `{{{{ {name} }}}}` is not a mail variable; use one of: {known}")]
    Unknown {
        file: String,
        line: usize,
        name: String,
        known: &'static str,
    },
    #[error("{file}:{line}: `{{{{` is not closed by `}}}}`")]
    Unclosed { file: String, line: usize },
    #[error("the shipped template `{name}` failed: {message}")]
    Shipped { name: &'static str, message: String },
}

const KNOWN: &str = "bug, package, subject, suite, codename, fixed, version_hint, request, \
                     a_request, process_url, track_url, from_name, note, suites, asks";

/// The file name a step's template has, shipped or in a data repository.
pub fn file_name(step: Step) -> &'static str {
    match step {
        Step::Notify => "notify.txt",
        Step::Prod(_) => "prod.txt",
        Step::Unarchive => "unarchive.txt",
    }
}

/// Renders a site's template: `{{ name }}` is replaced by the variable's value.
pub fn substitute(file: &str, text: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let line = text[..text.len() - rest.len() + start]
            .matches('\n')
            .count()
            + 1;
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| TemplateError::Unclosed {
            file: file.to_owned(),
            line,
        })?;
        let name = after[..end].trim();
        let value = vars.get(name).ok_or_else(|| TemplateError::Unknown {
            file: file.to_owned(),
            line,
            name: name.to_owned(),
            known: KNOWN,
        })?;
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Ends a body with exactly one line break (askama drops a template's last one).
fn one_final_newline(mut s: String) -> String {
    let kept = s.trim_end_matches('\n').len();
    s.truncate(kept);
    s.push('\n');
    s
}

/// The body of `step`: from the site's template when it has one, else the shipped one.
pub fn render(
    step: Step,
    vars: &Vars,
    site: Option<(&str, &str)>,
) -> Result<String, TemplateError> {
    if let Some((file, text)) = site {
        return substitute(file, text, vars).map(one_final_newline);
    }
    let shipped = |r: askama::Result<String>| {
        r.map_err(|e| TemplateError::Shipped {
            name: file_name(step),
            message: e.to_string(),
        })
    };
    shipped(match step {
        Step::Notify => NotifyTxt::from(vars).render(),
        Step::Prod(_) => ProdTxt::from(vars).render(),
        Step::Unarchive => UnarchiveTxt::from(vars).render(),
    })
    .map(one_final_newline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars {
            bug: 660650,
            package: "zlib".into(),
            suite: "stable".into(),
            codename: "bookworm".into(),
            ..Vars::default()
        }
    }

    #[test]
    fn shipped_and_site_templates_agree_on_syntax() {
        let shipped = include_str!("../../../templates/mail/notify.txt");
        assert_eq!(
            render(Step::Notify, &vars(), None).unwrap(),
            render(Step::Notify, &vars(), Some(("notify.txt", shipped))).unwrap()
        );
        let body = render(Step::Notify, &vars(), None).unwrap();
        assert!(body.contains("bug #660650"), "{body}");
    }

    #[test]
    fn bad_site_templates_name_file_and_line() {
        let e = substitute("t.txt", "a\n{{ bug }} {{ nope }}\n", &vars()).unwrap_err();
        assert!(matches!(e, TemplateError::Unknown { line: 2, .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("t.txt:2: `{{ nope }}` is not a mail variable"),
            "{e}"
        );
        let e = substitute("t.txt", "a {{ bug", &vars()).unwrap_err();
        assert_eq!(e.to_string(), "t.txt:1: `{{` is not closed by `}}`");
    }
}
