//! Queues: match formats, the rules that decide who may play whom, and how those
//! rules relax as tickets wait.

mod config;
mod format;
mod rules;
mod widening;

pub use config::{QueueConfig, QueueSpec};
pub use format::MatchFormat;
pub use rules::{CustomRule, CustomRuleKind, PartyRule, RegionRule, RoleComposition, RoleSlot};
pub use widening::{Widening, WideningStep};
