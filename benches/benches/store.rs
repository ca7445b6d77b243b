//! Store benchmarks: `store/join_1000/*` queues 1,000 solo tickets with one
//! `enqueue_many`; `store/commit_1000/*` commits 1,000 two-ticket lobbies with
//! one `commit_many` over 2,000 waiting tickets. Throughput is per ticket:
//! queued, and claimed (each lobby claims two, so 2,000 per commit call), as
//! in the Postgres benches.
//!
//! Every iteration starts from a state it owns — a fresh in-memory store, or
//! a fresh Redis namespace deleted afterwards — and only the store call is
//! timed. The Redis variants run against `MATCHFORGE_REDIS_URL` and are
//! skipped when it is unset.
//!
//! Run with `MATCHFORGE_REDIS_URL=redis://127.0.0.1:6379 cargo bench -p matchforge-benches --bench store`.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use matchforge_core::ids::{LobbyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::matcher::Matcher;
use matchforge_core::ports::{CommitOutcome, TicketStore};
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Ticket, TicketPlayer};
use matchforge_memory::MemoryStore;
use matchforge_redis::RedisStore;
use tokio::runtime::Runtime;

const N: usize = 1_000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 20, 0, 0).unwrap()
}

/// `n` solo tickets, one millisecond apart.
fn tickets(queue: &QueueName, n: usize) -> Vec<Ticket> {
    (0..n)
        .map(|i| {
            let id = i as u128 + 1;
            let rating = Rating::new(1000.0 + i as f64, 80.0, 0.06).expect("a valid rating");
            Ticket::builder(
                TicketId::from_u128(id),
                queue.clone(),
                now() + chrono::Duration::milliseconds(i as i64),
            )
            .player(TicketPlayer::new(PlayerId::from_u128(id), rating))
            .build(&PartyRating::Average)
            .expect("a valid ticket")
        })
        .collect()
}

/// The 1v1 lobbies the matcher makes of `tickets`.
fn lobbies(queue: &QueueName, tickets: &[Ticket]) -> Vec<Lobby> {
    let config = QueueSpec::new(queue.clone(), MatchFormat::one_v_one())
        .with_rating_window(Widening::fixed(1.0e6).expect("a valid window"))
        .build()
        .expect("a valid queue");
    Matcher::new(config)
        .find_matches(tickets, now())
        .proposals
        .into_iter()
        .enumerate()
        .map(|(i, proposal)| {
            let claimed = proposal
                .tickets()
                .map(|id| {
                    tickets
                        .iter()
                        .find(|t| t.id() == id)
                        .expect("proposed")
                        .clone()
                })
                .collect();
            Lobby::new(
                LobbyId::from_u128(i as u128 + 1),
                queue.clone(),
                proposal,
                claimed,
                now(),
            )
            .expect("a valid lobby")
        })
        .collect()
}

/// Where the Redis variants run: a connection, and a counter of namespaces.
struct Redis {
    base: RedisStore,
    next: u64,
}

impl Redis {
    #[allow(clippy::print_stderr, reason = "a skipped bench says why")]
    fn connect(rt: &Runtime) -> Option<Self> {
        let Ok(url) = std::env::var("MATCHFORGE_REDIS_URL") else {
            eprintln!("store/*/redis skipped: MATCHFORGE_REDIS_URL is not set");
            return None;
        };
        let namespace = format!("bench:{}", std::process::id());
        let base = rt
            .block_on(RedisStore::connect(&url, &namespace))
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        Some(Self { base, next: 0 })
    }

    /// A store on a namespace no iteration used before.
    fn fresh(&mut self) -> RedisStore {
        self.next += 1;
        let namespace = format!("{}.{}", self.base.config().namespace(), self.next);
        self.base
            .with_namespace(&namespace)
            .expect("a valid namespace")
    }
}

fn join(store: &impl TicketStore, rt: &Runtime, tickets: &[Ticket]) -> Duration {
    let tickets = tickets.to_vec();
    let started = Instant::now();
    let results = rt
        .block_on(store.enqueue_many(tickets))
        .expect("enqueue_many");
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    took
}

fn commit(
    store: &impl TicketStore,
    rt: &Runtime,
    tickets: &[Ticket],
    lobbies: &[Lobby],
) -> Duration {
    rt.block_on(store.enqueue_many(tickets.to_vec()))
        .expect("enqueue_many");
    let started = Instant::now();
    let outcomes = rt
        .block_on(store.commit_many(lobbies))
        .expect("commit_many");
    let took = started.elapsed();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(CommitOutcome::Committed)))
    );
    took
}

fn store(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut redis = Redis::connect(&rt);
    let queue = QueueName::new("bench");
    let joining = tickets(&queue, N);
    let waiting = tickets(&queue, 2 * N);
    let pairs = lobbies(&queue, &waiting);
    assert_eq!(pairs.len(), N);

    let mut group = c.benchmark_group("store");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("join_1000/memory", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| join(&MemoryStore::new(), &rt, &joining))
                .sum()
        });
    });
    group.throughput(Throughput::Elements(2 * N as u64));
    group.bench_function("commit_1000/memory", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| commit(&MemoryStore::new(), &rt, &waiting, &pairs))
                .sum()
        });
    });
    if let Some(redis) = redis.as_mut() {
        group.throughput(Throughput::Elements(N as u64));
        group.bench_function("join_1000/redis", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let store = redis.fresh();
                        let took = join(&store, &rt, &joining);
                        rt.block_on(store.purge()).expect("purge");
                        took
                    })
                    .sum()
            });
        });
        group.throughput(Throughput::Elements(2 * N as u64));
        group.bench_function("commit_1000/redis", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let store = redis.fresh();
                        let took = commit(&store, &rt, &waiting, &pairs);
                        rt.block_on(store.purge()).expect("purge");
                        took
                    })
                    .sum()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
