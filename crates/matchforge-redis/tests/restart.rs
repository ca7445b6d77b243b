//! Restart safety at the store level: a store dropped mid-flight, and a new
//! one on the same namespace that carries on as if nothing happened.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use common::{
    all_events, assert_consistent, fresh_namespace, one_v_one_lobbies, redis_url, solo_tickets,
};
use matchforge_core::Error;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::history::{MatchRecord, RatingChange};
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::{Lobby, MatchResult};
use matchforge_core::party::Party;
use matchforge_core::ports::{
    CommitOutcome, EventLog, LobbyStore, LobbyUpdate, MatchHistory, PartyStore, RatingStore,
    TicketStore, Versioned,
};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;
use matchforge_redis::RedisStore;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Span::seconds(secs)
}

/// Everything observable about the scenario's ids.
#[derive(Debug, PartialEq)]
struct Seen {
    queue: Vec<Ticket>,
    tickets: Vec<Option<Ticket>>,
    ticket_of: Vec<Option<Ticket>>,
    lobby_of: Vec<Option<LobbyId>>,
    lobbies: Vec<Option<Versioned<Lobby>>>,
    due: Vec<LobbyId>,
    ratings: Vec<Option<Rating>>,
    party: Option<Versioned<Party>>,
    record: Option<MatchRecord>,
    history: Vec<MatchRecord>,
    events: Vec<(EventCursor, Event)>,
}

struct Scenario {
    queue: QueueName,
    ladder: Ladder,
    tickets: Vec<Ticket>,
    lobbies: Vec<Lobby>,
    party: PartyId,
    cursor: EventCursor,
}

impl Scenario {
    async fn see(&self, store: &RedisStore) -> Seen {
        let players: Vec<PlayerId> = self.tickets.iter().flat_map(Ticket::player_ids).collect();
        let mut seen = Seen {
            queue: store.tickets(&self.queue).await.expect("tickets"),
            tickets: Vec::new(),
            ticket_of: Vec::new(),
            lobby_of: Vec::new(),
            lobbies: Vec::new(),
            due: store.lobbies_due(at(1_000), 10).await.expect("lobbies_due"),
            ratings: store
                .ratings(&self.ladder, &players)
                .await
                .expect("ratings"),
            party: store.party(self.party).await.expect("party"),
            record: store
                .match_record(self.lobbies[5].id())
                .await
                .expect("record"),
            history: store
                .matches_of(players[10], None, None, 10)
                .await
                .expect("matches_of"),
            events: store
                .events_after(Some(self.cursor), 1_000)
                .await
                .expect("events"),
        };
        for t in &self.tickets {
            seen.tickets
                .push(store.ticket(t.id()).await.expect("ticket"));
        }
        for &p in &players {
            seen.ticket_of
                .push(store.ticket_of(p).await.expect("ticket_of"));
            seen.lobby_of
                .push(store.lobby_of(p).await.expect("lobby_of"));
        }
        for l in &self.lobbies {
            seen.lobbies.push(store.lobby(l.id()).await.expect("lobby"));
        }
        seen
    }
}

async fn update(store: &RedisStore, update: LobbyUpdate) {
    let id = update.lobby.id();
    store
        .update_lobby(update)
        .await
        .unwrap_or_else(|e| panic!("update of lobby {id}: {e}"));
}

/// Leaves tickets waiting and lobbies in every state: forming, a ready check
/// half accepted, ready, dispatched, cancelled by a decline (one ticket
/// requeued, the decliner on a cooldown) and completed (rated, recorded); a
/// party too.
async fn play(store: &RedisStore) -> Scenario {
    let queue = QueueName::new("ranked");
    let ladder = Ladder::new("ranked");
    let tickets = solo_tickets(&queue, 16, at(0));
    assert!(
        store
            .enqueue_many(tickets.clone())
            .await
            .expect("enqueue")
            .iter()
            .all(Result::is_ok)
    );
    let lobbies = one_v_one_lobbies(&queue, &tickets[..12], at(20));
    assert_eq!(lobbies.len(), 6);
    for outcome in store.commit_many(&lobbies).await.expect("commit") {
        assert!(
            matches!(outcome, Ok(CommitOutcome::Committed)),
            "{outcome:?}"
        );
    }
    let cursor = all_events(store).await.last().expect("events").0;
    let mut lobbies = lobbies;
    let players = |l: &Lobby| l.players().collect::<Vec<_>>();

    // L1: ready check open until +100, one player accepted.
    lobbies[1].open_acceptance(at(100), at(21)).expect("open");
    let first = players(&lobbies[1])[0];
    lobbies[1].accept(first, at(22)).expect("accept");
    update(store, LobbyUpdate::new(lobbies[1].clone(), 1)).await;
    // L2: ready. L3: dispatched.
    lobbies[2].skip_acceptance(at(21)).expect("ready");
    update(store, LobbyUpdate::new(lobbies[2].clone(), 1)).await;
    lobbies[3].skip_acceptance(at(21)).expect("ready");
    lobbies[3].dispatch("server-7", at(22)).expect("dispatch");
    update(store, LobbyUpdate::new(lobbies[3].clone(), 1)).await;
    // L4: declined; the one who accepted goes back, the decliner cools down.
    lobbies[4].open_acceptance(at(100), at(21)).expect("open");
    let [stayer, decliner] = players(&lobbies[4])[..] else {
        panic!("1v1")
    };
    lobbies[4].accept(stayer, at(22)).expect("accept");
    let cancellation = lobbies[4].decline(decliner, at(23)).expect("decline");
    let mut declined = LobbyUpdate::new(lobbies[4].clone(), 1);
    declined.requeue = cancellation.requeue;
    declined.cooldowns = vec![(decliner, at(600))];
    update(store, declined).await;
    // L5: completed, rated and recorded.
    lobbies[5].skip_acceptance(at(21)).expect("ready");
    lobbies[5].dispatch("server-8", at(22)).expect("dispatch");
    lobbies[5]
        .complete(MatchResult::winner(0, 2), at(50))
        .expect("complete");
    let rated = Rating::new(1512.5, 70.25, 0.06).expect("rating");
    let mut done = LobbyUpdate::new(lobbies[5].clone(), 1);
    done.ratings = Some((
        ladder.clone(),
        players(&lobbies[5])
            .into_iter()
            .map(|player| RatingChange {
                player,
                before: None,
                after: rated,
            })
            .collect(),
    ));
    done.record = Some(MatchRecord {
        lobby: lobbies[5].id(),
        queue: queue.clone(),
        ladder: ladder.clone(),
        teams: lobbies[5].teams(),
        result: MatchResult::winner(0, 2),
        server: Some("server-8".into()),
        started_at: at(20),
        completed_at: at(50),
        rating_changes: Vec::new(),
    });
    update(store, done).await;
    let leader = tickets[12].players()[0].id;
    let party_id = PartyId::from_u128(leader.as_uuid().as_u128());
    let party = Party::new(party_id, leader, 4, at(0)).expect("party");
    store.save_party(&party, None).await.expect("party");
    Scenario {
        queue,
        ladder,
        tickets,
        lobbies,
        party: party_id,
        cursor,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_store_sees_everything_the_old_one_left() {
    let Some(url) = redis_url() else { return };
    let namespace = fresh_namespace();
    let old = RedisStore::connect(&url, &namespace)
        .await
        .expect("connect");
    let scenario = play(&old).await;
    let before = scenario.see(&old).await;
    drop(old);

    let new = RedisStore::connect(&url, &namespace)
        .await
        .expect("reconnect");
    let after = scenario.see(&new).await;
    assert_eq!(after, before, "what a new store sees");
    // Spot checks of what the comparison covers.
    let requeued = &scenario.lobbies[4].tickets()[0];
    assert_eq!(
        after.due,
        vec![scenario.lobbies[1].id()],
        "the open ready check is due"
    );
    assert!(
        after.queue.contains(requeued),
        "the requeued ticket, with its original time"
    );
    assert_eq!(after.queue.len(), 5, "four never matched and one requeued");
    assert_eq!(after.lobbies[3].as_ref().map(|l| l.version), Some(2));
    // The cooldown and the unfinished lobbies still bind.
    let decliner = scenario.lobbies[4]
        .players()
        .find(|&p| !requeued.contains(p))
        .expect("decliner");
    let again = solo_tickets(&scenario.queue, 1, at(599)).remove(0);
    let again = Ticket::builder(again.id(), scenario.queue.clone(), at(599))
        .player(matchforge_core::ticket::TicketPlayer::new(
            decliner,
            again.rating(),
        ))
        .build(&matchforge_core::rating::PartyRating::Average)
        .expect("ticket");
    assert!(matches!(
        new.enqueue(again).await,
        Err(Error::Cooldown { .. })
    ));
    // The new store carries on, and the log resumes after the old cursor.
    let last = after.events.last().expect("events").0;
    let waiting = new.tickets(&scenario.queue).await.expect("tickets");
    let more = one_v_one_lobbies(&scenario.queue, &waiting[..2], at(700));
    new.commit_many(&more).await.expect("commit");
    let next = new.events_after(Some(last), 10).await.expect("events");
    assert_eq!(
        next.len(),
        3,
        "two TicketMatched and the lobby's state, after the old cursor"
    );
    new.purge().await.expect("purge");
}

#[test]
fn a_store_stopped_mid_flight_loses_nobody() {
    let Some(url) = redis_url() else { return };
    let namespace = fresh_namespace();
    let queue = QueueName::new("duel");
    let attempted: Arc<Mutex<(Vec<Ticket>, Vec<Lobby>)>> = Arc::default();

    // A matchmaker that queues, matches and expires until its runtime is shut down.
    let runner = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store = runner
        .block_on(RedisStore::connect(&url, &namespace))
        .expect("connect");
    // The connection the store and its clones share, to see when Redis has
    // let go of it.
    let client = runner.block_on(store.client_id()).expect("client id");
    for worker in 0..2 {
        let (store, queue, attempted) = (store.clone(), queue.clone(), Arc::clone(&attempted));
        runner.spawn(async move {
            for round in 0_i64.. {
                let now = at(round);
                let tickets = solo_tickets(&queue, 25, now);
                attempted
                    .lock()
                    .expect("lock")
                    .0
                    .extend(tickets.iter().cloned());
                store.enqueue_many(tickets).await.expect("enqueue");
                let waiting = store.tickets(&queue).await.expect("tickets");
                let lobbies = one_v_one_lobbies(&queue, &waiting, now);
                attempted
                    .lock()
                    .expect("lock")
                    .1
                    .extend(lobbies.iter().cloned());
                store.commit_many(&lobbies).await.expect("commit");
                if round % 3 == worker {
                    let oldest: Vec<TicketId> = store
                        .tickets(&queue)
                        .await
                        .expect("tickets")
                        .iter()
                        .take(3)
                        .map(Ticket::id)
                        .collect();
                    store.expire(&oldest, now).await.expect("expire");
                }
            }
        });
    }
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        runner.block_on(store.client_id()).expect("client id"),
        client,
        "the connection was re-established: waiting for the old one to go proves nothing"
    );
    // Returns once the workers have stopped (tasks are dropped at their next
    // await), so nothing of the runner runs on while the checker reads.
    runner.shutdown_timeout(Duration::from_secs(10));
    drop(store);

    let checker = tokio::runtime::Runtime::new().expect("runtime");
    checker.block_on(async {
        // Let a call the stopped runner had already sent land: Redis frees a
        // client once it has run everything it read before the end of the
        // connection.
        let mut side = common::side_connection(&url).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let listed: String = redis::cmd("CLIENT")
                .arg("LIST")
                .arg("ID")
                .arg(client)
                .query_async(&mut side)
                .await
                .expect("CLIENT LIST");
            if listed.trim().is_empty() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "Redis still holds the stopped runner's connection: {listed}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let new = RedisStore::connect(&url, &namespace)
            .await
            .expect("reconnect");
        let (tickets, lobbies) = attempted.lock().expect("lock").clone();
        assert!(
            tickets.len() >= 50,
            "the runner ran ({} tickets)",
            tickets.len()
        );
        assert_consistent(&new, &queue, &tickets, &lobbies, "after the stop").await;
        // Nobody is stuck: the new store matches everyone still waiting.
        let waiting = new.tickets(&queue).await.expect("tickets");
        for t in &waiting {
            let original = tickets
                .iter()
                .find(|o| o.id() == t.id())
                .expect("attempted");
            assert_eq!(
                t.enqueued_at(),
                original.enqueued_at(),
                "original enqueue time"
            );
        }
        let more = one_v_one_lobbies(&queue, &waiting, at(10_000));
        new.commit_many(&more).await.expect("commit");
        let mut all_lobbies = lobbies;
        all_lobbies.extend(more);
        assert_consistent(&new, &queue, &tickets, &all_lobbies, "after carrying on").await;
        assert!(new.tickets(&queue).await.expect("tickets").len() <= 1);
        new.purge().await.expect("purge");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_the_scripts_write_is_in_the_namespace_slot() {
    let Some(url) = redis_url() else { return };
    let namespace = fresh_namespace();
    let store = RedisStore::connect(&url, &namespace)
        .await
        .expect("connect");
    play(&store).await;
    let mut side = common::side_connection(&url).await;
    // Any key that mentions this (unique) namespace at all...
    let mut everywhere: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("*{namespace}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut side)
            .await
            .expect("SCAN");
        everywhere.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    everywhere.sort();
    // ...starts with the namespace's hash tag, and is one of the documented keys.
    let prefix = format!("{{mf:{namespace}}}:");
    let fixed = [
        "tickets",
        "waiting_players",
        "in_lobby",
        "cooldowns",
        "lobbies",
        "deadlines",
        "parties",
        "party_of",
        "records",
        "events",
    ];
    for key in &everywhere {
        let name = key
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{key} does not start with the hash tag {prefix}"));
        assert!(
            fixed.contains(&name)
                || ["q:", "ratings:", "history:"]
                    .iter()
                    .any(|p| name.starts_with(p)),
            "{key} is not in the documented layout"
        );
    }
    assert_eq!(
        everywhere,
        common::namespace_keys(&store, &mut side)
            .await
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    assert!(everywhere.len() >= fixed.len(), "{everywhere:?}");
    assert_eq!(store.purge().await.expect("purge"), everywhere.len() as u64);
    assert!(
        common::namespace_keys(&store, &mut side).await.is_empty(),
        "purge leaves nothing"
    );
}
