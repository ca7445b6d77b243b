//! The rules a queue can impose besides the rating window.

use serde::{Deserialize, Serialize};

use super::widening::Widening;
use crate::ids::Role;
use crate::teams::roles::MAX_ROLES;

/// Where the players of a match must be able to play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "RegionRuleRepr")]
pub enum RegionRule {
    /// Every ticket names the same [`region`](crate::ticket::Attributes::region).
    Same,
    /// Every ticket has a latency to one region no worse than its own limit (which
    /// relaxes with its wait); the match is placed in the common region with the
    /// lowest worst latency.
    BestCommon {
        /// The highest acceptable latency in milliseconds.
        max_latency_ms: Widening,
    },
}

/// A [`RegionRule`] as read: serde lets a unit variant of a tagged enum
/// ignore unknown fields, so the fields are read here and checked against
/// the kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionRuleRepr {
    kind: RegionRuleTag,
    #[serde(default)]
    max_latency_ms: Option<Widening>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RegionRuleTag {
    Same,
    BestCommon,
}

impl TryFrom<RegionRuleRepr> for RegionRule {
    type Error = &'static str;

    fn try_from(r: RegionRuleRepr) -> Result<Self, Self::Error> {
        match (r.kind, r.max_latency_ms) {
            (RegionRuleTag::Same, None) => Ok(Self::Same),
            (RegionRuleTag::Same, Some(_)) => {
                Err("the same-region rule takes no max_latency_ms (best_common does)")
            }
            (RegionRuleTag::BestCommon, Some(max_latency_ms)) => {
                Ok(Self::BestCommon { max_latency_ms })
            }
            (RegionRuleTag::BestCommon, None) => {
                Err("the best_common region rule needs a max_latency_ms")
            }
        }
    }
}

/// One role slot of a team's composition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSlot {
    /// The role.
    pub role: Role,
    /// How many players of the team take it.
    pub count: u32,
}

/// The roles every team must field, e.g. 1 tank, 1 healer, 3 dps.
///
/// If the counts add up to less than a team's size, the remaining places are
/// open: any player takes them (and plays their first preference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleComposition {
    /// The slots, each role at most once.
    pub slots: Vec<RoleSlot>,
}

impl RoleComposition {
    /// A composition from `(role, count)` pairs.
    #[must_use]
    pub fn new<R: Into<Role>>(slots: impl IntoIterator<Item = (R, u32)>) -> Self {
        Self {
            slots: slots
                .into_iter()
                .map(|(role, count)| RoleSlot {
                    role: role.into(),
                    count,
                })
                .collect(),
        }
    }

    /// Places the composition fixes in one team (saturating at `u32::MAX`,
    /// which no team reaches).
    #[must_use]
    pub fn fixed_places(&self) -> u32 {
        self.slots
            .iter()
            .fold(0u32, |sum, s| sum.saturating_add(s.count))
    }

    /// The index of `role` in the composition.
    #[must_use]
    pub fn index_of(&self, role: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.role.as_str() == role)
    }

    /// Checks the composition for teams of `team_sizes`: at least one role,
    /// no more than the balancer supports, each named, counted at least once
    /// and listed once, and its fixed places fit in every team. The one check
    /// both [`QueueSpec::build`](super::QueueSpec::build) and
    /// [`balance_teams`](crate::teams::balance_teams) apply.
    ///
    /// # Errors
    /// The first problem, in words.
    pub(crate) fn check(&self, team_sizes: &[u32]) -> Result<(), String> {
        if self.slots.is_empty() {
            return Err("a role composition needs at least one role".into());
        }
        if self.slots.len() >= MAX_ROLES {
            return Err(format!(
                "a role composition may name at most {} roles",
                MAX_ROLES - 1
            ));
        }
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.role.as_str().is_empty() {
                return Err("a role needs a name".into());
            }
            if slot.count == 0 {
                return Err(format!("role {} has a count of 0", slot.role));
            }
            if self.slots[..i].iter().any(|s| s.role == slot.role) {
                return Err(format!("role {} is listed twice", slot.role));
            }
        }
        let places = self.fixed_places();
        if let Some(small) = team_sizes.iter().find(|&&s| s < places) {
            return Err(format!(
                "the roles need {places} players per team but a team has only {small}"
            ));
        }
        Ok(())
    }
}

/// How parties are treated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyRule {
    /// The largest party that may queue; defaults to the largest team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// Premade matching: the largest parties of any two teams may differ by at most
    /// this many players (relaxing with wait). `None` puts no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premade_size_difference: Option<Widening>,
}

/// A game-specific rule on ticket attributes.
///
/// Serialised flat: `{"attribute": "level", "kind": "numeric_difference",
/// "max": {...}}`. Deserialising refuses fields the rule's kind does not
/// have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CustomRuleRepr")]
pub struct CustomRule {
    /// The attribute key the rule reads.
    pub attribute: String,
    /// What the rule requires.
    #[serde(flatten)]
    pub kind: CustomRuleKind,
}

impl CustomRule {
    /// Numeric attributes of all tickets differ by at most `max` (relaxing).
    #[must_use]
    pub fn numeric_difference(attribute: impl Into<String>, max: Widening) -> Self {
        Self {
            attribute: attribute.into(),
            kind: CustomRuleKind::NumericDifference { max },
        }
    }

    /// String attributes of all tickets are equal; a ticket that has waited
    /// `relax_after_secs` accepts any value from tickets that have relaxed too.
    #[must_use]
    pub fn equal(attribute: impl Into<String>, relax_after_secs: Option<u64>) -> Self {
        Self {
            attribute: attribute.into(),
            kind: CustomRuleKind::Equal { relax_after_secs },
        }
    }

    /// Set attributes of all tickets share at least one element; relaxes like
    /// [`equal`](Self::equal).
    #[must_use]
    pub fn intersect(attribute: impl Into<String>, relax_after_secs: Option<u64>) -> Self {
        Self {
            attribute: attribute.into(),
            kind: CustomRuleKind::Intersect { relax_after_secs },
        }
    }
}

/// A [`CustomRule`] as read: serde cannot refuse unknown fields through
/// `flatten`, so the kind's fields are read here and checked against it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomRuleRepr {
    attribute: String,
    kind: CustomRuleTag,
    #[serde(default)]
    max: Option<Widening>,
    #[serde(default)]
    relax_after_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CustomRuleTag {
    NumericDifference,
    Equal,
    Intersect,
}

impl TryFrom<CustomRuleRepr> for CustomRule {
    type Error = String;

    fn try_from(r: CustomRuleRepr) -> Result<Self, String> {
        let kind = match (r.kind, r.max, r.relax_after_secs) {
            (CustomRuleTag::NumericDifference, Some(max), None) => {
                CustomRuleKind::NumericDifference { max }
            }
            (CustomRuleTag::NumericDifference, None, _) => {
                return Err(format!(
                    "the numeric_difference rule on {:?} needs a max",
                    r.attribute
                ));
            }
            (CustomRuleTag::NumericDifference, Some(_), Some(_)) => {
                return Err(format!(
                    "the numeric_difference rule on {:?} relaxes through its max, \
                     not relax_after_secs",
                    r.attribute
                ));
            }
            (tag @ (CustomRuleTag::Equal | CustomRuleTag::Intersect), Some(_), _) => {
                let kind = if matches!(tag, CustomRuleTag::Equal) {
                    "equal"
                } else {
                    "intersect"
                };
                return Err(format!(
                    "the {kind} rule on {:?} takes no max (only numeric_difference does)",
                    r.attribute
                ));
            }
            (CustomRuleTag::Equal, None, relax_after_secs) => {
                CustomRuleKind::Equal { relax_after_secs }
            }
            (CustomRuleTag::Intersect, None, relax_after_secs) => {
                CustomRuleKind::Intersect { relax_after_secs }
            }
        };
        Ok(Self {
            attribute: r.attribute,
            kind,
        })
    }
}

/// The kinds of [`CustomRule`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CustomRuleKind {
    /// `|a - b| <= max` for the numeric attribute, under each ticket's own limit.
    NumericDifference {
        /// The allowed difference.
        max: Widening,
    },
    /// Equal string attribute; relaxed tickets accept each other whatever the value.
    Equal {
        /// Seconds of waiting after which the ticket stops insisting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relax_after_secs: Option<u64>,
    },
    /// Set attributes with a common element; relaxed tickets accept each other.
    Intersect {
        /// Seconds of waiting after which the ticket stops insisting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relax_after_secs: Option<u64>,
    },
}
