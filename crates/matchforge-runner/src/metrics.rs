//! Metrics, through the [`metrics`](https://docs.rs/metrics) facade. Their
//! names, kinds and labels are listed in the crate's documentation
//! ([Metrics](crate#metrics)), where users see them.

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
