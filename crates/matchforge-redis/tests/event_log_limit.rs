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
