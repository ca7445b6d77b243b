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

    /// The cost of playing `role`: its position in the list (0 for anyone who takes
    /// any role), or `None` if the player does not accept it.
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

/// Where a player ends up in a team's composition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleChoice {
    /// A fixed slot of this role index.
    Role(u8),
    /// An open place (the player plays their first preference, if any).
    Open,
}

/// Solves role assignment for one team with a small dynamic programme over the
/// remaining slot counts. Keeps its buffers between calls.
#[derive(Debug, Default)]
pub(crate) struct RoleSolver {
    dp: Vec<u32>,
    next: Vec<u32>,
    choice: Vec<u8>,
    radix: Vec<usize>,
}

const UNREACHABLE: u32 = u32::MAX;
const OPEN: u8 = u8::MAX;

impl RoleSolver {
    /// Assigns `players` to a team whose composition is `counts` (per role) plus
    /// `open` open places, minimising the total preference cost. `players.len()`
    /// must equal the number of places. Returns the cost, and fills `out` with one
    /// choice per player, or returns `None` if no assignment exists.
    pub(crate) fn solve(
        &mut self,
        players: &[RolePrefs],
        counts: &[u32],
        open: u32,
        out: Option<&mut Vec<RoleChoice>>,
    ) -> Option<u32> {
        let places: u32 = counts.iter().sum::<u32>() + open;
        if players.len() as u32 != places {
            return None;
        }
        // Quick necessary check: enough candidates for every role.
        for (role, &need) in counts.iter().enumerate() {
            let able = players.iter().filter(|p| p.cost(role).is_some()).count() as u32;
            if able < need {
                return None;
            }
        }
        // State = remaining count of each role and of open places, mixed radix.
        self.radix.clear();
        let mut states = 1usize;
        for &c in counts.iter().chain(std::iter::once(&open)) {
            self.radix.push(states);
            states *= c as usize + 1;
        }
        let roles = counts.len();
        let start: usize = counts
            .iter()
            .chain(std::iter::once(&open))
            .enumerate()
            .map(|(i, &c)| c as usize * self.radix[i])
            .sum();
        self.dp.clear();
        self.dp.resize(states, UNREACHABLE);
        self.dp[start] = 0;
        let record = out.is_some();
        self.choice.clear();
        if record {
            self.choice.resize(players.len() * states, 0);
        }
        for (i, player) in players.iter().enumerate() {
            self.next.clear();
            self.next.resize(states, UNREACHABLE);
            for state in 0..states {
                let cost = self.dp[state];
                if cost == UNREACHABLE {
                    continue;
                }
                // Fixed role slots.
                for (role, &count) in counts.iter().enumerate() {
                    let remaining = (state / self.radix[role]) % (count as usize + 1);
                    if remaining == 0 {
                        continue;
                    }
                    if let Some(c) = player.cost(role) {
                        let to = state - self.radix[role];
                        if cost + c < self.next[to] {
                            self.next[to] = cost + c;
                            if record {
                                self.choice[i * states + to] = role as u8;
                            }
                        }
                    }
                }
                // Open places cost nothing: the player plays what they like best.
                let open_remaining = (state / self.radix[roles]) % (open as usize + 1);
                if open_remaining > 0 {
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

    #[test]
    fn open_places_take_anyone() {
        let players = [prefs(&[1]), prefs(&[1]), RolePrefs::ANY];
        let mut out = Vec::new();
        let cost = RoleSolver::default().solve(&players, &[1], 2, Some(&mut out));
        assert_eq!(cost, Some(0));
        assert_eq!(out.iter().filter(|c| **c == RoleChoice::Open).count(), 2);
    }
}
