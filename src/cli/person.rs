//! `maintdb person add|edit`.

use std::io::Write;

use super::Cli;
use super::write::{Opts, run_op};
use crate::edit::ops::{self, PersonFields};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Args)]
struct Fields {
    /// Full name.
    #[arg(long)]
    name: Option<String>,
    /// Registered address (commit author address).
    #[arg(long)]
    email: Option<String>,
    /// Other addresses; repeat for several (replaces the list).
    #[arg(long = "alias", value_name = "EMAIL")]
    aliases: Vec<String>,
    /// Mark the person inactive (or active again with `--inactive false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    inactive: Option<bool>,
}

impl Fields {
    fn to_fields(&self) -> PersonFields {
        PersonFields {
            name: self.name.clone(),
            email: self.email.clone(),
            aliases: (!self.aliases.is_empty()).then(|| self.aliases.clone()),
            inactive: self.inactive,
        }
    }
}

#[derive(clap::Subcommand)]
enum What {
    /// Add a person.
    Add {
        login: String,
        #[command(flatten)]
        fields: Fields,
        #[command(flatten)]
        opts: Opts,
    },
    /// Change fields of a person.
    Edit {
        login: String,
        #[command(flatten)]
        fields: Fields,
        #[command(flatten)]
        opts: Opts,
    },
}

pub fn run(cli: &Cli, args: &Args, out: &mut dyn Write) -> anyhow::Result<i32> {
    let dir = cli.location(None).dir;
    match &args.what {
        What::Add {
            login,
            fields,
            opts,
        } => {
            let f = fields.to_fields();
            run_op(&dir, opts, |s| ops::person_add(s, login, &f), out)
        }
        What::Edit {
            login,
            fields,
            opts,
        } => {
            let f = fields.to_fields();
            run_op(&dir, opts, |s| ops::person_edit(s, login, &f), out)
        }
    }
}
