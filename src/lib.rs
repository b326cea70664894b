//! maintdb: package maintainership and point-release tracking records, kept as TOML in git.
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
