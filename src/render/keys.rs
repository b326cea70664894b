//! What a generation's pages were made from: beside each generation, `<generation>.keys`
//! lists the page of every package, person, group and shard with the hash of its inputs. The
//! next render makes only the pages whose inputs hash differently and hard-links the others
//! from that generation. A file that does not check out, or that another build of maintdb
//! wrote (its templates may differ), is not used: that render makes every page.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::checksum::fnv64;

/// The hash of a page's inputs: equal keys, equal bytes.
pub type Key = u128;

/// 128 bits from two differently seeded SipHashes: a quarter of a million pages never meet
/// a collision, which would keep a stale page.
pub fn key(inputs: &impl Hash) -> Key {
    let half = |seed: u8| {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        inputs.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// The keys file of the generation at `generation`.
pub fn path_of(generation: &Path) -> PathBuf {
    let mut name = generation.file_name().unwrap_or_default().to_owned();
    name.push(".keys");
    generation.with_file_name(name)
}

/// This build of maintdb: its version and its executable's size and time, so that keys are
/// only trusted by the build whose templates made the pages. When the executable cannot be
/// looked at, this process's own mark: its keys are then never trusted by another run.
fn build() -> &'static str {
    static BUILD: OnceLock<String> = OnceLock::new();
    BUILD.get_or_init(|| {
        let exe = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                format!("{}.{}.{}", m.len(), m.mtime(), m.mtime_nsec())
            })
            .unwrap_or_else(|_| format!("unknown-executable.{}", std::process::id()));
        format!("{}+{exe}", env!("CARGO_PKG_VERSION"))
    })
}

const MAGIC: &str = "maintdb-keys 1";

/// Writes the keys of a generation: a header naming the build, a line per page, and a last
/// line with the checksum of all before it.
pub fn write(path: &Path, keys: &[(&str, Key)]) -> std::io::Result<()> {
    let mut body = format!("{MAGIC} {}\n", build()).into_bytes();
    for (p, k) in keys {
        writeln!(body, "{k:032x} {p}")?;
    }
    let sum = fnv64(&body);
    writeln!(body, "{sum:016x}")?;
    // Named after the generation, so that the next render prunes it if this one is killed.
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    std::fs::write(&part, &body)?;
    std::fs::rename(&part, path)
}

/// The keys at `path`, when the file is whole and this build wrote it.
pub fn read(path: &Path) -> Option<HashMap<String, Key>> {
    let bytes = std::fs::read(path).ok()?;
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Option<HashMap<String, Key>> {
    let text = std::str::from_utf8(bytes).ok()?.strip_suffix('\n')?;
    let (body, sum) = text.rsplit_once('\n')?;
    let body = &bytes[..=body.len()];
    if u64::from_str_radix(sum, 16).ok()? != fnv64(body) {
        return None;
    }
    let mut lines = std::str::from_utf8(body).ok()?.lines();
    if lines.next()? != format!("{MAGIC} {}", build()) {
        return None;
    }
    lines
        .map(|l| {
            let (k, p) = l.split_once(' ')?;
            Some((p.to_owned(), Key::from_str_radix(k, 16).ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_keys_read_back_and_damaged_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let gen_dir = dir.path().join(".site.gen-1-abc");
        let path = path_of(&gen_dir);
        assert_eq!(path, dir.path().join(".site.gen-1-abc.keys"));
        let keys = [("packages/a.html", key(&"a")), ("people/b.txt", key(&1u8))];
        write(&path, &keys).unwrap();
        let read = read(&path).expect("whole keys read back");
        assert_eq!(read.len(), 2);
        assert_eq!(read["packages/a.html"], key(&"a"));
        let good = std::fs::read(&path).unwrap();
        // Cut short, a byte flipped, or written by another build: never trusted.
        assert!(parse(&good[..good.len() - 5]).is_none());
        for i in [0, 20, good.len() / 2, good.len() - 3] {
            let mut bad = good.clone();
            bad[i] ^= 1;
            assert!(parse(&bad).is_none(), "flipped byte {i}");
        }
        let other = String::from_utf8(good.clone())
            .unwrap()
            .replacen(build(), "0.0.0+other", 1);
        let (body, _) = other.trim_end().rsplit_once('\n').unwrap();
        let resummed = format!("{body}\n{:016x}\n", fnv64(format!("{body}\n").as_bytes()));
        assert!(parse(resummed.as_bytes()).is_none(), "another build's keys");
        assert!(parse(b"").is_none());
    }

    #[test]
    fn keys_differ_with_inputs() {
        assert_eq!(key(&("a", 1)), key(&("a", 1)));
        assert_ne!(key(&("a", 1)), key(&("a", 2)));
        assert_ne!(key(&Some("a")), key(&None::<&str>));
    }
}
