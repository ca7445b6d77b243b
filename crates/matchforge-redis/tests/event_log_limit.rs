//! `RedisConfig::with_event_log_max_len` takes any `u64`: every writing
//! script still writes whole (its change and its events) or nothing.

mod common;

use chrono::{TimeZone, Utc};
use matchforge_core::ids::QueueName;
use matchforge_core::ports::{EventLog, TicketStore};

#[tokio::test]
async fn any_event_log_limit_logs_every_change() {
    // Lua prints numbers from 10^17 on as `1e+17`, which XADD refuses.
    let limits = [u64::MAX, 1 << 63, 100_000_000_000_000_000, 1_000_000];
    for max_len in limits {
        let Some(store) = common::store_with(|c| c.with_event_log_max_len(max_len)).await else {
            return;
        };
        let q = QueueName::new("duel");
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let tickets = common::solo_tickets(&q, 1, at);
        let result = store.enqueue(tickets[0].clone()).await;
        assert!(result.is_ok(), "max_len {max_len}: {result:?}");
        assert_eq!(
            store.ticket(tickets[0].id()).await.expect("ticket"),
            Some(tickets[0].clone()),
            "max_len {max_len}: queued"
        );
        let events = store.events_after(None, 10).await.expect("events_after");
        assert_eq!(events.len(), 1, "max_len {max_len}: its event is logged");
        store.purge().await.expect("purge");
    }
}

/// A newer MatchForge sharing the namespace may log an event kind this one
/// does not know: it reads as `EventKind::Unknown` (with its time and
/// cursor) instead of failing every read from there on, and a reader
/// resumes past it.
#[tokio::test]
async fn an_event_of_an_unknown_kind_reads_as_unknown() {
    use matchforge_core::event::{Event, EventKind};

    let Some(url) = common::redis_url() else {
        return;
    };
    let Some(store) = common::store().await else {
        return;
    };
    let q = QueueName::new("duel");
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
    let tickets = common::solo_tickets(&q, 2, at);
    store.enqueue(tickets[0].clone()).await.expect("enqueue");
    // One entry as a newer version's script would append it: a kind this
    // version does not know, beside one it does.
    let newer = format!(
        "{{\"at\":\"2026-01-01T12:00:05Z\",\"event\":\"ticket_teleported\",\"ticket\":\"{}\",\"to\":\"mars\"}}\n{}",
        tickets[0].id(),
        serde_json::to_string(&Event::cancelled(&tickets[0], at)).expect("json"),
    );
    let mut side = common::side_connection(&url).await;
    let _: redis::Value = redis::cmd("XADD")
        .arg(format!("{}events", store.config().key_prefix()))
        .arg("*")
        .arg("e")
        .arg(&newer)
        .query_async(&mut side)
        .await
        .expect("XADD");
    store.enqueue(tickets[1].clone()).await.expect("enqueue");

    let log = common::all_events(&store).await;
    let events: Vec<Event> = log.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(
        events,
        vec![
            Event::queued(&tickets[0]),
            Event {
                at: Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 5).unwrap(),
                kind: EventKind::Unknown,
            },
            Event::cancelled(&tickets[0], at),
            Event::queued(&tickets[1]),
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
    store.purge().await.expect("purge");
}
