//! `maintdb person add|edit|sync`.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::PathBuf;

use super::write::{Opts, dry_run, run_op, write_findings};
use super::{Cli, EXIT_DATA};
use crate::edit::ops::{self, Limits, PersonFields, SyncReport};
use crate::gate::Finding;
use crate::import::directory::{self, Attributes, DirPerson};

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
    /// Bring the people records in step with a directory (LDAP, as LDIF).
    ///
    /// Reads LDIF as `ldapsearch -LLL` prints it and makes one commit: new people added,
    /// names and addresses updated, people gone from the directory marked inactive.
    Sync(SyncArgs),
}

#[derive(clap::Args)]
struct SyncArgs {
    /// The LDIF file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    ldif: PathBuf,
    /// The attribute that holds the login.
    #[arg(long, value_name = "ATTR", default_value = "uid")]
    login_attr: String,
    /// The attribute that holds the full name.
    #[arg(long, value_name = "ATTR", default_value = "cn")]
    name_attr: String,
    /// The attribute that holds the addresses: the first is the registered one, the
    /// others become aliases.
    #[arg(long, value_name = "ATTR", default_value = "mail")]
    email_attr: String,
    /// Refuse (changing nothing) when more people than this would be marked inactive: a
    /// search cut short must not retire everyone.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_inactive: usize,
    /// Print the plan, and commit nothing.
    #[arg(long, conflicts_with = "push")]
    dry_run: bool,
    #[command(flatten)]
    opts: Opts,
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
        What::Sync(a) => sync(&dir, a, out),
    }
}

fn sync(dir: &std::path::Path, a: &SyncArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    let people = match read_directory(a) {
        Ok(p) => p,
        Err(f) => {
            write_findings(&[f], &mut std::io::stderr())?;
            eprintln!("nothing was committed");
            return Ok(EXIT_DATA);
        }
    };
    let limits = Limits {
        max_inactive: a.max_inactive,
    };
    let report = RefCell::new(SyncReport::default());
    let plan = |s: &crate::edit::Session| {
        *report.borrow_mut() = SyncReport::default();
        ops::person_sync(s, &people, &limits, &mut report.borrow_mut())
    };
    let code = if a.dry_run {
        dry_run(
            dir,
            a.opts.as_.as_deref(),
            plan,
            || report.borrow().changes.clone(),
            out,
        )?
    } else {
        let code = run_op(dir, &a.opts, plan, out)?;
        if code == super::EXIT_OK {
            for c in &report.borrow().changes {
                writeln!(out, "  {c}")?;
            }
        }
        code
    };
    for w in &report.borrow().warnings {
        eprintln!("warning: {w}");
    }
    Ok(code)
}

/// The people of the LDIF input, or a refusal naming the input and line.
fn read_directory(a: &SyncArgs) -> Result<Vec<DirPerson>, Finding> {
    let name = a.ldif.display().to_string();
    let mut bytes = Vec::new();
    let read = if name == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(&a.ldif).map(|b| bytes = b)
    };
    let refusal = |line: Option<usize>, message: String| Finding {
        path: Some(match line {
            Some(l) => format!("{name}:{l}"),
            None => name.clone(),
        }),
        code: crate::diag::OpCode::MalformedInput.into(),
        message,
        help: "pass the directory's search output as LDIF (`ldapsearch -LLL ...`); nothing was \
               changed"
            .into(),
        note: None,
    };
    read.map_err(|e| refusal(None, format!("cannot read it: {e}")))?;
    let attrs = Attributes {
        login: a.login_attr.clone(),
        name: a.name_attr.clone(),
        email: a.email_attr.clone(),
    };
    crate::import::ldif::parse(&bytes)
        .and_then(|entries| directory::people(&entries, &attrs))
        .map(|(people, _)| people)
        .map_err(|e| refusal(Some(e.line), e.message))
}
