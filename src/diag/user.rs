//! Every code a user can see, in one registry: the validator's [`Code`]s, the push policy's
//! [`Rule`]s, the writing and tracking commands' [`OpCode`]s and the admin API's [`ApiCode`]s.
//! Each has its cause and fix, so `maintdb explain` knows it and a typo does not compile.

use super::Code;

macro_rules! registry {
    ($(#[$doc:meta])* $enum:ident { $( $variant:ident = $name:literal, $cause:literal, $fix:literal; )* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $enum { $( $variant, )* }

        impl $enum {
            pub const ALL: &'static [$enum] = &[ $( $enum::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( $enum::$variant => $name, )* }
            }

            /// One line on what causes it.
            pub fn cause(self) -> &'static str {
                match self { $( $enum::$variant => $cause, )* }
            }

            /// One line on how to fix it.
            pub fn fix(self) -> &'static str {
                match self { $( $enum::$variant => $fix, )* }
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$enum> for UserCode {
            fn from(c: $enum) -> UserCode {
                UserCode::$enum(c)
            }
        }
    };
}

registry! {
    /// A stable code for each way the push policy refuses a change (docs/policy.md).
    Rule {
        NoIdentity = "no-identity",
            "The git server gave no pusher identity (none of MAINTDB_PUSHER, GL_USERNAME, GITEA_PUSHER_NAME, GL_USER, REMOTE_USER is set).",
            "Push through the authenticated server, or have it set MAINTDB_PUSHER.";
        UnknownIdentity = "unknown-identity",
            "The identity is neither a role in policy.toml nor a person in people/.",
            "Ask an admin to add your people/<login>.toml record.";
        DeleteBranch = "delete-branch",
            "A push deletes a branch that holds the records.",
            "Push a commit that changes what you meant to change instead.";
        NonFastForward = "non-fast-forward",
            "A push would lose commits of the branch.",
            "Fetch, rebase your commits on the branch, and push again (never force).";
        MergeNotAdmin = "merge-not-admin",
            "A merge commit pushed by someone who is not an admin.",
            "Rebase your commits on the branch (git pull --rebase) and push them again.";
        BranchNotAllowed = "branch-not-allowed",
            "A push to a branch that policy.toml does not list.",
            "Push to one of the branches in policy.toml.";
        TagNotAdmin = "tag-not-admin",
            "A tag pushed or deleted by someone who is not an admin.",
            "Ask an admin to set the tag.";
        RefNotAllowed = "ref-not-allowed",
            "A push to a ref that is neither a branch nor a tag.",
            "Push to one of the branches in policy.toml.";
        AuthorMismatch = "author-mismatch",
            "A commit is authored with an address that is not the pusher's email or alias.",
            "Author your commits with your own address (git commit --amend --reset-author), or add it to your aliases.";
        NewPackage = "new-package",
            "Someone other than the build system or an admin registers a new package.",
            "Let the build system register it, or ask an admin.";
        BuildsystemExisting = "buildsystem-existing",
            "The build system changes a package that exists.",
            "Ask an admin to change an existing package.";
        NotAMaintainer = "not-a-maintainer",
            "A change to a package the actor does not maintain, directly or through a group.",
            "Ask one of its maintainers or an admin.";
        CannotSetOthers = "cannot-set-others",
            "Taking an unmaintained package for someone else.",
            "Take it for yourself or a group you belong to; the others can join later.";
        NotYourFile = "not-your-file",
            "A change to another person's record.",
            "Ask that person or an admin.";
        TrackerOnly = "tracker-only",
            "A change to tracks/ or suites.toml by someone who is not a tracker.",
            "Ask a tracker or an admin.";
        AdminOnly = "admin-only",
            "A change only admins may make (policy.toml, config.toml, removing records, anything beside maintainers/).",
            "Ask an admin to make the change.";
    }
}

registry! {
    /// A stable code for each way a writing or tracking command refuses what it was asked.
    OpCode {
        NoSuchPackage = "no-such-package",
            "The command names a package that has no record.",
            "Check the name with `maintdb get`; new packages are registered with `maintdb new`.";
        NoSuchPerson = "no-such-person",
            "The command names a person who has no record.",
            "Check the login; add the person with `maintdb person add`.";
        NoSuchGroup = "no-such-group",
            "The command names a group that has no record.",
            "Check the name; add the group with `maintdb group add`.";
        AlreadyExists = "already-exists",
            "The record to add exists already.",
            "Edit it instead, or choose another name.";
        NotMaintained = "not-maintained",
            "Dropping a package the actor does not maintain.",
            "Check `maintdb who PACKAGE`; only its maintainers can drop it.";
        BadRegex = "bad-regex",
            "The --regex given is not a valid regular expression.",
            "Fix the expression (Rust regex syntax).";
        NoMatch = "no-match",
            "The --regex given matches no package the command could change.",
            "Widen the expression; `maintdb get` lists the packages.";
        UnknownTrack = "unknown-track",
            "The command names a bug that is not tracked.",
            "Check the number with `maintdb track list`, or add it with `maintdb track add`.";
        AlreadyTracked = "already-tracked",
            "`track dismiss` names a bug that is tracked.",
            "To stop following a suite, use `maintdb track ignore BUG --suite SUITE --reason ...`.";
        NoReason = "no-reason",
            "`track dismiss` was given an empty --reason.",
            "Say why the bug is not tracked: the reason is kept for whoever looks again.";
        UnknownBug = "unknown-bug",
            "The BTS does not know the bug number given.",
            "Check the number; nothing was tracked.";
        NotNotified = "not-notified",
            "A prod for a track whose maintainer was never notified.",
            "Run `maintdb track notify` first.";
        ProdTooSoon = "prod-too-soon",
            "A prod sooner than the throttle allows after the last mail.",
            "Wait until the date the message gives.";
        Throttled = "throttled",
            "More mail than the hourly limit allows in one run.",
            "Run again later; the rest goes out then.";
        MailInDoubt = "mail-in-doubt",
            "A run was killed (or the mail server went silent) while sending a mail, so whether it went is unknown.",
            "Look in the bug's log on the BTS, then run `maintdb track notify --mark-sent BUG` if it went out, or `--resend BUG` if not.";
        NoMailInDoubt = "no-mail-in-doubt",
            "`track notify --resend` or `--mark-sent` was asked about a mail that is not in doubt.",
            "Run `maintdb track todo` to see the mails in doubt.";
        MailTemplate = "mail-template",
            "A mail template in the repository does not render.",
            "Fix the template named in the message.";
        NotReleased = "not-released",
            "`track release` found no new point release: the mirror's Release file names the one suites.toml records (or an older one), or --version is not the next one.",
            "Wait for the point release to reach the mirror (`track sync` records it by itself), or give --version with the release after suites.toml's.";
        DirectoryIncomplete = "directory-incomplete",
            "`person sync` was given a directory answer that lists no people, or one that would mark more people inactive than --max-inactive allows.",
            "Check that the search returned every entry (a server's size limit cuts it short); raise --max-inactive when that many people really left.";
        MalformedInput = "malformed-input",
            "An import's input has a line that cannot be read.",
            "Fix the input at the line given; nothing is imported while any of it is malformed.";
    }
}

registry! {
    /// A stable code for each error the admin API answers, beside the policy's refusals.
    ApiCode {
        BadRequest = "bad-request",
            "The call lacks a field, or a field holds a bad name.",
            "Send `package` and `maintainer` fields with valid names.";
        UnsupportedMediaType = "unsupported-media-type",
            "The body is neither form-encoded nor JSON.",
            "Send application/x-www-form-urlencoded or application/json.";
        UnknownCall = "unknown-call",
            "The path names no admin call.",
            "Use setnewpackage, setpackage or removepackage.";
        Unauthorized = "unauthorized",
            "No credentials, or wrong ones.",
            "Authenticate with HTTP basic auth as a user of the server's htpasswd file (or through the proxy that sets the identity header).";
        TooManyFailures = "too-many-failures",
            "Too many failed logins from this address within a minute.",
            "Wait for the time in Retry-After, then check the user name and password.";
        TooLarge = "too-large",
            "The body is over 64 KiB, or was broken off.",
            "Send one call at a time, with its fields only.";
        BodyTimeout = "body-timeout",
            "The body did not arrive whole within the server's --body-timeout.",
            "Send the whole body at once.";
        ReadOnly = "read-only",
            "This server does not take changes (--read-only, or no --htpasswd).",
            "Push to the repository, or call a server that takes changes.";
        Conflict = "conflict",
            "The branch kept moving while the call tried to commit.",
            "Try again.";
        Internal = "internal",
            "The server failed to write the change.",
            "See the server's log.";
    }
}

/// Any code a user can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserCode {
    Code(Code),
    Rule(Rule),
    OpCode(OpCode),
    ApiCode(ApiCode),
}

impl From<Code> for UserCode {
    fn from(c: Code) -> UserCode {
        UserCode::Code(c)
    }
}

impl UserCode {
    /// Every code, validation first, then the policy's, the commands' and the admin API's.
    pub fn all() -> impl Iterator<Item = UserCode> {
        let check = Code::ALL.iter().map(|&c| UserCode::Code(c));
        let rules = Rule::ALL.iter().map(|&c| UserCode::Rule(c));
        let ops = OpCode::ALL.iter().map(|&c| UserCode::OpCode(c));
        let api = ApiCode::ALL.iter().map(|&c| UserCode::ApiCode(c));
        check.chain(rules).chain(ops).chain(api)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserCode::Code(c) => c.as_str(),
            UserCode::Rule(c) => c.as_str(),
            UserCode::OpCode(c) => c.as_str(),
            UserCode::ApiCode(c) => c.as_str(),
        }
    }

    pub fn cause(self) -> &'static str {
        match self {
            UserCode::Code(c) => c.cause(),
            UserCode::Rule(c) => c.cause(),
            UserCode::OpCode(c) => c.cause(),
            UserCode::ApiCode(c) => c.cause(),
        }
    }

    pub fn fix(self) -> &'static str {
        match self {
            UserCode::Code(c) => c.fix(),
            UserCode::Rule(c) => c.fix(),
            UserCode::OpCode(c) => c.fix(),
            UserCode::ApiCode(c) => c.fix(),
        }
    }

    /// Where the code comes from, as `explain` and docs/diagnostics.md group them.
    pub fn family(self) -> &'static str {
        match self {
            UserCode::Code(c) => c.severity().as_str(),
            UserCode::Rule(_) => "push policy",
            UserCode::OpCode(_) => "command",
            UserCode::ApiCode(_) => "admin API",
        }
    }

    /// The code named `s`; the first family that has the name wins (a command reuses a few
    /// validation codes, such as `missing-field`, with the same meaning).
    pub fn from_name(s: &str) -> Option<UserCode> {
        UserCode::all().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for UserCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_one_code() {
        let mut seen = std::collections::HashSet::new();
        for c in UserCode::all() {
            assert!(seen.insert(c.as_str()), "`{c}` is defined twice");
            assert_eq!(UserCode::from_name(c.as_str()), Some(c));
            assert!(!c.cause().is_empty() && !c.fix().is_empty());
        }
    }
}
