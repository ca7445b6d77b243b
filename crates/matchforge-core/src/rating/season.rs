//! Competitive seasons: a schedule that says which season an instant falls in and
//! whether a reset is due, and the resets themselves. Time is always a parameter.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::numeric::rating_out;
use super::value::Rating;
use crate::error::{Error, Result};

/// One season of a [`SeasonSchedule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Season {
    index: u64,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

impl Season {
    /// The season's number, 0 for the first.
    #[must_use]
    pub const fn index(&self) -> u64 {
        self.index
    }

    /// When the season starts (inclusive).
    #[must_use]
    pub const fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// When the season ends (exclusive; the next season's start), or `None` for
    /// the open-ended last season of an explicit list.
    #[must_use]
    pub const fn end(&self) -> Option<DateTime<Utc>> {
        self.end
    }
}

/// When seasons start: either fixed-length seasons from an epoch, or an explicit
/// list of season starts (the last season then never ends).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use matchforge_core::rating::SeasonSchedule;
///
/// let epoch = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let schedule = SeasonSchedule::fixed(epoch, Duration::days(90))?;
/// let day = |d| epoch + Duration::days(d);
/// assert_eq!(schedule.season_at(day(-1)), None); // before the first season
/// assert_eq!(schedule.season_at(day(0)).unwrap().index(), 0);
/// assert_eq!(schedule.season_at(day(95)).unwrap().start(), day(90));
/// assert!(schedule.reset_due(day(80), day(90))); // season 1 starts at day 90
/// assert!(!schedule.reset_due(day(90), day(179)));
/// assert_eq!(schedule.resets_between(day(10), day(400)), 4);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeasonSchedule {
    kind: ScheduleKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ScheduleKind {
    Fixed {
        epoch: DateTime<Utc>,
        length: TimeDelta,
    },
    Starts(Vec<DateTime<Utc>>),
}

impl SeasonSchedule {
    /// Seasons of `length` back to back, the first starting at `epoch`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `length` is positive.
    pub fn fixed(epoch: DateTime<Utc>, length: TimeDelta) -> Result<Self> {
        if length <= TimeDelta::zero() {
            return Err(Error::InvalidConfig(format!(
                "season length must be positive, got {length}"
            )));
        }
        Ok(Self {
            kind: ScheduleKind::Fixed { epoch, length },
        })
    }

    /// Seasons starting at each of `starts`; the last one never ends.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `starts` is empty or not strictly increasing.
    pub fn starts(starts: Vec<DateTime<Utc>>) -> Result<Self> {
        if starts.is_empty() {
            return Err(Error::InvalidConfig(
                "a season schedule needs at least one start".into(),
            ));
        }
        if let Some(w) = starts.windows(2).find(|w| w[0] >= w[1]) {
            return Err(Error::InvalidConfig(format!(
                "season starts must strictly increase ({} is followed by {})",
                w[0], w[1]
            )));
        }
        Ok(Self {
            kind: ScheduleKind::Starts(starts),
        })
    }

    /// The season `instant` falls in, or `None` before the first season starts.
    #[must_use]
    pub fn season_at(&self, instant: DateTime<Utc>) -> Option<Season> {
        let started = self.starts_up_to(instant);
        let index = started.checked_sub(1)?;
        Some(Season {
            index,
            start: self.start_of(index)?,
            end: index.checked_add(1).and_then(|next| self.start_of(next)),
        })
    }

    /// Whether a season starts after `last` and no later than `now`, i.e. a
    /// rating last reset (or last played) at `last` must be reset before use at
    /// `now`.
    #[must_use]
    pub fn reset_due(&self, last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.resets_between(last, now) > 0
    }

    /// How many seasons start after `from` and no later than `to` (0 if `to` is
    /// not after `from`).
    #[must_use]
    pub fn resets_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
        if to <= from {
            return 0;
        }
        self.starts_up_to(to) - self.starts_up_to(from)
    }

    /// The number of season starts at or before `instant`.
    fn starts_up_to(&self, instant: DateTime<Utc>) -> u64 {
        match &self.kind {
            ScheduleKind::Fixed { epoch, length } => {
                if instant < *epoch {
                    return 0;
                }
                let elapsed = nanos(instant.signed_duration_since(*epoch));
                u64::try_from(elapsed / nanos(*length) + 1).unwrap_or(u64::MAX)
            }
            ScheduleKind::Starts(starts) => starts.partition_point(|s| *s <= instant) as u64,
        }
    }

    /// When season `index` starts, if it exists and is representable.
    fn start_of(&self, index: u64) -> Option<DateTime<Utc>> {
        match &self.kind {
            ScheduleKind::Fixed { epoch, length } => {
                let offset = nanos(*length).checked_mul(i128::from(index))?;
                let total = nanos(epoch.signed_duration_since(DateTime::UNIX_EPOCH)) + offset;
                let secs = i64::try_from(total.div_euclid(1_000_000_000)).ok()?;
                let sub = u32::try_from(total.rem_euclid(1_000_000_000)).ok()?;
                DateTime::from_timestamp(secs, sub)
            }
            ScheduleKind::Starts(starts) => starts.get(usize::try_from(index).ok()?).copied(),
        }
    }
}

fn nanos(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * 1_000_000_000 + i128::from(d.subsec_nanos())
}

/// What a season reset does to a rating.
///
/// A reset is not idempotent: a [`SoftReset`] applied twice moves the rating
/// twice. Apply it once per season start, when
/// [`SeasonSchedule::reset_due`]`(last_reset, now)` says so, and record `now` as
/// the new `last_reset`; [`SeasonSchedule::resets_between`] counts the season
/// starts a returning player missed, for a game that resets once per season
/// rather than once per return. A clock that goes backwards (`now` ≤
/// `last_reset`) never makes a reset due.
pub trait SeasonReset: Send + Sync + fmt::Debug {
    /// The rating a player starts the new season with.
    fn reset(&self, rating: Rating) -> Rating;
}

/// What a [`SoftReset`] does to the deviation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviationReset {
    /// Leave it unchanged.
    Keep,
    /// Set it to this value.
    Set(f64),
    /// Raise it to this value if it is lower (never lower it).
    RaiseTo(f64),
}

/// Soft reset: move every rating `fraction` of the way toward `target` (0 keeps
/// it, 1 resets it to the target) and adjust the deviation; volatility and games
/// are kept.
///
/// Defaults (on the Elo/Glicko scale): halfway toward 1500, deviation raised to
/// 200 so the new season's first games count more.
///
/// ```
/// use matchforge_core::rating::{DeviationReset, Rating, SeasonReset, SoftReset};
///
/// let reset = SoftReset::new(1500.0, 0.25)?.with_deviation(DeviationReset::RaiseTo(150.0))?;
/// let r = Rating::new(2100.0, 60.0, 0.06)?.with_games(300);
/// let new = reset.reset(r);
/// assert_eq!((new.rating(), new.deviation(), new.games()), (1950.0, 150.0, 300));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SoftResetParams", into = "SoftResetParams")]
pub struct SoftReset {
    target: f64,
    fraction: f64,
    deviation: DeviationReset,
}

impl Default for SoftReset {
    fn default() -> Self {
        Self {
            target: 1500.0,
            fraction: 0.5,
            deviation: DeviationReset::RaiseTo(200.0),
        }
    }
}

impl SoftReset {
    /// A soft reset `fraction` of the way toward `target`, deviation kept.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless `target` is finite and `fraction` in [0, 1].
    pub fn new(target: f64, fraction: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(Error::InvalidNumber {
                what: "soft reset fraction",
                value: fraction,
                expected: "must be between 0 and 1",
            });
        }
        Ok(Self {
            target: Error::check_finite("soft reset target", target)?,
            fraction,
            deviation: DeviationReset::Keep,
        })
    }

    /// The same reset with a deviation rule.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless the value is finite and non-negative.
    pub fn with_deviation(self, deviation: DeviationReset) -> Result<Self> {
        if let DeviationReset::Set(d) | DeviationReset::RaiseTo(d) = deviation {
            Error::check_non_negative("reset deviation", d)?;
        }
        Ok(Self { deviation, ..self })
    }
}

/// [`SoftReset`] as a free function.
///
/// ```
/// use matchforge_core::rating::{Rating, SoftReset, soft_reset};
///
/// let r = Rating::new(1100.0, 100.0, 0.06)?;
/// assert_eq!(soft_reset(&r, &SoftReset::new(1500.0, 0.5)?).rating(), 1300.0);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn soft_reset(rating: &Rating, config: &SoftReset) -> Rating {
    let r = rating.rating();
    // A weighted mean rather than r + f·(target − r): exact at both ends, and
    // target − r cannot overflow to ∞ (which f = 0 would turn into NaN).
    let new_rating = (1.0 - config.fraction) * r + config.fraction * config.target;
    let d = rating.deviation();
    let new_deviation = match config.deviation {
        DeviationReset::Keep => d,
        DeviationReset::Set(value) => value,
        DeviationReset::RaiseTo(value) => d.max(value),
    };
    rating_out(
        new_rating,
        new_deviation,
        rating.volatility(),
        rating.games(),
    )
}

impl SeasonReset for SoftReset {
    fn reset(&self, rating: Rating) -> Rating {
        soft_reset(&rating, self)
    }
}

/// Hard reset: everyone starts the season at the same rating, with no games on
/// record (provisional schedules apply again).
///
/// Serialised as `{"rating": {...}}`; the field is optional on input (the
/// default [`Rating`]) and any `games` in it are cleared, as by [`HardReset::new`].
///
/// ```
/// use matchforge_core::rating::{HardReset, Rating, SeasonReset};
///
/// let reset = HardReset::new(Rating::new(1200.0, 350.0, 0.06)?);
/// let new = reset.reset(Rating::new(2400.0, 40.0, 0.05)?.with_games(900));
/// assert_eq!((new.rating(), new.deviation(), new.games()), (1200.0, 350.0, 0));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "HardResetParams")]
pub struct HardReset {
    rating: Rating,
}

impl HardReset {
    /// A hard reset to `rating` (its `games` are cleared).
    #[must_use]
    pub const fn new(rating: Rating) -> Self {
        Self {
            rating: rating.with_games(0),
        }
    }
}

impl SeasonReset for HardReset {
    fn reset(&self, _rating: Rating) -> Rating {
        self.rating
    }
}

/// The deserialised form of [`HardReset`].
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct HardResetParams {
    rating: Rating,
}

impl From<HardResetParams> for HardReset {
    fn from(p: HardResetParams) -> Self {
        HardReset::new(p.rating)
    }
}

/// The serialised form of [`SoftReset`].
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SoftResetParams {
    target: f64,
    fraction: f64,
    deviation: DeviationReset,
}

impl Default for SoftResetParams {
    fn default() -> Self {
        SoftReset::default().into()
    }
}

impl From<SoftReset> for SoftResetParams {
    fn from(s: SoftReset) -> Self {
        Self {
            target: s.target,
            fraction: s.fraction,
            deviation: s.deviation,
        }
    }
}

impl TryFrom<SoftResetParams> for SoftReset {
    type Error = Error;

    fn try_from(p: SoftResetParams) -> Result<Self> {
        SoftReset::new(p.target, p.fraction)?.with_deviation(p.deviation)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::days(d)
    }

    #[test]
    fn fixed_schedule_table() {
        let schedule = SeasonSchedule::fixed(day(0), Duration::days(30)).unwrap();
        // (instant, expected season index, start, end)
        let cases = [
            (-1, None),
            (0, Some((0, 0, 30))),
            (29, Some((0, 0, 30))),
            (30, Some((1, 30, 60))),
            (365, Some((12, 360, 390))),
        ];
        for (d, expected) in cases {
            let got = schedule
                .season_at(day(d))
                .map(|s| (s.index(), s.start(), s.end()));
            let expected = expected.map(|(i, s, e)| (i, day(s), Some(day(e))));
            assert_eq!(got, expected, "day {d}");
        }
        // (from, to, resets)
        for (from, to, n) in [
            (-10, -1, 0),
            (-10, 0, 1),
            (0, 29, 0),
            (29, 30, 1),
            (30, 29, 0),
            (10, 100, 3),
        ] {
            assert_eq!(
                schedule.resets_between(day(from), day(to)),
                n,
                "{from}..{to}"
            );
            assert_eq!(schedule.reset_due(day(from), day(to)), n > 0);
        }
    }

    #[test]
    fn explicit_starts_table() {
        let schedule = SeasonSchedule::starts(vec![day(0), day(10), day(100)]).unwrap();
        let cases = [
            (-1, None),
            (0, Some((0, 0, Some(10)))),
            (10, Some((1, 10, Some(100)))),
            (5000, Some((2, 100, None))),
        ];
        for (d, expected) in cases {
            let got = schedule
                .season_at(day(d))
                .map(|s| (s.index(), s.start(), s.end()));
            let expected = expected.map(|(i, s, e)| (i, day(s), e.map(day)));
            assert_eq!(got, expected, "day {d}");
        }
        assert_eq!(schedule.resets_between(day(-5), day(5000)), 3);
        assert!(!schedule.reset_due(day(100), day(5000)));
    }

    #[test]
    fn rejects_bad_schedules_and_resets() {
        assert!(SeasonSchedule::fixed(day(0), Duration::zero()).is_err());
        assert!(SeasonSchedule::fixed(day(0), Duration::days(-1)).is_err());
        assert!(SeasonSchedule::starts(vec![]).is_err());
        assert!(SeasonSchedule::starts(vec![day(1), day(1)]).is_err());
        assert!(SoftReset::new(1500.0, 1.5).is_err());
        assert!(SoftReset::new(f64::NAN, 0.5).is_err());
        assert!(
            SoftReset::default()
                .with_deviation(DeviationReset::Set(-1.0))
                .is_err()
        );
        assert!(serde_json::from_str::<SoftReset>(r#"{"fraction": 2}"#).is_err());
    }

    #[test]
    fn hard_reset_serde_clears_games_and_refuses_unknown_fields() {
        let reset = HardReset::new(Rating::new(1200.0, 350.0, 0.06).unwrap());
        let json = serde_json::to_string(&reset).unwrap();
        assert_eq!(serde_json::from_str::<HardReset>(&json).unwrap(), reset);
        let with_games =
            r#"{"rating": {"rating": 1200, "deviation": 350, "volatility": 0.06, "games": 5}}"#;
        let parsed: HardReset = serde_json::from_str(with_games).unwrap();
        assert_eq!(parsed, reset);
        assert_eq!(parsed.reset(Rating::default().with_games(40)).games(), 0);
        assert_eq!(
            serde_json::from_str::<HardReset>("{}").unwrap(),
            HardReset::default()
        );
        assert!(serde_json::from_str::<HardReset>(r#"{"ratign": {}}"#).is_err());
        assert!(
            serde_json::from_str::<HardReset>(
                r#"{"rating": {"rating": 1, "deviation": -1, "volatility": 0}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn soft_reset_table() {
        // (rating, deviation, fraction, rule, expected rating, expected deviation)
        let cases = [
            (2000.0, 50.0, 0.0, DeviationReset::Keep, 2000.0, 50.0),
            (2000.0, 50.0, 1.0, DeviationReset::Keep, 1500.0, 50.0),
            (1000.0, 50.0, 0.5, DeviationReset::Set(90.0), 1250.0, 90.0),
            (1000.0, 300.0, 0.5, DeviationReset::Set(90.0), 1250.0, 90.0),
            (
                1000.0,
                300.0,
                0.5,
                DeviationReset::RaiseTo(90.0),
                1250.0,
                300.0,
            ),
            (
                1000.0,
                30.0,
                0.5,
                DeviationReset::RaiseTo(90.0),
                1250.0,
                90.0,
            ),
        ];
        for (r, d, fraction, rule, er, ed) in cases {
            let reset = SoftReset::new(1500.0, fraction)
                .unwrap()
                .with_deviation(rule)
                .unwrap();
            let got = reset.reset(Rating::new(r, d, 0.07).unwrap().with_games(3));
            assert_eq!(
                (got.rating(), got.deviation(), got.volatility(), got.games()),
                (er, ed, 0.07, 3)
            );
        }
        // Far outside any real scale the result stays finite (target − rating
        // would overflow; f = 0 must still keep the rating).
        let extreme = Rating::new(-f64::MAX, 1.0, 0.07).unwrap();
        for (target, fraction, expected) in [
            (1e308, 0.0, -f64::MAX),
            (f64::MAX, 1.0, f64::MAX),
            (f64::MAX, 0.5, 0.0),
        ] {
            let reset = SoftReset::new(target, fraction).unwrap();
            assert_eq!(
                reset.reset(extreme).rating(),
                expected,
                "{target} {fraction}"
            );
        }
        let json = serde_json::to_string(&SoftReset::default()).unwrap();
        assert_eq!(
            json,
            r#"{"target":1500.0,"fraction":0.5,"deviation":{"raise_to":200.0}}"#
        );
        assert_eq!(
            serde_json::from_str::<SoftReset>(&json).unwrap(),
            SoftReset::default()
        );
    }
}
