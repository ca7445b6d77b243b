//! The tick loop.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use matchforge_core::error::Result;
use matchforge_core::ids::QueueName;
use tracing::{error, info};

use crate::matchmaker::{Matchmaker, later};
use crate::metrics;
use crate::tick::QueueTick;

/// Ready checks are swept at least this often, whatever the queues' intervals.
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);

/// What one [`Runner::step`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepReport {
    /// The queues ticked, in the order they ran, and what each tick did.
    pub ticks: Vec<(QueueName, QueueTick)>,
    /// Lobbies whose ready check ran out and were cancelled.
    pub ready_checks_expired: usize,
}

/// Runs the queues of a [`Matchmaker`] on their schedules: each queue every
/// `tick_interval`, due queues in priority order, ready checks swept on every
/// step.
///
/// Two ways to drive it: [`run`](Runner::run) loops in real time until shut
/// down (a server, with the system clock); [`step`](Runner::step) does one
/// round at the matchmaker's clock's current time — what simulations do,
/// advancing a [`SimulatedClock`](crate::clock::SimulatedClock) in between.
#[derive(Debug)]
pub struct Runner {
    matchmaker: Arc<Matchmaker>,
    next_due: Mutex<BTreeMap<QueueName, DateTime<Utc>>>,
}

impl Runner {
    /// A runner for `matchmaker`; every enabled queue is due at once.
    #[must_use]
    pub fn new(matchmaker: Arc<Matchmaker>) -> Self {
        let now = matchmaker.clock.now();
        let next_due = matchmaker
            .queues()
            .filter(|q| q.enabled)
            .map(|q| (q.name().clone(), now))
            .collect();
        Self {
            matchmaker,
            next_due: Mutex::new(next_due),
        }
    }

    /// The matchmaker being run.
    #[must_use]
    pub fn matchmaker(&self) -> &Arc<Matchmaker> {
        &self.matchmaker
    }

    /// When the next queue is due.
    #[must_use]
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.schedule().values().min().copied()
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, BTreeMap<QueueName, DateTime<Utc>>> {
        self.next_due
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One round at the clock's current time: cancels ready checks that ran
    /// out, then ticks every due queue, lowest priority value first (ties by
    /// name), and schedules each queue's next tick.
    ///
    /// A failure does not stop the round: a failed sweep or a queue whose
    /// tick fails (its store read, a whole batch of commits that could not
    /// be read back) is logged, and the other
    /// queues are ticked all the same; a failed queue is tried again at its
    /// next tick, one `tick_interval` later, like any other.
    ///
    /// # Errors
    /// The first store error of the round (the report of the queues that
    /// did tick is then not returned; their lobbies are in the store and its
    /// events).
    pub async fn step(&self) -> Result<StepReport> {
        let mm = &self.matchmaker;
        let now = mm.clock.now();
        let mut first_error = None;
        let mut report = StepReport::default();
        match mm.expire_ready_checks().await {
            Ok(expired) => report.ready_checks_expired = expired,
            Err(e) => {
                error!(error = %e, "sweeping ready checks failed");
                first_error = Some(e);
            }
        }
        let mut due: Vec<(u8, QueueName)> = self
            .schedule()
            .iter()
            .filter(|(_, at)| **at <= now)
            .filter_map(|(name, _)| {
                mm.queues
                    .get(name)
                    .map(|q| (q.settings.priority, name.clone()))
            })
            .collect();
        due.sort();
        for (_, name) in due {
            let tick = mm.tick_queue(&name).await;
            let interval = mm.queue(&name)?.settings.tick_interval;
            self.schedule().insert(name.clone(), later(now, interval));
            match tick {
                Ok(tick) => report.ticks.push((name, tick)),
                Err(e) => {
                    error!(queue = %name, error = %e, "ticking a queue failed");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            None => Ok(report),
            Some(e) => Err(e),
        }
    }

    /// Loops [`step`](Self::step) until `shutdown` completes; the round in
    /// progress finishes first. It sleeps in real time (tokio's timer) until
    /// the next queue is due by the matchmaker's clock, so it is meant for
    /// the system clock: with a
    /// [`SimulatedClock`](crate::clock::SimulatedClock) nobody advances, no
    /// queue ever falls due and only the ready-check sweep runs (drive a
    /// simulated clock with [`step`](Self::step) instead). A failing round is
    /// logged and counted (`matchforge_errors_total{stage="step"}`), and the
    /// loop goes on: a failing queue is retried at its tick interval, the
    /// ready-check sweep every round, and rounds are at most
    /// half a second apart (also when no queue is enabled), never back to
    /// back on a failing store.
    ///
    /// # Errors
    /// None so far; the signature leaves room for start-up checks.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<()> {
        tokio::pin!(shutdown);
        info!(queues = self.schedule().len(), "matchmaking runner started");
        loop {
            // `step` has logged each failure where it happened.
            if self.step().await.is_err() {
                metrics::error("step");
            }
            let now = self.matchmaker.clock.now();
            // With no queue enabled, the sweep alone sets the pace.
            let wait = self
                .next_due()
                .map_or(SWEEP_INTERVAL, |at| (at - now).to_std().unwrap_or_default())
                .min(SWEEP_INTERVAL);
            tokio::select! {
                // A shutdown already signalled wins over a round due at once.
                biased;
                () = &mut shutdown => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        info!("matchmaking runner stopped");
        Ok(())
    }
}
