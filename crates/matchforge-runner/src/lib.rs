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
//!
//! # Metrics
//!
//! Reported through the [`metrics`](https://docs.rs/metrics) facade: install
//! any recorder (Prometheus, StatsD...) to collect them.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `matchforge_queue_depth` | gauge | queue | tickets waiting at the last tick |
//! | `matchforge_wait_seconds` | histogram | queue | wait of each matched ticket |
//! | `matchforge_matches_total` | counter | queue | lobbies committed |
//! | `matchforge_rating_spread` | histogram | queue | rating spread of each match |
//! | `matchforge_team_imbalance` | histogram | queue | team imbalance of each match |
//! | `matchforge_expired_total` | counter | queue | tickets expired |
//! | `matchforge_commit_conflicts_total` | counter | queue | proposals lost to another runner |
//! | `matchforge_tick_seconds` | histogram | queue | duration of a queue's tick |
//! | `matchforge_lobby_seconds` | histogram | queue, outcome | lobby lifetime, creation to completion or cancellation |
//! | `matchforge_errors_total` | counter | stage | errors the runner logged and went on after, by `stage` (below) |
//!
//! Durations are in seconds (`_seconds`), as Prometheus names them; the
//! `queue` label is the queue's name. The `stage` of an error is one of:
//!
//! | stage | what failed |
//! |---|---|
//! | `step` | a round of [`Runner::run`] (the round's first error; the loop goes on) |
//! | `events` | a read of the event log by an [`EventSubscription`] |
//! | `commit` | one lobby of a tick, refused by the store or, after a failed batch, not held by it (its tickets wait for the next tick) |
//! | `commit_batch` | a tick's whole batch of commits (a lost reply leaves its outcome unknown); the tick read the lobbies back and went on |
//! | `requeue` | requeueing a ticket of a finishing lobby, refused because another ticket took its id (or a player) while it sat in the lobby; the lobby finished without it and its players are idle |
//! | `ready_check` | one lobby of the ready-check sweep, which the store failed to read or update (its ready check is timed out at a later sweep; the sweep went on past it) |
//! | `party_ticket_check` | checking a requeued party ticket against its party after a ready check failed (the ticket stays queued as it was) |
//! | `party_undo` | after a party change that could not withdraw the party's waiting ticket, putting the party back failed too (someone changed it meanwhile, or the store is down), or a party ticket queued while the look at its party failed could not be taken back |

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
