//! A commit claims the very tickets its lobby holds: a ticket that left and
//! came back under the same id with other content counts as gone, as in the
//! in-memory store.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{one_v_one_lobbies, redis_url, solo_tickets, store};
use matchforge_core::ids::QueueName;
use matchforge_core::ports::{CommitOutcome, TicketStore};
use matchforge_core::rating::PartyRating;
use matchforge_core::ticket::Ticket;

#[tokio::test]
async fn a_ticket_back_with_other_content_is_missing() {
    if redis_url().is_none() {
        return;
    }
    let store = store().await.expect("a store");
    let q = QueueName::new("duel");
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
    let tickets = solo_tickets(&q, 2, t0);
    let lobby = one_v_one_lobbies(&q, &tickets, t0).remove(0);
    store.enqueue_many(tickets.clone()).await.expect("enqueue");
    let later = Ticket::builder(tickets[1].id(), q.clone(), t0 + Duration::seconds(9))
        .players(tickets[1].players().to_vec())
        .build(&PartyRating::Average)
        .expect("a ticket");
    // The same id back with another enqueue time: not the lobby's ticket.
    store.cancel(tickets[1].id(), t0).await.expect("cancel");
    store.enqueue(later.clone()).await.expect("enqueue");
    assert_eq!(
        store.commit(&lobby).await.expect("commit"),
        CommitOutcome::Conflict {
            missing: vec![tickets[1].id()]
        }
    );
    // The very ticket back: claimed.
    store.cancel(later.id(), t0).await.expect("cancel");
    store.enqueue(tickets[1].clone()).await.expect("enqueue");
    assert_eq!(
        store.commit(&lobby).await.expect("commit"),
        CommitOutcome::Committed
    );
    store.purge().await.expect("purge");
}
