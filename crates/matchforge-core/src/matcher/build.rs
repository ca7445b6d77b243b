//! Turning the matches the search found into [`MatchProposal`]s, a batch at a
//! time.
//!
//! A proposal needs each matched ticket's id and players, which sit at random
//! places in memory (the search picks tickets by rating, not by position). Built
//! one by one, every proposal would wait for those cache misses in turn; kept
//! until [`BATCH`] matches are pending, their loads are issued together first,
//! so the processor overlaps the misses.

use super::prepare::{EntryInfo, Prepared};
use super::proposal::{MatchProposal, MatchQuality, Seat};
use super::roles::{NO_ROLE, UNKNOWN_ROLE};
use crate::ids::{PlayerId, Region};
use crate::queue::{QueueConfig, RegionRule};
use crate::rating::{Rating, RatingAlgorithm};
use crate::teams::roles::RoleChoice;
use crate::teams::solver::Solution;
use crate::ticket::Ticket;

/// Matches kept before their proposals are built.
pub(crate) const BATCH: usize = 16;

/// One pending match: where its entries and roles end in the flat arrays,
/// and its figures.
#[derive(Debug, Clone, Copy)]
struct Pending {
    chosen_end: usize,
    roles_end: usize,
    spread: f64,
    imbalance: f64,
    lower_bound: f64,
}

/// Builds proposals for one tick.
pub(crate) struct Builder<'m> {
    config: &'m QueueConfig,
    predictor: &'m dyn RatingAlgorithm,
    pending: Vec<Pending>,
    /// The pending matches' entries, match after match, and each entry's team.
    chosen: Vec<u32>,
    teams: Vec<u16>,
    /// The pending matches' role choices, one per player (none without roles).
    roles: Vec<RoleChoice>,
    ratings: Vec<Rating>,
    /// Per ticket of the match being built: where its players start.
    first_player: Vec<usize>,
    /// The tickets of the match being built (positions in its chosen
    /// entries) by team, each team's in the order chosen.
    by_team: Vec<u32>,
    /// Every team has one place (1v1, free-for-all), so every ticket is one
    /// player: a proposal then needs nothing of its entries but their
    /// [`EntryInfo`](super::prepare::EntryInfo), one cache line each.
    solo: bool,
}

impl<'m> Builder<'m> {
    pub(crate) fn new(config: &'m QueueConfig, predictor: &'m dyn RatingAlgorithm) -> Self {
        Self {
            config,
            predictor,
            pending: Vec::with_capacity(BATCH),
            chosen: Vec::new(),
            teams: Vec::new(),
            roles: Vec::new(),
            ratings: Vec::new(),
            first_player: Vec::new(),
            by_team: Vec::new(),
            solo: config.format().team_sizes().iter().all(|&size| size == 1),
        }
    }

    /// How many matches wait for their proposals.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Keeps the match of `chosen` entries, split as `solution`, for the next
    /// [`flush`](Self::flush).
    pub(crate) fn push(&mut self, chosen: &[u32], solution: &Solution, spread: f64) {
        self.chosen.extend_from_slice(chosen);
        self.teams.extend_from_slice(&solution.team_of);
        self.roles.extend_from_slice(&solution.roles);
        self.pending.push(Pending {
            chosen_end: self.chosen.len(),
            roles_end: self.roles.len(),
            spread,
            imbalance: solution.imbalance,
            lower_bound: solution.lower_bound,
        });
    }

    /// Builds the pending matches' proposals into `out`, in the order they were
    /// pushed.
    pub(crate) fn flush(&mut self, prep: &Prepared<'_>, out: &mut Vec<MatchProposal>) {
        touch(prep, &self.chosen, self.solo);
        let (mut chosen_start, mut roles_start) = (0, 0);
        for i in 0..self.pending.len() {
            let m = self.pending[i];
            let proposal = self.proposal(
                prep,
                chosen_start..m.chosen_end,
                roles_start..m.roles_end,
                m,
            );
            out.push(proposal);
            (chosen_start, roles_start) = (m.chosen_end, m.roles_end);
        }
        self.pending.clear();
        self.chosen.clear();
        self.teams.clear();
        self.roles.clear();
    }

    fn proposal(
        &mut self,
        prep: &Prepared<'_>,
        entries: std::ops::Range<usize>,
        roles: std::ops::Range<usize>,
        m: Pending,
    ) -> MatchProposal {
        // The search and the balancer put a 1v1 match's tickets on teams 0
        // and 1 in the order chosen; any other order takes the general path.
        let duel = match (&self.chosen[entries.clone()], &self.teams[entries.clone()]) {
            (&[a, b], &[0, 1]) => Some([a, b]),
            _ => None,
        }
        .filter(|_| self.solo && self.config.spec().roles.is_none());
        let (seats, win_probability) = match duel {
            Some(pair) => self.duel_seats(prep, pair),
            None => self.team_seats(prep, entries.clone(), roles),
        };
        let chosen = &self.chosen[entries];
        // Entries are oldest first: the lowest index waited longest.
        let longest_wait = chosen
            .iter()
            .min()
            .map(|&e| prep.waits[e as usize])
            .unwrap_or_default();
        MatchProposal {
            seats,
            region: region_for(self.config, prep, chosen),
            quality: MatchQuality {
                rating_spread: m.spread,
                team_imbalance: m.imbalance,
                imbalance_lower_bound: m.lower_bound,
                win_probability: win_probability.filter(|p| p.is_finite()).unwrap_or(0.5),
                longest_wait,
            },
        }
    }

    /// The seats of a 1v1 match without roles (`pair`: the entries of teams
    /// 0 and 1), straight from the entries' infos, and team 0's predicted win
    /// probability.
    fn duel_seats(&self, prep: &Prepared<'_>, pair: [u32; 2]) -> (Vec<Seat>, Option<f64>) {
        let [a, b] = pair.map(|e| &prep.infos[e as usize]);
        let seat = |info: &EntryInfo, team| Seat {
            player: info.lead.id,
            ticket: info.id,
            team,
            role: None,
        };
        let seats = vec![seat(a, 0), seat(b, 1)];
        let win_probability = self
            .predictor
            .win_probability(&[a.lead.rating], &[b.lead.rating])
            .ok();
        (seats, win_probability)
    }

    /// The seats of any match, by team, and team 0's predicted win
    /// probability (of finishing first, with more than two teams).
    fn team_seats(
        &mut self,
        prep: &Prepared<'_>,
        entries: std::ops::Range<usize>,
        roles: std::ops::Range<usize>,
    ) -> (Vec<Seat>, Option<f64>) {
        let format = self.config.format();
        let teams = format.teams();
        let composition = self.config.spec().roles.as_ref();
        let chosen = &self.chosen[entries.clone()];
        let team_of = &self.teams[entries];
        let choices = &self.roles[roles];
        let mut seats = Vec::with_capacity(format.players() as usize);
        let ratings = &mut self.ratings;
        ratings.clear();
        // Where each ticket's players start among the match's role choices.
        let firsts_at = &mut self.first_player;
        firsts_at.clear();
        let mut at = 0usize;
        for &e in chosen {
            firsts_at.push(at);
            at += if self.solo {
                1
            } else {
                prep.entries[e as usize].size as usize
            };
        }
        // Seats by team, a ticket's players together, tickets in the order
        // chosen: built in that order directly, so no seat is moved or cloned
        // afterwards (the tickets are put in that order first, stably, which
        // costs O(k log k) for k tickets where a pass per team would cost
        // O(teams × k): quadratic in a free-for-all). A solo ticket's seat
        // comes from the copy made in the sequential pass; only parties'
        // player lists are read (and a ticket's roles only for a first choice
        // the queue does not know).
        let by_team = &mut self.by_team;
        by_team.clear();
        by_team.extend(0..chosen.len() as u32);
        by_team.sort_by_key(|&g| team_of[g as usize]);
        for &g in by_team.iter() {
            let g = g as usize;
            let (e, team) = (chosen[g], team_of[g]);
            let first_player = firsts_at[g];
            let info = &prep.infos[e as usize];
            let firsts = prep.roles.first_roles(e);
            let mut seat = |k: usize, player: PlayerId, player_rating: Rating| {
                let role = composition.and_then(|c| {
                    let slot = match choices.get(first_player + k) {
                        Some(RoleChoice::Role(i)) => *i,
                        // An open place: the player plays their first choice.
                        _ => firsts.get(k).copied().unwrap_or(NO_ROLE),
                    };
                    match slot {
                        NO_ROLE => None,
                        // A first choice the queue does not know: report it
                        // as the player wrote it.
                        UNKNOWN_ROLE => ticket_of(prep, e).players()[k].roles.first().cloned(),
                        i => c.slots.get(usize::from(i)).map(|s| s.role.clone()),
                    }
                });
                seats.push(Seat {
                    player,
                    ticket: info.id,
                    team,
                    role,
                });
                ratings.push(player_rating);
            };
            let entry = (!self.solo).then(|| prep.entries[e as usize]);
            match entry {
                Some(entry) if entry.size > 1 => {
                    let players = ticket_of(prep, e).players();
                    for (k, player) in players.iter().enumerate() {
                        seat(k, player.id, player.rating.with_rating(entry.rating));
                    }
                }
                _ => seat(0, info.lead.id, info.lead.rating),
            }
        }

        let win_probability = if teams == 2 {
            let end = seats.partition_point(|s| s.team == 0);
            let (a, b) = ratings.split_at(end);
            self.predictor.win_probability(a, b).ok()
        } else {
            let mut slices: Vec<&[Rating]> = Vec::with_capacity(teams);
            let mut start = 0;
            for team in 0..teams as u16 {
                let end = seats.partition_point(|s| s.team <= team);
                slices.push(&ratings[start..end]);
                start = end;
            }
            self.predictor
                .win_probabilities(&slices)
                .ok()
                .and_then(|p| p.first().copied())
        };
        (seats, win_probability)
    }
}

/// Loads what the proposals of `chosen` entries read, in rounds of loads that
/// do not depend on each other (so their cache misses overlap): the entries,
/// then parties' tickets and latency lists, then parties' players. With
/// `solo` tickets only (see [`Builder`]), the first round is all there is.
fn touch(prep: &Prepared<'_>, chosen: &[u32], solo: bool) {
    let latencies = !prep.latency_limit.is_empty();
    let mut acc = 0u64;
    for &e in chosen {
        let e = e as usize;
        acc ^= u64::from(prep.infos[e].id.as_uuid().as_bytes()[0]);
        if !solo {
            acc ^= u64::from(prep.entries[e].size);
        }
        if latencies {
            acc ^= u64::from(prep.latency_start[e]) ^ prep.latency_limit[e].to_bits();
        }
    }
    let party = |e: u32| !solo && prep.entries[e as usize].size > 1;
    for &e in chosen {
        if party(e) {
            acc ^= ticket_of(prep, e).players().len() as u64;
        }
        if latencies {
            let start = prep.latency_start[e as usize] as usize;
            acc ^= prep.latencies.get(start).map_or(0, |&(r, _)| u64::from(r));
        }
    }
    for &e in chosen.iter().filter(|&&e| party(e)) {
        for player in ticket_of(prep, e).players() {
            acc ^= u64::from(player.id.as_uuid().as_bytes()[0]);
        }
    }
    std::hint::black_box(acc);
}

fn ticket_of<'a>(prep: &Prepared<'a>, e: u32) -> &'a Ticket {
    &prep.tickets[prep.entries[e as usize].ticket as usize]
}

/// The region of a match: the shared region, or the common acceptable region
/// with the lowest worst latency (ties by name).
fn region_for(config: &QueueConfig, prep: &Prepared<'_>, chosen: &[u32]) -> Option<Region> {
    match &config.spec().region {
        None => None,
        Some(RegionRule::Same) => ticket_of(prep, *chosen.first()?)
            .attributes()
            .region
            .clone(),
        Some(RegionRule::BestCommon { .. }) => {
            let (first, _) = prep.latencies_of(*chosen.first()? as usize);
            first
                .iter()
                .filter_map(|&(region, _)| {
                    let mut worst = 0u32;
                    for &e in chosen {
                        let (latencies, limit) = prep.latencies_of(e as usize);
                        let &(_, ms) = latencies.iter().find(|(r, _)| *r == region)?;
                        if f64::from(ms) > limit {
                            return None;
                        }
                        worst = worst.max(ms);
                    }
                    let name = &prep.regions[region as usize];
                    Some((worst, name))
                })
                .min()
                .map(|(_, region)| region.clone())
        }
    }
}
