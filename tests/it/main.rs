//! Integration tests: one binary, a module per area.

mod browser;
mod check;
mod cli;
mod compat;
mod fetch;
mod follow;
mod hook;
mod hostile;
mod htpasswd;
mod httpd;
mod import;
mod import_sync;
mod kill;
mod layers;
mod mail;
mod merges;
mod props;
mod register;
mod render;
mod replay;
mod serve;
mod serve_admin;
mod serve_hostile;
mod support;
mod track;
mod write;
