//! Apache's htpasswd file: `user:hash` lines, in every scheme Apache's `htpasswd` writes:
//! `$apr1$` (its default), bcrypt (`-B`: `$2y$`, `$2a$`, `$2b$`), `{SHA}` (`-s`), crypt (`-d`),
//! SHA-256 and SHA-512 crypt (`-2`: `$5$`, `-5`: `$6$`), and `$1$` MD5 crypt. A line in no such
//! scheme (plain text, garbage) is a problem named by line and user: the server refuses to
//! start on it. [`HtpasswdFile`] reads the file again when it changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How one user's password is checked.
#[derive(Debug, Clone)]
enum Hash {
    /// bcrypt, with the cost checked when read.
    Bcrypt(String),
    /// `{SHA}`: base64 of the password's SHA-1.
    Sha([u8; 20]),
    /// A crypt(3) hash: `$apr1$`, `$1$`, `$5$`, `$6$` or DES.
    Crypt(String),
}

impl Hash {
    /// Reads one line's hash, or says why it cannot be used.
    fn parse(hash: &str) -> Result<Hash, String> {
        if hash.starts_with("$2") {
            return match bcrypt_cost(hash) {
                Some(c) if COSTS.contains(&c) => Ok(Hash::Bcrypt(hash.to_owned())),
                Some(c) => Err(format!(
                    "bcrypt cost {c} is outside {}-{}; create it again with htpasswd -B -C 12",
                    COSTS.start(),
                    COSTS.end()
                )),
                None => Err("bcrypt hash is malformed; create it again with htpasswd -B".into()),
            };
        }
        if let Some(b64) = hash.strip_prefix("{SHA}") {
            use base64::Engine as _;
            return base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .and_then(|d| <[u8; 20]>::try_from(d).ok())
                .map(Hash::Sha)
                .ok_or_else(|| "{SHA} hash is malformed; create it again with htpasswd".into());
        }
        if let Some(rounds) = sha_crypt_rounds(hash)
            && rounds > MAX_ROUNDS
        {
            return Err(format!(
                "SHA crypt rounds {rounds} are over {MAX_ROUNDS}; create it again with htpasswd -5"
            ));
        }
        // crypt3_rs reads a control character as a negative offset (an overflow panic in a
        // checked build): only the characters a crypt hash is written in reach it.
        let crypt_alphabet = |c: char| c.is_ascii_alphanumeric() || "./$=".contains(c);
        if !hash.chars().all(crypt_alphabet) {
            return Err(
                "password is not a hash htpasswd writes (plain text?); create it with htpasswd -B"
                    .into(),
            );
        }
        match crypt3_rs::Hash::try_from(hash) {
            Ok(_) => Ok(Hash::Crypt(hash.to_owned())),
            Err(_) => Err(
                "password is not a hash htpasswd writes (plain text?); create it with htpasswd -B"
                    .into(),
            ),
        }
    }

    fn check(&self, password: &str) -> bool {
        match self {
            Hash::Bcrypt(h) => bcrypt::verify(password, h).unwrap_or(false),
            Hash::Sha(digest) => {
                use sha1::Digest as _;
                use subtle::ConstantTimeEq as _;
                let mine = sha1::Sha1::digest(password.as_bytes());
                bool::from(mine.as_slice().ct_eq(digest))
            }
            Hash::Crypt(h) => crypt3_rs::unix::verify(password, h),
        }
    }
}

/// The users of an htpasswd file.
#[derive(Debug, Default, Clone)]
pub struct Htpasswd {
    users: HashMap<String, Hash>,
    /// The bcrypt cost most of the file's bcrypt hashes have.
    cost: u32,
    /// What an unknown user's password is checked against: a hash in the file's most common
    /// scheme (a bcrypt hash of the file's cost), so that checking it takes as long as
    /// checking a real user's. Made at the first need.
    dummy: std::sync::OnceLock<Option<Hash>>,
}

/// The bcrypt costs `htpasswd -B -C` makes. A higher one stated in a file would make a
/// single check take hours: such a line is refused when the file is read.
const COSTS: std::ops::RangeInclusive<u32> = 4..=17;

/// The most SHA crypt rounds a line may state (`htpasswd -2|-5` makes 5,000 unless told
/// otherwise): more would let one check take minutes.
const MAX_ROUNDS: u64 = 1_000_000;

/// The `rounds=N` a `$5$` or `$6$` hash states.
fn sha_crypt_rounds(hash: &str) -> Option<u64> {
    let rest = hash
        .strip_prefix("$5$")
        .or_else(|| hash.strip_prefix("$6$"))?;
    let (rounds, _) = rest.strip_prefix("rounds=")?.split_once('$')?;
    Some(rounds.parse().unwrap_or(u64::MAX))
}

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
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {}", problems.join("; "))]
    Lines {
        path: PathBuf,
        problems: Vec<String>,
    },
}

impl Htpasswd {
    /// Parses the file's text; returns the users and a problem per line it cannot use (each
    /// naming the line and the user).
    pub fn parse(text: &str) -> (Htpasswd, Vec<String>) {
        let mut users = HashMap::new();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once(':') {
                Some((user, hash)) => match Hash::parse(hash) {
                    Ok(h) => {
                        users.insert(user.to_owned(), h);
                    }
                    Err(why) => problems.push(format!("line {}: {user}'s {why}", i + 1)),
                },
                None => problems.push(format!("line {}: not `user:hash`", i + 1)),
            }
        }
        // The most common cost in the file.
        let mut costs: HashMap<u32, usize> = HashMap::new();
        for hash in users.values() {
            if let Hash::Bcrypt(h) = hash
                && let Some(c) = bcrypt_cost(h)
            {
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
        (h, problems)
    }

    /// The bcrypt cost most of the file's hashes have (what a check costs).
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Reads the file; any line it cannot use is an error naming the file, the line and the
    /// user.
    pub fn read(path: &Path) -> Result<Htpasswd, HtpasswdError> {
        let text = std::fs::read_to_string(path).map_err(|source| HtpasswdError::Read {
            path: path.to_owned(),
            source,
        })?;
        let (users, problems) = Htpasswd::parse(&text);
        if problems.is_empty() {
            Ok(users)
        } else {
            Err(HtpasswdError::Lines {
                path: path.to_owned(),
                problems,
            })
        }
    }

    /// The hash an unknown user's password is checked against: one in the file's most common
    /// scheme.
    fn dummy(&self) -> Option<&Hash> {
        self.dummy
            .get_or_init(|| {
                let bcrypt = self
                    .users
                    .values()
                    .filter(|h| matches!(h, Hash::Bcrypt(_)))
                    .count();
                if bcrypt * 2 >= self.users.len() {
                    bcrypt::hash("no user has this password", self.cost)
                        .ok()
                        .map(Hash::Bcrypt)
                } else {
                    self.users
                        .values()
                        .find(|h| !matches!(h, Hash::Bcrypt(_)))
                        .cloned()
                }
            })
            .as_ref()
    }

    /// Whether `password` is `user`'s, compared in constant time; an unknown user is checked
    /// against a dummy hash in the file's usual scheme, so the answer's timing does not tell
    /// which users exist.
    pub fn check(&self, user: &str, password: &str) -> bool {
        match self.users.get(user) {
            Some(hash) => hash.check(password),
            None => {
                if let Some(d) = self.dummy() {
                    let _ = d.check(password);
                }
                false
            }
        }
    }
}

/// What tells that a file changed: its modification time, size and inode.
type Stamp = Option<(std::time::SystemTime, u64, u64)>;

fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len(), m.ino()))
}

/// An htpasswd file the server follows: each check first looks whether the file changed (one
/// `stat`), and reads it again if so, so an admin adding an account needs no restart. A new
/// version with a line it cannot use is logged and not taken; the last good one stays.
#[derive(Debug)]
pub struct HtpasswdFile {
    path: Option<PathBuf>,
    state: Mutex<(Arc<Htpasswd>, Stamp)>,
}

impl HtpasswdFile {
    /// Reads `path`; an error names every line it cannot use.
    pub fn open(path: &Path) -> Result<HtpasswdFile, HtpasswdError> {
        let before = stamp(path);
        let users = Htpasswd::read(path)?;
        Ok(HtpasswdFile {
            path: Some(path.to_owned()),
            state: Mutex::new((Arc::new(users), before)),
        })
    }

    /// Users that come from no file and never change.
    pub fn fixed(users: Htpasswd) -> HtpasswdFile {
        HtpasswdFile {
            path: None,
            state: Mutex::new((Arc::new(users), None)),
        }
    }

    /// The users as the file holds them now.
    pub fn users(&self) -> Arc<Htpasswd> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(path) = &self.path {
            let now = stamp(path);
            if now != state.1 {
                match Htpasswd::read(path) {
                    Ok(users) => {
                        eprintln!("{}: read again", path.display());
                        *state = (Arc::new(users), now);
                    }
                    Err(e) => {
                        eprintln!("error: {e}; still using the version read before");
                        state.1 = now;
                    }
                }
            }
        }
        Arc::clone(&state.0)
    }

    /// Whether `password` is `user`'s in the file as it is now.
    pub fn check(&self, user: &str, password: &str) -> bool {
        self.users().check(user, password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_no_scheme_are_named() {
        let hash = bcrypt::hash("secret", 4)
            .unwrap()
            .replacen("$2b$", "$2y$", 1);
        let text = format!("# admins\nbuild:{hash}\nold:{{SHA}}abc\nplain:secret\nbroken\n");
        let (h, problems) = Htpasswd::parse(&text);
        assert!(h.check("build", "secret"));
        assert!(!h.check("build", "wrong"));
        assert!(!h.check("old", "abc"));
        assert!(!h.check("plain", "secret"));
        assert!(!h.check("nobody", "secret"));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 3: old's {SHA} hash is malformed"));
        assert!(problems[1].starts_with("line 4: plain's password is not a hash"));
        assert_eq!(problems[2], "line 5: not `user:hash`");
    }

    #[test]
    fn control_characters_in_a_hash_are_refused_not_a_panic() {
        // Found by the htpasswd fuzz target: crypt3_rs subtracted past zero on these.
        let text = "\u{3} admi2ild:\u{0}$\u{fffd}V5L5HKns\n$2ild:\u{fffd}$\u{0}V5L5HKG\nx:ab\u{1}defghijkl\n";
        let (h, problems) = Htpasswd::parse(text);
        assert!(!h.check("x", "secret"));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[2].starts_with("line 3: x's password is not a hash"));
    }

    #[test]
    fn sha_crypt_rounds_are_bounded() {
        let slow = "u:$6$rounds=999999999$saltsalt$Oj2bYQ5aRNs2bfa3CK4ypVEh1uoCnz.sFwrU8XNqCfcsBHiVbl6gNdzEKeEgg6qTwgVaDKE7LqwRZ3N9u.yvs1\n";
        let (h, problems) = Htpasswd::parse(slow);
        assert!(!h.check("u", "x"));
        assert_eq!(
            problems,
            [
                "line 1: u's SHA crypt rounds 999999999 are over 1000000; create it again with htpasswd -5"
            ]
        );
    }

    #[test]
    fn sha_hashes() {
        // `htpasswd -nbs u secret`.
        let (h, problems) = Htpasswd::parse("u:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(h.check("u", "secret"));
        assert!(!h.check("u", "Secret"));
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
