//! Queue configuration: the format and rules of one queue, validated once.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::format::MatchFormat;
use super::rules::{CustomRule, CustomRuleKind, PartyRule, RegionRule, RoleComposition};
use super::widening::Widening;
use crate::error::{Error, Result};
use crate::ids::QueueName;
use crate::rating::PartyRating;
use crate::ticket::Ticket;

/// The plain description of a queue, as written in code or a config file.
///
/// Build one with [`QueueSpec::new`] and the `with_*` methods, then turn it into a
/// validated [`QueueConfig`] with [`build`](QueueSpec::build).
///
/// ```
/// use matchforge_core::queue::{MatchFormat, QueueSpec, RoleComposition, Widening};
///
/// let config = QueueSpec::new("ranked-5v5", MatchFormat::five_v_five())
///     .with_rating_window(Widening::linear(100.0, 5.0, 400.0)?)
///     .with_roles(RoleComposition::new([("tank", 1), ("healer", 1), ("dps", 3)]))
///     .with_max_wait_secs(600)
///     .build()?;
/// assert_eq!(config.max_party_size(), 5);
///
/// // A composition that cannot fit a team is rejected when the queue is defined.
/// let too_many = QueueSpec::new("bad", MatchFormat::two_v_two())
///     .with_roles(RoleComposition::new([("tank", 1), ("dps", 2)]))
///     .build();
/// assert!(too_many.is_err());
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct QueueSpec {
    /// The queue's name.
    pub name: QueueName,
    /// Team sizes.
    pub format: MatchFormat,
    /// How far apart ticket ratings may be, widening with each ticket's wait.
    #[serde(default = "default_rating_window")]
    pub rating_window: Widening,
    /// Region rule, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionRule>,
    /// Role composition per team, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<RoleComposition>,
    /// Party limits and premade matching.
    #[serde(default)]
    pub party: PartyRule,
    /// Game-specific rules on attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomRule>,
    /// Tickets that wait longer than this expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_secs: Option<u64>,
    /// How a party's rating is formed from its members'.
    #[serde(default)]
    pub party_rating: PartyRating,
    /// How many nearby tickets the matcher weighs per match it builds (default: three
    /// times the match size, at least 8). At least the number of tickets a
    /// match needs besides the one it is built around, with every party of
    /// the largest size allowed (the match size minus one for solo queues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_breadth: Option<u32>,
}

fn default_rating_window() -> Widening {
    Widening::Linear {
        initial: 100.0,
        per_second: 5.0,
        max: 500.0,
    }
}

impl QueueSpec {
    /// A queue with the default rating window (100, +5 per second, at most 500)
    /// and no other rules.
    pub fn new(name: impl Into<QueueName>, format: MatchFormat) -> Self {
        Self {
            name: name.into(),
            format,
            rating_window: default_rating_window(),
            region: None,
            roles: None,
            party: PartyRule::default(),
            custom: Vec::new(),
            max_wait_secs: None,
            party_rating: PartyRating::default(),
            search_breadth: None,
        }
    }

    /// Sets the rating window.
    pub fn with_rating_window(mut self, window: Widening) -> Self {
        self.rating_window = window;
        self
    }

    /// Sets the region rule.
    pub fn with_region(mut self, rule: RegionRule) -> Self {
        self.region = Some(rule);
        self
    }

    /// Sets the role composition.
    pub fn with_roles(mut self, roles: RoleComposition) -> Self {
        self.roles = Some(roles);
        self
    }

    /// Sets the largest party allowed.
    pub fn with_max_party_size(mut self, size: u32) -> Self {
        self.party.max_size = Some(size);
        self
    }

    /// Turns on premade matching: teams' largest parties differ by at most this.
    pub fn with_premade_matching(mut self, max_difference: Widening) -> Self {
        self.party.premade_size_difference = Some(max_difference);
        self
    }

    /// Adds a custom rule.
    pub fn with_custom_rule(mut self, rule: CustomRule) -> Self {
        self.custom.push(rule);
        self
    }

    /// Sets the ticket expiry.
    pub fn with_max_wait_secs(mut self, secs: u64) -> Self {
        self.max_wait_secs = Some(secs);
        self
    }

    /// Sets the party rating strategy.
    pub fn with_party_rating(mut self, strategy: PartyRating) -> Self {
        self.party_rating = strategy;
        self
    }

    /// Sets the search breadth.
    pub fn with_search_breadth(mut self, breadth: u32) -> Self {
        self.search_breadth = Some(breadth);
        self
    }

    /// Validates the spec.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first problem: an empty name, a negative
    /// or non-finite window or party gap penalty, a party bigger than every team, a role composition
    /// that does not fit a team, a duplicate role, an empty attribute name, a
    /// max wait of 0... Read from a file (serde), a config also refuses any
    /// field it does not know, so a misspelt rule is an error rather than a
    /// default.
    pub fn build(self) -> Result<QueueConfig> {
        QueueConfig::new(self)
    }
}

/// A validated queue configuration.
///
/// Created from a [`QueueSpec`]; serialises as the spec and validates again when
/// deserialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QueueSpec", into = "QueueSpec")]
pub struct QueueConfig {
    spec: QueueSpec,
    max_party_size: u32,
}

impl QueueConfig {
    /// Validates `spec`; see [`QueueSpec::build`].
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the problem.
    pub fn new(spec: QueueSpec) -> Result<Self> {
        let bad = |msg: String| Err(Error::InvalidConfig(format!("queue {}: {msg}", spec.name)));
        if spec.name.as_str().trim().is_empty() {
            return Err(Error::InvalidConfig("a queue needs a name".into()));
        }
        spec.rating_window
            .validate(&format!("queue {}: rating window", spec.name))?;
        let largest = spec.format.largest_team();
        let max_party_size = spec.party.max_size.unwrap_or(largest);
        if max_party_size == 0 {
            return bad("the maximum party size must be at least 1".into());
        }
        if max_party_size > largest {
            return bad(format!(
                "a party of {max_party_size} is bigger than the largest team ({largest})"
            ));
        }
        if let PartyRating::AverageWithGapPenalty { penalty } = spec.party_rating
            && let Err(e) = Error::check_non_negative("party gap penalty", penalty)
        {
            return bad(e.to_string());
        }
        if spec.max_wait_secs == Some(0) {
            return bad(
                "a max wait of 0 s would expire every ticket at once (leave it unset \
                 for no expiry)"
                    .into(),
            );
        }
        if let Some(w) = &spec.party.premade_size_difference {
            w.validate(&format!("queue {}: premade size difference", spec.name))?;
        }
        if let Some(RegionRule::BestCommon { max_latency_ms }) = &spec.region {
            max_latency_ms.validate(&format!("queue {}: max latency", spec.name))?;
        }
        if let Some(roles) = &spec.roles
            && let Err(msg) = roles.check(spec.format.team_sizes())
        {
            return bad(msg);
        }
        for (i, rule) in spec.custom.iter().enumerate() {
            if rule.attribute.is_empty() {
                return bad(format!("custom rule {i} names no attribute"));
            }
            if let CustomRuleKind::NumericDifference { max } = &rule.kind {
                max.validate(&format!(
                    "queue {}: custom rule on {}",
                    spec.name, rule.attribute
                ))?;
            }
        }
        // A match needs at least `ceil(players / max_party_size) - 1`
        // candidates besides the ticket it is built around (all of them
        // parties of the largest size); a smaller breadth could never fill one.
        let players = spec.format.players();
        let fewest = players.div_ceil(max_party_size).saturating_sub(1).max(1);
        if let Some(breadth) = spec.search_breadth.filter(|&b| b < fewest) {
            return bad(format!(
                "the search breadth is {breadth} but a match of {players} players from \
                 parties of at most {max_party_size} needs at least {fewest}"
            ));
        }
        Ok(Self {
            spec,
            max_party_size,
        })
    }

    /// The spec this config was built from.
    pub fn spec(&self) -> &QueueSpec {
        &self.spec
    }

    /// The queue's name.
    #[must_use]
    pub fn name(&self) -> &QueueName {
        &self.spec.name
    }

    /// The match format.
    #[must_use]
    pub fn format(&self) -> &MatchFormat {
        &self.spec.format
    }

    /// The largest party that may queue.
    #[must_use]
    pub fn max_party_size(&self) -> u32 {
        self.max_party_size
    }

    /// The ticket expiry, if any.
    #[must_use]
    pub fn max_wait(&self) -> Option<Duration> {
        self.spec.max_wait_secs.map(Duration::from_secs)
    }

    /// The party rating strategy.
    #[must_use]
    pub fn party_rating(&self) -> &PartyRating {
        &self.spec.party_rating
    }

    /// Candidate tickets weighed per match built: the nearest in rating that
    /// every rule accepts. Tickets a numeric custom rule refuses are skipped,
    /// up to sixteen times this many (see the [matcher's
    /// guarantees](crate::matcher#guarantees-each-a-property-test)).
    #[must_use]
    pub fn search_breadth(&self) -> usize {
        self.spec.search_breadth.map_or_else(
            || (3 * self.spec.format.players() as usize).max(8),
            |b| b as usize,
        )
    }

    /// Checks that `ticket` can wait in this queue: right queue, party size,
    /// known roles, and every attribute the rules read.
    ///
    /// # Errors
    /// [`Error::InvalidTicket`] naming the problem.
    pub fn validate_ticket(&self, ticket: &Ticket) -> Result<()> {
        let bad = |msg: String| {
            Err(Error::InvalidTicket(format!(
                "ticket {} for queue {}: {msg}",
                ticket.id(),
                self.spec.name
            )))
        };
        if ticket.queue() != &self.spec.name {
            return bad(format!("it is for queue {}", ticket.queue()));
        }
        if let Some(roles) = &self.spec.roles {
            for p in ticket.players() {
                if let Some(unknown) = p
                    .roles
                    .iter()
                    .find(|r| roles.index_of(r.as_str()).is_none())
                {
                    return bad(format!("player {} asks for unknown role {unknown}", p.id));
                }
            }
        }
        self.usable(ticket).or_else(bad)
    }

    /// What the matcher needs of a ticket: a party no bigger than the queue
    /// allows and everything its rules read. The matcher and
    /// [`Matcher::explain`](crate::matcher::Matcher::explain) both use this
    /// one check, so they agree on which tickets take part. It is looser than
    /// [`validate_ticket`](Self::validate_ticket): the queue name is the
    /// caller's business, and a role the queue does not know counts as an
    /// open place.
    #[inline]
    pub(crate) fn usable(&self, ticket: &Ticket) -> std::result::Result<(), String> {
        let size = ticket.size() as u32;
        if size > self.max_party_size {
            return Err(format!(
                "a party of {size} is bigger than the queue allows ({})",
                self.max_party_size
            ));
        }
        let attrs = ticket.attributes();
        match &self.spec.region {
            Some(RegionRule::Same) if attrs.region.is_none() => {
                return Err("the queue matches by region but the ticket names none".into());
            }
            Some(RegionRule::BestCommon { .. }) if attrs.latencies.is_empty() => {
                return Err("the queue matches by latency but the ticket reports none".into());
            }
            _ => {}
        }
        for rule in &self.spec.custom {
            let key = &rule.attribute;
            let present = match rule.kind {
                CustomRuleKind::NumericDifference { .. } => attrs.numbers.contains_key(key),
                CustomRuleKind::Equal { .. } => attrs.strings.contains_key(key),
                CustomRuleKind::Intersect { .. } => attrs.sets.contains_key(key),
            };
            if !present {
                return Err(format!("the queue's rules need the attribute {key:?}"));
            }
        }
        Ok(())
    }
}

impl TryFrom<QueueSpec> for QueueConfig {
    type Error = Error;

    fn try_from(spec: QueueSpec) -> Result<Self> {
        Self::new(spec)
    }
}

impl From<QueueConfig> for QueueSpec {
    fn from(config: QueueConfig) -> Self {
        config.spec
    }
}
