//! `maintdb group add|add-member|remove-member`.

use std::io::Write;

use super::Cli;
use super::write::{Opts, run_op};
use crate::edit::ops;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Add a group.
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        email: Option<String>,
        /// A member; repeat for several (a group needs at least one).
        #[arg(long = "member", value_name = "LOGIN", required = true)]
        members: Vec<String>,
        #[command(flatten)]
        opts: Opts,
    },
    /// Add a member to a group.
    AddMember {
        name: String,
        login: String,
        #[command(flatten)]
        opts: Opts,
    },
    /// Remove a member from a group (members may remove themselves).
    RemoveMember {
        name: String,
        login: String,
        #[command(flatten)]
        opts: Opts,
    },
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    match &args.what {
        What::Add {
            name,
            description,
            email,
            members,
            opts,
        } => run_op(
            &dir,
            opts,
            |s| ops::group_add(s, name, description, email.as_deref(), members),
            out,
        ),
        What::AddMember { name, login, opts } => {
            run_op(&dir, opts, |s| ops::group_member(s, name, login, true), out)
        }
        What::RemoveMember { name, login, opts } => run_op(
            &dir,
            opts,
            |s| ops::group_member(s, name, login, false),
            out,
        ),
    }
}
