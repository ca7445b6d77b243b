//! Failures: a connection killed mid-call, values PostgreSQL cannot hold, a
//! violated constraint, and the ways opening a store can fail. Each failed
//! call is a clear error and leaves no trace.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ids::{Ladder, QueueName};
use matchforge_core::lobby::MatchResult;
use matchforge_core::party::Party;
use matchforge_core::ports::{
    CommitOutcome, EventLog, LobbyStore, LobbyUpdate, MatchHistory, PartyStore, RatingStore,
    TicketStore,
};
use matchforge_postgres::{Error as PgError, PgOptions, PgStore};
use sqlx::Connection;

use common::fixtures::{Ids, at, duel, rating, record};
use common::{DropSchema, assert_consistent, raw, unique, with_app_name};

fn backend_message(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Backend {
            backend: "postgres",
            message,
            ..
        }) => message,
        other => panic!("expected a postgres Backend error, got {other:?}"),
    }
}

/// The store's only connection is killed while its enqueue waits (behind a
/// lock the test holds) to append its event: the call fails with a Backend
/// error naming the operation, nothing of it remains, and the next call gets a
/// new connection and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_connection_fails_the_call_and_leaves_no_trace() {
    let Some(url) = common::url() else { return };
    let app = unique("mf_victim_");
    let store = Arc::new(
        PgStore::connect_with(
            PgOptions::new(with_app_name(&url, &app))
                .with_ephemeral_schema()
                .with_max_connections(1),
        )
        .await
        .expect("a store"),
    );
    let mut ids = Ids::new(21);
    let ticket = ids.solo(&QueueName::new("killed"), at(0));

    let mut blocker = raw(&url, store.schema()).await;
    let mut tx = blocker.begin().await.expect("begin");
    sqlx::query("SELECT last FROM event_counter FOR UPDATE")
        .execute(&mut *tx)
        .await
        .expect("hold the counter");
    let call = tokio::spawn({
        let (store, ticket) = (Arc::clone(&store), ticket.clone());
        async move { store.enqueue(ticket).await }
    });
    let mut admin = raw(&url, store.schema()).await;
    let mut pid = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        pid = sqlx::query_scalar::<_, i32>(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        )
        .bind(&app)
        .fetch_optional(&mut admin)
        .await
        .expect("pg_stat_activity");
        if pid.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = pid.expect("the enqueue waits for the counter");
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&mut admin)
        .await
        .expect("terminate");
    let message = backend_message(call.await.expect("join"));
    assert!(message.contains("enqueue"), "{message}");
    tx.rollback().await.expect("release the counter");

    assert_eq!(store.ticket(ticket.id()).await.expect("ticket"), None);
    assert_eq!(
        store
            .ticket_of(ticket.players()[0].id)
            .await
            .expect("ticket_of"),
        None
    );
    assert_eq!(assert_consistent(&store).await, 0, "no event was appended");
    store
        .enqueue(ticket.clone())
        .await
        .expect("the next call reconnects");
    let log = store.events_after(None, 10).await.expect("events");
    assert_eq!(
        log.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
        vec![Event::queued(&ticket)]
    );
}

/// Values PostgreSQL cannot hold (a NUL in a text column, a time before 4713
/// BC) are refused before anything is written: per ticket in a batch, for the
/// whole call elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unstorable_values_are_refused_and_change_nothing() {
    let Some(store) = common::store().await else {
        return;
    };
    let mut ids = Ids::new(22);
    let q = QueueName::new("ok");
    let ancient = Utc.with_ymd_and_hms(-5000, 1, 1, 0, 0, 0).unwrap();
    let good = [ids.solo(&q, at(0)), ids.solo(&q, at(1))];
    let nul = ids.solo(&QueueName::new("a\0b"), at(0));
    let old = ids.solo(&q, ancient);
    // Longer than an index entry holds; before, it failed the whole batch.
    let long_name: String = (0..4000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let long = ids.solo(&QueueName::new(long_name.clone()), at(0));
    let results = store
        .enqueue_many(vec![good[0].clone(), nul, old, long, good[1].clone()])
        .await
        .expect("enqueue_many");
    let refused: Vec<String> = results
        .iter()
        .filter_map(|r| match r {
            Err(Error::InvalidTicket(m)) => Some(m.clone()),
            _ => None,
        })
        .collect();
    assert!(results[0].is_ok() && results[4].is_ok(), "{results:?}");
    assert_eq!(refused.len(), 3, "{results:?}");
    assert!(refused[0].contains("NUL"), "{}", refused[0]);
    assert!(refused[1].contains("timestamp range"), "{}", refused[1]);
    assert!(refused[2].contains("4000 bytes long"), "{}", refused[2]);
    assert_eq!(store.tickets(&q).await.expect("tickets"), good.to_vec());
    // A cancel or an expiry at such a time (its event's time) is refused
    // the same way, naming the time, and leaves the ticket waiting.
    let message = backend_message(store.cancel(good[0].id(), ancient).await);
    assert!(message.contains("timestamp range"), "{message}");
    let message = backend_message(store.expire(&[good[0].id()], ancient).await);
    assert!(message.contains("timestamp range"), "{message}");
    assert_eq!(store.tickets(&q).await.expect("tickets"), good.to_vec());

    let ladder = Ladder::new("x\0y");
    // Nothing can be stored under such a name, so reads under it find
    // nothing, as in the other stores (they were a server error).
    assert_eq!(
        store
            .tickets(&QueueName::new("a\0b"))
            .await
            .expect("tickets"),
        Vec::new()
    );
    let nobody = ids.player();
    assert_eq!(
        store.ratings(&ladder, &[nobody]).await.expect("ratings"),
        vec![None]
    );
    let message = backend_message(
        store
            .put_ratings(&ladder, &[(ids.player(), rating(1.0))])
            .await,
    );
    assert!(message.contains("NUL"), "{message}");
    // Nothing to store under it is nothing to refuse.
    store.put_ratings(&ladder, &[]).await.expect("no ratings");
    let long_ladder = Ladder::new(long_name.clone());
    let message = backend_message(
        store
            .put_ratings(&long_ladder, &[(ids.player(), rating(1.0))])
            .await,
    );
    assert!(message.contains("4000 bytes long"), "{message}");
    assert_eq!(
        store
            .tickets(&QueueName::new(long_name))
            .await
            .expect("tickets"),
        Vec::new()
    );
    let party = Party::new(ids.party(), ids.player(), 5, ancient).expect("party");
    let message = backend_message(store.save_party(&party, None).await);
    assert!(message.contains("timestamp range"), "{message}");
    assert_eq!(store.party(party.id()).await.expect("party"), None);

    // A record PostgreSQL cannot hold fails the whole update.
    let mut lobby = duel(ids.lobby(), &q, &good, at(2));
    assert_eq!(
        store.commit(&lobby).await.expect("commit"),
        CommitOutcome::Committed
    );
    lobby.skip_acceptance(at(3)).expect("ready");
    lobby.dispatch("eu-1", at(3)).expect("dispatch");
    lobby
        .complete(MatchResult::winner(0, 2), at(4))
        .expect("complete");
    let mut bad = record(&lobby, &Ladder::new("ranked"), at(4));
    bad.server = Some("eu\0".into());
    let mut update = LobbyUpdate::new(lobby.clone(), 1);
    update.record = Some(bad);
    let message = backend_message(store.update_lobby(update).await);
    assert!(message.contains("NUL"), "{message}");
    assert_eq!(
        store
            .lobby(lobby.id())
            .await
            .expect("lobby")
            .map(|l| l.version),
        Some(1),
        "the lobby is unchanged"
    );
    assert_eq!(store.match_record(lobby.id()).await.expect("record"), None);

    // Times PostgreSQL cannot hold are before everything stored.
    assert!(
        store
            .lobbies_due(ancient, 10)
            .await
            .expect("lobbies_due")
            .is_empty()
    );
    let events = assert_consistent(&store).await;
    assert_eq!(events, 2 + 3, "two tickets queued, one lobby committed");
}

/// A ticket row that does not decode (damaged by hand, or written by a newer
/// version) fails the read of its queue with an error naming the row and the
/// queue, so an operator can find it (as do reads and cancels of that one
/// ticket); other queues read as before, and nothing is changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_ticket_is_named_by_the_error() {
    let Some(store) = common::store().await else {
        return;
    };
    let mut ids = Ids::new(29);
    let (duel, other) = (QueueName::new("duel"), QueueName::new("other"));
    let (good, bad, elsewhere) = (
        ids.solo(&duel, at(0)),
        ids.solo(&duel, at(1)),
        ids.solo(&other, at(2)),
    );
    for ticket in [&good, &bad, &elsewhere] {
        store.enqueue(ticket.clone()).await.expect("enqueue");
    }
    sqlx::query("UPDATE tickets SET body = (body::jsonb - 'players')::json WHERE id = $1")
        .bind(bad.id().as_uuid())
        .execute(store.pool())
        .await
        .expect("damage a row");
    let events = assert_consistent(&store).await;

    let message = backend_message(store.tickets(&duel).await);
    assert!(
        message.contains(&bad.id().to_string())
            && message.contains("\"duel\"")
            && message.contains("players"),
        "{message}"
    );
    assert!(!message.contains(&good.id().to_string()), "{message}");
    // Reading, or cancelling, the damaged ticket by itself names it too; the
    // failed cancel leaves its row (and its player's claim) in place.
    let bad_player = bad.players()[0].id;
    for message in [
        backend_message(store.ticket(bad.id()).await),
        backend_message(store.ticket_of(bad_player).await),
        backend_message(store.cancel(bad.id(), at(3)).await),
    ] {
        assert!(
            message.contains(&bad.id().to_string()) && message.contains("\"duel\""),
            "{message}"
        );
    }
    assert!(store.ticket_of(bad_player).await.is_err(), "still claimed");
    assert_eq!(
        store.tickets(&other).await.expect("tickets"),
        vec![elsewhere]
    );
    assert_eq!(
        store.ticket(good.id()).await.expect("ticket"),
        Some(good),
        "the intact ticket still waits"
    );
    assert_eq!(
        assert_consistent(&store).await,
        events,
        "nothing was logged"
    );
}

/// A constraint the adapter does not know of (one a DBA might add) fails the
/// call with a Backend error that names it; the transaction leaves no trace,
/// and a batch that hits it queues none of its tickets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constraint_violations_are_clear_errors_and_leave_no_trace() {
    let Some(store) = common::store().await else {
        return;
    };
    sqlx::query("ALTER TABLE tickets ADD CONSTRAINT queue_is_short CHECK (length(queue) <= 8)")
        .execute(store.pool())
        .await
        .expect("add a constraint");
    let mut ids = Ids::new(23);
    let (short, long) = (QueueName::new("short"), QueueName::new("much-too-long"));
    let message = backend_message(store.enqueue(ids.solo(&long, at(0))).await);
    assert!(
        message.contains("enqueue")
            && message.contains("queue_is_short")
            && message.contains("23514"),
        "{message}"
    );
    let message = backend_message(
        store
            .enqueue_many(vec![ids.solo(&short, at(0)), ids.solo(&long, at(1))])
            .await,
    );
    assert!(message.contains("queue_is_short"), "{message}");
    assert!(store.tickets(&short).await.expect("tickets").is_empty());
    assert_eq!(assert_consistent(&store).await, 0, "no event was appended");
    let fine = ids.solo(&short, at(2));
    store.enqueue(fine.clone()).await.expect("a valid ticket");
    assert_eq!(store.tickets(&short).await.expect("tickets"), vec![fine]);
}

/// A serialization failure raised at `COMMIT` (by a deferred trigger or
/// check, one a DBA might add) rolls the transaction back like one raised by
/// a statement: the call runs again and succeeds, as the documentation
/// promises, instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serialization_failure_at_commit_is_run_again() {
    let Some(store) = common::store().await else {
        return;
    };
    // A deferred trigger that fails the first commit inserting a ticket
    // (a sequence, unlike a table, keeps counting across the rollback).
    for statement in [
        "CREATE SEQUENCE commit_attempts",
        "CREATE FUNCTION fail_first_commit() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF nextval('commit_attempts') = 1 THEN \
             RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; \
           END IF; \
           RETURN NULL; \
         END $$",
        "CREATE CONSTRAINT TRIGGER fail_first_commit AFTER INSERT ON tickets \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_first_commit()",
    ] {
        sqlx::query(statement)
            .execute(store.pool())
            .await
            .expect("set up the failing commit");
    }
    let mut ids = Ids::new(24);
    let ticket = ids.solo(&QueueName::new("flaky"), at(0));
    store
        .enqueue(ticket.clone())
        .await
        .expect("the enqueue runs again after its commit failed to serialize");
    assert_eq!(
        store.ticket(ticket.id()).await.expect("ticket"),
        Some(ticket.clone())
    );
    let attempts: i64 = sqlx::query_scalar("SELECT last_value FROM commit_attempts")
        .fetch_one(store.pool())
        .await
        .expect("the attempts");
    assert_eq!(attempts, 2, "one failed commit, one that succeeded");
    assert_eq!(
        assert_consistent(&store).await,
        1,
        "one event, appended once"
    );
}

/// Recognises the error opening must fail with.
type Expected = fn(&PgError) -> bool;

/// Opening a store: bad options and unreachable servers are refused with the
/// crate's errors, which convert into the core's Backend error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_store_fails_clearly() {
    let Some(url) = common::url() else { return };
    let table: Vec<(PgOptions, Expected)> = vec![
        (PgOptions::new(&url).with_schema("Bad-Name"), |e| {
            matches!(e, PgError::InvalidOptions(_))
        }),
        (PgOptions::new(&url).with_max_connections(0), |e| {
            matches!(e, PgError::InvalidOptions(_))
        }),
        (PgOptions::new("not a url"), |e| {
            matches!(e, PgError::Connect(_))
        }),
        // Nothing listens on port 1: the error says the connection was
        // refused, not that a pool timed out.
        (
            PgOptions::new("postgres://postgres@127.0.0.1:1/test")
                .with_acquire_timeout(Duration::from_secs(5)),
            |e| matches!(e, PgError::Connect(_)) && chain(e).contains("refused"),
        ),
        // A database that does not exist: the server's own reason.
        (
            PgOptions::new(with_database(&url, "mf_no_such_database")),
            |e| matches!(e, PgError::Connect(_)) && chain(e).contains("mf_no_such_database"),
        ),
    ];
    for (options, expected) in table {
        let shown = format!("{options:?}");
        match PgStore::connect_with(options).await {
            Err(e) if expected(&e) => {
                let core: Error = e.into();
                assert!(matches!(
                    core,
                    Error::Backend {
                        backend: "postgres",
                        ..
                    }
                ));
            }
            other => panic!("{shown}: {other:?}"),
        }
    }
}

/// A server that accepts connections and never answers: opening fails with
/// a connect error that says so, after one acquire timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_is_reported_as_silent() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let port = listener.local_addr().expect("its address").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let options = PgOptions::new(format!("postgres://postgres@127.0.0.1:{port}/test"))
        .with_acquire_timeout(Duration::from_millis(500));
    match PgStore::connect_with(options).await {
        Err(e @ PgError::Connect(_)) => {
            assert!(chain(&e).contains("no answer"), "{}", chain(&e));
        }
        other => panic!("a silent server: {other:?}"),
    }
    held.abort();
}

/// An error and its sources, joined.
fn chain(e: &PgError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, rest) = url.rsplit_once('/').expect("a URL with a database");
    let query = rest.find('?').map_or("", |at| &rest[at..]);
    format!("{base}/{database}{query}")
}

/// Without migrations on connect, an unmigrated schema is refused with
/// `NotMigrated`; `migrate` fixes it; several instances migrating one new
/// schema at once all succeed, and the migrations run once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_and_are_checked() {
    let Some(url) = common::url() else { return };
    let schema = unique("mf_migrate_");
    let _cleanup = DropSchema {
        url: url.clone(),
        schema: schema.clone(),
    };
    let options = || {
        PgOptions::new(&url)
            .with_schema(&schema)
            .with_max_connections(1)
    };
    match PgStore::connect_with(options().with_migrations(false)).await {
        Err(PgError::NotMigrated { schema: s, .. }) => assert_eq!(s, schema),
        other => panic!("an unmigrated schema: {other:?}"),
    }
    let opened = futures_join(4, || PgStore::connect_with(options())).await;
    for store in &opened {
        store.as_ref().expect("concurrent migrations");
    }
    let store = PgStore::connect_with(options().with_migrations(false))
        .await
        .expect("a migrated schema");
    store.migrate().await.expect("migrating again is a no-op");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .expect("the migrations table");
    assert_eq!(runs, PgStore::migrator().iter().count() as i64);
}

/// A migration edited after it ran: the schema has every version but one
/// with another checksum than the embedded migration's. Opening without
/// migrations and `check_migrated` refuse it with `MigrationChanged` naming
/// the version; opening with migrations is refused by sqlx's migrator; none of
/// them changes the record, and the schema passes again once it matches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_migration_is_refused() {
    let Some(url) = common::url() else { return };
    let schema = unique("mf_edited_");
    let _cleanup = DropSchema {
        url: url.clone(),
        schema: schema.clone(),
    };
    let options = || {
        PgOptions::new(&url)
            .with_schema(&schema)
            .with_max_connections(1)
    };
    let store = PgStore::connect_with(options())
        .await
        .expect("a migrated schema");
    store
        .check_migrated()
        .await
        .expect("the embedded migrations ran");
    let first = PgStore::migrator().iter().next().expect("a migration");

    let mut admin = raw(&url, &schema).await;
    let recorded = || {
        sqlx::query_as::<_, (i64, Vec<u8>)>(
            "SELECT version, checksum FROM _sqlx_migrations ORDER BY version",
        )
    };
    let before = recorded().fetch_all(&mut admin).await.expect("the record");
    // What the record holds after the migration's SQL changed by a byte.
    let changed =
        sqlx::query("UPDATE _sqlx_migrations SET checksum = sha384(checksum) WHERE version = $1")
            .bind(first.version)
            .execute(&mut admin)
            .await
            .expect("tamper with the checksum");
    assert_eq!(changed.rows_affected(), 1);
    let tampered = recorded().fetch_all(&mut admin).await.expect("the record");
    assert_ne!(tampered, before);

    let is_changed = |e: &PgError| {
        matches!(e, PgError::MigrationChanged { schema: s, version, description }
            if *s == schema && *version == first.version && *description == first.description)
    };
    match store.check_migrated().await {
        Err(e) if is_changed(&e) => {
            let shown = e.to_string();
            assert!(
                shown.contains(&format!(
                    "migration {} ({})",
                    first.version, first.description
                )) && shown.contains(&schema),
                "{shown}"
            );
        }
        other => panic!("check_migrated on an edited migration: {other:?}"),
    }
    match PgStore::connect_with(options().with_migrations(false)).await {
        Err(e) if is_changed(&e) => {}
        other => panic!("opening without migrations: {other:?}"),
    }
    match PgStore::connect_with(options()).await {
        Err(e @ PgError::Migrate { .. }) => {
            assert!(chain(&e).contains("modified"), "{}", chain(&e));
        }
        other => panic!("opening with migrations: {other:?}"),
    }
    assert_eq!(
        recorded().fetch_all(&mut admin).await.expect("the record"),
        tampered,
        "the refusals changed the record"
    );

    for (version, checksum) in &before {
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $2 WHERE version = $1")
            .bind(version)
            .bind(checksum)
            .execute(&mut admin)
            .await
            .expect("restore the checksum");
    }
    store
        .check_migrated()
        .await
        .expect("the record matches again");
}

/// Drops a role the test created (after the schemas it owns) when it goes
/// out of scope, even if the test panics.
struct DropRole {
    url: String,
    role: String,
}

impl Drop for DropRole {
    fn drop(&mut self) {
        common::execute_detached(&self.url, format!("DROP ROLE IF EXISTS {}", self.role));
    }
}

/// The least-privilege set-up: a DBA creates the schema for the store's
/// role, which may not create schemas in the database. Opening the store
/// with migrations on (the default) must migrate that schema; it failed with
/// "permission denied for database", because `CREATE SCHEMA IF NOT EXISTS`
/// checks the privilege even when the schema exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_cannot_create_schemas_migrates_its_own() {
    let Some(url) = common::url() else { return };
    let role = unique("mf_role_");
    let schema = unique("mf_owned_");
    let _role = DropRole {
        url: url.clone(),
        role: role.clone(),
    };
    let _schema = DropSchema {
        url: url.clone(),
        schema: schema.clone(),
    };
    let mut admin = raw(&url, "public").await;
    for sql in [
        format!("CREATE ROLE {role} NOLOGIN"),
        format!("CREATE SCHEMA {schema} AUTHORIZATION {role}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("set up the role and its schema");
    }
    let may_create: bool =
        sqlx::query_scalar("SELECT has_database_privilege($1, current_database(), 'CREATE')")
            .bind(&role)
            .fetch_one(&mut admin)
            .await
            .expect("the role's privilege");
    assert!(!may_create, "the role must not be able to create schemas");
    // The test's user acts as the role for the whole session.
    let sep = if url.contains('?') { '&' } else { '?' };
    let as_role = format!("{url}{sep}options=-c%20role%3D{role}");
    let store = PgStore::connect_with(
        PgOptions::new(&as_role)
            .with_schema(&schema)
            .with_max_connections(1),
    )
    .await
    .expect("the role migrates the schema it owns");
    store.migrate().await.expect("and again");
    let mut ids = Ids::new(25);
    let ticket = ids.solo(&QueueName::new("owned"), at(0));
    store.enqueue(ticket.clone()).await.expect("enqueue");
    assert_eq!(assert_consistent(&store).await, 1);
    drop(store);
}

/// The documented way to migrate separately: create the schema, run the
/// embedded migrations (as sqlx-cli would) over a URL whose `options` set the
/// `search_path`, then open the store without migrating.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_separately_through_the_url() {
    let Some(url) = common::url() else { return };
    let schema = unique("mf_separate_");
    let _cleanup = DropSchema {
        url: url.clone(),
        schema: schema.clone(),
    };
    let mut admin = raw(&url, "public").await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create the schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    let migrating = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    let pool = sqlx::PgPool::connect(&migrating).await.expect("connect");
    PgStore::migrator().run(&pool).await.expect("migrate");
    pool.close().await;
    let store = PgStore::connect_with(
        PgOptions::new(&url)
            .with_schema(&schema)
            .with_max_connections(1)
            .with_migrations(false),
    )
    .await
    .expect("a schema migrated separately");
    assert_eq!(assert_consistent(&store).await, 0);
}

/// Runs `n` futures from `make` at once.
async fn futures_join<F, T>(n: usize, make: impl Fn() -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(make())).collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("join"));
    }
    out
}
