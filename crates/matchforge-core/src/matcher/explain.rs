//! Why a ticket is still waiting.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{Region, Role, TicketId};
use crate::queue::{CustomRuleKind, QueueConfig, RegionRule};
use crate::ticket::Ticket;

use super::search::reaches;

/// One reason a ticket cannot be matched yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Blocker {
    /// The ticket waited longer than the queue allows.
    Expired {
        /// Seconds waited.
        waited_secs: u64,
        /// The queue's limit.
        max_wait_secs: u64,
    },
    /// The queue's rules cannot use the ticket.
    Unusable {
        /// Why.
        reason: String,
    },
    /// No other ticket's rating is inside this ticket's window while this ticket
    /// is inside theirs.
    Rating {
        /// The ticket's rating.
        rating: f64,
        /// Its current window.
        window: f64,
    },
    /// No other ticket can play in a region this ticket accepts.
    Region {
        /// The ticket's region (same-region rule), if any.
        region: Option<Region>,
        /// The latency limit it has reached (best-common-region rule), if any.
        max_latency_ms: Option<f64>,
    },
    /// No other ticket satisfies a custom rule together with this one.
    Custom {
        /// The attribute the rule reads.
        attribute: String,
    },
    /// Among compatible tickets, too few players can take a role.
    Role {
        /// The role in short supply.
        role: Role,
        /// The region, when the queue matches by region: the ticket's own
        /// (same-region rule), or, under the best-common-region rule, the one
        /// of its acceptable regions where the role comes closest to the
        /// need (none of them has enough).
        region: Option<Region>,
        /// Players available for it (this ticket's included).
        available: u32,
        /// Players a match needs in it.
        needed: u32,
    },
    /// Premade matching: too few compatible parties are big enough to face
    /// this party (each other team needs a party of at least `least` players,
    /// or of more if that party's own tolerance is stricter).
    Premade {
        /// This ticket's party size.
        size: u32,
        /// The smallest party this ticket's relaxed tolerance lets another
        /// team's largest party be.
        least: u32,
        /// Compatible tickets big enough to lead another team.
        available: u32,
        /// Other teams, each needing one.
        needed: u32,
    },
    /// Each of the rules alone lets other tickets through, but too few
    /// tickets meet them all at once: in a rating window of 100, say, the
    /// one player within it waits in another region, and the one in this
    /// region is 1,000 points away.
    RulesTogether {
        /// The rules that hold back tickets the others let through, by name:
        /// `"rating"`, `"region"`, or a custom rule's attribute. First those
        /// that alone keep out a ticket meeting every other rule; if no rule
        /// does that alone, every rule that keeps out some ticket.
        rules: Vec<String>,
        /// Players on tickets that meet every rule, this ticket's included.
        available: u32,
        /// Players a match needs.
        needed: u32,
    },
    /// Too few players wait for a match at all: every rule lets every other
    /// ticket through, and they hold too few players.
    NotEnoughPlayers {
        /// Players on compatible tickets, this ticket's included.
        available: u32,
        /// Players a match needs.
        needed: u32,
    },
    /// Enough compatible players exist, but no combination satisfies every
    /// ticket's window at once and splits into valid teams yet (or they were
    /// taken by older tickets this tick, or the matcher's search did not reach
    /// one within the queue's
    /// [search breadth](crate::queue::QueueConfig::search_breadth)).
    NoValidCombination,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::Expired {
                waited_secs,
                max_wait_secs,
            } => write!(
                f,
                "expired after {waited_secs} s (the queue allows {max_wait_secs} s)"
            ),
            Blocker::Unusable { reason } => write!(f, "ticket cannot be used: {reason}"),
            Blocker::Rating { rating, window } => {
                write!(f, "no opponent within {rating:.0} ± {window:.0} yet")
            }
            Blocker::Region {
                region: Some(region),
                ..
            } => write!(f, "no other players in region {region}"),
            Blocker::Region {
                max_latency_ms: Some(ms),
                ..
            } => write!(f, "no other players share a region within {ms:.0} ms"),
            Blocker::Region { .. } => write!(f, "no other players share a region"),
            Blocker::Custom { attribute } => {
                write!(f, "no other players match on {attribute:?}")
            }
            Blocker::Role {
                role,
                region: Some(region),
                available,
                needed,
            } => write!(
                f,
                "no {role} in region {region} ({available} of {needed} needed)"
            ),
            Blocker::Role {
                role,
                region: None,
                available,
                needed,
            } => write!(
                f,
                "not enough {role} players ({available} of {needed} needed)"
            ),
            Blocker::Premade {
                size,
                least,
                available,
                needed,
            } => write!(
                f,
                "no party of at least {least} players to face this party of {size} \
                 ({available} of the {needed} needed)"
            ),
            Blocker::RulesTogether {
                rules,
                available,
                needed,
            } => write!(
                f,
                "only {available} of the {needed} players a match needs meet every rule at once \
                 (held back by: {})",
                rules.join(", ")
            ),
            Blocker::NotEnoughPlayers { available, needed } => write!(
                f,
                "only {available} of the {needed} players a match needs are compatible"
            ),
            Blocker::NoValidCombination => write!(
                f,
                "compatible players exist but do not yet form a valid match together"
            ),
        }
    }
}

/// The relaxed limits of one ticket at `now`.
struct Limits<'a> {
    ticket: &'a Ticket,
    window: f64,
    latency: Option<f64>,
    /// The premade tolerance, in whole players, as the matcher reads it.
    premade: Option<u32>,
    wait: std::time::Duration,
}

impl<'a> Limits<'a> {
    fn new(config: &QueueConfig, ticket: &'a Ticket, now: DateTime<Utc>) -> Self {
        let wait = ticket.wait(now);
        let latency = match &config.spec().region {
            Some(RegionRule::BestCommon { max_latency_ms }) => Some(max_latency_ms.at(wait)),
            _ => None,
        };
        let premade = config
            .spec()
            .party
            .premade_size_difference
            .as_ref()
            .map(|w| w.at(wait).floor() as u32);
        Self {
            ticket,
            window: config.spec().rating_window.at(wait),
            latency,
            premade,
            wait,
        }
    }

    fn rating_ok(&self, other: &Limits<'_>) -> bool {
        let (a, b) = (
            self.ticket.rating().rating(),
            other.ticket.rating().rating(),
        );
        reaches(a, self.window, b) && reaches(b, other.window, a)
    }

    fn regions(&self, config: &QueueConfig) -> Vec<&'a Region> {
        let attrs = self.ticket.attributes();
        match &config.spec().region {
            Some(RegionRule::Same) => attrs.region.iter().collect(),
            Some(RegionRule::BestCommon { .. }) => attrs
                .latencies
                .iter()
                .filter(|(_, ms)| self.latency.is_some_and(|l| f64::from(**ms) <= l))
                .map(|(r, _)| r)
                .collect(),
            None => Vec::new(),
        }
    }

    fn region_ok(&self, config: &QueueConfig, other: &Limits<'_>) -> bool {
        if config.spec().region.is_none() {
            return true;
        }
        let mine = self.regions(config);
        other.regions(config).iter().any(|r| mine.contains(r))
    }

    fn custom_ok(&self, config: &QueueConfig, rule: usize, other: &Limits<'_>) -> bool {
        let rule = &config.spec().custom[rule];
        let (a, b) = (self.ticket.attributes(), other.ticket.attributes());
        let key = &rule.attribute;
        match &rule.kind {
            CustomRuleKind::NumericDifference { max } => {
                let (Some(x), Some(y)) = (a.numbers.get(key), b.numbers.get(key)) else {
                    return false;
                };
                reaches(*x, max.at(self.wait), *y) && reaches(*y, max.at(other.wait), *x)
            }
            CustomRuleKind::Equal { relax_after_secs } => {
                let relaxed =
                    |w: std::time::Duration| relax_after_secs.is_some_and(|s| w.as_secs() >= s);
                let (Some(x), Some(y)) = (a.strings.get(key), b.strings.get(key)) else {
                    return false;
                };
                x == y || (relaxed(self.wait) && relaxed(other.wait))
            }
            CustomRuleKind::Intersect { relax_after_secs } => {
                let relaxed =
                    |w: std::time::Duration| relax_after_secs.is_some_and(|s| w.as_secs() >= s);
                let (Some(x), Some(y)) = (a.sets.get(key), b.sets.get(key)) else {
                    return false;
                };
                x.intersection(y).next().is_some() || (relaxed(self.wait) && relaxed(other.wait))
            }
        }
    }
}

/// A pairwise rule of the queue, for why-not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Rating,
    Region,
    /// The custom rule at this index.
    Custom(usize),
}

pub(super) fn explain(
    config: &QueueConfig,
    id: TicketId,
    tickets: &[Ticket],
    now: DateTime<Utc>,
) -> Result<Vec<Blocker>> {
    let ticket = tickets
        .iter()
        .find(|t| t.id() == id)
        .ok_or(Error::TicketNotFound(id))?;
    let me = Limits::new(config, ticket, now);
    if let Some(max) = config.max_wait().filter(|&max| me.wait > max) {
        return Ok(vec![Blocker::Expired {
            waited_secs: me.wait.as_secs(),
            max_wait_secs: max.as_secs(),
        }]);
    }
    // The matcher's own test of which tickets take part, so the two agree.
    if let Err(reason) = config.usable(ticket) {
        return Ok(vec![Blocker::Unusable { reason }]);
    }
    let others: Vec<Limits<'_>> = tickets
        .iter()
        .filter(|t| t.id() != id)
        .filter(|t| config.max_wait().is_none_or(|max| t.wait(now) <= max))
        .filter(|t| config.usable(t).is_ok())
        .map(|t| Limits::new(config, t, now))
        .collect();
    // The pairwise rules, each a test of another ticket against this one.
    let mut checks = vec![Check::Rating];
    if config.spec().region.is_some() {
        checks.push(Check::Region);
    }
    checks.extend((0..config.spec().custom.len()).map(Check::Custom));
    let passes = |o: &Limits<'_>, check: Check| match check {
        Check::Rating => me.rating_ok(o),
        Check::Region => me.region_ok(config, o),
        Check::Custom(r) => me.custom_ok(config, r, o),
    };
    let blocker = |check: Check| match check {
        Check::Rating => Blocker::Rating {
            rating: ticket.rating().rating(),
            window: me.window,
        },
        Check::Region => Blocker::Region {
            region: match config.spec().region {
                Some(RegionRule::Same) => ticket.attributes().region.clone(),
                _ => None,
            },
            max_latency_ms: me.latency,
        },
        Check::Custom(r) => Blocker::Custom {
            attribute: config.spec().custom[r].attribute.clone(),
        },
    };
    let mut blockers: Vec<Blocker> = checks
        .iter()
        .filter(|&&check| !others.iter().any(|o| passes(o, check)))
        .map(|&check| blocker(check))
        .collect();
    if !blockers.is_empty() {
        return Ok(blockers);
    }
    let compatible: Vec<&Limits<'_>> = others
        .iter()
        .filter(|o| checks.iter().all(|&check| passes(o, check)))
        .collect();
    let needed = config.format().players();
    let available = ticket.size() as u32
        + compatible
            .iter()
            .map(|o| o.ticket.size() as u32)
            .sum::<u32>();
    if available < needed {
        // Which rules keep the others out: first those that alone keep out
        // a ticket meeting every other rule, else any that keep one out.
        let failed: Vec<Vec<Check>> = others
            .iter()
            .map(|o| checks.iter().copied().filter(|&c| !passes(o, c)).collect())
            .collect();
        let mut culprits: Vec<Check> = checks
            .iter()
            .copied()
            .filter(|&c| failed.iter().any(|f| f.as_slice() == [c]))
            .collect();
        if culprits.is_empty() {
            culprits = checks
                .iter()
                .copied()
                .filter(|&c| failed.iter().any(|f| f.contains(&c)))
                .collect();
        }
        blockers.push(if culprits.is_empty() {
            Blocker::NotEnoughPlayers { available, needed }
        } else {
            Blocker::RulesTogether {
                rules: culprits
                    .into_iter()
                    .map(|c| match c {
                        Check::Rating => "rating".to_owned(),
                        Check::Region => "region".to_owned(),
                        Check::Custom(r) => config.spec().custom[r].attribute.clone(),
                    })
                    .collect(),
                available,
                needed,
            }
        });
    }
    if let Some(roles) = &config.spec().roles {
        let teams = config.format().teams() as u32;
        // A match is played in one region: count each role per region this
        // ticket accepts, among the compatible tickets that accept it too, and
        // report a role short in every region with the region where it comes
        // closest (the first on a tie).
        let mine = me.regions(config);
        let scopes: Vec<Option<&Region>> = if mine.is_empty() {
            vec![None]
        } else {
            mine.iter().map(|r| Some(*r)).collect()
        };
        for slot in &roles.slots {
            let need = slot.count * teams;
            let mut closest: Option<(u32, Option<&Region>)> = None;
            for &scope in &scopes {
                let able = std::iter::once(ticket)
                    .chain(
                        compatible
                            .iter()
                            .filter(|o| scope.is_none_or(|r| o.regions(config).contains(&r)))
                            .map(|o| o.ticket),
                    )
                    .flat_map(Ticket::players)
                    .filter(|p| p.roles.is_empty() || p.roles.contains(&slot.role))
                    .count() as u32;
                if closest.is_none_or(|(most, _)| able > most) {
                    closest = Some((able, scope));
                }
            }
            if let Some((able, region)) = closest.filter(|&(able, _)| able < need) {
                blockers.push(Blocker::Role {
                    role: slot.role.clone(),
                    region: region.cloned(),
                    available: able,
                    needed: need,
                });
            }
        }
    }
    if let Some(mine) = me.premade {
        // Every match with this party has a largest party of at least its
        // size and a limit of at most its tolerance, so each other team needs
        // a party of at least `size - limit`, whose own tolerance counts too
        // (the matcher's `premade_room`, from this ticket's side).
        let size = ticket.size() as u32;
        let fits = |o: &&&Limits<'_>| {
            let limit = o.premade.map_or(mine, |theirs| theirs.min(mine));
            o.ticket.size() as u32 >= size.saturating_sub(limit)
        };
        let available = compatible.iter().filter(fits).count() as u32;
        let needed = config.format().teams() as u32 - 1;
        if available < needed {
            blockers.push(Blocker::Premade {
                size,
                least: size.saturating_sub(mine).max(1),
                available,
                needed,
            });
        }
    }
    if blockers.is_empty() {
        // Pairwise everything fits; see whether a full match exists right now.
        let matcher = super::Matcher::new(config.clone());
        let outcome = matcher.find_matches(tickets, now);
        let matched = outcome.proposals.iter().any(|p| p.has_ticket(id));
        if !matched {
            blockers.push(Blocker::NoValidCombination);
        }
    }
    Ok(blockers)
}
