//! Apache's htpasswd file: `user:hash` lines. bcrypt hashes (`$2y$`, `$2b$`, `$2a$`) are
//! checked; other schemes are reported when the file is read and never match.

use std::collections::HashMap;
use std::path::Path;

/// The users of an htpasswd file.
#[derive(Debug, Default, Clone)]
pub struct Htpasswd {
    users: HashMap<String, String>,
    /// What an unknown user's password is checked against: a hash of the file's own cost,
    /// so that checking it takes as long as checking a real user's.
    dummy: String,
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
                Some((user, hash)) if hash.starts_with("$2") => {
                    users.insert(user.to_owned(), hash.to_owned());
                }
                Some((user, _)) => warnings.push(format!(
                    "line {}: {user}'s password is not a bcrypt hash; create it with htpasswd -B",
                    i + 1
                )),
                None => warnings.push(format!("line {}: not `user:hash`", i + 1)),
            }
        }
        // The cost is the two digits after `$2y$`; the most common one in the file.
        let mut costs: HashMap<u32, usize> = HashMap::new();
        for hash in users.values() {
            if let Some(c) = hash.get(4..6).and_then(|c| c.parse().ok()) {
                *costs.entry(c).or_default() += 1;
            }
        }
        let cost = costs
            .into_iter()
            .max_by_key(|(c, n)| (*n, *c))
            .map_or(bcrypt::DEFAULT_COST, |(c, _)| c.clamp(4, 31));
        let dummy = bcrypt::hash("no user has this password", cost).unwrap_or_default();
        (Htpasswd { users, dummy }, warnings)
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
                let _ = bcrypt::verify(password, &self.dummy);
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
}
