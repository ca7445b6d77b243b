//! # matchforge-runner
//!
//! The application layer of MatchForge: the [`Matchmaker`] services a game
//! backend calls (queue solo or as a party, parties, ready checks, dispatch,
//! results), the [`Runner`] tick loop, the [`Clock`](clock::Clock) and
//! [`IdGenerator`](ids::IdGenerator) ports, event subscriptions and metrics.
//!
//! Architecture invariant: this crate is the only one that reads time — through
//! a [`Clock`](clock::Clock), so a [`SimulatedClock`](clock::SimulatedClock)
//! makes every run reproducible — and the only one that generates ids. All
//! matching logic lives in `matchforge-core`; all state lives in the store.

pub mod clock;
pub mod ids;

mod events;
mod lobbies;
mod matchmaker;
mod metrics;
mod parties;
mod runner;
mod settings;
mod sweep;
mod tick;

pub use events::EventSubscription;
pub use lobbies::Reported;
pub use matchmaker::{Matchmaker, MatchmakerBuilder, PlayerStatus};
pub use runner::{Runner, StepReport};
pub use settings::QueueSettings;
pub use tick::QueueTick;
