//! The ports: traits that storage adapters implement.
//!
//! The contract of every method is written here and checked by the conformance
//! suite in `matchforge-testkit`; an adapter is done when the suite passes.
//!
//! # Shared rules
//!
//! * **Atomic or nothing.** Every method either takes full effect or none: a
//!   failed call (an error of any kind) leaves the store exactly as it was.
//! * **Events with the change.** Methods that change tickets or lobbies append
//!   their [`Event`]s in the same atomic step, so the [`EventLog`] never shows a
//!   change that did not happen nor misses one that did.
//! * **Time comes in.** Stores never read a clock; times are in the arguments.
//! * **Exact times.** Stores keep every time to chrono's nanosecond: a time
//!   read back equals the one written, and cooldown ends, enqueue order,
//!   ready-check deadlines and history bounds compare exactly (the runner's
//!   clock has nanoseconds; a store that rounds to microseconds would order
//!   two tickets of one microsecond by id, or end a cooldown early).
//! * **Optimistic concurrency.** Lobbies and parties carry a version; updates
//!   name the version they were computed from and fail with
//!   [`Error::Conflict`](crate::Error::Conflict) if someone got there first.
//! * **Errors** are the core's [`Error`](crate::Error); driver failures are
//!   [`Error::Backend`](crate::Error::Backend) with the driver error as source.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::event::{Event, EventCursor};
use crate::history::{MatchRecord, RatingChange};
use crate::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use crate::lobby::{Lobby, LobbyPhase};
use crate::party::Party;
use crate::rating::Rating;
use crate::ticket::Ticket;

/// A stored value and the version it was stored at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Its version: 1 when created, +1 per update.
    pub version: u64,
}

/// What [`TicketStore::commit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Every ticket was claimed and the lobby stored at version 1.
    Committed,
    /// Some tickets were no longer queued (matched elsewhere, cancelled or
    /// expired); nothing was claimed.
    Conflict {
        /// The tickets that were gone.
        missing: Vec<TicketId>,
    },
}

/// The rule of [`TicketStore::commit`] that depends only on the lobby: it
/// is unfinished (a finished lobby could never give back the tickets it
/// claimed). Every [`TicketStore`] applies it first, for each lobby of a
/// [`commit_many`](TicketStore::commit_many) too, before looking at the
/// lobby's id or tickets, so every adapter refuses a finished lobby with the
/// same error.
///
/// # Errors
/// [`Error::IllegalTransition`](crate::Error::IllegalTransition) naming the
/// lobby and its phase if it is completed or cancelled.
pub fn check_commit(lobby: &Lobby) -> Result<()> {
    let phase = lobby.phase();
    if phase.is_finished() {
        return Err(crate::Error::IllegalTransition {
            lobby: lobby.id(),
            state: phase.as_str(),
            action: "be committed",
        });
    }
    Ok(())
}

/// The outcomes of a [`commit_many`](TicketStore::commit_many) batch when
/// [`check_commit`] refuses every one of its lobbies (an empty batch
/// included): a store can return them without reaching its backend. `None`
/// if any lobby may be committed.
#[must_use]
pub fn all_refused(lobbies: &[Lobby]) -> Option<Vec<Result<CommitOutcome>>> {
    let refused: Vec<Result<CommitOutcome>> = lobbies
        .iter()
        .filter_map(|l| check_commit(l).err())
        .map(Err)
        .collect();
    (refused.len() == lobbies.len()).then_some(refused)
}

/// Waiting tickets, and claiming them for a match.
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Queues `ticket` and appends [`Event::queued`].
    ///
    /// A ticket id is taken while a ticket with that id waits, whatever the
    /// two tickets hold: the identical ticket again is refused like any other
    /// (an enqueue is not idempotent; a caller that retries after a lost
    /// reply and gets [`Error::AlreadyQueued`](crate::Error::AlreadyQueued)
    /// naming its own ticket knows it is in). Once a lobby has claimed the
    /// ticket, its id is free again and a new ticket with it is checked like
    /// any other, by its players: the identical ticket is refused with
    /// [`Error::InLobby`](crate::Error::InLobby) (its players are seated), a
    /// ticket for free players is queued. The lobby keeps its own copy: a
    /// [`commit`](Self::commit) naming that copy reports the ticket missing,
    /// and the lobby cannot requeue it while the new one waits
    /// ([`LobbyStore::update_lobby`] refuses with
    /// [`Error::AlreadyQueued`](crate::Error::AlreadyQueued) naming the id;
    /// the runner then finishes the lobby without that ticket).
    ///
    /// # Errors
    /// In this order, the id first, then the players:
    /// * [`Error::AlreadyQueued`](crate::Error::AlreadyQueued) if a ticket with
    ///   the same id is waiting (the error then names the new ticket's first
    ///   player, the id and the queue it waits in), or any of its players is
    ///   on a waiting ticket in **any** queue;
    /// * [`Error::InLobby`](crate::Error::InLobby) if any of its players is in an
    ///   unfinished lobby;
    /// * [`Error::Cooldown`](crate::Error::Cooldown) if any of its players is on
    ///   a cooldown that has not ended at the ticket's enqueue time (a cooldown
    ///   ending at or before the enqueue time has ended).
    async fn enqueue(&self, ticket: Ticket) -> Result<()>;

    /// Queues several tickets, each exactly as [`enqueue`](Self::enqueue) would
    /// in order (a later ticket sees the earlier ones), returning one result per
    /// ticket. The outer error means the backend failed on the whole batch: a
    /// backend that refused it queued **no** ticket of it. An adapter that sends
    /// a large batch as several atomic parts reports a part that failed while
    /// others succeeded as an [`Error::Backend`](crate::Error::Backend) on each
    /// of that part's tickets. A networked store cannot know the outcome of a
    /// request whose reply was lost with the connection (after its retries): the
    /// adapter's error then says the outcome is unknown, and the caller reads
    /// the state back ([`ticket`](Self::ticket)) before relying on it. Each
    /// atomic step is still whole or nothing.
    ///
    /// The default calls `enqueue` in a loop, which is only correct for stores
    /// that cannot fail half-way (like the in-memory one); adapters whose
    /// backend can fail override it with one round trip (one script, one
    /// transaction), which is also how they reach their throughput.
    async fn enqueue_many(&self, tickets: Vec<Ticket>) -> Result<Vec<Result<()>>> {
        let mut out = Vec::with_capacity(tickets.len());
        for ticket in tickets {
            out.push(self.enqueue(ticket).await);
        }
        Ok(out)
    }

    /// Withdraws a waiting ticket and appends [`Event::cancelled`].
    ///
    /// # Errors
    /// [`Error::TicketNotFound`](crate::Error::TicketNotFound) if it is not
    /// waiting.
    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket>;

    /// A waiting ticket by id.
    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>>;

    /// The waiting ticket that holds `player`, in any queue.
    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>>;

    /// Every waiting ticket of `queue`, oldest first (by enqueue time, then id).
    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>>;

    /// Claims every ticket of `lobby` and stores the lobby (version 1), appending
    /// [`Lobby::commit_events`] — or, if any of its tickets is no longer waiting,
    /// changes nothing and reports which are gone. Concurrent commits over
    /// overlapping tickets claim each ticket at most once.
    ///
    /// The lobby must be unfinished, in whichever phase its caller brought it
    /// to: forming (as [`Lobby::new`] builds it), awaiting acceptance (the
    /// runner opens the ready check before committing; the lobby is due at
    /// its deadline, and accepts already recorded are kept), ready (the
    /// runner, for a queue without a ready check) or dispatched. It is stored
    /// exactly as given, its players seated. A finished lobby (completed or
    /// cancelled) is refused ([`check_commit`]) before its id or tickets are
    /// looked at: only the update that finishes a lobby requeues its tickets,
    /// so tickets claimed by a lobby that is already finished would leave the
    /// queue for good, silently.
    ///
    /// # Errors
    /// In this order:
    /// * [`Error::IllegalTransition`](crate::Error::IllegalTransition) naming
    ///   the lobby and its phase if it is finished, whether or not its id is
    ///   taken or its tickets wait;
    /// * [`Error::Conflict`](crate::Error::Conflict) if a lobby with that id exists.
    async fn commit(&self, lobby: &Lobby) -> Result<CommitOutcome>;

    /// Commits several lobbies, each all-or-nothing exactly as
    /// [`commit`](Self::commit) would in order (a later lobby sees the tickets
    /// the earlier ones claimed; a refused lobby, a finished one included,
    /// claims no ticket and takes no id), returning one outcome per lobby. The outer
    /// error means the backend failed on the whole batch (a backend that refused
    /// it committed **no** lobby of it; after a lost reply the outcome is
    /// unknown, as for [`enqueue_many`](Self::enqueue_many)); a part of the
    /// batch that failed on its own gives each of its lobbies an
    /// [`Error::Backend`](crate::Error::Backend). The default loops over `commit`; see
    /// [`enqueue_many`](Self::enqueue_many) for when to override it.
    async fn commit_many(&self, lobbies: &[Lobby]) -> Result<Vec<Result<CommitOutcome>>> {
        let mut out = Vec::with_capacity(lobbies.len());
        for lobby in lobbies {
            out.push(self.commit(lobby).await);
        }
        Ok(out)
    }

    /// Removes those of `tickets` that are still waiting, appending
    /// [`Event::expired`] for each, and returns them.
    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>>;
}

/// A lobby update and everything that must happen with it, atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct LobbyUpdate {
    /// The lobby in its new state.
    pub lobby: Lobby,
    /// The version the update was computed from.
    pub expected_version: u64,
    /// Tickets to put back in their queues, with their original enqueue time;
    /// appends [`Event::requeued`] for each. Allowed only in the update that
    /// finishes the lobby (unfinished → completed or cancelled); each ticket
    /// must be one of the lobby's own, unchanged, and listed once.
    pub requeue: Vec<Ticket>,
    /// Players who may not queue until the given time. A cooldown never
    /// shortens one already set: the later end wins.
    pub cooldowns: Vec<(PlayerId, DateTime<Utc>)>,
    /// Rating changes on a ladder, each applied only if the stored rating still
    /// equals its `before` (compare-and-set). A player listed twice is compared
    /// with the earlier change's `after`, and keeps the last change's `after`.
    pub ratings: Option<(Ladder, Vec<RatingChange>)>,
    /// The match record to add to the history.
    pub record: Option<MatchRecord>,
}

impl LobbyUpdate {
    /// An update that only changes the lobby's state.
    #[must_use]
    pub fn new(lobby: Lobby, expected_version: u64) -> Self {
        Self {
            lobby,
            expected_version,
            requeue: Vec::new(),
            cooldowns: Vec::new(),
            ratings: None,
            record: None,
        }
    }

    /// Checks the rules an update must meet against the lobby as stored
    /// (`old`, at `stored_version`), in this order, and returns whether the
    /// update finishes the lobby (unfinished → completed or cancelled):
    ///
    /// 1. the stored version is the update's `expected_version`
    ///    ([`Error::Conflict`](crate::Error::Conflict));
    /// 2. the lobby keeps its queue, tickets and seats
    ///    ([`Error::InvalidTicket`](crate::Error::InvalidTicket));
    /// 3. a finished lobby is never updated again (neither reopened nor
    ///    finished another way, nor given ratings or a record twice by an
    ///    update to the same state), and an unfinished one moves forward only
    ///    (forming, awaiting acceptance, ready, dispatched, then completed;
    ///    cancelled from any of them)
    ///    ([`Error::IllegalTransition`](crate::Error::IllegalTransition));
    /// 4. tickets are requeued only by the update that finishes the lobby,
    ///    each one of the lobby's own (unchanged) and listed once
    ///    ([`Error::InvalidTicket`](crate::Error::InvalidTicket)).
    ///
    /// These are the rules every [`LobbyStore`] applies before anything that
    /// depends on the rest of the store (whether a requeued ticket's players
    /// are free, the ratings' compare-and-set, the history), so every adapter
    /// reports the same first error for the same update. Adapters call it
    /// inside their atomic step, with the lobby they just read.
    ///
    /// # Errors
    /// As listed above, for the first rule broken.
    pub fn check_against(&self, old: &Lobby, stored_version: u64) -> Result<bool> {
        let lobby = &self.lobby;
        let id = lobby.id();
        if stored_version != self.expected_version {
            return Err(crate::Error::Conflict(format!(
                "lobby {id} is at version {stored_version}, not {}",
                self.expected_version
            )));
        }
        if lobby.queue() != old.queue()
            || lobby.tickets() != old.tickets()
            || lobby.proposal() != old.proposal()
        {
            return Err(crate::Error::InvalidTicket(format!(
                "lobby {id}: an update cannot change the lobby's queue, tickets or seats"
            )));
        }
        let was_finished = old.phase().is_finished();
        let illegal = |action| {
            Err(crate::Error::IllegalTransition {
                lobby: id,
                state: old.phase().as_str(),
                action,
            })
        };
        if was_finished {
            // Even an update to the same state: it could still carry ratings
            // and a match record, applied a second time.
            return illegal(if lobby.phase().is_finished() {
                "update a finished lobby"
            } else {
                "reopen a finished lobby"
            });
        }
        if progress(lobby.phase()) < progress(old.phase()) {
            return illegal("move a lobby back to an earlier phase");
        }
        let finishing = !was_finished && lobby.phase().is_finished();
        if self.requeue.is_empty() {
            return Ok(finishing);
        }
        if !finishing {
            return Err(crate::Error::InvalidTicket(format!(
                "lobby {id}: tickets are requeued only by the update that finishes the lobby"
            )));
        }
        for (i, ticket) in self.requeue.iter().enumerate() {
            if !old.tickets().contains(ticket) {
                return Err(crate::Error::InvalidTicket(format!(
                    "lobby {id}: ticket {} is not one of its own",
                    ticket.id()
                )));
            }
            // A lobby holds a handful of tickets: a scan beats a set.
            if self.requeue[..i].iter().any(|t| t.id() == ticket.id()) {
                return Err(crate::Error::InvalidTicket(format!(
                    "lobby {id}: ticket {} is requeued twice",
                    ticket.id()
                )));
            }
        }
        Ok(finishing)
    }
}

/// How far along its life a lobby in `phase` is: an update never lowers it.
fn progress(phase: LobbyPhase) -> u8 {
    match phase {
        LobbyPhase::Forming => 0,
        LobbyPhase::AwaitingAcceptance => 1,
        LobbyPhase::Ready => 2,
        LobbyPhase::Dispatched => 3,
        // Both finish the lobby, a cancellation from any earlier phase.
        LobbyPhase::Completed | LobbyPhase::Cancelled => 4,
    }
}

/// Lobbies.
#[async_trait]
pub trait LobbyStore: Send + Sync {
    /// A lobby by id, with its version.
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<Versioned<Lobby>>>;

    /// Applies `update` atomically and returns the lobby's new version (the
    /// expected version + 1): stores the lobby, requeues tickets, sets
    /// cooldowns, writes ratings, records the match, and appends the lobby's
    /// [`state event`](Lobby::state_event) then [`Event::requeued`] per ticket
    /// (at the lobby's `updated_at`). The state event is appended on every
    /// successful update, even when the phase is unchanged (an accept that does
    /// not complete the ready check). When the lobby becomes finished
    /// (completed or cancelled) its players leave the unfinished-lobby index
    /// first, so they are free to queue again and its tickets can be requeued.
    ///
    /// The rules that depend only on the stored lobby are
    /// [`LobbyUpdate::check_against`]; an adapter applies them first, then
    /// those that depend on the rest of the store, so every adapter reports
    /// the same first error.
    ///
    /// # Errors
    /// * [`Error::LobbyNotFound`](crate::Error::LobbyNotFound) if it does not exist;
    /// * [`Error::Conflict`](crate::Error::Conflict) if the stored version is not
    ///   `expected_version`, a rating's stored value is not its `before`, or the
    ///   match is already recorded;
    /// * [`Error::InvalidTicket`](crate::Error::InvalidTicket) if a ticket to
    ///   requeue is not one of the lobby's own (unchanged), is listed twice, or
    ///   the lobby does not finish in this update; or if the update changes the
    ///   lobby's id, queue, tickets or seats;
    /// * [`Error::AlreadyQueued`](crate::Error::AlreadyQueued) if another
    ///   ticket waits under the id of a ticket to requeue (naming that
    ///   ticket's first player, its id and the queue the other ticket waits
    ///   in; see [`TicketStore::enqueue`]), or a player of a ticket to
    ///   requeue already waits (naming the player, the ticket they wait on
    ///   and its queue);
    /// * [`Error::InLobby`](crate::Error::InLobby) if a player of a ticket to
    ///   requeue is in another unfinished lobby;
    /// * [`Error::IllegalTransition`](crate::Error::IllegalTransition) if the
    ///   lobby is finished already, or the update moves it back to an earlier
    ///   phase;
    /// * [`Error::InvalidResult`](crate::Error::InvalidResult) if `record.lobby`
    ///   is not the lobby's id.
    async fn update_lobby(&self, update: LobbyUpdate) -> Result<u64>;

    /// The unfinished lobby `player` is in, if any.
    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>>;

    /// Unfinished lobbies whose ready-check deadline is at or before `before`,
    /// earliest deadline first, at most `limit`.
    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>>;
}

/// Ratings per ladder.
#[async_trait]
pub trait RatingStore: Send + Sync {
    /// The stored ratings of `players` on `ladder`, in the same order, one per
    /// player asked for (`None` if none is stored; a player asked for twice
    /// is answered twice).
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>>;

    /// Stores ratings unconditionally (imports, admin corrections, season
    /// resets), all in one atomic step.
    ///
    /// A player listed more than once keeps the **last** of their ratings,
    /// as if the pairs were stored one after another: `[(p, a), (q, b), (p,
    /// c)]` leaves `p` at `c` and `q` at `b`. (A single SQL upsert cannot
    /// touch a row twice: keep each player's last pair before writing.)
    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()>;
}

/// Parties.
#[async_trait]
pub trait PartyStore: Send + Sync {
    /// A party by id, with its version.
    async fn party(&self, party: PartyId) -> Result<Option<Versioned<Party>>>;

    /// The party `player` belongs to.
    async fn party_of(&self, player: PlayerId) -> Result<Option<Versioned<Party>>>;

    /// Creates (`expected_version: None`) or updates a party and returns its new
    /// version.
    ///
    /// # Errors
    /// * [`Error::Conflict`](crate::Error::Conflict) if it exists on create, or its
    ///   version is not `expected_version` on update (or it is gone);
    /// * [`Error::PartyRule`](crate::Error::PartyRule) if a member belongs to
    ///   another party.
    async fn save_party(&self, party: &Party, expected_version: Option<u64>) -> Result<u64>;

    /// Deletes a party (its members are free to join others).
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) if its version is not
    /// `expected_version` or it is gone.
    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()>;
}

/// The history of played matches.
#[async_trait]
pub trait MatchHistory: Send + Sync {
    /// The record of the match lobby `lobby` played.
    async fn match_record(&self, lobby: LobbyId) -> Result<Option<MatchRecord>>;

    /// Matches `player` played that completed in `[from, to)`, newest first, at
    /// most `limit`. A range with `from` at or after `to` is empty: it lists
    /// nothing and is not an error.
    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MatchRecord>>;
}

/// The ordered log of events.
#[async_trait]
pub trait EventLog: Send + Sync {
    /// Up to `limit` events after `after` (from the start with `None`), in the
    /// order they happened, each with its cursor.
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>>;
}

/// Every port at once: what the runner needs from one backend.
pub trait Store:
    TicketStore + LobbyStore + RatingStore + PartyStore + MatchHistory + EventLog
{
}

impl<T> Store for T where
    T: TicketStore + LobbyStore + RatingStore + PartyStore + MatchHistory + EventLog
{
}

/// The runner holds stores as `Arc<DynStore>`.
pub type DynStore = dyn Store;
