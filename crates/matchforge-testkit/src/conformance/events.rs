//! Checks of [`EventLog`](matchforge_core::ports::EventLog): order, cursors,
//! and no event lost under concurrent writers.

use std::collections::BTreeMap;
use std::sync::Arc;

use matchforge_core::event::{Event, EventKind};
use matchforge_core::ids::TicketId;
use matchforge_core::ports::{LobbyUpdate, Store};
use matchforge_core::ticket::Ticket;

use super::fixtures::{Fresh, assert_increasing, at, commit_ok, enqueue_all, update_ok};
use super::snapshot::{events_since, own_events, tail};

/// A scripted sequence of operations (enqueue, cancel, expire, commit, ready
/// check, decline with requeue) logs exactly the expected events, in order,
/// with strictly increasing cursors, and failed calls log nothing.
pub async fn events_follow_operations_in_order<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "events_follow_operations_in_order";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let since = tail(&*store).await;
    let t: Vec<Ticket> = (0..5).map(|i| fresh.solo(&q, at(i))).collect();
    let mut want: Vec<Event> = Vec::new();

    enqueue_all(&*store, &t[..4], what).await;
    want.extend(t[..4].iter().map(Event::queued));
    assert!(
        store.enqueue(t[0].clone()).await.is_err(),
        "{what}: (fixture) a duplicate enqueue fails"
    );
    store.cancel(t[1].id(), at(5)).await.expect("cancel");
    want.push(Event::cancelled(&t[1], at(5)));
    assert!(
        store.cancel(t[1].id(), at(5)).await.is_err(),
        "{what}: (fixture) a second cancel fails"
    );
    store
        .expire(&[t[2].id(), t[1].id()], at(6))
        .await
        .expect("expire");
    want.push(Event::expired(&t[2], at(6)));
    enqueue_all(&*store, &t[4..], what).await;
    want.push(Event::queued(&t[4]));

    let mut lobby = fresh.lobby(&q, &[t[0].clone(), t[3].clone()], at(7));
    commit_ok(&*store, &lobby, what).await;
    want.extend(lobby.commit_events());
    lobby.open_acceptance(at(27), at(8)).expect("open");
    update_ok(&*store, LobbyUpdate::new(lobby.clone(), 1), what).await;
    want.push(lobby.state_event());
    lobby.accept(t[0].players()[0].id, at(9)).expect("accept");
    let cancellation = lobby
        .decline(t[3].players()[0].id, at(10))
        .expect("decline");
    let mut update = LobbyUpdate::new(lobby.clone(), 2);
    update.requeue = cancellation.requeue;
    update_ok(&*store, update, what).await;
    want.push(lobby.state_event());
    want.push(Event::requeued(&t[0], at(10)));

    let got = own_events(&*store, since, &[q]).await;
    assert_increasing(got.iter().map(|(c, _)| *c), what);
    let got: Vec<Event> = got.into_iter().map(|(_, e)| e).collect();
    assert_eq!(got, want, "{what}: the log");
}

/// `events_after(cursor, limit)` resumes exactly after `cursor` and returns
/// at most `limit` events; reading page by page gives the same log as reading
/// it at once; `events_after(None, _)` starts at the beginning.
pub async fn events_after_resumes_at_cursor<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "events_after_resumes_at_cursor";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let since = tail(&*store).await;
    let t: Vec<Ticket> = (0..7).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    store.cancel(t[3].id(), at(8)).await.expect("cancel");

    // Everything after `since`; other writers may append, never insert.
    let log = events_since(&*store, since).await;
    assert!(
        log.len() >= 8,
        "{what}: 8 events were appended, the log after them has {}",
        log.len()
    );
    assert_increasing(log.iter().map(|(c, _)| *c), what);
    let first = store.events_after(None, 2).await.expect("events_after");
    assert_eq!(
        first.len(),
        2,
        "{what}: events_after(None, 2) on a log of at least 8 events"
    );
    let whole = events_since(&*store, None).await;
    assert_eq!(
        &first[..],
        &whole[..2],
        "{what}: events_after(None, 2) gives the first two events of the log"
    );

    for (k, (cursor, _)) in log.iter().enumerate() {
        for limit in [0, 1, 3] {
            let got = store
                .events_after(Some(*cursor), limit)
                .await
                .expect("events_after");
            assert!(
                got.len() <= limit,
                "{what}: events_after({cursor}, {limit}) returned {} events",
                got.len()
            );
            let known = &log[k + 1..(k + 1 + limit).min(log.len())];
            assert_eq!(
                &got[..known.len().min(got.len())],
                known,
                "{what}: events_after({cursor}, {limit})"
            );
            assert!(
                got.len() >= known.len(),
                "{what}: events_after({cursor}, {limit}) stopped early"
            );
        }
    }
    let mut paged = Vec::new();
    let mut after = since;
    while paged.len() < log.len() {
        let page = store.events_after(after, 3).await.expect("events_after");
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        paged.extend(page);
    }
    assert_eq!(&paged[..log.len()], &log[..], "{what}: read in pages of 3");
}

/// Eight tasks enqueue and cancel tickets at once: every one of their 400
/// events is in the log exactly once, with strictly increasing cursors, and
/// each ticket's `TicketQueued` comes before its `TicketCancelled`.
pub async fn concurrent_writers_lose_no_events<S: Store + ?Sized + 'static>(store: Arc<S>) {
    const TASKS: usize = 8;
    const ROUNDS: usize = 25;
    let what = "concurrent_writers_lose_no_events";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let since = tail(&*store).await;
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, q) = (Arc::clone(&store), q.clone());
        tasks.push(tokio::spawn(async move {
            let mut fresh = Fresh::new();
            let mut mine = Vec::new();
            for i in 0..ROUNDS {
                let ticket = fresh.solo(&q, at(i as i64));
                store
                    .enqueue(ticket.clone())
                    .await
                    .expect("enqueue failed during the race");
                tokio::task::yield_now().await;
                store
                    .cancel(ticket.id(), at(i as i64 + 1))
                    .await
                    .expect("cancel failed during the race");
                mine.push(ticket.id());
            }
            mine
        }));
    }
    let mut tickets: Vec<TicketId> = Vec::new();
    for task in tasks {
        tickets.extend(
            task.await
                .unwrap_or_else(|e| panic!("{what}: a writer panicked: {e}")),
        );
    }

    let log = own_events(&*store, since, &[q]).await;
    assert_increasing(log.iter().map(|(c, _)| *c), what);
    assert_eq!(
        log.len(),
        TASKS * ROUNDS * 2,
        "{what}: events logged by {TASKS} writers × {ROUNDS} × (enqueue + cancel)"
    );
    let mut seen: BTreeMap<TicketId, Vec<&'static str>> = BTreeMap::new();
    for (_, e) in &log {
        let kind = match e.kind {
            EventKind::TicketQueued { .. } => "queued",
            EventKind::TicketCancelled { .. } => "cancelled",
            _ => "other",
        };
        seen.entry(e.ticket().expect("a ticket event"))
            .or_default()
            .push(kind);
    }
    tickets.sort();
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        tickets,
        "{what}: every ticket is in the log"
    );
    for (ticket, kinds) in seen {
        assert_eq!(
            kinds,
            ["queued", "cancelled"],
            "{what}: the events of ticket {ticket}"
        );
    }
}

/// A reader that follows its cursor while writers run sees every event: an
/// event never becomes visible behind a cursor a reader has already passed
/// (the classic outbox pitfall, where ids are handed out in one order and
/// transactions commit in another). Six writers enqueue and cancel while a
/// reader polls `events_after` from its last cursor; at the end the reader has
/// exactly the events of the full log, in the same order.
pub async fn readers_following_writers_miss_nothing<S: Store + ?Sized + 'static>(store: Arc<S>) {
    const WRITERS: usize = 6;
    const ROUNDS: usize = 30;
    let what = "readers_following_writers_miss_nothing";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let since = tail(&*store).await;
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (store, q, done) = (Arc::clone(&store), q.clone(), Arc::clone(&done));
        writers.push(tokio::spawn(async move {
            let mut fresh = Fresh::new();
            for i in 0..ROUNDS {
                let ticket = fresh.solo(&q, at(i as i64));
                store
                    .enqueue(ticket.clone())
                    .await
                    .expect("enqueue failed during the race");
                tokio::task::yield_now().await;
                store
                    .cancel(ticket.id(), at(i as i64 + 1))
                    .await
                    .expect("cancel failed during the race");
            }
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
    }
    // The reader: poll from the last cursor seen until every writer is done,
    // then once more to drain.
    let mut seen: Vec<(matchforge_core::event::EventCursor, Event)> = Vec::new();
    let mut cursor = since;
    loop {
        let finished = done.load(std::sync::atomic::Ordering::SeqCst) == WRITERS;
        let page = store
            .events_after(cursor, 64)
            .await
            .expect("events_after failed");
        if let Some((last, _)) = page.last() {
            cursor = Some(*last);
        }
        let empty = page.is_empty();
        seen.extend(page);
        if finished && empty {
            break;
        }
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await
            .unwrap_or_else(|e| panic!("{what}: a writer panicked: {e}"));
    }
    let own = |events: Vec<(matchforge_core::event::EventCursor, Event)>| -> Vec<(matchforge_core::event::EventCursor, Event)> {
        events
            .into_iter()
            .filter(|(_, e)| super::fixtures::event_queue(&e.kind) == Some(&q))
            .collect()
    };
    let followed = own(seen);
    let full = own_events(&*store, since, std::slice::from_ref(&q)).await;
    assert_eq!(
        full.len(),
        WRITERS * ROUNDS * 2,
        "{what}: every write logged"
    );
    assert_increasing(followed.iter().map(|(c, _)| *c), what);
    assert_eq!(
        followed.len(),
        full.len(),
        "{what}: the following reader missed {} events that appeared behind its cursor",
        full.len().saturating_sub(followed.len())
    );
    assert_eq!(
        followed, full,
        "{what}: the following reader saw the log as it is"
    );
}
