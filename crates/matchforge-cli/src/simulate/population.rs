//! The population: players with a hidden true skill and, depending on the
//! scenario, a home region with latencies, role preferences and an input
//! device; and the pool of players who are offline, to draw arrivals from.

use matchforge::ids::{PlayerId, Region, Role};
use matchforge::ticket::Attributes;

use super::random::{Draw, Stream};
use super::scenario::Profile;

/// Mean and standard deviation of true skill, on the Elo/Glicko scale.
pub(super) const TRUE_SKILL: (f64, f64) = (1500.0, 300.0);

/// One member of the population.
#[derive(Debug, Clone)]
pub(super) struct Player {
    /// Hidden true skill on the Elo/Glicko scale (see [`TRUE_SKILL`]).
    pub(super) true_skill: f64,
    /// Index of the region the player lives near (0 without regions).
    pub(super) home: usize,
    /// Round-trip time to each region in ms (empty without regions).
    pub(super) latencies: Vec<u32>,
    /// Index of the player's role profile (unused without roles).
    pub(super) role_profile: usize,
    /// Index of the player's input device (unused without the rule).
    pub(super) input: usize,
}

/// Everyone, indexed by player number; player `i` has id `i + 1`.
#[derive(Debug)]
pub(super) struct Population {
    pub(super) players: Vec<Player>,
    roles: Vec<Vec<Role>>,
    regions: Vec<Region>,
}

impl Population {
    /// `size` players drawn for `profile` from `seed`.
    pub(super) fn generate(profile: &Profile, size: u32, seed: u64) -> Self {
        let mut draw = Draw::new(seed, Stream::Population);
        let role_weights: Vec<f64> = profile.role_profiles.iter().map(|r| r.1).collect();
        let input_weights: Vec<f64> = profile.inputs.iter().map(|i| i.1).collect();
        let players = (0..size)
            .map(|_| {
                let true_skill = draw.normal(TRUE_SKILL.0, TRUE_SKILL.1);
                let (home, latencies) = match &profile.geography {
                    None => (0, Vec::new()),
                    Some(geo) => {
                        let home = draw.weighted(geo.home_weights);
                        // The last mile is the player's own; the rest is distance.
                        let last_mile = 12.0 + draw.exponential(18.0);
                        let latencies = geo.base_ms[home]
                            .iter()
                            .map(|base| {
                                (base + last_mile + draw.uniform(0.0, 10.0)).min(300.0) as u32
                            })
                            .collect();
                        (home, latencies)
                    }
                };
                let role_profile = if role_weights.is_empty() {
                    0
                } else {
                    draw.weighted(&role_weights)
                };
                let input = if input_weights.is_empty() {
                    0
                } else {
                    draw.weighted(&input_weights)
                };
                Player {
                    true_skill,
                    home,
                    latencies,
                    role_profile,
                    input,
                }
            })
            .collect();
        Self {
            players,
            roles: profile
                .role_profiles
                .iter()
                .map(|(roles, _)| roles.iter().copied().map(Role::new).collect())
                .collect(),
            regions: profile
                .geography
                .iter()
                .flat_map(|g| g.regions.iter().map(Region::new))
                .collect(),
        }
    }

    /// The number of players.
    pub(super) fn len(&self) -> usize {
        self.players.len()
    }

    /// The id of player `i`.
    pub(super) fn id(i: u32) -> PlayerId {
        PlayerId::from_u128(u128::from(i) + 1)
    }

    /// The number of the player with id `id`, if it is one of ours.
    pub(super) fn index(&self, id: PlayerId) -> Option<u32> {
        let n = id.as_uuid().as_u128().checked_sub(1)?;
        u32::try_from(n)
            .ok()
            .filter(|&i| (i as usize) < self.players.len())
    }

    /// The roles player `i` accepts, most preferred first (empty: any).
    pub(super) fn roles(&self, i: u32) -> &[Role] {
        self.roles
            .get(self.players[i as usize].role_profile)
            .map_or(&[], Vec::as_slice)
    }

    /// The attributes of a ticket for `members`: for a party, each region's
    /// latency is its worst member's.
    pub(super) fn attributes(&self, profile: &Profile, members: &[u32]) -> Attributes {
        let mut attributes = Attributes::new();
        if let Some(&first) = members.first()
            && let Some((input, _)) = profile.inputs.get(self.players[first as usize].input)
        {
            attributes = attributes.with_string("input", *input);
        }
        for (r, region) in self.regions.iter().enumerate() {
            let worst = members
                .iter()
                .map(|&m| self.players[m as usize].latencies[r])
                .max()
                .unwrap_or(0);
            attributes = attributes.with_latency(region.clone(), worst);
        }
        attributes
    }
}

/// The players who are offline, by home region, to draw arrivals from in O(1).
#[derive(Debug)]
pub(super) struct OfflinePool {
    by_region: Vec<Vec<u32>>,
    /// Each player's position in their region's list (`u32::MAX`: online).
    position: Vec<u32>,
    home: Vec<usize>,
}

impl OfflinePool {
    /// Everyone offline.
    pub(super) fn new(population: &Population) -> Self {
        let regions = population
            .players
            .iter()
            .map(|p| p.home + 1)
            .max()
            .unwrap_or(1);
        let mut by_region = vec![Vec::new(); regions];
        let mut position = Vec::with_capacity(population.len());
        for (i, p) in population.players.iter().enumerate() {
            position.push(by_region[p.home].len() as u32);
            by_region[p.home].push(i as u32);
        }
        Self {
            by_region,
            position,
            home: population.players.iter().map(|p| p.home).collect(),
        }
    }

    /// How many players are offline.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.by_region.iter().map(Vec::len).sum()
    }

    /// Takes a uniformly drawn offline player out of the pool.
    pub(super) fn take_any(&mut self, draw: &mut Draw) -> Option<u32> {
        let weights: Vec<f64> = self.by_region.iter().map(|r| r.len() as f64).collect();
        if weights.iter().all(|&w| w == 0.0) {
            return None;
        }
        let region = draw.weighted(&weights);
        self.take_in(region, draw)
    }

    /// Takes a uniformly drawn offline player of `region` out of the pool.
    pub(super) fn take_in(&mut self, region: usize, draw: &mut Draw) -> Option<u32> {
        let list = &self.by_region[region];
        if list.is_empty() {
            return None;
        }
        let player = list[draw.index(list.len())];
        self.remove(player);
        Some(player)
    }

    /// Takes `player` out of the pool (they come online).
    fn remove(&mut self, player: u32) {
        let at = self.position[player as usize];
        let list = &mut self.by_region[self.home[player as usize]];
        list.swap_remove(at as usize);
        if let Some(&moved) = list.get(at as usize) {
            self.position[moved as usize] = at;
        }
        self.position[player as usize] = u32::MAX;
    }

    /// Puts `player` back (they went offline).
    pub(super) fn put_back(&mut self, player: u32) {
        debug_assert_eq!(
            self.position[player as usize],
            u32::MAX,
            "player {player} is offline already"
        );
        let list = &mut self.by_region[self.home[player as usize]];
        self.position[player as usize] = list.len() as u32;
        list.push(player);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::scenario::Scenario;

    #[test]
    fn the_population_has_its_distributions() {
        let profile = Scenario::Party5v5.profile();
        let pop = Population::generate(&profile, 20_000, 11);
        let n = pop.len() as f64;
        let mean = pop.players.iter().map(|p| p.true_skill).sum::<f64>() / n;
        assert!((mean - 1500.0).abs() < 10.0, "{mean}");
        let eu = pop.players.iter().filter(|p| p.home == 0).count() as f64 / n;
        assert!((eu - 0.45).abs() < 0.02, "{eu}");
        // Everyone is closest to home.
        for p in &pop.players {
            let best = (0..3).min_by_key(|&r| p.latencies[r]).unwrap();
            assert_eq!(best, p.home);
        }
        let dps_only = (0..pop.len() as u32)
            .filter(|&i| pop.roles(i) == [Role::new("dps")])
            .count();
        assert!((dps_only as f64 / n - 0.35).abs() < 0.02);
        // A party's latency is its worst member's.
        let attrs = pop.attributes(&profile, &[0, 1]);
        let worst = pop.players[0].latencies[1].max(pop.players[1].latencies[1]);
        assert_eq!(attrs.latencies[&Region::new("na")], worst);
        assert_eq!(pop.index(Population::id(41)), Some(41));
        assert_eq!(pop.index(Population::id(20_000)), None);
    }

    #[test]
    fn the_offline_pool_hands_out_each_player_once() {
        let profile = Scenario::Party5v5.profile();
        let pop = Population::generate(&profile, 500, 3);
        let mut pool = OfflinePool::new(&pop);
        let mut draw = Draw::new(1, Stream::Arrivals);
        let mut seen = std::collections::BTreeSet::new();
        while let Some(p) = pool.take_any(&mut draw) {
            assert!(seen.insert(p), "player {p} drawn twice");
            if seen.len() == 250 {
                break;
            }
        }
        assert_eq!(pool.len(), 250);
        let back: Vec<u32> = seen.iter().copied().take(10).collect();
        for &p in &back {
            pool.put_back(p);
        }
        assert_eq!(pool.len(), 260);
        let home = pop.players[back[0] as usize].home;
        while let Some(p) = pool.take_in(home, &mut draw) {
            assert_eq!(pop.players[p as usize].home, home);
        }
    }
}
