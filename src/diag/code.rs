//! The stable diagnostic codes, each with its severity, cause and fix.

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $name:literal, $sev:ident, $cause:literal, $fix:literal; )*) => {
        /// A stable, kebab-case diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line on what causes it.
            pub fn cause(self) -> &'static str {
                match self { $( Code::$variant => $cause, )* }
            }

            /// One line on how to fix it.
            pub fn fix(self) -> &'static str {
                match self { $( Code::$variant => $fix, )* }
            }

            pub fn from_name(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

codes! {
    InvalidUtf8 = "invalid-utf8", Error,
        "The file is not valid UTF-8.",
        "Re-save the file as UTF-8.";
    TomlSyntax = "toml-syntax", Error,
        "The file is not valid TOML.",
        "Fix the syntax at the position shown.";
    DuplicateKey = "duplicate-key", Error,
        "A key is set twice in one table.",
        "Keep one of the two definitions.";
    UnknownField = "unknown-field", Error,
        "A field that this kind of record does not have (often a typo).",
        "Remove the field or correct its spelling; the message lists the allowed fields.";
    MissingField = "missing-field", Error,
        "A required field is absent.",
        "Add the field named in the message.";
    WrongType = "wrong-type", Error,
        "A field holds a value of the wrong type (e.g. a string where a list is expected).",
        "Write the value with the type named in the message.";
    BadPackageName = "bad-package-name", Error,
        "A package name breaks the package name rule.",
        "Rename the package so that it matches the rule from config.toml (default ^[A-Za-z0-9][A-Za-z0-9+._-]*$, at most 128 characters).";
    BadLogin = "bad-login", Error,
        "A login breaks the login rule.",
        "Use a login that matches the rule from config.toml (default ^[a-z][a-z0-9_-]{0,31}$).";
    BadGroupName = "bad-group-name", Error,
        "A group name breaks the group name rule.",
        "Use a group name that matches the rule from config.toml (default ^[a-z][a-z0-9_-]{0,31}$).";
    ReservedLogin = "reserved-login", Error,
        "`nobody` is used as a person, group or maintainer; it is reserved to mean \"no maintainer\".",
        "Write `maintainers = []` for an unmaintained package; choose another login for a person.";
    BadEmail = "bad-email", Error,
        "An email address is not one that mail can be sent to (the mail transport's own parser refuses it).",
        "Write a full address such as name@example.org, with no spaces, control characters or angle brackets.";
    BadText = "bad-text", Error,
        "A text field holds a control character (a NUL, a tab, a line break), or a person's name holds `<` or `>`: it would break commit authors and mail headers.",
        "Write the value as one line of plain text.";
    UnsafeUrl = "unsafe-url", Error,
        "A link in the records (config.toml's bug_url) has a scheme other than http, https or mailto; a `javascript:` link would run script on a click.",
        "Write an http or https URL (or mailto:); pages drop any other link.";
    PathMismatch = "path-mismatch", Error,
        "A package file is not at packages/<first character, lowercased>/<name>.toml.",
        "Move the file to the path given in the message.";
    Symlink = "symlink", Error,
        "A symbolic link under maintainers/.",
        "Replace the link by a regular file.";
    ExecutableFile = "executable-file", Error,
        "A record file has the executable bit set.",
        "Clear it: chmod -x FILE (or git update-index --chmod=-x FILE).";
    Submodule = "submodule", Error,
        "A git submodule under maintainers/.",
        "Remove the submodule; records are plain files.";
    FileTooLarge = "file-too-large", Error,
        "A record file is larger than 64 KiB.",
        "Records are small; split or shorten the file.";
    UnexpectedFile = "unexpected-file", Error,
        "A file under maintainers/ that is not a record in the layout of docs/records.md.",
        "Move or delete it; only config.toml, policy.toml, suites.toml, people/, groups/, packages/ and tracks/ belong there.";
    BadNameRule = "bad-name-rule", Error,
        "A name rule in config.toml is not a valid regular expression.",
        "Fix the pattern; until then the default rule applies.";
    UnknownMaintainer = "unknown-maintainer", Error,
        "A package names a maintainer that has no file in people/.",
        "Add people/<login>.toml, or correct the login.";
    UnknownGroup = "unknown-group", Error,
        "A maintainer list names a %group that has no file in groups/.",
        "Add groups/<name>.toml, or correct the group name.";
    EmptyGroup = "empty-group", Error,
        "A group has no members.",
        "Add at least one member, or remove the group and its uses.";
    UnknownMember = "unknown-member", Error,
        "A group lists a member that has no file in people/.",
        "Add people/<login>.toml, or remove the member.";
    DuplicateMaintainer = "duplicate-maintainer", Error,
        "The same name appears twice in one list.",
        "Remove the second occurrence.";
    CaseCollision = "case-collision", Error,
        "Two names differ only in case; they collide on case-insensitive file systems.",
        "Rename or remove one of them.";
    DuplicateAddress = "duplicate-address", Error,
        "An email address or alias is claimed by two people or groups (compared without regard to case); whoever holds it is credited with commits authored from it.",
        "Keep the address in the record of the one it belongs to and remove it from the other.";
    InactiveMaintainer = "inactive-maintainer", Warning,
        "A person marked `inactive = true` still maintains packages.",
        "Hand the packages over (maintdb drop / set), or mark the person active.";
    BadTrackName = "bad-track-name", Error,
        "A track file is not named after a bug number, or an archive folder is not a point release X.Y.",
        "Name tracks tracks/<bug>.toml, tracks/archive/<X.Y>/<bug>.toml for the point release that shipped them, or tracks/dismissed/<bug>.toml for a candidate set aside.";
    UnknownPackage = "unknown-package", Error,
        "A track names a package that has no file in packages/.",
        "Correct the package name, or add the package.";
    UnknownSuite = "unknown-suite", Error,
        "A track names a suite that suites.toml does not define.",
        "Use a suite from suites.toml, or add it there.";
    UnknownTrackState = "unknown-track-state", Error,
        "A track's state is not one of the known states.",
        "Use new, fixed-unstable, notified, requested, uploaded, accepted, released or ignored.";
    BadPuBug = "bad-pu-bug", Error,
        "A track's pu_bug is not a positive bug number.",
        "Write the number of the release team's pu/opu request bug, e.g. pu_bug = 1070001, or remove the field.";
    BadVersion = "bad-version", Error,
        "A version in a track is not a valid Debian version.",
        "Write the version as the archive has it, e.g. 1.2-2+deb12u1.";
    BadPointRelease = "bad-point-release", Error,
        "A point release number (released_in, or a version in suites.toml) is not of the form X.Y.",
        "Write it as the release team numbers it, e.g. 12.9.";
    InconsistentTrack = "inconsistent-track", Error,
        "A track's state disagrees with its fields (e.g. released without released_in).",
        "Add the missing field, or set the state that the fields describe; maintdb track sync writes consistent records.";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
