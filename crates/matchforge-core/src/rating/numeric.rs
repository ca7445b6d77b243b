//! Small numeric helpers shared by the rating algorithms.
//!
//! They exist so that every algorithm guards the same corners the same way:
//! means that cannot overflow, a logistic that saturates instead of producing
//! NaN, a normal CDF (std has no stable `erf`), and outputs that saturate at the
//! largest finite `f64` rather than becoming infinite.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use super::value::Rating;

/// Clamps `x` to the finite range. NaN never reaches this function: every
/// algorithm computes its outputs so that NaN cannot arise from finite inputs
/// (the property tests check it), and a debug assertion keeps that promise honest.
pub(crate) fn saturate(x: f64) -> f64 {
    debug_assert!(!x.is_nan(), "NaN reached saturate");
    x.clamp(-f64::MAX, f64::MAX)
}

/// A rating built from computed numbers, saturated to the finite range (and
/// deviation/volatility to non-negative values).
pub(crate) fn rating_out(rating: f64, deviation: f64, volatility: f64, games: u32) -> Rating {
    Rating::from_parts(
        saturate(rating),
        saturate(deviation).max(0.0),
        saturate(volatility).max(0.0),
        games,
    )
}

/// The arithmetic mean, computed as a sum of `x / n` so it cannot overflow for
/// finite inputs. Near the largest float the sum of the parts can still round
/// past it (three times `f64::MAX / 3`); such a sum is brought back between
/// the smallest and largest value. A finite sum is returned as it is, so every
/// other mean keeps its last bit. `values` must not be empty.
pub(crate) fn mean(values: impl ExactSizeIterator<Item = f64> + Clone) -> f64 {
    let n = values.len() as f64;
    let sum: f64 = values.clone().map(|x| x / n).sum();
    if sum.is_finite() {
        return sum;
    }
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    sum.clamp(lo, hi)
}

/// The root mean square, scaled by the largest magnitude so it cannot overflow.
/// `values` must not be empty; the result lies between the smallest and the
/// largest magnitude.
pub(crate) fn root_mean_square(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let largest = values.clone().fold(0.0_f64, |m, x| m.max(x.abs()));
    if largest == 0.0 {
        return 0.0;
    }
    let (sum, n) = values.fold((0.0, 0.0), |(s, n), x| {
        let r = x / largest;
        (s + r * r, n + 1.0)
    });
    largest * (sum / n).sqrt()
}

/// The logistic function `1 / (1 + e^-z)`; 0 or 1 at the extremes, never NaN
/// for a non-NaN `z`.
pub(crate) fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The standard normal CDF Φ(x), to about 1e-15 absolute and relative accuracy
/// in the tails (series for the error function near zero, a continued fraction
/// for the complementary error function further out).
pub(crate) fn normal_cdf(x: f64) -> f64 {
    let z = x * FRAC_1_SQRT_2;
    if z >= 0.0 {
        1.0 - 0.5 * erfc_non_negative(z)
    } else {
        0.5 * erfc_non_negative(-z)
    }
}

/// erfc(z) for `z >= 0`.
fn erfc_non_negative(z: f64) -> f64 {
    debug_assert!(z >= 0.0);
    if z < 2.0 {
        1.0 - erf_series(z)
    } else {
        erfc_continued_fraction(z)
    }
}

/// erf(z) by its Maclaurin series; accurate to about 1e-16 for |z| < 2.
fn erf_series(z: f64) -> f64 {
    let z2 = z * z;
    // term_n = (-1)^n z^(2n+1) / n!
    let mut term = z;
    let mut sum = z;
    let mut n = 0.0;
    loop {
        n += 1.0;
        term *= -z2 / n;
        let contribution = term / (2.0 * n + 1.0);
        sum += contribution;
        if contribution.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    sum * 2.0 / PI.sqrt()
}

/// erfc(z) for `z >= 2` by the continued fraction
/// `e^-z² / √π · 1 / (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...))))`,
/// evaluated bottom-up with enough terms for full precision at `z >= 2`.
fn erfc_continued_fraction(z: f64) -> f64 {
    const TERMS: u32 = 60;
    let mut t = z;
    for k in (1..=TERMS).rev() {
        t = z + (f64::from(k) / 2.0) / t;
    }
    (-z * z).exp() / PI.sqrt() / t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_reference_values() {
        // Reference values: 0.5 * math.erfc(-x / sqrt(2)) in Python.
        let cases = [
            (0.0, 0.5),
            (0.5, 0.691_462_461_274_013_1),
            (1.0, 0.841_344_746_068_542_9),
            (-1.0, 0.158_655_253_931_457_07),
            (2.5, 0.993_790_334_674_223_8),
            (-2.0, 0.022_750_131_948_179_22),
            (3.0, 0.998_650_101_968_369_9),
            (-5.0, 2.866_515_718_791_946e-7),
            (-10.0, 7.619_853_024_160_593e-24),
        ];
        for (x, expected) in cases {
            let got = normal_cdf(x);
            assert!(
                (got - expected).abs() <= 1e-15 + 1e-12 * expected,
                "Φ({x}) = {got}, expected {expected}"
            );
        }
        assert_eq!(normal_cdf(-40.0), 0.0);
        assert_eq!(normal_cdf(40.0), 1.0);
    }

    #[test]
    fn normal_cdf_is_symmetric() {
        for i in -80..=80 {
            let x = f64::from(i) / 10.0;
            assert!((normal_cdf(x) + normal_cdf(-x) - 1.0).abs() < 1e-15, "{x}");
        }
    }

    #[test]
    fn mean_and_rms_do_not_overflow() {
        assert_eq!(mean([f64::MAX, f64::MAX].into_iter()), f64::MAX);
        // Three thirds of the largest float add up past it.
        assert_eq!(mean([f64::MAX; 3].into_iter()), f64::MAX);
        assert_eq!(mean([-f64::MAX; 3].into_iter()), -f64::MAX);
        assert_eq!(mean([1.0, 2.0, 6.0].into_iter()), 3.0);
        let rms = root_mean_square([f64::MAX, f64::MAX].into_iter());
        assert!(rms.is_finite() && rms > 1e307);
        assert_eq!(root_mean_square([3.0, 4.0].into_iter()), 12.5_f64.sqrt());
        assert_eq!(root_mean_square([0.0, 0.0].into_iter()), 0.0);
    }

    #[test]
    fn logistic_saturates() {
        assert_eq!(logistic(1e6), 1.0);
        assert_eq!(logistic(-1e6), 0.0);
        assert_eq!(logistic(0.0), 0.5);
    }
}
