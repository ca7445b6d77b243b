//! Races against real PostgreSQL, beyond the conformance suite's one run:
//! the eight-committer race many times over, batches racing for the same
//! players, and calls that expect a row to be absent (a create, a rating
//! compare-and-set from none) racing another instance that creates it.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::history::RatingChange;
use matchforge_core::ids::{Ladder, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::MatchResult;
use matchforge_core::party::Party;
use matchforge_core::ports::{
    CommitOutcome, LobbyStore, LobbyUpdate, PartyStore, RatingStore, TicketStore,
};
use matchforge_postgres::PgStore;
use matchforge_testkit::conformance;
use sqlx::Connection;

use common::assert_consistent;
use common::fixtures::{Ids, at, duel, rating};

/// Eight matchmakers committing over one queue, ten times over on one store
/// (each round on fresh tickets), interleaved with the concurrent-writers
/// check: no ticket claimed twice, none lost, no event lost, and the tables
/// agree afterwards.
#[test]
fn eight_committers_claim_each_ticket_once_every_time() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let Some(store) = common::store().await else {
            return;
        };
        let store = Arc::new(store);
        for round in 0..10 {
            conformance::concurrent_commits_claim_each_ticket_once(Arc::clone(&store)).await;
            if round % 3 == 0 {
                conformance::concurrent_writers_lose_no_events(Arc::clone(&store)).await;
            }
        }
        assert_consistent(&store).await;
    });
}

/// Six batches of 40 tickets race for the same 40 players (each batch with
/// tickets of its own ids): every player ends up on exactly one ticket, every
/// other ticket for them is refused with `AlreadyQueued` naming the winner,
/// and no call fails (the losers of a key race run again and see the winner).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_batches_give_each_player_one_ticket() {
    const BATCHES: u128 = 6;
    const PLAYERS: usize = 40;
    let Some(store) = common::store().await else {
        return;
    };
    let store = Arc::new(store);
    let mut ids = Ids::new(31);
    let q = QueueName::new("race");
    let players: Vec<PlayerId> = (0..PLAYERS).map(|_| ids.player()).collect();
    let tasks: Vec<_> = (0..BATCHES)
        .map(|b| {
            let (store, players, q) = (Arc::clone(&store), players.clone(), q.clone());
            tokio::spawn(async move {
                let mut ids = Ids::new(1000 + b);
                // Each batch takes the players in its own order.
                let mut order = players;
                order.rotate_left(usize::try_from(b).expect("small") * 7);
                let batch: Vec<_> = order.iter().map(|&p| ids.ticket(&q, at(0), &[p])).collect();
                let results = store
                    .enqueue_many(batch.clone())
                    .await
                    .expect("no batch fails");
                batch.into_iter().zip(results).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut winners: BTreeMap<PlayerId, TicketId> = BTreeMap::new();
    let mut refusals = Vec::new();
    for task in tasks {
        for (ticket, result) in task.await.expect("join") {
            let player = ticket.players()[0].id;
            match result {
                Ok(()) => {
                    let previous = winners.insert(player, ticket.id());
                    assert!(previous.is_none(), "player {player} was queued twice");
                }
                Err(Error::AlreadyQueued {
                    player: p, ticket, ..
                }) => {
                    assert_eq!(p, player);
                    refusals.push((player, ticket));
                }
                Err(e) => panic!("unexpected refusal: {e}"),
            }
        }
    }
    assert_eq!(winners.len(), PLAYERS, "every player is queued once");
    assert_eq!(
        refusals.len(),
        PLAYERS * (usize::try_from(BATCHES).expect("small") - 1)
    );
    for (player, held) in refusals {
        assert_eq!(
            winners.get(&player),
            Some(&held),
            "the refusal names the winner"
        );
    }
    let waiting = store.tickets(&q).await.expect("tickets");
    assert_eq!(waiting.len(), PLAYERS);
    for t in waiting {
        assert_eq!(winners.get(&t.players()[0].id), Some(&t.id()));
    }
    assert_eq!(assert_consistent(&store).await, PLAYERS as i64);
}

/// Waits until a connection named `app` waits for a lock, as a call of the
/// store does when a transaction of the test holds a row it needs.
async fn wait_for_lock(url: &str, app: &str) {
    wait_for_locks(url, app, 1).await;
}

/// Waits until `n` connections named `app` wait for a lock.
async fn wait_for_locks(url: &str, app: &str, n: i64) {
    let mut admin = common::raw(url, "public").await;
    // The call must open a connection and reach the lock first: a generous
    // deadline, since a loaded machine can take seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        )
        .bind(app)
        .fetch_one(&mut admin)
        .await
        .expect("pg_stat_activity");
        if waiting >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} of the store's calls waited for the test's lock");
}

/// A store whose connections are named `app`, in a schema of its own.
async fn named_store(url: &str, app: &str) -> PgStore {
    PgStore::connect_with(common::options(&common::with_app_name(url, app)))
        .await
        .expect("a store")
}

/// The same lobby committed twice at once (a retry after a timeout, say),
/// the second call reading the lobbies while the first holds the tickets:
/// the first commits, and the second must fail with `Conflict` (the lobby
/// exists), as it would had it come second. Before, the second read no lobby,
/// waited for the tickets, found them gone and reported them missing, so a
/// caller retrying a commit it thought lost was told its match did not
/// happen although its first attempt had seated the players.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lobby_committed_twice_at_once_is_a_conflict_for_the_second() {
    let Some(url) = common::url() else { return };
    let app = common::unique("mf_twice_lobby_");
    let store = Arc::new(named_store(&url, &app).await);
    let mut ids = Ids::new(43);
    let q = QueueName::new("twice");
    let pair = [ids.solo(&q, at(0)), ids.solo(&q, at(1))];
    store
        .enqueue_many(pair.to_vec())
        .await
        .expect("enqueue_many");
    let lobby = duel(ids.lobby(), &q, &pair, at(2));

    // Hold the tickets, so both commits queue up behind this transaction.
    let mut holder = common::raw(&url, store.schema()).await;
    let mut tx = holder.begin().await.expect("begin");
    let held: Vec<uuid::Uuid> = pair.iter().map(|t| *t.id().as_uuid()).collect();
    sqlx::query("SELECT id FROM tickets WHERE id = ANY($1) FOR UPDATE")
        .bind(&held)
        .fetch_all(&mut *tx)
        .await
        .expect("lock the tickets");
    let commit = || {
        let (store, lobby) = (Arc::clone(&store), lobby.clone());
        tokio::spawn(async move { store.commit(&lobby).await })
    };
    let first = commit();
    wait_for_locks(&url, &app, 1).await;
    let second = commit();
    wait_for_locks(&url, &app, 2).await;
    tx.rollback().await.expect("release the tickets");

    let outcomes = [first.await.expect("join"), second.await.expect("join")];
    let committed = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(CommitOutcome::Committed)))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Err(Error::Conflict(m)) if m.contains("already been committed")))
        .count();
    assert_eq!((committed, refused), (1, 1), "{outcomes:?}");
    assert_eq!(
        store
            .lobby(lobby.id())
            .await
            .expect("lobby")
            .map(|l| l.version),
        Some(1)
    );
    assert_consistent(&store).await;
}

/// A report whose compare-and-set expects no stored rating (a player's first
/// match) while another writer (an import, `put_ratings` of another instance)
/// creates that rating and commits first: the report must fail with
/// `Conflict`, as it would had it started after the import, and the imported
/// rating must stay. Before, the report's upsert overwrote it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_created_during_a_report_makes_it_a_conflict() {
    let Some(url) = common::url() else { return };
    let app = common::unique("mf_cas_rating_");
    let store = Arc::new(named_store(&url, &app).await);
    let mut ids = Ids::new(41);
    let (q, ladder) = (QueueName::new("cas"), Ladder::new("cas"));
    let pair = [ids.solo(&q, at(0)), ids.solo(&q, at(1))];
    store
        .enqueue_many(pair.to_vec())
        .await
        .expect("enqueue_many");
    let mut lobby = duel(ids.lobby(), &q, &pair, at(2));
    assert_eq!(
        store.commit(&lobby).await.expect("commit"),
        CommitOutcome::Committed
    );
    lobby.skip_acceptance(at(3)).expect("ready");
    lobby.dispatch("eu-1", at(3)).expect("dispatch");
    lobby
        .complete(MatchResult::winner(0, 2), at(4))
        .expect("complete");
    let winner = pair[0].players()[0].id;
    let mut update = LobbyUpdate::new(lobby.clone(), 1);
    update.ratings = Some((
        ladder.clone(),
        vec![RatingChange {
            player: winner,
            before: None,
            after: rating(1516.0),
        }],
    ));

    let mut importer = common::raw(&url, store.schema()).await;
    let mut tx = importer.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO ratings (ladder, player, rating, deviation, volatility, games) \
         VALUES ($1, $2, 2000, 80, 0.06, 0)",
    )
    .bind(ladder.as_str())
    .bind(winner.as_uuid())
    .execute(&mut *tx)
    .await
    .expect("the import's insert");
    let report = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.update_lobby(update).await }
    });
    wait_for_lock(&url, &app).await;
    tx.commit().await.expect("the import commits first");

    let outcome = report.await.expect("join");
    assert!(
        matches!(outcome, Err(Error::Conflict(_))),
        "a report computed from no rating, after one was stored: {outcome:?}"
    );
    assert_eq!(
        store.ratings(&ladder, &[winner]).await.expect("ratings"),
        vec![Some(rating(2000.0))],
        "the imported rating stays"
    );
    assert_eq!(
        store
            .lobby(lobby.id())
            .await
            .expect("lobby")
            .map(|l| l.version),
        Some(1),
        "the failed report changed nothing"
    );
    assert_consistent(&store).await;
}

/// Two instances create the same party at once (`expected_version: None`):
/// one creates it, the other must fail with `Conflict` ("already exists"), as
/// it would had it come second. Before, the second silently replaced the
/// first (members included) and both were told they created version 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_created_twice_at_once_is_created_once() {
    let Some(url) = common::url() else { return };
    let app = common::unique("mf_cas_party_");
    let store = Arc::new(named_store(&url, &app).await);
    let mut ids = Ids::new(42);
    let id = ids.party();
    let first = Party::new(id, ids.player(), 5, at(0)).expect("party");
    let second = Party::new(id, ids.player(), 5, at(1)).expect("party");

    let mut other = common::raw(&url, store.schema()).await;
    let mut tx = other.begin().await.expect("begin");
    sqlx::query(
        "WITH p AS (INSERT INTO parties (id, leader, version, created_at, body) \
         VALUES ($1, $2, 1, $3, $4::text::json)) \
         INSERT INTO party_members (player, party) VALUES ($2, $1)",
    )
    .bind(id.as_uuid())
    .bind(first.leader().as_uuid())
    .bind(first.created_at())
    .bind(serde_json::to_string(&first).expect("json"))
    .execute(&mut *tx)
    .await
    .expect("the other instance's create");
    let create = tokio::spawn({
        let (store, second) = (Arc::clone(&store), second.clone());
        async move { store.save_party(&second, None).await }
    });
    wait_for_lock(&url, &app).await;
    tx.commit().await.expect("the other create commits first");

    let outcome = create.await.expect("join");
    assert!(
        matches!(outcome, Err(Error::Conflict(_))),
        "creating a party that was created meanwhile: {outcome:?}"
    );
    let stored = store.party(id).await.expect("party").expect("a party");
    assert_eq!((stored.value, stored.version), (first.clone(), 1));
    assert_eq!(
        store
            .party_of(second.leader())
            .await
            .expect("party_of")
            .map(|p| p.value.id()),
        None,
        "the second creator is in no party"
    );
}

/// A database whose default isolation is SERIALIZABLE (a DBA's setting, here
/// through the URL): the store's transactions are designed for READ
/// COMMITTED (row locks, then a retry only on a lost key), and under
/// SERIALIZABLE the event counter and the predicate locks made racing
/// writers fail with `40001` sixteen times in a row, so valid calls failed.
/// The store now runs its transactions at READ COMMITTED whatever the
/// default, and the conformance races pass.
#[test]
fn a_serializable_default_does_not_fail_racing_calls() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let Some(url) = common::url() else { return };
        let sep = if url.contains('?') { '&' } else { '?' };
        let serializable =
            format!("{url}{sep}options=-c%20default_transaction_isolation%3Dserializable");
        let store = Arc::new(
            PgStore::connect_with(common::options(&serializable))
                .await
                .expect("a store"),
        );
        let default: String = sqlx::query_scalar("SHOW default_transaction_isolation")
            .fetch_one(store.pool())
            .await
            .expect("the default isolation");
        assert_eq!(default, "serializable", "the URL's setting holds");
        for _ in 0..3 {
            conformance::concurrent_writers_lose_no_events(Arc::clone(&store)).await;
            conformance::concurrent_commits_claim_each_ticket_once(Arc::clone(&store)).await;
        }
        assert_consistent(&store).await;
    });
}
