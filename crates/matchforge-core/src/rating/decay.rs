//! Rating decay for inactive players.
//!
//! Decay is a pure function of **the rating as of the player's last game**, the
//! time of that game and `now`. Store the rating as it was after the last game and
//! compute the decayed view whenever it is needed; never write the decayed value
//! back and decay it again. That makes decay idempotent by construction: asking
//! twice at the same `now` gives the same answer, and asking later gives the
//! total decay since the last game, not decay on top of decay.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::numeric::rating_out;
use super::value::Rating;
use crate::error::{Error, Result};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// How a rating decays while a player is inactive.
///
/// Implementations are pure functions of **the rating as of the player's last
/// game**, the time of that game and `now`. Store the rating as it was after the
/// last game and compute the decayed view whenever it is needed; never write the
/// decayed value back and decay it again. That makes decay idempotent by
/// construction: asking twice at the same `now` gives the same answer, and asking
/// later gives the total decay since the last game, not decay on top of decay.
pub trait DecayStrategy: Send + Sync + fmt::Debug {
    /// The rating to use at `now` for a player whose last game was at
    /// `last_game`, when their rating after that game was `rating_at_last_game`.
    fn decayed(
        &self,
        rating_at_last_game: Rating,
        last_game: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Rating;
}

/// No decay: ratings stay as they are.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::rating::{DecayStrategy, NoDecay, Rating};
///
/// let r = Rating::default();
/// let then = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// assert_eq!(NoDecay.decayed(r, then, now), r);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoDecay;

impl DecayStrategy for NoDecay {
    fn decayed(&self, rating: Rating, _last_game: DateTime<Utc>, _now: DateTime<Utc>) -> Rating {
        rating
    }
}

/// Linear, bounded decay: after a grace period the rating falls by `per_day`
/// points a day (continuously, pro rata), by at most `max_total` in all, and never
/// below `floor` (a rating already below the floor is not raised). Optionally the
/// deviation grows by `deviation_per_day` from the same moment, up to
/// `max_deviation` (a deviation already above the cap is not lowered).
///
/// Defaults: 1 point a day after a 14-day grace period, at most 100 points, no
/// floor, no deviation growth.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use matchforge_core::rating::{DecayStrategy, LinearDecay, Rating};
///
/// let decay = LinearDecay::new(5.0, 100.0)?
///     .with_grace_days(7.0)?
///     .with_floor(1450.0)?
///     .with_deviation_growth(2.0, 250.0)?;
/// let last = Utc.with_ymd_and_hms(2024, 5, 1, 18, 0, 0).unwrap();
/// let r = Rating::new(1500.0, 200.0, 0.06)?;
/// // Within the grace period nothing changes.
/// assert_eq!(decay.decayed(r, last, last + Duration::days(7)), r);
/// // Three days later: 15 points and 6 RD.
/// let d = decay.decayed(r, last, last + Duration::days(10));
/// assert_eq!((d.rating(), d.deviation()), (1485.0, 206.0));
/// // Much later: stopped by the floor (1450) and the deviation cap (250).
/// let d = decay.decayed(r, last, last + Duration::days(400));
/// assert_eq!((d.rating(), d.deviation()), (1450.0, 250.0));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LinearDecayParams", into = "LinearDecayParams")]
pub struct LinearDecay {
    per_day: f64,
    max_total: f64,
    grace_days: f64,
    floor: Option<f64>,
    deviation_per_day: f64,
    max_deviation: Option<f64>,
}

impl Default for LinearDecay {
    fn default() -> Self {
        Self {
            per_day: 1.0,
            max_total: 100.0,
            grace_days: 14.0,
            floor: None,
            deviation_per_day: 0.0,
            max_deviation: None,
        }
    }
}

impl LinearDecay {
    /// Decay of `per_day` points a day, at most `max_total` in all, after the
    /// default 14-day grace period.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless both are finite and non-negative.
    pub fn new(per_day: f64, max_total: f64) -> Result<Self> {
        Ok(Self {
            per_day: Error::check_non_negative("decay per day", per_day)?,
            max_total: Error::check_non_negative("maximum total decay", max_total)?,
            ..Self::default()
        })
    }

    /// The same decay with a grace period of `days` (fractions allowed).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite and non-negative.
    pub fn with_grace_days(self, days: f64) -> Result<Self> {
        Ok(Self {
            grace_days: Error::check_non_negative("decay grace period (days)", days)?,
            ..self
        })
    }

    /// The same decay, never taking a rating below `floor`.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite.
    pub fn with_floor(self, floor: f64) -> Result<Self> {
        Ok(Self {
            floor: Some(Error::check_finite("decay floor", floor)?),
            ..self
        })
    }

    /// The same decay, also growing the deviation by `per_day` a day up to `cap`.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless both are finite and non-negative.
    pub fn with_deviation_growth(self, per_day: f64, cap: f64) -> Result<Self> {
        Ok(Self {
            deviation_per_day: Error::check_non_negative("deviation growth per day", per_day)?,
            max_deviation: Some(Error::check_non_negative("maximum decayed deviation", cap)?),
            ..self
        })
    }
}

/// [`LinearDecay`] as a free function: the rating at `now` of a player whose
/// last game was at `last_game`, with `rating` their rating after that game.
/// `now` before `last_game` counts as no time at all. `games` is unchanged.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use matchforge_core::rating::{LinearDecay, Rating, linear_decay};
///
/// let config = LinearDecay::new(2.0, 30.0)?.with_grace_days(0.0)?;
/// let last = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let r = Rating::new(1600.0, 80.0, 0.06)?;
/// assert_eq!(linear_decay(&r, last, last + Duration::hours(36), &config).rating(), 1597.0);
/// assert_eq!(linear_decay(&r, last, last + Duration::days(365), &config).rating(), 1570.0);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn linear_decay(
    rating: &Rating,
    last_game: DateTime<Utc>,
    now: DateTime<Utc>,
    config: &LinearDecay,
) -> Rating {
    let elapsed = now.signed_duration_since(last_game);
    let days = elapsed.num_milliseconds().max(0) as f64 / 1000.0 / SECONDS_PER_DAY;
    let inactive = (days - config.grace_days).max(0.0);
    if inactive == 0.0 {
        return *rating;
    }
    let r = rating.rating();
    let decayed = r - (config.per_day * inactive).min(config.max_total);
    let new_rating = match config.floor {
        Some(floor) => decayed.max(floor.min(r)),
        None => decayed,
    };
    let d = rating.deviation();
    let new_deviation = match config.max_deviation {
        Some(cap) => (d + config.deviation_per_day * inactive).min(cap).max(d),
        None => d,
    };
    rating_out(
        new_rating,
        new_deviation,
        rating.volatility(),
        rating.games(),
    )
}

impl DecayStrategy for LinearDecay {
    fn decayed(
        &self,
        rating_at_last_game: Rating,
        last_game: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Rating {
        linear_decay(&rating_at_last_game, last_game, now, self)
    }
}

/// The serialised form of [`LinearDecay`]; every field is optional on input.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LinearDecayParams {
    per_day: f64,
    max_total: f64,
    grace_days: f64,
    floor: Option<f64>,
    deviation_per_day: f64,
    max_deviation: Option<f64>,
}

impl Default for LinearDecayParams {
    fn default() -> Self {
        LinearDecay::default().into()
    }
}

impl From<LinearDecay> for LinearDecayParams {
    fn from(d: LinearDecay) -> Self {
        Self {
            per_day: d.per_day,
            max_total: d.max_total,
            grace_days: d.grace_days,
            floor: d.floor,
            deviation_per_day: d.deviation_per_day,
            max_deviation: d.max_deviation,
        }
    }
}

impl TryFrom<LinearDecayParams> for LinearDecay {
    type Error = Error;

    fn try_from(p: LinearDecayParams) -> Result<Self> {
        let mut d = LinearDecay::new(p.per_day, p.max_total)?.with_grace_days(p.grace_days)?;
        if let Some(floor) = p.floor {
            d = d.with_floor(floor)?;
        }
        match p.max_deviation {
            Some(cap) => d.with_deviation_growth(p.deviation_per_day, cap),
            None if p.deviation_per_day == 0.0 => Ok(d),
            None => Err(Error::InvalidConfig(
                "deviation_per_day needs max_deviation (deviation growth must be capped)".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::days(day)
    }

    #[test]
    fn decay_table() {
        let config = LinearDecay::new(2.0, 50.0)
            .unwrap()
            .with_grace_days(10.0)
            .unwrap()
            .with_floor(1000.0)
            .unwrap()
            .with_deviation_growth(1.0, 120.0)
            .unwrap();
        // (rating, deviation, days since the last game, expected rating, expected deviation)
        let cases = [
            (1500.0, 100.0, -5, 1500.0, 100.0),
            (1500.0, 100.0, 0, 1500.0, 100.0),
            (1500.0, 100.0, 10, 1500.0, 100.0),
            (1500.0, 100.0, 11, 1498.0, 101.0),
            (1500.0, 100.0, 30, 1460.0, 120.0),
            (1500.0, 100.0, 3650, 1450.0, 120.0),
            (1010.0, 100.0, 3650, 1000.0, 120.0),
            // Below the floor already: not raised. Above the cap already: not lowered.
            (900.0, 150.0, 3650, 900.0, 150.0),
        ];
        for (r, d, days, er, ed) in cases {
            let rating = Rating::new(r, d, 0.06).unwrap().with_games(7);
            let got = config.decayed(rating, at(0), at(days));
            assert_eq!(
                (got.rating(), got.deviation(), got.games()),
                (er, ed, 7),
                "{r} {d} {days}"
            );
        }
    }

    #[test]
    fn no_deviation_growth_unless_configured() {
        let r = Rating::default();
        let got = LinearDecay::default().decayed(r, at(0), at(1000));
        assert_eq!((got.rating(), got.deviation()), (1400.0, 350.0));
    }

    #[test]
    fn rejects_bad_configs() {
        assert!(LinearDecay::new(-1.0, 10.0).is_err());
        assert!(LinearDecay::new(1.0, f64::INFINITY).is_err());
        assert!(LinearDecay::default().with_grace_days(-1.0).is_err());
        assert!(LinearDecay::default().with_floor(f64::NAN).is_err());
        assert!(
            LinearDecay::default()
                .with_deviation_growth(1.0, -5.0)
                .is_err()
        );
        assert!(serde_json::from_str::<LinearDecay>(r#"{"deviation_per_day": 1.0}"#).is_err());
        let d = LinearDecay::new(3.0, 30.0)
            .unwrap()
            .with_floor(900.0)
            .unwrap();
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<LinearDecay>(&json).unwrap(), d);
    }
}
