//! Clocks: the runner reads time only through [`Clock`].

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Where the runner gets the time from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to: simulations and tests run on it, so
/// the same inputs give the same results.
///
/// ```
/// use std::time::Duration;
/// use chrono::{TimeZone, Utc};
/// use matchforge_runner::clock::{Clock, SimulatedClock};
///
/// let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let clock = SimulatedClock::new(start);
/// clock.advance(Duration::from_secs(90));
/// assert_eq!((clock.now() - start).num_seconds(), 90);
/// ```
#[derive(Debug)]
pub struct SimulatedClock {
    now: Mutex<DateTime<Utc>>,
}

impl SimulatedClock {
    /// A clock showing `start`.
    #[must_use]
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward by `by`, at most to the last time chrono can
    /// hold (`DateTime::<Utc>::MAX_UTC`).
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = crate::matchmaker::later(*now, by);
    }

    /// Sets the clock to `to` (never backwards: an earlier time is ignored).
    pub fn set(&self, to: DateTime<Utc>) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if to > *now {
            *now = to;
        }
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_simulated_clock_saturates_instead_of_panicking() {
        let start = Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap();
        let clock = SimulatedClock::new(start);
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now(), start + chrono::Duration::seconds(60));
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    }
}
