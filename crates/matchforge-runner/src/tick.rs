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
    /// Lobbies committed (those in [`lobbies`](Self::lobbies)).
    pub matches: usize,
    /// Players claimed by those lobbies.
    pub players: usize,
    /// Tickets that expired.
    pub expired: usize,
    /// Proposals another runner got to first (their tickets were re-matched).
    pub conflicts: usize,
    /// Lobbies the store refused on their own (a part of a batch that
    /// failed, a lobby id already taken), each logged with its error, and
    /// lobbies of a batch the store failed as a whole that it turned out not
    /// to hold (see [`Matchmaker::tick_queue`]). Their tickets stay waiting
    /// for the next tick; the rest of the tick goes on.
    pub failed: usize,
    /// The lobbies committed, in order, as the tick built them (version 1).
    ///
    /// This includes the lobbies of a batch the store failed as a whole
    /// (a lost reply) that the store was found to hold, whatever phase they
    /// had reached by then: a lobby already declined, or cancelled by
    /// another runner's sweep, is reported all the same, since the tick
    /// created it and claimed its tickets, as a reply would have said. As
    /// after any commit, the store (and its events) has the lobby's current
    /// state.
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
    /// When the store fails a whole batch of commits (`commit_many`'s outer
    /// error), the batch may still have been applied, in whole or in parts:
    /// a networked store that lost the reply with its connection cannot say.
    /// The tick then logs the error (warn) and reads each of the batch's
    /// lobbies back: a lobby the store holds (with this tick's queue and
    /// tickets; lobby ids are fresh) counts as committed, exactly as if the
    /// reply had said so, and is reported in [`QueueTick::lobbies`]; any
    /// other counts as failed. The tick then goes on without writing
    /// anything more for that batch. This is a best effort: a write still in
    /// flight when the lobbies are read (a delayed script or `COMMIT`) can
    /// land afterwards, and its lobby is then reported failed though it
    /// exists (the store's events show it). Any outer error takes this path,
    /// also one after which the store applied nothing, so a store that
    /// keeps refusing batches is logged and counted
    /// (`matchforge_errors_total{stage="commit_batch"}`) on every tick
    /// rather than failing it.
    ///
    /// # Errors
    /// [`Error::QueueNotFound`]; store errors that fail a whole read or
    /// expiry; and a failed batch of commits whose lobbies could not be read
    /// back: the error is then the batch's own, and some of its lobbies may
    /// exist (they are in the store and its events). Nothing is half-done:
    /// each commit is atomic, and the tick's own writes are whole calls.
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
            let results = match self.store.commit_many(&lobbies).await {
                Ok(results) => results.into_iter().map(Some).collect(),
                Err(error) => self.read_back(&lobbies, error).await?,
            };
            let mut gone: Vec<TicketId> = Vec::new();
            let mut conflicted = 0;
            for (lobby, result) in lobbies.into_iter().zip(results) {
                match result {
                    Some(Ok(CommitOutcome::Committed)) => {
                        metrics::matched(&lobby, now);
                        gone.extend(lobby.ticket_ids());
                        report.players += lobby.proposal().seats.len();
                        report.matches += 1;
                        budget -= 1;
                        report.lobbies.push(lobby);
                    }
                    Some(Ok(CommitOutcome::Conflict { missing })) => {
                        conflicted += 1;
                        gone.extend(missing);
                    }
                    Some(Err(error)) => {
                        // Not retried this tick: its tickets sit out the
                        // conflict rounds and wait for the next tick.
                        warn!(lobby = %lobby.id(), %error, "the store refused a lobby");
                        metrics::error("commit");
                        report.failed += 1;
                        gone.extend(lobby.ticket_ids());
                    }
                    None => {
                        // As a refused lobby: its tickets (if still
                        // waiting) wait for the next tick.
                        warn!(lobby = %lobby.id(), "the store does not hold a lobby of the failed batch");
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

    /// What became of each of `lobbies` after `commit_many` failed on the
    /// whole batch with `error`. A networked store that lost the reply with
    /// its connection cannot say whether the batch (or which of its parts)
    /// was applied, so each lobby is read back: one the store holds, with
    /// this tick's queue and tickets, was committed by this batch (lobby ids
    /// are fresh, and a batch refuses a taken one) and is
    /// `Some(Ok(Committed))`, whatever phase it has reached since; any
    /// other was not committed and is `None`. Only reads: the store is left
    /// as the failed call left it.
    ///
    /// # Errors
    /// `error` itself if a lookup fails: then nothing is known.
    async fn read_back(
        &self,
        lobbies: &[Lobby],
        error: Error,
    ) -> Result<Vec<Option<Result<CommitOutcome>>>> {
        let mut held = Vec::with_capacity(lobbies.len());
        for lobby in lobbies {
            match self.store.lobby(lobby.id()).await {
                Ok(stored) => held.push(stored.is_some_and(|s| {
                    s.value.queue() == lobby.queue() && s.value.tickets() == lobby.tickets()
                })),
                Err(lookup) => {
                    warn!(
                        %error,
                        %lookup,
                        lobbies = lobbies.len(),
                        "committing a batch failed and reading its lobbies back failed too"
                    );
                    return Err(error);
                }
            }
        }
        let stored = held.iter().filter(|h| **h).count();
        warn!(
            %error,
            lobbies = lobbies.len(),
            stored,
            "committing a batch failed (after a lost reply its outcome is unknown); \
             the lobbies the store holds count as committed"
        );
        metrics::error("commit_batch");
        Ok(held
            .into_iter()
            .map(|h| h.then_some(Ok(CommitOutcome::Committed)))
            .collect())
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
