//! `Runner::run` over a store that fails some calls: the loop goes on
//! without spinning, and a failing queue does not stop the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::party::Party;
use matchforge_core::ports::{
    CommitOutcome, EventLog, LobbyStore, LobbyUpdate, MatchHistory, PartyStore, RatingStore,
    TicketStore, Versioned,
};
use matchforge_core::queue::{MatchFormat, QueueSpec};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::{Attributes, Ticket};
use matchforge_memory::MemoryStore;
use matchforge_runner::{Matchmaker, QueueSettings, Runner};

/// A memory store whose `tickets` of one queue, and (when told) whose
/// `lobbies_due`, fail as a store that lost its server does; it counts
/// those failed reads, and every `lobbies_due` (one per sweep page).
#[derive(Default)]
struct FailingStore {
    inner: MemoryStore,
    failing_queue: Option<QueueName>,
    fail_sweep: AtomicBool,
    tickets_calls: AtomicUsize,
    sweep_calls: AtomicUsize,
}

fn outage() -> Error {
    Error::backend(
        "test",
        "reading",
        std::io::Error::other("connection refused"),
    )
}

#[async_trait]
impl TicketStore for FailingStore {
    async fn enqueue(&self, ticket: Ticket) -> Result<()> {
        self.inner.enqueue(ticket).await
    }
    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket> {
        self.inner.cancel(ticket, at).await
    }
    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>> {
        self.inner.ticket(ticket).await
    }
    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>> {
        self.inner.ticket_of(player).await
    }
    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>> {
        if self.failing_queue.as_ref() == Some(queue) {
            self.tickets_calls.fetch_add(1, Ordering::SeqCst);
            return Err(outage());
        }
        self.inner.tickets(queue).await
    }
    async fn commit(&self, lobby: &Lobby) -> Result<CommitOutcome> {
        self.inner.commit(lobby).await
    }
    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>> {
        self.inner.expire(tickets, at).await
    }
}

#[async_trait]
impl LobbyStore for FailingStore {
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<Versioned<Lobby>>> {
        self.inner.lobby(lobby).await
    }
    async fn update_lobby(&self, update: LobbyUpdate) -> Result<u64> {
        self.inner.update_lobby(update).await
    }
    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>> {
        self.inner.lobby_of(player).await
    }
    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>> {
        self.sweep_calls.fetch_add(1, Ordering::SeqCst);
        if self.fail_sweep.load(Ordering::SeqCst) {
            return Err(outage());
        }
        self.inner.lobbies_due(before, limit).await
    }
}

#[async_trait]
impl RatingStore for FailingStore {
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>> {
        self.inner.ratings(ladder, players).await
    }
    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()> {
        self.inner.put_ratings(ladder, ratings).await
    }
}

#[async_trait]
impl PartyStore for FailingStore {
    async fn party(&self, party: PartyId) -> Result<Option<Versioned<Party>>> {
        self.inner.party(party).await
    }
    async fn party_of(&self, player: PlayerId) -> Result<Option<Versioned<Party>>> {
        self.inner.party_of(player).await
    }
    async fn save_party(&self, party: &Party, expected_version: Option<u64>) -> Result<u64> {
        self.inner.save_party(party, expected_version).await
    }
    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()> {
        self.inner.delete_party(party, expected_version).await
    }
}

#[async_trait]
impl MatchHistory for FailingStore {
    async fn match_record(&self, lobby: LobbyId) -> Result<Option<MatchRecord>> {
        self.inner.match_record(lobby).await
    }
    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MatchRecord>> {
        self.inner.matches_of(player, from, to, limit).await
    }
}

#[async_trait]
impl EventLog for FailingStore {
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>> {
        self.inner.events_after(after, limit).await
    }
}

fn queue(name: &str, priority: u8) -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new(name, MatchFormat::one_v_one())
            .build()
            .unwrap(),
    )
    .without_ready_check()
    .with_priority(priority)
    .with_tick_interval(Duration::from_millis(100))
}

/// Runs `runner` on the system clock for `secs` seconds of real time.
async fn run_for(runner: &Runner, secs: f64) {
    let stop = tokio::time::sleep(Duration::from_secs_f64(secs));
    tokio::time::timeout(Duration::from_secs_f64(secs + 5.0), runner.run(stop))
        .await
        .expect("the runner stops promptly once shut down")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_queue_neither_spins_the_loop_nor_starves_the_others() {
    let store = Arc::new(FailingStore {
        failing_queue: Some(QueueName::new("first")),
        ..FailingStore::default()
    });
    let mm = Arc::new(
        Matchmaker::builder(store.clone())
            .queue(queue("first", 0))
            .queue(queue("second", 1))
            .build()
            .unwrap(),
    );
    for n in 1..=2 {
        mm.join("second", PlayerId::from_u128(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let runner = Runner::new(mm.clone());
    run_for(&runner, 1.0).await;
    let calls = store.tickets_calls.load(Ordering::SeqCst);
    // One try per tick interval (100 ms) at most, with some slack: not
    // thousands of back-to-back retries.
    assert!(
        (1..=15).contains(&calls),
        "{calls} reads of the failing queue"
    );
    // The queue after the failing one was ticked all the same.
    assert!(
        store
            .inner
            .ticket_of(PlayerId::from_u128(1))
            .await
            .unwrap()
            .is_none(),
        "the second queue's players were never matched"
    );
    assert!(mm.status(PlayerId::from_u128(1)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sweep_does_not_spin_the_loop() {
    let store = Arc::new(FailingStore::default());
    store.fail_sweep.store(true, Ordering::SeqCst);
    let mm = Arc::new(
        Matchmaker::builder(store.clone())
            .queue(queue("only", 0))
            .build()
            .unwrap(),
    );
    let runner = Runner::new(mm);
    run_for(&runner, 1.0).await;
    // Tried again every round, one per tick interval (100 ms) at most.
    let calls = store.sweep_calls.load(Ordering::SeqCst);
    assert!(
        (1..=15).contains(&calls),
        "{calls} failed sweeps in a second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_of_disabled_queues_sweeps_without_spinning() {
    let store = Arc::new(FailingStore::default());
    let mm = Arc::new(
        Matchmaker::builder(store.clone())
            .queue(queue("off", 0).enabled(false))
            .build()
            .unwrap(),
    );
    let runner = Runner::new(mm);
    run_for(&runner, 1.0).await;
    // A sweep every half second, as documented.
    let calls = store.sweep_calls.load(Ordering::SeqCst);
    assert!((1..=5).contains(&calls), "{calls} sweeps in a second");
}
