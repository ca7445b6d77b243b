//! PostgreSQL store benchmarks, group `store`:
//!
//! * `join_1000/postgres`: one `enqueue_many` of 1000 solo tickets (one
//!   transaction: a read of the batch's ids and players, the checks, one
//!   insert, the events).
//! * `commit_1000/postgres`: one `commit_many` of 100 5v5 lobbies the matcher
//!   proposed over 1000 waiting tickets, so 1000 claimed tickets.
//!
//! Throughput is per ticket. Each iteration starts from empty tables (the
//! store's own ephemeral schema, truncated before it; the commit bench then
//! enqueues its 1000 tickets), and only the one store call is timed.
//!
//! Needs a server: `MATCHFORGE_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test
//! cargo bench -p matchforge-benches --bench store_postgres`; without the
//! variable it prints why and measures nothing.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use matchforge_core::ids::{LobbyId, PlayerId, QueueName, Region, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::matcher::Matcher;
use matchforge_core::ports::{CommitOutcome, TicketStore};
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};
use matchforge_postgres::{PgOptions, PgStore};
use tokio::runtime::Runtime;

const TICKETS: usize = 1000;

/// Every table of the bench's own schema, emptied before each iteration.
const RESET: &str = "TRUNCATE tickets, busy_players, lobbies, cooldowns, events; \
                     UPDATE event_counter SET last = 0";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

/// 1000 solo tickets of one queue, ratings spread over 1000..2000, arrived
/// over the last 1000 seconds.
fn tickets(queue: &QueueName) -> Vec<Ticket> {
    (0..TICKETS)
        .map(|i| {
            let n = i as u128 + 1;
            let rating =
                Rating::new(1000.0 + (i * 617 % 1000) as f64, 80.0, 0.06).expect("a valid rating");
            Ticket::builder(
                TicketId::from_u128(n),
                queue.clone(),
                now() - chrono::Duration::seconds((TICKETS - i) as i64),
            )
            .player(TicketPlayer::new(PlayerId::from_u128(n), rating))
            .attributes(Attributes::new().with_region(Region::new("eu")))
            .build(&PartyRating::Average)
            .expect("a valid ticket")
        })
        .collect()
}

/// The matcher's 5v5 lobbies over `tickets` (a window wide enough that it
/// seats every ticket).
fn lobbies(queue: &QueueName, tickets: &[Ticket]) -> Vec<Lobby> {
    let config = QueueSpec::new(queue.clone(), MatchFormat::five_v_five())
        .with_rating_window(Widening::fixed(2000.0).expect("a valid window"))
        .build()
        .expect("a valid queue");
    let proposals = Matcher::new(config).find_matches(tickets, now()).proposals;
    proposals
        .into_iter()
        .enumerate()
        .map(|(i, proposal)| {
            let mut claimed: Vec<Ticket> = Vec::new();
            for seat in &proposal.seats {
                if !claimed.iter().any(|t| t.id() == seat.ticket) {
                    let t = tickets.iter().find(|t| t.id() == seat.ticket);
                    claimed.push(t.expect("proposed from the tickets").clone());
                }
            }
            Lobby::new(
                LobbyId::from_u128(i as u128 + 1),
                queue.clone(),
                proposal,
                claimed,
                now(),
            )
            .expect("a proposal makes a valid lobby")
        })
        .collect()
}

async fn reset(store: &PgStore) {
    sqlx::raw_sql(RESET)
        .execute(store.pool())
        .await
        .expect("truncate the bench schema");
}

#[allow(
    clippy::print_stderr,
    reason = "a skipped bench says why on stderr, where cargo bench shows it"
)]
fn store(c: &mut Criterion) {
    let Some(options) = PgOptions::from_env() else {
        eprintln!("skipped: MATCHFORGE_POSTGRES_URL is not set; store/*/postgres measures nothing");
        return;
    };
    let runtime = Runtime::new().expect("a tokio runtime");
    let store = runtime
        .block_on(PgStore::connect_with(
            options.with_ephemeral_schema().with_max_connections(2),
        ))
        .expect("connect to PostgreSQL");
    let queue = QueueName::new("bench-5v5");
    let tickets = tickets(&queue);
    let lobbies = lobbies(&queue, &tickets);
    let claimed: usize = lobbies.iter().map(|l| l.tickets().len()).sum();
    assert_eq!(claimed, TICKETS, "the matcher seats every ticket");

    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(TICKETS as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("join_1000/postgres", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                runtime.block_on(reset(&store));
                let batch = tickets.clone();
                let start = Instant::now();
                let results = runtime.block_on(store.enqueue_many(batch));
                spent += start.elapsed();
                let results = results.expect("enqueue_many");
                assert!(results.iter().all(Result::is_ok), "every ticket joins");
            }
            spent
        });
    });
    group.bench_function("commit_1000/postgres", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                runtime.block_on(async {
                    reset(&store).await;
                    let joined = store.enqueue_many(tickets.clone()).await;
                    assert!(joined.expect("enqueue_many").iter().all(Result::is_ok));
                });
                let start = Instant::now();
                let outcomes = runtime.block_on(store.commit_many(&lobbies));
                spent += start.elapsed();
                let outcomes = outcomes.expect("commit_many");
                assert!(
                    outcomes
                        .iter()
                        .all(|o| matches!(o, Ok(CommitOutcome::Committed))),
                    "every lobby commits"
                );
            }
            spent
        });
    });
    group.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
