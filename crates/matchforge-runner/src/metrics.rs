//! Metrics, through the [`metrics`](https://docs.rs/metrics) facade: install
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
//! | `step` | a round of [`Runner::run`](crate::Runner::run) (the round's first error; the loop goes on) |
//! | `events` | a read of the event log by an [`EventSubscription`](crate::EventSubscription) |
//! | `commit` | one lobby of a tick, refused by the store or, after a failed batch, not held by it (its tickets wait for the next tick) |
//! | `commit_batch` | a tick's whole batch of commits (a lost reply leaves its outcome unknown); the tick read the lobbies back and went on |
//! | `requeue` | requeueing a ticket of a finishing lobby, refused because another ticket took its id (or a player) while it sat in the lobby; the lobby finished without it and its players are idle |
//! | `ready_check` | one lobby of the ready-check sweep, which the store failed to read or update (its ready check is timed out at a later sweep; the sweep went on past it) |
//! | `party_ticket_check` | checking a requeued party ticket against its party after a ready check failed (the ticket stays queued as it was) |

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use matchforge_core::ids::QueueName;
use matchforge_core::lobby::{Lobby, LobbyPhase};

pub(crate) fn queue_depth(queue: &QueueName, depth: usize) {
    metrics::gauge!("matchforge_queue_depth", "queue" => queue.to_string()).set(depth as f64);
}

pub(crate) fn matched(lobby: &Lobby, now: DateTime<Utc>) {
    let queue = lobby.queue().to_string();
    metrics::counter!("matchforge_matches_total", "queue" => queue.clone()).increment(1);
    let quality = &lobby.proposal().quality;
    metrics::histogram!("matchforge_rating_spread", "queue" => queue.clone())
        .record(quality.rating_spread);
    metrics::histogram!("matchforge_team_imbalance", "queue" => queue.clone())
        .record(quality.team_imbalance);
    let waits = metrics::histogram!("matchforge_wait_seconds", "queue" => queue);
    for ticket in lobby.tickets() {
        waits.record(ticket.wait(now).as_secs_f64());
    }
}

pub(crate) fn expired(queue: &QueueName, count: usize) {
    metrics::counter!("matchforge_expired_total", "queue" => queue.to_string())
        .increment(count as u64);
}

pub(crate) fn conflicts(queue: &QueueName, count: usize) {
    if count > 0 {
        metrics::counter!("matchforge_commit_conflicts_total", "queue" => queue.to_string())
            .increment(count as u64);
    }
}

pub(crate) fn tick_duration(queue: &QueueName, elapsed: Duration) {
    metrics::histogram!("matchforge_tick_seconds", "queue" => queue.to_string())
        .record(elapsed.as_secs_f64());
}

pub(crate) fn lobby_finished(queue: &QueueName, phase: LobbyPhase, lifetime: TimeDelta) {
    metrics::histogram!(
        "matchforge_lobby_seconds",
        "queue" => queue.to_string(),
        "outcome" => phase.as_str(),
    )
    .record(lifetime.as_seconds_f64().max(0.0));
}

pub(crate) fn error(stage: &'static str) {
    metrics::counter!("matchforge_errors_total", "stage" => stage).increment(1);
}
