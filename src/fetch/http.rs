//! `GET` over HTTP(S) with reqwest (rustls): a `User-Agent`, connect and read timeouts, a
//! status check, and a progress bar with bytes and rate when asked for.

use std::io::Read;

use super::{FetchError, Options};

const USER_AGENT: &str = concat!("maintdb/", env!("CARGO_PKG_VERSION"));

/// Starts the download of `url` and returns its body as a reader.
pub(super) fn get(url: &str, opts: &Options) -> Result<Box<dyn Read>, FetchError> {
    // The blocking client's `timeout` bounds every wait: for the answer's head, and for each
    // read of the body. A slow but moving download is never cut; a stalled one is.
    let client = reqwest::blocking::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.read_timeout)
        .build()
        .map_err(FetchError::Client)?;
    let response = client.get(url).send().map_err(|source| {
        if source.is_builder() {
            FetchError::BadUrl {
                url: url.to_owned(),
                source,
            }
        } else if source.is_timeout() {
            FetchError::Timeout {
                input: url.to_owned(),
                after: opts.read_timeout,
            }
        } else {
            FetchError::Connect {
                url: url.to_owned(),
                source,
            }
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status,
        });
    }
    if !opts.progress {
        return Ok(Box::new(response));
    }
    let bar = match response.content_length() {
        Some(len) => indicatif::ProgressBar::new(len).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .expect("a valid progress template"),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
                .expect("a valid progress template"),
        ),
    };
    let name = url.rsplit('/').take(4).collect::<Vec<_>>();
    bar.set_message(name.into_iter().rev().collect::<Vec<_>>().join("/"));
    Ok(Box::new(Finishing(bar.wrap_read(response))))
}

/// Clears the bar once the body is read, so the summary that follows stands alone.
struct Finishing<R>(indicatif::ProgressBarIter<R>);

impl<R: Read> Read for Finishing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        if n == 0 {
            self.0.progress.finish_and_clear();
        }
        Ok(n)
    }
}

/// Whether an error from reading a body is reqwest's read timeout.
pub(super) fn is_timeout(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}
