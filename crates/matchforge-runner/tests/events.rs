//! A subscription reads past nothing and stops at exactly the event that
//! cannot be read: a store fails a whole page of events when one of them
//! does not decode, and the good events before it must still be delivered.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::event::{EventCursor, EventKind};
use matchforge_core::ids::PlayerId;
use matchforge_core::ports::EventLog;
use matchforge_core::queue::{MatchFormat, QueueSpec};
use matchforge_core::ticket::Attributes;
use matchforge_memory::MemoryStore;
use matchforge_runner::clock::SimulatedClock;
use matchforge_runner::{Matchmaker, QueueSettings};

mod common;
use common::{Hooked, Hooks};

/// A log whose event at `bad` does not decode while `broken` is set (any
/// read whose answer would hold it fails), and which fails every read while
/// `down` is set. It records the `limit` of every read.
#[derive(Default)]
struct Corrupt {
    bad: Mutex<Option<EventCursor>>,
    broken: AtomicBool,
    down: AtomicBool,
    reads: Mutex<Vec<usize>>,
    failed: AtomicUsize,
}

#[async_trait]
impl Hooks for Corrupt {
    async fn events_after(
        &self,
        store: &MemoryStore,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<()> {
        self.reads.lock().unwrap().push(limit);
        let fail = |what: &str| {
            self.failed.fetch_add(1, Ordering::SeqCst);
            Err(Error::backend(
                "test",
                what.to_owned(),
                std::io::Error::from(std::io::ErrorKind::InvalidData),
            ))
        };
        if self.down.load(Ordering::SeqCst) {
            return fail("the store is down");
        }
        let bad = *self.bad.lock().unwrap();
        if self.broken.load(Ordering::SeqCst)
            && let Some(bad) = bad
            && store
                .events_after(after, limit)
                .await?
                .iter()
                .any(|(cursor, _)| *cursor == bad)
        {
            return fail("a stored event does not decode");
        }
        Ok(())
    }
}

/// A matchmaker over a [`Corrupt`] log holding one `TicketQueued` event per
/// player, `players` of them, and the cursors of those events.
async fn queued(players: u128) -> (Matchmaker, Arc<Hooked<Corrupt>>, Vec<EventCursor>) {
    let store = Arc::new(Hooked::new(Corrupt::default()));
    let duel = QueueSpec::new("duel", MatchFormat::one_v_one())
        .build()
        .unwrap();
    let clock = SimulatedClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap());
    let mm = Matchmaker::builder(store.clone())
        .clock(Arc::new(clock))
        .queue(QueueSettings::new(duel))
        .build()
        .unwrap();
    for player in 1..=players {
        mm.join("duel", PlayerId::from_u128(player), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let cursors: Vec<EventCursor> = store
        .inner
        .events_after(None, usize::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|(cursor, _)| cursor)
        .collect();
    assert_eq!(cursors.len() as u128, players);
    (mm, store, cursors)
}

/// The player of a `TicketQueued` event.
fn player_of(kind: &EventKind) -> PlayerId {
    match kind {
        EventKind::TicketQueued { players, .. } => players[0],
        other => panic!("expected a queued ticket, got {other:?}"),
    }
}

#[tokio::test]
async fn every_event_before_one_that_does_not_read_is_delivered() {
    let (mm, store, cursors) = queued(1_000).await;
    let bad = 700;
    *store.hooks.bad.lock().unwrap() = Some(cursors[bad]);
    store.hooks.broken.store(true, Ordering::SeqCst);

    let mut events = mm.subscribe(None);
    for (i, expected) in cursors.iter().enumerate().take(bad) {
        let (cursor, event) = events
            .try_next()
            .await
            .unwrap_or_else(|e| panic!("event {i} was not delivered: {e}"))
            .expect("an event is there");
        assert_eq!(cursor, *expected, "event {i}");
        assert_eq!(player_of(&event.kind), PlayerId::from_u128(i as u128 + 1));
    }
    // The bad event fails, every time, and the cursor stays before it.
    for _ in 0..3 {
        assert!(matches!(
            events.try_next().await,
            Err(Error::Backend { .. })
        ));
        assert_eq!(events.cursor(), Some(cursors[bad - 1]));
    }
    // While stuck on it, a retry is one read of one event, not a page.
    let reads = store.hooks.reads.lock().unwrap().len();
    assert!(events.try_next().await.is_err());
    assert_eq!(store.hooks.reads.lock().unwrap()[reads..], [1]);
    // Finding it took a few reads, not one per event.
    assert!(reads < 60, "{reads} reads to reach event {bad}");

    // Repaired, the rest is read, in pages that grow back.
    store.hooks.broken.store(false, Ordering::SeqCst);
    for (i, expected) in cursors.iter().enumerate().skip(bad) {
        let (cursor, _) = events.try_next().await.unwrap().expect("an event");
        assert_eq!(cursor, *expected, "event {i}");
    }
    assert!(events.try_next().await.unwrap().is_none());
    assert_eq!(store.hooks.reads.lock().unwrap().last(), Some(&512));
}

#[tokio::test]
async fn a_store_that_is_down_is_reported_at_once_and_read_again_when_up() {
    let (mm, store, cursors) = queued(3).await;
    let mut events = mm.subscribe(None);
    store.hooks.down.store(true, Ordering::SeqCst);
    assert!(events.try_next().await.is_err());
    // One read of a page, one of a single event to tell: then the error.
    assert_eq!(*store.hooks.reads.lock().unwrap(), [512, 1]);
    assert!(events.try_next().await.is_err());
    assert_eq!(store.hooks.failed.load(Ordering::SeqCst), 3);
    assert_eq!(events.cursor(), None);

    store.hooks.down.store(false, Ordering::SeqCst);
    for expected in &cursors {
        let (cursor, _) = events.try_next().await.unwrap().expect("an event");
        assert_eq!(cursor, *expected);
    }
    assert!(events.try_next().await.unwrap().is_none());
}

#[tokio::test]
async fn a_bad_first_event_fails_without_delivering_anything() {
    let (mm, store, cursors) = queued(5).await;
    *store.hooks.bad.lock().unwrap() = Some(cursors[0]);
    store.hooks.broken.store(true, Ordering::SeqCst);
    let mut events = mm.subscribe(None);
    assert!(events.try_next().await.is_err());
    assert_eq!(events.cursor(), None);
    // Starting after it (an operator skipping the entry), the rest reads.
    let mut events = mm.subscribe(Some(cursors[0]));
    for expected in &cursors[1..] {
        let (cursor, _) = events.try_next().await.unwrap().expect("an event");
        assert_eq!(cursor, *expected);
    }
}
