//! How a party (players queueing together) is rated for matchmaking.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::numeric::{mean, root_mean_square};
use super::value::Rating;
use crate::error::{Error, Result};

/// Turns the ratings of a party's members into the one rating the matcher uses.
pub trait PartyRatingStrategy: Send + Sync + fmt::Debug {
    /// The party's rating.
    ///
    /// # Errors
    /// [`Error::InvalidTicket`] for an empty party; [`Error::InvalidConfig`] for
    /// an invalid strategy; [`Error::InvalidNumber`] if the result overflows.
    fn party_rating(&self, members: &[Rating]) -> Result<Rating>;
}

/// The mean rating. Deviation and volatility are the root mean square of the
/// members' (the mean of their variances), so one unknown member keeps the party
/// uncertain; `games` is the fewest games of any member, so a party with a
/// provisional member counts as provisional.
///
/// ```
/// use matchforge_core::rating::{Average, PartyRatingStrategy, Rating};
///
/// let party = [Rating::new(1400.0, 50.0, 0.06)?, Rating::new(1600.0, 350.0, 0.06)?];
/// let r = Average.party_rating(&party)?;
/// assert_eq!((r.rating(), r.deviation()), (1500.0, 250.0));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Average;

/// The strongest member's rating (with that member's deviation, volatility and
/// games): matches the party by its best player, which is conservative for the
/// opponents.
///
/// ```
/// use matchforge_core::rating::{Max, PartyRatingStrategy, Rating};
///
/// let party = [Rating::new(1400.0, 50.0, 0.06)?, Rating::new(1600.0, 350.0, 0.06)?];
/// assert_eq!(Max.party_rating(&party)?, party[1]);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Max;

/// [`Average`] plus `penalty × (max − min)`: a party with a wide skill gap (a
/// strong player carrying a weak one) is rated above its mean. Deviation,
/// volatility and games as for [`Average`].
///
/// ```
/// use matchforge_core::rating::{AverageWithGapPenalty, PartyRatingStrategy, Rating};
///
/// let party = [Rating::new(1400.0, 50.0, 0.06)?, Rating::new(1600.0, 350.0, 0.06)?];
/// let r = AverageWithGapPenalty::new(0.25)?.party_rating(&party)?;
/// assert_eq!(r.rating(), 1550.0);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GapPenaltyParams", into = "GapPenaltyParams")]
pub struct AverageWithGapPenalty {
    penalty: f64,
}

impl AverageWithGapPenalty {
    /// The strategy with the given penalty per point of gap.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless `penalty` is finite and non-negative.
    pub fn new(penalty: f64) -> Result<Self> {
        Ok(Self {
            penalty: Error::check_non_negative("party gap penalty", penalty)?,
        })
    }

    /// The penalty per point of gap.
    #[must_use]
    pub const fn penalty(&self) -> f64 {
        self.penalty
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GapPenaltyParams {
    penalty: f64,
}

impl TryFrom<GapPenaltyParams> for AverageWithGapPenalty {
    type Error = Error;

    fn try_from(p: GapPenaltyParams) -> Result<Self> {
        Self::new(p.penalty)
    }
}

impl From<AverageWithGapPenalty> for GapPenaltyParams {
    fn from(s: AverageWithGapPenalty) -> Self {
        Self { penalty: s.penalty }
    }
}

fn non_empty(members: &[Rating]) -> Result<()> {
    if members.is_empty() {
        Err(Error::InvalidTicket(
            "a party needs at least one member".into(),
        ))
    } else {
        Ok(())
    }
}

/// Mean rating shifted by `bonus`, RMS deviation and volatility, fewest games.
fn averaged(members: &[Rating], bonus: f64) -> Result<Rating> {
    let rating = Rating::new(
        mean(members.iter().map(Rating::rating)) + bonus,
        root_mean_square(members.iter().map(Rating::deviation)),
        root_mean_square(members.iter().map(Rating::volatility)),
    )?;
    let games = members.iter().map(Rating::games).min().unwrap_or(0);
    Ok(rating.with_games(games))
}

impl PartyRatingStrategy for Average {
    fn party_rating(&self, members: &[Rating]) -> Result<Rating> {
        non_empty(members)?;
        averaged(members, 0.0)
    }
}

impl PartyRatingStrategy for Max {
    fn party_rating(&self, members: &[Rating]) -> Result<Rating> {
        non_empty(members)?;
        let best = members
            .iter()
            .copied()
            .reduce(|best, r| if r.rating() > best.rating() { r } else { best });
        best.ok_or_else(|| Error::InvalidTicket("a party needs at least one member".into()))
    }
}

impl PartyRatingStrategy for AverageWithGapPenalty {
    fn party_rating(&self, members: &[Rating]) -> Result<Rating> {
        non_empty(members)?;
        Error::check_non_negative("party gap penalty", self.penalty)
            .map_err(|e| Error::InvalidConfig(e.to_string()))?;
        let (min, max) = members
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.rating()), hi.max(r.rating()))
            });
        // (max − min) may overflow for absurd ratings; Rating::new reports it.
        // No penalty adds nothing, even then (0 × ∞ would be NaN).
        let bonus = if self.penalty > 0.0 {
            self.penalty * (max - min)
        } else {
            0.0
        };
        averaged(members, bonus)
    }
}

/// A party rating strategy as a value, for serialisable queue configurations.
///
/// Serialised as `"average"`, `"max"` or `{"average_with_gap_penalty": {"penalty": 0.25}}`.
///
/// ```
/// use matchforge_core::rating::{PartyRating, PartyRatingStrategy, Rating};
///
/// let strategy: PartyRating = serde_json::from_str(r#"{"average_with_gap_penalty": {"penalty": 0.5}}"#)?;
/// let party = [Rating::new(1400.0, 50.0, 0.06)?, Rating::new(1600.0, 50.0, 0.06)?];
/// assert_eq!(strategy.party_rating(&party)?.rating(), 1600.0);
/// assert_eq!(serde_json::to_string(&PartyRating::Max)?, r#""max""#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PartyRating {
    /// See [`Average`].
    #[default]
    Average,
    /// See [`Max`].
    Max,
    /// See [`AverageWithGapPenalty`]; `penalty` must be finite and non-negative
    /// (checked when deserialised and when used).
    AverageWithGapPenalty {
        /// Points of rating added per point of gap between the strongest and the
        /// weakest member.
        #[serde(deserialize_with = "non_negative_penalty")]
        penalty: f64,
    },
}

fn non_negative_penalty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<f64, D::Error> {
    let penalty = f64::deserialize(d)?;
    Error::check_non_negative("party gap penalty", penalty).map_err(serde::de::Error::custom)
}

impl PartyRatingStrategy for PartyRating {
    fn party_rating(&self, members: &[Rating]) -> Result<Rating> {
        match *self {
            PartyRating::Average => Average.party_rating(members),
            PartyRating::Max => Max.party_rating(members),
            PartyRating::AverageWithGapPenalty { penalty } => {
                AverageWithGapPenalty { penalty }.party_rating(members)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(rating: f64, deviation: f64, games: u32) -> Rating {
        Rating::new(rating, deviation, 0.06)
            .unwrap()
            .with_games(games)
    }

    #[test]
    fn strategy_table() {
        let party = [r(1400.0, 30.0, 50), r(1700.0, 40.0, 3), r(1600.0, 0.0, 10)];
        // (strategy, expected rating, deviation, games)
        let rms = ((900.0 + 1600.0) / 3.0_f64).sqrt();
        let cases = [
            (PartyRating::Average, 1566.6666666666667, rms, 3),
            (PartyRating::Max, 1700.0, 40.0, 3),
            (
                PartyRating::AverageWithGapPenalty { penalty: 0.1 },
                1596.6666666666667,
                rms,
                3,
            ),
            (
                PartyRating::AverageWithGapPenalty { penalty: 0.0 },
                1566.6666666666667,
                rms,
                3,
            ),
        ];
        for (strategy, rating, deviation, games) in cases {
            let got = strategy.party_rating(&party).unwrap();
            assert!(
                (got.rating() - rating).abs() < 1e-9,
                "{strategy:?}: {got:?}"
            );
            assert!(
                (got.deviation() - deviation).abs() < 1e-9,
                "{strategy:?}: {got:?}"
            );
            assert_eq!(got.games(), games);
        }
        let solo = [r(1234.0, 99.0, 7)];
        for strategy in [
            PartyRating::Average,
            PartyRating::Max,
            PartyRating::AverageWithGapPenalty { penalty: 3.0 },
        ] {
            assert_eq!(
                strategy.party_rating(&solo).unwrap(),
                solo[0],
                "{strategy:?}"
            );
        }
    }

    #[test]
    fn errors() {
        for strategy in [
            PartyRating::Average,
            PartyRating::Max,
            PartyRating::AverageWithGapPenalty { penalty: 1.0 },
        ] {
            assert!(matches!(
                strategy.party_rating(&[]),
                Err(Error::InvalidTicket(_))
            ));
        }
        let bad = PartyRating::AverageWithGapPenalty { penalty: -1.0 };
        assert!(matches!(
            bad.party_rating(&[r(1.0, 1.0, 0)]),
            Err(Error::InvalidConfig(_))
        ));
        assert!(AverageWithGapPenalty::new(f64::NAN).is_err());
        assert!(
            serde_json::from_str::<PartyRating>(r#"{"average_with_gap_penalty": {"penalty": -2}}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<AverageWithGapPenalty>(r#"{"penalty": -2}"#).is_err());
        let overflow = [r(f64::MAX, 1.0, 0), r(-f64::MAX, 1.0, 0)];
        assert!(
            AverageWithGapPenalty::new(1.0)
                .unwrap()
                .party_rating(&overflow)
                .is_err()
        );
        // Without a penalty the gap does not matter, however large: as Average.
        assert_eq!(
            AverageWithGapPenalty::new(0.0)
                .unwrap()
                .party_rating(&overflow)
                .unwrap(),
            Average.party_rating(&overflow).unwrap()
        );
    }

    #[test]
    fn serde_shapes() {
        for (value, json) in [
            (PartyRating::Average, r#""average""#),
            (PartyRating::Max, r#""max""#),
            (
                PartyRating::AverageWithGapPenalty { penalty: 0.5 },
                r#"{"average_with_gap_penalty":{"penalty":0.5}}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
            assert_eq!(serde_json::from_str::<PartyRating>(json).unwrap(), value);
        }
    }
}
