//! One bad lobby must not stall the ready-check sweep for the others: a
//! lobby the store cannot read or update (its stored body no longer
//! decodes, a party of its tickets does not, a corrupt cooldown of one of
//! its players) fails on every sweep, and the lobbies due after it must
//! still time out.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{LobbyId, PartyId, PlayerId, QueueName};
use matchforge_core::lobby::{Lobby, LobbyPhase};
use matchforge_core::ports::{LobbyStore, LobbyUpdate};
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::ticket::Attributes;
use matchforge_runner::clock::SimulatedClock;
use matchforge_runner::ids::SeededIds;
use matchforge_runner::{Matchmaker, PlayerStatus, QueueSettings, Runner};

mod common;
use common::{Hooked, Hooks};

/// Poisoned records: reading a lobby of `unreadable` or a party of
/// `unreadable_parties` fails, and so does updating a lobby of
/// `unwritable`, every time, as a networked store fails on a stored value
/// that no longer decodes. With `down_after_poison`, meeting a poisoned
/// record takes the whole store down instead (every later `lobbies_due`
/// and `lobby` fails too): a backend that failed, not a record. It counts
/// `lobby` reads, and the due lobbies the sweep asks for.
#[derive(Default)]
struct Poison {
    unreadable: Mutex<HashSet<LobbyId>>,
    unwritable: Mutex<HashSet<LobbyId>>,
    unreadable_parties: Mutex<HashSet<PartyId>>,
    down_after_poison: bool,
    down: AtomicBool,
    lobby_reads: AtomicUsize,
    due_asked: AtomicUsize,
}

/// A memory store with poisoned records.
type PoisonStore = Hooked<Poison>;

impl Poison {
    /// The error for a poisoned record, taking the store down if told to.
    fn poisoned(&self, what: &str) -> Error {
        if self.down_after_poison {
            self.down.store(true, Ordering::SeqCst);
        }
        Error::backend(
            "test",
            format!("a stored {what} does not decode"),
            std::io::Error::from(std::io::ErrorKind::InvalidData),
        )
    }

    fn check_up(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::backend(
                "test",
                "reading",
                std::io::Error::other("connection refused"),
            ));
        }
        Ok(())
    }
}

impl Hooks for Poison {
    fn lobby(&self, lobby: LobbyId) -> Result<()> {
        self.lobby_reads.fetch_add(1, Ordering::SeqCst);
        self.check_up()?;
        if self.unreadable.lock().unwrap().contains(&lobby) {
            return Err(self.poisoned("lobby"));
        }
        Ok(())
    }
    fn update_lobby(&self, update: &LobbyUpdate) -> Result<()> {
        self.check_up()?;
        if self.unwritable.lock().unwrap().contains(&update.lobby.id()) {
            return Err(self.poisoned("cooldown"));
        }
        Ok(())
    }
    fn lobbies_due(&self, _: DateTime<Utc>, limit: usize) -> Result<()> {
        self.due_asked.fetch_add(limit, Ordering::SeqCst);
        self.check_up()
    }
    fn party(&self, party: PartyId) -> Result<()> {
        if self.unreadable_parties.lock().unwrap().contains(&party) {
            return Err(self.poisoned("party"));
        }
        Ok(())
    }
}

fn p(n: u128) -> PlayerId {
    PlayerId::from_u128(n)
}

fn duel() -> QueueName {
    QueueName::new("duel")
}

/// A matchmaker over `store` running `duel`, 1v1 with a 20-second ready
/// check and a 60-second decline cooldown, on a simulated clock.
fn matchmaker(store: &Arc<PoisonStore>) -> (Arc<Matchmaker>, Arc<SimulatedClock>) {
    let clock = Arc::new(SimulatedClock::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap(),
    ));
    let settings = QueueSettings::new(
        QueueSpec::new("duel", MatchFormat::one_v_one())
            .with_rating_window(Widening::fixed(400.0).unwrap())
            .build()
            .unwrap(),
    )
    .with_ready_check(Duration::from_secs(20))
    .with_decline_cooldown(Duration::from_secs(60));
    let mm = Matchmaker::builder(store.clone())
        .clock(clock.clone())
        .ids(Arc::new(SeededIds::new(3)))
        .queue(settings)
        .build()
        .unwrap();
    (Arc::new(mm), clock)
}

/// Two lobbies a second apart: players 1 and 2 in the first (due first),
/// 3 and 4 in the second. Player 1 and player 3 accept. The clock is then
/// past both deadlines.
async fn two_lobbies(mm: &Matchmaker, clock: &SimulatedClock) -> (Lobby, Lobby) {
    mm.join("duel", p(1), Attributes::new(), &[]).await.unwrap();
    mm.join("duel", p(2), Attributes::new(), &[]).await.unwrap();
    let first = mm.tick_queue(&duel()).await.unwrap().lobbies[0].clone();
    clock.advance(Duration::from_secs(1));
    mm.join("duel", p(3), Attributes::new(), &[]).await.unwrap();
    mm.join("duel", p(4), Attributes::new(), &[]).await.unwrap();
    let second = mm.tick_queue(&duel()).await.unwrap().lobbies[0].clone();
    mm.accept(first.id(), p(1)).await.unwrap();
    mm.accept(second.id(), p(3)).await.unwrap();
    clock.advance(Duration::from_secs(21));
    (first, second)
}

/// The second lobby timed out as usual: cancelled, its accepter requeued,
/// its non-responder on the cooldown.
async fn assert_timed_out(mm: &Matchmaker, second: &Lobby) {
    assert_eq!(
        mm.lobby(second.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::Cancelled,
        "the lobby due after the poisoned one timed out"
    );
    assert!(matches!(
        mm.status(p(3)).await.unwrap(),
        PlayerStatus::Queued(_)
    ));
    assert!(matches!(
        mm.join("duel", p(4), Attributes::new(), &[]).await,
        Err(Error::Cooldown { .. })
    ));
}

/// A lobby whose stored body no longer decodes (say, it holds a ticket an
/// earlier version stored, which this one refuses) fails every read. The
/// lobby due after it still times out, on every sweep it is due, and so
/// does a runner's step.
#[tokio::test]
async fn a_lobby_that_cannot_be_read_stalls_no_other_ready_check() {
    let store = Arc::new(Hooked::new(Poison::default()));
    let (mm, clock) = matchmaker(&store);
    let (first, second) = two_lobbies(&mm, &clock).await;
    store.hooks.unreadable.lock().unwrap().insert(first.id());

    let runner = Runner::new(mm.clone());
    let report = runner.step().await.expect("the round goes through");
    assert_eq!(report.ready_checks_expired, 1);
    assert_timed_out(&mm, &second).await;
    // The poisoned lobby is tried again on the next sweep, and the one
    // after that, without failing them.
    assert_eq!(mm.expire_ready_checks().await.unwrap(), 0);
    assert_eq!(
        store
            .inner
            .lobby(first.id())
            .await
            .unwrap()
            .unwrap()
            .value
            .phase(),
        LobbyPhase::AwaitingAcceptance
    );
    // Once it reads again, it times out like any other.
    store.hooks.unreadable.lock().unwrap().clear();
    assert_eq!(mm.expire_ready_checks().await.unwrap(), 1);
    assert_eq!(
        mm.lobby(first.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::Cancelled
    );
}

/// A lobby whose update the store fails every time (as the Redis store
/// does when a player's stored cooldown does not decode) does not keep the
/// sweep from the lobbies due after it.
#[tokio::test]
async fn a_lobby_that_cannot_be_updated_stalls_no_other_ready_check() {
    let store = Arc::new(Hooked::new(Poison::default()));
    let (mm, clock) = matchmaker(&store);
    let (first, second) = two_lobbies(&mm, &clock).await;
    store.hooks.unwritable.lock().unwrap().insert(first.id());

    assert_eq!(
        mm.expire_ready_checks()
            .await
            .expect("the sweep goes through"),
        1
    );
    assert_timed_out(&mm, &second).await;
    assert_eq!(
        mm.lobby(first.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::AwaitingAcceptance,
        "the lobby the store cannot update is left as it is"
    );
}

/// A ready check that ran out requeues a party ticket only if its party
/// still has exactly its players, so the sweep reads the party: a party
/// that does not decode does not keep the sweep from the lobbies due after
/// it.
#[tokio::test]
async fn a_party_that_cannot_be_read_stalls_no_other_ready_check() {
    let store = Arc::new(Hooked::new(Poison::default()));
    let (mm, clock) = matchmaker(&store);
    let party = mm.create_party(p(1)).await.unwrap();
    mm.join_party(
        "duel",
        party.id(),
        p(1),
        Attributes::new(),
        &BTreeMap::new(),
    )
    .await
    .unwrap();
    mm.join("duel", p(2), Attributes::new(), &[]).await.unwrap();
    let first = mm.tick_queue(&duel()).await.unwrap().lobbies[0].clone();
    clock.advance(Duration::from_secs(1));
    mm.join("duel", p(3), Attributes::new(), &[]).await.unwrap();
    mm.join("duel", p(4), Attributes::new(), &[]).await.unwrap();
    let second = mm.tick_queue(&duel()).await.unwrap().lobbies[0].clone();
    mm.accept(first.id(), p(1)).await.unwrap();
    mm.accept(second.id(), p(3)).await.unwrap();
    clock.advance(Duration::from_secs(21));
    store
        .hooks
        .unreadable_parties
        .lock()
        .unwrap()
        .insert(party.id());

    assert_eq!(
        mm.expire_ready_checks()
            .await
            .expect("the sweep goes through"),
        1
    );
    assert_timed_out(&mm, &second).await;
}

/// A store that goes down during the sweep is not asked for every due
/// lobby in turn: the sweep lists the due lobbies again after a lobby
/// fails, and that failure ends it.
#[tokio::test]
async fn a_store_that_goes_down_mid_sweep_fails_the_sweep_at_once() {
    let store = Arc::new(Hooked::new(Poison {
        down_after_poison: true,
        ..Poison::default()
    }));
    let (mm, clock) = matchmaker(&store);
    let (first, second) = two_lobbies(&mm, &clock).await;
    store.hooks.unreadable.lock().unwrap().insert(first.id());
    let reads = store.hooks.lobby_reads.load(Ordering::SeqCst);

    assert!(mm.expire_ready_checks().await.is_err());
    assert_eq!(
        store.hooks.lobby_reads.load(Ordering::SeqCst) - reads,
        1,
        "only the lobby that failed was read"
    );
    store.hooks.down.store(false, Ordering::SeqCst);
    assert_eq!(
        store
            .inner
            .lobby(second.id())
            .await
            .unwrap()
            .unwrap()
            .value
            .phase(),
        LobbyPhase::AwaitingAcceptance
    );
}

/// Many lobbies the store fails on (say, every lobby an upgrade left
/// holding a ticket the new version refuses) cost the sweep one short
/// question each to the store, not a new listing of every due lobby after
/// each: that grows with the square of their number, on every sweep.
#[tokio::test]
async fn many_failing_lobbies_are_not_listed_again_after_each() {
    let store = Arc::new(Hooked::new(Poison::default()));
    let (mm, clock) = matchmaker(&store);
    for n in 1..=80 {
        mm.join("duel", p(n), Attributes::new(), &[]).await.unwrap();
    }
    let poisoned = mm.tick_queue(&duel()).await.unwrap().lobbies;
    assert_eq!(poisoned.len(), 40, "(fixture) forty lobbies");
    clock.advance(Duration::from_secs(1));
    mm.join("duel", p(81), Attributes::new(), &[])
        .await
        .unwrap();
    mm.join("duel", p(82), Attributes::new(), &[])
        .await
        .unwrap();
    let last = mm.tick_queue(&duel()).await.unwrap().lobbies[0].clone();
    clock.advance(Duration::from_secs(21));
    store
        .hooks
        .unreadable
        .lock()
        .unwrap()
        .extend(poisoned.iter().map(Lobby::id));
    let before = store.hooks.due_asked.load(Ordering::SeqCst);

    assert_eq!(mm.expire_ready_checks().await.unwrap(), 1);
    assert_eq!(
        mm.lobby(last.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::Cancelled
    );
    // A page, a question per failing lobby, and a last page to see that
    // nothing is left; not a page of 256 and more after each of the forty.
    let asked = store.hooks.due_asked.load(Ordering::SeqCst) - before;
    assert!(
        asked <= 2 * (40 + 256) + 40,
        "{asked} due lobbies asked for in one sweep"
    );
}
