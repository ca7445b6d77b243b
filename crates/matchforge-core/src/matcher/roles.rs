//! Every entry's role preferences, resolved against the queue's role
//! composition in the sequential pass over the tickets.
//!
//! Resolving a ticket's roles reads its player list and each player's role
//! names, which sit behind pointers of their own. Done in the same pass that
//! reads the ticket for its rating and wait, the ticket is still in cache and
//! its player lists are read in the order they were allocated; done later, each
//! ticket would have to be loaded again.

use crate::queue::{QueueConfig, RoleComposition};
use crate::teams::roles::{MAX_ROLES, RolePrefs, TeamHall};
use crate::ticket::Ticket;

/// A player who named no role.
pub(crate) const NO_ROLE: u8 = u8::MAX;
/// A player whose first choice is a role the queue does not know.
pub(crate) const UNKNOWN_ROLE: u8 = u8::MAX - 1;

/// Up to this many roles, role counts are kept per set of roles.
pub(crate) const SUBSET_ROLES: usize = 4;

/// Role bookkeeping: demand across all teams, and how many of a set's players
/// can help meet it. With at most [`SUBSET_ROLES`] roles the index is a set of
/// roles (players able to take at least one role of the set, against the
/// places of the set: Hall's condition on the role side, which also catches
/// roles competing for the same players); with more, it is a single role.
pub(crate) type RoleCounts = [u32; MAX_ROLES];

/// The role preferences of a tick's entries (empty when the queue has no role
/// composition).
#[derive(Debug, Default)]
pub(crate) struct RoleTable {
    /// Places per role of one team, in composition order.
    role_counts: Vec<u32>,
    /// How many entries of a [`RoleCounts`] are in use.
    demand_len: usize,
    /// Role places across all teams, per [`RoleCounts`] index.
    demand: RoleCounts,
    /// Role preferences per player, entry after entry.
    prefs: Vec<RolePrefs>,
    /// Per entry: where its players start in `prefs` (and the arrays
    /// parallel to it).
    prefs_at: Vec<u32>,
    /// Per entry: how many of its players can take each role (set).
    able: Vec<[u8; MAX_ROLES]>,
    /// Per player: their first choice's index in the composition, [`NO_ROLE`]
    /// or [`UNKNOWN_ROLE`].
    first_role: Vec<u8>,
    /// Per player: their role-place mask for Hall's check (0 when it does
    /// not apply).
    masks: Vec<u8>,
}

impl RoleTable {
    /// Empties the table for a tick of `config`'s queue, keeping its memory.
    pub(crate) fn reset_for(&mut self, config: &QueueConfig) {
        self.role_counts.clear();
        if let Some(roles) = &config.spec().roles {
            self.role_counts
                .extend(roles.slots.iter().map(|slot| slot.count));
        }
        let roles = self.role_counts.len();
        let teams = config.format().teams() as u32;
        self.demand = [0; MAX_ROLES];
        if roles <= SUBSET_ROLES {
            self.demand_len = 1 << roles;
            for (set, demand) in self.demand.iter_mut().enumerate().take(self.demand_len) {
                *demand = (0..roles)
                    .filter(|r| set & (1 << r) != 0)
                    .map(|r| self.role_counts[r] * teams)
                    .sum();
            }
        } else {
            self.demand_len = roles;
            for (demand, &count) in self.demand.iter_mut().zip(&self.role_counts) {
                *demand = count * teams;
            }
        }
        self.clear_entries();
    }

    /// Forgets every entry added, keeping the composition.
    pub(crate) fn clear_entries(&mut self) {
        self.prefs.clear();
        self.prefs_at.clear();
        self.able.clear();
        self.first_role.clear();
        self.masks.clear();
    }

    /// Whether the queue has a role composition.
    pub(crate) fn has_roles(&self) -> bool {
        !self.role_counts.is_empty()
    }

    /// Places per role of one team, in composition order.
    pub(crate) fn role_counts(&self) -> &[u32] {
        &self.role_counts
    }

    /// How many entries of a [`RoleCounts`] are in use.
    pub(crate) fn demand_len(&self) -> usize {
        self.demand_len
    }

    /// Role places across all teams, per [`RoleCounts`] index.
    pub(crate) fn demand(&self) -> RoleCounts {
        self.demand
    }

    /// Resolves the next entry's role preferences from its `ticket` (nothing
    /// without a composition).
    pub(crate) fn add(&mut self, composition: Option<&RoleComposition>, ticket: &Ticket) {
        let Some(composition) = composition.filter(|_| self.has_roles()) else {
            return;
        };
        self.prefs_at.push(self.prefs.len() as u32);
        let roles = self.role_counts.len();
        let hall = TeamHall::applies(roles);
        let mut able = [0u8; MAX_ROLES];
        for player in ticket.players() {
            let prefs = if player.roles.is_empty() {
                RolePrefs::ANY
            } else {
                RolePrefs::from_indices(
                    // An unknown role maps past the composition: it never fills
                    // a slot, only open places.
                    player
                        .roles
                        .iter()
                        .map(|r| composition.index_of(r.as_str()).unwrap_or(MAX_ROLES - 1)),
                )
            };
            let accepted = if prefs.is_any() {
                (1usize << roles) - 1
            } else {
                prefs
                    .listed()
                    .iter()
                    .filter(|&&r| (r as usize) < roles)
                    .fold(0usize, |m, &r| m | (1 << r))
            };
            for (i, count) in able.iter_mut().enumerate().take(self.demand_len) {
                let set = if roles <= SUBSET_ROLES { i } else { 1 << i };
                if accepted & set != 0 {
                    *count += 1;
                }
            }
            self.masks
                .push(if hall { prefs.mask(roles) as u8 } else { 0 });
            self.first_role.push(match prefs.listed().first() {
                None => NO_ROLE,
                Some(&r) if usize::from(r) < roles => r,
                Some(_) => UNKNOWN_ROLE,
            });
            self.prefs.push(prefs);
        }
        self.able.push(able);
    }

    /// Where entry `e`'s players start among the per-player arrays.
    pub(crate) fn at(&self, e: u32) -> usize {
        self.prefs_at[e as usize] as usize
    }

    /// Where entry `e`'s players lie among the per-player arrays.
    fn span(&self, e: u32) -> std::ops::Range<usize> {
        let end = self
            .prefs_at
            .get(e as usize + 1)
            .map_or(self.prefs.len(), |&end| end as usize);
        self.at(e)..end
    }

    /// The role preferences of entry `e`'s players.
    pub(crate) fn prefs(&self, e: u32) -> &[RolePrefs] {
        &self.prefs[self.span(e)]
    }

    /// The role-place mask of the player at `p` (see [`at`](Self::at)).
    pub(crate) fn mask(&self, p: usize) -> u8 {
        self.masks[p]
    }

    /// How many of entry `e`'s players can take each role (set).
    pub(crate) fn able(&self, e: u32) -> RoleCounts {
        let mut out = [0u32; MAX_ROLES];
        for (o, &a) in out.iter_mut().zip(&self.able[e as usize]) {
            *o = u32::from(a);
        }
        out
    }

    /// The first choices (composition indices, [`NO_ROLE`] or
    /// [`UNKNOWN_ROLE`]) of entry `e`'s players; empty without roles.
    pub(crate) fn first_roles(&self, e: u32) -> &[u8] {
        if !self.has_roles() {
            return &[];
        }
        &self.first_role[self.span(e)]
    }
}
