//! Apache's htpasswd file: `user:hash` lines. bcrypt hashes (`$2y$`, `$2b$`, `$2a$`) are
//! checked; other schemes are reported when the file is read and never match.

use std::collections::HashMap;
use std::path::Path;

/// The users of an htpasswd file.
#[derive(Debug, Default, Clone)]
pub struct Htpasswd {
    users: HashMap<String, String>,
    /// The bcrypt cost most of the file's hashes have.
    cost: u32,
    /// What an unknown user's password is checked against: a hash of the file's own cost,
    /// so that checking it takes as long as checking a real user's. Made at the first need.
    dummy: std::sync::OnceLock<String>,
}

/// The bcrypt costs `htpasswd -B -C` makes. A higher one stated in a file would make a
/// single check take hours: such a line is refused when the file is read.
const COSTS: std::ops::RangeInclusive<u32> = 4..=17;

/// The cost of a well-formed bcrypt hash (`$2y$NN$` and 53 characters of salt and digest).
fn bcrypt_cost(hash: &str) -> Option<u32> {
    let rest = ["$2y$", "$2b$", "$2a$"]
        .iter()
        .find_map(|p| hash.strip_prefix(p))?;
    let (cost, tail) = rest.split_once('$')?;
    let ok = cost.len() == 2
        && tail.len() == 53
        && tail
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/');
    ok.then(|| cost.parse().ok()).flatten()
}

/// Why the file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HtpasswdError {
    #[error("cannot read {path}")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Htpasswd {
    /// Parses the file's text; returns the users and a warning per line it cannot use.
    pub fn parse(text: &str) -> (Htpasswd, Vec<String>) {
        let mut users = HashMap::new();
        let mut warnings = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once(':') {
                Some((user, hash)) if hash.starts_with("$2") => match bcrypt_cost(hash) {
                    Some(c) if COSTS.contains(&c) => {
                        users.insert(user.to_owned(), hash.to_owned());
                    }
                    Some(c) => warnings.push(format!(
                        "line {}: {user}'s bcrypt cost {c} is outside {}-{}; create it again \
                         with htpasswd -B -C 12",
                        i + 1,
                        COSTS.start(),
                        COSTS.end()
                    )),
                    None => warnings.push(format!(
                        "line {}: {user}'s bcrypt hash is malformed; create it again with \
                         htpasswd -B",
                        i + 1
                    )),
                },
                Some((user, _)) => warnings.push(format!(
                    "line {}: {user}'s password is not a bcrypt hash; create it with htpasswd -B",
                    i + 1
                )),
                None => warnings.push(format!("line {}: not `user:hash`", i + 1)),
            }
        }
        // The most common cost in the file.
        let mut costs: HashMap<u32, usize> = HashMap::new();
        for hash in users.values() {
            if let Some(c) = bcrypt_cost(hash) {
                *costs.entry(c).or_default() += 1;
            }
        }
        let cost = costs
            .into_iter()
            .max_by_key(|(c, n)| (*n, *c))
            .map_or(bcrypt::DEFAULT_COST, |(c, _)| c);
        let h = Htpasswd {
            users,
            cost,
            dummy: Default::default(),
        };
        (h, warnings)
    }

    /// The bcrypt cost most of the file's hashes have (what a check costs).
    pub fn cost(&self) -> u32 {
        self.cost
    }

    pub fn read(path: &Path) -> Result<(Htpasswd, Vec<String>), HtpasswdError> {
        let text = std::fs::read_to_string(path).map_err(|source| HtpasswdError::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(Htpasswd::parse(&text))
    }

    /// Whether `password` is `user`'s. bcrypt compares in constant time; an unknown user is
    /// checked against a dummy hash of the file's cost, so the answer's timing does not tell
    /// which users exist.
    pub fn check(&self, user: &str, password: &str) -> bool {
        match self.users.get(user) {
            Some(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            None => {
                let dummy = self.dummy.get_or_init(|| {
                    bcrypt::hash("no user has this password", self.cost).unwrap_or_default()
                });
                let _ = bcrypt::verify(password, dummy);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcrypt_users_only() {
        let hash = bcrypt::hash("secret", 4)
            .unwrap()
            .replacen("$2b$", "$2y$", 1);
        let text = format!("# admins\nbuild:{hash}\nold:{{SHA}}abc\nbroken\n");
        let (h, warnings) = Htpasswd::parse(&text);
        assert!(h.check("build", "secret"));
        assert!(!h.check("build", "wrong"));
        assert!(!h.check("old", "abc"));
        assert!(!h.check("nobody", "secret"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn a_cost_no_htpasswd_makes_is_refused_when_read() {
        // Cost 31 would make every check of this user (and, as the file's cost, of every
        // unknown user) take days: the file is refused line by line, never checked.
        let hash = bcrypt::hash("secret", 4).unwrap();
        let high = hash.replacen("$04$", "$31$", 1);
        let short = &hash[..40];
        let text = format!(
            "ok:{hash}
slow:{high}
cut:{short}
"
        );
        let (h, warnings) = Htpasswd::parse(&text);
        assert_eq!(h.cost(), 4);
        assert!(!h.check("slow", "secret"));
        assert!(!h.check("cut", "secret"));
        assert!(h.check("ok", "secret"));
        assert!(warnings[0].contains("line 2: slow's bcrypt cost 31 is outside 4-17"));
        assert!(warnings[1].contains("line 3: cut's bcrypt hash is malformed"));
    }
}
