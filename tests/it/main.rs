//! Integration tests: one binary, a module per area.

mod browser;
mod check;
mod cli;
mod hook;
mod import;
mod render;
mod support;
mod write;
