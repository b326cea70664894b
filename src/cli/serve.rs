//! `maintdb serve`: the lists and pages of a branch over HTTP.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use super::{Cli, EXIT_OK};
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
    #[arg(long, value_name = "MS", default_value_t = 200)]
    poll_ms: u64,
}

pub fn run(cli: &Cli, args: &Args, _out: &mut dyn Write) -> anyhow::Result<i32> {
    let opts = Options {
        repo: cli.location(None).dir,
        branch: args.branch.clone(),
        poll: Duration::from_millis(args.poll_ms),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve::run(opts, args.listen, |addr, what| {
        eprintln!("serving {what} on http://{addr}/");
    }))?;
    Ok(EXIT_OK)
}
