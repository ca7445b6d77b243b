//! Lobby services: the ready check, dispatch, results and cancellation.
//!
//! Every change is a compare-and-set on the lobby's version (retried when a
//! concurrent change got there first) and carries its consequences in the
//! same atomic store update: requeued tickets, cooldowns, ratings and the
//! match record.

use chrono::{DateTime, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::history::{MatchRecord, RatingChange};
use matchforge_core::ids::{LobbyId, PlayerId};
use matchforge_core::lobby::{Cancellation, Lobby, LobbyPhase, LobbyState, MatchResult};
use matchforge_core::ports::LobbyUpdate;
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;
use tracing::warn;

use crate::matchmaker::{Matchmaker, RETRIES, later};
use crate::metrics;

/// What [`Matchmaker::report`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reported {
    /// The result was recorded and ratings updated now.
    Recorded(MatchRecord),
    /// The lobby already had a result: nothing changed (reporting is
    /// idempotent by lobby id). The stored record is returned.
    AlreadyRecorded(MatchRecord),
}

impl Reported {
    /// The match record, new or old.
    #[must_use]
    pub fn record(&self) -> &MatchRecord {
        match self {
            Reported::Recorded(r) | Reported::AlreadyRecorded(r) => r,
        }
    }
}

impl Matchmaker {
    /// A lobby by id.
    ///
    /// # Errors
    /// Store errors.
    pub async fn lobby(&self, lobby: LobbyId) -> Result<Option<Lobby>> {
        Ok(self.store.lobby(lobby).await?.map(|v| v.value))
    }

    /// `player` accepts the ready check; when everyone has, the lobby is Ready.
    ///
    /// # Errors
    /// [`Error::LobbyNotFound`]; [`Error::NotInLobby`];
    /// [`Error::IllegalTransition`] outside the ready check or at or after
    /// its deadline, the first instant answers no longer count (a repeat
    /// accept once the lobby is Ready is harmless).
    pub async fn accept(&self, lobby: LobbyId, player: PlayerId) -> Result<Lobby> {
        self.change_lobby(lobby, |l, now| {
            l.accept(player, now)?;
            Ok(Cancellation::default())
        })
        .await
    }

    /// `player` declines: the lobby is cancelled, tickets whose players all
    /// accepted go back to the queue (original enqueue time), the others'
    /// decliners and non-responders get the queue's cooldown. A party ticket
    /// whose party changed meanwhile is not requeued (see
    /// [`cancel_lobby`](Self::cancel_lobby)).
    ///
    /// # Errors
    /// [`Error::LobbyNotFound`]; [`Error::NotInLobby`];
    /// [`Error::IllegalTransition`] outside the ready check or at or after
    /// its deadline (the ready check has then timed out);
    /// [`Error::QueueNotFound`] if this matchmaker does not run the lobby's
    /// queue (it has no cooldown to give: decline through one that does).
    pub async fn decline(&self, lobby: LobbyId, player: PlayerId) -> Result<Lobby> {
        self.change_lobby(lobby, |l, now| l.decline(player, now))
            .await
    }

    /// Hands a ready lobby to game server `server`.
    ///
    /// # Errors
    /// [`Error::LobbyNotFound`]; [`Error::IllegalTransition`] unless Ready.
    pub async fn dispatch(&self, lobby: LobbyId, server: &str) -> Result<Lobby> {
        self.change_lobby(lobby, |l, now| {
            l.dispatch(server, now)?;
            Ok(Cancellation::default())
        })
        .await
    }

    /// Cancels an unfinished lobby (server failure, operator action). Nobody is
    /// at fault, whatever the phase — during the ready check too, before its
    /// deadline — so every ticket goes back to the queue with its original
    /// enqueue time and nobody gets a cooldown. Any matchmaker over the store
    /// may do that, whether or not it runs the lobby's queue. At or past a
    /// ready check's deadline (before the sweep timed it out) the cancellation is
    /// the timeout's, cooldowns included (see [`Lobby::cancel`]).
    ///
    /// Whenever a cancellation requeues tickets (here, on a decline, or when a
    /// ready check runs out), a party ticket goes back only if it still holds
    /// exactly the party's members: if the party changed while the ticket sat
    /// in the lobby (a member left, another joined, the party dissolved), the
    /// ticket is dropped and its players are idle, without a cooldown — as a
    /// waiting party ticket is withdrawn when its party changes. The leader
    /// queues the party again. A ticket whose id another ticket took while
    /// it sat in the lobby (the store frees a claimed ticket's id: a client
    /// choosing its own ids, or a matchmaker restarted with the
    /// [`SeededIds`](crate::ids::SeededIds) seed of one still running) cannot
    /// be requeued either: the lobby finishes without it, its players are
    /// idle without a cooldown, and the runner logs it
    /// (`matchforge_errors_total{stage="requeue"}`).
    ///
    /// # Errors
    /// [`Error::LobbyNotFound`]; [`Error::IllegalTransition`] if finished;
    /// [`Error::QueueNotFound`] at or past a ready check's deadline if this
    /// matchmaker does not run the lobby's queue (it has no cooldown to give).
    pub async fn cancel_lobby(&self, lobby: LobbyId, reason: &str) -> Result<Lobby> {
        self.change_lobby(lobby, |l, now| l.cancel(reason, now))
            .await
    }

    /// Records the result of a dispatched lobby: the lobby completes, every
    /// player's rating is updated once by the queue's rating system, and the
    /// match joins the history — in one atomic store update. Reporting the same
    /// lobby again changes nothing and returns the stored record.
    ///
    /// # Errors
    /// [`Error::LobbyNotFound`]; [`Error::IllegalTransition`] unless
    /// dispatched (or completed with its record still in the history);
    /// [`Error::InvalidResult`] if the ranks don't match the teams (one per
    /// team, the best 1); [`Error::QueueNotFound`] if this matchmaker does not
    /// run the lobby's queue.
    pub async fn report(&self, lobby: LobbyId, result: MatchResult) -> Result<Reported> {
        for _ in 0..RETRIES {
            let stored = self
                .store
                .lobby(lobby)
                .await?
                .ok_or(Error::LobbyNotFound(lobby))?;
            if stored.value.phase() == LobbyPhase::Completed {
                // Pruned from the history: the lobby is done, and trying
                // again cannot help (a conflict would say it could).
                let record =
                    self.store
                        .match_record(lobby)
                        .await?
                        .ok_or(Error::IllegalTransition {
                            lobby,
                            state: "completed, its match record pruned",
                            action: "report again",
                        })?;
                return Ok(Reported::AlreadyRecorded(record));
            }
            let now = self.clock.now();
            let mut next = stored.value.clone();
            next.complete(result.clone(), now)?;
            let q = self.queue(next.queue())?;
            let teams = next.teams();
            let players: Vec<PlayerId> = teams.iter().flatten().copied().collect();
            let before = self.store.ratings(&q.settings.ladder, &players).await?;
            let initial = q.settings.algorithm.initial_rating();
            let current: Vec<Rating> = before.iter().map(|r| r.unwrap_or(initial)).collect();
            let mut team_ratings: Vec<Vec<Rating>> = Vec::with_capacity(teams.len());
            let mut at = 0;
            for team in &teams {
                team_ratings.push(current[at..at + team.len()].to_vec());
                at += team.len();
            }
            let refs: Vec<&[Rating]> = team_ratings.iter().map(Vec::as_slice).collect();
            let rated = q.settings.algorithm.rate(&refs, &result.ranks)?;
            let changes: Vec<RatingChange> = players
                .iter()
                .zip(before)
                .zip(rated.into_iter().flatten())
                .map(|((&player, before), after)| RatingChange {
                    player,
                    before,
                    after,
                })
                .collect();
            let server = match stored.value.state() {
                LobbyState::Dispatched { server } => Some(server.clone()),
                _ => None,
            };
            let record = MatchRecord {
                lobby,
                queue: next.queue().clone(),
                ladder: q.settings.ladder.clone(),
                teams,
                result: result.clone(),
                server,
                started_at: next.created_at(),
                completed_at: now,
                rating_changes: changes.clone(),
            };
            let mut update = LobbyUpdate::new(next, stored.version);
            update.ratings = Some((q.settings.ladder.clone(), changes));
            update.record = Some(record.clone());
            match self.store.update_lobby(update).await {
                Ok(_) => {
                    metrics::lobby_finished(
                        &record.queue,
                        LobbyPhase::Completed,
                        now - record.started_at,
                    );
                    return Ok(Reported::Recorded(record));
                }
                // Someone changed the lobby or a rating first: look again.
                Err(Error::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict(format!(
            "lobby {lobby}: ratings kept changing under {RETRIES} attempts; report again"
        )))
    }

    /// Loads a lobby, applies `change` at the current time, and stores it with
    /// the change's requeues and cooldowns; retries on version conflicts.
    async fn change_lobby(
        &self,
        lobby: LobbyId,
        change: impl Fn(&mut Lobby, DateTime<Utc>) -> Result<Cancellation>,
    ) -> Result<Lobby> {
        for _ in 0..RETRIES {
            let stored = self
                .store
                .lobby(lobby)
                .await?
                .ok_or(Error::LobbyNotFound(lobby))?;
            let now = self.clock.now();
            let mut next = stored.value.clone();
            let cancellation = change(&mut next, now)?;
            if next == stored.value {
                // Nothing changed (a repeat accept once Ready): nothing to
                // write, and no event to repeat.
                return Ok(next);
            }
            match self
                .apply_change(&next, stored.version, cancellation, now)
                .await
            {
                Ok(()) => return Ok(next),
                Err(Error::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict(format!(
            "lobby {lobby} kept changing under {RETRIES} attempts; try again"
        )))
    }

    /// Stores `next`, the lobby's new state computed from the stored one at
    /// `version`, with what `cancellation` implies ([`update_for`](Self::update_for),
    /// [`store_update`](Self::store_update)); then withdraws the party
    /// tickets it requeued whose party changed meanwhile, and counts the
    /// lobby if it finished. [`Error::Conflict`] means another change got
    /// there first: read the lobby again.
    pub(crate) async fn apply_change(
        &self,
        next: &Lobby,
        version: u64,
        cancellation: Cancellation,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let update = self
            .update_for(next.clone(), version, cancellation, now)
            .await?;
        let requeued = self.store_update(update).await?;
        self.withdraw_stale_party_tickets(&requeued, now).await;
        if next.phase().is_finished() {
            metrics::lobby_finished(next.queue(), next.phase(), now - next.created_at());
        }
        Ok(())
    }

    /// Stores `update` and returns the tickets it requeued: all of its
    /// requeue, less any ticket the store refused to requeue because its id
    /// or one of its players was taken while it sat in the lobby.
    ///
    /// A store frees a claimed ticket's id (see
    /// [`TicketStore::enqueue`](matchforge_core::ports::TicketStore::enqueue)),
    /// so a client that chooses its own ids, or a matchmaker restarted with
    /// the [`SeededIds`](crate::ids::SeededIds) seed of one still running,
    /// can queue a new ticket under it, and the store then refuses to requeue
    /// the lobby's copy ([`Error::AlreadyQueued`] naming it). The lobby must
    /// still finish: otherwise it would hold its players for good, and a
    /// ready check that ran out would fail every sweep, stalling the lobbies
    /// due after it. So that ticket is left out and the update tried again;
    /// its players are idle, without a cooldown, and the refusal is logged
    /// (`matchforge_errors_total{stage="requeue"}`). Any other error is
    /// returned as it is ([`Error::Conflict`] included, for the caller to
    /// read the lobby again).
    pub(crate) async fn store_update(&self, mut update: LobbyUpdate) -> Result<Vec<Ticket>> {
        if update.requeue.is_empty() {
            self.store.update_lobby(update).await?;
            return Ok(Vec::new());
        }
        loop {
            let Err(error) = self.store.update_lobby(update.clone()).await else {
                return Ok(update.requeue);
            };
            // Each round leaves one ticket out, so the loop ends.
            let Some(refused) = refused_requeue(&error, &update.requeue) else {
                return Err(error);
            };
            let ticket = update.requeue.remove(refused);
            warn!(
                lobby = %update.lobby.id(),
                ticket = %ticket.id(),
                %error,
                "could not requeue a ticket whose id or player was taken while it sat in the lobby: left out, its players are idle"
            );
            metrics::error("requeue");
        }
    }

    /// The store update for a lobby's new state and what its cancellation, if
    /// any, implies: requeues, and the queue's decline cooldown for the players
    /// it removed. Only removing players needs the lobby's queue
    /// ([`Error::QueueNotFound`] if this matchmaker does not run it); an
    /// update that removes nobody (an accept, a dispatch, an abort) does not.
    ///
    /// Party tickets whose party no longer has exactly their players are left
    /// out of the requeue (see [`cancel_lobby`](Self::cancel_lobby)). The port
    /// cannot make the update depend on the party's version, so a party change
    /// between this read and the store update is caught afterwards by
    /// [`withdraw_stale_party_tickets`](Self::withdraw_stale_party_tickets).
    pub(crate) async fn update_for(
        &self,
        lobby: Lobby,
        version: u64,
        cancellation: Cancellation,
        now: DateTime<Utc>,
    ) -> Result<LobbyUpdate> {
        let cooldown = if cancellation.removed.is_empty() {
            None
        } else {
            self.queue(lobby.queue())?.settings.decline_cooldown
        };
        let mut update = LobbyUpdate::new(lobby, version);
        update.requeue = self.current_party_tickets(cancellation.requeue).await?;
        if let Some(cooldown) = cooldown {
            let until = later(now, cooldown);
            update.cooldowns = cancellation
                .removed
                .into_iter()
                .map(|p| (p, until))
                .collect();
        }
        Ok(update)
    }
}

/// The ticket of `requeue` that `error` refuses to requeue, if it names one:
/// [`Error::AlreadyQueued`] naming its id (another ticket waits under it)
/// or one of its players (waiting on another ticket), or
/// [`Error::InLobby`] naming one of its players (seated in another lobby).
fn refused_requeue(error: &Error, requeue: &[Ticket]) -> Option<usize> {
    match error {
        Error::AlreadyQueued { player, ticket, .. } => requeue
            .iter()
            .position(|t| t.id() == *ticket || t.contains(*player)),
        Error::InLobby { player, .. } => requeue.iter().position(|t| t.contains(*player)),
        _ => None,
    }
}
