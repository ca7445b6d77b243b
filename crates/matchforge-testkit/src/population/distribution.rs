//! The random draws a population is made of.

use std::ops::RangeInclusive;

use matchforge_core::{Error, Result};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// How player ratings are spread.
///
/// ```
/// use matchforge_testkit::population::RatingDistribution;
///
/// assert!(RatingDistribution::uniform(1000.0, 2000.0).is_ok());
/// assert!(RatingDistribution::uniform(2000.0, 1000.0).is_err());
/// assert!(RatingDistribution::normal(1500.0, -1.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingDistribution(Shape);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Uniform { min: f64, max: f64 },
    Normal { mean: f64, std_dev: f64 },
}

impl RatingDistribution {
    /// Ratings drawn uniformly from `[min, max)` (exactly `min` when equal).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless both are finite and `min <= max`.
    pub fn uniform(min: f64, max: f64) -> Result<Self> {
        if !(min.is_finite() && max.is_finite() && min <= max) {
            return Err(Error::InvalidConfig(format!(
                "a uniform rating distribution needs finite min <= max, got [{min}, {max})"
            )));
        }
        Ok(Self(Shape::Uniform { min, max }))
    }

    /// Ratings drawn from a normal distribution (Box–Muller).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `mean` is finite and `std_dev` finite and
    /// non-negative.
    pub fn normal(mean: f64, std_dev: f64) -> Result<Self> {
        if !(mean.is_finite() && std_dev.is_finite() && std_dev >= 0.0) {
            return Err(Error::InvalidConfig(format!(
                "a normal rating distribution needs a finite mean and a finite, non-negative \
                 standard deviation, got {mean} ± {std_dev}"
            )));
        }
        Ok(Self(Shape::Normal { mean, std_dev }))
    }

    /// One rating.
    pub(crate) fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self.0 {
            Shape::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Shape::Normal { mean, std_dev } => mean + std_dev * standard_normal(rng),
        }
    }
}

impl Default for RatingDistribution {
    /// Normal around 1500 with a standard deviation of 300.
    fn default() -> Self {
        Self(Shape::Normal {
            mean: 1500.0,
            std_dev: 300.0,
        })
    }
}

/// A standard normal draw (Box–Muller, one of the pair).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Picks an index with probability proportional to its weight (weights are
/// validated: finite, non-negative, positive sum).
pub(crate) fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = total * rng.random::<f64>();
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// Checks a weight table: non-empty, finite, non-negative, positive sum.
pub(crate) fn check_weights(what: &str, weights: &[f64]) -> Result<()> {
    let total: f64 = weights.iter().sum();
    if weights.is_empty() || weights.iter().any(|w| !w.is_finite() || *w < 0.0) || total <= 0.0 {
        return Err(Error::InvalidConfig(format!(
            "{what} weights must be finite, non-negative and not all zero, got {weights:?}"
        )));
    }
    Ok(())
}

/// A draw from an inclusive range of `u32`.
pub(crate) fn in_range(rng: &mut ChaCha8Rng, range: &RangeInclusive<u32>) -> u32 {
    rng.random_range(range.clone())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn moments(d: RatingDistribution, n: usize) -> (f64, f64, f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (mean, var.sqrt(), min, max)
    }

    #[test]
    fn samples_have_the_asked_shape() {
        // (distribution, mean, std dev, lowest allowed, highest allowed)
        let cases = [
            (
                RatingDistribution::uniform(1000.0, 2000.0).unwrap(),
                1500.0,
                1000.0 / 12f64.sqrt(),
                1000.0,
                2000.0,
            ),
            (
                RatingDistribution::normal(1500.0, 300.0).unwrap(),
                1500.0,
                300.0,
                0.0,
                3000.0,
            ),
            (
                RatingDistribution::normal(800.0, 0.0).unwrap(),
                800.0,
                0.0,
                800.0,
                800.0,
            ),
        ];
        for (d, mean, sd, lo, hi) in cases {
            let (m, s, min, max) = moments(d, 20_000);
            assert!((m - mean).abs() < 10.0, "{d:?}: mean {m}");
            assert!((s - sd).abs() < 10.0, "{d:?}: std dev {s}");
            assert!(min >= lo && max <= hi, "{d:?}: range [{min}, {max}]");
        }
    }

    #[test]
    fn weighted_picks_follow_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let weights = [0.5, 0.0, 0.3, 0.2];
        let mut counts = [0usize; 4];
        for _ in 0..10_000 {
            counts[weighted(&mut rng, &weights)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never picked");
        for (i, w) in weights.iter().enumerate() {
            let share = counts[i] as f64 / 10_000.0;
            assert!(
                (share - w).abs() < 0.02,
                "index {i}: share {share}, weight {w}"
            );
        }
    }

    #[test]
    fn weight_tables_are_checked() {
        let cases: [(&[f64], bool); 5] = [
            (&[1.0], true),
            (&[0.0, 2.0], true),
            (&[], false),
            (&[0.0], false),
            (&[1.0, f64::NAN], false),
        ];
        for (weights, ok) in cases {
            assert_eq!(check_weights("test", weights).is_ok(), ok, "{weights:?}");
        }
    }
}
