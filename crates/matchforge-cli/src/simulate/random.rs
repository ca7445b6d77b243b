//! Seeded randomness: one master seed, one ChaCha8 stream per purpose, and the
//! few distributions the simulation draws from.
//!
//! Each purpose has its own stream of the same seed, so drawing more of one
//! kind (say, more arrivals) never shifts the numbers of another (results).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is used for; the discriminant is the ChaCha stream number.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stream {
    /// The population: true skills, regions, latencies, roles.
    Population = 1,
    /// Arrival times, who arrives, party sizes.
    Arrivals = 2,
    /// Ready-check answers, breaks, match lengths, session lengths.
    Behaviour = 3,
    /// Match results.
    Results = 4,
}

/// A seeded generator for one purpose.
#[derive(Debug, Clone)]
pub(super) struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// The stream `stream` of `seed`.
    pub(super) fn new(seed: u64, stream: Stream) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream as u64);
        Self { rng }
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// Uniform in `(0, 1]`: safe to take the logarithm of.
    fn open_unit(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// Uniform in `[lo, hi)`.
    pub(super) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform index in `0..n` (`n > 0`).
    pub(super) fn index(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    /// `true` with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Normal with the given mean and standard deviation (Box-Muller).
    pub(super) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let (u, v) = (self.open_unit(), self.unit());
        mean + sd * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Exponential with the given mean.
    pub(super) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.open_unit().ln()
    }

    /// Standard Gumbel: ranking by `x / c + gumbel()` is a Plackett-Luce draw
    /// with weights `e^(x / c)`.
    pub(super) fn gumbel(&mut self) -> f64 {
        -(-self.open_unit().ln()).ln()
    }

    /// An index drawn with the given (non-negative) weights.
    pub(super) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(mut f: impl FnMut() -> f64) -> (f64, f64) {
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| f()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn distributions_have_their_moments() {
        let mut d = Draw::new(7, Stream::Population);
        let (mean, sd) = moments(|| d.normal(1500.0, 300.0));
        assert!(
            (mean - 1500.0).abs() < 3.0 && (sd - 300.0).abs() < 3.0,
            "{mean} {sd}"
        );
        let (mean, _) = moments(|| d.exponential(4.0));
        assert!((mean - 4.0).abs() < 0.05, "{mean}");
        // The Gumbel mean is the Euler-Mascheroni constant, its sd π/√6.
        let (mean, sd) = moments(|| d.gumbel());
        assert!(
            (mean - 0.5772).abs() < 0.01 && (sd - 1.2825).abs() < 0.01,
            "{mean} {sd}"
        );
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let draws = |seed, stream| {
            let mut d = Draw::new(seed, stream);
            (0..4).map(|_| d.unit()).collect::<Vec<_>>()
        };
        assert_eq!(draws(1, Stream::Results), draws(1, Stream::Results));
        assert_ne!(draws(1, Stream::Results), draws(1, Stream::Arrivals));
        assert_ne!(draws(1, Stream::Results), draws(2, Stream::Results));
    }

    #[test]
    fn weighted_follows_the_weights() {
        let mut d = Draw::new(3, Stream::Arrivals);
        let mut counts = [0u32; 3];
        for _ in 0..60_000 {
            counts[d.weighted(&[1.0, 0.0, 2.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((f64::from(counts[2]) / f64::from(counts[0]) - 2.0).abs() < 0.1);
    }
}
