//! The whole matchmaking flow on the in-memory store, on a simulated clock.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::event::EventKind;
use matchforge_core::ids::{PartyId, PlayerId, QueueName, Role};
use matchforge_core::lobby::{Lobby, LobbyPhase, MatchResult};
use matchforge_core::ports::{LobbyStore, TicketStore};
use matchforge_core::queue::{MatchFormat, QueueSpec, RoleComposition, Widening};
use matchforge_core::rating::{Elo, Rating};
use matchforge_core::ticket::{Attributes, Ticket};
use matchforge_memory::MemoryStore;
use matchforge_runner::clock::SimulatedClock;
use matchforge_runner::ids::SeededIds;
use matchforge_runner::{Matchmaker, PlayerStatus, QueueSettings, Reported, Runner};

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap()
}

struct World {
    mm: Arc<Matchmaker>,
    clock: Arc<SimulatedClock>,
    store: Arc<MemoryStore>,
}

fn world(queues: Vec<QueueSettings>) -> World {
    let clock = Arc::new(SimulatedClock::new(start()));
    let store = Arc::new(MemoryStore::new());
    let mut builder = Matchmaker::builder(store.clone())
        .clock(clock.clone())
        .ids(Arc::new(SeededIds::new(1)));
    for q in queues {
        builder = builder.queue(q);
    }
    World {
        mm: Arc::new(builder.build().unwrap()),
        clock,
        store,
    }
}

fn duel() -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new("duel", MatchFormat::one_v_one())
            .with_rating_window(Widening::fixed(400.0).unwrap())
            .with_max_wait_secs(120)
            .build()
            .unwrap(),
    )
    .with_algorithm(Elo::default())
    .with_ready_check(Duration::from_secs(20))
    .with_decline_cooldown(Duration::from_secs(60))
}

fn p(n: u128) -> PlayerId {
    PlayerId::from_u128(n)
}

#[tokio::test]
async fn join_match_accept_dispatch_report_updates_ratings_once() {
    let w = world(vec![duel()]);
    let queue = QueueName::new("duel");
    w.mm.join("duel", p(1), Attributes::new(), &[])
        .await
        .unwrap();
    w.mm.join("duel", p(2), Attributes::new(), &[])
        .await
        .unwrap();
    assert!(matches!(
        w.mm.status(p(1)).await.unwrap(),
        PlayerStatus::Queued(_)
    ));

    let tick = w.mm.tick_queue(&queue).await.unwrap();
    assert_eq!((tick.waiting, tick.matches, tick.players), (2, 1, 2));
    let lobby = tick.lobbies[0].clone();
    assert_eq!(lobby.phase(), LobbyPhase::AwaitingAcceptance);
    assert!(matches!(
        w.mm.status(p(2)).await.unwrap(),
        PlayerStatus::InLobby(_)
    ));
    // In a lobby: may not queue elsewhere.
    assert!(matches!(
        w.mm.join("duel", p(1), Attributes::new(), &[]).await,
        Err(Error::InLobby { .. })
    ));

    w.mm.accept(lobby.id(), p(1)).await.unwrap();
    let ready = w.mm.accept(lobby.id(), p(2)).await.unwrap();
    assert_eq!(ready.phase(), LobbyPhase::Ready);
    // A repeat accept once Ready is harmless: it writes nothing.
    let version = w.store.lobby(lobby.id()).await.unwrap().unwrap().version;
    assert_eq!(w.mm.accept(lobby.id(), p(1)).await.unwrap(), ready);
    let after = w.store.lobby(lobby.id()).await.unwrap().unwrap();
    assert_eq!((after.version, &after.value), (version, &ready));
    w.mm.dispatch(lobby.id(), "eu-1").await.unwrap();

    // Team 0 wins.
    let winner = lobby.teams()[0][0];
    let loser = lobby.teams()[1][0];
    let reported =
        w.mm.report(lobby.id(), MatchResult::winner(0, 2))
            .await
            .unwrap();
    let Reported::Recorded(record) = &reported else {
        panic!("first report records: {reported:?}");
    };
    assert_eq!(record.server.as_deref(), Some("eu-1"));
    let ratings = w.mm.ratings(&queue, &[winner, loser]).await.unwrap();
    assert_eq!((ratings[0].rating(), ratings[1].rating()), (1516.0, 1484.0));

    // Reporting again changes nothing.
    let again =
        w.mm.report(lobby.id(), MatchResult::winner(1, 2))
            .await
            .unwrap();
    assert!(matches!(again, Reported::AlreadyRecorded(ref r) if r == record));
    let ratings = w.mm.ratings(&queue, &[winner, loser]).await.unwrap();
    assert_eq!((ratings[0].rating(), ratings[1].rating()), (1516.0, 1484.0));
    let history = {
        use matchforge_core::ports::MatchHistory;
        w.store.matches_of(winner, None, None, 100).await.unwrap()
    };
    assert_eq!(history, vec![record.clone()]);
    // Both players are free again.
    assert_eq!(w.mm.status(winner).await.unwrap(), PlayerStatus::Idle);
    // Once the record is pruned from the history, a repeat report is an
    // illegal move (the lobby is done), not a conflict to retry.
    assert_eq!(
        w.store.prune_history(start() + chrono::Duration::days(1)),
        1
    );
    let pruned = w.mm.report(lobby.id(), MatchResult::winner(0, 2)).await;
    assert!(
        matches!(pruned, Err(Error::IllegalTransition { lobby: l, action: "report again", .. }) if l == lobby.id()),
        "{pruned:?}"
    );
}

#[tokio::test]
async fn decline_requeues_the_accepter_with_the_original_enqueue_time() {
    let w = world(vec![duel()]);
    let queue = QueueName::new("duel");
    let first =
        w.mm.join("duel", p(1), Attributes::new(), &[])
            .await
            .unwrap();
    w.clock.advance(Duration::from_secs(5));
    w.mm.join("duel", p(2), Attributes::new(), &[])
        .await
        .unwrap();
    let lobby = w.mm.tick_queue(&queue).await.unwrap().lobbies.remove(0);
    w.mm.accept(lobby.id(), p(1)).await.unwrap();
    let cancelled = w.mm.decline(lobby.id(), p(2)).await.unwrap();
    assert_eq!(cancelled.phase(), LobbyPhase::Cancelled);

    let PlayerStatus::Queued(back) = w.mm.status(p(1)).await.unwrap() else {
        panic!("the accepter is back in the queue");
    };
    assert_eq!(back.enqueued_at(), first.enqueued_at());
    assert_eq!(w.mm.status(p(2)).await.unwrap(), PlayerStatus::Idle);
    // The decliner sits out the cooldown.
    assert!(matches!(
        w.mm.join("duel", p(2), Attributes::new(), &[]).await,
        Err(Error::Cooldown { .. })
    ));
    w.clock.advance(Duration::from_secs(61));
    w.mm.join("duel", p(2), Attributes::new(), &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn ready_check_timeout_cancels_and_requeues_accepters() {
    let w = world(vec![duel()]);
    let runner = Runner::new(w.mm.clone());
    w.mm.join("duel", p(1), Attributes::new(), &[])
        .await
        .unwrap();
    w.mm.join("duel", p(2), Attributes::new(), &[])
        .await
        .unwrap();
    let step = runner.step().await.unwrap();
    let lobby = step.ticks[0].1.lobbies[0].clone();
    w.mm.accept(lobby.id(), p(1)).await.unwrap();
    w.clock.advance(Duration::from_secs(21));
    let step = runner.step().await.unwrap();
    assert_eq!(step.ready_checks_expired, 1);
    let after = w.mm.lobby(lobby.id()).await.unwrap().unwrap();
    assert_eq!(after.phase(), LobbyPhase::Cancelled);
    assert!(matches!(
        w.mm.status(p(1)).await.unwrap(),
        PlayerStatus::Queued(_)
    ));
    assert_eq!(w.mm.status(p(2)).await.unwrap(), PlayerStatus::Idle);
}

#[tokio::test]
async fn tickets_expire_with_an_event() {
    let w = world(vec![duel()]);
    let queue = QueueName::new("duel");
    let lonely =
        w.mm.join("duel", p(1), Attributes::new(), &[])
            .await
            .unwrap();
    w.clock.advance(Duration::from_secs(121));
    let tick = w.mm.tick_queue(&queue).await.unwrap();
    assert_eq!(tick.expired, 1);
    assert_eq!(w.mm.status(p(1)).await.unwrap(), PlayerStatus::Idle);
    let mut events = w.mm.subscribe(None);
    let mut saw_expiry = false;
    while let Some((_, event)) = events.try_next().await.unwrap() {
        if let EventKind::TicketExpired { ticket, .. } = event.kind {
            assert_eq!(ticket, lonely.id());
            saw_expiry = true;
        }
    }
    assert!(saw_expiry);
}

#[tokio::test]
async fn parties_queue_together_and_land_on_one_team() {
    let roles = RoleComposition::new([("tank", 1), ("healer", 1), ("dps", 1)]);
    let trio = QueueSettings::new(
        QueueSpec::new("trio", MatchFormat::three_v_three())
            .with_roles(roles)
            .with_rating_window(Widening::fixed(500.0).unwrap())
            .build()
            .unwrap(),
    )
    .without_ready_check();
    let w = world(vec![trio]);
    let party = w.mm.create_party(p(1)).await.unwrap();
    w.mm.invite(party.id(), p(1), p(2)).await.unwrap();
    w.mm.accept_invite(party.id(), p(2)).await.unwrap();
    // Only the leader may queue the party.
    assert!(matches!(
        w.mm.join_party(
            "trio",
            party.id(),
            p(2),
            Attributes::new(),
            &BTreeMap::new()
        )
        .await,
        Err(Error::PartyRule { .. })
    ));
    let mut roles = BTreeMap::new();
    roles.insert(p(1), vec![Role::new("tank")]);
    roles.insert(p(2), vec![Role::new("healer")]);
    let ticket =
        w.mm.join_party("trio", party.id(), p(1), Attributes::new(), &roles)
            .await
            .unwrap();
    assert_eq!(ticket.size(), 2);
    // A member cannot also queue alone.
    assert!(matches!(
        w.mm.join("trio", p(2), Attributes::new(), &[]).await,
        Err(Error::AlreadyQueued { .. })
    ));
    for (n, role) in [(3, "dps"), (4, "tank"), (5, "healer"), (6, "dps")] {
        w.mm.join("trio", p(n), Attributes::new(), &[Role::new(role)])
            .await
            .unwrap();
    }
    let tick = w.mm.tick_queue(&QueueName::new("trio")).await.unwrap();
    assert_eq!(tick.matches, 1);
    let seats = &tick.lobbies[0].proposal().seats;
    let team_of = |n| seats.iter().find(|s| s.player == p(n)).unwrap().team;
    assert_eq!(team_of(1), team_of(2), "the party is on one team");
    assert_eq!(tick.lobbies[0].phase(), LobbyPhase::Ready);

    // Leaving the party withdraws its waiting ticket.
    let party2 = w.mm.create_party(p(10)).await.unwrap();
    w.mm.invite(party2.id(), p(10), p(11)).await.unwrap();
    w.mm.accept_invite(party2.id(), p(11)).await.unwrap();
    w.mm.join_party(
        "trio",
        party2.id(),
        p(10),
        Attributes::new(),
        &BTreeMap::new(),
    )
    .await
    .unwrap();
    let after = w.mm.leave_party(party2.id(), p(10)).await.unwrap().unwrap();
    assert_eq!(after.leader(), p(11), "leadership passes on");
    assert_eq!(w.mm.status(p(11)).await.unwrap(), PlayerStatus::Idle);
    assert!(
        w.mm.leave_party(party2.id(), p(11))
            .await
            .unwrap()
            .is_none(),
        "the party dissolves when empty"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_joins_lose_nobody() {
    let w = world(vec![duel().without_ready_check()]);
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..16u128 {
        let mm = w.mm.clone();
        tasks.spawn(async move {
            for i in 0..50u128 {
                mm.join("duel", p(1_000 + t * 100 + i), Attributes::new(), &[])
                    .await
                    .unwrap();
            }
        });
    }
    // Ticks race the joins.
    let runner = Runner::new(w.mm.clone());
    let mut matched = HashSet::new();
    // Under load the joins can stall for more than the queue's 120 s of
    // simulated time (one second per round), and a lone waiting ticket then
    // expires: it is counted, as it is neither matched nor waiting.
    let mut expired = 0;
    while !tasks.is_empty() {
        for (_, tick) in runner.step().await.unwrap().ticks {
            expired += tick.expired;
            for lobby in tick.lobbies {
                for player in lobby.players() {
                    assert!(matched.insert(player), "player {player} matched twice");
                }
            }
        }
        if let Some(done) = tasks.try_join_next() {
            done.unwrap();
        }
        w.clock.advance(Duration::from_secs(1));
    }
    for (_, tick) in runner.step().await.unwrap().ticks {
        expired += tick.expired;
        for lobby in tick.lobbies {
            for player in lobby.players() {
                assert!(matched.insert(player), "player {player} matched twice");
            }
        }
    }
    let waiting = {
        use matchforge_core::ports::TicketStore;
        w.store.tickets(&QueueName::new("duel")).await.unwrap()
    };
    assert_eq!(
        matched.len() + waiting.len() + expired,
        800,
        "every player is matched, waiting or expired"
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let w = world(vec![duel()]);
    assert!(matches!(
        w.mm.join("nope", p(1), Attributes::new(), &[]).await,
        Err(Error::QueueNotFound(_))
    ));
    // An unknown role for a queue without roles is fine; a bad numeric attribute is not.
    assert!(matches!(
        w.mm.join(
            "duel",
            p(1),
            Attributes::new().with_number("level", f64::NAN),
            &[]
        )
        .await,
        Err(Error::InvalidTicket(_))
    ));
    assert_eq!(w.mm.status(p(1)).await.unwrap(), PlayerStatus::Idle);
    let initial =
        w.mm.ratings(&QueueName::new("duel"), &[p(1)])
            .await
            .unwrap();
    assert_eq!(initial, vec![Rating::default()]);
}

/// Ids 1, 2, 3, ... from a counter the test can move.
#[derive(Debug, Default)]
struct CountingIds(std::sync::atomic::AtomicU64);

impl matchforge_runner::ids::IdGenerator for CountingIds {
    fn next_uuid(&self) -> uuid::Uuid {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        uuid::Uuid::from_u128(u128::from(n))
    }
}

/// A lobby the store refuses on its own (here: its id is taken) does not
/// stop the tick: the other lobby is committed and reported, the refused
/// one is counted, its players stay queued, and the next tick matches them.
#[tokio::test]
async fn a_refused_lobby_does_not_stop_the_tick() {
    use matchforge_core::ports::TicketStore;
    let ids = Arc::new(CountingIds::default());
    let store = Arc::new(MemoryStore::new());
    let other = QueueSettings::new(
        QueueSpec::new("other", MatchFormat::one_v_one())
            .with_rating_window(Widening::fixed(400.0).unwrap())
            .build()
            .unwrap(),
    );
    let mm = Matchmaker::builder(store.clone())
        .clock(Arc::new(SimulatedClock::new(start())))
        .ids(ids.clone())
        .queue(duel())
        .queue(other)
        .build()
        .unwrap();
    // A lobby of another queue takes an id.
    for n in [10, 11] {
        mm.join("other", p(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let taken = mm.tick_queue(&QueueName::new("other")).await.unwrap();
    let taken = taken.lobbies[0].id();
    // Four duellists make two lobbies; the first is given the taken id.
    for n in 1..=4 {
        mm.join("duel", p(n), Attributes::new(), &[]).await.unwrap();
    }
    let before = taken.as_uuid().as_u128() as u64 - 1;
    ids.0.store(before, std::sync::atomic::Ordering::SeqCst);
    let duel = QueueName::new("duel");
    let tick = mm.tick_queue(&duel).await.expect("the tick goes on");
    assert_eq!((tick.matches, tick.failed, tick.conflicts), (1, 1, 0));
    assert_eq!(tick.players, 2);
    let waiting = store.tickets(&duel).await.unwrap();
    assert_eq!(waiting.len(), 2, "the refused lobby's tickets still wait");
    for ticket in &waiting {
        let player = ticket.players()[0].id;
        assert!(matches!(
            mm.status(player).await.unwrap(),
            PlayerStatus::Queued(_)
        ));
    }
    // The next tick (a fresh id) matches them.
    let next = mm.tick_queue(&duel).await.unwrap();
    assert_eq!((next.matches, next.failed), (1, 0));
    assert!(store.tickets(&duel).await.unwrap().is_empty());
}

fn duos() -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new("duos", MatchFormat::two_v_two())
            .with_rating_window(Widening::fixed(400.0).unwrap())
            .with_max_wait_secs(600)
            .build()
            .unwrap(),
    )
    .with_ready_check(Duration::from_secs(20))
    .with_decline_cooldown(Duration::from_secs(60))
}

/// A 1v1 queue named `name` with a 20-second ready check and a 60-second
/// decline cooldown.
fn one_v_one(name: &str) -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new(name, MatchFormat::one_v_one())
            .with_rating_window(Widening::fixed(400.0).unwrap())
            .build()
            .unwrap(),
    )
    .with_ready_check(Duration::from_secs(20))
    .with_decline_cooldown(Duration::from_secs(60))
}

fn matchmaker(
    store: Arc<MemoryStore>,
    clock: &Arc<SimulatedClock>,
    seed: u64,
    queue: QueueSettings,
) -> Arc<Matchmaker> {
    Arc::new(
        Matchmaker::builder(store)
            .clock(clock.clone())
            .ids(Arc::new(SeededIds::new(seed)))
            .queue(queue)
            .build()
            .unwrap(),
    )
}

/// Durations so long that `now + duration` would leave chrono's range are
/// refused when the matchmaker is built, naming the setting and its limit;
/// durations at the limits build and run.
#[tokio::test]
async fn durations_beyond_their_limits_are_refused_at_build() {
    let build = |settings: QueueSettings| {
        Matchmaker::builder(Arc::new(MemoryStore::new()))
            .clock(Arc::new(SimulatedClock::new(start())))
            .queue(settings)
            .build()
    };
    let over = Duration::from_secs(1);
    for (settings, setting, limit) in [
        (
            duel().with_tick_interval(Duration::MAX),
            "tick interval",
            "one day",
        ),
        (
            duel().with_tick_interval(QueueSettings::MAX_TICK_INTERVAL + over),
            "tick interval",
            "one day",
        ),
        (
            duel().with_ready_check(Duration::MAX),
            "ready-check timeout",
            "one day",
        ),
        (
            duel().with_ready_check(QueueSettings::MAX_READY_CHECK + over),
            "ready-check timeout",
            "one day",
        ),
        (
            duel().with_decline_cooldown(Duration::MAX),
            "decline cooldown",
            "365 days",
        ),
        (
            duel().with_decline_cooldown(QueueSettings::MAX_DECLINE_COOLDOWN + over),
            "decline cooldown",
            "365 days",
        ),
        // Nobody declines or misses a ready check the queue does not hold.
        (
            duel()
                .without_ready_check()
                .with_decline_cooldown(Duration::from_secs(60)),
            "decline cooldown",
            "needs a ready check",
        ),
    ] {
        match build(settings) {
            Err(Error::InvalidConfig(msg)) => assert!(
                msg.contains(setting) && msg.contains(limit),
                "{setting}: the message names neither it nor its limit: {msg}"
            ),
            other => panic!("{setting} beyond its limit: {other:?}"),
        }
    }
    // A zero cooldown is none, so it needs no ready check.
    let none = duel()
        .without_ready_check()
        .with_decline_cooldown(Duration::ZERO);
    assert_eq!(none.decline_cooldown(), None);
    assert!(build(none).is_ok());
    assert_eq!(
        QueueSettings::MAX_TICK_INTERVAL,
        Duration::from_secs(86_400)
    );
    assert_eq!(QueueSettings::MAX_READY_CHECK, Duration::from_secs(86_400));
    assert_eq!(
        QueueSettings::MAX_DECLINE_COOLDOWN,
        Duration::from_secs(365 * 86_400)
    );

    // At the limits: a tick, a decline and a step work.
    let clock = Arc::new(SimulatedClock::new(start()));
    let mm = matchmaker(
        Arc::new(MemoryStore::new()),
        &clock,
        1,
        duel()
            .with_tick_interval(QueueSettings::MAX_TICK_INTERVAL)
            .with_ready_check(QueueSettings::MAX_READY_CHECK)
            .with_decline_cooldown(QueueSettings::MAX_DECLINE_COOLDOWN),
    );
    let runner = Runner::new(mm.clone());
    for n in [1, 2] {
        mm.join("duel", p(n), Attributes::new(), &[]).await.unwrap();
    }
    let step = runner.step().await.unwrap();
    let lobby = step.ticks[0].1.lobbies[0].clone();
    assert_eq!(lobby.deadline(), Some(start() + chrono::Duration::days(1)));
    assert_eq!(runner.next_due(), Some(start() + chrono::Duration::days(1)));
    mm.decline(lobby.id(), p(2)).await.unwrap();
    clock.advance(Duration::from_secs(364 * 86_400));
    assert!(matches!(
        mm.join("duel", p(2), Attributes::new(), &[]).await,
        Err(Error::Cooldown { .. })
    ));
    clock.advance(Duration::from_secs(86_400));
    mm.join("duel", p(2), Attributes::new(), &[]).await.unwrap();
}

/// Several matchmakers share a store, each running its own queues. A due
/// lobby of a queue this matchmaker does not run neither fails its step nor
/// is touched by it (its own matchmaker times it out with its own settings),
/// and however many there are, they do not hide this matchmaker's own due
/// lobbies from its sweep.
#[tokio::test]
async fn foreign_due_lobbies_neither_stall_nor_starve_the_sweep() {
    let clock = Arc::new(SimulatedClock::new(start()));
    let store = Arc::new(MemoryStore::new());
    let a = matchmaker(store.clone(), &clock, 1, duel());
    let b = matchmaker(store.clone(), &clock, 2, one_v_one("other"));
    // More foreign lobbies than the sweep reads at once, all due first.
    for n in 0..600 {
        b.join("other", p(1_000 + n), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let foreign = b.tick_queue(&QueueName::new("other")).await.unwrap();
    assert_eq!(foreign.matches, 300);
    clock.advance(Duration::from_secs(1));
    for n in [1, 2] {
        a.join("duel", p(n), Attributes::new(), &[]).await.unwrap();
    }
    let own = a.tick_queue(&QueueName::new("duel")).await.unwrap().lobbies[0].clone();
    a.accept(own.id(), p(1)).await.unwrap();
    clock.advance(Duration::from_secs(21)); // past every deadline
    let runner = Runner::new(a.clone());
    let first = runner.step().await.expect("a foreign lobby fails no step");
    assert_eq!(first.ready_checks_expired, 1, "its own lobby, only");
    let again = runner.step().await.expect("nor the next one");
    assert_eq!(again.ready_checks_expired, 0);
    assert_eq!(
        a.lobby(own.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::Cancelled
    );
    assert!(matches!(
        a.status(p(1)).await.unwrap(),
        PlayerStatus::Queued(_)
    ));
    // The foreign lobbies are left to their own matchmaker, which applies
    // its own cooldown.
    for lobby in &foreign.lobbies {
        let now = a.lobby(lobby.id()).await.unwrap().unwrap();
        assert_eq!(now.phase(), LobbyPhase::AwaitingAcceptance);
    }
    assert_eq!(b.expire_ready_checks().await.unwrap(), 300);
    assert!(matches!(
        b.join("other", p(1_000), Attributes::new(), &[]).await,
        Err(Error::Cooldown { .. })
    ));
}

/// A ready check nobody times out (its queue was removed, or its matchmaker
/// is down) is timed out by another matchmaker once it is
/// `FOREIGN_READY_CHECK_GRACE` overdue, without a cooldown: that matchmaker
/// does not know the queue's.
#[tokio::test]
async fn an_abandoned_foreign_ready_check_times_out_without_a_cooldown() {
    let clock = Arc::new(SimulatedClock::new(start()));
    let store = Arc::new(MemoryStore::new());
    let a = matchmaker(store.clone(), &clock, 1, duel());
    let b = matchmaker(store.clone(), &clock, 2, one_v_one("other"));
    for n in [10, 11] {
        b.join("other", p(n), Attributes::new(), &[]).await.unwrap();
    }
    let lobby = b
        .tick_queue(&QueueName::new("other"))
        .await
        .unwrap()
        .lobbies[0]
        .clone();
    b.accept(lobby.id(), p(10)).await.unwrap();
    let runner = Runner::new(a.clone());
    let grace = Matchmaker::FOREIGN_READY_CHECK_GRACE;
    assert_eq!(grace, Duration::from_secs(600));
    clock.advance(Duration::from_secs(20) + grace - Duration::from_secs(1));
    assert_eq!(runner.step().await.unwrap().ready_checks_expired, 0);
    assert_eq!(
        a.lobby(lobby.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::AwaitingAcceptance
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(runner.step().await.unwrap().ready_checks_expired, 1);
    assert_eq!(
        a.lobby(lobby.id()).await.unwrap().unwrap().phase(),
        LobbyPhase::Cancelled
    );
    let PlayerStatus::Queued(back) = a.status(p(10)).await.unwrap() else {
        panic!("the accepter is back in the queue");
    };
    assert_eq!(back.queue(), &QueueName::new("other"));
    // No cooldown for the one who never answered.
    assert_eq!(a.status(p(11)).await.unwrap(), PlayerStatus::Idle);
    b.join("other", p(11), Attributes::new(), &[])
        .await
        .unwrap();
}

/// Queues `party` (by its leader `by`) and the solos 3 and 4 in "duos",
/// ticks, and returns the party's ticket and the lobby the tick made.
async fn duo_against_solos(w: &World, party: PartyId, by: PlayerId) -> (Ticket, Lobby) {
    let ticket =
        w.mm.join_party("duos", party, by, Attributes::new(), &BTreeMap::new())
            .await
            .unwrap();
    for n in [3, 4] {
        w.mm.join("duos", p(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let lobby =
        w.mm.tick_queue(&QueueName::new("duos"))
            .await
            .unwrap()
            .lobbies[0]
            .clone();
    (ticket, lobby)
}

/// A party's membership changes while its ticket sits in a lobby; when the
/// ready check is cancelled (a decline, a timeout, an abort), the stale
/// ticket is not requeued: its players are idle, without a cooldown, and the
/// leader may queue the party as it now is.
#[tokio::test]
async fn a_stale_party_ticket_is_not_requeued() {
    for way in ["decline", "timeout", "abort"] {
        let w = world(vec![duos()]);
        let runner = Runner::new(w.mm.clone());
        let party = w.mm.create_party(p(1)).await.unwrap();
        w.mm.invite(party.id(), p(1), p(2)).await.unwrap();
        w.mm.accept_invite(party.id(), p(2)).await.unwrap();
        let (_, lobby) = duo_against_solos(&w, party.id(), p(1)).await;
        // During the ready check player 2 leaves the party, player 5 joins.
        w.mm.leave_party(party.id(), p(2)).await.unwrap();
        w.mm.invite(party.id(), p(1), p(5)).await.unwrap();
        w.mm.accept_invite(party.id(), p(5)).await.unwrap();
        for n in [1, 2, 3] {
            w.mm.accept(lobby.id(), p(n)).await.unwrap();
        }
        match way {
            "decline" => {
                w.mm.decline(lobby.id(), p(4)).await.unwrap();
            }
            "timeout" => {
                w.clock.advance(Duration::from_secs(21));
                assert_eq!(runner.step().await.unwrap().ready_checks_expired, 1);
            }
            _ => {
                w.mm.cancel_lobby(lobby.id(), "server crashed")
                    .await
                    .unwrap();
            }
        }
        for n in [1, 2, 5] {
            assert_eq!(
                w.mm.status(p(n)).await.unwrap(),
                PlayerStatus::Idle,
                "{way}: player {n}"
            );
        }
        assert!(
            matches!(w.mm.status(p(3)).await.unwrap(), PlayerStatus::Queued(_)),
            "{way}: a solo accepter is requeued"
        );
        // Without a cooldown: the party queues as it now is, the leaver alone.
        let again =
            w.mm.join_party(
                "duos",
                party.id(),
                p(1),
                Attributes::new(),
                &BTreeMap::new(),
            )
            .await
            .unwrap();
        assert_eq!(again.player_ids().collect::<Vec<_>>(), vec![p(1), p(5)]);
        w.mm.join("duos", p(2), Attributes::new(), &[])
            .await
            .unwrap();
    }
}

/// The party tickets of an unchanged party still go back to the queue.
#[tokio::test]
async fn an_unchanged_party_ticket_is_requeued() {
    let w = world(vec![duos()]);
    let party = w.mm.create_party(p(1)).await.unwrap();
    w.mm.invite(party.id(), p(1), p(2)).await.unwrap();
    w.mm.accept_invite(party.id(), p(2)).await.unwrap();
    // A change that keeps the members: the ticket still matches the party.
    w.mm.promote(party.id(), p(1), p(2)).await.unwrap();
    let (ticket, lobby) = duo_against_solos(&w, party.id(), p(2)).await;
    w.mm.invite(party.id(), p(2), p(9)).await.unwrap();
    w.mm.cancel_lobby(lobby.id(), "server crashed")
        .await
        .unwrap();
    let PlayerStatus::Queued(back) = w.mm.status(p(1)).await.unwrap() else {
        panic!("the party ticket is back");
    };
    assert_eq!(back.id(), ticket.id());
}

/// An abort during the ready check, before its deadline, blames nobody:
/// every ticket goes back with its original enqueue time, no cooldown.
#[tokio::test]
async fn an_abort_during_the_ready_check_requeues_everyone() {
    let w = world(vec![duel()]);
    let first =
        w.mm.join("duel", p(1), Attributes::new(), &[])
            .await
            .unwrap();
    w.clock.advance(Duration::from_secs(1));
    let second =
        w.mm.join("duel", p(2), Attributes::new(), &[])
            .await
            .unwrap();
    let lobby =
        w.mm.tick_queue(&QueueName::new("duel"))
            .await
            .unwrap()
            .lobbies[0]
            .clone();
    w.mm.accept(lobby.id(), p(1)).await.unwrap();
    w.clock.advance(Duration::from_secs(2));
    w.mm.cancel_lobby(lobby.id(), "game server crashed")
        .await
        .unwrap();
    for (n, ticket) in [(1, &first), (2, &second)] {
        let PlayerStatus::Queued(back) = w.mm.status(p(n)).await.unwrap() else {
            panic!("player {n} is back in the queue");
        };
        assert_eq!(back.enqueued_at(), ticket.enqueued_at(), "player {n}");
    }
    // Nobody is on a cooldown: both may leave and queue again at once.
    for n in [1, 2] {
        w.mm.leave_queue(p(n)).await.unwrap();
        w.mm.join("duel", p(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
}

/// Runs the future to completion in one poll (the memory store never waits).
fn at_once<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("the memory store waited"),
    }
}

type Hook = Box<dyn FnOnce() + Send>;

/// Seeded ids that run a hook when the next ticket id is made: between
/// `join_party`'s read of the party and its enqueue.
struct HookedIds {
    ids: SeededIds,
    hook: std::sync::Mutex<Option<Hook>>,
}

impl std::fmt::Debug for HookedIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HookedIds")
    }
}

impl matchforge_runner::ids::IdGenerator for HookedIds {
    fn next_uuid(&self) -> uuid::Uuid {
        self.ids.next_uuid()
    }

    fn ticket(&self) -> matchforge_core::ids::TicketId {
        if let Some(hook) = self.hook.lock().unwrap().take() {
            hook();
        }
        matchforge_core::ids::TicketId::from_uuid(self.next_uuid())
    }
}

/// A member leaves while `join_party` builds the party's ticket, so the
/// departure's withdrawal finds no ticket yet: the ticket built from the old
/// members is withdrawn and built again.
#[tokio::test]
async fn join_party_requeues_as_the_party_is_when_a_member_leaves_meanwhile() {
    use matchforge_core::ports::{PartyStore, TicketStore};
    let store = Arc::new(MemoryStore::new());
    let ids = Arc::new(HookedIds {
        ids: SeededIds::new(1),
        hook: std::sync::Mutex::new(None),
    });
    let mm = Matchmaker::builder(store.clone())
        .clock(Arc::new(SimulatedClock::new(start())))
        .ids(ids.clone())
        .queue(duos())
        .build()
        .unwrap();
    let party = mm.create_party(p(1)).await.unwrap();
    mm.invite(party.id(), p(1), p(2)).await.unwrap();
    mm.accept_invite(party.id(), p(2)).await.unwrap();
    let (hook_store, id) = (store.clone(), party.id());
    *ids.hook.lock().unwrap() = Some(Box::new(move || {
        let stored = at_once(hook_store.party(id)).unwrap().unwrap();
        let mut left = stored.value;
        left.leave(p(2)).unwrap();
        at_once(hook_store.save_party(&left, Some(stored.version))).unwrap();
    }));
    let ticket = mm
        .join_party(
            "duos",
            party.id(),
            p(1),
            Attributes::new(),
            &BTreeMap::new(),
        )
        .await
        .unwrap();
    assert!(
        ids.hook.lock().unwrap().is_none(),
        "the member left meanwhile"
    );
    assert_eq!(ticket.player_ids().collect::<Vec<_>>(), vec![p(1)]);
    assert_eq!(mm.status(p(2)).await.unwrap(), PlayerStatus::Idle);
    let waiting = store.tickets(&QueueName::new("duos")).await.unwrap();
    assert_eq!(waiting, vec![ticket]);
}

/// A matchmaker restarted with the seed of one that is still running (or
/// any client of the store choosing its own ids) can queue a ticket under
/// the id of a ticket a lobby claimed: the store frees a claimed ticket's id.
/// The store then refuses to requeue the lobby's copy while the new ticket
/// waits. A lobby must still finish: the ticket whose id was taken is left
/// out (its players are idle, without a cooldown), the others are requeued,
/// and a ready check running out this way stalls no other lobby's.
#[tokio::test]
async fn a_ticket_whose_id_was_taken_is_left_out_and_stalls_no_sweep() {
    let clock = Arc::new(SimulatedClock::new(start()));
    let store = Arc::new(MemoryStore::new());
    let a = matchmaker(store.clone(), &clock, 1, duel());
    let duel_queue = QueueName::new("duel");
    let first = a.join("duel", p(1), Attributes::new(), &[]).await.unwrap();
    a.join("duel", p(2), Attributes::new(), &[]).await.unwrap();
    let taken = a.tick_queue(&duel_queue).await.unwrap().lobbies[0].clone();
    clock.advance(Duration::from_secs(1));
    let fourth = a.join("duel", p(4), Attributes::new(), &[]).await.unwrap();
    a.join("duel", p(5), Attributes::new(), &[]).await.unwrap();
    let behind = a.tick_queue(&duel_queue).await.unwrap().lobbies[0].clone();
    a.accept(taken.id(), p(1)).await.unwrap();
    a.accept(behind.id(), p(4)).await.unwrap();

    // The same seed gives the same first ticket id.
    let b = matchmaker(store.clone(), &clock, 1, duel());
    let impostor = b.join("duel", p(3), Attributes::new(), &[]).await.unwrap();
    assert_eq!(impostor.id(), first.id(), "(fixture) the id is reused");

    clock.advance(Duration::from_secs(21)); // past both deadlines
    assert_eq!(
        a.expire_ready_checks()
            .await
            .expect("the sweep goes through"),
        2,
        "both ready checks time out, the one behind the taken id too"
    );
    for lobby in [&taken, &behind] {
        assert_eq!(
            a.lobby(lobby.id()).await.unwrap().unwrap().phase(),
            LobbyPhase::Cancelled
        );
    }
    // The ticket whose id was taken is not requeued; its player is free at
    // once.
    assert_eq!(a.status(p(1)).await.unwrap(), PlayerStatus::Idle);
    let PlayerStatus::Queued(waiting) = a.status(p(3)).await.unwrap() else {
        panic!("the ticket under the reused id still waits");
    };
    assert_eq!(*waiting, impostor);
    let PlayerStatus::Queued(back) = a.status(p(4)).await.unwrap() else {
        panic!("the other lobby's accepter is requeued");
    };
    assert_eq!(back.enqueued_at(), fourth.enqueued_at());
    for nonresponder in [p(2), p(5)] {
        assert!(matches!(
            a.join("duel", nonresponder, Attributes::new(), &[]).await,
            Err(Error::Cooldown { .. })
        ));
    }
    a.join("duel", p(1), Attributes::new(), &[])
        .await
        .expect("the left-out player has no cooldown");
}

/// A decline that would requeue a ticket whose id another ticket took
/// meanwhile still cancels the lobby, leaving that ticket out.
#[tokio::test]
async fn a_decline_goes_through_when_a_requeued_id_was_taken() {
    let clock = Arc::new(SimulatedClock::new(start()));
    let store = Arc::new(MemoryStore::new());
    let a = matchmaker(store.clone(), &clock, 1, duel());
    let first = a.join("duel", p(1), Attributes::new(), &[]).await.unwrap();
    a.join("duel", p(2), Attributes::new(), &[]).await.unwrap();
    let lobby = a.tick_queue(&QueueName::new("duel")).await.unwrap().lobbies[0].clone();
    a.accept(lobby.id(), p(1)).await.unwrap();
    let b = matchmaker(store.clone(), &clock, 1, duel());
    let impostor = b.join("duel", p(3), Attributes::new(), &[]).await.unwrap();
    assert_eq!(impostor.id(), first.id(), "(fixture) the id is reused");

    let cancelled = a
        .decline(lobby.id(), p(2))
        .await
        .expect("the decline goes through");
    assert_eq!(cancelled.phase(), LobbyPhase::Cancelled);
    assert_eq!(a.status(p(1)).await.unwrap(), PlayerStatus::Idle);
    assert_eq!(
        store.ticket(first.id()).await.unwrap(),
        Some(impostor),
        "the ticket under the reused id is untouched"
    );
}

/// A cancellation that requeues several tickets leaves out exactly those
/// whose ids were taken, whichever place they have in the requeue, however
/// many there are (the store names one refusal at a time), and requeues the
/// others as they were.
#[tokio::test]
async fn only_the_tickets_whose_ids_were_taken_are_left_out() {
    // Which of the lobby's two tickets (in join order) lose their id.
    for taken in [[false, true], [true, false], [true, true]] {
        let clock = Arc::new(SimulatedClock::new(start()));
        let store = Arc::new(MemoryStore::new());
        let a = matchmaker(store.clone(), &clock, 1, duel());
        let first = a.join("duel", p(1), Attributes::new(), &[]).await.unwrap();
        clock.advance(Duration::from_secs(1));
        let second = a.join("duel", p(2), Attributes::new(), &[]).await.unwrap();
        let lobby = a.tick_queue(&QueueName::new("duel")).await.unwrap().lobbies[0].clone();
        // The same seed gives the same ticket ids, in the same order.
        let b = matchmaker(store.clone(), &clock, 1, duel());
        let mut impostors = Vec::new();
        for ((original, player), take) in [(&first, p(3)), (&second, p(4))].into_iter().zip(taken) {
            let impostor = b
                .join("duel", player, Attributes::new(), &[])
                .await
                .unwrap();
            assert_eq!(impostor.id(), original.id(), "(fixture) the id is reused");
            if take {
                impostors.push(impostor);
            } else {
                b.leave_queue(player).await.unwrap();
            }
        }

        // An abort before the deadline requeues everyone.
        let cancelled = a
            .cancel_lobby(lobby.id(), "server lost")
            .await
            .unwrap_or_else(|e| panic!("{taken:?}: the cancellation goes through: {e}"));
        assert_eq!(cancelled.phase(), LobbyPhase::Cancelled);
        for (original, take) in [&first, &second].into_iter().zip(taken) {
            let player = original.players()[0].id;
            let status = a.status(player).await.unwrap();
            if take {
                assert_eq!(status, PlayerStatus::Idle, "{taken:?}: {player} left out");
            } else {
                assert_eq!(
                    status,
                    PlayerStatus::Queued(Box::new(original.clone())),
                    "{taken:?}: {player}'s ticket is requeued as it was"
                );
            }
        }
        for impostor in impostors {
            assert_eq!(
                store.ticket(impostor.id()).await.unwrap(),
                Some(impostor),
                "{taken:?}: the ticket under the reused id is untouched"
            );
        }
    }
}
