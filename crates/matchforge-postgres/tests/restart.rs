//! Restart safety: an instance dies with work in flight (its connections are
//! killed, its tasks aborted, its store dropped) and a new `PgStore` on the
//! same schema carries on with everything intact.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Duration as Span;
use matchforge_core::Error;
use matchforge_core::event::{Event, EventKind};
use matchforge_core::history::RatingChange;
use matchforge_core::ids::{LobbyId, PlayerId, QueueName};
use matchforge_core::lobby::{Lobby, LobbyPhase, MatchResult};
use matchforge_core::party::Party;
use matchforge_core::ports::{
    EventLog, LobbyStore, LobbyUpdate, MatchHistory, PartyStore, RatingStore, TicketStore,
    Versioned,
};
use matchforge_core::ticket::Ticket;
use matchforge_postgres::{PgOptions, PgStore};

use common::fixtures::{self, Ids, at, duel, rating};
use common::{DropSchema, assert_consistent, raw, unique, with_app_name};

/// Everything the first instance leaves behind, as it should be read back.
struct Expected {
    queue: QueueName,
    waiting: Vec<Ticket>,
    lobbies: Vec<Versioned<Lobby>>,
    due: LobbyId,
    decliner: PlayerId,
    cooldown_end: chrono::DateTime<chrono::Utc>,
    party: Versioned<Party>,
    ratings: Vec<(PlayerId, f64)>,
    ladder: matchforge_core::ids::Ladder,
    recorded: LobbyId,
}

/// Builds waiting tickets (a party among them, times with nanoseconds),
/// lobbies in every phase, a cooldown, a party at version 2, ratings and a
/// match record.
async fn build(store: &PgStore, ids: &mut Ids) -> Expected {
    let q = QueueName::new("restart");
    let ladder = matchforge_core::ids::Ladder::new("restart");
    let t = |ids: &mut Ids, secs: i64| ids.solo(&q, at(secs));
    // Waiting: a party of three and a solo ticket 7 ns later than a whole second.
    let party_players = [ids.player(), ids.player(), ids.player()];
    let party_ticket = ids.ticket(&q, at(-100), &party_players);
    let solo = ids.solo(&q, at(-50) + Span::nanoseconds(7));
    let mut waiting = vec![party_ticket.clone(), solo.clone()];
    store
        .enqueue_many(waiting.clone())
        .await
        .expect("enqueue_many")
        .into_iter()
        .for_each(|r| r.expect("enqueue"));

    let mut lobbies = Vec::new();
    let commit = async |lobby: &Lobby| {
        let outcome = store.commit(lobby).await.expect("commit");
        assert_eq!(outcome, matchforge_core::ports::CommitOutcome::Committed);
    };
    // One lobby per phase.
    let mut pairs = Vec::new();
    for i in 0..6 {
        let pair = [t(ids, i * 2), t(ids, i * 2 + 1)];
        store
            .enqueue_many(pair.to_vec())
            .await
            .expect("enqueue_many");
        pairs.push(pair);
    }
    let [forming, awaiting, ready, dispatched, completed, cancelled] =
        std::array::from_fn(|i| duel(ids.lobby(), &q, &pairs[i], at(20)));
    for l in [
        &forming,
        &awaiting,
        &ready,
        &dispatched,
        &completed,
        &cancelled,
    ] {
        commit(l).await;
    }
    lobbies.push(Versioned {
        value: forming,
        version: 1,
    });

    let mut awaiting = awaiting;
    let deadline = at(60) + Span::nanoseconds(3);
    awaiting.open_acceptance(deadline, at(21)).expect("open");
    update(store, &awaiting, 1).await;
    awaiting
        .accept(pairs[1][0].players()[0].id, at(22))
        .expect("accept");
    update(store, &awaiting, 2).await;
    let due = awaiting.id();
    lobbies.push(Versioned {
        value: awaiting,
        version: 3,
    });

    let mut ready = ready;
    ready.skip_acceptance(at(21)).expect("ready");
    update(store, &ready, 1).await;
    lobbies.push(Versioned {
        value: ready,
        version: 2,
    });

    let mut dispatched = dispatched;
    dispatched.skip_acceptance(at(21)).expect("ready");
    dispatched.dispatch("eu-1", at(22)).expect("dispatch");
    update(store, &dispatched, 1).await;
    lobbies.push(Versioned {
        value: dispatched,
        version: 2,
    });

    let mut completed = completed;
    completed.skip_acceptance(at(21)).expect("ready");
    completed.dispatch("eu-2", at(22)).expect("dispatch");
    completed
        .complete(MatchResult::winner(0, 2), at(30))
        .expect("complete");
    let winners = [pairs[4][0].players()[0].id, pairs[4][1].players()[0].id];
    let record = fixtures::record(&completed, &ladder, at(30));
    let mut u = LobbyUpdate::new(completed.clone(), 1);
    u.ratings = Some((
        ladder.clone(),
        vec![
            RatingChange {
                player: winners[0],
                before: None,
                after: rating(1516.0),
            },
            RatingChange {
                player: winners[1],
                before: None,
                after: rating(1484.0),
            },
        ],
    ));
    u.record = Some(record);
    store.update_lobby(u).await.expect("complete");
    let recorded = completed.id();
    lobbies.push(Versioned {
        value: completed,
        version: 2,
    });

    let mut cancelled = cancelled;
    cancelled.open_acceptance(at(50), at(21)).expect("open");
    let (stayer, decliner) = (pairs[5][0].players()[0].id, pairs[5][1].players()[0].id);
    cancelled.accept(stayer, at(22)).expect("accept");
    let cancellation = cancelled.decline(decliner, at(23)).expect("decline");
    let cooldown_end = at(300) + Span::nanoseconds(999);
    let mut u = LobbyUpdate::new(cancelled.clone(), 1);
    u.requeue = cancellation.requeue.clone();
    u.cooldowns = vec![(decliner, cooldown_end)];
    store.update_lobby(u).await.expect("decline");
    waiting.extend(cancellation.requeue);
    lobbies.push(Versioned {
        value: cancelled,
        version: 2,
    });

    let (leader, friend) = (ids.player(), ids.player());
    let mut party = Party::new(ids.party(), leader, 4, at(0)).expect("party");
    store.save_party(&party, None).await.expect("create party");
    party.invite(leader, friend).expect("invite");
    party.join(friend).expect("join");
    store
        .save_party(&party, Some(1))
        .await
        .expect("update party");

    waiting.sort_by_key(|t| (t.enqueued_at(), t.id()));
    Expected {
        queue: q,
        waiting,
        lobbies,
        due,
        decliner,
        cooldown_end,
        party: Versioned {
            value: party,
            version: 2,
        },
        ratings: vec![(winners[0], 1516.0), (winners[1], 1484.0)],
        ladder,
        recorded,
    }
}

async fn update(store: &PgStore, lobby: &Lobby, version: u64) {
    store
        .update_lobby(LobbyUpdate::new(lobby.clone(), version))
        .await
        .expect("update_lobby");
}

/// Work in flight when the instance dies: enqueues, cancels and commits in a loop.
async fn churn(store: Arc<PgStore>, seed: u128, commits: Arc<AtomicUsize>) {
    let mut ids = Ids::new(seed);
    let q = QueueName::new("churn");
    for i in 0.. {
        let pair = [ids.solo(&q, at(i)), ids.solo(&q, at(i))];
        if store.enqueue_many(pair.to_vec()).await.is_err() {
            return;
        }
        let result = if i % 2 == 0 {
            store.cancel(pair[0].id(), at(i)).await.map(drop)
        } else {
            store
                .commit(&duel(ids.lobby(), &q, &pair, at(i)))
                .await
                .map(drop)
        };
        if result.is_err() {
            return;
        }
        if i % 2 == 1 {
            commits.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_store_resumes_from_the_tables() {
    let Some(url) = common::url() else { return };
    let schema = unique("mf_restart_");
    let _cleanup = DropSchema {
        url: url.clone(),
        schema: schema.clone(),
    };
    let app = unique("mf_dying_");
    let options = |url: &str| {
        PgOptions::new(url)
            .with_schema(&schema)
            .with_max_connections(common::CONNECTIONS)
    };
    let first = Arc::new(
        PgStore::connect_with(options(&with_app_name(&url, &app)))
            .await
            .expect("the first instance"),
    );
    let mut ids = Ids::new(1);
    let expected = build(&first, &mut ids).await;
    let before_crash = first.events_after(None, 10_000).await.expect("events");
    let cursor = before_crash.last().map(|(c, _)| *c).expect("some events");

    // Work in flight, then the instance dies: its connections are killed
    // mid-transaction, its tasks aborted, its store dropped.
    // The instance dies once it has committed lobbies (a fixed wait could
    // end before the first commit on a loaded machine), while its tasks are
    // still busy.
    let commits = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..4)
        .map(|k| tokio::spawn(churn(Arc::clone(&first), 100 + k, Arc::clone(&commits))))
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while commits.load(Ordering::Relaxed) < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the churning tasks committed no lobbies in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut admin = raw(&url, &schema).await;
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(&app)
    .fetch_all(&mut admin)
    .await
    .expect("terminate the first instance's connections");
    assert!(!killed.is_empty(), "the first instance had connections");
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    drop(first);
    // A connection the pool opened after the kill may still carry a sent
    // COMMIT: wait until the dying instance has no connection left, so
    // nothing of it lands while the new instance reads.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
                .bind(&app)
                .fetch_one(&mut admin)
                .await
                .expect("the first instance's connections");
        if left == 0 {
            break;
        }
        if std::time::Instant::now() >= deadline {
            // Connections still open (idle in the dropped pool's background)
            // are ended here; what they had sent has landed or never will.
            sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
                .bind(&app)
                .execute(&mut admin)
                .await
                .expect("terminate what is left");
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // A new instance on the same schema.
    let second = PgStore::connect_with(options(&url))
        .await
        .expect("the second instance");
    let events = assert_consistent(&second).await;
    let q = &expected.queue;
    assert_eq!(
        second.tickets(q).await.expect("tickets"),
        expected.waiting,
        "waiting tickets with their original enqueue times"
    );
    for t in &expected.waiting {
        for p in t.player_ids() {
            assert_eq!(
                second.ticket_of(p).await.expect("ticket_of").as_ref(),
                Some(t)
            );
        }
    }
    for lobby in &expected.lobbies {
        let id = lobby.value.id();
        assert_eq!(
            second.lobby(id).await.expect("lobby").as_ref(),
            Some(lobby),
            "lobby {id} ({:?}) and its version",
            lobby.value.phase()
        );
        let seated = (!lobby.value.phase().is_finished()).then_some(id);
        for p in lobby.value.players() {
            assert_eq!(second.lobby_of(p).await.expect("lobby_of"), seated);
        }
    }
    let due = second
        .lobbies_due(at(60) + Span::nanoseconds(3), 10)
        .await
        .expect("lobbies_due");
    assert_eq!(due, vec![expected.due], "the open ready check is still due");
    assert!(
        second
            .lobbies_due(at(60) + Span::nanoseconds(2), 10)
            .await
            .expect("lobbies_due")
            .is_empty(),
        "not a nanosecond before its deadline"
    );
    let early = ids.ticket(
        q,
        expected.cooldown_end - Span::nanoseconds(1),
        &[expected.decliner],
    );
    match second.enqueue(early).await {
        Err(Error::Cooldown { player, until }) => {
            assert_eq!((player, until), (expected.decliner, expected.cooldown_end));
        }
        other => panic!("the cooldown survives the restart: {other:?}"),
    }
    assert_eq!(
        second
            .party(expected.party.value.id())
            .await
            .expect("party"),
        Some(expected.party.clone())
    );
    for &member in expected.party.value.members() {
        assert_eq!(
            second.party_of(member).await.expect("party_of"),
            Some(expected.party.clone())
        );
    }
    let players: Vec<PlayerId> = expected.ratings.iter().map(|(p, _)| *p).collect();
    let stored: Vec<Option<f64>> = second
        .ratings(&expected.ladder, &players)
        .await
        .expect("ratings")
        .into_iter()
        .map(|r| r.map(|r| r.rating()))
        .collect();
    let want: Vec<Option<f64>> = expected.ratings.iter().map(|(_, r)| Some(*r)).collect();
    assert_eq!(stored, want, "ratings");
    let record = second
        .match_record(expected.recorded)
        .await
        .expect("match_record")
        .expect("the record survives");
    assert_eq!(
        second
            .matches_of(record.teams[0][0], None, None, 10)
            .await
            .expect("matches_of"),
        vec![record]
    );

    // Events: the log is whole, a reader resumes at its cursor, and new
    // events continue the sequence.
    let log = second.events_after(None, 100_000).await.expect("events");
    assert_eq!(log.len() as i64, events);
    assert_eq!(&log[..before_crash.len()], &before_crash[..]);
    let resumed = second
        .events_after(Some(cursor), 100_000)
        .await
        .expect("events");
    assert_eq!(&resumed[..], &log[before_crash.len()..]);
    let fresh = ids.solo(&QueueName::new("after"), at(1000));
    second
        .enqueue(fresh.clone())
        .await
        .expect("enqueue after restart");
    let next = second
        .events_after(log.last().map(|(c, _)| *c), 10)
        .await
        .expect("events");
    assert_eq!(
        next.iter().map(|(_, e)| e.clone()).collect::<Vec<Event>>(),
        vec![Event::queued(&fresh)]
    );
    assert!(next[0].0 > log.last().expect("a log").0);

    // Whatever the dying instance was doing took effect whole or not at all.
    let churned: Vec<_> = log
        .iter()
        .filter(|(_, e)| {
            matches!(&e.kind, EventKind::LobbyChanged { phase: LobbyPhase::Forming, queue, .. } if queue.as_str() == "churn")
        })
        .collect();
    assert!(
        !churned.is_empty(),
        "the dying instance committed lobbies before it died"
    );
    for (_, e) in churned {
        if let EventKind::LobbyChanged { lobby, .. } = &e.kind {
            let stored = second.lobby(*lobby).await.expect("lobby");
            assert!(
                stored.is_some(),
                "a logged commit's lobby {lobby} is stored"
            );
        }
    }
    assert_consistent(&second).await;
}
