//! Dropped connections, for real: the store's connection is killed with
//! `CLIENT KILL ID` (its own id only) or its replies time out, mid-call. Reads
//! and replayable writes recover; nothing is ever half-written (a batch is
//! sent in parts, each one script: whole or nothing); nothing is applied
//! twice.

mod common;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::{
    assert_consistent, fresh_namespace, kill_connection, one_v_one_lobbies, redis_url,
    side_connection, solo_tickets,
};
use matchforge_core::Error;
use matchforge_core::ids::QueueName;
use matchforge_core::ports::{CommitOutcome, LobbyStore, LobbyUpdate, TicketStore};
use matchforge_redis::{RedisConfig, RedisStore};

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

#[tokio::test]
async fn an_unreachable_server_fails_promptly_with_a_clear_error() {
    // Port 1 on the loopback: nothing listens there.
    let config = RedisConfig::new("redis://127.0.0.1:1", "unreachable")
        .expect("valid")
        .with_retries(1)
        .with_retry_delay(Duration::from_millis(10));
    let started = Instant::now();
    let result = RedisStore::connect_with(config).await;
    let Err(error) = result else {
        panic!("connecting to a closed port succeeded");
    };
    assert!(
        matches!(error, matchforge_redis::Error::Connect { .. }),
        "expected Connect, got {error:?}"
    );
    assert!(
        error.to_string().contains("127.0.0.1:1"),
        "the error names the server: {error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let core: Error = error.into();
    assert!(
        matches!(
            core,
            Error::Backend {
                backend: "redis",
                ..
            }
        ),
        "{core:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_after_a_killed_connection_succeed_once() {
    let Some(url) = redis_url() else { return };
    let store = RedisStore::connect(&url, &fresh_namespace())
        .await
        .expect("connect");
    let mut side = side_connection(&url).await;
    let q = QueueName::new("duel");
    let tickets = solo_tickets(&q, 6, t0());
    let lobbies = one_v_one_lobbies(&q, &tickets[..4], t0());

    kill_connection(&store, &mut side).await;
    let results = store
        .enqueue_many(tickets.clone())
        .await
        .expect("enqueue_many");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    kill_connection(&store, &mut side).await;
    assert_eq!(store.tickets(&q).await.expect("tickets").len(), 6);
    kill_connection(&store, &mut side).await;
    let outcomes = store.commit_many(&lobbies).await.expect("commit_many");
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    kill_connection(&store, &mut side).await;
    let mut lobby = lobbies[0].clone();
    lobby.cancel("server lost", t0()).expect("cancel");
    let mut update = LobbyUpdate::new(lobby.clone(), 1);
    update.requeue = lobby.tickets().to_vec();
    assert_eq!(store.update_lobby(update).await.expect("update_lobby"), 2);
    kill_connection(&store, &mut side).await;
    // Cancel is never retried: it succeeds or says its outcome is unknown.
    match store.cancel(tickets[5].id(), t0()).await {
        Ok(t) => assert_eq!(t, tickets[5]),
        Err(Error::Backend { message, .. }) => assert!(message.contains("unknown"), "{message}"),
        Err(e) => panic!("unexpected {e:?}"),
    }
    let stored = store
        .lobby(lobby.id())
        .await
        .expect("lobby")
        .expect("stored");
    assert_eq!(
        (stored.version, &stored.value),
        (2, &lobby),
        "the cancelled lobby"
    );
    let requeued: Vec<_> = lobby.ticket_ids().collect();
    let others: Vec<_> = tickets
        .iter()
        .filter(|t| !requeued.contains(&t.id()))
        .cloned()
        .collect();
    for id in requeued {
        assert!(
            store.ticket(id).await.expect("ticket").is_some(),
            "requeued {id}"
        );
    }
    assert_consistent(
        &store,
        &q,
        &others,
        &lobbies[1..],
        "after killed connections",
    )
    .await;
    store.purge().await.expect("purge");
}

/// Checks that each part of `all` (as a batch is sent) is stored whole or not
/// at all, and that everything reported as done is stored.
fn assert_whole_parts<T: PartialEq + std::fmt::Debug>(
    all: &[T],
    stored: &[T],
    part: usize,
    reported_done: impl Fn(usize) -> bool,
    what: &str,
) {
    for (k, chunk) in all.chunks(part).enumerate() {
        let n = chunk.iter().filter(|x| stored.contains(x)).count();
        assert!(
            n == 0 || n == chunk.len(),
            "{what}: {n} of the {} items of part {k} stored: a part is one script, whole or nothing",
            chunk.len()
        );
    }
    for (i, item) in all.iter().enumerate() {
        assert!(
            !reported_done(i) || stored.contains(item),
            "{what}: {item:?} was reported done but is not stored"
        );
    }
}

/// [`assert_whole_parts`] for a `commit_many` of `lobbies` that returned
/// `outcome`.
fn assert_whole_commit_parts(
    lobbies: &[matchforge_core::lobby::Lobby],
    stored: &[matchforge_core::ids::LobbyId],
    part: usize,
    outcome: &matchforge_core::Result<Vec<matchforge_core::Result<CommitOutcome>>>,
    what: &str,
) {
    let ids: Vec<_> = lobbies.iter().map(|l| l.id()).collect();
    let committed =
        |i: usize| matches!(outcome, Ok(o) if matches!(o[i], Ok(CommitOutcome::Committed)));
    assert_whole_parts(&ids, stored, part, committed, what);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_cut_off_mid_flight_stores_whole_parts() {
    let Some(url) = redis_url() else { return };
    let mut side = side_connection(&url).await;
    let q = QueueName::new("duel");
    // How long a whole commit takes here, so the kills land before, during
    // and after the scripts.
    let baseline = {
        let store = RedisStore::connect(&url, &fresh_namespace())
            .await
            .expect("connect");
        let tickets = solo_tickets(&q, 1_000, t0());
        let lobbies = one_v_one_lobbies(&q, &tickets, t0());
        store.enqueue_many(tickets).await.expect("enqueue");
        let started = Instant::now();
        store.commit_many(&lobbies).await.expect("commit");
        let took = started.elapsed();
        store.purge().await.expect("purge");
        took
    };
    // The default parts, and the whole batch as one script.
    for part in [RedisConfig::DEFAULT_BATCH_PART, usize::MAX] {
        for (round, fraction) in [0.0, 0.3, 0.6, 0.8, 0.9, 1.0, 1.1].into_iter().enumerate() {
            let delay = baseline.mul_f64(fraction);
            // No retries: the failure reaches the caller instead of being replayed.
            let namespace = fresh_namespace();
            let config = RedisConfig::new(&url, &namespace)
                .expect("valid")
                .with_retries(0)
                .with_batch_part(part);
            let store = RedisStore::connect_with(config).await.expect("connect");
            let checker = RedisStore::connect(&url, &namespace)
                .await
                .expect("connect");
            let tickets = solo_tickets(&q, 1_000, t0());
            let lobbies = one_v_one_lobbies(&q, &tickets, t0());
            let results = store.enqueue_many(tickets.clone()).await.expect("enqueue");
            assert!(results.iter().all(Result::is_ok));

            let committer = {
                let (store, lobbies) = (store.clone(), lobbies.clone());
                tokio::spawn(async move { store.commit_many(&lobbies).await })
            };
            tokio::time::sleep(delay).await;
            kill_connection(&store, &mut side).await;
            let outcome = committer.await.expect("the commit task");
            let what = format!(
                "parts of {part}, round {round} (kill after {delay:?}): {}",
                match &outcome {
                    Ok(o) => format!(
                        "{} of {} committed",
                        o.iter().filter(|o| o.is_ok()).count(),
                        o.len()
                    ),
                    Err(e) => e.to_string(),
                }
            );
            let stored = assert_consistent(&checker, &q, &tickets, &lobbies, &what).await;
            // Parts sent after the cut go over a new connection, so a later
            // part may be stored while an earlier one is not; each is whole.
            assert_whole_commit_parts(&lobbies, &stored, part, &outcome, &what);
            checker.purge().await.expect("purge");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_whose_replies_time_out_are_applied_once() {
    let Some(url) = redis_url() else { return };
    let part = RedisConfig::DEFAULT_BATCH_PART;
    for round in 0..3 {
        let namespace = fresh_namespace();
        // Replies time out long before a 1,500-ticket batch is done; the
        // retries run in replay mode while the first attempt may still run.
        let hasty = RedisConfig::new(&url, &namespace)
            .expect("valid")
            .with_response_timeout(Duration::from_millis(1))
            .with_retries(5)
            .with_retry_delay(Duration::from_millis(5));
        let hasty = RedisStore::connect_with(hasty).await.expect("connect");
        let store = RedisStore::connect(&url, &namespace)
            .await
            .expect("connect");
        let q = QueueName::new("duel");
        let tickets = solo_tickets(&q, 1_500, t0());
        let lobbies = one_v_one_lobbies(&q, &tickets, t0());
        let enqueued = hasty.enqueue_many(tickets.clone()).await;
        // Let a late first attempt land before looking.
        settle(&store, &q).await;
        let what = format!("round {round}, after enqueue ({})", enqueued.is_ok());
        assert_consistent(&store, &q, &tickets, &[], &what).await;
        let waiting: Vec<_> = store
            .tickets(&q)
            .await
            .expect("tickets")
            .iter()
            .map(|t| t.id())
            .collect();
        let ids: Vec<_> = tickets.iter().map(|t| t.id()).collect();
        assert_whole_parts(
            &ids,
            &waiting,
            part,
            |i| matches!(&enqueued, Ok(r) if r[i].is_ok()),
            &what,
        );
        let missing: Vec<_> = tickets
            .iter()
            .filter(|t| !waiting.contains(&t.id()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            store.enqueue_many(missing).await.expect("enqueue");
        }
        let committed = hasty.commit_many(&lobbies).await;
        settle(&store, &q).await;
        let what = format!("round {round}, after commit ({})", committed.is_ok());
        let stored = assert_consistent(&store, &q, &tickets, &lobbies, &what).await;
        assert_whole_commit_parts(&lobbies, &stored, part, &committed, &what);
        store.purge().await.expect("purge");
    }
}

/// Waits until a write whose reply timed out can no longer land: the queue's
/// tickets stay the same over three looks 100 ms apart (a late script
/// changes them, as every batch part enqueues or claims tickets). Gives up
/// looking after 10 s; the checks that follow then say what is wrong.
async fn settle(store: &RedisStore, queue: &QueueName) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = store.tickets(queue).await.expect("tickets");
    let mut same = 0;
    while same < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = store.tickets(queue).await.expect("tickets");
        if now == last {
            same += 1;
        } else {
            same = 0;
            last = now;
        }
    }
}
