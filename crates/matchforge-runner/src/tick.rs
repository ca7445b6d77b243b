//! Ticking: turning waiting tickets into lobbies.

use std::time::{Duration, Instant};

use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::matcher::MatchProposal;
use matchforge_core::ports::CommitOutcome;
use matchforge_core::ticket::Ticket;
use tracing::{Instrument, debug, info_span, warn};

use crate::matchmaker::{Matchmaker, later};
use crate::metrics;

/// Rounds of re-matching after commit conflicts within one tick.
const CONFLICT_ROUNDS: usize = 3;

/// What one tick of one queue did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueTick {
    /// Tickets waiting when the tick started.
    pub waiting: usize,
    /// Lobbies committed.
    pub matches: usize,
    /// Players claimed by those lobbies.
    pub players: usize,
    /// Tickets that expired.
    pub expired: usize,
    /// Proposals another runner got to first (their tickets were re-matched).
    pub conflicts: usize,
    /// Lobbies the store refused on their own (a part of a batch that
    /// failed, a lobby id already taken), each logged with its error. Their
    /// tickets stay waiting for the next tick; the rest of the tick goes on.
    pub failed: usize,
    /// The lobbies committed, in order.
    pub lobbies: Vec<Lobby>,
    /// How long the tick took (wall time, measured with `Instant`).
    pub elapsed: Duration,
}

impl Matchmaker {
    /// Runs one tick of `queue`: expires tickets past the queue's max wait,
    /// matches the rest, and commits the proposals as lobbies (with a ready
    /// check, if the queue has one). Proposals that lose a race with another
    /// runner are re-matched from the tickets still waiting.
    ///
    /// A lobby the store refuses on its own is logged, counted in
    /// [`QueueTick::failed`] and left for the next tick; the other lobbies of
    /// the tick are committed and reported as usual.
    ///
    /// # Errors
    /// [`Error::QueueNotFound`]; store errors that fail a whole read or
    /// batch (nothing half-done: each commit is atomic).
    pub async fn tick_queue(&self, queue: &QueueName) -> Result<QueueTick> {
        let span = info_span!("tick", queue = %queue);
        self.tick_queue_inner(queue).instrument(span).await
    }

    async fn tick_queue_inner(&self, queue: &QueueName) -> Result<QueueTick> {
        let started = Instant::now();
        let q = self.queue(queue)?;
        let now = self.clock.now();
        let mut tickets = self.store.tickets(queue).await?;
        let mut report = QueueTick {
            waiting: tickets.len(),
            ..QueueTick::default()
        };
        metrics::queue_depth(queue, tickets.len());
        let mut budget = q.settings.max_matches_per_tick;
        for round in 0..=CONFLICT_ROUNDS {
            let outcome = q.matcher.find_matches_limited(&tickets, now, budget);
            if round == 0 {
                if !outcome.expired.is_empty() {
                    let expired = self.store.expire(&outcome.expired, now).await?;
                    report.expired = expired.len();
                    metrics::expired(queue, expired.len());
                }
                for (ticket, reason) in &outcome.rejected {
                    warn!(%ticket, %reason, "ticket cannot be matched by the queue's rules");
                }
            }
            if outcome.proposals.is_empty() {
                break;
            }
            let lobbies = self.lobbies_for(queue, &tickets, outcome.proposals)?;
            let results = self.store.commit_many(&lobbies).await?;
            let mut gone: Vec<TicketId> = Vec::new();
            let mut conflicted = 0;
            for (lobby, result) in lobbies.into_iter().zip(results) {
                match result {
                    Ok(CommitOutcome::Committed) => {
                        metrics::matched(&lobby, now);
                        gone.extend(lobby.ticket_ids());
                        report.players += lobby.proposal().seats.len();
                        report.matches += 1;
                        budget -= 1;
                        report.lobbies.push(lobby);
                    }
                    Ok(CommitOutcome::Conflict { missing }) => {
                        conflicted += 1;
                        gone.extend(missing);
                    }
                    Err(error) => {
                        // Not retried this tick: its tickets sit out the
                        // conflict rounds and wait for the next tick.
                        warn!(lobby = %lobby.id(), %error, "the store refused a lobby");
                        metrics::error("commit");
                        report.failed += 1;
                        gone.extend(lobby.ticket_ids());
                    }
                }
            }
            report.conflicts += conflicted;
            metrics::conflicts(queue, conflicted);
            if conflicted == 0 || budget == 0 {
                break;
            }
            // Re-match what is left: drop claimed and vanished tickets.
            gone.sort_unstable();
            tickets.retain(|t| gone.binary_search(&t.id()).is_err());
            debug!(
                round,
                conflicted,
                left = tickets.len(),
                "re-matching after commit conflicts"
            );
        }
        report.elapsed = started.elapsed();
        metrics::tick_duration(queue, report.elapsed);
        Ok(report)
    }

    /// Lobbies for proposals, each holding its tickets (from the tick's view).
    fn lobbies_for(
        &self,
        queue: &QueueName,
        tickets: &[Ticket],
        proposals: Vec<MatchProposal>,
    ) -> Result<Vec<Lobby>> {
        let q = self.queue(queue)?;
        let now = self.clock.now();
        let mut by_id: foldhash::HashMap<TicketId, &Ticket> = foldhash::HashMap::default();
        by_id.reserve(tickets.len());
        by_id.extend(tickets.iter().map(|t| (t.id(), t)));
        proposals
            .into_iter()
            .map(|proposal| {
                let claimed = proposal
                    .tickets()
                    .map(|id| {
                        by_id.get(&id).map(|t| (*t).clone()).ok_or_else(|| {
                            Error::InvalidTicket(format!("proposal names unknown ticket {id}"))
                        })
                    })
                    .collect::<Result<Vec<Ticket>>>()?;
                let mut lobby =
                    Lobby::new(self.ids.lobby(), queue.clone(), proposal, claimed, now)?;
                match q.settings.ready_check {
                    Some(timeout) => lobby.open_acceptance(later(now, timeout), now)?,
                    None => lobby.skip_acceptance(now)?,
                }
                Ok(lobby)
            })
            .collect()
    }
}
