//! # matchforge-core
//!
//! The pure domain of MatchForge: skill ratings, tickets and queue rules, the
//! matcher, team balancing, lobbies, parties, and the port traits that storage
//! adapters implement.
//!
//! Architecture invariant: nothing in this crate performs IO, reads a clock or
//! draws random numbers. Time (`now`) and ids are always parameters; the
//! dependency tree has no async runtime and no database driver (CI checks it).

pub mod error;
pub mod event;
pub mod history;
pub mod ids;
pub mod lobby;
pub mod matcher;
pub mod party;
pub mod ports;
pub mod queue;
pub mod rating;
pub mod teams;
pub mod ticket;

pub use error::{Error, Result};
