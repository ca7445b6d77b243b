//! Whether parties fit into teams, decided from their sizes alone: the
//! large-match balancer's answer when there are no roles and no premade limit
//! and its budgeted searches found no split.
//!
//! Without roles or a premade limit a split is valid when every team is
//! filled exactly, so only the parties' sizes matter: solo players fill
//! whatever room the parties leave. Parties are placed biggest first; teams
//! with the same room left are interchangeable, so a party tries one team per
//! distinct room; a state (parties placed, the rooms left as a multiset)
//! once found dead is not searched again; and a state is cut as soon as the
//! rooms cannot be filled: each team's room takes a sum of the parties still
//! to place, at most its room, and the solo players must make up the rest.
//! That makes the search exact: it finds a split whenever one exists and
//! proves there is none otherwise, unless the dead states it must remember
//! exceed [`STATE_BUDGET`].

use std::collections::BTreeSet;

use super::solver::Problem;

/// Dead states the search may remember before it gives up (each is a list of
/// rooms, one per team). Of 3,000 random matches of 2 to 7 teams of 40 to
/// 200 players, in parties of 2 to 5 with an occasional solo player, none
/// reached it; before the rooms' shortfall was checked with solo players
/// about, 10 did.
const STATE_BUDGET: usize = 200_000;

/// What [`pack_parties`] found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Packing {
    /// A team for every group: teams full, parties whole.
    Found(Vec<u16>),
    /// No split fills the teams exactly with the parties whole.
    Impossible,
    /// The search stopped at [`STATE_BUDGET`].
    GaveUp,
}

/// Places the groups of `p` (no roles, no premade limit) into its teams from
/// their sizes alone; `order` lists the groups biggest first.
pub(crate) fn pack_parties(p: &Problem<'_>, order: &[usize]) -> Packing {
    pack_within(p, order, STATE_BUDGET)
}

/// [`pack_parties`] remembering at most `budget` dead states.
fn pack_within(p: &Problem<'_>, order: &[usize], budget: usize) -> Packing {
    debug_assert!(p.role_counts.is_none() && p.premade_limit.is_none());
    let parties: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&g| p.groups[g].size >= 2)
        .collect();
    // Per depth: the sums of players the parties from there on can make
    // (bit `s` for `s` players), to cut early where the solo players cannot
    // make up what the parties leave of the rooms.
    let mut reachable = vec![[0u64; 4]; parties.len() + 1];
    reachable[parties.len()][0] = 1;
    for d in (0..parties.len()).rev() {
        reachable[d] = shifted_or(reachable[d + 1], p.groups[parties[d]].size);
    }
    let mut search = Search {
        p,
        parties: &parties,
        solo_players: p.groups.iter().filter(|g| g.size == 1).count() as u32,
        reachable,
        budget,
        rooms: p.team_sizes.to_vec(),
        team_of: vec![0; p.groups.len()],
        dead: BTreeSet::new(),
        gave_up: false,
    };
    if !search.place(0) {
        return if search.gave_up {
            Packing::GaveUp
        } else {
            Packing::Impossible
        };
    }
    // The solo players take the rooms the parties left.
    let mut team_of = search.team_of;
    let mut rooms = search.rooms;
    let mut team = 0;
    for (g, group) in p.groups.iter().enumerate() {
        if group.size == 1 {
            while rooms[team] == 0 {
                team += 1;
            }
            rooms[team] -= 1;
            team_of[g] = team as u16;
        }
    }
    Packing::Found(team_of)
}

struct Search<'a> {
    p: &'a Problem<'a>,
    parties: &'a [usize],
    /// Solo players, who fill what the parties leave of the rooms.
    solo_players: u32,
    reachable: Vec<[u64; 4]>,
    /// Dead states to remember at most.
    budget: usize,
    /// Room left in each team.
    rooms: Vec<u32>,
    team_of: Vec<u16>,
    /// States found dead: the depth, then the rooms left, sorted.
    dead: BTreeSet<Vec<u32>>,
    gave_up: bool,
}

impl Search<'_> {
    /// Places the parties from `depth` on; true once every one has a team.
    fn place(&mut self, depth: usize) -> bool {
        if depth == self.parties.len() {
            return true;
        }
        // Each room takes a sum of the parties still to place, at most the
        // room; the solo players must make up the rest of every room.
        let reach = &self.reachable[depth];
        let reachable = |sum: u32| reach[sum as usize / 64] & (1 << (sum % 64)) != 0;
        let mut short = 0;
        for &room in &self.rooms {
            // Sum 0 is always reachable.
            let filled = (0..=room).rev().find(|&sum| reachable(sum)).unwrap_or(0);
            short += room - filled;
        }
        if short > self.solo_players {
            return false;
        }
        let mut key = Vec::with_capacity(self.rooms.len() + 1);
        key.push(depth as u32);
        key.extend_from_slice(&self.rooms);
        key[1..].sort_unstable();
        if self.dead.contains(&key) {
            return false;
        }
        let g = self.parties[depth];
        let size = self.p.groups[g].size;
        for team in 0..self.rooms.len() {
            let room = self.rooms[team];
            // One team per distinct room: the others are interchangeable.
            if room < size || self.rooms[..team].contains(&room) {
                continue;
            }
            self.rooms[team] -= size;
            self.team_of[g] = team as u16;
            if self.place(depth + 1) {
                return true;
            }
            self.rooms[team] += size;
            if self.gave_up {
                return false;
            }
        }
        if self.dead.len() >= self.budget {
            self.gave_up = true;
        } else {
            self.dead.insert(key);
        }
        false
    }
}

/// `sums` with every sum also reached with `size` more players (sums beyond
/// 255 are dropped: a match has at most 200 players).
fn shifted_or(sums: [u64; 4], size: u32) -> [u64; 4] {
    let mut out = sums;
    let (words, bits) = ((size / 64) as usize, size % 64);
    for i in (words..4).rev() {
        let j = i - words;
        let mut v = sums[j] << bits;
        if bits != 0 && j > 0 {
            v |= sums[j - 1] >> (64 - bits);
        }
        out[i] |= v;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::teams::solver::Group;
    use proptest::prelude::*;

    /// Whether some team per group fills every team exactly, by enumeration.
    fn exists(sizes: &[u32], groups: &[Group], g: usize, rooms: &mut [u32]) -> bool {
        if g == groups.len() {
            return rooms.iter().all(|&r| r == 0);
        }
        (0..sizes.len()).any(|t| {
            if rooms[t] < groups[g].size {
                return false;
            }
            rooms[t] -= groups[g].size;
            let found = exists(sizes, groups, g + 1, rooms);
            rooms[t] += groups[g].size;
            found
        })
    }

    /// Seventeen trios, six duos and a solo player for eight teams of eight:
    /// every room can be made of 3 + 3 + 2, so nothing is cut at the start,
    /// but a team holds two trios at most. The search proves it, and with
    /// room for one dead state only, it says it gave up.
    #[test]
    fn gives_up_only_at_its_budget() {
        let sizes = [vec![3; 17], vec![2; 6], vec![1]].concat();
        let mut first_player = 0;
        let groups: Vec<Group> = sizes
            .iter()
            .map(|&size| {
                first_player += size;
                Group {
                    size,
                    rating: 1000.0,
                    first_player: first_player - size,
                }
            })
            .collect();
        let order: Vec<usize> = (0..groups.len()).collect();
        let p = Problem::plain(&[8; 8], &groups);
        assert_eq!(pack_parties(&p, &order), Packing::Impossible);
        assert_eq!(pack_within(&p, &order, 1), Packing::GaveUp);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// Two to four teams of 1 to 8 players and groups of 1 to 5 with the
        /// same number of players: a split is found exactly when one exists,
        /// and it fills every team.
        #[test]
        fn packs_exactly_when_a_split_exists(
            sizes in proptest::collection::vec(1u32..=8, 2..=4),
            picks in proptest::collection::vec(1u32..=5, 1..24),
        ) {
            let total: u32 = sizes.iter().sum();
            let mut groups = Vec::new();
            let mut left = total;
            for &pick in picks.iter().cycle().take(total as usize) {
                if left == 0 {
                    break;
                }
                let size = pick.min(left);
                groups.push(Group { size, rating: 1000.0, first_player: total - left });
                left -= size;
            }
            let mut order: Vec<usize> = (0..groups.len()).collect();
            order.sort_by_key(|&g| std::cmp::Reverse(groups[g].size));
            let p = Problem::plain(&sizes, &groups);
            let expected = exists(&sizes, &groups, 0, &mut sizes.clone());
            match pack_parties(&p, &order) {
                Packing::Found(team_of) => {
                    prop_assert!(expected, "found a split where none exists");
                    let mut fill = vec![0; sizes.len()];
                    for (g, group) in groups.iter().enumerate() {
                        fill[usize::from(team_of[g])] += group.size;
                    }
                    prop_assert_eq!(fill, sizes);
                }
                Packing::Impossible => prop_assert!(!expected, "missed a split"),
                Packing::GaveUp => prop_assert!(false, "gave up on {} groups", groups.len()),
            }
        }
    }
}
