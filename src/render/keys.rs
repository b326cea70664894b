//! What a generation's pages were made from: beside each generation, `<generation>.keys`
//! names the commit it was rendered from and lists the page of every package, person, group
//! and shard with the hash of its inputs. The next render makes only the pages whose inputs
//! hash differently and hard-links the others from that generation; a package nothing touched
//! since that commit is not even hashed again. A file that does not check out, or that
//! another build of maintdb wrote (its templates may differ), is not used: that render makes
//! every page.

use std::hash::{BuildHasher as _, Hash};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The hash of a page's inputs: equal keys, equal bytes.
pub type Key = u128;

/// 128 bits of SipHash-1-3 in one pass over the inputs: a quarter of a million pages never
/// meet a collision, which would keep a stale page.
pub fn key(inputs: &impl Hash) -> Key {
    use siphasher::sip128::Hasher128;
    let mut h = siphasher::sip128::SipHasher13::new();
    inputs.hash(&mut h);
    h.finish128().into()
}

/// A writer that keys the bytes going through it, for a page written as it is made: the
/// same bytes get the same key (the length goes in last, not first as with [`key`]).
pub struct Keyed<W> {
    out: W,
    hash: siphasher::sip128::SipHasher13,
    len: u64,
}

impl<W: std::io::Write> Keyed<W> {
    pub fn new(out: W) -> Keyed<W> {
        Keyed {
            out,
            hash: siphasher::sip128::SipHasher13::new(),
            len: 0,
        }
    }

    /// The key of everything written, once it is flushed.
    pub fn finish(mut self) -> std::io::Result<Key> {
        use siphasher::sip128::Hasher128;
        use std::hash::Hasher;
        self.out.flush()?;
        self.hash.write_u64(self.len);
        Ok(self.hash.finish128().into())
    }
}

impl<W: std::io::Write> std::io::Write for Keyed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use std::hash::Hasher;
        let n = self.out.write(buf)?;
        self.hash.write(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// How a folder is listed among the pages: by its path and a slash (`packages/`; `/` for
/// the generation's own).
pub fn folder(rel: &str) -> String {
    format!("{rel}/")
}

pub fn is_folder(listed: &str) -> bool {
    listed.ends_with('/')
}

/// What a folder is now: its inode, size and times. Adding, removing or renaming a file in it
/// changes it, so a generation whose folders all still match what its keys file says has the
/// pages the file lists (without a look at each page).
pub fn folder_stamp(path: &Path) -> Option<Key> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    m.is_dir().then(|| {
        key(&(
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        ))
    })
}

/// Whether every folder the keys of `generation` list is as they say.
pub fn folders_hold(generation: &Path, keys: &Keys) -> bool {
    let mut folders = keys.folders().peekable();
    folders.peek().is_some()
        && folders.all(|(p, k)| {
            let rel = p.trim_end_matches('/');
            folder_stamp(&generation.join(rel)) == Some(k)
        })
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

const MAGIC: &str = "maintdb-keys 4";

/// What a generation was rendered from, besides each page's own inputs: the commit, and the
/// key of what every package's page shows beside its own record and history (the layout,
/// the bug links, the tracks). A later render that reaches the same `shared` key keeps the
/// keys of the packages nothing touched since `commit`, without keying them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub commit: String,
    pub shared: Key,
}

/// The checksum of a keys file's body (CRC-32: a file of 13 MB sums in a few milliseconds).
fn sum(body: &[u8]) -> u32 {
    crc32fast::hash(body)
}

/// Writes the keys of a generation: a header naming the build, a line with its [`Origin`], a
/// line per page (its key's 16 bytes, little-endian, then its path), and a last line with the
/// checksum of all before it.
pub fn write<'a>(
    path: &Path,
    origin: &Origin,
    keys: impl IntoIterator<Item = (&'a str, Key)>,
) -> std::io::Result<()> {
    // Named after the generation, so that the next render prunes it if this one is killed.
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let written = write_part(&part, origin, keys);
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written?;
    std::fs::rename(&part, path)
}

fn write_part<'a>(
    part: &Path,
    origin: &Origin,
    keys: impl IntoIterator<Item = (&'a str, Key)>,
) -> std::io::Result<()> {
    // Streamed through a small buffer and summed on the way: the file is 13 MB for a
    // hundred thousand packages, which a whole copy in memory would first have to fault in.
    let mut out = std::io::BufWriter::with_capacity(
        1 << 16,
        Summed {
            file: std::fs::File::create(part)?,
            sum: crc32fast::Hasher::new(),
        },
    );
    writeln!(out, "{MAGIC} {}", build())?;
    writeln!(out, "{} {:032x}", origin.commit, origin.shared)?;
    for (p, k) in keys {
        // A line break would end the path early: the lines after it would be read wrong.
        if p.contains('\n') {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the page path {p:?} holds a line break"),
            ));
        }
        // The key as it is in memory, not in hex: half the bytes to write and to read back.
        out.write_all(&k.to_le_bytes())?;
        out.write_all(p.as_bytes())?;
        out.write_all(b"\n")?;
    }
    let Summed { mut file, sum } = out.into_inner().map_err(|e| e.into_error())?;
    writeln!(file, "{:08x}", sum.finalize())
}

/// A writer that sums what goes through it.
struct Summed<W> {
    file: W,
    sum: crc32fast::Hasher,
}

impl<W: std::io::Write> std::io::Write for Summed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.sum.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The keys of a generation, in the order they were written: the site's paths, then its
/// folders. A render of the next commit asks for its paths in nearly the same order, so a
/// lookup is first a look at the same line, and only then a search.
#[derive(Debug)]
pub struct Keys {
    origin: Origin,
    /// The file's bytes: the paths are slices of it, not a string each.
    bytes: Vec<u8>,
    /// Each line's path (a range of `bytes`, checked to be UTF-8) and key.
    list: Vec<(std::ops::Range<u32>, Key)>,
    /// Positions in `list`, by path: made on the first lookup that misses its line (a page
    /// added or gone shifts the lines after it).
    index: OnceLock<(hashbrown::DefaultHashBuilder, hashbrown::HashTable<u32>)>,
}

impl Keys {
    fn path(&self, j: usize) -> &[u8] {
        let r = &self.list[j].0;
        &self.bytes[r.start as usize..r.end as usize]
    }

    /// What the generation was rendered from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The key of `rel`, which the caller asks for as its `i`-th path.
    pub fn get(&self, i: usize, rel: &str) -> Option<Key> {
        let rel = rel.as_bytes();
        if i < self.list.len() && self.path(i) == rel {
            return Some(self.list[i].1);
        }
        // A table by hash, not a sort: a third of a million paths sort in tens of
        // milliseconds, which every worker waits for.
        let (hasher, index) = self.index.get_or_init(|| {
            let hasher = hashbrown::DefaultHashBuilder::default();
            let mut index = hashbrown::HashTable::with_capacity(self.list.len());
            for j in 0..self.list.len() {
                index.insert_unique(hasher.hash_one(self.path(j)), j as u32, |&k| {
                    hasher.hash_one(self.path(k as usize))
                });
            }
            (hasher, index)
        });
        index
            .find(hasher.hash_one(rel), |&j| self.path(j as usize) == rel)
            .map(|&j| self.list[j as usize].1)
    }

    fn all(&self) -> impl Iterator<Item = (&str, Key)> {
        // Every path was checked to be UTF-8 when the file was read.
        (0..self.list.len()).map(|j| {
            (
                std::str::from_utf8(self.path(j)).unwrap_or_default(),
                self.list[j].1,
            )
        })
    }

    /// The pages listed (not the folders).
    pub fn pages(&self) -> impl Iterator<Item = &str> {
        self.all().map(|(p, _)| p).filter(|p| !is_folder(p))
    }

    /// The folders listed, with their stamps.
    pub fn folders(&self) -> impl Iterator<Item = (&str, Key)> {
        self.all().filter(|(p, _)| is_folder(p))
    }
}

/// The keys at `path`, when the file is whole and this build wrote it.
pub fn read(path: &Path) -> Option<Keys> {
    let bytes = std::fs::read(path).ok()?;
    parse(bytes)
}

/// The value of each hex digit this file is written with; 0xff for any other byte.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

fn hex(s: &[u8]) -> Option<Key> {
    // Lowercase digits only, without a branch per digit.
    let mut bad = 0;
    let k = s.iter().fold(0u128, |k, c| {
        let d = HEX_VALUE[usize::from(*c)];
        bad |= d;
        (k << 4) | Key::from(d & 0xf)
    });
    (bad & 0xf0 == 0).then_some(k)
}

fn parse(mut bytes: Vec<u8>) -> Option<Keys> {
    // The last line is the checksum of everything before it, which ends with a line break.
    let sum_at = bytes.len().checked_sub(9)?;
    let (body, sum_line) = bytes.split_at(sum_at);
    let sum_line = std::str::from_utf8(sum_line.strip_suffix(b"\n")?).ok()?;
    if !body.ends_with(b"\n") || u32::from_str_radix(sum_line, 16).ok()? != sum(body) {
        return None;
    }
    bytes.truncate(sum_at);
    // Offsets into the bytes are kept as u32: a larger file is not one this build wrote.
    u32::try_from(bytes.len()).ok()?;
    let line = |from: usize| -> Option<(&str, usize)> {
        let end = from + bytes.get(from..)?.iter().position(|b| *b == b'\n')?;
        Some((std::str::from_utf8(&bytes[from..end]).ok()?, end + 1))
    };
    let (header, at) = line(0)?;
    if header != format!("{MAGIC} {}", build()) {
        return None;
    }
    let (origin, mut at) = line(at)?;
    let (commit, shared) = origin.split_once(' ')?;
    let origin = Origin {
        commit: commit.to_owned(),
        shared: hex(shared.as_bytes()).filter(|_| shared.len() == 32)?,
    };
    // Every line is at least a key, one byte of path and its end: enough room without a
    // count first.
    let mut list = Vec::with_capacity((bytes.len() - at) / 18);
    while at < bytes.len() {
        let key = Key::from_le_bytes(bytes.get(at..at + 16)?.try_into().ok()?);
        let from = at + 16;
        let (_, next) = line(from)?;
        list.push((from as u32..(next - 1) as u32, key));
        at = next;
    }
    Some(Keys {
        origin,
        bytes,
        list,
        index: OnceLock::new(),
    })
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
        let origin = Origin {
            commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            shared: key(&"layout"),
        };
        write(&path, &origin, keys).unwrap();
        let read = read(&path).expect("whole keys read back");
        assert_eq!(read.origin(), &origin);
        assert_eq!(read.pages().count(), 2);
        assert_eq!(read.get(0, "packages/a.html"), Some(key(&"a")));
        assert_eq!(
            read.get(0, "people/b.txt"),
            Some(key(&1u8)),
            "found off its line"
        );
        assert_eq!(read.get(5, "nothing"), None);
        let good = std::fs::read(&path).unwrap();
        // Cut short, a byte flipped, or written by another build: never trusted.
        assert!(parse(good[..good.len() - 5].to_vec()).is_none());
        for i in [0, 20, good.len() / 2, good.len() - 3] {
            let mut bad = good.clone();
            bad[i] ^= 1;
            assert!(parse(bad).is_none(), "flipped byte {i}");
        }
        let (header, rest) = good.split_at(good.iter().position(|b| *b == b'\n').unwrap());
        let other = [
            String::from_utf8(header.to_vec())
                .unwrap()
                .replacen(build(), "0.0.0+other", 1)
                .as_bytes(),
            rest,
        ]
        .concat();
        let body = &other[..other.len() - 9];
        let resummed = [body, format!("{:08x}\n", sum(body)).as_bytes()].concat();
        assert!(parse(resummed).is_none(), "another build's keys");
        let same = [
            &good[..good.len() - 9],
            format!("{:08x}\n", sum(&good[..good.len() - 9])).as_bytes(),
        ]
        .concat();
        assert!(parse(same).is_some(), "re-summed as it was: read");
        assert!(parse(Vec::new()).is_none());
    }

    #[test]
    fn a_path_with_a_line_break_is_refused_and_nothing_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".site.gen-1-abc.keys");
        let origin = Origin {
            commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            shared: 0,
        };
        let err = write(&path, &origin, [("packages/a\nb.html", 1)]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no keys, no part"
        );
    }

    #[test]
    fn keys_are_read_in_lowercase_hex_only() {
        let k: Key = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        assert_eq!(hex(format!("{k:032x}").as_bytes()), Some(k));
        assert_eq!(hex(b"ff"), Some(0xff));
        for bad in ["0A", "g0", " 1", "-1", "+1", "1\n"] {
            assert_eq!(hex(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn keys_differ_with_inputs() {
        assert_eq!(key(&("a", 1)), key(&("a", 1)));
        assert_ne!(key(&("a", 1)), key(&("a", 2)));
        assert_ne!(key(&Some("a")), key(&None::<&str>));
    }

    #[test]
    fn a_page_written_in_pieces_is_keyed_as_its_bytes() {
        let keyed = |pieces: &[&[u8]]| {
            let mut out = Keyed::new(Vec::new());
            for p in pieces {
                out.write_all(p).unwrap();
            }
            out.finish().unwrap()
        };
        let whole = keyed(&[b"packages.txt: zlib:alice\n"]);
        assert_eq!(whole, keyed(&[b"packages.txt: ", b"zlib:al", b"ice\n"]));
        assert_eq!(whole, keyed(&[b"", b"packages.txt: zlib:alice\n", b""]));
        assert_ne!(whole, keyed(&[b"packages.txt: zlib:alice\n\n"]));
        assert_ne!(whole, keyed(&[b"packages.txt: zlib:alicf\n"]));
        assert_ne!(keyed(&[]), keyed(&[b"\0"]));
    }
}
