//! The history cache, `<git dir>/maintdb/history.bin`: a header, then one record per commit,
//! appended oldest first. A record is its length, its bytes and their CRC-32; a reader jumps
//! from length to length to index the records by commit id, checks each one, and decodes
//! only the commits the branch it follows needs. A record that does not check out
//! (a crash cut it short, a disk flipped a bit, someone edited it) is never trusted: its commit
//! and every one after it are read from git again and the cache is rewritten whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{CommitEvents, Event, Kind};

/// The first bytes of the file: the format and its version.
const MAGIC: &[u8; 16] = b"maintdb-history2";

fn crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

pub fn path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("maintdb").join("history.bin")
}

/// The cache of an older maintdb, removed when the new one is written.
fn old_path(path: &Path) -> PathBuf {
    path.with_file_name("history.jsonl")
}

/// A cache's records, indexed by commit id, decoded on demand.
#[derive(Default)]
pub struct Loaded {
    bytes: Vec<u8>,
    /// Where each commit's record is.
    index: gix::hashtable::HashMap<gix::ObjectId, std::ops::Range<usize>>,
    /// Some of the file did not check out.
    pub damaged: bool,
}

impl Loaded {
    /// How many records checked out.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The commit ids of the records that checked out.
    pub fn ids(&self) -> Vec<gix::ObjectId> {
        self.index.keys().copied().collect()
    }

    /// Whether a record of commit `id` checked out.
    pub fn has(&self, id: &gix::oid) -> bool {
        self.index.contains_key(id)
    }

    /// The cached events of commit `id`, when a sound record holds them.
    pub fn get(&mut self, id: &gix::oid) -> Option<CommitEvents> {
        let range = self.index.get(id)?.clone();
        let got = decode(&self.bytes[range]).filter(|c| hex_is(&c.id, id));
        if got.is_none() {
            // The checksum held but the record does not decode: not as this cache writes.
            self.damaged = true;
        }
        got
    }
}

fn hex_is(hex: &str, id: &gix::oid) -> bool {
    gix::ObjectId::from_hex(hex.as_bytes()).is_ok_and(|h| h == id)
}

/// Loads the cache; a missing file is an empty cache.
pub fn load(path: &Path) -> Loaded {
    std::fs::read(path).map(read).unwrap_or_default()
}

/// Indexes a cache's records; anything that is not as [`append`] wrote it marks the cache
/// damaged, and the records after it are not used.
pub fn read(bytes: Vec<u8>) -> Loaded {
    let mut out = Loaded::default();
    let Some(mut rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        out.damaged = !bytes.is_empty();
        out.bytes = bytes;
        return out;
    };
    let mut at = MAGIC.len();
    while !rest.is_empty() {
        let Some((range, id, len)) = record(rest, at) else {
            out.damaged = true;
            break;
        };
        out.index.insert(id, range);
        rest = &rest[len..];
        at += len;
    }
    out.bytes = bytes;
    out
}

/// The record at the start of `rest` (which is at `at` in the file): where its payload is,
/// its commit id, and its whole length.
fn record(rest: &[u8], at: usize) -> Option<(std::ops::Range<usize>, gix::ObjectId, usize)> {
    let (len, after) = rest.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    let payload = after.get(..len)?;
    let (sum, _) = after.get(len..)?.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*sum) != crc(payload) {
        return None;
    }
    let (&id_len, id) = payload.split_first()?;
    let id = gix::ObjectId::try_from(id.get(..usize::from(id_len))?).ok()?;
    Some((at + 4..at + 4 + len, id, 4 + len + 4))
}

/// Appends the commits read this time. Records never change (a commit's events depend only
/// on the commit), so the file only grows.
pub fn append(path: &Path, commits: &[&CommitEvents]) -> std::io::Result<()> {
    let dir = path.parent().expect("the cache lives in a directory");
    std::fs::create_dir_all(dir)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let fresh = file.metadata()?.len() == 0;
    let mut out = std::io::BufWriter::new(file);
    if fresh {
        out.write_all(MAGIC)?;
    }
    write_records(&mut out, commits)?;
    out.into_inner().map_err(|e| e.into_error())?;
    let _ = std::fs::remove_file(old_path(path));
    Ok(())
}

/// Writes the cache anew with `commits`, oldest first, replacing a damaged one in one rename.
pub fn rewrite(path: &Path, commits: &[&CommitEvents]) -> std::io::Result<()> {
    let dir = path.parent().expect("the cache lives in a directory");
    std::fs::create_dir_all(dir)?;
    let mut out = std::io::BufWriter::new(tempfile::NamedTempFile::new_in(dir)?);
    out.write_all(MAGIC)?;
    write_records(&mut out, commits)?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.persist(path).map_err(|e| e.error)?;
    let _ = std::fs::remove_file(old_path(path));
    Ok(())
}

/// Writes the records of `commits` through a buffer (ten thousand commits' records made in
/// memory first would be megabytes of fresh pages) and one payload reused for each.
fn write_records(out: &mut impl Write, commits: &[&CommitEvents]) -> std::io::Result<()> {
    let mut payload = Vec::with_capacity(256);
    for c in commits {
        payload.clear();
        encode_payload(&mut payload, c);
        let len = u32::try_from(payload.len()).expect("a commit's record is under 4 GiB");
        out.write_all(&len.to_le_bytes())?;
        out.write_all(&payload)?;
        out.write_all(&crc(&payload).to_le_bytes())?;
    }
    Ok(())
}

fn encode_payload(p: &mut Vec<u8>, c: &CommitEvents) {
    let raw = |hex: &str| {
        gix::ObjectId::from_hex(hex.as_bytes())
            .expect("a commit id is hex")
            .as_bytes()
            .to_vec()
    };
    let id = raw(&c.id);
    p.push(u8::try_from(id.len()).expect("an object id is short"));
    p.extend_from_slice(&id);
    match &c.parent {
        Some(parent) => {
            let parent = raw(parent);
            p.push(u8::try_from(parent.len()).expect("an object id is short"));
            p.extend_from_slice(&parent);
        }
        None => p.push(0),
    }
    put_str(p, &c.author);
    put_str(p, &c.email);
    p.extend_from_slice(&c.time.to_le_bytes());
    p.extend_from_slice(&c.offset.to_le_bytes());
    put_str(p, &c.subject);
    put_len(p, c.events.len());
    for e in &c.events {
        put_str(p, &e.package);
        let (tag, lists): (u8, [&[String]; 2]) = match &e.kind {
            Kind::Added { maintainers } => (0, [maintainers, &[]]),
            Kind::Removed => (1, [&[], &[]]),
            Kind::Takes { who } => (2, [who, &[]]),
            Kind::Drops { who } => (3, [who, &[]]),
            Kind::HandedOver { from, to } => (4, [from, to]),
        };
        p.push(tag);
        for l in lists {
            put_len(p, l.len());
            for s in l {
                put_str(p, s);
            }
        }
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).expect("under 4 G").to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads a record's payload back; `None` when it is not as [`encode_payload`] writes.
fn decode(p: &[u8]) -> Option<CommitEvents> {
    let mut r = Reader(p);
    let id = r.id()?;
    let parent = match r.0.first()? {
        0 => {
            r.byte()?;
            None
        }
        _ => Some(r.id()?),
    };
    let author = r.str()?;
    let email = r.str()?;
    let time = i64::from_le_bytes(*r.array()?);
    let offset = i32::from_le_bytes(*r.array()?);
    let subject = r.str()?;
    let n = r.len()?;
    let mut events = Vec::with_capacity(n.min(r.0.len()));
    for _ in 0..n {
        let package = r.str()?;
        let tag = r.byte()?;
        let first = r.list()?;
        let second = r.list()?;
        let kind = match (tag, second.is_empty()) {
            (0, true) => Kind::Added { maintainers: first },
            (1, true) if first.is_empty() => Kind::Removed,
            (2, true) => Kind::Takes { who: first },
            (3, true) => Kind::Drops { who: first },
            (4, _) => Kind::HandedOver {
                from: first,
                to: second,
            },
            _ => return None,
        };
        events.push(Event { package, kind });
    }
    r.0.is_empty().then_some(CommitEvents {
        id,
        parent,
        author,
        email,
        time,
        offset,
        subject,
        events,
    })
}

/// An object id's bytes as hex; `None` when they are not an object id.
fn hex(raw: &[u8]) -> Option<String> {
    let id = gix::hash::oid::try_from_bytes(raw).ok()?;
    let mut buf = [0u8; 64];
    Some(id.hex_to_buf(&mut buf).to_owned())
}

/// A cursor over a record's bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<&'a [u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn len(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(*self.array()?) as usize)
    }

    fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_owned)
    }

    fn list(&mut self) -> Option<Vec<String>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n.min(self.0.len() / 4));
        for _ in 0..n {
            out.push(self.str()?);
        }
        Some(out)
    }

    /// An object id: SHA-1 or SHA-256 bytes, as hex.
    fn id(&mut self) -> Option<String> {
        let n = self.byte()?;
        [20, 32].contains(&n).then_some(())?;
        hex(self.take(usize::from(n))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(id: u8, parent: Option<u8>) -> CommitEvents {
        let hex = |b: u8| format!("{b:02x}").repeat(20);
        CommitEvents {
            id: hex(id),
            parent: parent.map(hex),
            author: "Ann Ö".into(),
            email: "ann@example.org".into(),
            time: 1_700_000_000 + i64::from(id),
            offset: -3600,
            subject: "a subject".into(),
            events: vec![
                Event {
                    package: "p".into(),
                    kind: Kind::HandedOver {
                        from: vec!["a".into()],
                        to: vec!["b".into(), "%g".into()],
                    },
                },
                Event {
                    package: "q".into(),
                    kind: Kind::Removed,
                },
                Event {
                    package: "r".into(),
                    kind: Kind::Added {
                        maintainers: vec![],
                    },
                },
            ],
        }
    }

    #[test]
    fn records_read_back_and_damage_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("maintdb/history.bin");
        let (a, b) = (commit(1, None), commit(2, Some(1)));
        append(&path, &[&a]).unwrap();
        append(&path, &[&b]).unwrap();
        let mut loaded = load(&path);
        assert!(!loaded.damaged);
        assert_eq!(loaded.len(), 2);
        let raw = |c: &CommitEvents| gix::ObjectId::from_hex(c.id.as_bytes()).unwrap();
        assert_eq!(loaded.get(&raw(&a)), Some(a.clone()));
        assert_eq!(loaded.get(&raw(&b)), Some(b.clone()));
        let good = std::fs::read(&path).unwrap();
        // Cut short anywhere in the second record: the first still serves, damage is seen.
        let first_end =
            MAGIC.len() + 4 + u32::from_le_bytes(good[16..20].try_into().unwrap()) as usize + 4;
        for cut in [first_end + 1, first_end + 30, good.len() - 1] {
            let mut l = read(good[..cut].to_vec());
            assert!(l.damaged, "cut at {cut}");
            assert_eq!(l.len(), 1);
            assert_eq!(l.get(&raw(&a)), Some(a.clone()));
        }
        // Any flipped byte: the record it is in is not used.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x04;
            let mut l = read(bad);
            assert!(l.damaged, "flipped byte {i}");
            for c in [&a, &b] {
                if let Some(got) = l.get(&raw(c)) {
                    assert_eq!(&got, c, "flipped byte {i}");
                }
            }
        }
        // An old or foreign file is damaged, not read.
        assert!(read(b"0123456789abcdef {}\n".to_vec()).damaged);
        assert!(!read(Vec::new()).damaged);
    }

    #[test]
    fn a_rewrite_replaces_the_old_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.bin");
        std::fs::write(old_path(&path), "old").unwrap();
        std::fs::write(&path, "garbage").unwrap();
        let a = commit(7, None);
        rewrite(&path, &[&a]).unwrap();
        let l = load(&path);
        assert!(!l.damaged && l.len() == 1);
        assert!(!old_path(&path).exists());
    }
}
