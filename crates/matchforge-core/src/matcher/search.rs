//! The second half of a tick: build matches around the longest-waiting tickets.
//!
//! For each unmatched ticket, oldest first (the *anchor*), and for each pool it
//! belongs to, candidates stream in order of rating distance from the anchor,
//! restricted by the reach trees to tickets whose windows mutually cover the
//! anchor. A depth-first search then picks the first subset, in that order,
//! that is compatible as a whole (every ticket's window covers every other
//! rating and numeric attribute), has exactly the match's player count, and can
//! be split into teams with parties whole, roles filled and premade sizes within
//! limits. The best pool's result (smallest rating spread) becomes a proposal.

use super::prepare::{Entry, Prepared, Reach};
use crate::teams::roles::{MAX_ROLES, RolePrefs};
use crate::teams::solver::{Balancer, Group, Problem, Solution};

/// Search nodes one anchor may spend in one pool before giving up for this tick.
const NODE_BUDGET: u32 = 4096;

/// The rating/numeric envelope of a set of tickets: all values lie in
/// `[min, max]`, and every member's window covers `[lo, hi]`-bounded values.
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

/// A match found for an anchor.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Entries, anchor first, then in the order they were chosen.
    pub(crate) entries: Vec<u32>,
    pub(crate) solution: Solution,
    pub(crate) spread: f64,
}

/// Streams a pool's tickets in order of rating distance from the anchor,
/// keeping only those whose window reaches the anchor and that lie inside the
/// anchor's window.
struct Stream {
    rating: f64,
    window: f64,
    right_from: usize,
    left_until: Option<usize>,
    right: Option<usize>,
    left: Option<usize>,
    right_done: bool,
    left_done: bool,
}

impl Stream {
    fn new(rating: f64, window: f64, pos: usize) -> Self {
        Self {
            rating,
            window,
            right_from: pos + 1,
            left_until: pos.checked_sub(1),
            right: None,
            left: None,
            right_done: false,
            left_done: pos == 0,
        }
    }

    fn next(&mut self, prep: &Prepared<'_>, pool: usize) -> Option<usize> {
        let pool = &prep.pools[pool];
        if self.right.is_none() && !self.right_done {
            match pool.low.first_from(self.right_from, self.rating) {
                Some(p) if pool.ratings[p] <= self.rating + self.window => self.right = Some(p),
                _ => self.right_done = true,
            }
        }
        if self.left.is_none() && !self.left_done {
            let found = self
                .left_until
                .and_then(|until| pool.high.last_until(until, self.rating));
            match found {
                Some(p) if pool.ratings[p] >= self.rating - self.window => self.left = Some(p),
                _ => self.left_done = true,
            }
        }
        let take_right = match (self.left, self.right) {
            (None, None) => return None,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(l), Some(r)) => {
                let dl = self.rating - pool.ratings[l];
                let dr = pool.ratings[r] - self.rating;
                // Closer first; on a tie, the older ticket (lower entry index).
                dr < dl || (dr == dl && pool.members[r] < pool.members[l])
            }
        };
        if take_right {
            let p = self.right.take()?;
            self.right_from = p + 1;
            Some(p)
        } else {
            let p = self.left.take()?;
            match p.checked_sub(1) {
                Some(until) => self.left_until = Some(until),
                None => self.left_done = true,
            }
            Some(p)
        }
    }
}

/// The search state of one tick.
pub(crate) struct Searcher {
    pub(crate) balancer: Balancer,
    /// Role preferences per player, lazily resolved per entry.
    prefs: Vec<RolePrefs>,
    prefs_at: Vec<u32>,
    // Scratch for one anchor.
    candidates: Vec<u32>,
    chosen: Vec<u32>,
    numeric_stack: Vec<Envelope>,
    role_able: Vec<[u32; MAX_ROLES]>,
    groups: Vec<Group>,
    problem_prefs: Vec<RolePrefs>,
    role_demand: [u32; MAX_ROLES],
    role_counts: Vec<u32>,
    nodes: u32,
    players: u32,
    teams: usize,
}

const UNRESOLVED: u32 = u32::MAX;

impl Searcher {
    pub(crate) fn new(prep: &Prepared<'_>) -> Self {
        let format = prep.config.format();
        let mut role_counts = Vec::new();
        let mut role_demand = [0u32; MAX_ROLES];
        if let Some(roles) = &prep.config.spec().roles {
            for (i, slot) in roles.slots.iter().enumerate() {
                role_counts.push(slot.count);
                role_demand[i] = slot.count * format.teams() as u32;
            }
        }
        Self {
            balancer: Balancer::default(),
            prefs: Vec::new(),
            prefs_at: if role_counts.is_empty() {
                Vec::new()
            } else {
                vec![UNRESOLVED; prep.entries.len()]
            },
            candidates: Vec::new(),
            chosen: Vec::new(),
            numeric_stack: Vec::new(),
            role_able: Vec::new(),
            groups: Vec::new(),
            problem_prefs: Vec::new(),
            role_demand,
            role_counts,
            nodes: 0,
            players: format.players(),
            teams: format.teams(),
        }
    }

    fn has_roles(&self) -> bool {
        !self.role_counts.is_empty()
    }

    /// The role preferences of entry `e`'s players (resolved on first use).
    fn prefs_of(&mut self, prep: &Prepared<'_>, e: u32) -> &[RolePrefs] {
        let entry = prep.entries[e as usize];
        if self.prefs_at[e as usize] == UNRESOLVED {
            self.prefs_at[e as usize] = self.prefs.len() as u32;
            let roles = prep.config.spec().roles.as_ref();
            let ticket = &prep.tickets[entry.ticket as usize];
            for player in ticket.players() {
                let prefs = match roles {
                    Some(c) if !player.roles.is_empty() => RolePrefs::from_indices(
                        // An unknown role maps past the composition: it never
                        // fills a slot, only open places.
                        player.roles.iter().map(|r| {
                            c.index_of(r.as_str())
                                .unwrap_or(MAX_ROLES - 1)
                                .min(MAX_ROLES - 1)
                        }),
                    ),
                    _ => RolePrefs::ANY,
                };
                self.prefs.push(prefs);
            }
        }
        let at = self.prefs_at[e as usize] as usize;
        &self.prefs[at..at + entry.size as usize]
    }

    /// How many of entry `e`'s players can take each role.
    fn able(&mut self, prep: &Prepared<'_>, e: u32) -> [u32; MAX_ROLES] {
        let roles = self.role_counts.len();
        let mut able = [0u32; MAX_ROLES];
        for p in self.prefs_of(prep, e).to_vec() {
            for (r, slot) in able.iter_mut().enumerate().take(roles) {
                if p.is_any() || p.listed().contains(&(r as u8)) {
                    *slot += 1;
                }
            }
        }
        able
    }

    /// Finds the best match for anchor `e` within `pool`.
    pub(crate) fn search_pool(
        &mut self,
        prep: &Prepared<'_>,
        matched: &[bool],
        e: u32,
        pool: u32,
        pos: u32,
    ) -> Option<Plan> {
        let anchor = prep.entries[e as usize];
        let need = self.players.checked_sub(anchor.size)?;
        if need == 0 {
            return None;
        }
        self.candidates.clear();
        self.chosen.clear();
        self.chosen.push(e);
        self.nodes = 0;
        let mut stream = Stream::new(anchor.rating, anchor.window, pos as usize);
        let k = prep.numeric_rules.len();
        self.numeric_stack.clear();
        self.numeric_stack.extend(
            prep.numeric_of(e as usize)
                .iter()
                .map(|r| Envelope::of(r.value, r.window)),
        );
        self.role_able.clear();
        if self.has_roles() {
            let able = self.able(prep, e);
            self.role_able.push(able);
        }
        let envelope = Envelope::of(anchor.rating, anchor.window);
        let breadth = prep.config.search_breadth();
        let mut scanned = 0usize;
        let found = self.dfs(
            prep,
            matched,
            pool as usize,
            &mut stream,
            &mut scanned,
            breadth,
            0,
            need,
            envelope,
            k,
        )?;
        let spread = self
            .chosen
            .iter()
            .map(|&c| prep.entries[c as usize].rating)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r), hi.max(r))
            });
        Some(Plan {
            entries: self.chosen.clone(),
            solution: found,
            spread: spread.1 - spread.0,
        })
    }

    /// Makes sure candidate `i` has been pulled from the stream; false if the
    /// stream (or the breadth) is exhausted.
    #[allow(clippy::too_many_arguments)] // the search's state, passed down rather than boxed
    fn pull(
        &mut self,
        prep: &Prepared<'_>,
        matched: &[bool],
        pool: usize,
        stream: &mut Stream,
        scanned: &mut usize,
        breadth: usize,
        i: usize,
    ) -> bool {
        let anchor = self.chosen[0] as usize;
        while self.candidates.len() <= i {
            if self.candidates.len() >= breadth || *scanned >= 4 * breadth {
                return false;
            }
            let Some(p) = stream.next(prep, pool) else {
                return false;
            };
            *scanned += 1;
            let c = prep.pools[pool].members[p];
            debug_assert!(!matched[c as usize]);
            if numeric_compatible(prep.numeric_of(anchor), prep.numeric_of(c as usize)) {
                self.candidates.push(c);
            }
        }
        true
    }

    #[allow(clippy::too_many_arguments)] // the search's state, passed down rather than boxed
    fn dfs(
        &mut self,
        prep: &Prepared<'_>,
        matched: &[bool],
        pool: usize,
        stream: &mut Stream,
        scanned: &mut usize,
        breadth: usize,
        from: usize,
        need: u32,
        envelope: Envelope,
        k: usize,
    ) -> Option<crate::teams::solver::Solution> {
        if need == 0 {
            return self.complete(prep);
        }
        let mut i = from;
        loop {
            self.nodes += 1;
            if self.nodes > NODE_BUDGET {
                return None;
            }
            if !self.pull(prep, matched, pool, stream, scanned, breadth, i) {
                return None;
            }
            let c = self.candidates[i];
            let entry: Entry = prep.entries[c as usize];
            let level = self.chosen.len() - 1;
            if entry.size <= need
                && envelope.admits(entry.rating, entry.window)
                && self.numeric_admits(prep, c, level, k)
            {
                let remaining = need - entry.size;
                let roles_ok = if self.has_roles() {
                    let able = self.able(prep, c);
                    let mut sum = self.role_able[level];
                    for (s, a) in sum.iter_mut().zip(able) {
                        *s += a;
                    }
                    let ok = (0..self.role_counts.len())
                        .all(|r| sum[r] + remaining >= self.role_demand[r]);
                    if ok {
                        self.role_able.push(sum);
                    }
                    ok
                } else {
                    true
                };
                if roles_ok {
                    self.chosen.push(c);
                    self.push_numeric(prep, c, level, k);
                    let found = self.dfs(
                        prep,
                        matched,
                        pool,
                        stream,
                        scanned,
                        breadth,
                        i + 1,
                        remaining,
                        envelope.with(entry.rating, entry.window),
                        k,
                    );
                    if found.is_some() {
                        return found;
                    }
                    self.chosen.pop();
                    self.numeric_stack.truncate((level + 1) * k);
                    if self.has_roles() {
                        self.role_able.pop();
                    }
                }
            }
            i += 1;
        }
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
        for (j, reach) in reaches.iter().enumerate().take(k) {
            let next = self.numeric_stack[level * k + j].with(reach.value, reach.window);
            self.numeric_stack.push(next);
        }
    }

    /// The chosen tickets fill the match: split them into teams.
    fn complete(&mut self, prep: &Prepared<'_>) -> Option<Solution> {
        self.groups.clear();
        self.problem_prefs.clear();
        let mut premade = u32::MAX;
        let chosen = std::mem::take(&mut self.chosen);
        for &c in &chosen {
            let entry = prep.entries[c as usize];
            premade = premade.min(entry.premade);
            self.groups.push(Group {
                size: entry.size,
                rating: entry.rating,
                first_player: self.problem_prefs.len() as u32,
            });
            if self.has_roles() {
                let prefs = self.prefs_of(prep, c).to_vec();
                self.problem_prefs.extend(prefs);
            }
        }
        self.chosen = chosen;
        let problem = Problem {
            team_sizes: prep.config.format().team_sizes(),
            groups: &self.groups,
            prefs: &self.problem_prefs,
            role_counts: self.has_roles().then_some(self.role_counts.as_slice()),
            premade_limit: (premade != u32::MAX).then_some(premade),
        };
        debug_assert_eq!(problem.team_sizes.len(), self.teams);
        self.balancer.solve(&problem)
    }

    /// The role preferences of the players of `entries`, in order (for building
    /// proposals).
    pub(crate) fn prefs_for(&mut self, prep: &Prepared<'_>, entries: &[u32]) -> Vec<RolePrefs> {
        let mut out = Vec::new();
        for &e in entries {
            if self.has_roles() {
                out.extend_from_slice(self.prefs_of(prep, e));
            }
        }
        out
    }
}

fn numeric_compatible(a: &[Reach], b: &[Reach]) -> bool {
    a.iter().zip(b).all(|(x, y)| {
        let d = (x.value - y.value).abs();
        d <= x.window && d <= y.window
    })
}
