//! The second half of a tick: build matches around the longest-waiting tickets.
//!
//! For each unmatched ticket, oldest first (the *anchor*), and for each pool it
//! belongs to, candidates stream in order of rating distance from the anchor,
//! restricted by the reach tree to tickets whose windows mutually cover the
//! anchor. A depth-first search then picks the first subset, in that order,
//! that is compatible as a whole (every ticket's window covers every other
//! rating and numeric attribute), has exactly the match's player count, and can
//! be split into teams with parties whole, roles filled and premade sizes within
//! limits. The best pool's result (smallest rating spread) becomes a proposal.

use super::prepare::{Entry, Prepared, Reach};
use super::roles::RoleCounts;
use crate::teams::roles::{MAX_ROLES, RolePrefs, TeamHall};
use crate::teams::solver::{Balancer, Group, Problem, Solution};

/// Search nodes one anchor may spend in one pool before giving up for this tick.
const NODE_BUDGET: u32 = 512;

/// Candidates pulled from the stream at a time.
const PULL_AHEAD: usize = 8;

/// The value envelope of a set of tickets: all values lie in `[min, max]`, and
/// every member's window covers only values in `[lo, hi]`.
#[derive(Debug, Clone, Copy)]
struct Envelope {
    min: f64,
    max: f64,
    /// Highest `value - window` of any member: values below it are out of reach.
    lo: f64,
    /// Lowest `value + window` of any member.
    hi: f64,
}

impl Envelope {
    fn of(value: f64, window: f64) -> Self {
        Self {
            min: value,
            max: value,
            lo: value - window,
            hi: value + window,
        }
    }

    fn admits(&self, value: f64, window: f64) -> bool {
        value >= self.lo
            && value <= self.hi
            && value - window <= self.min
            && value + window >= self.max
    }

    fn with(&self, value: f64, window: f64) -> Self {
        Self {
            min: self.min.min(value),
            max: self.max.max(value),
            lo: self.lo.max(value - window),
            hi: self.hi.min(value + window),
        }
    }
}

/// Streams a pool's tickets in order of rating distance from the anchor,
/// keeping only those whose window reaches the anchor and that lie inside the
/// anchor's window.
struct Stream {
    pool: usize,
    rating: f64,
    window: f64,
    /// The position the right (left) side continues after (before): the
    /// anchor's, then the last candidate taken there; live either way.
    right_after: usize,
    left_before: usize,
    right: Option<usize>,
    left: Option<usize>,
    right_done: bool,
    left_done: bool,
}

impl Stream {
    fn new(pool: usize, rating: f64, window: f64, pos: usize) -> Self {
        Self {
            pool,
            rating,
            window,
            right_after: pos,
            left_before: pos,
            right: None,
            left: None,
            right_done: false,
            left_done: false,
        }
    }

    /// The next candidate: its entry and its position in the pool.
    ///
    /// Kept out of line: when a change elsewhere in the search let the
    /// compiler inline it, it left the pool's lookups out of line instead,
    /// and the 1v1 tick measured a few per cent slower.
    #[inline(never)]
    fn next(&mut self, prep: &Prepared<'_>) -> Option<(u32, u32)> {
        let pool = &prep.pools[self.pool];
        if self.right.is_none() && !self.right_done {
            let max = self.rating + self.window;
            match pool.reaching_right(self.right_after, self.rating, max, prep.gone()) {
                Some(p) => self.right = Some(p),
                None => self.right_done = true,
            }
        }
        if self.left.is_none() && !self.left_done {
            let min = self.rating - self.window;
            match pool.reaching_left(self.left_before, self.rating, min, prep.gone()) {
                Some(p) => self.left = Some(p),
                None => self.left_done = true,
            }
        }
        let take_right = match (self.left, self.right) {
            (None, None) => return None,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(l), Some(r)) => {
                let dl = self.rating - pool.rating(l);
                let dr = pool.rating(r) - self.rating;
                // Closer first; on a tie, the older ticket (lower entry index).
                dr < dl || (dr == dl && pool.entry(r) < pool.entry(l))
            }
        };
        let p = if take_right {
            let p = self.right.take()?;
            self.right_after = p;
            p
        } else {
            let p = self.left.take()?;
            self.left_before = p;
            p
        };
        Some((pool.entry(p), p as u32))
    }
}

/// How many tickets a search may draw from the stream per candidate it may
/// keep: the stream yields tickets in rating order that every rule but the
/// numeric ones accepts, and those the numeric rules refuse are skipped. A
/// numeric rule is a second dimension the rating order knows nothing of, so
/// the skipped ones are bounded to keep a search's cost constant; 16 lets a
/// valid partner sit behind 15 misfits per place of the breadth (a ticket
/// whose match needs 9 others and a default breadth of 30 looks past up to
/// 450 of them).
const SCAN_FACTOR: usize = 16;

/// Per-anchor search limits and progress.
struct Budget {
    breadth: usize,
    scanned: usize,
    nodes: u32,
    /// No more candidates will come (stream ended or breadth reached).
    exhausted: bool,
}

/// The search state of one tick.
pub(crate) struct Searcher {
    balancer: Balancer,
    /// Whether the queue has a role composition (see
    /// [`RoleTable`](super::roles::RoleTable) for the entries' preferences).
    roles: bool,
    /// Places per role of one team.
    role_counts: Vec<u32>,
    /// Role places across all teams, per [`RoleCounts`] index.
    role_demand: RoleCounts,
    /// How many entries of a [`RoleCounts`] are in use.
    demand_len: usize,
    players: u32,
    /// Every team has one place (1v1, free-for-all).
    solo_teams: bool,
    /// 1v1 without roles: a match is one ticket against the closest other.
    duel: bool,
    /// The queue matches premades against premades of similar size.
    premade: bool,
    team_sizes: Vec<u32>,
    /// Places per set of place types, per team (when Hall's check applies).
    team_slots: Vec<[u32; 64]>,
    // Scratch for one anchor.
    candidates: Vec<u32>,
    /// Their positions in the pool searched.
    candidate_pos: Vec<u32>,
    suffix_players: Vec<u32>,
    /// Per suffix of the candidates: which ticket-size sums a subset of them can
    /// reach (bit `n` = `n` players), for teams of at most 63 players.
    suffix_sums: Vec<u64>,
    suffix_able: Vec<RoleCounts>,
    numeric_stack: Vec<Envelope>,
    able_stack: Vec<RoleCounts>,
    /// Room left per team.
    room: Vec<u32>,
    /// Hall state per team (when it applies).
    halls: Vec<TeamHall>,
    /// What each placement changed, to undo it: the team and its Hall state
    /// before.
    undo: Vec<(u16, TeamHall)>,
    /// The team each chosen ticket was placed on (a valid split, handed to
    /// the balancer as its first incumbent).
    placed: Vec<u16>,
    /// Scratch: the largest party per team of the placement.
    team_largest: Vec<u32>,
    groups: Vec<Group>,
    problem_prefs: Vec<RolePrefs>,
    /// The set being built, anchor first; holds the result after a success.
    pub(crate) chosen: Vec<u32>,
    /// Their positions in `pool`.
    chosen_pos: Vec<u32>,
    /// The pool `chosen` comes from.
    pool: u32,
    /// The team split of `chosen`, when `balanced`.
    pub(crate) solution: Solution,
    /// Whether `solution` is the best split of `chosen`.
    balanced: bool,
}

impl Searcher {
    /// The search state for `prep`'s tick.
    pub(crate) fn new(prep: &Prepared<'_>) -> Self {
        let format = prep.config.format();
        let role_counts = prep.roles.role_counts().to_vec();
        let demand_len = prep.roles.demand_len();
        let role_demand = prep.roles.demand();
        let has_roles = prep.roles.has_roles();
        let fixed: u32 = role_counts.iter().sum();
        let team_slots = if has_roles && TeamHall::applies(role_counts.len()) {
            format
                .team_sizes()
                .iter()
                .map(|&size| TeamHall::slots(&role_counts, size - fixed))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            balancer: Balancer::default(),
            roles: has_roles,
            role_counts,
            role_demand,
            demand_len,
            players: format.players(),
            solo_teams: format.is_solo_teams(),
            duel: format.team_sizes() == [1, 1] && !has_roles,
            premade: prep.config.spec().party.premade_size_difference.is_some(),
            team_sizes: format.team_sizes().to_vec(),
            team_slots,
            candidates: Vec::new(),
            candidate_pos: Vec::new(),
            suffix_players: Vec::new(),
            suffix_sums: Vec::new(),
            suffix_able: Vec::new(),
            numeric_stack: Vec::new(),
            able_stack: Vec::new(),
            room: Vec::new(),
            halls: Vec::new(),
            undo: Vec::new(),
            placed: Vec::new(),
            team_largest: Vec::new(),
            groups: Vec::new(),
            problem_prefs: Vec::new(),
            chosen: Vec::new(),
            chosen_pos: Vec::new(),
            pool: 0,
            solution: Solution::default(),
            balanced: false,
        }
    }

    fn has_roles(&self) -> bool {
        self.roles
    }

    /// Searches `pool` for a match around anchor `e` (at position `pos`). On
    /// success `chosen` and `solution` hold the match and its rating spread is
    /// returned.
    ///
    /// `within` bounds the rating distance of candidates from the anchor: a
    /// match found in another pool with spread `s` can only be beaten by one
    /// whose tickets all lie closer than `s` to the anchor.
    pub(crate) fn search_pool(
        &mut self,
        prep: &Prepared<'_>,
        e: u32,
        pool: u32,
        pos: u32,
        within: f64,
    ) -> Option<f64> {
        let anchor = prep.entries[e as usize];
        let need = self.players.checked_sub(anchor.size).filter(|&n| n > 0)?;
        self.candidates.clear();
        self.candidate_pos.clear();
        self.chosen.clear();
        self.chosen.push(e);
        self.chosen_pos.clear();
        self.chosen_pos.push(pos);
        self.pool = pool;
        let k = prep.numeric_rules.len();
        self.numeric_stack.clear();
        self.numeric_stack.extend(
            prep.numeric_of(e as usize)
                .iter()
                .map(|r| Envelope::of(r.value, r.window)),
        );
        self.able_stack.clear();
        if self.has_roles() {
            self.able_stack.push(prep.roles.able(e));
        }
        let mut stream = Stream::new(
            pool as usize,
            anchor.rating,
            anchor.window.min(within),
            pos as usize,
        );
        let mut budget = Budget {
            breadth: prep.config.search_breadth(),
            scanned: 0,
            nodes: 0,
            exhausted: false,
        };
        if self.duel && k == 0 {
            // 1v1 with only the rating rule: the stream already yields the
            // closest ticket whose window and the anchor's cover each other,
            // and every ticket is a single player. That is the match.
            let (c, at) = stream.next(prep)?;
            self.chosen.push(c);
            self.chosen_pos.push(at);
            // The rating from the slot the stream just read, not the entry.
            let (a, b) = (anchor.rating, prep.pools[pool as usize].rating(at as usize));
            let solution = &mut self.solution;
            solution.team_of.clear();
            solution.team_of.extend([0, 1]);
            solution.roles.clear();
            solution.imbalance = (a - b).abs();
            solution.lower_bound = solution.imbalance;
            solution.exact = true;
            self.balanced = true;
            return Some(solution.imbalance);
        }
        let envelope = Envelope::of(anchor.rating, anchor.window);
        let teams = self.team_sizes.len();
        self.room.clear();
        self.room.extend_from_slice(&self.team_sizes);
        self.undo.clear();
        self.halls.clear();
        self.placed.clear();
        if !self.team_slots.is_empty() {
            self.halls.resize(teams, TeamHall::EMPTY);
        }
        let found = if self.solo_teams && !self.has_roles() {
            self.dfs(prep, &mut stream, &mut budget, 0, need, envelope, k)
        } else {
            (0..teams).any(|team| {
                if !self.place(prep, e, team) {
                    return false;
                }
                let found = self.dfs(prep, &mut stream, &mut budget, 0, need, envelope, k);
                if !found {
                    self.unplace(prep, e);
                }
                found
            })
        };
        if !found {
            return None;
        }
        let (lo, hi) = self
            .chosen
            .iter()
            .map(|&c| prep.entries[c as usize].rating)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r), hi.max(r))
            });
        Some(hi - lo)
    }

    /// Makes sure candidate `i` has been pulled from the stream; false if no
    /// more candidates come.
    fn pull(
        &mut self,
        prep: &Prepared<'_>,
        stream: &mut Stream,
        budget: &mut Budget,
        i: usize,
    ) -> bool {
        if self.candidates.len() > i {
            return true;
        }
        // Pull a few ahead, then load what the search reads of them together:
        // they sit at random places in memory, and independent loads overlap
        // their cache misses.
        let anchor = self.chosen[0] as usize;
        let first_new = self.candidates.len();
        while self.candidates.len() < i + PULL_AHEAD && !budget.exhausted {
            let next = if self.candidates.len() >= budget.breadth
                || budget.scanned >= SCAN_FACTOR * budget.breadth
            {
                None
            } else {
                stream.next(prep)
            };
            let Some((c, at)) = next else {
                self.close(prep, budget);
                break;
            };
            budget.scanned += 1;
            if numeric_compatible(prep.numeric_of(anchor), prep.numeric_of(c as usize)) {
                self.candidates.push(c);
                self.candidate_pos.push(at);
            }
        }
        let mut acc = 0u32;
        for &c in &self.candidates[first_new..] {
            let c = c as usize;
            acc ^= prep.entries[c].size;
            if self.has_roles() {
                acc ^= prep.roles.at(c as u32) as u32 ^ prep.roles.able(c as u32)[0];
            }
        }
        std::hint::black_box(acc);
        self.candidates.len() > i
    }

    /// No more candidates: record suffix sums for pruning.
    fn close(&mut self, prep: &Prepared<'_>, budget: &mut Budget) {
        budget.exhausted = true;
        let n = self.candidates.len();
        self.suffix_players.clear();
        self.suffix_players.resize(n + 1, 0);
        self.suffix_sums.clear();
        self.suffix_sums.resize(n + 1, 1);
        for i in (0..n).rev() {
            let size = prep.entries[self.candidates[i] as usize].size;
            self.suffix_players[i] = self.suffix_players[i + 1] + size;
            let sums = self.suffix_sums[i + 1];
            self.suffix_sums[i] = if size < 64 {
                sums | (sums << size)
            } else {
                sums
            };
        }
        if self.has_roles() {
            self.suffix_able.clear();
            self.suffix_able.resize(n + 1, [0; MAX_ROLES]);
            for i in (0..n).rev() {
                let able = prep.roles.able(self.candidates[i]);
                let mut sum = self.suffix_able[i + 1];
                for (s, a) in sum.iter_mut().zip(able) {
                    *s += a;
                }
                self.suffix_able[i] = sum;
            }
        }
    }

    /// Whether the candidates from `i` on can still supply `need` players and
    /// the missing roles (only known once the stream is exhausted).
    fn can_finish(&self, budget: &Budget, i: usize, need: u32, level: usize) -> bool {
        if !budget.exhausted {
            return true;
        }
        let i = i.min(self.candidates.len());
        if self.suffix_players[i] < need {
            return false;
        }
        // Every team with room left must be fillable exactly by some of the
        // remaining candidates (necessary, not sufficient: teams may compete
        // for the same tickets).
        let sums = self.suffix_sums[i];
        if self
            .room
            .iter()
            .any(|&room| room > 0 && room < 64 && sums & (1u64 << room) == 0)
        {
            return false;
        }
        if self.has_roles() {
            let have = &self.able_stack[level];
            let more = &self.suffix_able[i];
            let short =
                (0..self.demand_len).any(|r| have[r] + more[r].min(need) < self.role_demand[r]);
            if short {
                return false;
            }
        }
        true
    }

    #[allow(clippy::too_many_arguments)] // the search's state, passed down rather than boxed
    fn dfs(
        &mut self,
        prep: &Prepared<'_>,
        stream: &mut Stream,
        budget: &mut Budget,
        from: usize,
        need: u32,
        envelope: Envelope,
        k: usize,
    ) -> bool {
        if need == 0 {
            return self.complete(prep);
        }
        let level = self.chosen.len() - 1;
        let mut i = from;
        loop {
            budget.nodes += 1;
            if budget.nodes > NODE_BUDGET
                || !self.pull(prep, stream, budget, i)
                || !self.can_finish(budget, i, need, level)
            {
                return false;
            }
            let c = self.candidates[i];
            let entry: Entry = prep.entries[c as usize];
            i += 1;
            if entry.size > need
                || !envelope.admits(entry.rating, entry.window)
                || !self.numeric_admits(prep, c, level, k)
            {
                continue;
            }
            let remaining = need - entry.size;
            if self.premade && !self.premade_room(prep, c, remaining) {
                continue;
            }
            if self.has_roles() {
                let able = prep.roles.able(c);
                let mut sum = self.able_stack[level];
                for (s, a) in sum.iter_mut().zip(able) {
                    *s += a;
                }
                if (0..self.demand_len).any(|r| sum[r] + remaining < self.role_demand[r]) {
                    continue;
                }
                self.able_stack.push(sum);
            }
            self.chosen.push(c);
            self.chosen_pos.push(self.candidate_pos[i - 1]);
            self.push_numeric(prep, c, level, k);
            let envelope = envelope.with(entry.rating, entry.window);
            if self.solo_teams && !self.has_roles() {
                // One player per team and no roles: any team order is the same
                // match, so there is nothing to place.
                if self.dfs(prep, stream, budget, i, remaining, envelope, k) {
                    return true;
                }
                self.chosen.pop();
                self.chosen_pos.pop();
                self.numeric_stack.truncate((level + 1) * k);
                continue;
            }
            for team in 0..self.team_sizes.len() {
                if !self.place(prep, c, team) {
                    continue;
                }
                if self.dfs(prep, stream, budget, i, remaining, envelope, k) {
                    // Keep the placement: it is the found match's split.
                    return true;
                }
                self.unplace(prep, c);
                budget.nodes += 1;
                if budget.nodes > NODE_BUDGET {
                    return false;
                }
            }
            self.chosen.pop();
            self.chosen_pos.pop();
            self.numeric_stack.truncate((level + 1) * k);
            if self.has_roles() {
                self.able_stack.pop();
            }
        }
    }

    /// Puts entry `c` on `team` if it fits there: room for the whole ticket,
    /// not a second empty team of the same size (interchangeable with the first),
    /// and the team's role places can still all be filled. Pushes the new team
    /// state and returns true, or changes nothing and returns false.
    fn place(&mut self, prep: &Prepared<'_>, c: u32, team: usize) -> bool {
        let size = prep.entries[c as usize].size;
        let room = self.room[team];
        if room < size {
            return false;
        }
        if room == self.team_sizes[team]
            && (0..team).any(|t| {
                self.team_sizes[t] == self.team_sizes[team] && self.room[t] == self.team_sizes[t]
            })
        {
            return false;
        }
        let before = if self.team_slots.is_empty() {
            TeamHall::EMPTY
        } else {
            let at = prep.roles.at(c);
            let roles = self.role_counts.len();
            let before = self.halls[team];
            let mut hall = before;
            for p in at..at + size as usize {
                if !hall.add(
                    usize::from(prep.roles.mask(p)),
                    roles,
                    &self.team_slots[team],
                ) {
                    return false;
                }
            }
            self.halls[team] = hall;
            before
        };
        self.room[team] -= size;
        self.undo.push((team as u16, before));
        self.placed.push(team as u16);
        true
    }

    /// Undoes the last [`place`](Self::place) of entry `c`.
    fn unplace(&mut self, prep: &Prepared<'_>, c: u32) {
        if let Some((team, before)) = self.undo.pop() {
            self.room[team as usize] += prep.entries[c as usize].size;
            if !self.team_slots.is_empty() {
                self.halls[team as usize] = before;
            }
        }
        self.placed.pop();
    }

    fn numeric_admits(&self, prep: &Prepared<'_>, c: u32, level: usize, k: usize) -> bool {
        let reaches = prep.numeric_of(c as usize);
        let top = &self.numeric_stack[level * k..(level + 1) * k];
        top.iter()
            .zip(reaches)
            .all(|(env, r)| env.admits(r.value, r.window))
    }

    fn push_numeric(&mut self, prep: &Prepared<'_>, c: u32, level: usize, k: usize) {
        let reaches = prep.numeric_of(c as usize);
        for (j, reach) in reaches.iter().enumerate() {
            let next = self.numeric_stack[level * k + j].with(reach.value, reach.window);
            self.numeric_stack.push(next);
        }
    }

    /// The chosen tickets fill the match: is there a valid split into teams?
    ///
    /// Usually the placement the search made already proves one exists (every
    /// ticket sits on a team with room, and with roles each team passed Hall's
    /// check), so the best split is computed later, once, for the match that
    /// is kept ([`balance`](Self::balance)). With a premade limit the
    /// placement proves it only if its teams' largest parties are within the
    /// limit. A set whose parties no split can spread that evenly never gets
    /// here: the search refused its last ticket
    /// ([`premade_room`](Self::premade_room)). Only the rest, and roles too
    /// many for Hall's check, need the balancer now.
    fn complete(&mut self, prep: &Prepared<'_>) -> bool {
        self.balanced = false;
        if self.solo_teams && !self.has_roles() {
            return true;
        }
        let placement_splits = self.placement_splits();
        let limit = self
            .chosen
            .iter()
            .map(|&c| prep.entries[c as usize].premade)
            .min()
            .unwrap_or(u32::MAX);
        if limit == u32::MAX {
            return placement_splits || self.balance(prep);
        }
        // Sets whose parties no split can spread within the limit never get
        // here: the search refused their last ticket (`premade_room`).
        (placement_splits && self.placement_within(prep, limit)) || self.balance(prep)
    }

    /// Whether the search's placement of `chosen` is a valid split as far as
    /// sizes and roles go: every ticket placed, and roles checked while
    /// placing (Hall's condition) or none.
    fn placement_splits(&self) -> bool {
        self.placed.len() == self.chosen.len() && (!self.has_roles() || !self.team_slots.is_empty())
    }

    /// Whether `chosen` with entry `c` added, and then tickets of `remaining`
    /// players more, could still be split within the premade limit: a
    /// necessary condition, checked as each candidate is taken so the search
    /// does not spend its node budget on sets no split can make valid (a
    /// five-stack anchor among many closer solos would otherwise try every
    /// combination of the solos, and a valid match further out would be
    /// stranded).
    ///
    /// Adding tickets can only raise the biggest party and lower the limit
    /// (the strictest tolerance among the tickets), so the final set needs at
    /// least one ticket per team of at least `biggest - limit` players, where
    /// both are taken over the set so far. Those missing must fit in
    /// `remaining`.
    fn premade_room(&self, prep: &Prepared<'_>, c: u32, remaining: u32) -> bool {
        let entry = |e: u32| prep.entries[e as usize];
        let (mut biggest, mut limit) = (entry(c).size, entry(c).premade);
        for &e in &self.chosen {
            biggest = biggest.max(entry(e).size);
            limit = limit.min(entry(e).premade);
        }
        let least = biggest.saturating_sub(limit).max(1);
        let have = std::iter::once(c)
            .chain(self.chosen.iter().copied())
            .filter(|&e| entry(e).size >= least)
            .count();
        let missing = self.team_sizes.len().saturating_sub(have) as u64;
        missing * u64::from(least) <= u64::from(remaining)
    }

    /// Whether the search's placement keeps the teams' largest parties within
    /// `limit` of each other.
    fn placement_within(&mut self, prep: &Prepared<'_>, limit: u32) -> bool {
        let largest = &mut self.team_largest;
        largest.clear();
        largest.resize(self.team_sizes.len(), 0);
        for (&c, &team) in self.chosen.iter().zip(&self.placed) {
            let size = prep.entries[c as usize].size;
            let team = &mut largest[usize::from(team)];
            *team = (*team).max(size);
        }
        let hi = largest.iter().copied().max().unwrap_or(0);
        let lo = largest.iter().copied().min().unwrap_or(0);
        hi - lo <= limit
    }

    /// Computes the best split of `chosen` into `solution` (if not done yet);
    /// false if there is none.
    pub(crate) fn balance(&mut self, prep: &Prepared<'_>) -> bool {
        if self.balanced {
            return true;
        }
        if self.solo_teams && !self.has_roles() {
            // 1v1 and free-for-all: one player per team, every order is the same
            // split, so keep the chosen order and skip the balancer.
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &c in &self.chosen {
                let r = prep.entries[c as usize].rating;
                lo = lo.min(r);
                hi = hi.max(r);
            }
            let solution = &mut self.solution;
            solution.team_of.clear();
            solution.team_of.extend(0..self.chosen.len() as u16);
            solution.roles.clear();
            solution.imbalance = hi - lo;
            solution.lower_bound = hi - lo;
            solution.exact = true;
            self.balanced = true;
            return true;
        }
        self.groups.clear();
        self.problem_prefs.clear();
        let mut premade = u32::MAX;
        for idx in 0..self.chosen.len() {
            let c = self.chosen[idx];
            let entry = prep.entries[c as usize];
            premade = premade.min(entry.premade);
            self.groups.push(Group {
                size: entry.size,
                rating: entry.rating,
                first_player: self.problem_prefs.len() as u32,
            });
            if self.has_roles() {
                self.problem_prefs.extend_from_slice(prep.roles.prefs(c));
            }
        }
        let problem = Problem {
            team_sizes: prep.config.format().team_sizes(),
            groups: &self.groups,
            prefs: &self.problem_prefs,
            role_counts: self.has_roles().then_some(self.role_counts.as_slice()),
            premade_limit: (premade != u32::MAX).then_some(premade),
            // The placement is a valid split only if roles were checked while
            // placing (Hall's condition) or there are none.
            hint: self.placement_splits().then_some(self.placed.as_slice()),
            outside: None,
        };
        self.balanced = self.balancer.solve(&problem, &mut self.solution);
        self.balanced
    }

    /// Copies the current result into `kept` (e.g. the best of several
    /// pools, while the next pool is searched).
    pub(crate) fn save(&self, kept: &mut Kept) {
        kept.chosen.clone_from(&self.chosen);
        kept.chosen_pos.clone_from(&self.chosen_pos);
        kept.pool = self.pool;
        kept.placed.clone_from(&self.placed);
        kept.solution.clone_from(&self.solution);
        kept.balanced = self.balanced;
    }

    /// Makes a result [`save`](Self::save)d earlier the current one.
    pub(crate) fn restore(&mut self, kept: &Kept) {
        self.chosen.clone_from(&kept.chosen);
        self.chosen_pos.clone_from(&kept.chosen_pos);
        self.pool = kept.pool;
        self.placed.clone_from(&kept.placed);
        self.solution.clone_from(&kept.solution);
        self.balanced = kept.balanced;
    }

    /// The current result's entries, anchor first.
    pub(crate) fn chosen(&self) -> &[u32] {
        &self.chosen
    }

    /// The current result's split into teams (after [`balance`](Self::balance)).
    pub(crate) fn solution(&self) -> &Solution {
        &self.solution
    }

    /// The pool the current result comes from, and its entries' positions
    /// there (parallel to [`chosen`](Self::chosen)).
    pub(crate) fn positions(&self) -> (usize, &[u32]) {
        (self.pool as usize, &self.chosen_pos)
    }
}

/// A search result kept aside; see [`Searcher::save`].
#[derive(Debug, Default)]
pub(crate) struct Kept {
    chosen: Vec<u32>,
    chosen_pos: Vec<u32>,
    pool: u32,
    placed: Vec<u16>,
    solution: Solution,
    balanced: bool,
}

fn numeric_compatible(a: &[Reach], b: &[Reach]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| reaches(x.value, x.window, y.value) && reaches(y.value, y.window, x.value))
}

/// Whether `value` lies in the window `center ± window` — the one definition
/// of "within a window" every rule and check uses, so floating-point rounding
/// can never make two parts of the matcher disagree at the boundary.
pub(crate) fn reaches(center: f64, window: f64, value: f64) -> bool {
    value >= center - window && value <= center + window
}
