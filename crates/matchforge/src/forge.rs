//! The [`MatchForge`] builder: a store, queues and a rating system, wired.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use matchforge_core::error::Result;
use matchforge_core::ports::{DynStore, Store};
use matchforge_core::queue::QueueConfig;
use matchforge_core::rating::{Glicko2, RatingAlgorithm};
use matchforge_runner::clock::Clock;
use matchforge_runner::ids::IdGenerator;
use matchforge_runner::{Matchmaker, QueueSettings, Runner, StepReport};

/// A matchmaker and the runner that ticks it, ready to use.
///
/// Dereferences to the [`Matchmaker`], so every service (`join`, `accept`,
/// `report`...) is a method call away; [`run`](Self::run) and
/// [`step`](Self::step) drive the tick loop.
#[derive(Debug, Clone)]
pub struct MatchForge {
    matchmaker: Arc<Matchmaker>,
    runner: Arc<Runner>,
}

impl MatchForge {
    /// Starts building: in-memory store (with the `memory` feature), Glicko-2
    /// ratings, the system clock, random ids.
    pub fn builder() -> MatchForgeBuilder {
        MatchForgeBuilder {
            store: None,
            algorithm: Arc::new(Glicko2::default()),
            queues: Vec::new(),
            clock: None,
            ids: None,
            max_party_size: None,
        }
    }

    /// The matchmaker, to share with request handlers.
    #[must_use]
    pub fn matchmaker(&self) -> &Arc<Matchmaker> {
        &self.matchmaker
    }

    /// The runner.
    #[must_use]
    pub fn runner(&self) -> &Arc<Runner> {
        &self.runner
    }

    /// One round of the tick loop at the clock's current time.
    ///
    /// # Errors
    /// See [`Runner::step`].
    pub async fn step(&self) -> Result<StepReport> {
        self.runner.step().await
    }

    /// Runs the tick loop in real time until `shutdown` completes (see
    /// [`Runner::run`](crate::Runner::run): meant for the system clock; a
    /// simulated clock is driven with [`step`](Self::step)).
    ///
    /// In a server, next to the request handlers that call the services:
    ///
    /// ```no_run
    /// use matchforge::prelude::*;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> matchforge::Result<()> {
    /// let forge = MatchForge::builder()
    ///     .queue(QueueSpec::new("ranked-1v1", MatchFormat::one_v_one()).build()?)
    ///     .build()?;
    /// // Hand `forge.clone()` (or `forge.matchmaker().clone()`) to the request
    /// // handlers, and `stop` to whatever shuts the server down (a signal
    /// // handler, an admin endpoint); then tick until it fires.
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// # drop(stop);
    /// forge
    ///     .run(async {
    ///         let _ = stopped.await;
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// See [`Runner::run`].
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<()> {
        self.runner.run(shutdown).await
    }
}

impl Deref for MatchForge {
    type Target = Matchmaker;

    fn deref(&self) -> &Matchmaker {
        &self.matchmaker
    }
}

/// Builds a [`MatchForge`]; see [`MatchForge::builder`].
#[must_use]
pub struct MatchForgeBuilder {
    store: Option<Arc<DynStore>>,
    algorithm: Arc<dyn RatingAlgorithm>,
    queues: Vec<QueueSettings>,
    clock: Option<Arc<dyn Clock>>,
    ids: Option<Arc<dyn IdGenerator>>,
    max_party_size: Option<usize>,
}

impl std::fmt::Debug for MatchForgeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchForgeBuilder")
            .field("store", &self.store.as_ref().map(|_| "set"))
            .field("algorithm", &self.algorithm)
            .field(
                "queues",
                &self
                    .queues
                    .iter()
                    .map(QueueSettings::name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl MatchForgeBuilder {
    /// Keeps state in `store`.
    pub fn store(mut self, store: impl Store + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Keeps state in a store shared with other parts of the program (see
    /// [`open_store`](crate::open_store)).
    ///
    /// ```
    /// use matchforge::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> matchforge::Result<()> {
    /// // "redis://127.0.0.1:6379" or "postgres://postgres@127.0.0.1:5432/game"
    /// // in production (features `redis`, `postgres`).
    /// let store = matchforge::open_store("memory", None).await?;
    /// let forge = MatchForge::builder()
    ///     .shared_store(store.clone())
    ///     .queue(QueueSpec::new("ranked-1v1", MatchFormat::one_v_one()).build()?)
    ///     .build()?;
    /// forge.join("ranked-1v1", PlayerId::from_u128(1), Attributes::new(), &[]).await?;
    /// // The same store, seen from elsewhere in the program.
    /// assert!(store.ticket_of(PlayerId::from_u128(1)).await?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn shared_store(mut self, store: Arc<DynStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The rating system for queues added after this call with
    /// [`queue`](Self::queue) (default Glicko-2).
    pub fn algorithm(mut self, algorithm: impl RatingAlgorithm + 'static) -> Self {
        self.algorithm = Arc::new(algorithm);
        self
    }

    /// Adds a queue with default [`QueueSettings`] and the current rating
    /// system.
    pub fn queue(mut self, config: QueueConfig) -> Self {
        self.queues
            .push(QueueSettings::new(config).with_shared_algorithm(self.algorithm.clone()));
        self
    }

    /// Adds a queue with full settings. They carry their own rating system
    /// ([`QueueSettings::with_algorithm`], Glicko-2 by default): the
    /// builder's [`algorithm`](Self::algorithm) applies only to queues added
    /// with [`queue`](Self::queue).
    pub fn queue_settings(mut self, settings: QueueSettings) -> Self {
        self.queues.push(settings);
        self
    }

    /// Reads time from `clock` (e.g. a [`SimulatedClock`](matchforge_runner::clock::SimulatedClock)).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Makes ids with `ids` (e.g. [`SeededIds`](matchforge_runner::ids::SeededIds)).
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = Some(ids);
        self
    }

    /// The largest party players may form (default 5).
    pub fn max_party_size(mut self, size: usize) -> Self {
        self.max_party_size = Some(size);
        self
    }

    /// Builds the matchmaker and its runner.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) for no store (without the `memory` feature), no
    /// queue, or a bad setting.
    pub fn build(self) -> Result<MatchForge> {
        let store = match self.store {
            Some(store) => store,
            None => default_store()?,
        };
        let mut builder = Matchmaker::builder(store);
        for queue in self.queues {
            builder = builder.queue(queue);
        }
        if let Some(clock) = self.clock {
            builder = builder.clock(clock);
        }
        if let Some(ids) = self.ids {
            builder = builder.ids(ids);
        }
        if let Some(size) = self.max_party_size {
            builder = builder.max_party_size(size);
        }
        let matchmaker = Arc::new(builder.build()?);
        let runner = Arc::new(Runner::new(matchmaker.clone()));
        Ok(MatchForge { matchmaker, runner })
    }
}

#[cfg(feature = "memory")]
fn default_store() -> Result<Arc<DynStore>> {
    Ok(Arc::new(matchforge_memory::MemoryStore::new()))
}

#[cfg(not(feature = "memory"))]
fn default_store() -> Result<Arc<DynStore>> {
    Err(matchforge_core::Error::InvalidConfig(
        "no store given (enable the `memory` feature for a default one)".into(),
    ))
}
