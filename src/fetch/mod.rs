//! Reading an index from a file or an `http(s)://` URL: plain, gzip or xz (by magic bytes),
//! with connect and read timeouts, and a progress bar on a terminal. Every failure names the
//! input it happened to, so a user with five mirror URLs knows which one broke.

pub mod decode;
mod http;

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::time::Duration;

pub use decode::Compression;

/// Where an index comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Url(String),
}

impl Input {
    /// `http://` and `https://` are URLs; anything else is a path.
    pub fn parse(s: &str) -> Input {
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Input::Url(s.to_owned())
        } else {
            Input::Path(PathBuf::from(s))
        }
    }

    /// A short name for commit messages: the file name, or the URL's path after the host.
    pub fn short_name(&self) -> String {
        match self {
            Input::Path(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            Input::Url(u) => u
                .split_once("://")
                .map_or(u.as_str(), |(_, r)| r)
                .to_owned(),
        }
    }
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => write!(f, "{}", p.display()),
            Input::Url(u) => f.write_str(u),
        }
    }
}

/// How patient a download is, and whether it shows progress.
#[derive(Debug, Clone)]
pub struct Options {
    /// Giving up on a server that does not accept the connection.
    pub connect_timeout: Duration,
    /// Giving up on a server that stops sending, at any point of the answer.
    pub read_timeout: Duration,
    /// Draw a progress bar (bytes and rate) on standard error.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(60),
            progress: false,
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot read {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{url}: the URL is not valid")]
    BadUrl {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: cannot connect; check the host name, or whether the mirror is up")]
    Connect {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error(
        "{url}: the server answered {status}; check the URL (a mirror serves \
         dists/<codename>/<component>/source/Sources.xz)"
    )]
    Status {
        url: String,
        status: reqwest::StatusCode,
    },
    #[error("{input}: no data for {} s; the server stalled (try again later)", .after.as_secs())]
    Timeout { input: String, after: Duration },
    #[error("{input}: the download broke off after {bytes} bytes; try again")]
    Cut {
        input: String,
        bytes: u64,
        #[source]
        source: io::Error,
    },
    #[error("{input}: the {kind} data is damaged or cut short; fetch the file again")]
    Damaged {
        input: String,
        kind: Compression,
        #[source]
        source: io::Error,
    },
    #[error("{input}:{line}: not valid UTF-8; a Sources index is UTF-8 text")]
    NotUtf8 { input: String, line: usize },
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A failure of the bytes' carrier (file or connection), as opposed to the decoder. It travels
/// through the decoders inside an `io::Error` and is told apart at the end.
#[derive(Debug, thiserror::Error)]
#[error("after {bytes} bytes: {source}")]
struct CarrierError {
    bytes: u64,
    source: io::Error,
}

/// Counts what the carrier delivered and marks its errors as its own.
struct Carrier<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Carrier<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.bytes += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(source) => Err(io::Error::other(CarrierError {
                bytes: self.bytes,
                source,
            })),
        }
    }
}

/// Reads the whole of `input`, decompressed.
pub fn read(input: &Input, opts: &Options) -> Result<(Compression, Vec<u8>), FetchError> {
    let raw: Box<dyn Read> = match input {
        Input::Path(path) => Box::new(File::open(path).map_err(|source| FetchError::Open {
            path: path.clone(),
            source,
        })?),
        Input::Url(url) => http::get(url, opts)?,
    };
    let carrier = Carrier {
        inner: raw,
        bytes: 0,
    };
    let mut kind = Compression::Plain;
    let mut out = Vec::new();
    let result = decode::decoder(carrier).and_then(|(k, mut r)| {
        kind = k;
        r.read_to_end(&mut out)
    });
    match result {
        Ok(_) => Ok((kind, out)),
        Err(e) => Err(classify(e, input, kind, opts)),
    }
}

/// Reads the whole of `input` as UTF-8 text.
pub fn read_text(input: &Input, opts: &Options) -> Result<String, FetchError> {
    let (_, bytes) = read(input, opts)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        FetchError::NotUtf8 {
            input: input.to_string(),
            line: good.iter().filter(|&&b| b == b'\n').count() + 1,
        }
    })
}

fn classify(e: io::Error, input: &Input, kind: Compression, opts: &Options) -> FetchError {
    let carrier = e.get_ref().is_some_and(|inner| inner.is::<CarrierError>());
    if !carrier {
        return FetchError::Damaged {
            input: input.to_string(),
            kind,
            source: e,
        };
    }
    let CarrierError { bytes, source } = *e
        .into_inner()
        .expect("checked above")
        .downcast::<CarrierError>()
        .expect("checked above");
    match input {
        Input::Path(path) => FetchError::Open {
            path: path.clone(),
            source,
        },
        Input::Url(url) if http::is_timeout(&source) => FetchError::Timeout {
            input: url.clone(),
            after: opts.read_timeout,
        },
        Input::Url(url) => FetchError::Cut {
            input: url.clone(),
            bytes,
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert!(matches!(
            Input::parse("https://deb.debian.org/x"),
            Input::Url(_)
        ));
        assert!(matches!(Input::parse("HTTP://h/x"), Input::Url(_)));
        assert!(matches!(Input::parse("Sources.xz"), Input::Path(_)));
        assert!(matches!(Input::parse("./http://x"), Input::Path(_)));
        assert_eq!(
            Input::parse("http://deb.debian.org/debian/dists/x").short_name(),
            "deb.debian.org/debian/dists/x"
        );
        assert_eq!(Input::parse("/tmp/Sources.gz").short_name(), "Sources.gz");
    }

    #[test]
    fn a_broken_file_names_its_path() {
        let err = read(&Input::parse("/nonexistent/Sources"), &Options::default()).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/Sources"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("S");
        std::fs::write(&p, b"Package: a\nMaintainer: \xff\n").unwrap();
        let err = read_text(&Input::Path(p), &Options::default()).unwrap_err();
        assert!(matches!(err, FetchError::NotUtf8 { line: 2, .. }), "{err}");
    }
}
