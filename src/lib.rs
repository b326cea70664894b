//! maintdb: package maintainership and point-release tracking records, kept as TOML in git.
//!
//! # Layers
//!
//! Data flows one way, and each module imports only the ones below it. At the bottom,
//! [`diag`] (diagnostics and the registry of every code a user sees), [`words`] (counts and
//! lists in English), [`names`] and
//! [`source`] (record bytes from a working tree or from git objects, and every git read by
//! path). Above them [`record`] (the TOML formats) and [`load`] (bytes to typed records), then
//! [`model`] and [`validate`] (the cross-file rules, whole-tree or following a change),
//! [`policy`] (who may change what) and [`gate`] (validation and policy for one change). On
//! top of the gate sit the writers ([`commit`], [`edit`], [`import`], [`track`]), the
//! server-side [`hook`], [`history`] and [`render`]; [`serve`] answers from [`render`] and
//! writes through [`edit`]; [`cli`] parses the command line and calls them. I/O happens at
//! the edges only: [`source`] and [`commit`] (git), [`fetch`] and `track`'s SOAP client and
//! mail transports (the network), `render::publish` (the output directory), [`serve`]
//! (sockets) and [`cli`] (the terminal). Everything else takes data and returns data.
#![forbid(unsafe_code)]

pub mod checksum;
pub mod cli;
pub mod commit;
pub mod diag;
pub mod edit;
pub mod fetch;
pub mod gate;
pub mod history;
pub mod hook;
pub mod import;
pub mod load;
pub mod model;
pub mod names;
pub mod policy;
pub mod record;
pub mod render;
pub mod serve;
pub mod source;
pub mod track;
pub mod validate;
pub mod words;
