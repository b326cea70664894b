//! Apache's htpasswd file: `user:hash` lines. bcrypt hashes (`$2y$`, `$2b$`, `$2a$`) are
//! checked; other schemes are reported when the file is read and never match.

use std::collections::HashMap;
use std::path::Path;

/// The users of an htpasswd file.
#[derive(Debug, Default, Clone)]
pub struct Htpasswd {
    users: HashMap<String, String>,
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
        (Htpasswd { users }, warnings)
    }

    pub fn read(path: &Path) -> Result<(Htpasswd, Vec<String>), HtpasswdError> {
        let text = std::fs::read_to_string(path).map_err(|source| HtpasswdError::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(Htpasswd::parse(&text))
    }

    /// Whether `password` is `user`'s. bcrypt's comparison takes the same time whatever the
    /// password; an unknown user is checked against a dummy hash, so the answer's timing does
    /// not tell which users exist.
    pub fn check(&self, user: &str, password: &str) -> bool {
        const DUMMY: &str = "$2y$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3mDSiD1Kh/zy8NY9d7hqo3G";
        match self.users.get(user) {
            Some(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            None => {
                let _ = bcrypt::verify(password, DUMMY);
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
