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
///   time.
/// * **Never forgets on its own.** Finished lobbies, match records, cooldowns
///   and the event log stay until the store is dropped; a long-running process
///   that uses this store as its only backend grows with its history.
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
