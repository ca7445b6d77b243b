//! Role assignment inside one team: exact, with preferences.

/// The most roles a composition may name.
pub(crate) const MAX_ROLES: usize = 16;

/// One player's acceptable roles, as indices into the composition, most preferred
/// first. Empty means the player takes any role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RolePrefs {
    order: [u8; MAX_ROLES],
    len: u8,
}

impl RolePrefs {
    /// A player who takes any role.
    pub(crate) const ANY: RolePrefs = RolePrefs {
        order: [0; MAX_ROLES],
        len: 0,
    };

    /// Preferences from role indices (duplicates after the first are ignored).
    pub(crate) fn from_indices(indices: impl IntoIterator<Item = usize>) -> Self {
        let mut prefs = RolePrefs::ANY;
        for i in indices {
            debug_assert!(i < MAX_ROLES);
            let i = i as u8;
            if !prefs.order[..prefs.len as usize].contains(&i) && (prefs.len as usize) < MAX_ROLES {
                prefs.order[prefs.len as usize] = i;
                prefs.len += 1;
            }
        }
        prefs
    }

    /// Whether the player accepts any role.
    pub(crate) fn is_any(&self) -> bool {
        self.len == 0
    }

    /// The listed roles, most preferred first.
    pub(crate) fn listed(&self) -> &[u8] {
        &self.order[..self.len as usize]
    }

    /// The cost of playing each of the first `roles` roles: its position in
    /// the list (0 for anyone who takes any role), or [`UNREACHABLE`] if the
    /// player does not accept it.
    fn costs(&self, roles: usize) -> [u32; MAX_ROLES] {
        if self.is_any() {
            let mut costs = [UNREACHABLE; MAX_ROLES];
            costs[..roles].fill(0);
            return costs;
        }
        let mut costs = [UNREACHABLE; MAX_ROLES];
        for (position, &r) in self.listed().iter().enumerate() {
            let r = usize::from(r);
            // Listed roles are distinct; roles past the composition never
            // fill a slot.
            if r < roles && costs[r] == UNREACHABLE {
                costs[r] = position as u32;
            }
        }
        costs
    }

    /// The cost of playing `role`, found directly (the tests' reference for
    /// [`costs`](Self::costs) and the solver).
    #[cfg(test)]
    fn cost(&self, role: usize) -> Option<u32> {
        if self.is_any() {
            return Some(0);
        }
        self.listed()
            .iter()
            .position(|&r| r as usize == role)
            .map(|p| p as u32)
    }
}

impl RolePrefs {
    /// The place types the player accepts as a bit mask over `roles` role bits
    /// plus the open-place bit (`1 << roles`).
    pub(crate) fn mask(&self, roles: usize) -> usize {
        let open = 1usize << roles;
        if self.is_any() {
            return (open << 1) - 1;
        }
        self.listed()
            .iter()
            .filter(|&&r| (r as usize) < roles)
            .fold(open, |m, &r| m | (1 << r))
    }
}

/// Hall's condition for one team, kept up to date as players join it: for
/// every set `T` of place types, how many players accept only types in `T`,
/// against how many places `T` offers. Used while a match is being assembled,
/// so a team that can no longer be filled is abandoned at once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TeamHall {
    within: [u8; 1 << HALL_TYPES],
}

impl TeamHall {
    /// No players yet.
    pub(crate) const EMPTY: TeamHall = TeamHall {
        within: [0; 1 << HALL_TYPES],
    };

    /// Whether Hall's check can be used for `roles` roles.
    pub(crate) fn applies(roles: usize) -> bool {
        roles < HALL_TYPES
    }

    /// Places per set of place types for a team with `counts` role places and
    /// `open` open places.
    pub(crate) fn slots(counts: &[u32], open: u32) -> [u32; 1 << HALL_TYPES] {
        let types = counts.len() + 1;
        let mut slots = [0u32; 1 << HALL_TYPES];
        for (t, slot) in slots.iter_mut().enumerate().take(1 << types) {
            *slot = (0..types)
                .filter(|b| t & (1 << b) != 0)
                .map(|b| if b == counts.len() { open } else { counts[b] })
                .sum();
        }
        slots
    }

    /// Adds a player accepting `mask` (see [`RolePrefs::mask`]); returns false
    /// if the team's players can then no longer all get distinct places.
    pub(crate) fn add(
        &mut self,
        mask: usize,
        roles: usize,
        slots: &[u32; 1 << HALL_TYPES],
    ) -> bool {
        let all = (1usize << (roles + 1)) - 1;
        let mut t = mask;
        let mut ok = true;
        loop {
            self.within[t] += 1;
            ok &= u32::from(self.within[t]) <= slots[t];
            if t == all {
                break;
            }
            t = (t + 1) | mask;
        }
        ok
    }
}

/// One team's places kept matched to its players as they join: every player
/// holds a place of a type they accept, and a newcomer whose types are all
/// taken gets one by moving players along an augmenting path. Exact for any
/// number of roles: a newcomer is accepted iff the team's players can then
/// all get distinct places (Hall's condition, which [`TeamHall`] checks
/// directly for fewer place types).
#[derive(Debug, Clone, Default)]
pub(crate) struct TeamMatching {
    /// Places per type: the roles in composition order, then the open places.
    caps: [u32; MAX_ROLES + 1],
    /// Places taken per type.
    used: [u32; MAX_ROLES + 1],
    /// Every place type's bit.
    all: u32,
    /// Each member's accepted types (see [`RolePrefs::mask`]) and place type,
    /// in the order they joined.
    members: Vec<(u32, u8)>,
}

impl TeamMatching {
    /// An empty team with `counts` role places and `open` open places.
    pub(crate) fn reset(&mut self, counts: &[u32], open: u32) {
        debug_assert!(counts.len() < MAX_ROLES);
        self.caps = [0; MAX_ROLES + 1];
        self.caps[..counts.len()].copy_from_slice(counts);
        self.caps[counts.len()] = open;
        self.used = [0; MAX_ROLES + 1];
        self.all = (1 << (counts.len() + 1)) - 1;
        self.members.clear();
    }

    /// Adds a player accepting the place types in `mask`; returns false, and
    /// leaves the team as it was, if the players can then no longer all get
    /// distinct places.
    pub(crate) fn push(&mut self, mask: u32) -> bool {
        let mask = mask & self.all;
        let mut types = mask;
        while types != 0 {
            let t = types.trailing_zeros() as usize;
            types &= types - 1;
            if self.used[t] < self.caps[t] {
                self.used[t] += 1;
                self.members.push((mask, t as u8));
                return true;
            }
        }
        // Breadth first over place types: from a full type, a member holding
        // it may move to another type they accept. `parent[b]` is the type
        // the path came from and the member who would move to `b`.
        const SOURCE: u8 = u8::MAX;
        let mut parent = [(SOURCE, 0u32); MAX_ROLES + 1];
        let mut queue = [0u8; MAX_ROLES + 1];
        let mut tail = 0;
        let mut types = mask;
        while types != 0 {
            queue[tail] = types.trailing_zeros() as u8;
            types &= types - 1;
            tail += 1;
        }
        let mut seen = mask;
        let mut head = 0;
        while head < tail {
            let from = queue[head];
            head += 1;
            for i in 0..self.members.len() {
                let (accepts, place) = self.members[i];
                if place != from {
                    continue;
                }
                let mut next = accepts & !seen;
                while next != 0 {
                    let to = next.trailing_zeros() as usize;
                    next &= next - 1;
                    seen |= 1 << to;
                    parent[to] = (from, i as u32);
                    if self.used[to] < self.caps[to] {
                        // Shift every member on the path one step along it;
                        // the newcomer takes the type it started from.
                        self.used[to] += 1;
                        let mut t = to;
                        while parent[t].0 != SOURCE {
                            let (prev, member) = parent[t];
                            self.members[member as usize].1 = t as u8;
                            t = usize::from(prev);
                        }
                        self.members.push((mask, t as u8));
                        return true;
                    }
                    queue[tail] = to as u8;
                    tail += 1;
                }
            }
        }
        false
    }

    /// Removes the player who joined last. The others keep distinct places
    /// they accept, so the team stays matched.
    pub(crate) fn pop(&mut self) {
        if let Some((_, place)) = self.members.pop() {
            self.used[usize::from(place)] -= 1;
        }
    }
}

impl RoleSolver {
    /// The common case without search: every player who names roles gets their
    /// first choice, and those who take any role fill what is left. Costs 0, so
    /// when it exists it is optimal. Fills `out` and returns true if it exists.
    fn first_choices(
        &mut self,
        players: &[RolePrefs],
        counts: &[u32],
        open: u32,
        out: &mut Vec<RoleChoice>,
    ) -> bool {
        let mut left = [0u32; MAX_ROLES];
        left[..counts.len()].copy_from_slice(counts);
        let mut open_left = open;
        out.clear();
        for p in players {
            let first = p.listed().first().map(|&r| r as usize);
            match first {
                Some(r) if r < counts.len() && left[r] > 0 => {
                    left[r] -= 1;
                    out.push(RoleChoice::Role(r as u8));
                }
                Some(r) if r < counts.len() => {
                    // Their favourite is full: an open place still lets them
                    // play it, at no cost.
                    if open_left == 0 {
                        return false;
                    }
                    open_left -= 1;
                    out.push(RoleChoice::Open);
                }
                Some(_) => {
                    if open_left == 0 {
                        return false;
                    }
                    open_left -= 1;
                    out.push(RoleChoice::Open);
                }
                None => out.push(RoleChoice::Open),
            }
        }
        // Players who take any role fill the role places still empty.
        let mut any_slots = players
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_any())
            .map(|(i, _)| i);
        for (r, &need) in left.iter().enumerate().take(counts.len()) {
            for _ in 0..need {
                match any_slots.next() {
                    Some(i) => out[i] = RoleChoice::Role(r as u8),
                    None => return false,
                }
            }
        }
        // The rest of them take open places.
        let rest = any_slots.count() as u32;
        rest <= open_left
    }
}

/// Where a player ends up in a team's composition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleChoice {
    /// A fixed slot of this role index.
    Role(u8),
    /// An open place (the player plays their first preference, if any).
    Open,
}

/// Solves role assignment for one team with a small dynamic programme over the
/// remaining slot counts, or by shortest augmenting paths when that programme
/// would be too large (many roles with many places). Keeps its buffers
/// between calls.
#[derive(Debug, Default)]
pub(crate) struct RoleSolver {
    dp: Vec<u32>,
    next: Vec<u32>,
    choice: Vec<u8>,
    radix: Vec<usize>,
    digits: Vec<u8>,
    /// The counts and open places `digits` was decoded for.
    digits_shape: Vec<u32>,
    /// States grouped by the number of places they have left.
    by_remaining: Vec<Vec<u32>>,
    /// Per player of the current problem: the cost of each role.
    costs: Vec<[u32; MAX_ROLES]>,
    /// [`feasible`](Self::feasible)'s check beyond [`HALL_TYPES`] place types.
    matching: TeamMatching,
}

const UNREACHABLE: u32 = u32::MAX;

/// The most (player, state) cells [`RoleSolver::solve`]'s dynamic programme
/// may use; larger problems take [`RoleSolver::assign_by_paths`].
const DP_MAX_CELLS: usize = 1 << 22;

/// Place types (roles plus "open") up to which [`RoleSolver::feasible`] uses
/// Hall's condition.
const HALL_TYPES: usize = 6;
const OPEN: u8 = u8::MAX;

impl RoleSolver {
    /// Whether `players` can fill a team whose composition is `counts` (per role)
    /// plus `open` open places — without computing the assignment.
    ///
    /// With few roles this checks Hall's condition over role types: players are
    /// interchangeable when they accept the same set of places, and an assignment
    /// exists iff for every set `T` of place types, the players who accept only
    /// types in `T` fit into the places of `T` (and the counts match). That is a
    /// subset-sum over at most 2^6 masks. With more roles the players are
    /// matched to places one by one ([`TeamMatching`]), in time polynomial in
    /// the team size, where the assignment's dynamic programme grows with the
    /// product of the role counts.
    pub(crate) fn feasible(&mut self, players: &[RolePrefs], counts: &[u32], open: u32) -> bool {
        let places: u32 = counts.iter().sum::<u32>() + open;
        if players.len() as u32 != places {
            return false;
        }
        let types = counts.len() + 1;
        if types > HALL_TYPES {
            let matching = &mut self.matching;
            matching.reset(counts, open);
            return players
                .iter()
                .all(|p| matching.push(p.mask(counts.len()) as u32));
        }
        let open_bit = 1usize << counts.len();
        let all = (1usize << types) - 1;
        let mut within = [0u32; 1 << HALL_TYPES];
        for p in players {
            let mask = if p.is_any() {
                all
            } else {
                p.listed()
                    .iter()
                    .filter(|&&r| (r as usize) < counts.len())
                    .fold(open_bit, |m, &r| m | (1 << r))
            };
            within[mask] += 1;
        }
        // within[T] = players whose acceptable set lies inside T.
        for bit in 0..types {
            for t in 0..=all {
                if t & (1 << bit) != 0 {
                    within[t] += within[t ^ (1 << bit)];
                }
            }
        }
        (1..=all).all(|t| {
            let slots: u32 = (0..types)
                .filter(|b| t & (1 << b) != 0)
                .map(|b| if b == counts.len() { open } else { counts[b] })
                .sum();
            within[t] <= slots
        })
    }

    /// Assigns `players` to a team whose composition is `counts` (per role) plus
    /// `open` open places, minimising the total preference cost. `players.len()`
    /// must equal the number of places. Returns the cost, and fills `out` with one
    /// choice per player, or returns `None` if no assignment exists.
    pub(crate) fn solve(
        &mut self,
        players: &[RolePrefs],
        counts: &[u32],
        open: u32,
        mut out: Option<&mut Vec<RoleChoice>>,
    ) -> Option<u32> {
        let places: u32 = counts.iter().sum::<u32>() + open;
        if players.len() as u32 != places {
            return None;
        }
        if let Some(out) = out.as_deref_mut()
            && self.first_choices(players, counts, open, out)
        {
            return Some(0);
        }
        // Every player's cost per role, once; and the quick necessary check:
        // enough candidates for every role.
        let roles = counts.len();
        self.costs.clear();
        let mut able = [0u32; MAX_ROLES];
        for player in players {
            let costs = player.costs(roles);
            for (a, &c) in able.iter_mut().zip(&costs).take(roles) {
                *a += u32::from(c != UNREACHABLE);
            }
            self.costs.push(costs);
        }
        if counts.iter().zip(&able).any(|(&need, &able)| able < need) {
            return None;
        }
        // The programme's table has a cell per player and state, and the
        // states multiply with the roles: beyond a few million cells (15
        // roles of 3 places in a team of 45 would need 48 GB) the players
        // are assigned by shortest augmenting paths instead.
        let states = counts
            .iter()
            .chain(std::iter::once(&open))
            .fold(1usize, |states, &c| states.saturating_mul(c as usize + 1));
        if states.saturating_mul(players.len()) > DP_MAX_CELLS {
            return self.assign_by_paths(counts, open, out);
        }
        // State = remaining count of each role and of open places, mixed radix.
        self.radix.clear();
        let mut states = 1usize;
        for &c in counts.iter().chain(std::iter::once(&open)) {
            self.radix.push(states);
            states *= c as usize + 1;
        }
        let start: usize = counts
            .iter()
            .chain(std::iter::once(&open))
            .enumerate()
            .map(|(i, &c)| c as usize * self.radix[i])
            .sum();
        // Each state's remaining count per place type, decoded once per
        // composition (a tick solves many teams of the same shape).
        let types = roles + 1;
        let same_shape = self.digits_shape.len() == types
            && self.digits_shape[..roles] == *counts
            && self.digits_shape[roles] == open;
        if !same_shape {
            self.digits_shape.clear();
            self.digits_shape.extend_from_slice(counts);
            self.digits_shape.push(open);
            self.digits.clear();
            for state in 0..states {
                for (t, &cap) in self.digits_shape.iter().enumerate() {
                    self.digits
                        .push(((state / self.radix[t]) % (cap as usize + 1)) as u8);
                }
            }
            // After k players exactly `places - k` places remain: group the
            // states by how many remain, so each step visits only reachable ones.
            self.by_remaining.clear();
            self.by_remaining.resize(places as usize + 1, Vec::new());
            for state in 0..states {
                let left: usize = self.digits[state * types..(state + 1) * types]
                    .iter()
                    .map(|&d| usize::from(d))
                    .sum();
                self.by_remaining[left].push(state as u32);
            }
        }
        self.dp.clear();
        self.dp.resize(states, UNREACHABLE);
        self.dp[start] = 0;
        let record = out.is_some();
        self.choice.clear();
        if record {
            self.choice.resize(players.len() * states, 0);
        }
        for i in 0..players.len() {
            let costs = self.costs[i];
            self.next.clear();
            self.next.resize(states, UNREACHABLE);
            let remaining = places as usize - i;
            for k in 0..self.by_remaining[remaining].len() {
                let state = self.by_remaining[remaining][k] as usize;
                let cost = self.dp[state];
                if cost == UNREACHABLE {
                    continue;
                }
                let digits = &self.digits[state * types..(state + 1) * types];
                // Fixed role slots.
                for role in 0..roles {
                    if digits[role] == 0 || costs[role] == UNREACHABLE {
                        continue;
                    }
                    let to = state - self.radix[role];
                    if cost + costs[role] < self.next[to] {
                        self.next[to] = cost + costs[role];
                        if record {
                            self.choice[i * states + to] = role as u8;
                        }
                    }
                }
                // Open places cost nothing: the player plays what they like best.
                if digits[roles] > 0 {
                    let to = state - self.radix[roles];
                    if cost < self.next[to] {
                        self.next[to] = cost;
                        if record {
                            self.choice[i * states + to] = OPEN;
                        }
                    }
                }
            }
            std::mem::swap(&mut self.dp, &mut self.next);
        }
        let best = self.dp[0];
        if best == UNREACHABLE {
            return None;
        }
        if let Some(out) = out {
            out.clear();
            out.resize(players.len(), RoleChoice::Open);
            let mut state = 0usize;
            for i in (0..players.len()).rev() {
                let c = self.choice[i * states + state];
                if c == OPEN {
                    out[i] = RoleChoice::Open;
                    state += self.radix[roles];
                } else {
                    out[i] = RoleChoice::Role(c);
                    state += self.radix[c as usize];
                }
            }
        }
        Some(best)
    }

    /// [`solve`](Self::solve) for compositions whose dynamic programme would
    /// be too large, from the players' costs in `self.costs`: players join
    /// one at a time, each along a cheapest path of moves (the newcomer takes
    /// a place type, a player holding that type moves to another they
    /// accept, and so on, ending at a type with a place free). This keeps
    /// the assignment of the players so far of least total cost (successive
    /// shortest paths for a min-cost flow), so the result costs what the
    /// programme's would, in O(players × (players × types + types³)).
    fn assign_by_paths(
        &mut self,
        counts: &[u32],
        open: u32,
        out: Option<&mut Vec<RoleChoice>>,
    ) -> Option<u32> {
        let roles = counts.len();
        let types = roles + 1;
        // The cost of each place type for player `p` (the open places cost
        // nothing), or None if they do not accept it.
        let cost = |costs: &[[u32; MAX_ROLES]], p: usize, t: usize| -> Option<i64> {
            if t == roles {
                Some(0)
            } else {
                let c = costs[p][t];
                (c != UNREACHABLE).then_some(i64::from(c))
            }
        };
        let mut caps = [0u32; MAX_ROLES + 1];
        caps[..roles].copy_from_slice(counts);
        caps[roles] = open;
        let mut used = [0u32; MAX_ROLES + 1];
        let mut place = vec![0usize; self.costs.len()];
        const NONE: usize = usize::MAX;
        for p in 0..self.costs.len() {
            // The cheapest move from type t to type u: a player holding t
            // who accepts u, and what the move adds to the total cost.
            let mut edge = [[(i64::MAX, NONE); MAX_ROLES + 1]; MAX_ROLES + 1];
            for (q, &t) in place.iter().enumerate().take(p) {
                let here = cost(&self.costs, q, t).unwrap_or(0);
                for (u, slot) in edge[t].iter_mut().enumerate().take(types) {
                    if u != t
                        && let Some(there) = cost(&self.costs, q, u)
                        && there - here < slot.0
                    {
                        *slot = (there - here, q);
                    }
                }
            }
            // Bellman-Ford over the types from the newcomer's choices (the
            // moves form no negative cycle: the assignment so far is of least
            // cost).
            let mut dist = [i64::MAX; MAX_ROLES + 1];
            let mut parent = [(NONE, NONE); MAX_ROLES + 1];
            for (t, d) in dist.iter_mut().enumerate().take(types) {
                if let Some(c) = cost(&self.costs, p, t) {
                    *d = c;
                }
            }
            for _ in 1..types {
                let mut changed = false;
                for t in 0..types {
                    if dist[t] == i64::MAX {
                        continue;
                    }
                    for u in 0..types {
                        let (w, q) = edge[t][u];
                        if q != NONE && dist[t] + w < dist[u] {
                            dist[u] = dist[t] + w;
                            parent[u] = (t, q);
                            changed = true;
                        }
                    }
                }
                if !changed {
                    break;
                }
            }
            let end = (0..types)
                .filter(|&t| used[t] < caps[t] && dist[t] != i64::MAX)
                .min_by_key(|&t| (dist[t], t))?;
            used[end] += 1;
            let mut at = end;
            while let (from, mover) = parent[at]
                && mover != NONE
            {
                place[mover] = at;
                at = from;
            }
            place[p] = at;
        }
        let total: i64 = place
            .iter()
            .enumerate()
            .map(|(p, &t)| cost(&self.costs, p, t).unwrap_or(0))
            .sum();
        if let Some(out) = out {
            out.clear();
            out.extend(place.iter().map(|&t| {
                if t == roles {
                    RoleChoice::Open
                } else {
                    RoleChoice::Role(t as u8)
                }
            }));
        }
        u32::try_from(total).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs(list: &[usize]) -> RolePrefs {
        RolePrefs::from_indices(list.iter().copied())
    }

    #[test]
    fn honours_preferences_when_it_can() {
        // roles: 0 tank, 1 healer, 2 dps; 1/1/3
        let players = [
            prefs(&[2, 0]),
            prefs(&[0]),
            prefs(&[1, 2]),
            prefs(&[2]),
            prefs(&[2]),
        ];
        let mut out = Vec::new();
        let cost = RoleSolver::default().solve(&players, &[1, 1, 3], 0, Some(&mut out));
        assert_eq!(cost, Some(0));
        assert_eq!(
            out,
            vec![
                RoleChoice::Role(2),
                RoleChoice::Role(0),
                RoleChoice::Role(1),
                RoleChoice::Role(2),
                RoleChoice::Role(2)
            ]
        );
    }

    #[test]
    fn falls_back_to_second_choices() {
        // Two players want tank first; one must take their second choice.
        let players = [prefs(&[0, 2]), prefs(&[0, 1]), prefs(&[2])];
        let mut out = Vec::new();
        let cost = RoleSolver::default().solve(&players, &[1, 1, 1], 0, Some(&mut out));
        assert_eq!(cost, Some(1));
        assert_eq!(
            out,
            vec![
                RoleChoice::Role(0),
                RoleChoice::Role(1),
                RoleChoice::Role(2)
            ]
        );
    }

    #[test]
    fn reports_impossible_compositions() {
        let players = [prefs(&[2]), prefs(&[2]), prefs(&[2])];
        assert_eq!(
            RoleSolver::default().solve(&players, &[1, 1, 1], 0, None),
            None
        );
        // Wrong number of players for the places.
        assert_eq!(
            RoleSolver::default().solve(&players[..2], &[1, 1, 1], 0, None),
            None
        );
    }

    /// `out` fills exactly `counts`, each player in a role they accept, at
    /// a total cost of `cost`.
    fn check_assignment(
        players: &[RolePrefs],
        counts: &[u32],
        out: &[RoleChoice],
        cost: u32,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut used = vec![0u32; counts.len()];
        let mut total = 0;
        for (p, choice) in players.iter().zip(out) {
            if let RoleChoice::Role(r) = choice {
                used[*r as usize] += 1;
                let c = p.cost(*r as usize);
                proptest::prop_assert!(c.is_some(), "a role the player refuses");
                total += c.unwrap_or(0);
            }
        }
        proptest::prop_assert_eq!(&used[..], counts);
        proptest::prop_assert_eq!(total, cost);
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn feasible_agrees_with_the_assignment(
            masks in proptest::collection::vec(0u8..16, 1..9),
            counts in proptest::collection::vec(0u32..3, 1..4),
        ) {
            let total: u32 = counts.iter().sum();
            let players: Vec<RolePrefs> = masks
                .iter()
                .map(|m| if *m == 0 { RolePrefs::ANY } else {
                    RolePrefs::from_indices((0..4).filter(|r| m & (1 << r) != 0))
                })
                .collect();
            let open = (players.len() as u32).saturating_sub(total);
            let mut solver = RoleSolver::default();
            let cost = solver.solve(&players, &counts, open, None);
            proptest::prop_assert_eq!(solver.feasible(&players, &counts, open), cost.is_some());
            // With the assignment asked for (which may take the first-choice
            // shortcut), the cost is the same and the assignment is valid.
            let mut out = Vec::new();
            proptest::prop_assert_eq!(solver.solve(&players, &counts, open, Some(&mut out)), cost);
            if let Some(cost) = cost {
                check_assignment(&players, &counts, &out, cost)?;
            }
        }
    }

    proptest::proptest! {
        /// Beyond Hall's range (6 roles and more), matching players to places
        /// one by one agrees with the dynamic programme, and a player who does
        /// not fit leaves the team as it was.
        #[test]
        fn matching_agrees_with_the_assignment(
            masks in proptest::collection::vec(0u16..256, 6..14),
            counts in proptest::collection::vec(1u32..3, 5..9),
            order in proptest::collection::vec(0usize..64, 14),
        ) {
            let roles = counts.len();
            let players: Vec<RolePrefs> = masks
                .iter()
                .map(|m| if *m == 0 { RolePrefs::ANY } else {
                    RolePrefs::from_indices((0..8).filter(|r| m & (1 << r) != 0))
                })
                .collect();
            let fixed: u32 = counts.iter().sum();
            let open = (players.len() as u32).saturating_sub(fixed);
            let mut solver = RoleSolver::default();
            let cost = solver.solve(&players, &counts, open, None);
            proptest::prop_assert_eq!(solver.feasible(&players, &counts, open), cost.is_some());
            // The same players joining one by one, some refused and retried
            // after others left: the team ends matched iff they fit.
            let mut team = TeamMatching::default();
            team.reset(&counts, open);
            let mut inside = Vec::new();
            for (i, p) in players.iter().enumerate() {
                if team.push(p.mask(roles) as u32) {
                    inside.push(i);
                }
                if order[i] % 4 == 0 && !inside.is_empty() {
                    team.pop();
                    inside.pop();
                }
            }
            let rest: Vec<usize> = (0..players.len()).filter(|i| !inside.contains(i)).collect();
            let mut all_in = true;
            for &i in &rest {
                all_in &= team.push(players[i].mask(roles) as u32);
            }
            if players.len() as u32 == fixed + open {
                proptest::prop_assert_eq!(all_in, cost.is_some());
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// The shortest-path assignment, used where the dynamic programme
        /// would be too large, finds an assignment exactly when the
        /// programme does, of the same (least) cost, and a valid one.
        #[test]
        fn paths_agree_with_the_programme(
            lists in proptest::collection::vec(proptest::collection::vec(0usize..6, 0..4), 1..12),
            counts in proptest::collection::vec(1u32..4, 1..6),
            open_extra in 0u32..3,
        ) {
            let fixed: u32 = counts.iter().sum();
            let players: Vec<RolePrefs> = lists
                .iter()
                .cycle()
                .take((fixed + open_extra) as usize)
                .map(|l| prefs(l))
                .collect();
            let mut solver = RoleSolver::default();
            let cost = solver.solve(&players, &counts, open_extra, None);
            let mut out = Vec::new();
            let by_paths = solver.assign_by_paths(&counts, open_extra, Some(&mut out));
            proptest::prop_assert_eq!(by_paths, cost);
            if let Some(cost) = cost {
                check_assignment(&players, &counts, &out, cost)?;
            }
        }
    }

    #[test]
    fn open_places_take_anyone() {
        let players = [prefs(&[1]), prefs(&[1]), RolePrefs::ANY];
        let mut out = Vec::new();
        let cost = RoleSolver::default().solve(&players, &[1], 2, Some(&mut out));
        assert_eq!(cost, Some(0));
        assert_eq!(out.iter().filter(|c| **c == RoleChoice::Open).count(), 2);
    }
}
