//! # matchforge-memory
//!
//! The in-memory storage adapter of MatchForge: [`MemoryStore`] implements every
//! port of [`matchforge_core::ports`], so it is a [`Store`] the runner can hold
//! as `Arc<DynStore>`. It is the embedded default, the store of tests and of the
//! simulator, and the reference the conformance suite in `matchforge-testkit`
//! is checked against.
//!
//! Nothing survives the process: use the Redis or Postgres adapter when
//! tickets, lobbies and ratings must outlive a restart or be shared between
//! processes.
//!
//! [`Store`]: matchforge_core::ports::Store

mod events;
mod lobbies;
mod parties;
mod queue;
mod state;
mod tickets;

use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use state::State;

/// Every port in memory, safe to share between tasks and threads.
///
/// # Design
///
/// * **One lock, so every call is atomic.** The whole state sits behind one
///   [`std::sync::Mutex`]; each method takes it once, validates everything,
///   and only then changes anything, appending its events in the same critical
///   section. A failed call therefore leaves the store exactly as it was, and
///   concurrent commits over the same tickets claim each ticket at most once.
///   The lock is never held across an `.await` (the methods are `async` only
///   because the ports are), so it cannot stall the runtime for longer than
///   one in-memory operation.
/// * **One copy of each waiting ticket.** A queue keeps its tickets in arrival
///   order in a slab: enqueue is a push and cancel leaves a hole, both O(1)
///   (amortised: holes are squeezed out once they outnumber the tickets).
///   [`tickets`](matchforge_core::ports::TicketStore::tickets) returns them
///   oldest first: arrival order is enqueue-time order except for requeued
///   tickets (they keep their older time) and enqueues that race slightly out
///   of time order, so the slab only remembers *whether* an append broke the
///   order, and the next read re-sorts it in place with Rust's run-adaptive
///   stable sort, O(n) when a few tickets are out of place. A read copies every
///   ticket, O(n), so the sort costs no more than the read itself.
/// * **Indexes, not copies,** answer the other questions: the queue and ticket
///   of each waiting player, the unfinished lobby of each player, open ready
///   checks by deadline, each player's party and match records by completion
///   time, and (for pruning) finished lobbies and all match records by time.
/// * **Forgets only when told.** Finished lobbies, match records, ended
///   cooldowns and the event log stay until pruned. A long-running process
///   that uses this store as its only backend limits the log with
///   [`with_event_log_max_len`](MemoryStore::with_event_log_max_len) and
///   prunes the rest from a periodic task:
///   [`prune_finished_lobbies`](MemoryStore::prune_finished_lobbies),
///   [`prune_history`](MemoryStore::prune_history) and
///   [`prune_cooldowns`](MemoryStore::prune_cooldowns) (see
///   [Retention](#retention)). Each costs time in proportion to what it
///   removes (cooldowns: to the cooldowns held), under the one lock.
///
/// # Retention
///
/// What the pruning methods remove is gone from every port: a pruned lobby
/// is [`Error::LobbyNotFound`](matchforge_core::Error::LobbyNotFound) to
/// [`update_lobby`](matchforge_core::ports::LobbyStore::update_lobby) and
/// `None` to [`lobby`](matchforge_core::ports::LobbyStore::lobby), and a
/// pruned record is no longer in
/// [`matches_of`](matchforge_core::ports::MatchHistory::matches_of). Waiting
/// tickets, unfinished lobbies, parties and ratings are never pruned.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use matchforge_memory::MemoryStore;
///
/// let store = MemoryStore::new().with_event_log_max_len(1_000_000);
/// // From a maintenance task, say once a minute, with the runner's clock:
/// let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// let pruned = store.prune_finished_lobbies(now - Duration::hours(1))
///     + store.prune_history(now - Duration::days(30))
///     + store.prune_cooldowns(now);
/// assert_eq!(pruned, 0);
/// ```
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::ids::{PlayerId, QueueName, TicketId};
/// use matchforge_core::ports::{EventLog, TicketStore};
/// use matchforge_core::rating::{PartyRating, Rating};
/// use matchforge_core::ticket::{Ticket, TicketPlayer};
/// use matchforge_core::Error;
/// use matchforge_memory::MemoryStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Error> {
/// let store = MemoryStore::new();
/// let queue = QueueName::new("duel");
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// let ticket = |n: u128, secs: i64| {
///     Ticket::builder(TicketId::from_u128(n), queue.clone(), t0 + chrono::Duration::seconds(secs))
///         .player(TicketPlayer::new(PlayerId::from_u128(n), Rating::new(1500.0, 80.0, 0.06)?))
///         .build(&PartyRating::Average)
/// };
///
/// // Enqueued out of time order, listed oldest first.
/// store.enqueue(ticket(1, 5)?).await?;
/// store.enqueue(ticket(2, 0)?).await?;
/// let waiting: Vec<u128> = store.tickets(&queue).await?.iter().map(|t| t.id().as_uuid().as_u128()).collect();
/// assert_eq!(waiting, vec![2, 1]);
///
/// // A player waits on one ticket at a time, in any queue.
/// let again = Ticket::builder(TicketId::from_u128(3), QueueName::new("other"), t0)
///     .player(TicketPlayer::new(PlayerId::from_u128(1), Rating::new(1500.0, 80.0, 0.06)?))
///     .build(&PartyRating::Average)?;
/// assert!(matches!(store.enqueue(again).await, Err(Error::AlreadyQueued { .. })));
///
/// // Two tickets queued, one cancelled: three events, the failed call added none.
/// store.cancel(TicketId::from_u128(1), t0 + chrono::Duration::seconds(9)).await?;
/// assert_eq!(store.events_after(None, 100).await?.len(), 3);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps at most `max_len` events in the log, dropping the oldest as new
    /// ones are appended (the Redis adapter's option of the same name, exact
    /// here). Cursors keep counting from the first event ever appended; a
    /// reader that falls more than `max_len` events behind misses the ones
    /// dropped (see [`EventLog`](matchforge_core::ports::EventLog) on this
    /// store), so size it for the slowest reader. Unset, the log keeps every
    /// event.
    #[must_use]
    pub fn with_event_log_max_len(self, max_len: usize) -> Self {
        {
            let mut state = self.lock();
            state.event_log_max_len = Some(max_len);
            state.trim_events();
        }
        self
    }

    /// Removes the lobbies that finished (completed or were cancelled)
    /// before `before`, by their last update; returns how many.
    ///
    /// A lobby id is refused by [`commit`](matchforge_core::ports::TicketStore::commit)
    /// only while the lobby is stored: after pruning, the id is free again.
    /// Its match record, if not pruned with
    /// [`prune_history`](Self::prune_history), still answers for that id, and
    /// a new lobby under the id cannot record a match until it is. Lobby ids
    /// are random, so that matters only for a caller that reuses them on
    /// purpose.
    pub fn prune_finished_lobbies(&self, before: DateTime<Utc>) -> usize {
        self.lock().prune_lobbies(before)
    }

    /// Removes the match records completed before `before` from the history;
    /// returns how many.
    pub fn prune_history(&self, before: DateTime<Utc>) -> usize {
        self.lock().prune_records(before)
    }

    /// Removes the decline cooldowns that ended at or before `now`, which no
    /// longer hold anyone back; returns how many. Pass the time the store's
    /// callers enqueue at: a cooldown still running at a later `now` would be
    /// lifted early.
    pub fn prune_cooldowns(&self, now: DateTime<Utc>) -> usize {
        self.lock().prune_cooldowns(now)
    }

    /// Locks the state for one operation.
    ///
    /// A panic while the lock is held cannot leave the state half-changed:
    /// every method validates before it mutates, and the mutations themselves
    /// do not panic. So a poisoned lock still guards a consistent state and is
    /// taken over rather than turned into an error for every later caller.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
