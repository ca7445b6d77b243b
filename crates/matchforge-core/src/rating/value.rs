//! The [`Rating`] value and match [`Outcome`]s.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A player's skill estimate.
///
/// The three numbers of the design sketch, on the scale of the algorithm that
/// produced them:
///
/// | algorithm | `rating` | `deviation` | `volatility` |
/// |---|---|---|---|
/// | Elo | Elo points (1500) | carried unchanged | carried unchanged |
/// | Glicko-2 | Glicko points (1500) | RD (350) | σ (0.06) |
/// | Weng-Lin | μ (25) | σ (25/3) | carried unchanged |
///
/// plus the number of rated games, which provisional schedules (such as Elo's K by
/// games played) read. The fields are private so a `Rating` is always valid:
/// finite numbers, non-negative deviation and volatility.
///
/// ```
/// use matchforge_core::rating::Rating;
///
/// let r = Rating::new(1500.0, 200.0, 0.06)?;
/// assert_eq!(r.conservative(2.0), 1100.0);
/// assert!(Rating::new(f64::NAN, 200.0, 0.06).is_err());
/// assert!(Rating::new(1500.0, -1.0, 0.06).is_err());
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RatingRepr", into = "RatingRepr")]
pub struct Rating {
    rating: f64,
    deviation: f64,
    volatility: f64,
    games: u32,
}

impl Rating {
    /// A validated rating with zero games played.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] if `rating` is not finite, or `deviation` or
    /// `volatility` is not finite and non-negative.
    pub fn new(rating: f64, deviation: f64, volatility: f64) -> Result<Self> {
        Ok(Self {
            rating: Error::check_finite("rating", rating)?,
            deviation: Error::check_non_negative("rating deviation", deviation)?,
            volatility: Error::check_non_negative("rating volatility", volatility)?,
            games: 0,
        })
    }

    /// Builds a rating from numbers an algorithm computed from valid inputs.
    ///
    /// Algorithms in this crate only produce finite values from finite inputs; a
    /// debug assertion guards that promise.
    pub(crate) fn from_parts(rating: f64, deviation: f64, volatility: f64, games: u32) -> Self {
        debug_assert!(rating.is_finite(), "rating {rating}");
        debug_assert!(
            deviation.is_finite() && deviation >= 0.0,
            "deviation {deviation}"
        );
        debug_assert!(
            volatility.is_finite() && volatility >= 0.0,
            "volatility {volatility}"
        );
        Self {
            rating,
            deviation,
            volatility,
            games,
        }
    }

    /// The same deviation, volatility and games with another (finite) rating;
    /// used to let a party member count with the party's rating.
    pub(crate) fn with_rating(mut self, rating: f64) -> Self {
        debug_assert!(rating.is_finite(), "rating {rating}");
        self.rating = rating;
        self
    }

    /// The same rating with `games` rated games on record.
    #[must_use]
    pub const fn with_games(mut self, games: u32) -> Self {
        self.games = games;
        self
    }

    /// The skill estimate (Elo/Glicko points, or μ for Weng-Lin).
    #[must_use]
    pub const fn rating(&self) -> f64 {
        self.rating
    }

    /// The uncertainty of the estimate (Glicko RD, Weng-Lin σ).
    #[must_use]
    pub const fn deviation(&self) -> f64 {
        self.deviation
    }

    /// How erratic the player's results are (Glicko-2 σ).
    #[must_use]
    pub const fn volatility(&self) -> f64 {
        self.volatility
    }

    /// Rated games played so far.
    #[must_use]
    pub const fn games(&self) -> u32 {
        self.games
    }

    /// A conservative skill estimate, `rating - k * deviation` (k = 2 or 3 is usual).
    #[must_use]
    pub fn conservative(&self, k: f64) -> f64 {
        self.rating - k * self.deviation
    }
}

impl Default for Rating {
    /// The Glicko-2 starting point, 1500 / 350 / 0.06, which is also Elo's 1500.
    fn default() -> Self {
        Self::from_parts(1500.0, 350.0, 0.06, 0)
    }
}

/// The serialised form of a [`Rating`]: `{"rating": .., "deviation": .., "volatility": .., "games": ..}`.
/// `games` is optional on input.
#[derive(Serialize, Deserialize)]
struct RatingRepr {
    rating: f64,
    deviation: f64,
    volatility: f64,
    #[serde(default)]
    games: u32,
}

impl TryFrom<RatingRepr> for Rating {
    type Error = Error;

    fn try_from(r: RatingRepr) -> Result<Self> {
        Ok(Rating::new(r.rating, r.deviation, r.volatility)?.with_games(r.games))
    }
}

impl From<Rating> for RatingRepr {
    fn from(r: Rating) -> Self {
        RatingRepr {
            rating: r.rating,
            deviation: r.deviation,
            volatility: r.volatility,
            games: r.games,
        }
    }
}

/// The result of a two-sided game, from the first side's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The first side won.
    Win,
    /// The first side lost.
    Loss,
    /// Neither side won.
    Draw,
}

impl Outcome {
    /// The first side's score: 1 for a win, 0.5 for a draw, 0 for a loss.
    #[must_use]
    pub const fn score(self) -> f64 {
        match self {
            Outcome::Win => 1.0,
            Outcome::Draw => 0.5,
            Outcome::Loss => 0.0,
        }
    }

    /// The same result seen from the other side.
    #[must_use]
    pub const fn reversed(self) -> Self {
        match self {
            Outcome::Win => Outcome::Loss,
            Outcome::Draw => Outcome::Draw,
            Outcome::Loss => Outcome::Win,
        }
    }

    /// The ranks that express this outcome for two teams (1 is best).
    #[must_use]
    pub const fn ranks(self) -> [u32; 2] {
        match self {
            Outcome::Win => [1, 2],
            Outcome::Draw => [1, 1],
            Outcome::Loss => [2, 1],
        }
    }
}
