//! Import from a text list: `pkg:login[,login…]`, `pkg login` (Mageia's `maintdb.txt`) or
//! `pkg<TAB>login` per line. `nobody` means unmaintained and `%g` names a group.

use std::collections::BTreeMap;

use super::{InputError, NewPerson, Plan, Registry};
use crate::names::{Login, Maintainer, NOBODY, NameRules, PackageName};

/// How to treat logins that have no person record yet.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Create missing people as `login@DOMAIN`; without it, a missing login is an error.
    pub email_domain: Option<String>,
}

fn split(line: &str) -> Option<(&str, Vec<&str>)> {
    if let Some((pkg, rest)) = line.split_once(':') {
        return Some((pkg.trim(), rest.split(',').map(str::trim).collect()));
    }
    let mut parts = line.split_whitespace();
    let (pkg, who) = (parts.next()?, parts.next()?);
    parts.next().is_none().then(|| (pkg, vec![who]))
}

/// Plans the import of `text` on top of the existing `registry`.
pub fn plan(
    text: &str,
    rules: &NameRules,
    registry: &Registry,
    opts: &Options,
) -> Result<Plan, Vec<InputError>> {
    let mut plan = Plan::default();
    let mut errors = Vec::new();
    let mut first_line: BTreeMap<PackageName, usize> = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let mut err = |message: String| errors.push(InputError { line, message });
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((pkg, who)) = split(l) else {
            err(format!(
                "expected `pkg:login`, `pkg login` or `pkg<TAB>login`, found `{l}`"
            ));
            continue;
        };
        let name = match PackageName::parse(pkg, rules) {
            Ok(n) => n,
            Err(e) => {
                err(format!("bad package name: {e}"));
                continue;
            }
        };
        if let Some(first) = first_line.insert(name.clone(), line) {
            err(format!("{name} is listed twice (first on line {first})"));
            continue;
        }
        let mut list = Vec::new();
        let mut ok = true;
        for w in &who {
            if *w == NOBODY {
                if who.len() > 1 {
                    err(format!(
                        "`nobody` must stand alone, not beside other maintainers of {name}"
                    ));
                    ok = false;
                }
                continue;
            }
            match Maintainer::parse(w, rules) {
                Ok(m @ Maintainer::Group(_)) if registry.has_group(&w[1..]) => list.push(m),
                Ok(Maintainer::Group(g)) => {
                    err(format!(
                        "group `%{g}` does not exist; create it first with its members"
                    ));
                    ok = false;
                }
                Ok(Maintainer::Person(l)) => {
                    ok &= person(&l, registry, opts, &mut plan, &mut err);
                    list.push(Maintainer::Person(l));
                }
                Err(e) => {
                    err(format!("bad maintainer `{w}`: {e}"));
                    ok = false;
                }
            }
        }
        if ok {
            plan.packages.insert(name, list);
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// Makes sure `login` exists or will be created; reports it otherwise.
fn person(
    login: &Login,
    registry: &Registry,
    opts: &Options,
    plan: &mut Plan,
    err: &mut impl FnMut(String),
) -> bool {
    if registry.has_login(login.as_str()) || plan.people.contains_key(login) {
        return true;
    }
    match &opts.email_domain {
        Some(domain) => {
            plan.people.insert(
                login.clone(),
                NewPerson {
                    name: login.to_string(),
                    email: format!("{login}@{domain}"),
                    aliases: Vec::new(),
                },
            );
            true
        }
        None => {
            err(format!(
                "`{login}` is not a known person; add {} first, or pass --email-domain to create missing people",
                login.record_path()
            ));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            email_domain: Some("example.org".into()),
        }
    }

    #[test]
    fn three_line_forms() {
        let p = plan(
            "a:x,y\nb z\nc\tnobody\n",
            &NameRules::default(),
            &Registry::default(),
            &opts(),
        )
        .unwrap();
        assert_eq!(p.packages.len(), 3);
        assert_eq!(p.people.len(), 3);
        let c = PackageName::parse("c", &NameRules::default()).unwrap();
        assert!(p.packages[&c].is_empty());
    }

    #[test]
    fn errors_have_line_numbers() {
        let errs = plan(
            "a:x\n\nb x y\n-bad x\na y\n",
            &NameRules::default(),
            &Registry::default(),
            &opts(),
        )
        .unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        let errs = plan(
            "a:ghost\n",
            &NameRules::default(),
            &Registry::default(),
            &Options::default(),
        )
        .unwrap_err();
        assert!(errs[0].message.contains("ghost"));
    }
}
