//! The team-balancing search: exact branch and bound for small matches, a
//! bounded search plus local improvement (with a lower bound) for large ones.

use super::feasible::FeasibleSplit;
use super::packing::{Packing, pack_parties};
use super::roles::{RoleChoice, RolePrefs, RoleSolver, TeamHall, TeamMatching};

/// Matches of at most this many players are always solved exactly.
pub(crate) const EXACT_PLAYERS: u32 = 16;

/// Search nodes the branch and bound may visit on a large match before the local
/// search takes over.
const LARGE_NODE_BUDGET: u64 = 20_000;

/// On a large match, nodes the branch and bound may still visit once it has a
/// split (a hint, or the first it finds) before the local search takes over.
/// Past this many, more nodes rarely improve the split but cost time: at
/// 20,000 instead, a tick over 100,000 tickets of 10 teams of 4 took 2.5 times
/// as long for the same mean imbalance.
const LARGE_NODES_AFTER_FOUND: u64 = 5_000;

/// More than two teams: two-team re-splits allowed per team (see
/// [`Balancer::resplit_pairs`]). Random matches of 40 teams of 5 solo
/// players needed 324 on average and at most 1,073 of the 1,280 allowed with
/// ratings drawn from N(1500, 300); with ratings uniform over 1000–2000, 577
/// on average, and 6 in 1,000 ran out.
const RESPLITS_PER_TEAM: usize = 32;

/// Search nodes a re-split of two teams of more than [`EXACT_PLAYERS`] in
/// all may visit (see [`Balancer::resplit_pairs`]), starting from the
/// current split. Random matches (30 each, ratings N(1500, 300)), mean
/// imbalance and time per match with 0, 1,000, 2,000 and 5,000 nodes: 3
/// teams of 10 solo players 0.49, 0.033, 0.012, 0.0065 points for 0.12,
/// 0.26, 0.41, 0.77 ms; 10 teams of 20 solo players 0.048, 0.0030, 0.0014,
/// 0.0005 for 6.9, 8.2, 9.5, 12.9 ms; 5 teams of 12 with roles 0.30, 0.014,
/// 0.0064, 0.0032 for 4.0, 4.6, 5.3, 6.6 ms.
const LARGE_PAIR_NODE_BUDGET: u64 = 1_000;

/// Improvements below this are treated as ties.
const EPS: f64 = 1e-9;

/// The tolerance of a comparison with the dispersion `d` of team means: EPS
/// relative to it (it is in squared rating units, so its rounding grows with
/// it), and at least EPS.
fn dispersion_tolerance(d: f64) -> f64 {
    EPS * d.abs().max(1.0)
}

/// Ratings beyond this magnitude are balanced scaled by [`LARGE_SCALE`]: a
/// team's rating mass (up to 200 players' ratings) and the lower bound's
/// (twice that) then stay finite. Both are powers of two, so scaling is exact
/// and the split is the one the unscaled ratings would give without overflow.
const LARGE_RATING: f64 = f64::MAX / 1024.0;
const LARGE_SCALE: f64 = 1.0 / 4096.0;

/// The factor the balancer scales `groups`' ratings by: 1, or
/// [`LARGE_SCALE`] when a rating's magnitude exceeds [`LARGE_RATING`].
pub(crate) fn rating_scale(groups: &[Group]) -> f64 {
    if groups.iter().any(|g| g.rating.abs() > LARGE_RATING) {
        LARGE_SCALE
    } else {
        1.0
    }
}

/// One indivisible group of players (a ticket).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    /// Players in the group.
    pub(crate) size: u32,
    /// The rating each of its players counts with (the party rating).
    pub(crate) rating: f64,
    /// Index of its first player in [`Problem::prefs`].
    pub(crate) first_player: u32,
}

/// A balancing problem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Problem<'a> {
    pub(crate) team_sizes: &'a [u32],
    pub(crate) groups: &'a [Group],
    /// Role preferences per player, group by group; empty when there are no roles.
    pub(crate) prefs: &'a [RolePrefs],
    /// Fixed role counts per team (the same for every team); `None` without roles.
    pub(crate) role_counts: Option<&'a [u32]>,
    /// Largest allowed difference between teams' biggest parties.
    pub(crate) premade_limit: Option<u32>,
    /// A valid split already known (a team per group), used as the first
    /// incumbent so the search prunes from the start.
    pub(crate) hint: Option<&'a [u16]>,
    /// Two teams re-split inside a larger match (see
    /// [`Balancer::resplit_pairs`]): the other teams, against which the
    /// split is scored and the premade limit kept. `None` for a match of
    /// its own.
    pub(crate) outside: Option<Outside>,
}

/// The teams of a match other than the two being re-split (see
/// [`Balancer::resplit_pairs`]). With it, a two-team problem is solved for
/// the whole match: its best split is the one with the smallest spread of
/// all teams' means, then the smallest [`dispersion`] of them, and the
/// premade limit holds against every team.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outside {
    /// The lowest and the highest mean of the other teams.
    pub(crate) means: (f64, f64),
    /// The smallest and the largest of the other teams' biggest parties.
    pub(crate) largest: (u32, u32),
    /// All teams' means are measured from this (any value gives the same
    /// order of splits; one near the means keeps the squares small, so
    /// that their rounding stays far below the search's tolerance).
    pub(crate) reference: f64,
    /// The other teams' means, each minus `reference`, summed.
    pub(crate) others: f64,
    /// Teams in the whole match.
    pub(crate) teams: f64,
}

impl Outside {
    /// The same teams with ratings scaled by `scale` (see [`rating_scale`]).
    fn scaled(self, scale: f64) -> Self {
        Outside {
            means: (self.means.0 * scale, self.means.1 * scale),
            reference: self.reference * scale,
            others: self.others * scale,
            ..self
        }
    }

    /// The score of a split of the pair with team rating masses `s0` and
    /// `s1`: the spread of all teams' means, and the [`dispersion`] of all
    /// of them less the other teams' own squares (which no split of the
    /// pair changes).
    fn score(&self, sizes: [f64; 2], s0: f64, s1: f64) -> (f64, f64) {
        let (m0, m1) = (s0 / sizes[0], s1 / sizes[1]);
        let spread = m0.max(m1).max(self.means.1) - m0.min(m1).min(self.means.0);
        (spread, self.dispersion(m0, m1))
    }

    /// [`dispersion`] of all teams' means, less a constant, with the pair's
    /// means `m0` and `m1`: Σ(m − r)² − (Σ(m − r))² / teams with `r` the
    /// reference, dropping the other teams' (m − r)².
    fn dispersion(&self, m0: f64, m1: f64) -> f64 {
        let (u0, u1) = (m0 - self.reference, m1 - self.reference);
        let total = self.others + u0 + u1;
        u0 * u0 + u1 * u1 - total * total / self.teams
    }
}

#[cfg(test)]
impl<'a> Problem<'a> {
    /// A problem without roles, premade limit or hint.
    pub(crate) fn plain(team_sizes: &'a [u32], groups: &'a [Group]) -> Self {
        Problem {
            team_sizes,
            groups,
            prefs: &[],
            role_counts: None,
            premade_limit: None,
            hint: None,
            outside: None,
        }
    }
}

/// A solution: a team for every group, a role for every player.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Solution {
    pub(crate) team_of: Vec<u16>,
    /// One per player (same order as `prefs`); empty without roles.
    pub(crate) roles: Vec<RoleChoice>,
    pub(crate) imbalance: f64,
    pub(crate) lower_bound: f64,
    pub(crate) exact: bool,
}

/// Reusable state for balancing many matches.
#[derive(Debug, Default)]
pub(crate) struct Balancer {
    roles: RoleSolver,
    order: Vec<usize>,
    suffix_min: Vec<f64>,
    suffix_max: Vec<f64>,
    /// Two teams: for each depth, prefix sums of the remaining players'
    /// ratings sorted ascending (`players + 1` entries per depth, flattened).
    suffix_prefix: Vec<f64>,
    suffix_start: Vec<usize>,
    depth_of: Vec<usize>,
    sorted_players: Vec<(f64, usize)>,
    /// The (role counts, team sizes) `hall_slots` was computed for.
    hall_shape: (Vec<u32>, Vec<u32>),
    assign: Vec<u16>,
    best: Vec<u16>,
    team_prefs: Vec<RolePrefs>,
    team_choices: Vec<RoleChoice>,
    owners: Vec<usize>,
    /// Hall's check per team during the search, when the roles allow it.
    halls: Vec<TeamHall>,
    hall_slots: Vec<[u32; 64]>,
    masks: Vec<u8>,
    /// Each team's places matched to its players during the search, when the
    /// roles are too many for Hall's check.
    matchings: Vec<TeamMatching>,
    /// Per player: the place types they accept, for `matchings`.
    wide_masks: Vec<u32>,
    /// Per team during the search: its biggest party (0 while it is empty).
    largest: Vec<u32>,
    remaining: Vec<u32>,
    sums: Vec<f64>,
    /// Players per team of a hinted split (see `valid_split`).
    fill: Vec<u32>,
    /// The last resort on a large match (see `solve`).
    feasible: FeasibleSplit,
    /// Whether the last `solve` that failed gave up at a node budget.
    undecided: bool,
    /// The groups with their ratings scaled (see [`rating_scale`]).
    scaled: Vec<Group>,
    /// Solves the two-team problems of [`resplit_pairs`](Self::resplit_pairs).
    pair: Option<Box<Balancer>>,
}

struct Search {
    /// The best split's spread of team means (of all teams, with
    /// [`Problem::outside`]).
    best_imbalance: f64,
    /// With [`Problem::outside`], the best split's dispersion term (see
    /// [`Outside::score`]), the tie-break between splits of one spread.
    best_dispersion: f64,
    /// With [`Problem::outside`], the bound at the root: once the best split
    /// is within `EPS` of it on both counts, none is better.
    floor: (f64, f64),
    /// Teams are checked for roles as groups join them (Hall's condition),
    /// so every leaf reached can fill its roles.
    hall: bool,
    /// The same check for more roles than Hall's allows, under a node budget
    /// only: each team's players are kept matched to its places as they join.
    matching: bool,
    /// The premade limit, checked as groups join teams, under a node budget
    /// only (`None` otherwise).
    premade: Option<u32>,
    found: bool,
    nodes: u64,
    budget: u64,
    /// Nodes allowed once a split is found (`budget` is then lowered to
    /// match).
    after_found: u64,
    exhausted: bool,
}

impl Search {
    /// Records that a split is known.
    fn found_one(&mut self) {
        if !self.found {
            self.found = true;
            self.budget = self.budget.min(self.nodes.saturating_add(self.after_found));
        }
    }
}

impl Balancer {
    /// Balances `p` into `out`, or returns `false` when it found no split that
    /// keeps parties whole, fills every team exactly and satisfies roles and
    /// the premade limit (`out` is then unspecified): none exists, unless
    /// [`undecided`](Self::undecided) says the search gave up at its budget.
    ///
    /// Ratings near the largest float are balanced scaled down (see
    /// [`rating_scale`]); the imbalance and lower bound reported are then
    /// scaled back, saturating at `f64::MAX`.
    pub(crate) fn solve(&mut self, p: &Problem<'_>, out: &mut Solution) -> bool {
        let scale = rating_scale(p.groups);
        if scale == 1.0 {
            return self.solve_unscaled(p, out);
        }
        let mut scaled = std::mem::take(&mut self.scaled);
        scaled.clear();
        scaled.extend(p.groups.iter().map(|g| Group {
            rating: g.rating * scale,
            ..*g
        }));
        let ok = self.solve_unscaled(
            &Problem {
                groups: &scaled,
                outside: p.outside.map(|o| o.scaled(scale)),
                ..*p
            },
            out,
        );
        self.scaled = scaled;
        if ok {
            out.imbalance = (out.imbalance / scale).min(f64::MAX);
            out.lower_bound = (out.lower_bound / scale).min(f64::MAX);
        }
        ok
    }

    /// [`solve`](Self::solve) for ratings small enough that no sum of them
    /// overflows.
    fn solve_unscaled(&mut self, p: &Problem<'_>, out: &mut Solution) -> bool {
        self.undecided = false;
        let players: u32 = p.groups.iter().map(|g| g.size).sum();
        if players != p.team_sizes.iter().sum::<u32>() || p.groups.is_empty() {
            return false;
        }
        if p.team_sizes.iter().all(|&s| s == 1) {
            return self.solve_solo_teams(p, out);
        }
        let exact_required = players <= EXACT_PLAYERS;

        // A pair re-split inside a larger match beyond `EXACT_PLAYERS`:
        // only the budgeted search, from the current split (the hint), which
        // it returns unless it finds better. The local searches below score
        // the two teams alone, not the match.
        let large_pair = p.outside.is_some() && !exact_required;
        let (budget, after_found) = if exact_required {
            (u64::MAX, u64::MAX)
        } else if large_pair {
            (LARGE_PAIR_NODE_BUDGET, LARGE_PAIR_NODE_BUDGET)
        } else {
            (LARGE_NODE_BUDGET, LARGE_NODES_AFTER_FOUND)
        };
        let search = self.branch_and_bound(p, budget, after_found, !exact_required);
        if search.found && (!search.exhausted || large_pair) {
            let imbalance = search.best_imbalance;
            let best = std::mem::take(&mut self.best);
            let ok = self.finish(p, &best, imbalance, imbalance, !search.exhausted, out);
            self.best = best;
            return ok;
        }
        if exact_required || large_pair {
            return false;
        }
        // Large match: improve whatever we have (or a greedy packing) by local
        // search, and say how far from optimal the result can be.
        let start = if search.found {
            Some(self.best.clone())
        } else {
            self.greedy_packing(p)
        };
        let mut team_of = start.and_then(|start| self.local_search(p, start, false));
        if search.found && p.team_sizes.len() > 2 {
            // With more than two teams, a move that does not touch both the
            // highest and the lowest team mean does not lower their spread,
            // so the local search stalls where the search's first split left
            // it (100 teams of 2 stalled at 757 points). A second local
            // search starts from the greedy packing, which deals the
            // best-rated group to the emptiest, lowest team, and also takes
            // moves that keep the spread but bring the means together; the
            // better of the two ends is kept, so no split gets worse. Two
            // teams have no such plateau, so their matches skip the cost.
            if let Some(packed) = self
                .greedy_packing(p)
                .and_then(|start| self.local_search(p, start, true))
            {
                let better = team_of.as_ref().is_none_or(|current| {
                    imbalance_of(p, &packed) < imbalance_of(p, current) - EPS
                });
                if better {
                    team_of = Some(packed);
                }
            }
        }
        if team_of.is_none() {
            // No valid split in the search's budget, and the packing (blind to
            // roles and the premade limit) could not be repaired: look for
            // one for feasibility alone, then balance it.
            team_of = self
                .feasible
                .find(p, &self.order)
                .and_then(|start| self.local_search(p, start, false));
            self.undecided = self.feasible.ran_out();
            if self.undecided && p.role_counts.is_none() && p.premade_limit.is_none() {
                // Without roles or a premade limit only the parties' sizes
                // matter, and a search over them decides.
                match pack_parties(p, &self.order) {
                    Packing::Found(start) => {
                        team_of = self.local_search(p, start, false);
                        self.undecided = team_of.is_none();
                    }
                    Packing::Impossible => self.undecided = false,
                    Packing::GaveUp => {}
                }
            }
        }
        let Some(mut team_of) = team_of else {
            return false;
        };
        self.resplit_pairs(p, &mut team_of);
        let imbalance = imbalance_of(p, &team_of);
        let lower_bound = lower_bound(p, imbalance);
        self.finish(p, &team_of, imbalance, lower_bound, false, out)
    }

    /// After [`solve`](Self::solve) returned false: whether it gave up at a
    /// node budget, so that a valid split may exist (possible beyond
    /// [`EXACT_PLAYERS`] only, and rare: see the `teams` module). Otherwise
    /// none exists.
    pub(crate) fn undecided(&self) -> bool {
        self.undecided
    }

    /// Free-for-all and 1v1: every group is one player and every team one place,
    /// so every assignment has the same imbalance; keep the given order.
    fn solve_solo_teams(&mut self, p: &Problem<'_>, out: &mut Solution) -> bool {
        if p.groups.len() != p.team_sizes.len() || p.groups.iter().any(|g| g.size != 1) {
            return false;
        }
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for g in p.groups {
            lo = lo.min(g.rating);
            hi = hi.max(g.rating);
        }
        let mut team_of = std::mem::take(&mut self.assign);
        team_of.clear();
        team_of.extend(0..p.groups.len() as u16);
        let ok = self.finish(p, &team_of, hi - lo, hi - lo, true, out);
        self.assign = team_of;
        ok
    }

    fn finish(
        &mut self,
        p: &Problem<'_>,
        team_of: &[u16],
        imbalance: f64,
        lower_bound: f64,
        exact: bool,
        out: &mut Solution,
    ) -> bool {
        if !premade_ok(p, team_of) {
            return false;
        }
        out.roles.clear();
        if let Some(counts) = p.role_counts {
            out.roles.resize(p.prefs.len(), RoleChoice::Open);
            let fixed: u32 = counts.iter().sum();
            for (team, &size) in p.team_sizes.iter().enumerate() {
                self.team_prefs.clear();
                self.owners.clear();
                for (g, group) in p.groups.iter().enumerate() {
                    if team_of[g] as usize == team {
                        for k in 0..group.size {
                            let idx = (group.first_player + k) as usize;
                            self.team_prefs.push(p.prefs[idx]);
                            self.owners.push(idx);
                        }
                    }
                }
                if self
                    .roles
                    .solve(
                        &self.team_prefs,
                        counts,
                        size - fixed,
                        Some(&mut self.team_choices),
                    )
                    .is_none()
                {
                    return false;
                }
                for (slot, &idx) in self.owners.iter().enumerate() {
                    out.roles[idx] = self.team_choices[slot];
                }
            }
        }
        out.team_of.clear();
        out.team_of.extend_from_slice(team_of);
        out.imbalance = imbalance;
        out.lower_bound = lower_bound;
        out.exact = exact;
        true
    }

    /// Searches for the best split within `budget` nodes. With `budgeted`,
    /// the premade limit and roles beyond Hall's check are also checked as
    /// groups join teams, so the budget is not spent below placements that
    /// cannot lead to a valid split. An exact search reaches the same optimum
    /// without them, and skipping subtrees would change the rounding of the
    /// running team sums, so the last bits of the imbalance it reports.
    fn branch_and_bound(
        &mut self,
        p: &Problem<'_>,
        budget: u64,
        after_found: u64,
        budgeted: bool,
    ) -> Search {
        let n = p.groups.len();
        self.order.clear();
        self.order.extend(0..n);
        self.order.sort_by(|&a, &b| {
            let (ga, gb) = (&p.groups[a], &p.groups[b]);
            gb.size
                .cmp(&ga.size)
                .then(gb.rating.total_cmp(&ga.rating))
                .then(a.cmp(&b))
        });
        self.suffix_min.clear();
        self.suffix_min.resize(n + 1, f64::INFINITY);
        self.suffix_max.clear();
        self.suffix_max.resize(n + 1, f64::NEG_INFINITY);
        for i in (0..n).rev() {
            let r = p.groups[self.order[i]].rating;
            self.suffix_min[i] = self.suffix_min[i + 1].min(r);
            self.suffix_max[i] = self.suffix_max[i + 1].max(r);
        }
        if p.team_sizes.len() == 2 {
            // Players sorted by rating once, each tagged with its group's depth
            // in the search order; depth d's remaining players are those tagged
            // >= d, already in order.
            self.depth_of.clear();
            self.depth_of.resize(n, 0);
            for (depth, &g) in self.order.iter().enumerate() {
                self.depth_of[g] = depth;
            }
            self.sorted_players.clear();
            for (g, group) in p.groups.iter().enumerate() {
                let depth = self.depth_of[g];
                self.sorted_players.extend(std::iter::repeat_n(
                    (group.rating, depth),
                    group.size as usize,
                ));
            }
            self.sorted_players.sort_by(|a, b| a.0.total_cmp(&b.0));
            self.suffix_prefix.clear();
            self.suffix_start.clear();
            for d in 0..=n {
                self.suffix_start.push(self.suffix_prefix.len());
                let mut sum = 0.0;
                self.suffix_prefix.push(0.0);
                for &(rating, depth) in &self.sorted_players {
                    if depth >= d {
                        sum += rating;
                        self.suffix_prefix.push(sum);
                    }
                }
            }
        }
        self.assign.clear();
        self.assign.resize(n, 0);
        self.best.clear();
        self.best.resize(n, 0);
        self.remaining.clear();
        self.remaining.extend_from_slice(p.team_sizes);
        self.sums.clear();
        self.sums.resize(p.team_sizes.len(), 0.0);
        let hall = p.role_counts.is_some_and(|c| TeamHall::applies(c.len()));
        if let Some(counts) = p.role_counts.filter(|_| hall) {
            let fixed: u32 = counts.iter().sum();
            self.halls.clear();
            self.halls.resize(p.team_sizes.len(), TeamHall::EMPTY);
            // The places per team depend only on the composition and the team
            // sizes, which a tick shares across all its matches.
            let shape_changed = self.hall_shape.0 != counts || self.hall_shape.1 != p.team_sizes;
            if shape_changed {
                self.hall_shape = (counts.to_vec(), p.team_sizes.to_vec());
                self.hall_slots.clear();
                self.hall_slots.extend(
                    p.team_sizes
                        .iter()
                        .map(|&size| TeamHall::slots(counts, size - fixed)),
                );
            }
            self.masks.clear();
            self.masks
                .extend(p.prefs.iter().map(|prefs| prefs.mask(counts.len()) as u8));
        }
        let matching = budgeted && p.role_counts.is_some() && !hall;
        if let Some(counts) = p.role_counts.filter(|_| matching) {
            let fixed: u32 = counts.iter().sum();
            self.matchings
                .resize_with(p.team_sizes.len(), TeamMatching::default);
            for (m, &size) in self.matchings.iter_mut().zip(p.team_sizes) {
                m.reset(counts, size - fixed);
            }
            self.wide_masks.clear();
            self.wide_masks
                .extend(p.prefs.iter().map(|prefs| prefs.mask(counts.len()) as u32));
        }
        self.largest.clear();
        self.largest.resize(p.team_sizes.len(), 0);
        let mut s = Search {
            best_imbalance: f64::INFINITY,
            best_dispersion: f64::INFINITY,
            floor: (f64::NEG_INFINITY, f64::NEG_INFINITY),
            hall,
            matching,
            premade: p.premade_limit.filter(|_| budgeted),
            found: false,
            nodes: 0,
            budget,
            after_found,
            exhausted: false,
        };
        if let Some(hint) = p.hint.filter(|h| h.len() == n && self.valid_split(p, h)) {
            match (p.outside, p.team_sizes) {
                (Some(outside), &[n0, n1]) => {
                    let sums = team_sums(p, hint);
                    let sizes = [f64::from(n0), f64::from(n1)];
                    (s.best_imbalance, s.best_dispersion) = outside.score(sizes, sums[0], sums[1]);
                }
                _ => s.best_imbalance = imbalance_of(p, hint),
            }
            s.found_one();
            self.best.copy_from_slice(hint);
        }
        // The checks as groups join teams live in their own copy of the
        // search: in the common one, without them, even their untaken
        // branches made a 20v20 tick about 20 % slower. So does a pair
        // scored against the other teams of its match, so that a match of
        // its own runs the search it always ran.
        let early = s.premade.is_some() || s.matching;
        let pair = p.outside.is_some() && p.team_sizes.len() == 2;
        if let Some(o) = p.outside.filter(|_| pair) {
            s.floor = self.pair_bound(p, 0, &o);
        }
        match (early, pair) {
            (true, true) => self.descend::<true, true>(p, &mut s, 0),
            (true, false) => self.descend::<true, false>(p, &mut s, 0),
            (false, true) => self.descend::<false, true>(p, &mut s, 0),
            (false, false) => self.descend::<false, false>(p, &mut s, 0),
        }
        s
    }

    /// Whether `team_of` fills every team exactly and meets the premade limit.
    fn valid_split(&mut self, p: &Problem<'_>, team_of: &[u16]) -> bool {
        let fill = &mut self.fill;
        fill.clear();
        fill.resize(p.team_sizes.len(), 0);
        for (g, group) in p.groups.iter().enumerate() {
            match fill.get_mut(team_of[g] as usize) {
                Some(f) => *f += group.size,
                None => return false,
            }
        }
        // Roles are the hint giver's promise (the matcher places tickets with
        // Hall's check); a wrong hint could only make the search return a
        // split that `finish` then rejects.
        *fill == p.team_sizes && premade_ok(p, team_of)
    }

    /// Places the group at `depth` in each team in turn and searches on;
    /// with `EARLY`, checks `s.premade` and `s.matching` as it goes. With
    /// `PAIR` (two teams and [`Problem::outside`]), splits are scored
    /// against the other teams: (spread of all teams' means, dispersion),
    /// the second deciding between splits of one spread.
    fn descend<const EARLY: bool, const PAIR: bool>(
        &mut self,
        p: &Problem<'_>,
        s: &mut Search,
        depth: usize,
    ) {
        if s.exhausted || (s.found && s.best_imbalance <= EPS) {
            return;
        }
        // A pair scored against its match cannot reach a spread of 0 (nor
        // stop there) unless the other teams' means are equal: it stops at
        // its bound instead.
        if PAIR
            && s.found
            && s.best_imbalance <= s.floor.0 + EPS
            && s.best_dispersion <= s.floor.1 + dispersion_tolerance(s.best_dispersion)
        {
            return;
        }
        s.nodes += 1;
        if s.nodes > s.budget {
            s.exhausted = true;
            return;
        }
        let outside = if PAIR { p.outside } else { None };
        if depth == p.groups.len() {
            let (imbalance, dispersion) = match outside {
                Some(o) => o.score(
                    [f64::from(p.team_sizes[0]), f64::from(p.team_sizes[1])],
                    self.sums[0],
                    self.sums[1],
                ),
                None => (spread(p.team_sizes, &self.sums), 0.0),
            };
            let feasible = |this: &mut Self| {
                if s.hall || s.matching {
                    premade_ok(p, &this.assign)
                } else {
                    this.leaf_feasible(p)
                }
            };
            // Spreads within EPS are ties (two sums of the same ratings in
            // another order can differ in the last place), which the
            // dispersion decides.
            let better = imbalance < s.best_imbalance - EPS
                || (PAIR
                    && imbalance <= s.best_imbalance + EPS
                    && dispersion < s.best_dispersion - dispersion_tolerance(s.best_dispersion));
            if better && feasible(self) {
                s.best_imbalance = imbalance;
                s.best_dispersion = dispersion;
                s.found_one();
                self.best.copy_from_slice(&self.assign);
            }
            return;
        }
        if s.found {
            if let Some(o) = outside {
                // No split below beats the best unless its spread is lower,
                // or no higher and its dispersion lower (the spread's test
                // allows for the bound's rounding).
                let (spread, dispersion) = self.pair_bound(p, depth, &o);
                if spread >= s.best_imbalance - EPS
                    && (spread > s.best_imbalance + EPS
                        || dispersion
                            >= s.best_dispersion - dispersion_tolerance(s.best_dispersion))
                {
                    return;
                }
            } else if self.bound(p, depth) >= s.best_imbalance - EPS {
                return;
            }
        }
        let g = self.order[depth];
        let group = p.groups[g];
        for team in 0..p.team_sizes.len() {
            if self.remaining[team] < group.size {
                continue;
            }
            // Empty teams of the same size are interchangeable: try only the first.
            let empty = self.remaining[team] == p.team_sizes[team];
            if empty
                && (0..team).any(|t| {
                    p.team_sizes[t] == p.team_sizes[team] && self.remaining[t] == p.team_sizes[t]
                })
            {
                continue;
            }
            // Without this a large match could spend its whole node budget
            // below a placement that breaks the limit (both duos on one
            // team, say) and never reach a valid split.
            if EARLY && let Some(limit) = s.premade {
                let next = self.order.get(depth + 1).map_or(0, |&h| p.groups[h].size);
                if !premade_reachable(&self.largest, team, group.size, next, limit) {
                    continue;
                }
            }
            let saved = s.hall.then(|| self.halls[team]);
            if s.hall && !self.join_hall(p, group, team) {
                self.halls[team] = saved.unwrap_or(TeamHall::EMPTY);
                continue;
            }
            if EARLY && s.matching && !self.join_matching(group, team) {
                continue;
            }
            // Groups come biggest first: a team's first is its biggest.
            let first_party = EARLY && empty && s.premade.is_some();
            if first_party {
                self.largest[team] = group.size;
            }
            self.remaining[team] -= group.size;
            self.sums[team] += group.rating * f64::from(group.size);
            self.assign[g] = team as u16;
            self.descend::<EARLY, PAIR>(p, s, depth + 1);
            self.remaining[team] += group.size;
            self.sums[team] -= group.rating * f64::from(group.size);
            if first_party {
                self.largest[team] = 0;
            }
            if let Some(saved) = saved {
                self.halls[team] = saved;
            }
            if EARLY && s.matching {
                for _ in 0..group.size {
                    self.matchings[team].pop();
                }
            }
        }
    }

    /// Adds `group`'s players to `team`'s matching; false, with the team's
    /// members as they were (still all matched, perhaps to other places), if
    /// its places can then no longer all be filled.
    fn join_matching(&mut self, group: Group, team: usize) -> bool {
        let first = group.first_player as usize;
        for k in 0..group.size as usize {
            if !self.matchings[team].push(self.wide_masks[first + k]) {
                for _ in 0..k {
                    self.matchings[team].pop();
                }
                return false;
            }
        }
        true
    }

    /// Adds `group`'s players to `team`'s Hall state; false if the team's role
    /// places can then no longer all be filled.
    fn join_hall(&mut self, p: &Problem<'_>, group: Group, team: usize) -> bool {
        let roles = p.role_counts.map_or(0, <[u32]>::len);
        let first = group.first_player as usize;
        (first..first + group.size as usize).all(|k| {
            self.halls[team].add(usize::from(self.masks[k]), roles, &self.hall_slots[team])
        })
    }

    /// A lower bound on the final spread of team means below this node.
    // Called at every node. With two copies of the search the compiler left
    // it out of line, and once told to inline it, the closure and the `..=`
    // slice inside it: a 20v20 tick was 4 to 20 % slower. Written out plainly
    // it matches the single-copy search.
    #[inline(always)]
    fn bound(&self, p: &Problem<'_>, depth: usize) -> f64 {
        if let [n0, n1] = *p.team_sizes {
            // Team 0 takes `c0` of the remaining players: its extra rating mass
            // lies between the `c0` lowest and the `c0` highest of them (parties
            // relaxed), and the difference of means grows with that mass.
            let start = self.suffix_start[depth];
            let players = self.remaining[0] + self.remaining[1];
            let prefix = &self.suffix_prefix[start..start + players as usize + 1];
            let total = prefix[players as usize];
            let c0 = self.remaining[0] as usize;
            let (low, high) = (prefix[c0], total - prefix[players as usize - c0]);
            // The difference of means with `low`, then `high`, more mass in
            // team 0.
            let (n0, n1) = (f64::from(n0), f64::from(n1));
            let lo = (self.sums[0] + low) / n0 - (self.sums[1] + total - low) / n1;
            let hi = (self.sums[0] + high) / n0 - (self.sums[1] + total - high) / n1;
            return if lo > 0.0 {
                lo
            } else if hi < 0.0 {
                -hi
            } else {
                0.0
            };
        }
        let (lo_r, hi_r) = (self.suffix_min[depth], self.suffix_max[depth]);
        let mut max_lo = f64::NEG_INFINITY;
        let mut min_hi = f64::INFINITY;
        for (t, &size) in p.team_sizes.iter().enumerate() {
            let n = f64::from(size);
            let c = f64::from(self.remaining[t]);
            let (lo, hi) = if self.remaining[t] == 0 {
                (self.sums[t] / n, self.sums[t] / n)
            } else {
                ((self.sums[t] + c * lo_r) / n, (self.sums[t] + c * hi_r) / n)
            };
            max_lo = max_lo.max(lo);
            min_hi = min_hi.min(hi);
        }
        (max_lo - min_hi).max(0.0)
    }

    /// [`bound`](Self::bound) for a pair scored against the other teams
    /// ([`Problem::outside`]): lower bounds on the spread of all teams'
    /// means and on the dispersion term of any split below this node.
    ///
    /// As in `bound`, team 0's rating mass `x` ends between `x_lo` and
    /// `x_hi` (it takes the lowest, or the highest, of the remaining
    /// players), team 1's is the rest, and the means move linearly with
    /// `x`, team 0's up and team 1's down. The spread, max(highest other,
    /// m0, m1) − min(lowest other, m0, m1), is least where m0 = m1 and grows
    /// (or stays) on either side of it, so its least value on the interval
    /// is at that point clamped to the interval. The dispersion term is a
    /// convex quadratic in `x`, least at its vertex, clamped likewise.
    // Called at every node of a pair's search: two scores, no more.
    #[inline(always)]
    fn pair_bound(&self, p: &Problem<'_>, depth: usize, o: &Outside) -> (f64, f64) {
        let start = self.suffix_start[depth];
        let players = (self.remaining[0] + self.remaining[1]) as usize;
        let prefix = &self.suffix_prefix[start..start + players + 1];
        let rest = prefix[players];
        let c0 = self.remaining[0] as usize;
        let x_lo = self.sums[0] + prefix[c0];
        let x_hi = self.sums[0] + rest - prefix[players - c0];
        let total = self.sums[0] + self.sums[1] + rest;
        let sizes = [f64::from(p.team_sizes[0]), f64::from(p.team_sizes[1])];
        let clamp = |x: f64| x.max(x_lo).min(x_hi);
        let x = clamp(total * sizes[0] / (sizes[0] + sizes[1]));
        let spread = o.score(sizes, x, total - x).0;
        // The dispersion term's slope in `x` at `x_lo` and its (constant)
        // curvature, both halved: the vertex is one Newton step away.
        let (a, b) = (1.0 / sizes[0], 1.0 / sizes[1]);
        let (u0, u1) = (x_lo * a - o.reference, (total - x_lo) * b - o.reference);
        let slope = a * u0 - b * u1 - (a - b) * (o.others + u0 + u1) / o.teams;
        let curvature = a * a + b * b - (a - b) * (a - b) / o.teams;
        let x = clamp(x_lo - slope / curvature);
        let dispersion = o.score(sizes, x, total - x).1;
        (spread, dispersion)
    }

    fn leaf_feasible(&mut self, p: &Problem<'_>) -> bool {
        if !premade_ok(p, &self.assign) {
            return false;
        }
        let Some(counts) = p.role_counts else {
            return true;
        };
        let fixed: u32 = counts.iter().sum();
        for (team, &size) in p.team_sizes.iter().enumerate() {
            self.team_prefs.clear();
            for (g, group) in p.groups.iter().enumerate() {
                if self.assign[g] as usize == team {
                    let first = group.first_player as usize;
                    self.team_prefs
                        .extend_from_slice(&p.prefs[first..first + group.size as usize]);
                }
            }
            if !self.roles.feasible(&self.team_prefs, counts, size - fixed) {
                return false;
            }
        }
        true
    }

    fn team_roles_ok(&mut self, p: &Problem<'_>, team_of: &[u16], team: usize) -> bool {
        let Some(counts) = p.role_counts else {
            return true;
        };
        self.team_prefs.clear();
        for (g, group) in p.groups.iter().enumerate() {
            if team_of[g] as usize == team {
                let first = group.first_player as usize;
                self.team_prefs
                    .extend_from_slice(&p.prefs[first..first + group.size as usize]);
            }
        }
        let open = p.team_sizes[team] - counts.iter().sum::<u32>();
        self.roles.feasible(&self.team_prefs, counts, open)
    }

    /// Packs groups into teams, biggest first, each into the team with the most
    /// room left (ties: the weaker team so far).
    fn greedy_packing(&self, p: &Problem<'_>) -> Option<Vec<u16>> {
        let mut remaining = p.team_sizes.to_vec();
        let mut sums = vec![0.0_f64; p.team_sizes.len()];
        let mut team_of = vec![0u16; p.groups.len()];
        for &g in &self.order {
            let group = p.groups[g];
            let team = (0..remaining.len())
                .filter(|&t| remaining[t] >= group.size)
                .max_by(|&a, &b| {
                    remaining[a]
                        .cmp(&remaining[b])
                        .then(sums[b].total_cmp(&sums[a]))
                        .then(b.cmp(&a))
                })?;
            remaining[team] -= group.size;
            sums[team] += group.rating * f64::from(group.size);
            team_of[g] = team as u16;
        }
        Some(team_of)
    }

    /// Swaps groups of equal size, and one group for two of the same total size,
    /// between teams while that lowers (broken constraints, imbalance): the
    /// constraints are each team's roles and the premade limit, so a split
    /// that keeps them is never traded for one that breaks them.
    ///
    /// A move changes two teams' rating sums, so it is scored from the sums
    /// kept for the current split (O(teams)) rather than by summing every
    /// group again; the sums are recomputed after each pass, so rounding does
    /// not build up.
    ///
    /// With `spread_ties` (more than two teams only), a move that keeps the
    /// spread but lowers the means' dispersion is taken too.
    fn local_search(
        &mut self,
        p: &Problem<'_>,
        mut team_of: Vec<u16>,
        spread_ties: bool,
    ) -> Option<Vec<u16>> {
        let spread_ties = spread_ties && p.team_sizes.len() > 2;
        let teams = p.team_sizes.len();
        let infeasible: Vec<bool> = (0..teams)
            .map(|t| !self.team_roles_ok(p, &team_of, t))
            .collect();
        let premade_broken = !premade_ok(p, &team_of);
        let sums = team_sums(p, &team_of);
        let mut current = Current {
            score: (
                infeasible.iter().filter(|&&b| b).count() + usize::from(premade_broken),
                spread(p.team_sizes, &sums),
            ),
            infeasible,
            premade_broken,
            dispersion: if spread_ties {
                dispersion(p.team_sizes, &sums)
            } else {
                0.0
            },
            spread_ties,
            sums,
        };
        let n = p.groups.len();
        let mass = |g: usize| p.groups[g].rating * f64::from(p.groups[g].size);
        // One group for two needs a group of at least two players.
        let has_parties = p.groups.iter().any(|g| g.size >= 2);
        for _pass in 0..64 {
            let mut improved = false;
            for a in 0..n {
                for b in (a + 1)..n {
                    let (ta, tb) = (team_of[a], team_of[b]);
                    if ta == tb || p.groups[a].size != p.groups[b].size {
                        continue;
                    }
                    team_of.swap(a, b);
                    let change = Change {
                        gains: ta,
                        loses: tb,
                        mass: mass(b) - mass(a),
                    };
                    if self.try_move(p, &team_of, &mut current, change) {
                        improved = true;
                    } else {
                        team_of.swap(a, b);
                    }
                }
            }
            // One group for two smaller ones of the same total size.
            if has_parties {
                for a in 0..n {
                    for b in 0..n {
                        // Checked once for all c: nothing changes until a move
                        // is taken, and none can be while these hold.
                        if a == b
                            || team_of[a] == team_of[b]
                            || p.groups[b].size >= p.groups[a].size
                        {
                            continue;
                        }
                        for c in (b + 1)..n {
                            let (ta, tb) = (team_of[a], team_of[b]);
                            if ta == tb
                                || team_of[c] != tb
                                || a == b
                                || a == c
                                || p.groups[a].size != p.groups[b].size + p.groups[c].size
                            {
                                continue;
                            }
                            (team_of[a], team_of[b], team_of[c]) = (tb, ta, ta);
                            let change = Change {
                                gains: ta,
                                loses: tb,
                                mass: mass(b) + mass(c) - mass(a),
                            };
                            if self.try_move(p, &team_of, &mut current, change) {
                                improved = true;
                            } else {
                                (team_of[a], team_of[b], team_of[c]) = (ta, tb, tb);
                            }
                        }
                    }
                }
            }
            if !improved {
                break;
            }
            current.sums = team_sums(p, &team_of);
            current.score.1 = spread(p.team_sizes, &current.sums);
            if spread_ties {
                current.dispersion = dispersion(p.team_sizes, &current.sums);
            }
        }
        if current.score.0 > 0 || !premade_ok(p, &team_of) {
            return None;
        }
        Some(team_of)
    }

    /// More than two teams: improves the valid split `team_of` by re-splitting
    /// two teams at a time. Each round tries the highest team mean's team
    /// with the lowest's, then with each other team from the lowest up, then
    /// the lowest's with each other team from the highest down, and takes
    /// the first re-split that lowers the spread of team means, or keeps it
    /// and lowers their dispersion. The two-team search places any group
    /// anywhere, so it finds rearrangements the local search's swaps cannot
    /// reach. Roles stay filled: the pair's search checks them. At most
    /// [`RESPLITS_PER_TEAM`] re-splits per team are tried.
    ///
    /// The pair's search is told the other teams ([`Outside`]): it looks for
    /// the split of the pair with the smallest spread of *all* teams' means,
    /// then the smallest dispersion of them, among those that keep the
    /// premade limit against every team. (It used to look for the split that
    /// brings the pair's two means closest, which is the best for the match
    /// only when the two teams are of one size and the limit is not in the
    /// way: with teams of different sizes the closest split can overshoot a
    /// third team's mean where one farther apart lowers the spread, and with
    /// a premade limit the closest can break the limit against a third team
    /// where another split keeps it; such pairs were left as they were.)
    ///
    /// A pair of at most [`EXACT_PLAYERS`] players is searched exactly, so
    /// when it is left as it is no re-split of it is better for the match. A
    /// larger pair is searched from the current split within
    /// [`LARGE_PAIR_NODE_BUDGET`] nodes, so its re-split never makes the
    /// match worse but may miss a better one.
    fn resplit_pairs(&mut self, p: &Problem<'_>, team_of: &mut [u16]) {
        let teams = p.team_sizes.len();
        if teams <= 2 {
            return;
        }
        let mut pair = self.pair.take().unwrap_or_default();
        let mut groups: Vec<Group> = Vec::new();
        let mut members: Vec<usize> = Vec::new();
        let mut hint: Vec<u16> = Vec::new();
        let mut solution = Solution::default();
        let mut sums = team_sums(p, team_of);
        let mut largest = vec![0u32; teams];
        let mut means: Vec<f64> = Vec::with_capacity(teams);
        let mut by_mean: Vec<usize> = (0..teams).collect();
        let mass = |g: &Group| g.rating * f64::from(g.size);
        let mut budget = RESPLITS_PER_TEAM * teams;
        'rounds: loop {
            let now = (spread(p.team_sizes, &sums), dispersion(p.team_sizes, &sums));
            if now.0 <= EPS {
                break;
            }
            means.clear();
            means.extend(
                sums.iter()
                    .zip(p.team_sizes)
                    .map(|(s, &n)| s / f64::from(n)),
            );
            by_mean.sort_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)));
            let reference = means.iter().sum::<f64>() / teams as f64;
            largest.fill(0);
            for (g, group) in p.groups.iter().enumerate() {
                let t = usize::from(team_of[g]);
                largest[t] = largest[t].max(group.size);
            }
            let (lo, hi) = (by_mean[0], by_mean[teams - 1]);
            let middle = &by_mean[1..teams - 1];
            let pairs = std::iter::once((hi, lo))
                .chain(middle.iter().map(|&t| (hi, t)))
                .chain(middle.iter().rev().map(|&t| (t, lo)));
            let mut taken = false;
            for (a, b) in pairs {
                if budget == 0 {
                    break 'rounds;
                }
                budget -= 1;
                groups.clear();
                members.clear();
                hint.clear();
                for (g, group) in p.groups.iter().enumerate() {
                    let t = usize::from(team_of[g]);
                    if t == a || t == b {
                        // `first_player` still indexes `p.prefs`, which the
                        // pair's problem shares.
                        groups.push(*group);
                        members.push(g);
                        hint.push(u16::from(t == b));
                    }
                }
                let mut outside = Outside {
                    means: (f64::INFINITY, f64::NEG_INFINITY),
                    largest: (u32::MAX, 0),
                    reference,
                    others: 0.0,
                    teams: teams as f64,
                };
                for t in (0..teams).filter(|&t| t != a && t != b) {
                    let m = means[t];
                    outside.means = (outside.means.0.min(m), outside.means.1.max(m));
                    outside.largest = (
                        outside.largest.0.min(largest[t]),
                        outside.largest.1.max(largest[t]),
                    );
                    outside.others += m - reference;
                }
                let sizes = [p.team_sizes[a], p.team_sizes[b]];
                let problem = Problem {
                    team_sizes: &sizes,
                    groups: &groups,
                    hint: Some(&hint),
                    outside: Some(outside),
                    ..*p
                };
                if !pair.solve(&problem, &mut solution) || solution.team_of == hint {
                    continue;
                }
                let (old_a, old_b) = (sums[a], sums[b]);
                let (mut sum_a, mut sum_b) = (0.0, 0.0);
                for (group, &side) in groups.iter().zip(&solution.team_of) {
                    if side == 0 {
                        sum_a += mass(group);
                    } else {
                        sum_b += mass(group);
                    }
                }
                (sums[a], sums[b]) = (sum_a, sum_b);
                // The pair's search scored its split by the same measures
                // (summed in another order, so they are compared again here).
                let next = (spread(p.team_sizes, &sums), dispersion(p.team_sizes, &sums));
                let better = next.0 < now.0 - EPS
                    || (next.0 <= now.0 + EPS && next.1 < now.1 - dispersion_tolerance(now.1));
                if better {
                    for (&g, &side) in members.iter().zip(&solution.team_of) {
                        team_of[g] = if side == 0 { a as u16 } else { b as u16 };
                    }
                    debug_assert!(premade_ok(p, team_of), "the pair kept the limit");
                    taken = true;
                    break;
                }
                (sums[a], sums[b]) = (old_a, old_b);
            }
            if !taken {
                break;
            }
        }
        self.pair = Some(pair);
    }

    /// Takes the move `change`, already applied to `team_of`, if it makes the
    /// split better than `current` (fewer broken constraints, or as many and
    /// a smaller imbalance): records it in `current` and returns true; else
    /// leaves `current` as it was and returns false.
    // Called for every move the local search tries (about 50,000 per 100-player
    // match): out of line, it made a 50v50 tick about 13 % slower.
    #[inline(always)]
    fn try_move(
        &mut self,
        p: &Problem<'_>,
        team_of: &[u16],
        current: &mut Current,
        change: Change,
    ) -> bool {
        let touched = [change.gains, change.loses];
        let (gains, loses) = (usize::from(change.gains), usize::from(change.loses));
        let sums = &mut current.sums;
        let (old_gains, old_loses) = (sums[gains], sums[loses]);
        sums[gains] += change.mass;
        sums[loses] -= change.mass;
        let imbalance = spread(p.team_sizes, sums);
        let mut changed = [false; 2];
        let mut bad = current.score.0;
        for (k, &t) in touched.iter().enumerate() {
            let now_bad = !self.team_roles_ok(p, team_of, t as usize);
            if now_bad != current.infeasible[t as usize] {
                changed[k] = true;
                if now_bad {
                    bad += 1;
                } else {
                    bad -= 1;
                }
            }
        }
        let premade_now = p.premade_limit.is_some() && !premade_ok(p, team_of);
        let bad = bad - usize::from(current.premade_broken) + usize::from(premade_now);
        // With more than two teams, a move that keeps the spread but brings
        // the means closer together is taken too: (spread, dispersion) falls
        // strictly, so the search cannot cycle.
        let dispersion = if current.spread_ties {
            dispersion(p.team_sizes, sums)
        } else {
            0.0
        };
        let better = bad < current.score.0
            || (bad == current.score.0
                && (imbalance < current.score.1 - EPS
                    || (current.spread_ties
                        && imbalance <= current.score.1
                        && dispersion < current.dispersion - EPS)));
        if better {
            for (k, &t) in touched.iter().enumerate() {
                if changed[k] {
                    current.infeasible[t as usize] = !current.infeasible[t as usize];
                }
            }
            current.premade_broken = premade_now;
            current.score = (bad, imbalance);
            current.dispersion = dispersion;
        } else {
            let sums = &mut current.sums;
            sums[gains] = old_gains;
            sums[loses] = old_loses;
        }
        better
    }
}

/// The local search's current split, as far as scoring moves goes: what it
/// breaks (each team's roles, the premade limit), its teams' rating sums, and
/// its score (constraints broken, imbalance).
struct Current {
    infeasible: Vec<bool>,
    premade_broken: bool,
    sums: Vec<f64>,
    score: (usize, f64),
    /// Whether moves that keep the spread but lower `dispersion` are taken.
    spread_ties: bool,
    /// The team means' squared deviations (with `spread_ties`, else 0): the
    /// tie-break that moves the search along a flat stretch of the spread.
    dispersion: f64,
}

/// A local-search move between two teams: team `gains` gains `mass` (rating
/// × players) and team `loses` loses it.
#[derive(Debug, Clone, Copy)]
struct Change {
    gains: u16,
    loses: u16,
    mass: f64,
}

/// The sum of the team means' squared deviations from their average.
fn dispersion(team_sizes: &[u32], sums: &[f64]) -> f64 {
    let mean = |(sum, &size): (&f64, &u32)| sum / f64::from(size);
    let average = sums.iter().zip(team_sizes).map(mean).sum::<f64>() / team_sizes.len() as f64;
    sums.iter()
        .zip(team_sizes)
        .map(|t| (mean(t) - average).powi(2))
        .sum()
}

/// Spread of team means: highest minus lowest.
fn spread(team_sizes: &[u32], sums: &[f64]) -> f64 {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (sum, &size) in sums.iter().zip(team_sizes) {
        let mean = sum / f64::from(size);
        lo = lo.min(mean);
        hi = hi.max(mean);
    }
    hi - lo
}

/// The spread of team means for an assignment.
pub(crate) fn imbalance_of(p: &Problem<'_>, team_of: &[u16]) -> f64 {
    spread(p.team_sizes, &team_sums(p, team_of))
}

/// Each team's rating mass (rating × players, summed) for an assignment.
fn team_sums(p: &Problem<'_>, team_of: &[u16]) -> Vec<f64> {
    let mut sums = vec![0.0; p.team_sizes.len()];
    for (g, group) in p.groups.iter().enumerate() {
        sums[team_of[g] as usize] += group.rating * f64::from(group.size);
    }
    sums
}

/// Whether the teams' biggest parties can still differ by at most `limit`
/// once a party of `size` joins `team`, when parties are placed biggest
/// first: `largest` holds each team's biggest party so far (0 for a team
/// without one yet, which will get one no bigger than `next`, the next party
/// to place).
pub(crate) fn premade_reachable(
    largest: &[u32],
    team: usize,
    size: u32,
    next: u32,
    limit: u32,
) -> bool {
    let mut hi = 0;
    let mut lo = u32::MAX;
    for (t, &biggest) in largest.iter().enumerate() {
        let biggest = if t == team {
            biggest.max(size)
        } else {
            biggest
        };
        hi = hi.max(biggest);
        lo = lo.min(if biggest == 0 { next } else { biggest });
    }
    hi.saturating_sub(lo) <= limit
}

/// Whether the teams' biggest parties differ by at most the premade limit.
pub(crate) fn premade_ok(p: &Problem<'_>, team_of: &[u16]) -> bool {
    let Some(limit) = p.premade_limit else {
        return true;
    };
    // Checked at every leaf of the search: no allocation for the usual few
    // teams.
    let teams = p.team_sizes.len();
    let mut few = [0u32; 16];
    let mut many = Vec::new();
    let largest: &mut [u32] = if teams <= few.len() {
        &mut few[..teams]
    } else {
        many.resize(teams, 0);
        &mut many
    };
    for (g, group) in p.groups.iter().enumerate() {
        let t = team_of[g] as usize;
        largest[t] = largest[t].max(group.size);
    }
    let mut hi = largest.iter().copied().max().unwrap_or(0);
    let mut lo = largest.iter().copied().min().unwrap_or(0);
    // A pair re-split inside a larger match: against every team.
    if let Some(o) = p.outside {
        (lo, hi) = (lo.min(o.largest.0), hi.max(o.largest.1));
    }
    hi - lo <= limit
}

/// A lower bound on the best achievable imbalance, ignoring roles and premade
/// limits (a relaxation, so the bound is valid), no higher than `found`, the
/// imbalance of a split already found.
///
/// Any number of teams: what each group forces on its own team
/// ([`forced_spread`]). Two teams, and the larger of the two: a subset-sum
/// over (players, rounded rating mass) finds the best split of the rounded
/// problem exactly; rounding can move a team mean by at most `slack`, which
/// is subtracted.
///
/// The subset-sum's answer lies between the optimum minus `2 × slack` and the
/// optimum. When `found ≤ 2 × slack` it could only return a bound between 0
/// and `found`, a difference inside its own rounding error, so it is skipped
/// (the bound is then the forced spread alone): a weaker bound than it might have given,
/// by less than `2 × slack`. (For 100 solo players that subset-sum is about 8
/// million word operations, and a split within its rounding is the common
/// case.)
pub(crate) fn lower_bound(p: &Problem<'_>, found: f64) -> f64 {
    let forced = forced_spread(p);
    let [n0, n1] = *p.team_sizes else {
        return forced.min(found);
    };
    subset_sum_bound(p, n0, n1, found).max(forced).min(found)
}

/// [`lower_bound`]'s subset-sum, for two teams of `n0` and `n1` players.
fn subset_sum_bound(p: &Problem<'_>, n0: u32, n1: u32, found: f64) -> f64 {
    let (n0, n1) = (n0 as usize, n1 as usize);
    let min_r = p
        .groups
        .iter()
        .map(|g| g.rating)
        .fold(f64::INFINITY, f64::min);
    let masses: Vec<f64> = p
        .groups
        .iter()
        .map(|g| (g.rating - min_r) * f64::from(g.size))
        .collect();
    let total_mass: f64 = masses.iter().sum();
    if total_mass <= 0.0 {
        return 0.0;
    }
    const WIDTH: f64 = 100_000.0;
    let unit = total_mass / WIDTH;
    let (f0, f1) = (n0 as f64, n1 as f64);
    // Each group's mass is off by at most unit/2; the difference of means moves by
    // at most (1/n0 + 1/n1) per unit of mass moved.
    let slack = (1.0 / f0 + 1.0 / f1) * unit * 0.5 * p.groups.len() as f64;
    if found <= 2.0 * slack {
        return 0.0;
    }
    let units: Vec<usize> = masses.iter().map(|m| (m / unit).round() as usize).collect();
    let max_units: usize = units.iter().sum();
    // reach[c] is a bitset over rounded masses reachable with c players in team 0.
    let words = max_units / 64 + 1;
    let mut reach = vec![vec![0u64; words]; n0 + 1];
    reach[0][0] = 1;
    // Only states that can still end at n0 players matter, and only the words
    // the masses so far can reach: the same reach[n0], with less work.
    let mut players_before = 0usize;
    let mut players_after: usize = p.groups.iter().map(|g| g.size as usize).sum();
    let mut units_before = 0usize;
    for (g, group) in p.groups.iter().enumerate() {
        let size = group.size as usize;
        players_after -= size;
        let shift = units[g];
        if size <= n0 {
            let lowest = n0.saturating_sub(players_after + size);
            let highest = (n0 - size).min(players_before);
            let used = (units_before + shift) / 64 + 1;
            for c in (lowest..=highest).rev() {
                let (lower, upper) = reach.split_at_mut(c + size);
                or_shifted(&mut upper[0][..used], &lower[c][..used], shift);
            }
        }
        players_before += size;
        units_before += shift;
    }
    let total_units = max_units as f64;
    let mut best = f64::INFINITY;
    for (w, &word) in reach[n0].iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let x = (w * 64 + b) as f64 * unit;
            let rest = total_units * unit - x;
            // Both teams' means shift by min_r alike, so it cancels.
            best = best.min((x / f0 - rest / f1).abs());
        }
    }
    (best - slack).max(0.0).min(found)
}

/// A lower bound on the spread of team means from what each group forces on
/// its own team, for any number of teams: a group's team holds the group and
/// other players, at best (for a low mean) the lowest-rated others and at
/// worst the highest-rated, parties relaxed and roles ignored. So the
/// highest team mean is at least the largest such least mean over the groups
/// (and at least the mean of all players), and the lowest team mean at most
/// the smallest such greatest mean (and at most the mean of all players).
///
/// A party of three 1900s in a team of five, with no one else rated below
/// 1000, puts its team at 1540 or more; if the lowest team can be at most
/// 1480, no split does better than 60.
fn forced_spread(p: &Problem<'_>) -> f64 {
    let mut ratings: Vec<f64> = p
        .groups
        .iter()
        .flat_map(|g| std::iter::repeat_n(g.rating, g.size as usize))
        .collect();
    ratings.sort_unstable_by(f64::total_cmp);
    let n = ratings.len();
    if n == 0 {
        return 0.0;
    }
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    let mut sum = 0.0;
    for &r in &ratings {
        sum += r;
        prefix.push(sum);
    }
    let mut sizes = p.team_sizes.to_vec();
    sizes.sort_unstable();
    sizes.dedup();
    let average = sum / n as f64;
    let (mut highest_at_least, mut lowest_at_most) = (average, average);
    for group in p.groups {
        let (r, size) = (group.rating, group.size as usize);
        // The group's own players, among equal ratings, taken as the first
        // (for the lowest others) or the last (for the highest).
        let below = ratings.partition_point(|&x| x < r);
        let above = n - ratings.partition_point(|&x| x <= r);
        let (mut least, mut greatest) = (f64::INFINITY, f64::NEG_INFINITY);
        for &team in sizes.iter().filter(|&&t| t as usize >= size) {
            let others = team as usize - size;
            let low = if below <= others {
                prefix[others + size] - r * size as f64
            } else {
                prefix[others]
            };
            let high = if above <= others {
                sum - prefix[n - others - size] - r * size as f64
            } else {
                sum - prefix[n - others]
            };
            let own = r * size as f64;
            least = least.min((own + low) / f64::from(team));
            greatest = greatest.max((own + high) / f64::from(team));
        }
        highest_at_least = highest_at_least.max(least);
        lowest_at_most = lowest_at_most.min(greatest);
    }
    (highest_at_least - lowest_at_most).max(0.0)
}

fn or_shifted(dst: &mut [u64], src: &[u64], shift: usize) {
    let (word_shift, bit_shift) = (shift / 64, shift % 64);
    for i in (0..dst.len()).rev() {
        if i < word_shift {
            break;
        }
        let j = i - word_shift;
        let mut v = src[j] << bit_shift;
        if bit_shift != 0 && j > 0 {
            v |= src[j - 1] >> (64 - bit_shift);
        }
        dst[i] |= v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Groups of 1 to 3 players filling the teams of `sizes`, cut team by
    /// team from `picks` and then interleaved by `order`, so a split into
    /// the two teams always exists; ratings from `ratings`, in turn.
    fn groups_for(sizes: &[u32], picks: &[u32], ratings: &[u32], order: u64) -> Vec<Group> {
        let mut cuts = Vec::new();
        let mut i = 0;
        for &size in sizes {
            let mut left = size;
            while left > 0 {
                let s = picks[i % picks.len()] % left.min(3) + 1;
                cuts.push(s);
                left -= s;
                i += 1;
            }
        }
        let mut x = order | 1;
        for j in (1..cuts.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cuts.swap(j, (x % (j as u64 + 1)) as usize);
        }
        let mut first_player = 0;
        cuts.iter()
            .enumerate()
            .map(|(g, &size)| {
                let group = Group {
                    size,
                    rating: f64::from(ratings[g % ratings.len()]),
                    first_player,
                };
                first_player += size;
                group
            })
            .collect()
    }

    /// The best imbalance over every split that fills the teams exactly
    /// (roles and premade limits ignored), by enumeration.
    fn brute_force_optimum(p: &Problem<'_>) -> Option<f64> {
        let n = p.groups.len();
        let mut best: Option<f64> = None;
        for code in 0u32..(1 << n) {
            let team_of: Vec<u16> = (0..n).map(|g| ((code >> g) & 1) as u16).collect();
            let mut fill = vec![0u32; p.team_sizes.len()];
            for (g, group) in p.groups.iter().enumerate() {
                fill[usize::from(team_of[g])] += group.size;
            }
            if fill == p.team_sizes {
                let imbalance = imbalance_of(p, &team_of);
                best = Some(best.map_or(imbalance, |b| b.min(imbalance)));
            }
        }
        best
    }

    /// The best imbalance over every split of any number of teams that fills
    /// them exactly (roles and premade limits ignored), by a depth-first
    /// enumeration.
    fn brute_force_teams(p: &Problem<'_>) -> Option<f64> {
        fn place(p: &Problem<'_>, g: usize, fill: &mut [u32], team_of: &mut [u16]) -> Option<f64> {
            if g == p.groups.len() {
                return (fill == p.team_sizes).then(|| imbalance_of(p, team_of));
            }
            let mut best: Option<f64> = None;
            for t in 0..fill.len() {
                if fill[t] + p.groups[g].size > p.team_sizes[t] {
                    continue;
                }
                fill[t] += p.groups[g].size;
                team_of[g] = t as u16;
                if let Some(imbalance) = place(p, g + 1, fill, team_of) {
                    best = Some(best.map_or(imbalance, |b| b.min(imbalance)));
                }
                fill[t] -= p.groups[g].size;
            }
            best
        }
        let mut fill = vec![0; p.team_sizes.len()];
        let mut team_of = vec![0; p.groups.len()];
        place(p, 0, &mut fill, &mut team_of)
    }

    /// Three teams of 5, 4 and 5: a trio rated 1900 among solo players of
    /// 1000, 1300 and 1500. Its team holds at least 3 × 1900 + 2 × 1000, a
    /// mean of 1540 or more in a team of 5 (1675 in the team of 4), so the
    /// highest mean is at least 1540; the lowest is at most the mean of all
    /// 14 players, 18,400 / 14 ≈ 1314.3 (no solo forces less). Bound ≈ 225.7.
    #[test]
    fn forced_spread_counts_what_a_party_forces_on_its_team() {
        let mut groups = vec![Group {
            size: 3,
            rating: 1900.0,
            first_player: 0,
        }];
        for (k, rating) in [1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1500.0]
            .into_iter()
            .chain(std::iter::repeat_n(1300.0, 4))
            .enumerate()
        {
            groups.push(Group {
                size: 1,
                rating,
                first_player: 3 + k as u32,
            });
        }
        let sizes = [5, 4, 5];
        let p = Problem::plain(&sizes, &groups);
        let players: f64 = groups.iter().map(|g| g.rating * f64::from(g.size)).sum();
        let average = players / 14.0;
        assert!(
            (forced_spread(&p) - (1540.0 - average)).abs() < 1e-9,
            "{}",
            forced_spread(&p)
        );
        let best = brute_force_teams(&p).unwrap();
        assert!(forced_spread(&p) <= best + 1e-9);
        assert_eq!(lower_bound(&p, best), forced_spread(&p));
        // Never above a split already found.
        assert_eq!(lower_bound(&p, 1.0), 1.0);
    }

    /// Four teams of two, two tied at the top and two at the bottom: no
    /// re-split of one pair lowers the spread (the other tied teams keep
    /// it), but one that brings the means together lets the next lower it.
    #[test]
    fn resplits_move_along_tied_extremes() {
        let groups: Vec<Group> = [
            1800.0, 1600.0, 1800.0, 1600.0, 1400.0, 1200.0, 1400.0, 1200.0,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, rating)| Group {
            size: 1,
            rating,
            first_player: i as u32,
        })
        .collect();
        let p = Problem::plain(&[2, 2, 2, 2], &groups);
        let mut team_of = vec![0, 0, 1, 1, 2, 2, 3, 3];
        assert_eq!(imbalance_of(&p, &team_of), 400.0);
        Balancer::default().resplit_pairs(&p, &mut team_of);
        assert_eq!(imbalance_of(&p, &team_of), 0.0, "{team_of:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Two to four teams of 1 to 4 players (at most 10 in all), groups of
        /// 1 to 3: the lower bound never exceeds the brute-force optimum.
        #[test]
        fn forced_spread_never_exceeds_the_optimum(
            sizes in proptest::collection::vec(1u32..=4, 2..=4),
            picks in proptest::collection::vec(0u32..3, 1..12),
            ratings in proptest::collection::vec(0u32..3000, 1..12),
            order in any::<u64>(),
        ) {
            prop_assume!(sizes.iter().sum::<u32>() <= 10);
            let groups = groups_for(&sizes, &picks, &ratings, order);
            let p = Problem::plain(&sizes, &groups);
            let best = brute_force_teams(&p).expect("the groups were cut from the teams");
            let bound = lower_bound(&p, f64::INFINITY);
            prop_assert!(bound <= best + 1e-9, "bound {} above optimum {}", bound, best);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Two teams of 1 to 6 players, groups of 1 to 3: the subset-sum lower
        /// bound, asked without a split found (`found` infinite), never exceeds
        /// the brute-force optimum (its rounding slack is subtracted).
        #[test]
        fn lower_bound_never_exceeds_the_optimum(
            sizes in [1u32..=6, 1u32..=6],
            picks in proptest::collection::vec(0u32..3, 1..12),
            ratings in proptest::collection::vec(1000u32..2000, 1..12),
            order in any::<u64>(),
        ) {
            let groups = groups_for(&sizes, &picks, &ratings, order);
            let p = Problem::plain(&sizes, &groups);
            let best = brute_force_optimum(&p).expect("the groups were cut from the teams");
            let bound = lower_bound(&p, f64::INFINITY);
            prop_assert!(bound <= best + 1e-9, "bound {} above optimum {}", bound, best);
        }
    }

    /// Every split of the two teams of `p` (with `p.outside`, the other
    /// teams of its match, given as `others`: (mean, biggest party) each)
    /// that fills them and keeps the premade limit against every team,
    /// with its spread of all teams' means and their dispersion, by
    /// enumeration.
    fn pair_splits(p: &Problem<'_>, others: &[(f64, u32)]) -> Vec<(Vec<u16>, f64, f64)> {
        let n = p.groups.len();
        let mut sizes = p.team_sizes.to_vec();
        sizes.extend(others.iter().map(|_| 1));
        let mut splits = Vec::new();
        for code in 0u32..(1 << n) {
            let team_of: Vec<u16> = (0..n).map(|g| ((code >> g) & 1) as u16).collect();
            let mut fill = [0u32; 2];
            let mut largest: Vec<u32> = vec![0, 0];
            largest.extend(others.iter().map(|o| o.1));
            let mut sums = vec![0.0; 2];
            sums.extend(others.iter().map(|o| o.0));
            for (g, group) in p.groups.iter().enumerate() {
                let t = usize::from(team_of[g]);
                fill[t] += group.size;
                largest[t] = largest[t].max(group.size);
                sums[t] += group.rating * f64::from(group.size);
            }
            let (hi, lo) = (largest.iter().max().unwrap(), largest.iter().min().unwrap());
            if fill[..] != *p.team_sizes || p.premade_limit.is_some_and(|l| hi - lo > l) {
                continue;
            }
            splits.push((team_of, spread(&sizes, &sums), dispersion(&sizes, &sums)));
        }
        splits
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// Two teams of 1 to 7 players re-split inside a match of 3 to 6
        /// teams, with a premade limit or not, from a valid split or none:
        /// the search's split has the least spread of all teams' means, and
        /// among the splits of that spread the least dispersion, of every
        /// split that keeps the limit against every team (brute force).
        ///
        /// Half the cases add fractions to the ratings, so that splits of
        /// one spread can differ in the last place (their sums are taken in
        /// other orders) and the search must still treat them as ties.
        #[test]
        fn pairs_are_solved_exactly_for_the_whole_match(
            sizes in [1u32..=7, 1u32..=7],
            picks in proptest::collection::vec(0u32..3, 1..12),
            ratings in proptest::collection::vec(1000u32..2000, 1..12),
            order in any::<u64>(),
            others in proptest::collection::vec((1000u32..2000, 1u32..=3), 1..=4),
            limit in proptest::option::of(0u32..=2),
            hinted in any::<bool>(),
            fractions in proptest::option::of(proptest::collection::vec(0.0f64..1.0, 16)),
        ) {
            let mut groups = groups_for(&sizes, &picks, &ratings, order);
            let mut others: Vec<(f64, u32)> =
                others.iter().map(|&(m, l)| (f64::from(m), l)).collect();
            if let Some(f) = &fractions {
                for (g, group) in groups.iter_mut().enumerate() {
                    group.rating += f[g % f.len()];
                }
                for (o, other) in others.iter_mut().enumerate() {
                    other.0 += f[f.len() - 1 - o];
                }
            }
            let reference = others.iter().map(|o| o.0).sum::<f64>() / others.len() as f64;
            let outside = Outside {
                means: others.iter().fold((f64::MAX, f64::MIN), |(lo, hi), o| {
                    (lo.min(o.0), hi.max(o.0))
                }),
                largest: others.iter().fold((u32::MAX, 0), |(lo, hi), o| {
                    (lo.min(o.1), hi.max(o.1))
                }),
                reference,
                others: others.iter().map(|o| o.0 - reference).sum(),
                teams: (others.len() + 2) as f64,
            };
            let mut p = Problem {
                premade_limit: limit,
                outside: Some(outside),
                ..Problem::plain(&sizes, &groups)
            };
            let splits = pair_splits(&p, &others);
            let hint = splits.first().map(|s| s.0.clone()).filter(|_| hinted);
            p.hint = hint.as_deref();
            let mut out = Solution::default();
            let solved = Balancer::default().solve(&p, &mut out);
            let Some(least) = splits.iter().map(|s| s.1).reduce(f64::min) else {
                prop_assert!(!solved, "no split keeps the limit, the search found {:?}", out.team_of);
                return Ok(());
            };
            prop_assert!(solved);
            let got = splits.iter().find(|s| s.0 == out.team_of).expect("a valid split");
            prop_assert!(got.1 <= least + 1e-9, "spread {} where {} exists", got.1, least);
            let tied = splits
                .iter()
                .filter(|s| s.1 <= got.1 + 1e-9)
                .map(|s| s.2)
                .fold(f64::INFINITY, f64::min);
            // Within the search's own tolerance of ties (and the rounding of
            // two ways to sum it).
            prop_assert!(
                got.2 <= tied + dispersion_tolerance(tied) + 1e-6,
                "dispersion {} where {} exists",
                got.2,
                tied
            );
        }
    }

    /// A review's case: two splits of the pair whose spreads are equal but
    /// for the last place of their sums. The one of smaller dispersion must
    /// win the tie; an exact comparison of the spreads kept the other.
    #[test]
    fn spreads_equal_but_for_rounding_tie() {
        let sizes = [6u32, 2];
        let ratings = [1395.033739933437, 1034.9142205423366, 1252.5166468253958];
        let mut groups = groups_for(&sizes, &[1, 1, 0], &[0, 1, 2], 1268737425128906182);
        for g in &mut groups {
            g.rating = ratings[g.rating as usize];
        }
        let others = [(1310.1121398002897, 1u32)];
        let outside = Outside {
            means: (others[0].0, others[0].0),
            largest: (1, 1),
            reference: others[0].0,
            others: 0.0,
            teams: 3.0,
        };
        let p = Problem {
            outside: Some(outside),
            ..Problem::plain(&sizes, &groups)
        };
        let splits = pair_splits(&p, &others);
        let least = splits.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
        let tied: Vec<_> = splits.iter().filter(|s| s.1 <= least + 1e-9).collect();
        assert!(
            tied.len() > 1 && tied.iter().any(|s| s.1 != least),
            "the case needs splits tied but for rounding: {tied:?}"
        );
        let best = tied.iter().map(|s| s.2).fold(f64::INFINITY, f64::min);
        let mut out = Solution::default();
        assert!(Balancer::default().solve(&p, &mut out));
        let got = splits
            .iter()
            .find(|s| s.0 == out.team_of)
            .expect("a valid split");
        assert!(
            got.2 <= best + dispersion_tolerance(best) + 1e-6,
            "dispersion {} where {best} ties",
            got.2
        );
    }

    /// The least (spread, dispersion), each on its own, of the complete
    /// splits below `depth`, checking at every node that
    /// [`Balancer::pair_bound`] is at most it; `excess` keeps the most any
    /// bound exceeded it by.
    fn walk_pair_bounds(
        b: &mut Balancer,
        p: &Problem<'_>,
        o: &Outside,
        depth: usize,
        excess: &mut (f64, f64),
    ) -> (f64, f64) {
        if depth == p.groups.len() {
            if b.remaining.iter().any(|&r| r != 0) {
                return (f64::INFINITY, f64::INFINITY);
            }
            let sizes = [f64::from(p.team_sizes[0]), f64::from(p.team_sizes[1])];
            return o.score(sizes, b.sums[0], b.sums[1]);
        }
        let bound = b.pair_bound(p, depth, o);
        let group = p.groups[b.order[depth]];
        let mut least = (f64::INFINITY, f64::INFINITY);
        for t in 0..2 {
            if b.remaining[t] < group.size {
                continue;
            }
            b.remaining[t] -= group.size;
            b.sums[t] += group.rating * f64::from(group.size);
            let below = walk_pair_bounds(b, p, o, depth + 1, excess);
            b.remaining[t] += group.size;
            b.sums[t] -= group.rating * f64::from(group.size);
            least = (least.0.min(below.0), least.1.min(below.1));
        }
        if least.0.is_finite() {
            *excess = (
                excess.0.max(bound.0 - least.0),
                excess.1.max((bound.1 - least.1) / least.1.abs().max(1.0)),
            );
        }
        least
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// The pair search's bound is a lower bound of both its measures at
        /// every node, over real-valued ratings and a reference away from
        /// the means: pruning on it loses no split (the exactness test
        /// above sees few cases that the dispersion decides).
        #[test]
        fn pair_bounds_never_exceed_what_lies_below(
            sizes in [1u32..=7, 1u32..=7],
            picks in proptest::collection::vec(0u32..3, 1..12),
            ratings in proptest::collection::vec(0.0f64..3000.0, 12),
            order in any::<u64>(),
            others in proptest::collection::vec(0.0f64..3000.0, 1..=5),
            shift in -500.0f64..500.0,
        ) {
            let indexes: Vec<u32> = (0..12).collect();
            let mut groups = groups_for(&sizes, &picks, &indexes, order);
            for g in &mut groups {
                g.rating = ratings[g.rating as usize];
            }
            let reference = others.iter().sum::<f64>() / others.len() as f64 + shift;
            let o = Outside {
                means: others
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), &m| (lo.min(m), hi.max(m))),
                largest: (0, 0),
                reference,
                others: others.iter().map(|m| m - reference).sum(),
                teams: (others.len() + 2) as f64,
            };
            let p = Problem {
                outside: Some(o),
                ..Problem::plain(&sizes, &groups)
            };
            let mut b = Balancer::default();
            // Sets up the search's group order and scratch state.
            b.branch_and_bound(&p, u64::MAX, u64::MAX, false);
            b.remaining.clear();
            b.remaining.extend_from_slice(&sizes);
            b.sums.clear();
            b.sums.resize(2, 0.0);
            let mut excess = (f64::NEG_INFINITY, f64::NEG_INFINITY);
            let least = walk_pair_bounds(&mut b, &p, &o, 0, &mut excess);
            prop_assert!(least.0.is_finite(), "the sizes always fill both teams");
            prop_assert!(
                excess.0 <= 1e-7 && excess.1 <= 1e-9,
                "a bound exceeds the splits below it by {excess:?}"
            );
        }
    }

    /// A composition of 1 or 2 places per role (2 or 3 roles).
    const COMPOSITIONS: [&[u32]; 3] = [&[1, 1], &[2, 1], &[1, 1, 1]];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Two teams of 3 to 6 with a role composition, players listing up
        /// to two roles (or one the composition lacks, or none): a solution
        /// gives every team exactly its composition's count of each role,
        /// each to a player who accepts it, and its other players open
        /// places.
        #[test]
        fn solutions_seat_exactly_the_composition(
            sizes in [3u32..=6, 3u32..=6],
            composition in 0usize..COMPOSITIONS.len(),
            picks in proptest::collection::vec(0u32..3, 1..12),
            ratings in proptest::collection::vec(1000u32..2000, 1..12),
            lists in proptest::collection::vec(proptest::collection::vec(0usize..4, 0..=2), 12),
            order in any::<u64>(),
        ) {
            let counts = COMPOSITIONS[composition];
            let roles = counts.len();
            let groups = groups_for(&sizes, &picks, &ratings, order);
            // Index `roles` stands for a role the composition does not name
            // (as `balance_teams` maps one).
            let prefs: Vec<RolePrefs> = lists
                .iter()
                .map(|list| {
                    RolePrefs::from_indices(
                        list.iter().map(|&r| if r >= roles { super::super::roles::MAX_ROLES - 1 } else { r }),
                    )
                })
                .collect();
            let p = Problem {
                team_sizes: &sizes,
                groups: &groups,
                prefs: &prefs[..sizes.iter().sum::<u32>() as usize],
                role_counts: Some(counts),
                premade_limit: None,
                hint: None,
                outside: None,
            };
            let mut out = Solution::default();
            if !Balancer::default().solve(&p, &mut out) {
                return Ok(());
            }
            let fixed: u32 = counts.iter().sum();
            for (team, &size) in sizes.iter().enumerate() {
                let mut seated = vec![0u32; roles];
                let mut open = 0;
                for (g, group) in groups.iter().enumerate() {
                    if usize::from(out.team_of[g]) != team {
                        continue;
                    }
                    for k in group.first_player..group.first_player + group.size {
                        match out.roles[k as usize] {
                            RoleChoice::Role(r) => {
                                let r = usize::from(r);
                                prop_assert!(r < roles, "role {} outside the composition", r);
                                let accepts = p.prefs[k as usize];
                                prop_assert!(
                                    accepts.is_any() || accepts.listed().contains(&(r as u8)),
                                    "player {} seated as {} but lists {:?}", k, r, accepts.listed()
                                );
                                seated[r] += 1;
                            }
                            RoleChoice::Open => open += 1,
                        }
                    }
                }
                prop_assert_eq!(&seated[..], counts, "team {} roles", team);
                prop_assert_eq!(open, size - fixed, "team {} open places", team);
            }
        }
    }
}
