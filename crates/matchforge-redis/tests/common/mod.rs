//! What the Redis tests share: the service switch and fresh namespaces.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]
#![allow(
    clippy::print_stderr,
    reason = "a skipped test says why on stderr, where the harness shows it"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Duration, Utc};
use matchforge_core::event::{Event, EventCursor, EventKind};
use matchforge_core::ids::{LobbyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::matcher::Matcher;
use matchforge_core::ports::{EventLog, LobbyStore, TicketStore};
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Ticket, TicketPlayer};
use matchforge_redis::RedisStore;

/// The Redis URL from `MATCHFORGE_REDIS_URL`. Without it the test is skipped
/// (`None`, after saying so), unless `MATCHFORGE_REQUIRE_SERVICES=1` (CI),
/// which makes a missing Redis a failure.
pub(crate) fn redis_url() -> Option<String> {
    match std::env::var("MATCHFORGE_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MATCHFORGE_REQUIRE_SERVICES").as_deref() == Ok("1") => panic!(
            "MATCHFORGE_REQUIRE_SERVICES=1 but MATCHFORGE_REDIS_URL is not set: start Redis \
             and set it, e.g. MATCHFORGE_REDIS_URL=redis://127.0.0.1:6379"
        ),
        _ => {
            eprintln!("skipped: MATCHFORGE_REDIS_URL is not set");
            None
        }
    }
}

/// A store on a fresh namespace of the Redis Cluster node at
/// `MATCHFORGE_REDIS_CLUSTER_URL`, or `None` (after saying so) when unset.
pub(crate) async fn cluster_store() -> Option<RedisStore> {
    let Ok(url) = std::env::var("MATCHFORGE_REDIS_CLUSTER_URL") else {
        eprintln!("skipped: MATCHFORGE_REDIS_CLUSTER_URL is not set");
        return None;
    };
    Some(
        RedisStore::connect(&url, &fresh_namespace())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
    )
}

/// A namespace no other test (in this process or another) uses.
pub(crate) fn fresh_namespace() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "test:{nanos:x}.{:x}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store on a fresh namespace, or `None` when Redis is not configured.
pub(crate) async fn store() -> Option<RedisStore> {
    store_with(|config| config).await
}

/// [`store`] with settings changed by `tune`.
pub(crate) async fn store_with(
    tune: impl FnOnce(matchforge_redis::RedisConfig) -> matchforge_redis::RedisConfig,
) -> Option<RedisStore> {
    let url = redis_url()?;
    let config =
        matchforge_redis::RedisConfig::new(&url, fresh_namespace()).expect("a valid namespace");
    Some(
        RedisStore::connect_with(tune(config))
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
    )
}

/// `n` solo tickets for `queue` with fresh ids, enqueued one second apart from `start`.
pub(crate) fn solo_tickets(queue: &QueueName, n: usize, start: DateTime<Utc>) -> Vec<Ticket> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let base = u128::from(std::process::id()) << 96
        | SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() & ((1 << 64) - 1))
            << 32;
    (0..n)
        .map(|i| {
            let k = u128::from(NEXT.fetch_add(1, Ordering::Relaxed));
            let rating = Rating::new(1500.0 + i as f64, 80.0, 0.06).expect("a valid rating");
            Ticket::builder(
                TicketId::from_u128(base | k),
                queue.clone(),
                start + Duration::seconds(i as i64),
            )
            .player(TicketPlayer::new(PlayerId::from_u128(base | k), rating))
            .build(&PartyRating::Average)
            .expect("a valid ticket")
        })
        .collect()
}

/// 1v1 lobbies over `tickets` as the matcher pairs them, created at `at`.
pub(crate) fn one_v_one_lobbies(
    queue: &QueueName,
    tickets: &[Ticket],
    at: DateTime<Utc>,
) -> Vec<Lobby> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let config = QueueSpec::new(queue.clone(), MatchFormat::one_v_one())
        .with_rating_window(Widening::fixed(1.0e6).expect("a valid window"))
        .build()
        .expect("a valid queue");
    let base = u128::from(std::process::id()) << 96
        | SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() & ((1 << 64) - 1))
            << 32;
    Matcher::new(config)
        .find_matches(tickets, at)
        .proposals
        .into_iter()
        .map(|proposal| {
            let claimed: Vec<Ticket> = proposal
                .tickets()
                .map(|id| {
                    tickets
                        .iter()
                        .find(|t| t.id() == id)
                        .expect("proposed from the list")
                        .clone()
                })
                .collect();
            let id = LobbyId::from_u128(base | u128::from(NEXT.fetch_add(1, Ordering::Relaxed)));
            Lobby::new(id, queue.clone(), proposal, claimed, at).expect("a valid lobby")
        })
        .collect()
}

/// Checks that the store is consistent about `tickets` (a superset of the
/// tickets that may have been queued) and `lobbies` (a superset of those that
/// may have been committed): every ticket with a `TicketQueued` event is
/// either waiting, in every index, claimed by exactly one stored lobby, with
/// one `TicketMatched` event, or withdrawn with an expiry or cancel event; a
/// ticket never queued is nowhere; a lobby
/// is stored whole or not at all. Every event is logged once. Returns the
/// lobbies that are stored.
pub(crate) async fn assert_consistent(
    store: &RedisStore,
    queue: &QueueName,
    tickets: &[Ticket],
    lobbies: &[Lobby],
    what: &str,
) -> Vec<LobbyId> {
    let waiting: BTreeSet<TicketId> = store
        .tickets(queue)
        .await
        .expect("tickets")
        .iter()
        .map(Ticket::id)
        .collect();
    let mut matched: BTreeMap<TicketId, usize> = BTreeMap::new();
    let mut queued: BTreeMap<TicketId, usize> = BTreeMap::new();
    let mut withdrawn: BTreeSet<TicketId> = BTreeSet::new();
    for (_, event) in all_events(store).await {
        match event.kind {
            EventKind::TicketMatched { ticket, .. } => *matched.entry(ticket).or_default() += 1,
            EventKind::TicketQueued { ticket, .. } => *queued.entry(ticket).or_default() += 1,
            EventKind::TicketExpired { ticket, .. } | EventKind::TicketCancelled { ticket, .. } => {
                withdrawn.insert(ticket);
            }
            _ => {}
        }
    }
    assert!(
        queued.values().all(|&n| n == 1),
        "{what}: a ticket was logged as queued twice"
    );
    let mut claimed: BTreeMap<TicketId, LobbyId> = BTreeMap::new();
    let mut stored = Vec::new();
    for lobby in lobbies {
        let Some(found) = store.lobby(lobby.id()).await.expect("lobby") else {
            continue;
        };
        assert_eq!(&found.value, lobby, "{what}: a stored lobby is whole");
        stored.push(lobby.id());
        for t in lobby.ticket_ids() {
            assert!(
                claimed.insert(t, lobby.id()).is_none(),
                "{what}: ticket {t} claimed twice"
            );
        }
        for p in lobby.players() {
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                Some(lobby.id()),
                "{what}: lobby_of a player of a stored lobby"
            );
        }
    }
    for t in tickets {
        let player = t.players()[0].id;
        match (waiting.contains(&t.id()), claimed.get(&t.id())) {
            (true, None) => {
                assert_eq!(
                    store.ticket(t.id()).await.expect("ticket").as_ref(),
                    Some(t)
                );
                assert_eq!(
                    store.ticket_of(player).await.expect("ticket_of").as_ref(),
                    Some(t),
                    "{what}: ticket_of a waiting player"
                );
                assert_eq!(
                    matched.get(&t.id()),
                    None,
                    "{what}: a waiting ticket has no TicketMatched"
                );
            }
            (false, Some(_)) => {
                assert_eq!(store.ticket_of(player).await.expect("ticket_of"), None);
                assert_eq!(
                    matched.get(&t.id()),
                    Some(&1),
                    "{what}: one TicketMatched per claim"
                );
            }
            (true, Some(l)) => panic!("{what}: ticket {} waits and is claimed by {l}", t.id()),
            (false, None) => assert!(
                !queued.contains_key(&t.id()) || withdrawn.contains(&t.id()),
                "{what}: ticket {} was queued and vanished (no expiry or cancel event)",
                t.id()
            ),
        }
    }
    stored
}

/// The whole event log.
pub(crate) async fn all_events(store: &RedisStore) -> Vec<(EventCursor, Event)> {
    let mut out: Vec<(EventCursor, Event)> = Vec::new();
    loop {
        let after = out.last().map(|(c, _)| *c);
        let page = store.events_after(after, 500).await.expect("events_after");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// A plain connection for the test's own commands (never to the store's keys
/// outside its namespace).
pub(crate) async fn side_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a side connection")
}

/// Kills the store's current connection, as a network failure would.
pub(crate) async fn kill_connection(
    store: &RedisStore,
    side: &mut redis::aio::MultiplexedConnection,
) {
    let id = store.client_id().await.expect("client id");
    let _: redis::Value = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query_async(side)
        .await
        .expect("CLIENT KILL");
}

/// Every key of the store's namespace.
pub(crate) async fn namespace_keys(
    store: &RedisStore,
    side: &mut redis::aio::MultiplexedConnection,
) -> Vec<String> {
    let pattern = format!("{}*", store.config().key_prefix());
    let mut keys = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(side)
            .await
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}
