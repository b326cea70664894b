//! Transparent decompression: gzip and xz are recognised by their magic bytes, never by a file
//! name, so a mirror that serves `Sources.xz` as `Sources` (or a saved file renamed) still reads.

use std::io::Read;

/// How a stream is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Xz,
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compression::Plain => "plain",
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
        })
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];

/// The compression that `head`, the first bytes of a stream, announce.
pub fn detect(head: &[u8]) -> Compression {
    if head.starts_with(XZ_MAGIC) {
        Compression::Xz
    } else if head.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else {
        Compression::Plain
    }
}

/// Reads the first bytes of `input` and returns its compression and a reader of the plain
/// bytes. Concatenated gzip members and xz streams are read as one, as `zcat` and `xzcat` do.
pub fn decoder<'a, R: Read + 'a>(
    mut input: R,
) -> std::io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut head = Vec::with_capacity(XZ_MAGIC.len());
    (&mut input)
        .take(XZ_MAGIC.len() as u64)
        .read_to_end(&mut head)?;
    let kind = detect(&head);
    let whole = std::io::Cursor::new(head).chain(input);
    let reader: Box<dyn Read + 'a> = match kind {
        Compression::Plain => Box::new(whole),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(whole)),
    };
    Ok((kind, reader))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"Package: a\nVersion: 1\nMaintainer: A <a@example.org>\n";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode(data: &[u8]) -> (Compression, std::io::Result<Vec<u8>>) {
        let (kind, mut r) = decoder(data).unwrap();
        let mut out = Vec::new();
        let res = r.read_to_end(&mut out).map(|_| out);
        (kind, res)
    }

    #[test]
    fn each_kind_by_its_magic() {
        assert_eq!(decode(TEXT).0, Compression::Plain);
        assert_eq!(decode(TEXT).1.unwrap(), TEXT);
        let (kind, out) = decode(&gzip(TEXT));
        assert_eq!((kind, out.unwrap().as_slice()), (Compression::Gzip, TEXT));
        let (kind, out) = decode(&xz(TEXT));
        assert_eq!((kind, out.unwrap().as_slice()), (Compression::Xz, TEXT));
        // Shorter than any magic number: plain.
        assert_eq!(decode(b"ab").1.unwrap(), b"ab");
        assert_eq!(decode(b"").1.unwrap(), b"");
    }

    #[test]
    fn concatenated_members_read_as_one() {
        let mut two = gzip(b"first\n");
        two.extend(gzip(b"second\n"));
        assert_eq!(decode(&two).1.unwrap(), b"first\nsecond\n");
        let mut two = xz(b"first\n");
        two.extend(xz(b"second\n"));
        assert_eq!(decode(&two).1.unwrap(), b"first\nsecond\n");
    }

    #[test]
    fn truncated_streams_fail() {
        let big: Vec<u8> = TEXT.iter().copied().cycle().take(200_000).collect();
        for packed in [gzip(&big), xz(&big)] {
            let cut = &packed[..packed.len() / 2];
            assert!(
                decode(cut).1.is_err(),
                "a stream cut in half must not read as complete"
            );
            let cut = &packed[..packed.len() - 4];
            assert!(
                decode(cut).1.is_err(),
                "a stream missing its trailer must not read as complete"
            );
        }
    }
}
