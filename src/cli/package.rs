//! `maintdb new`, `set` and `remove`: the build system's and admins' package commands.

use std::io::Write;

use super::Cli;
use super::write::{Opts, run_op};
use crate::edit::ops;

#[derive(clap::Args)]
pub struct NewArgs {
    package: String,
    /// Logins or `%group`s, in order.
    #[arg(required = true)]
    maintainers: Vec<String>,
    #[command(flatten)]
    opts: Opts,
}

#[derive(clap::Args)]
pub struct SetArgs {
    package: String,
    /// Logins or `%group`s, in order; `nobody` or none: unmaintained.
    maintainers: Vec<String>,
    #[command(flatten)]
    opts: Opts,
}

#[derive(clap::Args)]
pub struct RemoveArgs {
    package: String,
    #[command(flatten)]
    opts: Opts,
}

pub fn new(cli: &Cli, a: &NewArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    run_op(
        &cli.location(None).dir,
        &a.opts,
        |s| ops::new_package(s, &a.package, &a.maintainers),
        out,
    )
}

pub fn set(cli: &Cli, a: &SetArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    run_op(
        &cli.location(None).dir,
        &a.opts,
        |s| ops::set_package(s, &a.package, &a.maintainers),
        out,
    )
}

pub fn remove(cli: &Cli, a: &RemoveArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    run_op(
        &cli.location(None).dir,
        &a.opts,
        |s| ops::remove_package(s, &a.package),
        out,
    )
}
