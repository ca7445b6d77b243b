//! Parties: players who queue together.
//!
//! The leader invites, invited players join, anyone leaves, the leader kicks
//! and promotes. When the leader leaves, the longest-standing member leads; the
//! party dissolves only when its last member leaves, and a dissolved party
//! refuses every change.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{PartyId, PlayerId};

/// A party.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::ids::{PartyId, PlayerId};
/// use matchforge_core::party::{Party, Departure};
///
/// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (ana, bo) = (PlayerId::from_u128(1), PlayerId::from_u128(2));
/// let mut party = Party::new(PartyId::from_u128(9), ana, 5, now)?;
/// party.invite(ana, bo)?;
/// party.join(bo)?;
/// assert_eq!(party.leave(ana)?, Departure::Left { new_leader: Some(bo) });
/// assert_eq!(party.leader(), bo);
/// assert_eq!(party.leave(bo)?, Departure::Dissolved);
/// assert!(party.is_dissolved());
/// assert!(party.invite(bo, ana).is_err());
/// # Ok::<(), matchforge_core::Error>(())
/// ```
///
/// Deserialising checks the invariants the operations keep: a maximum size of
/// at least 1, no member twice, no more members than the maximum, a leader who
/// is a member, no member also invited. A dissolved party (no members, no
/// invitations, the last leader kept) loads as it was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PartyRepr", into = "PartyRepr")]
pub struct Party {
    id: PartyId,
    leader: PlayerId,
    members: Vec<PlayerId>,
    invites: BTreeSet<PlayerId>,
    max_size: usize,
    created_at: DateTime<Utc>,
}

/// The serialised form of a [`Party`]; deserialising validates it again.
#[derive(Serialize, Deserialize)]
struct PartyRepr {
    id: PartyId,
    leader: PlayerId,
    members: Vec<PlayerId>,
    invites: BTreeSet<PlayerId>,
    max_size: usize,
    created_at: DateTime<Utc>,
}

impl TryFrom<PartyRepr> for Party {
    type Error = Error;

    fn try_from(r: PartyRepr) -> Result<Self> {
        let party = Party {
            id: r.id,
            leader: r.leader,
            members: r.members,
            invites: r.invites,
            max_size: r.max_size,
            created_at: r.created_at,
        };
        party.check()?;
        Ok(party)
    }
}

impl From<Party> for PartyRepr {
    fn from(p: Party) -> Self {
        PartyRepr {
            id: p.id,
            leader: p.leader,
            members: p.members,
            invites: p.invites,
            max_size: p.max_size,
            created_at: p.created_at,
        }
    }
}

/// What a departure did to the party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// The player left; `new_leader` is set when the leader left.
    Left {
        /// The member who now leads, if leadership passed.
        new_leader: Option<PlayerId>,
    },
    /// The last member left; the party no longer exists.
    Dissolved,
}

impl Party {
    /// A party led by `leader`, who is its first member.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `max_size` is 0.
    pub fn new(id: PartyId, leader: PlayerId, max_size: usize, now: DateTime<Utc>) -> Result<Self> {
        if max_size == 0 {
            return Err(Error::InvalidConfig(
                "a party's maximum size must be at least 1".into(),
            ));
        }
        Ok(Self {
            id,
            leader,
            members: vec![leader],
            invites: BTreeSet::new(),
            max_size,
            created_at: now,
        })
    }

    /// The party's id.
    #[must_use]
    pub fn id(&self) -> PartyId {
        self.id
    }

    /// The leader. Once the party has dissolved, the last leader it had.
    #[must_use]
    pub fn leader(&self) -> PlayerId {
        self.leader
    }

    /// Members, in the order they joined.
    #[must_use]
    pub fn members(&self) -> &[PlayerId] {
        &self.members
    }

    /// Players invited who have not joined yet.
    #[must_use]
    pub fn invites(&self) -> &BTreeSet<PlayerId> {
        &self.invites
    }

    /// The largest the party may grow.
    #[must_use]
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Number of members.
    #[must_use]
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// When the party was created.
    #[must_use]
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// Whether the party has dissolved: its last member left, and it refuses
    /// every change.
    #[must_use]
    pub fn is_dissolved(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether `player` is a member.
    #[must_use]
    pub fn has_member(&self, player: PlayerId) -> bool {
        self.members.contains(&player)
    }

    /// The invariants [`new`](Self::new) establishes and every operation
    /// keeps, for a party read back from storage.
    fn check(&self) -> Result<()> {
        if self.max_size == 0 {
            return Err(Error::InvalidConfig(format!(
                "party {}: a party's maximum size must be at least 1",
                self.id
            )));
        }
        let mut seen = BTreeSet::new();
        if let Some(twice) = self.members.iter().find(|&&m| !seen.insert(m)) {
            return Err(self.refuse(format!("player {twice} is a member twice")));
        }
        if self.size() > self.max_size {
            return Err(self.refuse(format!(
                "{} members, more members than its maximum size {}",
                self.size(),
                self.max_size
            )));
        }
        if self.is_dissolved() {
            // `leave` clears the invitations when the last member goes.
            if !self.invites.is_empty() {
                return Err(self.refuse("a dissolved party cannot hold invitations"));
            }
            return Ok(());
        }
        if !self.has_member(self.leader) {
            return Err(self.refuse(format!("leader {} is not a member", self.leader)));
        }
        if let Some(both) = self.invites.iter().find(|&&i| self.has_member(i)) {
            return Err(self.refuse(format!("player {both} is a member and also invited")));
        }
        Ok(())
    }

    fn refuse(&self, reason: impl Into<String>) -> Error {
        Error::PartyRule {
            party: self.id,
            reason: reason.into(),
        }
    }

    /// Refuses any change to a dissolved party: its `leader` still names the
    /// last leader, who must not be able to bring it back.
    fn require_active(&self, action: &str) -> Result<()> {
        if self.is_dissolved() {
            Err(self.refuse(format!("cannot {action}: the party has dissolved")))
        } else {
            Ok(())
        }
    }

    fn require_leader(&self, by: PlayerId, action: &str) -> Result<()> {
        self.require_active(action)?;
        if by == self.leader {
            Ok(())
        } else {
            Err(self.refuse(format!("only the leader can {action} (player {by} is not)")))
        }
    }

    /// The leader invites `player`.
    ///
    /// # Errors
    /// [`Error::PartyRule`] if the party has dissolved, `by` is not the leader
    /// or `player` is already a member; [`Error::PartyFull`] if the party is
    /// full.
    pub fn invite(&mut self, by: PlayerId, player: PlayerId) -> Result<()> {
        self.require_leader(by, "invite")?;
        if self.has_member(player) {
            return Err(self.refuse(format!("player {player} is already a member")));
        }
        if self.size() >= self.max_size {
            return Err(Error::PartyFull {
                party: self.id,
                max: self.max_size,
            });
        }
        self.invites.insert(player);
        Ok(())
    }

    /// An invited `player` joins.
    ///
    /// # Errors
    /// [`Error::PartyRule`] if the party has dissolved, without an invitation
    /// or for a member; [`Error::PartyFull`] if the party is full.
    pub fn join(&mut self, player: PlayerId) -> Result<()> {
        self.require_active("join")?;
        if self.has_member(player) {
            return Err(self.refuse(format!("player {player} is already a member")));
        }
        if !self.invites.contains(&player) {
            return Err(self.refuse(format!("player {player} has no invitation")));
        }
        if self.size() >= self.max_size {
            return Err(Error::PartyFull {
                party: self.id,
                max: self.max_size,
            });
        }
        self.invites.remove(&player);
        self.members.push(player);
        Ok(())
    }

    /// `player` turns an invitation down (or the leader withdraws it).
    ///
    /// # Errors
    /// [`Error::PartyRule`] if the party has dissolved or there is no such
    /// invitation.
    pub fn decline_invite(&mut self, player: PlayerId) -> Result<()> {
        self.require_active("decline an invitation")?;
        if self.invites.remove(&player) {
            Ok(())
        } else {
            Err(self.refuse(format!("player {player} has no invitation")))
        }
    }

    /// `player` leaves. A departing leader hands over to the longest-standing
    /// member; the last member's departure dissolves the party.
    ///
    /// # Errors
    /// [`Error::PartyRule`] if the party has dissolved or `player` is not a
    /// member.
    pub fn leave(&mut self, player: PlayerId) -> Result<Departure> {
        self.require_active("leave")?;
        let Some(at) = self.members.iter().position(|&m| m == player) else {
            return Err(self.refuse(format!("player {player} is not a member")));
        };
        self.members.remove(at);
        let Some(&first) = self.members.first() else {
            self.invites.clear();
            return Ok(Departure::Dissolved);
        };
        if player == self.leader {
            self.leader = first;
            return Ok(Departure::Left {
                new_leader: Some(first),
            });
        }
        Ok(Departure::Left { new_leader: None })
    }

    /// The leader removes `player`.
    ///
    /// # Errors
    /// [`Error::PartyRule`] if the party has dissolved, `by` is not the leader,
    /// `player` is not a member, or the leader tries to kick themselves (use
    /// [`leave`](Self::leave)).
    pub fn kick(&mut self, by: PlayerId, player: PlayerId) -> Result<()> {
        self.require_leader(by, "kick")?;
        if player == by {
            return Err(self.refuse("the leader cannot kick themselves; leave instead"));
        }
        let Some(at) = self.members.iter().position(|&m| m == player) else {
            return Err(self.refuse(format!("player {player} is not a member")));
        };
        self.members.remove(at);
        Ok(())
    }

    /// The leader hands leadership to `player`.
    ///
    /// # Errors
    /// [`Error::PartyRule`] if the party has dissolved, `by` is not the leader
    /// or `player` is not a member.
    pub fn promote(&mut self, by: PlayerId, player: PlayerId) -> Result<()> {
        self.require_leader(by, "promote")?;
        if !self.has_member(player) {
            return Err(self.refuse(format!("player {player} is not a member")));
        }
        self.leader = player;
        Ok(())
    }
}
