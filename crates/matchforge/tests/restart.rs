//! Restart safety on every store: a runner stops mid-flight (no shutdown, no
//! cleanup) and a new one takes over on the same state. Every player ends up
//! matched, still waiting with the original enqueue time, or expired with an
//! event; nobody vanishes.
//!
//! Redis and Postgres run when `MATCHFORGE_REDIS_URL` / `MATCHFORGE_POSTGRES_URL`
//! are set (each test in its own namespace or schema, removed afterwards,
//! also when the test fails), are
//! skipped politely otherwise, and are required under
//! `MATCHFORGE_REQUIRE_SERVICES=1`.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use matchforge::clock::SimulatedClock;
use matchforge::event::EventKind;
use matchforge::id_gen::SeededIds;
use matchforge::lobby::{LobbyPhase, MatchResult};
use matchforge::ports::DynStore;
use matchforge::prelude::*;
use matchforge::{PlayerStatus, open_store};

fn settings() -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new("duo", MatchFormat::two_v_two())
            .with_rating_window(Widening::fixed(1000.0).unwrap())
            .with_max_wait_secs(300)
            .build()
            .unwrap(),
    )
    .with_algorithm(Elo::default())
    .with_ready_check(Duration::from_secs(30))
}

fn forge(store: Arc<DynStore>, clock: Arc<SimulatedClock>, seed: u64) -> MatchForge {
    MatchForge::builder()
        .shared_store(store)
        .clock(clock)
        .ids(Arc::new(SeededIds::new(seed)))
        .queue_settings(settings())
        .build()
        .unwrap()
}

/// The scenario, given a way to open the same store afresh.
async fn restart_keeps_everyone<F, Fut>(open: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Arc<DynStore>> + Send,
{
    let clock = Arc::new(SimulatedClock::new(common::t0()));
    let players: Vec<PlayerId> = (1..=42u128).map(PlayerId::from_u128).collect();
    let mut joined_at = BTreeMap::new();

    // Runner A: everyone joins, a round of matching, some lobbies move on.
    let a = forge(open().await, clock.clone(), 1);
    for &p in &players {
        let ticket = a.join("duo", p, Attributes::new(), &[]).await.unwrap();
        joined_at.insert(p, ticket.enqueued_at());
        clock.advance(Duration::from_millis(250));
    }
    let step = a.step().await.unwrap();
    let lobbies: Vec<_> = step
        .ticks
        .iter()
        .flat_map(|(_, t)| t.lobbies.clone())
        .collect();
    assert_eq!(lobbies.len(), 10, "42 players make ten 2v2 lobbies");
    // Lobby 0 is played to the end, lobby 1 is ready, the rest untouched.
    for lobby in &lobbies[..2] {
        for p in lobby.players() {
            a.accept(lobby.id(), p).await.unwrap();
        }
    }
    a.dispatch(lobbies[0].id(), "server-1").await.unwrap();
    a.report(lobbies[0].id(), MatchResult::winner(0, 2))
        .await
        .unwrap();
    // Runner A stops here, mid-flight: no shutdown, nothing flushed.
    drop(a);

    // Runner B, on a new connection to the same state.
    clock.advance(Duration::from_secs(10));
    let b = forge(open().await, clock.clone(), 2);
    for lobby in &lobbies[2..] {
        for p in lobby.players() {
            b.accept(lobby.id(), p).await.unwrap();
        }
        assert_eq!(
            b.lobby(lobby.id()).await.unwrap().unwrap().phase(),
            LobbyPhase::Ready
        );
    }
    // Two players still wait; their tickets expire after five minutes.
    clock.advance(Duration::from_secs(301));
    b.step().await.unwrap();

    // Everybody is accounted for.
    let mut expired = HashSet::new();
    let mut events = b.subscribe(None);
    while let Some((_, event)) = events.try_next().await.unwrap() {
        if let EventKind::TicketExpired { ticket, .. } = event.kind {
            expired.insert(ticket);
        }
    }
    let mut tickets_of = BTreeMap::new();
    let mut events = b.subscribe(None);
    while let Some((_, event)) = events.try_next().await.unwrap() {
        if let EventKind::TicketQueued {
            ticket, players, ..
        } = event.kind
        {
            for p in players {
                tickets_of.insert(p, ticket);
            }
        }
    }
    let completed: HashSet<PlayerId> = lobbies[0].players().collect();
    let (mut matched, mut waiting, mut gone_expired) = (0, 0, 0);
    for &p in &players {
        match b.status(p).await.unwrap() {
            PlayerStatus::InLobby(lobby) => {
                assert_eq!(lobby.phase(), LobbyPhase::Ready);
                matched += 1;
            }
            PlayerStatus::Queued(ticket) => {
                assert_eq!(
                    ticket.enqueued_at(),
                    joined_at[&p],
                    "{p} keeps the original enqueue time"
                );
                waiting += 1;
            }
            PlayerStatus::Idle if completed.contains(&p) => matched += 1,
            PlayerStatus::Idle => {
                assert!(expired.contains(&tickets_of[&p]), "player {p} vanished");
                gone_expired += 1;
            }
        }
    }
    assert_eq!((matched, waiting, gone_expired), (40, 0, 2));
    let history = b
        .matchmaker()
        .store()
        .match_record(lobbies[0].id())
        .await
        .unwrap();
    assert!(history.is_some(), "the played match is in the history");
}

#[tokio::test]
async fn restart_on_memory() {
    // The in-memory store lives as long as the process: the "restart" is a new
    // runner over the same store.
    let store = open_store("memory", None).await.unwrap();
    restart_keeps_everyone(move || {
        let store = store.clone();
        async move { store }
    })
    .await;
}

#[tokio::test]
async fn restart_on_redis() {
    let Some(url) = common::service_url("MATCHFORGE_REDIS_URL") else {
        return;
    };
    let namespace = common::unique("test:restart:");
    let run = tokio::spawn(restart_keeps_everyone({
        let (url, namespace) = (url.clone(), namespace.clone());
        move || {
            let (url, namespace) = (url.clone(), namespace.clone());
            async move { open_store(&url, Some(&namespace)).await.unwrap() }
        }
    }))
    .await;
    // Removed whether the scenario passed or failed.
    common::purge_redis(&url, &namespace).await;
    common::rethrow(run);
}

#[tokio::test]
async fn restart_on_postgres() {
    let Some(url) = common::service_url("MATCHFORGE_POSTGRES_URL") else {
        return;
    };
    let schema = common::unique("mf_restart_");
    let run = tokio::spawn(restart_keeps_everyone({
        let (url, schema) = (url.clone(), schema.clone());
        move || {
            let (url, schema) = (url.clone(), schema.clone());
            async move { open_store(&url, Some(&schema)).await.unwrap() }
        }
    }))
    .await;
    // Dropped whether the scenario passed or failed.
    common::drop_schema(&url, &schema).await;
    common::rethrow(run);
}
