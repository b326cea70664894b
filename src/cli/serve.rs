//! `maintdb serve`: the lists and pages of a branch over HTTP.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use super::{Cli, EXIT_OK, EXIT_TOOL};
use crate::serve::admin::Auth;
use crate::serve::htpasswd::HtpasswdFile;
use crate::serve::{self, Options};

#[derive(clap::Args)]
pub struct Args {
    /// Where to listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The branch to serve (default: the one HEAD points to).
    #[arg(long)]
    branch: Option<String>,
    /// How often to look whether the branch moved, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    poll_ms: u64,
    /// Users of the admin API: an htpasswd file (bcrypt, as `htpasswd -B` writes).
    #[arg(long, value_name = "FILE")]
    htpasswd: Option<std::path::PathBuf>,
    /// Take the caller's identity from this header, set by a reverse proxy that authenticated
    /// them; believed only on connections from loopback or a --trusted-proxy. With --htpasswd
    /// too, a request without the header authenticates with basic auth.
    #[arg(long, value_name = "NAME")]
    trust_user_header: Option<String>,
    /// Serve the lists only; no admin API (for read replicas).
    #[arg(long)]
    read_only: bool,
    /// Close a connection whose request head has not arrived within this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    header_timeout: u64,
    /// Give up on a request whose body has not arrived within this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    body_timeout: u64,
    /// Also publish every commit served here, atomically, as `render --out DIR` does.
    #[arg(long, value_name = "DIR")]
    publish: Option<std::path::PathBuf>,
    /// At most this many connections at once.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    max_connections: usize,
    /// At most this many connections at once from one address (default: a quarter of
    /// --max-connections; a trusted proxy has no cap of its own).
    #[arg(long, value_name = "N")]
    max_connections_per_address: Option<usize>,
    /// A reverse proxy whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed
    /// (repeatable). None is trusted by default.
    #[arg(long, value_name = "ADDR")]
    trusted_proxy: Vec<std::net::IpAddr>,
    /// Answer `GET /metrics` (OpenMetrics text) on this address, a listener of its own; keep
    /// it on loopback or a management network. Off by default.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
}

pub fn run(cli: &Cli, args: &Args, _out: &mut dyn Write) -> anyhow::Result<i32> {
    let htpasswd = match (&args.htpasswd, args.read_only) {
        (Some(path), false) => match HtpasswdFile::open(path) {
            Ok(u) => Some(std::sync::Arc::new(u)),
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("the server did not start; make each line with htpasswd (-B for bcrypt)");
                return Ok(EXIT_TOOL);
            }
        },
        _ => None,
    };
    let header = args.trust_user_header.clone().filter(|_| !args.read_only);
    if header.is_some()
        && htpasswd.is_none()
        && !args.listen.ip().is_loopback()
        && args.trusted_proxy.is_empty()
    {
        eprintln!(
            "error: --trust-user-header needs a loopback --listen address or a --trusted-proxy: anyone who reaches the port could send the header"
        );
        return Ok(EXIT_TOOL);
    }
    let admin = (htpasswd.is_some() || header.is_some()).then_some(Auth { htpasswd, header });
    let opts = Options {
        repo: cli.location(None).dir,
        branch: args.branch.clone(),
        poll: Duration::from_millis(args.poll_ms),
        admin,
        publish: args.publish.clone(),
        proxies: serve::proxy::Proxies::new(args.trusted_proxy.clone()),
        metrics: args.metrics,
        limits: serve::Limits {
            connections: args.max_connections,
            per_address: args
                .max_connections_per_address
                .unwrap_or(args.max_connections / 4)
                .clamp(1, args.max_connections.max(1)),
            header_timeout: Duration::from_secs(args.header_timeout),
            body_timeout: Duration::from_secs(args.body_timeout),
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve::run(opts, args.listen, |addr, what| {
        eprintln!("serving {what} on http://{addr}/");
    }))?;
    Ok(EXIT_OK)
}
