//! Match formats: how many teams, and how many players in each.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The shape of a match: the size of every team.
///
/// Free-for-all is `n` teams of one. Asymmetric formats (`[1, 4]`, a boss against
/// four hunters) are allowed.
///
/// ```
/// use matchforge_core::queue::MatchFormat;
///
/// assert_eq!(MatchFormat::five_v_five().players(), 10);
/// assert_eq!(MatchFormat::free_for_all(8)?.teams(), 8);
/// assert!(MatchFormat::custom([3, 0]).is_err());
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<u32>", into = "Vec<u32>")]
pub struct MatchFormat {
    team_sizes: Vec<u32>,
}

impl MatchFormat {
    /// The largest number of players a match may have.
    pub const MAX_PLAYERS: u32 = 200;

    /// Any team sizes: at least two teams, each of at least one player, at most
    /// [`MAX_PLAYERS`](Self::MAX_PLAYERS) in all.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] otherwise.
    pub fn custom(team_sizes: impl Into<Vec<u32>>) -> Result<Self> {
        let team_sizes = team_sizes.into();
        if team_sizes.len() < 2 {
            return Err(Error::InvalidConfig(format!(
                "a match format needs at least two teams, got {}",
                team_sizes.len()
            )));
        }
        if let Some(i) = team_sizes.iter().position(|&s| s == 0) {
            return Err(Error::InvalidConfig(format!(
                "team {i} of the match format has no players"
            )));
        }
        let total: u64 = team_sizes.iter().map(|&s| u64::from(s)).sum();
        if total > u64::from(Self::MAX_PLAYERS) {
            return Err(Self::too_many(total));
        }
        Ok(Self { team_sizes })
    }

    fn too_many(total: u64) -> Error {
        Error::InvalidConfig(format!(
            "a match of {total} players is more than the {} supported",
            Self::MAX_PLAYERS
        ))
    }

    /// `teams` teams of `size` players each.
    ///
    /// # Errors
    /// As for [`custom`](Self::custom).
    pub fn teams_of(teams: u32, size: u32) -> Result<Self> {
        // Refused before the list of teams is allocated: `teams` may be
        // anything up to `u32::MAX`.
        if teams > Self::MAX_PLAYERS && size > 0 {
            return Err(Self::too_many(u64::from(teams) * u64::from(size)));
        }
        Self::custom(vec![size; teams.min(Self::MAX_PLAYERS) as usize])
    }

    /// One against one.
    #[must_use]
    pub fn one_v_one() -> Self {
        Self {
            team_sizes: vec![1, 1],
        }
    }

    /// Two against two.
    #[must_use]
    pub fn two_v_two() -> Self {
        Self {
            team_sizes: vec![2, 2],
        }
    }

    /// Three against three.
    #[must_use]
    pub fn three_v_three() -> Self {
        Self {
            team_sizes: vec![3, 3],
        }
    }

    /// Five against five.
    #[must_use]
    pub fn five_v_five() -> Self {
        Self {
            team_sizes: vec![5, 5],
        }
    }

    /// Free-for-all among `players` players (each their own team).
    ///
    /// # Errors
    /// As for [`custom`](Self::custom).
    pub fn free_for_all(players: u32) -> Result<Self> {
        Self::teams_of(players, 1)
    }

    /// The size of each team.
    #[must_use]
    pub fn team_sizes(&self) -> &[u32] {
        &self.team_sizes
    }

    /// The number of teams.
    #[must_use]
    pub fn teams(&self) -> usize {
        self.team_sizes.len()
    }

    /// The number of players in a match.
    #[must_use]
    pub fn players(&self) -> u32 {
        self.team_sizes.iter().sum()
    }

    /// The largest team.
    #[must_use]
    pub fn largest_team(&self) -> u32 {
        self.team_sizes.iter().copied().max().unwrap_or(0)
    }

    /// Whether every team has one player (1v1, free-for-all).
    #[must_use]
    pub fn is_solo_teams(&self) -> bool {
        self.team_sizes.iter().all(|&s| s == 1)
    }

    /// A short name such as `5v5`, `ffa-8` or `1v4`.
    #[must_use]
    pub fn name(&self) -> String {
        if self.teams() > 2 && self.is_solo_teams() {
            return format!("ffa-{}", self.teams());
        }
        self.team_sizes
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("v")
    }
}

impl TryFrom<Vec<u32>> for MatchFormat {
    type Error = Error;

    fn try_from(sizes: Vec<u32>) -> Result<Self> {
        Self::custom(sizes)
    }
}

impl From<MatchFormat> for Vec<u32> {
    fn from(f: MatchFormat) -> Self {
        f.team_sizes
    }
}
