//! The event outbox: sequence numbers become visible in order, so a reader
//! that follows its cursor never skips an event, however writers interleave;
//! and listeners wake up on appends.

mod common;

use std::sync::Arc;
use std::time::Duration;

use matchforge_core::event::{Event, EventCursor};
use matchforge_core::ids::QueueName;
use matchforge_core::ports::{EventLog, TicketStore};
use matchforge_postgres::{PgOptions, PgStore};
use sqlx::Connection;

use common::fixtures::{Ids, at, duel};
use common::{assert_consistent, raw};

/// Another instance of the schema, sharing its tables but not its pool.
async fn second_instance(url: &str, store: &PgStore, notify: bool) -> PgStore {
    PgStore::connect_with(
        PgOptions::new(url)
            .with_schema(store.schema())
            .with_max_connections(2)
            .with_notify(notify),
    )
    .await
    .expect("a second instance")
}

/// A slow transaction appends an event by the outbox protocol (take the
/// counter's row, insert after it) and waits before committing. A fast
/// enqueue meanwhile waits for the counter instead of committing a later
/// sequence number first, so a reader sees neither, then both in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_writer_cannot_be_overtaken() {
    let Some(url) = common::url() else { return };
    let store = Arc::new(common::store().await.expect("a store"));
    let mut ids = Ids::new(11);
    let q = QueueName::new("outbox");
    let (slow_ticket, fast_ticket) = (ids.solo(&q, at(0)), ids.solo(&q, at(1)));
    let slow_event = Event::cancelled(&slow_ticket, at(2));

    let mut slow = raw(&url, store.schema()).await;
    let mut tx = slow.begin().await.expect("begin");
    let seq: i64 = sqlx::query_scalar("UPDATE event_counter SET last = last + 1 RETURNING last")
        .fetch_one(&mut *tx)
        .await
        .expect("take the counter");
    sqlx::query("INSERT INTO events (seq, at, kind, body) VALUES ($1, $2, 'ticket_cancelled', $3::text::json)")
        .bind(seq)
        .bind(at(2))
        .bind(serde_json::to_string(&slow_event).expect("json"))
        .execute(&mut *tx)
        .await
        .expect("append");

    let fast = tokio::spawn({
        let store = Arc::clone(&store);
        let t = fast_ticket.clone();
        async move { store.enqueue(t).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !fast.is_finished(),
        "the fast enqueue waits for the slow append"
    );
    assert_eq!(
        store.events_after(None, 10).await.expect("events"),
        vec![],
        "nothing is visible before the slow writer commits"
    );
    tx.commit().await.expect("the slow writer commits");
    fast.await.expect("join").expect("the fast enqueue");

    let log = store.events_after(None, 10).await.expect("events");
    let seq = u64::try_from(seq).expect("positive");
    assert_eq!(
        log,
        vec![
            (EventCursor::new(0, seq), slow_event),
            (EventCursor::new(0, seq + 1), Event::queued(&fast_ticket)),
        ]
    );
    assert_consistent(&store).await;
}

/// Six writers enqueue, cancel and commit at once while a reader on another
/// instance follows the log page by page: every page continues exactly where
/// the last one ended (no sequence number skipped), and what it read is the
/// whole log.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_following_the_cursor_see_every_event() {
    const WRITERS: u128 = 6;
    const ROUNDS: i64 = 30;
    let Some(url) = common::url() else { return };
    let store = Arc::new(common::store().await.expect("a store"));
    let reader_store = second_instance(&url, &store, true).await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut ids = Ids::new(100 + w);
                let q = QueueName::new(format!("writer-{w}"));
                for i in 0..ROUNDS {
                    let pair = [ids.solo(&q, at(i)), ids.solo(&q, at(i))];
                    for r in store.enqueue_many(pair.to_vec()).await.expect("enqueue") {
                        r.expect("enqueue");
                    }
                    if i % 2 == 0 {
                        store.cancel(pair[0].id(), at(i)).await.expect("cancel");
                        store.cancel(pair[1].id(), at(i)).await.expect("cancel");
                    } else {
                        store
                            .commit(&duel(ids.lobby(), &q, &pair, at(i)))
                            .await
                            .expect("commit");
                    }
                }
            })
        })
        .collect();

    // Per round: 2 queued, then 2 cancelled or 2 matched + 1 lobby event.
    let want = usize::try_from(WRITERS).expect("small") * usize::try_from(ROUNDS).expect("small")
        / 2
        * (4 + 5);
    let mut read: Vec<(EventCursor, Event)> = Vec::new();
    let mut cursor: Option<EventCursor> = None;
    // Only catches a stall: hundreds of fsync'd commits on a loaded machine.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while read.len() < want {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reader saw {} of {want} events",
            read.len()
        );
        let page = reader_store
            .events_after(cursor, 7)
            .await
            .expect("events_after");
        for (c, e) in page {
            let expected = cursor.map_or(1, |c| c.minor + 1);
            assert_eq!(
                c,
                EventCursor::new(0, expected),
                "the reader skipped an event"
            );
            cursor = Some(c);
            read.push((c, e));
        }
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.expect("a writer");
    }
    assert_eq!(
        read,
        store
            .events_after(None, 100_000)
            .await
            .expect("the whole log"),
        "the reader read the whole log"
    );
    assert_eq!(assert_consistent(&store).await as usize, want);
}

/// A listener on one instance wakes up when another appends, with the cursor
/// of its last event; appends from an instance with `NOTIFY` off wake nobody
/// (readers poll as well), though their events are in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_wake_on_appends() {
    let Some(url) = common::url() else { return };
    let store = common::store().await.expect("a store");
    let other = second_instance(&url, &store, true).await;
    let quiet = second_instance(&url, &store, false).await;
    let mut listener = other.listen().await.expect("listen");
    assert_eq!(
        other.event_channel(),
        format!("mf_events:{}", store.schema())
    );
    let mut ids = Ids::new(12);
    let q = QueueName::new("listen");

    let t = ids.solo(&q, at(0));
    store.enqueue(t.clone()).await.expect("enqueue");
    let woke = tokio::time::timeout(Duration::from_secs(10), listener.wait())
        .await
        .expect("a wake-up within ten seconds")
        .expect("wait");
    let log = other.events_after(None, 10).await.expect("events");
    assert_eq!(log, vec![(woke, Event::queued(&t))]);

    quiet
        .enqueue(ids.solo(&q, at(1)))
        .await
        .expect("enqueue without notify");
    let silent = tokio::time::timeout(Duration::from_millis(500), listener.wait()).await;
    assert!(silent.is_err(), "no wake-up without NOTIFY: {silent:?}");
    assert_eq!(
        other
            .events_after(Some(woke), 10)
            .await
            .expect("events")
            .len(),
        1
    );
}

/// A newer MatchForge sharing the schema may log an event kind this one does
/// not know: it reads as `EventKind::Unknown` (with its time and sequence
/// number) instead of failing every read from there on, and a reader
/// resumes past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_of_an_unknown_kind_reads_as_unknown() {
    use matchforge_core::event::EventKind;

    let Some(url) = common::url() else { return };
    let store = common::store().await.expect("a store");
    let mut ids = Ids::new(17);
    let q = QueueName::new("outbox");
    let (first, second) = (ids.solo(&q, at(0)), ids.solo(&q, at(1)));
    store.enqueue(first.clone()).await.expect("enqueue");
    // Appended by the outbox protocol, as a newer version would.
    let mut side = raw(&url, store.schema()).await;
    let newer = format!(
        r#"{{"at":"{}","event":"ticket_teleported","ticket":"{}","to":"mars"}}"#,
        at(5).to_rfc3339(),
        first.id()
    );
    sqlx::query(
        "WITH counter AS (UPDATE event_counter SET last = last + 1 RETURNING last) \
         INSERT INTO events (seq, at, kind, body) \
         SELECT counter.last, $1, 'ticket_teleported', $2::text::json FROM counter",
    )
    .bind(at(5))
    .bind(&newer)
    .execute(&mut side)
    .await
    .expect("append");
    store.enqueue(second.clone()).await.expect("enqueue");

    let log = store.events_after(None, 10).await.expect("events");
    let events: Vec<Event> = log.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(
        events,
        vec![
            Event::queued(&first),
            Event {
                at: at(5),
                kind: EventKind::Unknown,
            },
            Event::queued(&second),
        ]
    );
    assert_eq!(
        store
            .events_after(Some(log[1].0), 10)
            .await
            .expect("resume"),
        log[2..].to_vec(),
        "a reader resumes right after the unknown event"
    );
    assert_consistent(&store).await;
}
