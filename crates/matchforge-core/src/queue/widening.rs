//! Limits that relax the longer a ticket waits.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A limit (a rating window, a numeric difference, a latency) that widens with the
/// time a ticket has waited.
///
/// Windows only ever widen: a [`Linear`](Widening::Linear) rate is non-negative
/// and capped at `max`, and [`Steps`](Widening::Steps) must not decrease. There
/// is always a finite cap, so no window grows without bound. The constructors
/// check this, and so does [`QueueSpec::build`](super::QueueSpec::build) (and
/// reading a [`QueueConfig`](super::QueueConfig)) for every limit of the
/// spec; a value built from the public variants or read on its own is checked
/// only there or by [`validate`](Self::validate).
///
/// ```
/// use std::time::Duration;
/// use matchforge_core::queue::Widening;
///
/// let w = Widening::linear(50.0, 5.0, 300.0)?;
/// assert_eq!(w.at(Duration::from_secs(0)), 50.0);
/// assert_eq!(w.at(Duration::from_secs(10)), 100.0);
/// assert_eq!(w.at(Duration::from_secs(600)), 300.0);
///
/// let s = Widening::steps([(0, 50.0), (30, 150.0), (90, 400.0)])?;
/// assert_eq!(s.at(Duration::from_secs(29)), 50.0);
/// assert_eq!(s.at(Duration::from_secs(30)), 150.0);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Widening {
    /// The same limit whatever the wait.
    Fixed {
        /// The limit.
        value: f64,
    },
    /// `initial + per_second × wait`, capped at `max`.
    Linear {
        /// The limit at zero wait.
        initial: f64,
        /// How much it grows per second of waiting.
        per_second: f64,
        /// The cap.
        max: f64,
    },
    /// A table: from `after_secs` seconds of waiting on, the limit is `value`.
    Steps {
        /// The thresholds, in increasing order, the first at 0 seconds.
        steps: Vec<WideningStep>,
    },
}

/// One threshold of [`Widening::Steps`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WideningStep {
    /// Seconds of waiting after which this value applies.
    pub after_secs: u64,
    /// The limit from then on.
    pub value: f64,
}

impl Widening {
    /// A limit that never changes.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `value` is negative or not finite.
    pub fn fixed(value: f64) -> Result<Self> {
        let w = Widening::Fixed { value };
        w.validate("limit")?;
        Ok(w)
    }

    /// A linear widening from `initial` at `per_second`, capped at `max`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for negative or non-finite numbers, or `max < initial`.
    pub fn linear(initial: f64, per_second: f64, max: f64) -> Result<Self> {
        let w = Widening::Linear {
            initial,
            per_second,
            max,
        };
        w.validate("limit")?;
        Ok(w)
    }

    /// A step table of `(after_secs, value)` pairs.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless the first step is at 0 s, thresholds
    /// increase, values are finite, non-negative and never decrease.
    pub fn steps(steps: impl IntoIterator<Item = (u64, f64)>) -> Result<Self> {
        let w = Widening::Steps {
            steps: steps
                .into_iter()
                .map(|(after_secs, value)| WideningStep { after_secs, value })
                .collect(),
        };
        w.validate("limit")?;
        Ok(w)
    }

    /// The limit after waiting `wait`.
    #[must_use]
    pub fn at(&self, wait: Duration) -> f64 {
        match self {
            Widening::Fixed { value } => *value,
            Widening::Linear {
                initial,
                per_second,
                max,
            } => (initial + per_second * wait.as_secs_f64()).min(*max),
            Widening::Steps { steps } => {
                let secs = wait.as_secs();
                let i = steps.partition_point(|s| s.after_secs <= secs);
                // An empty table (not valid, but the variant is public) is 0.
                steps.get(i.saturating_sub(1)).map_or(0.0, |s| s.value)
            }
        }
    }

    /// The limit at zero wait.
    #[must_use]
    pub fn initial(&self) -> f64 {
        self.at(Duration::ZERO)
    }

    /// The widest the limit ever gets.
    #[must_use]
    pub fn cap(&self) -> f64 {
        match self {
            Widening::Fixed { value } => *value,
            Widening::Linear { max, .. } => *max,
            Widening::Steps { steps } => steps.last().map_or(0.0, |s| s.value),
        }
    }

    /// Checks the numbers; `what` names the limit in the error.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] describing the first problem found.
    pub fn validate(&self, what: &str) -> Result<()> {
        let bad = |msg: String| Err(Error::InvalidConfig(format!("{what}: {msg}")));
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        match self {
            Widening::Fixed { value } => {
                if !ok(*value) {
                    return bad(format!("value {value} must be finite and non-negative"));
                }
            }
            Widening::Linear {
                initial,
                per_second,
                max,
            } => {
                for (name, v) in [
                    ("initial", initial),
                    ("per_second", per_second),
                    ("max", max),
                ] {
                    if !ok(*v) {
                        return bad(format!("{name} {v} must be finite and non-negative"));
                    }
                }
                if max < initial {
                    return bad(format!("max {max} is below initial {initial}"));
                }
            }
            Widening::Steps { steps } => {
                let Some(first) = steps.first() else {
                    return bad("a step table needs at least one step".into());
                };
                if first.after_secs != 0 {
                    return bad(format!(
                        "the first step must start at 0 s, not {} s",
                        first.after_secs
                    ));
                }
                for s in steps {
                    if !ok(s.value) {
                        return bad(format!(
                            "step value {} must be finite and non-negative",
                            s.value
                        ));
                    }
                }
                for pair in steps.windows(2) {
                    if pair[1].after_secs <= pair[0].after_secs {
                        return bad("step thresholds must increase".into());
                    }
                    if pair[1].value < pair[0].value {
                        return bad(format!(
                            "step values must not decrease ({} after {})",
                            pair[1].value, pair[0].value
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
