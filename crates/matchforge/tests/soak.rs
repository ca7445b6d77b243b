//! A randomized concurrent soak: three matchmakers (each with its own id
//! seed) share one store and a simulated clock, and six tasks run random
//! operations through them concurrently on a multi-thread runtime (joins,
//! parties changing and queueing, cancels, ticks and steps, accepts and
//! declines, dispatches and reports, aborts, the clock moving, sweeps).
//! Refusals are expected; any other error fails the test. Afterwards, with
//! everyone quiet and a final sweep past every deadline, the invariants are
//! checked: a player waits on at most one ticket or sits in at most one
//! unfinished lobby, never both (and `ticket_of` / `lobby_of` agree); a
//! waiting party ticket holds exactly its party's members; no ready check
//! outlives the sweep; every ticket's events form a valid history that ends
//! where the store has it; ratings changed once per reported match.
//!
//! The interleavings vary from run to run, the invariants hold in every one.
//! `SOAK_SEEDS=n` runs n seeds per store (default 1). On the memory store
//! every port call yields a few times first and after, so services
//! interleave between their calls. Redis and Postgres run when
//! `MATCHFORGE_REDIS_URL` / `MATCHFORGE_POSTGRES_URL` are set (each in its own
//! namespace or schema, removed afterwards, also when the soak fails), are
//! skipped politely otherwise, and are required under
//! `MATCHFORGE_REQUIRE_SERVICES=1`.
#![allow(
    clippy::print_stderr,
    reason = "the soak reports what it ran on stderr"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use matchforge::clock::SimulatedClock;
use matchforge::event::{Event, EventKind};
use matchforge::id_gen::SeededIds;
use matchforge::lobby::{LobbyState, MatchResult};
use matchforge::ports::DynStore;
use matchforge::prelude::*;
use matchforge::{Error, open_store};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const READY_CHECK: Duration = Duration::from_secs(20);
const QUEUES: [&str; 2] = ["duo", "duel"];

/// A queue of the soak: any ratings match, a 20 s ready check, ticks every
/// second, and its own max wait and decline cooldown (in seconds).
fn queue(name: &str, format: MatchFormat, max_wait: u64, cooldown: u64) -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new(name, format)
            .with_rating_window(Widening::fixed(5000.0).unwrap())
            .with_max_wait_secs(max_wait)
            .build()
            .unwrap(),
    )
    .with_algorithm(Elo::default())
    .with_ready_check(READY_CHECK)
    .with_decline_cooldown(Duration::from_secs(cooldown))
    .with_tick_interval(Duration::from_secs(1))
}

fn forge(store: Arc<DynStore>, clock: Arc<SimulatedClock>, seed: u64) -> MatchForge {
    MatchForge::builder()
        .shared_store(store)
        .clock(clock)
        .ids(Arc::new(SeededIds::new(seed)))
        .queue_settings(queue(QUEUES[0], MatchFormat::two_v_two(), 60, 5))
        .queue_settings(queue(QUEUES[1], MatchFormat::one_v_one(), 40, 3))
        .max_party_size(2)
        .build()
        .unwrap()
}

/// What the workers share.
struct World {
    forges: Vec<MatchForge>,
    clock: Arc<SimulatedClock>,
    players: Vec<PlayerId>,
    parties: Mutex<Vec<PartyId>>,
    lobbies: Mutex<Vec<LobbyId>>,
    stats: Mutex<BTreeMap<String, usize>>,
    unexpected: Mutex<Vec<String>>,
}

impl World {
    fn count(&self, op: &str, outcome: &Result<(), Error>) {
        let key = match outcome {
            Ok(()) => format!("{op}: ok"),
            Err(e) => {
                let kind = format!("{e:?}");
                let kind = kind
                    .split(|c: char| !c.is_alphanumeric())
                    .next()
                    .unwrap_or("?")
                    .to_owned();
                if !matches!(
                    e,
                    Error::AlreadyQueued { .. }
                        | Error::InLobby { .. }
                        | Error::Cooldown { .. }
                        | Error::Conflict(_)
                        | Error::IllegalTransition { .. }
                        | Error::NotInLobby { .. }
                        | Error::PartyRule { .. }
                        | Error::PartyFull { .. }
                        | Error::PartyNotFound(_)
                        | Error::LobbyNotFound(_)
                        | Error::TicketNotFound(_)
                ) {
                    self.unexpected.lock().unwrap().push(format!("{op}: {e}"));
                }
                format!("{op}: {kind}")
            }
        };
        *self.stats.lock().unwrap().entry(key).or_default() += 1;
    }

    fn pick<T: Copy>(rng: &mut ChaCha8Rng, list: &[T]) -> Option<T> {
        (!list.is_empty()).then(|| list[rng.random_range(0..list.len())])
    }

    fn recent_lobby(&self, rng: &mut ChaCha8Rng) -> Option<LobbyId> {
        let lobbies = self.lobbies.lock().unwrap();
        let from = lobbies.len().saturating_sub(12);
        Self::pick(rng, &lobbies[from..])
    }

    fn party(&self, rng: &mut ChaCha8Rng) -> Option<PartyId> {
        let parties = self.parties.lock().unwrap();
        let from = parties.len().saturating_sub(10);
        Self::pick(rng, &parties[from..])
    }

    fn record_lobbies<'a>(&self, lobbies: impl Iterator<Item = &'a Lobby>) {
        self.lobbies.lock().unwrap().extend(lobbies.map(Lobby::id));
    }
}

/// One worker: `rounds` random operations through forge `which`.
async fn worker(world: Arc<World>, which: usize, seed: u64, rounds: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mf = &world.forges[which];
    for _ in 0..rounds {
        let player = World::pick(&mut rng, &world.players).unwrap();
        let queue = QUEUES[rng.random_range(0..2)];
        let op = rng.random_range(0..42);
        match op {
            0..=4 => {
                let r = mf.join(queue, player, Attributes::new(), &[]).await;
                world.count("join", &r.map(|_| ()));
            }
            5 => {
                let r = mf.create_party(player).await;
                if let Ok(p) = &r {
                    world.parties.lock().unwrap().push(p.id());
                }
                world.count("create_party", &r.map(|_| ()));
            }
            6 | 7 => {
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let r = mf.invite(party, p.leader(), player).await;
                world.count("invite", &r.map(|_| ()));
            }
            8 | 9 => {
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let invited: Vec<PlayerId> = p.invites().iter().copied().collect();
                let who = World::pick(&mut rng, &invited).unwrap_or(player);
                let r = mf.accept_invite(party, who).await;
                world.count("accept_invite", &r.map(|_| ()));
            }
            10 => {
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let who = World::pick(&mut rng, p.members()).unwrap_or(player);
                let r = mf.leave_party(party, who).await;
                world.count("leave_party", &r.map(|_| ()));
            }
            11 => {
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let who = World::pick(&mut rng, p.members()).unwrap_or(player);
                let r = if rng.random_bool(0.5) {
                    mf.kick(party, p.leader(), who).await
                } else {
                    mf.promote(party, p.leader(), who).await
                };
                world.count("kick/promote", &r.map(|_| ()));
            }
            12..=14 => {
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let r = mf
                    .join_party(
                        "duo",
                        party,
                        p.leader(),
                        Attributes::new(),
                        &BTreeMap::new(),
                    )
                    .await;
                world.count("join_party", &r.map(|_| ()));
            }
            15 => {
                let r = mf.leave_queue(player).await;
                world.count("leave_queue", &r.map(|_| ()));
            }
            16 => {
                let Ok(Some(ticket)) = mf.store().ticket_of(player).await else {
                    continue;
                };
                let r = mf.cancel(ticket.id()).await;
                world.count("cancel", &r.map(|_| ()));
            }
            17..=18 => {
                let r = mf.tick_queue(&queue.into()).await;
                if let Ok(t) = &r {
                    world.record_lobbies(t.lobbies.iter());
                }
                world.count("tick", &r.map(|_| ()));
            }
            19 => {
                let r = mf.step().await;
                if let Ok(s) = &r {
                    world.record_lobbies(s.ticks.iter().flat_map(|(_, t)| t.lobbies.iter()));
                }
                world.count("step", &r.map(|_| ()));
            }
            20..=22 => {
                let Some(lobby) = world.recent_lobby(&mut rng) else {
                    continue;
                };
                let Ok(Some(l)) = mf.lobby(lobby).await else {
                    continue;
                };
                let seated: Vec<PlayerId> = l.players().collect();
                if rng.random_bool(0.5) {
                    for p in seated {
                        let r = mf.accept(lobby, p).await;
                        world.count("accept", &r.map(|_| ()));
                    }
                } else {
                    let p = World::pick(&mut rng, &seated).unwrap();
                    let r = mf.accept(lobby, p).await;
                    world.count("accept", &r.map(|_| ()));
                }
            }
            23 => {
                let Some(lobby) = world.recent_lobby(&mut rng) else {
                    continue;
                };
                let Ok(Some(l)) = mf.lobby(lobby).await else {
                    continue;
                };
                let seated: Vec<PlayerId> = l.players().collect();
                let p = World::pick(&mut rng, &seated).unwrap();
                let r = mf.decline(lobby, p).await;
                world.count("decline", &r.map(|_| ()));
            }
            24 | 25 => {
                let Some(lobby) = world.recent_lobby(&mut rng) else {
                    continue;
                };
                let r = mf.dispatch(lobby, "server-1").await;
                world.count("dispatch", &r.map(|_| ()));
            }
            26 | 27 => {
                let Some(lobby) = world.recent_lobby(&mut rng) else {
                    continue;
                };
                let result = MatchResult::winner(rng.random_range(0..2), 2);
                let r = mf.report(lobby, result).await;
                world.count("report", &r.map(|_| ()));
            }
            28 => {
                let Some(lobby) = world.recent_lobby(&mut rng) else {
                    continue;
                };
                let r = mf.cancel_lobby(lobby, "server crashed").await;
                world.count("cancel_lobby", &r.map(|_| ()));
            }
            29 | 30 => {
                world
                    .clock
                    .advance(Duration::from_millis(rng.random_range(100..3000)));
                world.count("advance", &Ok(()));
            }
            32..=36 => {
                // Invite and accept at once, then maybe queue the party.
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let r = mf.invite(party, p.leader(), player).await;
                world.count("invite", &r.map(|_| ()));
                let r = mf.accept_invite(party, player).await;
                world.count("accept_invite", &r.map(|_| ()));
                if rng.random_bool(0.5) {
                    let r = mf
                        .join_party(
                            "duo",
                            party,
                            p.leader(),
                            Attributes::new(),
                            &BTreeMap::new(),
                        )
                        .await;
                    world.count("join_party", &r.map(|_| ()));
                }
            }
            37..=40 => {
                // A member leaves or is kicked while the party may be queued.
                let Some(party) = world.party(&mut rng) else {
                    continue;
                };
                let Ok(Some(p)) = mf.party_of_id(party).await else {
                    continue;
                };
                let others: Vec<PlayerId> = p
                    .members()
                    .iter()
                    .copied()
                    .filter(|&m| m != p.leader())
                    .collect();
                let Some(who) = World::pick(&mut rng, &others) else {
                    continue;
                };
                let r = if rng.random_bool(0.5) {
                    mf.kick(party, p.leader(), who).await
                } else {
                    mf.leave_party(party, who).await.map(|_| p)
                };
                world.count("kick/leave", &r.map(|_| ()));
            }
            _ => {
                let r = mf.expire_ready_checks().await;
                world.count("expire_ready_checks", &r.map(|_| ()));
            }
        }
        if rng.random_bool(0.3) {
            tokio::task::yield_now().await;
        }
    }
}

/// A tiny helper trait: a party by id, through the store.
trait PartyById {
    async fn party_of_id(&self, party: PartyId) -> Result<Option<matchforge::party::Party>>;
}

impl PartyById for MatchForge {
    async fn party_of_id(&self, party: PartyId) -> Result<Option<matchforge::party::Party>> {
        Ok(self.store().party(party).await?.map(|v| v.value))
    }
}

async fn all_events(mf: &MatchForge) -> Vec<Event> {
    let mut out = Vec::new();
    let mut events = mf.subscribe(None);
    while let Some((_, event)) = events.try_next().await.unwrap() {
        out.push(event);
    }
    out
}

/// The soak itself, on `store`, with `forges` matchmakers and `workers` tasks
/// each doing `rounds` operations.
async fn soak(store: Arc<DynStore>, seed: u64, forges: usize, workers: usize, rounds: usize) {
    let clock = Arc::new(SimulatedClock::new(common::t0()));
    let world = Arc::new(World {
        forges: (0..forges)
            .map(|i| forge(store.clone(), clock.clone(), seed * 100 + i as u64 + 1))
            .collect(),
        clock: clock.clone(),
        players: (1..=PLAYERS).map(PlayerId::from_u128).collect(),
        parties: Mutex::new(Vec::new()),
        lobbies: Mutex::new(Vec::new()),
        stats: Mutex::new(BTreeMap::new()),
        unexpected: Mutex::new(Vec::new()),
    });
    let started = std::time::Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let world = world.clone();
            tokio::spawn(worker(world, w % forges, seed * 1000 + w as u64, rounds))
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = started.elapsed();
    // Quiet now. A final sweep past every deadline.
    clock.advance(READY_CHECK + Duration::from_secs(1));
    for mf in &world.forges {
        mf.expire_ready_checks().await.unwrap();
    }
    let stats = world.stats.lock().unwrap().clone();
    let total: usize = stats.values().sum();
    eprintln!("soak seed {seed}: {total} operations in {elapsed:?}");
    for (k, v) in &stats {
        eprintln!("  {k}: {v}");
    }
    let unexpected = world.unexpected.lock().unwrap().clone();
    assert!(unexpected.is_empty(), "unexpected errors: {unexpected:#?}");
    check(&world).await;
}

async fn check(world: &World) {
    let mf = &world.forges[0];
    let store = mf.store();
    let now = world.clock.now();

    // No unfinished lobby whose ready check ran out survives the final sweep.
    let due = store.lobbies_due(now, 100_000).await.unwrap();
    assert!(due.is_empty(), "due lobbies after the final sweep: {due:?}");

    let events = all_events(mf).await;

    // Every lobby, as stored.
    let mut lobby_ids = BTreeSet::new();
    for e in &events {
        if let EventKind::LobbyChanged { lobby, .. } = &e.kind {
            lobby_ids.insert(*lobby);
        }
    }
    let mut lobbies = BTreeMap::new();
    for id in &lobby_ids {
        let l = store
            .lobby(*id)
            .await
            .unwrap()
            .expect("a lobby with events is stored");
        lobbies.insert(*id, l.value);
    }

    // Seated players: each in at most one unfinished lobby, and lobby_of agrees.
    let mut seated: HashMap<PlayerId, LobbyId> = HashMap::new();
    for l in lobbies.values() {
        if l.phase().is_finished() {
            continue;
        }
        if let Some(deadline) = l.deadline() {
            assert!(deadline > now, "lobby {} outlived its ready check", l.id());
        }
        for p in l.players() {
            if let Some(other) = seated.insert(p, l.id()) {
                panic!("player {p} seated in lobbies {other} and {}", l.id());
            }
        }
    }

    // Waiting tickets: each player on at most one, never seated.
    let mut waiting: HashMap<PlayerId, Ticket> = HashMap::new();
    let mut waiting_ids = BTreeSet::new();
    for q in QUEUES {
        for t in store.tickets(&q.into()).await.unwrap() {
            waiting_ids.insert(t.id());
            for p in t.player_ids() {
                assert!(
                    !seated.contains_key(&p),
                    "player {p} waits on {} and sits in lobby {}",
                    t.id(),
                    seated[&p]
                );
                if let Some(other) = waiting.insert(p, t.clone()) {
                    panic!("player {p} waits on {} and {}", other.id(), t.id());
                }
            }
            // A waiting party ticket holds exactly its party's members.
            if let Some(party) = t.party() {
                let stored = store.party(party).await.unwrap();
                let members: Option<BTreeSet<PlayerId>> =
                    stored.map(|p| p.value.members().iter().copied().collect());
                let holds: BTreeSet<PlayerId> = t.player_ids().collect();
                assert_eq!(
                    members.as_ref(),
                    Some(&holds),
                    "waiting party ticket {} of party {party} is stale",
                    t.id()
                );
            }
        }
    }
    for &p in &world.players {
        let t = store.ticket_of(p).await.unwrap();
        assert_eq!(
            t.as_ref().map(Ticket::id),
            waiting.get(&p).map(Ticket::id),
            "ticket_of({p})"
        );
        assert_eq!(
            store.lobby_of(p).await.unwrap(),
            seated.get(&p).copied(),
            "lobby_of({p})"
        );
    }

    // Every ticket is accounted for by its events.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum St {
        Waiting,
        Matched(LobbyId),
        Gone,
    }
    let mut state: BTreeMap<TicketId, St> = BTreeMap::new();
    for e in &events {
        match &e.kind {
            EventKind::TicketQueued { ticket, .. } => {
                assert!(
                    state.insert(*ticket, St::Waiting).is_none(),
                    "{ticket} queued twice"
                );
            }
            EventKind::TicketCancelled { ticket, .. } | EventKind::TicketExpired { ticket, .. } => {
                let s = state.get_mut(ticket).expect("withdrawn before queued");
                assert_eq!(*s, St::Waiting, "{ticket} withdrawn while {s:?}");
                *s = St::Gone;
            }
            EventKind::TicketMatched { ticket, lobby, .. } => {
                let s = state.get_mut(ticket).expect("matched before queued");
                assert_eq!(*s, St::Waiting, "{ticket} matched while {s:?}");
                *s = St::Matched(*lobby);
            }
            EventKind::TicketRequeued { ticket, .. } => {
                let s = state.get_mut(ticket).expect("requeued before queued");
                let St::Matched(lobby) = *s else {
                    panic!("{ticket} requeued while {s:?}");
                };
                assert!(
                    matches!(lobbies[&lobby].state(), LobbyState::Cancelled { .. }),
                    "{ticket} requeued from lobby {lobby} that is not cancelled"
                );
                *s = St::Waiting;
            }
            _ => {}
        }
    }
    let by_events: BTreeSet<TicketId> = state
        .iter()
        .filter(|(_, s)| **s == St::Waiting)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        by_events, waiting_ids,
        "waiting tickets by events vs the store"
    );
    for (t, s) in &state {
        if let St::Matched(lobby) = s {
            let l = &lobbies[lobby];
            assert!(
                l.ticket_ids().any(|x| x == *t),
                "{t} matched to {lobby}, not in it"
            );
        }
    }

    // Ratings: one change per reported match.
    let mut games: BTreeMap<(String, PlayerId), u32> = BTreeMap::new();
    let mut completed = 0;
    for l in lobbies.values() {
        if let LobbyState::Completed { .. } = l.state() {
            completed += 1;
            let record = store.match_record(l.id()).await.unwrap();
            assert!(record.is_some(), "completed lobby {} has no record", l.id());
            for p in l.players() {
                *games.entry((l.queue().as_str().to_owned(), p)).or_default() += 1;
            }
        } else {
            assert!(store.match_record(l.id()).await.unwrap().is_none());
        }
    }
    for q in QUEUES {
        let ladder = mf
            .queues()
            .find(|s| s.name().as_str() == q)
            .unwrap()
            .ladder()
            .clone();
        let ratings = store.ratings(&ladder, &world.players).await.unwrap();
        for (p, r) in world.players.iter().zip(ratings) {
            let expected = games.get(&(q.to_owned(), *p)).copied().unwrap_or(0);
            assert_eq!(r.map_or(0, |r| r.games()), expected, "games of {p} on {q}");
        }
    }
    eprintln!(
        "  checked: {} events, {} tickets, {} lobbies ({completed} completed), {} waiting, {} seated",
        events.len(),
        state.len(),
        lobbies.len(),
        waiting_ids.len(),
        seated.len()
    );
}

/// A store that yields a few times around every call, so concurrent
/// services interleave between their port calls even on the memory store.
struct Jitter {
    inner: Arc<DynStore>,
    n: std::sync::atomic::AtomicU64,
}

impl Jitter {
    async fn jitter(&self) {
        let n = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59;
        for _ in 0..x {
            tokio::task::yield_now().await;
        }
    }
}

macro_rules! jittered {
    ($self:ident, $call:expr) => {{
        $self.jitter().await;
        let out = $call.await;
        $self.jitter().await;
        out
    }};
}

#[async_trait::async_trait]
impl matchforge::ports::TicketStore for Jitter {
    async fn enqueue(&self, ticket: Ticket) -> Result<()> {
        jittered!(self, self.inner.enqueue(ticket))
    }
    async fn cancel(&self, ticket: TicketId, at: DateTime<Utc>) -> Result<Ticket> {
        jittered!(self, self.inner.cancel(ticket, at))
    }
    async fn ticket(&self, ticket: TicketId) -> Result<Option<Ticket>> {
        jittered!(self, self.inner.ticket(ticket))
    }
    async fn ticket_of(&self, player: PlayerId) -> Result<Option<Ticket>> {
        jittered!(self, self.inner.ticket_of(player))
    }
    async fn tickets(&self, queue: &QueueName) -> Result<Vec<Ticket>> {
        jittered!(self, self.inner.tickets(queue))
    }
    async fn commit(&self, lobby: &Lobby) -> Result<matchforge::ports::CommitOutcome> {
        jittered!(self, self.inner.commit(lobby))
    }
    async fn commit_many(
        &self,
        lobbies: &[Lobby],
    ) -> Result<Vec<Result<matchforge::ports::CommitOutcome>>> {
        jittered!(self, self.inner.commit_many(lobbies))
    }
    async fn expire(&self, tickets: &[TicketId], at: DateTime<Utc>) -> Result<Vec<Ticket>> {
        jittered!(self, self.inner.expire(tickets, at))
    }
}

#[async_trait::async_trait]
impl matchforge::ports::LobbyStore for Jitter {
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<matchforge::ports::Versioned<Lobby>>> {
        jittered!(self, self.inner.lobby(lobby))
    }
    async fn update_lobby(&self, update: matchforge::ports::LobbyUpdate) -> Result<u64> {
        jittered!(self, self.inner.update_lobby(update))
    }
    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>> {
        jittered!(self, self.inner.lobby_of(player))
    }
    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>> {
        jittered!(self, self.inner.lobbies_due(before, limit))
    }
}

#[async_trait::async_trait]
impl matchforge::ports::RatingStore for Jitter {
    async fn ratings(&self, ladder: &Ladder, players: &[PlayerId]) -> Result<Vec<Option<Rating>>> {
        jittered!(self, self.inner.ratings(ladder, players))
    }
    async fn put_ratings(&self, ladder: &Ladder, ratings: &[(PlayerId, Rating)]) -> Result<()> {
        jittered!(self, self.inner.put_ratings(ladder, ratings))
    }
}

#[async_trait::async_trait]
impl matchforge::ports::PartyStore for Jitter {
    async fn party(
        &self,
        party: PartyId,
    ) -> Result<Option<matchforge::ports::Versioned<matchforge::party::Party>>> {
        jittered!(self, self.inner.party(party))
    }
    async fn party_of(
        &self,
        player: PlayerId,
    ) -> Result<Option<matchforge::ports::Versioned<matchforge::party::Party>>> {
        jittered!(self, self.inner.party_of(player))
    }
    async fn save_party(
        &self,
        party: &matchforge::party::Party,
        expected_version: Option<u64>,
    ) -> Result<u64> {
        jittered!(self, self.inner.save_party(party, expected_version))
    }
    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()> {
        jittered!(self, self.inner.delete_party(party, expected_version))
    }
}

#[async_trait::async_trait]
impl matchforge::ports::MatchHistory for Jitter {
    async fn match_record(
        &self,
        lobby: LobbyId,
    ) -> Result<Option<matchforge::history::MatchRecord>> {
        jittered!(self, self.inner.match_record(lobby))
    }
    async fn matches_of(
        &self,
        player: PlayerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<matchforge::history::MatchRecord>> {
        jittered!(self, self.inner.matches_of(player, from, to, limit))
    }
}

#[async_trait::async_trait]
impl matchforge::ports::EventLog for Jitter {
    async fn events_after(
        &self,
        after: Option<matchforge::event::EventCursor>,
        limit: usize,
    ) -> Result<Vec<(matchforge::event::EventCursor, Event)>> {
        self.inner.events_after(after, limit).await
    }
}

const ROUNDS: usize = 400;

/// Few players for six tasks: they keep running into each other.
const PLAYERS: u128 = 12;

fn seeds() -> u64 {
    std::env::var("SOAK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_on_memory() {
    for seed in 1..=seeds() {
        let store = open_store("memory", None).await.unwrap();
        let store: Arc<DynStore> = Arc::new(Jitter {
            inner: store,
            n: std::sync::atomic::AtomicU64::new(seed),
        });
        soak(store, seed, 3, 6, ROUNDS).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_on_redis() {
    let Some(url) = common::service_url("MATCHFORGE_REDIS_URL") else {
        return;
    };
    for seed in 1..=seeds() {
        let namespace = common::unique("test:soak:");
        let store = open_store(&url, Some(&namespace)).await.unwrap();
        let run = tokio::spawn(soak(store, seed, 3, 6, ROUNDS)).await;
        // Removed whether the soak passed or failed.
        common::purge_redis(&url, &namespace).await;
        common::rethrow(run);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_on_postgres() {
    let Some(url) = common::service_url("MATCHFORGE_POSTGRES_URL") else {
        return;
    };
    for seed in 1..=seeds() {
        let schema = common::unique("mf_soak_");
        let store = open_store(&url, Some(&schema)).await.unwrap();
        let run = tokio::spawn(soak(store, seed, 3, 6, ROUNDS)).await;
        // Dropped whether the soak passed or failed.
        common::drop_schema(&url, &schema).await;
        common::rethrow(run);
    }
}
