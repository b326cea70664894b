//! Tracking point-release fixes (docs/tracking.md): the BTS client, the archive's and the
//! security tracker's data, and the state machine that turns what they say into track records.

pub mod archive;
pub mod bts;
pub mod mail;
pub mod notify;
pub mod ops;
pub mod records;
pub mod security;
pub mod soap;
pub mod sync;
pub mod world;
