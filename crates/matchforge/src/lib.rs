//! # MatchForge
//!
//! Matchmaking you embed in your game backend: skill ratings, queues whose
//! rules relax as players wait, parties, balanced teams with roles, lobbies with
//! ready checks, and state kept in memory, Redis or Postgres.
//!
//! ```
//! use matchforge::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> matchforge::Result<()> {
//! let forge = MatchForge::builder()
//!     .algorithm(Glicko2::default())
//!     .queue(
//!         QueueSpec::new("ranked-1v1", MatchFormat::one_v_one())
//!             .with_rating_window(Widening::linear(100.0, 10.0, 400.0)?)
//!             .build()?,
//!     )
//!     .build()?;
//!
//! let alice = PlayerId::from_u128(1);
//! let bob = PlayerId::from_u128(2);
//! forge.join("ranked-1v1", alice, Attributes::new(), &[]).await?;
//! forge.join("ranked-1v1", bob, Attributes::new(), &[]).await?;
//!
//! // One round of the tick loop (or `forge.run(shutdown)` in a server).
//! let step = forge.step().await?;
//! let lobby = &step.ticks[0].1.lobbies[0];
//! forge.accept(lobby.id(), alice).await?;
//! forge.accept(lobby.id(), bob).await?;
//! forge.dispatch(lobby.id(), "eu-west-7").await?;
//! let report = forge.report(lobby.id(), MatchResult::winner(0, 2)).await?;
//! assert_eq!(report.record().rating_changes.len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! ## Crates and features
//!
//! This crate is the facade over the others; depend on it alone.
//!
//! | feature | what you get |
//! |---|---|
//! | `memory` (default) | [`memory::MemoryStore`], the embedded store |
//! | `redis` | [`redis::RedisStore`], state in Redis (cluster-ready key layout) |
//! | `postgres` | [`postgres::PgStore`], state in Postgres tables |
//! | `full` | all of the above |
//!
//! The domain ([`rating`], [`queue`], [`matcher`], [`teams`], [`lobby`],
//! [`party`], [`ports`]) comes from `matchforge-core`, which is pure: no IO, no
//! clock, no runtime. The services and the tick loop ([`Matchmaker`],
//! [`Runner`]) come from `matchforge-runner`.

mod forge;
mod open;
pub mod prelude;

pub use forge::{MatchForge, MatchForgeBuilder};
pub use open::open_store;

#[doc(inline)]
pub use matchforge_core::{Error, Result};
#[doc(inline)]
pub use matchforge_core::{
    error, event, history, ids, lobby, matcher, party, ports, queue, rating, teams, ticket,
};
#[doc(inline)]
pub use matchforge_runner::{
    EventSubscription, Matchmaker, MatchmakerBuilder, PlayerStatus, QueueSettings, QueueTick,
    Reported, Runner, StepReport, clock,
};
/// Id generation for the runner (random in production, seeded in simulations).
pub mod id_gen {
    #[doc(inline)]
    pub use matchforge_runner::ids::*;
}

#[cfg(feature = "memory")]
#[doc(inline)]
pub use matchforge_memory as memory;
#[cfg(feature = "postgres")]
#[doc(inline)]
pub use matchforge_postgres as postgres;
#[cfg(feature = "redis")]
#[doc(inline)]
pub use matchforge_redis as redis;

/// The README's example, compiled and run as a doctest so it cannot drift
/// from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
