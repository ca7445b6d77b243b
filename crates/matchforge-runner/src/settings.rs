//! How the runner treats each queue.

use std::sync::Arc;
use std::time::Duration;

use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{Ladder, QueueName};
use matchforge_core::queue::QueueConfig;
use matchforge_core::rating::{Glicko2, RatingAlgorithm};

/// One queue as the runner runs it: its rules, the ladder and rating system
/// its results count for, and how often and how hard it is ticked.
///
/// ```
/// use std::time::Duration;
/// use matchforge_core::queue::{MatchFormat, QueueSpec};
/// use matchforge_core::rating::Elo;
/// use matchforge_runner::QueueSettings;
///
/// let settings = QueueSettings::new(QueueSpec::new("duel", MatchFormat::one_v_one()).build()?)
///     .with_algorithm(Elo::default())
///     .with_tick_interval(Duration::from_millis(500))
///     .with_ready_check(Duration::from_secs(20))
///     .with_decline_cooldown(Duration::from_secs(60))
///     .with_priority(10)
///     .with_max_matches_per_tick(500);
/// assert_eq!(settings.ladder().as_str(), "duel");
/// assert_eq!(settings.tick_interval(), Duration::from_millis(500));
/// assert_eq!(settings.ready_check(), Some(Duration::from_secs(20)));
/// assert_eq!(settings.decline_cooldown(), Some(Duration::from_secs(60)));
/// assert_eq!(settings.priority(), 10);
/// assert_eq!(settings.max_matches_per_tick(), 500);
/// assert!(settings.is_enabled());
/// assert!(!settings.enabled(false).is_enabled());
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct QueueSettings {
    pub(crate) config: QueueConfig,
    pub(crate) ladder: Ladder,
    pub(crate) algorithm: Arc<dyn RatingAlgorithm>,
    pub(crate) tick_interval: Duration,
    pub(crate) priority: u8,
    pub(crate) max_matches_per_tick: usize,
    pub(crate) ready_check: Option<Duration>,
    pub(crate) decline_cooldown: Option<Duration>,
    pub(crate) enabled: bool,
}

impl QueueSettings {
    /// The longest tick interval a matchmaker accepts: one day.
    pub const MAX_TICK_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

    /// The longest ready check a matchmaker accepts: one day.
    pub const MAX_READY_CHECK: Duration = Duration::from_secs(24 * 60 * 60);

    /// The longest decline cooldown a matchmaker accepts: 365 days.
    pub const MAX_DECLINE_COOLDOWN: Duration = Duration::from_secs(365 * 24 * 60 * 60);

    /// Settings for `config`: ladder named after the queue, Glicko-2 ratings,
    /// a tick every second, priority 100, at most 10,000 matches per tick, a
    /// 30-second ready check and no decline cooldown.
    pub fn new(config: QueueConfig) -> Self {
        Self {
            ladder: Ladder::new(config.name().as_str()),
            config,
            algorithm: Arc::new(Glicko2::default()),
            tick_interval: Duration::from_secs(1),
            priority: 100,
            max_matches_per_tick: 10_000,
            ready_check: Some(Duration::from_secs(30)),
            decline_cooldown: None,
            enabled: true,
        }
    }

    /// The ladder ratings are read from and written to.
    pub fn with_ladder(mut self, ladder: impl Into<Ladder>) -> Self {
        self.ladder = ladder.into();
        self
    }

    /// The rating system for this queue's results (and its win probabilities).
    pub fn with_algorithm(mut self, algorithm: impl RatingAlgorithm + 'static) -> Self {
        self.algorithm = Arc::new(algorithm);
        self
    }

    /// Like [`with_algorithm`](Self::with_algorithm), with a shared algorithm.
    pub fn with_shared_algorithm(mut self, algorithm: Arc<dyn RatingAlgorithm>) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// How often the queue is ticked: more than zero and at most
    /// [`MAX_TICK_INTERVAL`](Self::MAX_TICK_INTERVAL) (one day), or
    /// [`MatchmakerBuilder::build`](crate::MatchmakerBuilder::build) refuses
    /// the settings.
    pub fn with_tick_interval(mut self, interval: Duration) -> Self {
        self.tick_interval = interval;
        self
    }

    /// Lower runs first when several queues are due at once.
    pub fn with_priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }

    /// The most matches one tick of this queue may make.
    pub fn with_max_matches_per_tick(mut self, max: usize) -> Self {
        self.max_matches_per_tick = max;
        self
    }

    /// Players must accept within `timeout` before a match starts: more than
    /// zero and at most [`MAX_READY_CHECK`](Self::MAX_READY_CHECK) (one day),
    /// or [`MatchmakerBuilder::build`](crate::MatchmakerBuilder::build)
    /// refuses the settings.
    pub fn with_ready_check(mut self, timeout: Duration) -> Self {
        self.ready_check = Some(timeout);
        self
    }

    /// Matches are ready at once, without a ready check, and so without a
    /// decline cooldown (nobody can decline): this clears one set before, and
    /// [`MatchmakerBuilder::build`](crate::MatchmakerBuilder::build) refuses
    /// one set after.
    pub fn without_ready_check(mut self) -> Self {
        self.ready_check = None;
        self.decline_cooldown = None;
        self
    }

    /// Players who decline or miss a ready check may not queue for `cooldown`:
    /// at most [`MAX_DECLINE_COOLDOWN`](Self::MAX_DECLINE_COOLDOWN) (365 days),
    /// and only on a queue with a ready check (without one nobody declines or
    /// misses it), or [`MatchmakerBuilder::build`](crate::MatchmakerBuilder::build)
    /// refuses the settings. Zero means no cooldown.
    pub fn with_decline_cooldown(mut self, cooldown: Duration) -> Self {
        self.decline_cooldown = (!cooldown.is_zero()).then_some(cooldown);
        self
    }

    /// Whether the tick loop runs this queue (joining works either way).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The queue's name.
    #[must_use]
    pub fn name(&self) -> &QueueName {
        self.config.name()
    }

    /// The queue's rules.
    #[must_use]
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// The rating ladder.
    #[must_use]
    pub fn ladder(&self) -> &Ladder {
        &self.ladder
    }

    /// The rating system.
    #[must_use]
    pub fn algorithm(&self) -> &Arc<dyn RatingAlgorithm> {
        &self.algorithm
    }

    /// How often the queue is ticked.
    #[must_use]
    pub fn tick_interval(&self) -> Duration {
        self.tick_interval
    }

    /// The ready-check timeout, if there is one.
    #[must_use]
    pub fn ready_check(&self) -> Option<Duration> {
        self.ready_check
    }

    /// The queue's priority (lower runs first when several are due).
    #[must_use]
    pub fn priority(&self) -> u8 {
        self.priority
    }

    /// The most matches one tick of this queue may make.
    #[must_use]
    pub fn max_matches_per_tick(&self) -> usize {
        self.max_matches_per_tick
    }

    /// How long players who declined or missed a ready check may not queue,
    /// if there is a cooldown.
    #[must_use]
    pub fn decline_cooldown(&self) -> Option<Duration> {
        self.decline_cooldown
    }

    /// Whether the tick loop runs this queue.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |msg: &str| {
            Err(Error::InvalidConfig(format!(
                "queue {}: {msg}",
                self.name()
            )))
        };
        // Beyond these limits the clock arithmetic (now + duration) could
        // leave chrono's range; none is a sensible setting anyway.
        let too_long = |setting: &str, value: Duration, limit: Duration, in_words: &str| {
            bad(&format!(
                "the {setting} ({} s) must be at most {in_words} ({} s)",
                value.as_secs(),
                limit.as_secs()
            ))
        };
        if self.tick_interval.is_zero() {
            return bad("the tick interval must be positive");
        }
        if self.tick_interval > Self::MAX_TICK_INTERVAL {
            return too_long(
                "tick interval",
                self.tick_interval,
                Self::MAX_TICK_INTERVAL,
                "one day",
            );
        }
        if self.max_matches_per_tick == 0 {
            return bad("max matches per tick must be at least 1");
        }
        if let Some(timeout) = self.ready_check {
            if timeout.is_zero() {
                return bad("the ready-check timeout must be positive");
            }
            if timeout > Self::MAX_READY_CHECK {
                return too_long(
                    "ready-check timeout",
                    timeout,
                    Self::MAX_READY_CHECK,
                    "one day",
                );
            }
        }
        if self.decline_cooldown.is_some() && self.ready_check.is_none() {
            return bad(
                "a decline cooldown needs a ready check (without one nobody declines or misses it)",
            );
        }
        if let Some(cooldown) = self.decline_cooldown
            && cooldown > Self::MAX_DECLINE_COOLDOWN
        {
            return too_long(
                "decline cooldown",
                cooldown,
                Self::MAX_DECLINE_COOLDOWN,
                "365 days",
            );
        }
        Ok(())
    }
}
