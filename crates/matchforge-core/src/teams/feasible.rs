//! A valid split found for feasibility alone, ratings ignored: the large-match
//! balancer's last resort when its bounded search found no split and the local
//! search could not repair a packing that ignored roles.
//!
//! Every player is matched to a place — a (team, place type) pair, the types
//! being the composition's roles and the open places — that they accept, and
//! a player whose party has a team only to places of that team. A valid split
//! gives such a matching, so when none exists no split does. Parties are
//! placed biggest first by a depth-first search that keeps the matching
//! (moving players along augmenting paths), tries first the team where the
//! matching already seats most of the party, and backtracks when the
//! matching, a team's room or the premade limit fails. Once every party has a
//! team, the solo players' places are a valid split: with solo players only
//! one matching decides.

use super::solver::{Problem, premade_ok, premade_reachable};

/// Search nodes (parties placed) before giving up. Each costs a few
/// augmenting paths; the matching steers the search, so a split that exists
/// is found with little or no backtracking.
const NODE_BUDGET: u64 = 20_000;

/// No team required (a player whose party is not placed yet).
const FREE: u32 = u32::MAX;
/// Not matched to a place.
const NO_PLACE: u32 = u32::MAX;
/// A breadth-first search's root: the place a newcomer may take.
const ROOT: u32 = u32::MAX;

/// Reusable state for [`find`](FeasibleSplit::find).
#[derive(Debug, Default)]
pub(crate) struct FeasibleSplit {
    teams: usize,
    /// Place types per team: the roles, then the open places.
    types: usize,
    /// Per place (`team * types + type`): how many, and how many taken.
    cap: Vec<u32>,
    used: Vec<u32>,
    /// Per player: the place types they accept, the team their party was
    /// given (or [`FREE`]), and their place.
    mask: Vec<u32>,
    team: Vec<u32>,
    place: Vec<u32>,
    /// Groups of two players or more, biggest first.
    parties: Vec<usize>,
    /// Per team: players of the parties placed there, and the biggest.
    fill: Vec<u32>,
    largest: Vec<u32>,
    /// `place` and `used` saved before each party's placement.
    saved: Vec<u32>,
    /// Breadth-first search: the place it came from and the player who would
    /// move, per place; when each place was last seen; the queue.
    parent: Vec<(u32, u32)>,
    seen: Vec<u32>,
    stamp: u32,
    queue: Vec<u32>,
    nodes: u64,
    /// Per depth: the player counts the parties from that depth on can sum
    /// to (bit `s` for `s` players; a match has at most 200).
    suffix_sums: Vec<[u64; 4]>,
    /// Players of solo tickets, who can fill any team's room.
    solos: u32,
}

impl FeasibleSplit {
    /// A team for every group of `p` such that teams are full, parties whole,
    /// roles filled and the premade limit kept, or `None` if there is none or
    /// none was found within the node budget (then [`ran_out`](Self::ran_out)).
    /// `order` lists the groups biggest first.
    pub(crate) fn find(&mut self, p: &Problem<'_>, order: &[usize]) -> Option<Vec<u16>> {
        self.setup(p);
        self.nodes = 0;
        // Each team's size must be the size of some of the groups (a team of
        // 9 from duos only, say, is not): a quick "none" that the search
        // below could otherwise only give by running out of nodes.
        let largest_team = p.team_sizes.iter().copied().max().unwrap_or(0) as usize;
        let mut reach = vec![false; largest_team + 1];
        reach[0] = true;
        for group in p.groups {
            for total in (group.size as usize..=largest_team).rev() {
                reach[total] |= reach[total - group.size as usize];
            }
        }
        if p.team_sizes.iter().any(|&size| !reach[size as usize]) {
            return None;
        }
        for player in 0..self.mask.len() {
            if !self.augment(player) {
                return None;
            }
        }
        self.parties.clear();
        self.parties
            .extend(order.iter().copied().filter(|&g| p.groups[g].size >= 2));
        self.solos = p.groups.iter().filter(|g| g.size == 1).count() as u32;
        self.suffix_sums.clear();
        self.suffix_sums.resize(self.parties.len() + 1, [0; 4]);
        self.suffix_sums[self.parties.len()][0] = 1;
        for d in (0..self.parties.len()).rev() {
            let after = self.suffix_sums[d + 1];
            self.suffix_sums[d] = or_shifted(after, p.groups[self.parties[d]].size);
        }
        let mut team_of = vec![0u16; p.groups.len()];
        self.descend(p, 0, &mut team_of).then_some(team_of)
    }

    /// Whether the last [`find`](Self::find) stopped at its node budget, so
    /// that a valid split may exist although it found none.
    pub(crate) fn ran_out(&self) -> bool {
        self.nodes > NODE_BUDGET
    }

    fn setup(&mut self, p: &Problem<'_>) {
        self.teams = p.team_sizes.len();
        let counts = p.role_counts.unwrap_or_default();
        self.types = counts.len() + 1;
        let fixed: u32 = counts.iter().sum();
        self.cap.clear();
        for &size in p.team_sizes {
            self.cap.extend_from_slice(counts);
            self.cap.push(size - fixed);
        }
        self.used.clear();
        self.used.resize(self.cap.len(), 0);
        let players: usize = p.groups.iter().map(|g| g.size as usize).sum();
        self.mask.clear();
        if p.role_counts.is_some() {
            self.mask
                .extend(p.prefs.iter().map(|prefs| prefs.mask(counts.len()) as u32));
        } else {
            self.mask.resize(players, 1);
        }
        self.team.clear();
        self.team.resize(players, FREE);
        self.place.clear();
        self.place.resize(players, NO_PLACE);
        self.fill.clear();
        self.fill.resize(self.teams, 0);
        self.largest.clear();
        self.largest.resize(self.teams, 0);
        self.saved.clear();
        self.parent.clear();
        self.parent.resize(self.cap.len(), (ROOT, 0));
        self.seen.clear();
        self.seen.resize(self.cap.len(), 0);
        self.stamp = 0;
    }

    /// Places the parties from `depth` on; true once a valid split is in
    /// `team_of`.
    fn descend(&mut self, p: &Problem<'_>, depth: usize, team_of: &mut [u16]) -> bool {
        if depth == self.parties.len() {
            // Every party has a team: the solo players take their places'.
            for (g, group) in p.groups.iter().enumerate() {
                let first = group.first_player as usize;
                if group.size == 1 {
                    team_of[g] = (self.place[first] as usize / self.types) as u16;
                }
            }
            return premade_ok(p, team_of);
        }
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            return false;
        }
        let g = self.parties[depth];
        let group = p.groups[g];
        let first = group.first_player as usize;
        let players = first..first + group.size as usize;
        // Teams with room, those where the matching seats most of the party
        // first; of the teams without a party yet, one per size (they are
        // interchangeable).
        let mut candidates: Vec<(u32, usize)> = (0..self.teams)
            .filter(|&team| self.fill[team] + group.size <= p.team_sizes[team])
            .map(|team| {
                let seated = players
                    .clone()
                    .filter(|&i| self.place[i] as usize / self.types == team)
                    .count() as u32;
                (seated, team)
            })
            .collect();
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut k = 0;
        while k < candidates.len() {
            let team = candidates[k].1;
            let twin = self.fill[team] == 0
                && candidates[..k]
                    .iter()
                    .any(|&(_, t)| self.fill[t] == 0 && p.team_sizes[t] == p.team_sizes[team]);
            if twin {
                candidates.remove(k);
            } else {
                k += 1;
            }
        }
        // The biggest party a team without one can still get.
        let next = self.parties.get(depth + 1).map_or(1, |&h| p.groups[h].size);
        for (_, team) in candidates {
            if let Some(limit) = p.premade_limit
                && !premade_reachable(&self.largest, team, group.size, next, limit)
            {
                continue;
            }
            let mark = self.saved.len();
            self.saved.extend_from_slice(&self.place);
            self.saved.extend_from_slice(&self.used);
            let mut ok = true;
            for i in players.clone() {
                self.team[i] = team as u32;
                if self.place[i] as usize / self.types != team {
                    self.used[self.place[i] as usize] -= 1;
                    self.place[i] = NO_PLACE;
                }
            }
            for i in players.clone() {
                if self.place[i] == NO_PLACE && !self.augment(i) {
                    ok = false;
                    break;
                }
            }
            // Every team's room left must be some of the parties still to
            // place plus solo players: without this, a team left with an
            // odd room and only duos to come (teams of 45 from duos and
            // trios, say) was found only after backtracking far, if at all
            // within the budget.
            ok = ok && {
                let sums = &self.suffix_sums[depth + 1];
                (0..self.teams).all(|t| {
                    let fill = self.fill[t] + if t == team { group.size } else { 0 };
                    let room = p.team_sizes[t] - fill;
                    (room.saturating_sub(self.solos)..=room).any(|s| has(sums, s))
                })
            };
            if ok {
                let was_largest = self.largest[team];
                self.fill[team] += group.size;
                self.largest[team] = was_largest.max(group.size);
                team_of[g] = team as u16;
                if self.descend(p, depth + 1, team_of) {
                    return true;
                }
                self.fill[team] -= group.size;
                self.largest[team] = was_largest;
            }
            let players_len = self.place.len();
            self.place
                .copy_from_slice(&self.saved[mark..mark + players_len]);
            self.used.copy_from_slice(&self.saved[mark + players_len..]);
            self.saved.truncate(mark);
            for i in players.clone() {
                self.team[i] = FREE;
            }
            if self.nodes > NODE_BUDGET {
                return false;
            }
        }
        false
    }

    /// Gives `player` (without a place) a place they accept, moving others
    /// along an augmenting path if needed; false if there is none.
    fn augment(&mut self, player: usize) -> bool {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.queue.clear();
        let (types, stamp) = (self.types, self.stamp);
        for place in places_of(self.mask[player], self.team[player], self.teams, types) {
            if self.used[place] < self.cap[place] {
                self.used[place] += 1;
                self.place[player] = place as u32;
                return true;
            }
            self.seen[place] = stamp;
            self.parent[place] = (ROOT, 0);
            self.queue.push(place as u32);
        }
        let mut head = 0;
        while head < self.queue.len() {
            let from = self.queue[head];
            head += 1;
            for q in 0..self.place.len() {
                if self.place[q] != from {
                    continue;
                }
                for to in places_of(self.mask[q], self.team[q], self.teams, types) {
                    if self.seen[to] == stamp {
                        continue;
                    }
                    self.seen[to] = stamp;
                    self.parent[to] = (from, q as u32);
                    if self.used[to] < self.cap[to] {
                        self.used[to] += 1;
                        let mut at = to as u32;
                        while self.parent[at as usize].0 != ROOT {
                            let (prev, mover) = self.parent[at as usize];
                            self.place[mover as usize] = at;
                            at = prev;
                        }
                        self.place[player] = at;
                        return true;
                    }
                    self.queue.push(to as u32);
                }
            }
        }
        false
    }
}

/// The places a player accepting `mask` may take: in `team`, or in any of
/// `teams` when [`FREE`].
fn places_of(mask: u32, team: u32, teams: usize, types: usize) -> impl Iterator<Item = usize> {
    let teams = if team == FREE {
        0..teams
    } else {
        team as usize..team as usize + 1
    };
    teams.flat_map(move |t| {
        (0..types)
            .filter(move |&ty| mask & (1 << ty) != 0)
            .map(move |ty| t * types + ty)
    })
}

/// `set` (bit `s` for a sum of `s` players) with every sum grown by `size`,
/// and the sums it had.
fn or_shifted(set: [u64; 4], size: u32) -> [u64; 4] {
    let mut out = set;
    let (words, bits) = ((size / 64) as usize, size % 64);
    for (i, word) in out.iter_mut().enumerate().skip(words) {
        let j = i - words;
        let mut v = set[j] << bits;
        if bits != 0 && j > 0 {
            v |= set[j - 1] >> (64 - bits);
        }
        *word |= v;
    }
    out
}

/// Whether `set` holds the sum `s`.
fn has(set: &[u64; 4], s: u32) -> bool {
    s < 256 && set[(s / 64) as usize] & (1 << (s % 64)) != 0
}
