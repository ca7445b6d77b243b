//! `Runner::run` over a store that fails some calls: the loop goes on
//! without spinning, and a failing queue does not stop the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{PlayerId, QueueName};
use matchforge_core::ports::TicketStore;
use matchforge_core::queue::{MatchFormat, QueueSpec};
use matchforge_core::ticket::Attributes;
use matchforge_runner::{Matchmaker, QueueSettings, Runner};

mod common;
use common::{Hooked, Hooks};

/// `tickets` of one queue, and (when told) `lobbies_due`, fail as a store
/// that lost its server does; it counts those failed reads, and every
/// `lobbies_due` (one per sweep page).
#[derive(Default)]
struct Failing {
    failing_queue: Option<QueueName>,
    fail_sweep: AtomicBool,
    tickets_calls: AtomicUsize,
    sweep_calls: AtomicUsize,
}

fn outage() -> Error {
    Error::backend(
        "test",
        "reading",
        std::io::Error::other("connection refused"),
    )
}

impl Hooks for Failing {
    fn tickets(&self, queue: &QueueName) -> Result<()> {
        if self.failing_queue.as_ref() == Some(queue) {
            self.tickets_calls.fetch_add(1, Ordering::SeqCst);
            return Err(outage());
        }
        Ok(())
    }
    fn lobbies_due(&self, _: DateTime<Utc>, _: usize) -> Result<()> {
        self.sweep_calls.fetch_add(1, Ordering::SeqCst);
        if self.fail_sweep.load(Ordering::SeqCst) {
            return Err(outage());
        }
        Ok(())
    }
}

fn queue(name: &str, priority: u8) -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new(name, MatchFormat::one_v_one())
            .build()
            .unwrap(),
    )
    .without_ready_check()
    .with_priority(priority)
    .with_tick_interval(Duration::from_millis(100))
}

/// Runs `runner` on the system clock for `secs` seconds of real time.
async fn run_for(runner: &Runner, secs: f64) {
    let stop = tokio::time::sleep(Duration::from_secs_f64(secs));
    tokio::time::timeout(Duration::from_secs_f64(secs + 5.0), runner.run(stop))
        .await
        .expect("the runner stops promptly once shut down")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_queue_neither_spins_the_loop_nor_starves_the_others() {
    let store = Arc::new(Hooked::new(Failing {
        failing_queue: Some(QueueName::new("first")),
        ..Failing::default()
    }));
    let mm = Arc::new(
        Matchmaker::builder(store.clone())
            .queue(queue("first", 0))
            .queue(queue("second", 1))
            .build()
            .unwrap(),
    );
    for n in 1..=2 {
        mm.join("second", PlayerId::from_u128(n), Attributes::new(), &[])
            .await
            .unwrap();
    }
    let runner = Runner::new(mm.clone());
    run_for(&runner, 1.0).await;
    let calls = store.hooks.tickets_calls.load(Ordering::SeqCst);
    // One try per tick interval (100 ms) at most, with some slack: not
    // thousands of back-to-back retries.
    assert!(
        (1..=15).contains(&calls),
        "{calls} reads of the failing queue"
    );
    // The queue after the failing one was ticked all the same.
    assert!(
        store
            .inner
            .ticket_of(PlayerId::from_u128(1))
            .await
            .unwrap()
            .is_none(),
        "the second queue's players were never matched"
    );
    assert!(mm.status(PlayerId::from_u128(1)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sweep_does_not_spin_the_loop() {
    let store = Arc::new(Hooked::new(Failing::default()));
    store.hooks.fail_sweep.store(true, Ordering::SeqCst);
    let mm = Arc::new(
        Matchmaker::builder(store.clone())
            .queue(queue("only", 0))
            .build()
            .unwrap(),
    );
    let runner = Runner::new(mm);
    run_for(&runner, 1.0).await;
    // Tried again every round, one per tick interval (100 ms) at most.
    let calls = store.hooks.sweep_calls.load(Ordering::SeqCst);
    assert!(
        (1..=15).contains(&calls),
        "{calls} failed sweeps in a second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_of_disabled_queues_sweeps_without_spinning() {
    let store = Arc::new(Hooked::new(Failing::default()));
    let mm = Arc::new(
        Matchmaker::builder(store.clone())
            .queue(queue("off", 0).enabled(false))
            .build()
            .unwrap(),
    );
    let runner = Runner::new(mm);
    run_for(&runner, 1.0).await;
    // A sweep every half second, as documented.
    let calls = store.hooks.sweep_calls.load(Ordering::SeqCst);
    assert!((1..=5).contains(&calls), "{calls} sweeps in a second");
}
