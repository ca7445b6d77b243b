//! A tick whose `commit_many` fails as a whole, as a networked store's does
//! when the reply is lost with the connection: the outcome is unknown, so the
//! tick reads the batch's lobbies back and reports what the store holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{LobbyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::{Lobby, LobbyPhase};
use matchforge_core::ports::{LobbyStore, LobbyUpdate, TicketStore};
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::ticket::{Attributes, Ticket};
use matchforge_memory::MemoryStore;
use matchforge_runner::clock::SimulatedClock;
use matchforge_runner::ids::{IdGenerator, SeededIds};
use matchforge_runner::{Matchmaker, PlayerStatus, QueueSettings};

mod common;
use common::{Hooked, Hooks};

/// A `commit_many` that, while `lose` is set, applies the first `applied`
/// lobbies of the batch (each whole, as a store that sends a batch in parts
/// does) and then fails the whole call as a lost reply does. With
/// `decline_first`, the batch's first lobby is then declined, as a player
/// (or another runner's sweep) might before the tick looks. With
/// `fail_lookups`, `lobby` fails too: the store is still unreachable.
struct LostReply {
    lose: AtomicBool,
    applied: usize,
    decline_first: bool,
    fail_lookups: bool,
}

/// A memory store whose replies to `commit_many` are lost.
type LostReplyStore = Hooked<LostReply>;

impl LostReply {
    fn new(applied: usize) -> Self {
        Self {
            lose: AtomicBool::new(true),
            applied,
            decline_first: false,
            fail_lookups: false,
        }
    }
}

const LOST: &str = "commit_many: the connection failed and the outcome is unknown";

fn lost_reply() -> Error {
    Error::backend(
        "test",
        LOST,
        std::io::Error::from(std::io::ErrorKind::ConnectionReset),
    )
}

fn unreachable() -> Error {
    Error::backend(
        "test",
        "reading a lobby",
        std::io::Error::other("connection refused"),
    )
}

#[async_trait]
impl Hooks for LostReply {
    async fn commit_many(&self, store: &MemoryStore, lobbies: &[Lobby]) -> Result<()> {
        if !self.lose.load(Ordering::SeqCst) {
            return Ok(());
        }
        let part = &lobbies[..self.applied.min(lobbies.len())];
        store.commit_many(part).await?;
        if self.decline_first && !part.is_empty() {
            let mut lobby = part[0].clone();
            let player = lobby.players().next().unwrap();
            lobby.decline(player, lobby.updated_at()).unwrap();
            store
                .update_lobby(LobbyUpdate::new(lobby, 1))
                .await
                .unwrap();
        }
        Err(lost_reply())
    }
    fn lobby(&self, _: LobbyId) -> Result<()> {
        if self.fail_lookups {
            return Err(unreachable());
        }
        Ok(())
    }
}

fn duel() -> QueueName {
    QueueName::new("duel")
}

/// A matchmaker over `store` with two 1v1 queues, `duel` (20-second ready
/// check) and `other`, taking its ids from `ids`.
fn matchmaker(store: &Arc<LostReplyStore>, ids: Arc<dyn IdGenerator>) -> Matchmaker {
    let start = Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap();
    let one_v_one = |name: &str| {
        QueueSettings::new(
            QueueSpec::new(name, MatchFormat::one_v_one())
                .with_rating_window(Widening::fixed(400.0).unwrap())
                .build()
                .unwrap(),
        )
    };
    Matchmaker::builder(store.clone())
        .clock(Arc::new(SimulatedClock::new(start)))
        .ids(ids)
        .queue(one_v_one("duel").with_ready_check(Duration::from_secs(20)))
        .queue(one_v_one("other"))
        .build()
        .unwrap()
}

/// Players 1 to 4 join `duel`: one tick proposes two lobbies, committed in
/// one batch.
async fn join_four(mm: &Matchmaker) {
    for n in 1..=4 {
        mm.join("duel", PlayerId::from_u128(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
}

/// A matchmaker (seeded ids) with four players waiting in `duel`.
async fn four_duellists(store: &Arc<LostReplyStore>) -> Matchmaker {
    let mm = matchmaker(store, Arc::new(SeededIds::new(7)));
    join_four(&mm).await;
    mm
}

/// Every lobby of `lobbies` is stored with the tickets the tick gave it, and
/// seats its players.
async fn assert_stored(mm: &Matchmaker, store: &LostReplyStore, lobbies: &[Lobby]) {
    for lobby in lobbies {
        let stored = store.inner.lobby(lobby.id()).await.unwrap().unwrap();
        assert_eq!(stored.value.tickets(), lobby.tickets());
        for player in lobby.players() {
            assert!(matches!(
                mm.status(player).await.unwrap(),
                PlayerStatus::InLobby(l) if l.id() == lobby.id()
            ));
        }
    }
}

#[tokio::test]
async fn lobbies_the_store_holds_after_a_lost_reply_are_reported() {
    let store = Arc::new(Hooked::new(LostReply::new(usize::MAX)));
    let mm = four_duellists(&store).await;
    let tick = mm.tick_queue(&duel()).await.expect("the tick goes on");
    assert_eq!(
        (tick.matches, tick.players, tick.failed, tick.conflicts),
        (2, 4, 0, 0)
    );
    assert_eq!(tick.lobbies.len(), 2);
    assert_stored(&mm, &store, &tick.lobbies).await;
    // Reported as a reply saying `Committed` would have: as committed.
    for lobby in &tick.lobbies {
        let stored = store.inner.lobby(lobby.id()).await.unwrap().unwrap();
        assert_eq!((&stored.value, stored.version), (lobby, 1));
    }
    assert!(store.inner.tickets(&duel()).await.unwrap().is_empty());
}

#[tokio::test]
async fn lobbies_of_a_lost_batch_the_store_does_not_hold_fail_and_their_tickets_wait() {
    let store = Arc::new(Hooked::new(LostReply::new(0)));
    let mm = four_duellists(&store).await;
    let tick = mm.tick_queue(&duel()).await.expect("the tick goes on");
    assert_eq!((tick.matches, tick.players, tick.failed), (0, 0, 2));
    assert!(tick.lobbies.is_empty());
    assert_eq!(store.inner.tickets(&duel()).await.unwrap().len(), 4);
    for n in 1..=4 {
        assert!(matches!(
            mm.status(PlayerId::from_u128(n)).await.unwrap(),
            PlayerStatus::Queued(_)
        ));
    }
    // Once the store answers again, the next tick matches them.
    store.hooks.lose.store(false, Ordering::SeqCst);
    let next = mm.tick_queue(&duel()).await.unwrap();
    assert_eq!((next.matches, next.failed), (2, 0));
    assert_stored(&mm, &store, &next.lobbies).await;
}

#[tokio::test]
async fn a_lost_batch_applied_in_part_reports_the_part_it_holds() {
    let store = Arc::new(Hooked::new(LostReply::new(1)));
    let mm = four_duellists(&store).await;
    let tick = mm.tick_queue(&duel()).await.expect("the tick goes on");
    assert_eq!((tick.matches, tick.players, tick.failed), (1, 2, 1));
    assert_stored(&mm, &store, &tick.lobbies).await;
    // The other lobby's tickets wait, and nothing else does.
    let waiting: Vec<TicketId> = store
        .inner
        .tickets(&duel())
        .await
        .unwrap()
        .iter()
        .map(Ticket::id)
        .collect();
    assert_eq!(waiting.len(), 2);
    assert!(
        tick.lobbies[0]
            .ticket_ids()
            .all(|id| !waiting.contains(&id))
    );
}

/// A lobby the store holds but that has moved on since (here declined
/// before the tick looked) is still reported: the tick created it and
/// claimed its tickets, as a reply saying `Committed` would have told.
#[tokio::test]
async fn a_held_lobby_that_moved_on_is_still_reported() {
    let store = Arc::new(Hooked::new(LostReply {
        decline_first: true,
        ..LostReply::new(usize::MAX)
    }));
    let mm = four_duellists(&store).await;
    let tick = mm.tick_queue(&duel()).await.expect("the tick goes on");
    assert_eq!((tick.matches, tick.failed), (2, 0));
    let first = store
        .inner
        .lobby(tick.lobbies[0].id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.value.phase(), LobbyPhase::Cancelled);
    assert_eq!(tick.lobbies[0].phase(), LobbyPhase::AwaitingAcceptance);
}

/// Ids 1, 2, 3, ... from a counter the test can move.
#[derive(Debug, Default)]
struct CountingIds(AtomicU64);

impl IdGenerator for CountingIds {
    fn next_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::SeqCst) + 1))
    }
}

/// A stored lobby with a batch lobby's id but not its tickets is another
/// lobby (the batch refused the taken id), so it is not reported.
#[tokio::test]
async fn a_lobby_whose_id_another_lobby_holds_is_not_reported() {
    let store = Arc::new(Hooked::new(LostReply::new(usize::MAX)));
    let ids = Arc::new(CountingIds::default());
    let mm = matchmaker(&store, ids.clone());
    // A lobby of another queue takes an id, with replies not lost.
    store.hooks.lose.store(false, Ordering::SeqCst);
    for n in [10, 11] {
        mm.join("other", PlayerId::from_u128(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let other = mm.tick_queue(&QueueName::new("other")).await.unwrap();
    let taken = other.lobbies[0].id();
    // The batch's first lobby is given the taken id, and its reply is lost.
    join_four(&mm).await;
    store.hooks.lose.store(true, Ordering::SeqCst);
    let before = u64::try_from(taken.as_uuid().as_u128()).unwrap() - 1;
    ids.0.store(before, Ordering::SeqCst);
    let tick = mm.tick_queue(&duel()).await.expect("the tick goes on");
    assert_eq!((tick.matches, tick.failed), (1, 1));
    assert_ne!(tick.lobbies[0].id(), taken);
    assert_stored(&mm, &store, &tick.lobbies).await;
    assert_eq!(store.inner.tickets(&duel()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn lookups_that_fail_too_return_the_commit_error() {
    for applied in [0, usize::MAX] {
        let store = Arc::new(Hooked::new(LostReply {
            fail_lookups: true,
            ..LostReply::new(applied)
        }));
        let mm = four_duellists(&store).await;
        let error = mm
            .tick_queue(&duel())
            .await
            .expect_err("nothing is known, so the tick fails");
        assert!(
            matches!(&error, Error::Backend { message, .. } if message == LOST),
            "{error}"
        );
        // The tick wrote nothing of its own: the store holds what the lost
        // call did.
        let waiting = store.inner.tickets(&duel()).await.unwrap().len();
        assert_eq!(waiting, if applied == 0 { 4 } else { 0 });
    }
}
