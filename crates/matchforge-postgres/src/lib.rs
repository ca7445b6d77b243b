//! # matchforge-postgres
//!
//! The PostgreSQL storage adapter of MatchForge: [`PgStore`] implements every
//! port of [`matchforge_core::ports`] with `sqlx`, so tickets, lobbies,
//! ratings, parties, match history and events are durable, shared by every
//! instance that connects to the same schema, and queryable with plain SQL.
//! The schema, its indexes and tuning are described in
//! `docs/adapters/postgres.md`.
//!
//! * **Connecting**: [`PgStore::connect`] with a URL, or
//!   [`PgStore::connect_with`] and [`PgOptions`] (schema, pool size, acquire
//!   timeout, migrations, `NOTIFY`). Every pooled connection's `search_path`
//!   is the store's schema, so several stores (tenants, test runs) share a
//!   database without seeing each other.
//! * **Migrations** are embedded ([`PgStore::migrator`]) and run on connect
//!   unless turned off; [`PgStore::migrate`] runs them on demand, and
//!   `sqlx migrate run --source crates/matchforge-postgres/migrations` with
//!   the schema as `search_path` runs them from the command line.
//! * **Atomic or nothing**: every writing call is one `READ COMMITTED`
//!   transaction, whatever the database's default (run again from the start
//!   when it loses a race on a key, up to 16 attempts in all, after a short
//!   random pause that doubles with each attempt: 1–2 ms, then up to 32 ms),
//!   and appends its events in it.
//! * **Events** go to an outbox table in commit order; an [`EventListener`]
//!   wakes up on the `NOTIFY` each append sends.
//!
//! No query is checked at compile time: the crate builds without a database.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use matchforge_core::ids::{PlayerId, QueueName, TicketId};
//! use matchforge_core::ports::{EventLog, TicketStore};
//! use matchforge_core::rating::{PartyRating, Rating};
//! use matchforge_core::ticket::{Ticket, TicketPlayer};
//! use matchforge_postgres::{PgOptions, PgStore};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), matchforge_core::Error> {
//! // Runs against MATCHFORGE_POSTGRES_URL when it is set.
//! let Some(options) = PgOptions::from_env() else { return Ok(()) };
//! // A schema of its own, dropped with the store.
//! let store = PgStore::connect_with(options.with_ephemeral_schema()).await?;
//!
//! let queue = QueueName::new("duel");
//! let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
//! let ticket = Ticket::builder(TicketId::from_u128(1), queue.clone(), at)
//!     .player(TicketPlayer::new(PlayerId::from_u128(7), Rating::new(1500.0, 80.0, 0.06)?))
//!     .build(&PartyRating::Average)?;
//! store.enqueue(ticket.clone()).await?;
//! assert_eq!(store.tickets(&queue).await?, vec![ticket]);
//! assert_eq!(store.events_after(None, 10).await?.len(), 1);
//! # Ok(())
//! # }
//! ```

mod codec;
mod commit;
mod error;
mod events;
mod history;
mod lobbies;
mod options;
mod outcomes;
mod parties;
mod ratings;
mod retry;
mod store;
mod tickets;
mod waiting;

pub use error::{Error, Result};
pub use events::EventListener;
pub use options::{
    DEFAULT_SCHEMA, MAX_ACQUIRE_TIMEOUT, MAX_SCHEMA_LEN, PgOptions, URL_VAR, redacted_url,
};
pub use store::PgStore;
