//! Validated names: packages, logins and groups. A value of these types has passed the
//! repository's name rules, so the rest of the code never sees an unchecked name.

use std::fmt;

use regex::Regex;

/// The login that means "no maintainer"; it can never be a person.
pub const NOBODY: &str = "nobody";

const DEFAULT_PACKAGE: &str = "^[A-Za-z0-9][A-Za-z0-9+._-]*$";
const DEFAULT_LOGIN: &str = "^[a-z][a-z0-9_-]{0,31}$";
const DEFAULT_PACKAGE_MAX: usize = 128;

/// The name rules in force (docs/records.md), defaults overridable in `config.toml`.
#[derive(Debug, Clone)]
pub struct NameRules {
    package: Regex,
    package_max: usize,
    login: Regex,
    group: Regex,
}

impl Default for NameRules {
    fn default() -> Self {
        let login = Regex::new(DEFAULT_LOGIN).expect("the default login rule is a valid regex");
        NameRules {
            package: Regex::new(DEFAULT_PACKAGE)
                .expect("the default package rule is a valid regex"),
            package_max: DEFAULT_PACKAGE_MAX,
            group: login.clone(),
            login,
        }
    }
}

impl NameRules {
    /// Rules with any of the three patterns replaced. Each pattern is compiled here; the error
    /// names which rule failed.
    pub fn with(
        package: Option<&str>,
        package_max: Option<usize>,
        login: Option<&str>,
        group: Option<&str>,
    ) -> Result<Self, (&'static str, regex::Error)> {
        let mut rules = NameRules::default();
        let compile = |which: &'static str, p: &str| Regex::new(p).map_err(|e| (which, e));
        if let Some(p) = package {
            rules.package = compile("package", p)?;
        }
        if let Some(p) = login {
            rules.login = compile("login", p)?;
        }
        if let Some(p) = group {
            rules.group = compile("group", p)?;
        }
        if let Some(max) = package_max {
            rules.package_max = max;
        }
        Ok(rules)
    }

    /// A human sentence describing the package rule, for `help:` lines.
    pub fn package_rule(&self) -> String {
        format!(
            "{} and at most {} characters",
            self.package.as_str(),
            self.package_max
        )
    }

    pub fn login_rule(&self) -> &str {
        self.login.as_str()
    }

    pub fn group_rule(&self) -> &str {
        self.group.as_str()
    }
}

/// Why a string is not a valid name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("`{0}` does not match the rule {1}")]
    Pattern(String, String),
    #[error("`{0}` is longer than {1} characters")]
    TooLong(String, usize),
    #[error("`nobody` is reserved: it means \"no maintainer\" and cannot name a person or group")]
    Reserved,
    #[error("`{}` holds whitespace, `/` or a control character, which no name may hold whatever config.toml allows", .0.escape_debug())]
    Unsafe(String),
}

/// Refuses what would break a path or a line of the text lists, under any name rule.
fn safe(s: &str) -> Result<(), NameError> {
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(NameError::Unsafe(s.to_owned()));
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A source package name. Ordered by bytes, which is the order of every rendered list.
    PackageName
);
name_type!(
    /// A person's login.
    Login
);
name_type!(
    /// A group (team) name, written `%name` in maintainer lists.
    GroupName
);

impl PackageName {
    pub fn parse(s: &str, rules: &NameRules) -> Result<Self, NameError> {
        if s.chars().count() > rules.package_max {
            return Err(NameError::TooLong(s.to_owned(), rules.package_max));
        }
        safe(s)?;
        if !rules.package.is_match(s) {
            return Err(NameError::Pattern(
                s.to_owned(),
                rules.package.as_str().to_owned(),
            ));
        }
        Ok(PackageName(s.to_owned()))
    }

    /// The shard directory under `packages/`: the first character, lowercased.
    pub fn shard(&self) -> String {
        self.0
            .chars()
            .next()
            .map(|c| c.to_lowercase().collect())
            .unwrap_or_default()
    }

    /// Whether `dir` is [`PackageName::shard`], without making the shard.
    pub fn in_shard(&self, dir: &str) -> bool {
        let first = self.0.chars().next().into_iter();
        first.flat_map(char::to_lowercase).eq(dir.chars())
    }

    /// The record's path relative to the repository root.
    pub fn record_path(&self) -> String {
        format!("maintainers/packages/{}/{}.toml", self.shard(), self.0)
    }
}

impl Login {
    pub fn parse(s: &str, rules: &NameRules) -> Result<Self, NameError> {
        if s == NOBODY {
            return Err(NameError::Reserved);
        }
        safe(s)?;
        if !rules.login.is_match(s) {
            return Err(NameError::Pattern(
                s.to_owned(),
                rules.login.as_str().to_owned(),
            ));
        }
        Ok(Login(s.to_owned()))
    }

    pub fn record_path(&self) -> String {
        format!("maintainers/people/{}.toml", self.0)
    }
}

impl GroupName {
    pub fn parse(s: &str, rules: &NameRules) -> Result<Self, NameError> {
        if s == NOBODY {
            return Err(NameError::Reserved);
        }
        safe(s)?;
        if !rules.group.is_match(s) {
            return Err(NameError::Pattern(
                s.to_owned(),
                rules.group.as_str().to_owned(),
            ));
        }
        Ok(GroupName(s.to_owned()))
    }

    pub fn record_path(&self) -> String {
        format!("maintainers/groups/{}.toml", self.0)
    }
}

/// One entry of a maintainer list: a person or a `%group`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Maintainer {
    Person(Login),
    Group(GroupName),
}

impl Maintainer {
    /// Parses `login` or `%group`.
    pub fn parse(s: &str, rules: &NameRules) -> Result<Self, NameError> {
        match s.strip_prefix('%') {
            Some(g) => GroupName::parse(g, rules).map(Maintainer::Group),
            None => Login::parse(s, rules).map(Maintainer::Person),
        }
    }
}

impl fmt::Display for Maintainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Maintainer::Person(l) => write!(f, "{l}"),
            Maintainer::Group(g) => write!(f, "%{g}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_shard_is_shard() {
        let names = ["perl", "Perl", "İnci", "ß", "", "x"];
        let dirs = ["p", "P", "i̇", "i", "ß", "", "x", "pe"];
        for n in names {
            let n = PackageName(n.to_owned());
            for d in dirs {
                assert_eq!(n.in_shard(d), n.shard() == d, "{n:?} in {d:?}");
            }
        }
    }

    #[test]
    fn default_rules() {
        let r = NameRules::default();
        assert!(PackageName::parse("perl-Foo-Bar", &r).is_ok());
        assert!(PackageName::parse("g++-12", &r).is_ok());
        assert!(PackageName::parse("-foo", &r).is_err());
        assert!(PackageName::parse(&"a".repeat(129), &r).is_err());
        assert!(Login::parse("boklm", &r).is_ok());
        assert!(Login::parse("Boklm", &r).is_err());
        assert_eq!(Login::parse("nobody", &r), Err(NameError::Reserved));
        assert_eq!(
            Maintainer::parse("%perl", &r),
            Ok(Maintainer::Group(GroupName("perl".into())))
        );
    }

    #[test]
    fn loosened_rules_still_refuse_unsafe_names() {
        let r = NameRules::with(Some("^[^/]+$"), Some(128), Some("^.+$"), Some("^.+$")).unwrap();
        for bad in [
            "foo\nbar",
            "foo bar",
            "a\tb",
            "x\u{0}",
            "a\rb",
            "nb\u{a0}sp",
        ] {
            assert!(
                matches!(PackageName::parse(bad, &r), Err(NameError::Unsafe(_))),
                "{bad:?}"
            );
            assert!(matches!(Login::parse(bad, &r), Err(NameError::Unsafe(_))));
            assert!(matches!(
                GroupName::parse(bad, &r),
                Err(NameError::Unsafe(_))
            ));
        }
        assert!(matches!(Login::parse("a/b", &r), Err(NameError::Unsafe(_))));
        assert!(PackageName::parse("foo@bar", &r).is_ok());
    }

    #[test]
    fn shard_is_lowercased_first_char() {
        let r = NameRules::default();
        assert_eq!(
            PackageName::parse("Foo", &r).unwrap().record_path(),
            "maintainers/packages/f/Foo.toml"
        );
    }
}
