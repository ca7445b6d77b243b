//! How a transaction that lost a race is run again: how often, and how long
//! to wait before each new attempt.
//!
//! Run again at once, the losers of a race on a hot key meet the same
//! contention again; a short pause that doubles with each attempt, at a
//! random point of its range, spreads them out. The pauses are short next to
//! a call's round trips (1–2 ms before the second attempt) and bounded
//! (never above [`MAX_BACKOFF`]), so a call that keeps losing still fails
//! after at most about 0.4 s of pauses rather than waiting on.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::Duration;

/// How often a transaction that lost a race is run in all before the call
/// fails with [`matchforge_core::Error::Backend`].
pub(crate) const MAX_ATTEMPTS: u32 = 16;

/// The longest pause before the second attempt; each later one doubles it.
const FIRST_BACKOFF: Duration = Duration::from_millis(2);

/// The longest pause before any attempt.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_millis(32);

/// The pause after failed attempt `attempt` (1 for the first), given a
/// random `jitter`: between half of `FIRST_BACKOFF · 2^(attempt − 1)` (capped
/// at [`MAX_BACKOFF`]) and all of it, placed by `jitter`. A pause is never
/// shorter than the one before it, whatever the jitter (the range of one
/// attempt starts where the previous one's ends), until the cap.
#[must_use]
pub(crate) fn backoff(attempt: u32, jitter: u64) -> Duration {
    // Microseconds; 2^20 times the first pause is far past the cap, and
    // the shift cannot overflow.
    let first = FIRST_BACKOFF.as_micros() as u64;
    let cap = MAX_BACKOFF.as_micros() as u64;
    let ceiling = (first << attempt.saturating_sub(1).min(20)).min(cap);
    let floor = ceiling / 2;
    Duration::from_micros(floor + jitter % (ceiling - floor + 1))
}

/// A random number for [`backoff`], different on every call: the hash of
/// nothing under a new [`RandomState`] (seeded randomly per thread, and
/// stepped on every `new`). Not for anything but spreading pauses out.
#[must_use]
pub(crate) fn jitter() -> u64 {
    RandomState::new().build_hasher().finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jitters that reach both ends of every range and points between.
    const JITTERS: [u64; 7] = [0, 1, 499, 1000, 31_999, u64::MAX - 1, u64::MAX];

    /// The schedule, attempt by attempt: (shortest, longest) pause.
    fn bounds(attempt: u32) -> (Duration, Duration) {
        let ms = Duration::from_millis;
        match attempt {
            1 => (ms(1), ms(2)),
            2 => (ms(2), ms(4)),
            3 => (ms(4), ms(8)),
            4 => (ms(8), ms(16)),
            _ => (ms(16), ms(32)),
        }
    }

    /// Every pause lies in its attempt's range, both ends are reached, and
    /// no attempt (including far beyond the limit) exceeds the cap.
    #[test]
    fn pauses_stay_within_their_attempts_range() {
        for attempt in (1..=MAX_ATTEMPTS).chain([17, 64, 65, u32::MAX]) {
            let (low, high) = bounds(attempt);
            let pauses: Vec<Duration> = JITTERS.iter().map(|&j| backoff(attempt, j)).collect();
            for (&j, &pause) in JITTERS.iter().zip(&pauses) {
                assert!(
                    (low..=high).contains(&pause),
                    "attempt {attempt}, jitter {j}: {pause:?} outside {low:?}..={high:?}"
                );
                assert!(pause <= MAX_BACKOFF);
            }
            assert_eq!(pauses.iter().min(), Some(&low), "attempt {attempt}");
            assert_eq!(
                backoff(attempt, (high - low).as_micros() as u64),
                high,
                "attempt {attempt}: the longest pause is reachable"
            );
        }
    }

    /// Pauses grow with the attempt whatever the jitter: the shortest pause of
    /// an attempt is the longest of the one before, until the cap (from the
    /// fifth pause on, every range is the capped one); and the first pause
    /// is short.
    #[test]
    fn pauses_grow_until_the_cap() {
        assert!(backoff(1, u64::MAX) <= Duration::from_millis(2));
        for attempt in 1..5 {
            let longest_now = JITTERS.iter().map(|&j| backoff(attempt, j)).max();
            let shortest_next = JITTERS.iter().map(|&j| backoff(attempt + 1, j)).min();
            assert!(
                shortest_next >= longest_now,
                "attempt {}: {shortest_next:?} < {longest_now:?}",
                attempt + 1
            );
        }
        assert!(backoff(5, 0) > backoff(1, u64::MAX), "the pauses do grow");
        // All the pauses of one call, at their longest, stay well under a second.
        let worst: Duration = (1..MAX_ATTEMPTS).map(|a| bounds(a).1).sum();
        assert_eq!(worst, Duration::from_millis(382));
    }

    /// The jitter moves the pause: different jitters give different pauses
    /// within one attempt, and the random source does not repeat itself.
    #[test]
    fn pauses_are_jittered() {
        for attempt in 1..=MAX_ATTEMPTS {
            let mut pauses: Vec<Duration> = (0..64).map(|j| backoff(attempt, j)).collect();
            pauses.dedup();
            assert_eq!(pauses.len(), 64, "attempt {attempt}: one pause per jitter");
        }
        let mut drawn: Vec<u64> = (0..64).map(|_| jitter()).collect();
        drawn.sort_unstable();
        drawn.dedup();
        assert!(drawn.len() > 60, "jitter() repeats itself: {drawn:?}");
    }
}
