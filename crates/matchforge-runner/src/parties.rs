//! Party services: create, invite, join, leave, kick, promote.
//!
//! Every change is a compare-and-set on the party's version, retried when
//! another call got there first. When the members change while the party's
//! ticket waits, the ticket is withdrawn (it no longer matches the party);
//! the leader queues again. The store cannot save a party and withdraw a
//! ticket in one step, so the party is saved first; if the withdrawal then
//! fails, the party is put back as it was (its ticket possibly withdrawn)
//! and the call fails, rather than leaving a ticket that a tick would match
//! with a player who left. A party ticket that sits in a lobby when the
//! members change is not requeued when the lobby is cancelled (see
//! [`Matchmaker::cancel_lobby`]).

use chrono::{DateTime, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{PartyId, PlayerId, TicketId};
use matchforge_core::party::{Departure, Party};
use matchforge_core::ticket::Ticket;
use tracing::{info, warn};

use crate::matchmaker::{Matchmaker, RETRIES};
use crate::metrics;

impl Matchmaker {
    /// Creates a party led by `leader` (up to the matchmaker's maximum party
    /// size).
    ///
    /// # Errors
    /// [`Error::PartyRule`] if `leader` already belongs to a party; store errors.
    pub async fn create_party(&self, leader: PlayerId) -> Result<Party> {
        if let Some(existing) = self.store.party_of(leader).await? {
            return Err(Error::PartyRule {
                party: existing.value.id(),
                reason: format!("player {leader} already belongs to this party"),
            });
        }
        let party = Party::new(
            self.ids.party(),
            leader,
            self.max_party_size,
            self.clock.now(),
        )?;
        self.store.save_party(&party, None).await?;
        Ok(party)
    }

    /// The leader `by` invites `player`.
    ///
    /// # Errors
    /// [`Error::PartyNotFound`]; the party's rules ([`Party::invite`]).
    pub async fn invite(&self, party: PartyId, by: PlayerId, player: PlayerId) -> Result<Party> {
        self.change_party(party, |p| p.invite(by, player)).await
    }

    /// An invited `player` joins the party (a waiting party ticket is withdrawn).
    ///
    /// # Errors
    /// [`Error::PartyNotFound`]; [`Error::PartyRule`] if `player` belongs to
    /// another party or has no invitation; [`Error::PartyFull`]; store errors
    /// (if withdrawing the ticket fails, the party is put back as it was).
    pub async fn accept_invite(&self, party: PartyId, player: PlayerId) -> Result<Party> {
        if let Some(other) = self.store.party_of(player).await?
            && other.value.id() != party
        {
            return Err(Error::PartyRule {
                party,
                reason: format!("player {player} belongs to party {}", other.value.id()),
            });
        }
        let (before, joined, version) = self.change_party_from(party, |p| p.join(player)).await?;
        self.withdraw_or_undo(&before, Some(version)).await?;
        Ok(joined)
    }

    /// `player` turns an invitation down.
    ///
    /// # Errors
    /// [`Error::PartyNotFound`]; [`Error::PartyRule`] without an invitation.
    pub async fn decline_invite(&self, party: PartyId, player: PlayerId) -> Result<Party> {
        self.change_party(party, |p| p.decline_invite(player)).await
    }

    /// `player` leaves. Returns the party, or `None` if it dissolved (its last
    /// member left). A departing leader hands over to the longest-standing
    /// member; a waiting party ticket is withdrawn.
    ///
    /// # Errors
    /// [`Error::PartyNotFound`]; [`Error::PartyRule`] for a non-member; store
    /// errors (if withdrawing the ticket fails, the party is put back as it
    /// was).
    pub async fn leave_party(&self, party: PartyId, player: PlayerId) -> Result<Option<Party>> {
        for _ in 0..RETRIES {
            let stored = self
                .store
                .party(party)
                .await?
                .ok_or(Error::PartyNotFound(party))?;
            let before = stored.value.clone();
            let mut changed = stored.value;
            let departure = changed.leave(player)?;
            let saved = match departure {
                Departure::Dissolved => self
                    .store
                    .delete_party(party, stored.version)
                    .await
                    .map(|()| (None, None)),
                Departure::Left { .. } => self
                    .store
                    .save_party(&changed, Some(stored.version))
                    .await
                    .map(|version| (Some(changed), Some(version))),
            };
            match saved {
                Ok((after, version)) => {
                    self.withdraw_or_undo(&before, version).await?;
                    return Ok(after);
                }
                Err(Error::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(conflict(party))
    }

    /// The leader `by` removes `player` (a waiting party ticket is withdrawn).
    ///
    /// # Errors
    /// [`Error::PartyNotFound`]; the party's rules ([`Party::kick`]); store
    /// errors (if withdrawing the ticket fails, the party is put back as it
    /// was).
    pub async fn kick(&self, party: PartyId, by: PlayerId, player: PlayerId) -> Result<Party> {
        let (before, after, version) = self
            .change_party_from(party, |p| p.kick(by, player))
            .await?;
        self.withdraw_or_undo(&before, Some(version)).await?;
        Ok(after)
    }

    /// The leader `by` hands leadership to `player`.
    ///
    /// # Errors
    /// [`Error::PartyNotFound`]; the party's rules ([`Party::promote`]).
    pub async fn promote(&self, party: PartyId, by: PlayerId, player: PlayerId) -> Result<Party> {
        self.change_party(party, |p| p.promote(by, player)).await
    }

    /// The party `player` belongs to.
    ///
    /// # Errors
    /// Store errors.
    pub async fn party_of(&self, player: PlayerId) -> Result<Option<Party>> {
        Ok(self.store.party_of(player).await?.map(|v| v.value))
    }

    /// Loads, changes and saves a party, retrying on version conflicts.
    async fn change_party(
        &self,
        party: PartyId,
        change: impl Fn(&mut Party) -> Result<()>,
    ) -> Result<Party> {
        Ok(self.change_party_from(party, change).await?.1)
    }

    /// [`change_party`](Self::change_party), returning the party as it was
    /// before the change that was saved, as it is after it, and its new
    /// version.
    async fn change_party_from(
        &self,
        party: PartyId,
        change: impl Fn(&mut Party) -> Result<()>,
    ) -> Result<(Party, Party, u64)> {
        for _ in 0..RETRIES {
            let stored = self
                .store
                .party(party)
                .await?
                .ok_or(Error::PartyNotFound(party))?;
            let mut changed = stored.value.clone();
            change(&mut changed)?;
            match self.store.save_party(&changed, Some(stored.version)).await {
                Ok(version) => return Ok((stored.value, changed, version)),
                Err(Error::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(conflict(party))
    }

    /// After the members of `before` changed (saved at `version`, or the
    /// party deleted if `None`): withdraws the party's waiting ticket. If
    /// that fails, puts the party back as `before` and returns the error, so
    /// the call can be made again; a ticket left waiting with the old members
    /// would be matched with a player who left. The party is then as it was,
    /// but its ticket may be gone (a cancel whose reply was lost, or a
    /// mismatched ticket withdrawn after the undo): the leader queues again.
    /// A dissolved party comes back as a new party of the same id, at
    /// version 1. (If putting it back fails too, someone changed the party
    /// meanwhile or the store is down: that is logged and counted as
    /// `party_undo`, and the withdrawal's error returned.)
    async fn withdraw_or_undo(&self, before: &Party, version: Option<u64>) -> Result<()> {
        let Err(error) = self.withdraw_party_ticket(before).await else {
            return Ok(());
        };
        let undone = match self.store.save_party(before, version).await {
            // The undo changes the members too, and the rule for every change
            // holds for it: a `join_party` that read the changed party may
            // have queued for it since (its second look saw no change), so a
            // ticket of the party that does not hold exactly the members put
            // back is withdrawn.
            Ok(_) => self.withdraw_mismatched_party_ticket(before).await,
            Err(e) => Err(e),
        };
        if let Err(undo) = undone {
            warn!(
                party = %before.id(),
                %error,
                %undo,
                "a party change could not withdraw the party's ticket nor be undone"
            );
            metrics::error("party_undo");
        }
        Err(error)
    }

    /// Withdraws the party's waiting ticket if it does not hold exactly
    /// `party`'s members. Looking among `party`'s members finds any ticket a
    /// `join_party` queued for a changed party: its leader at least is one.
    async fn withdraw_mismatched_party_ticket(&self, party: &Party) -> Result<()> {
        match self.waiting_party_ticket(party).await? {
            Some(ticket) if !holds_exactly(&ticket, party.members()) => {
                self.withdraw(ticket.id(), self.clock.now()).await
            }
            _ => Ok(()),
        }
    }

    /// Withdraws the party's waiting ticket, if it has one.
    async fn withdraw_party_ticket(&self, party: &Party) -> Result<()> {
        match self.waiting_party_ticket(party).await? {
            Some(ticket) => self.withdraw(ticket.id(), self.clock.now()).await,
            None => Ok(()),
        }
    }

    /// The waiting ticket of `party`, found through its members. Every
    /// member is looked at until one waits on it: one who left may wait on a
    /// ticket of their own by now.
    async fn waiting_party_ticket(&self, party: &Party) -> Result<Option<Ticket>> {
        for &member in party.members() {
            if let Some(ticket) = self.store.ticket_of(member).await?
                && ticket.party() == Some(party.id())
            {
                return Ok(Some(ticket));
            }
        }
        Ok(None)
    }
}

impl Matchmaker {
    /// Cancels `ticket` if it still waits; one that is gone already (matched,
    /// expired or withdrawn by someone else) is not an error.
    pub(crate) async fn withdraw(&self, ticket: TicketId, now: DateTime<Utc>) -> Result<()> {
        match self.store.cancel(ticket, now).await {
            Ok(_) | Err(Error::TicketNotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether `ticket` is a party ticket that no longer holds exactly its
    /// party's members (or whose party dissolved).
    pub(crate) async fn is_stale_party_ticket(&self, ticket: &Ticket) -> Result<bool> {
        let Some(party) = ticket.party() else {
            return Ok(false);
        };
        Ok(match self.store.party(party).await? {
            Some(stored) => !holds_exactly(ticket, stored.value.members()),
            None => true,
        })
    }

    /// `tickets` without the stale party tickets, for a requeue.
    pub(crate) async fn current_party_tickets(&self, tickets: Vec<Ticket>) -> Result<Vec<Ticket>> {
        let mut current = Vec::with_capacity(tickets.len());
        for ticket in tickets {
            if self.is_stale_party_ticket(&ticket).await? {
                info!(
                    ticket = %ticket.id(),
                    "the party changed while its ticket was in a lobby: not requeued"
                );
            } else {
                current.push(ticket);
            }
        }
        Ok(current)
    }

    /// After a lobby update requeued `requeued`: withdraws those party tickets
    /// whose party changed after [`current_party_tickets`](Self::current_party_tickets)
    /// looked. Either the party change's own withdrawal (which runs after it
    /// saves the party) sees the requeued ticket, or this look, after the
    /// requeue, sees the changed party. The lobby update stands either way, so
    /// a failure here is logged, not returned.
    pub(crate) async fn withdraw_stale_party_tickets(
        &self,
        requeued: &[Ticket],
        now: DateTime<Utc>,
    ) {
        for ticket in requeued.iter().filter(|t| t.party().is_some()) {
            let outcome = match self.is_stale_party_ticket(ticket).await {
                Ok(false) => Ok(()),
                // Gone already: withdrawn by the party change, or matched.
                Ok(true) => self.withdraw(ticket.id(), now).await,
                Err(e) => Err(e),
            };
            if let Err(error) = outcome {
                warn!(ticket = %ticket.id(), %error, "could not check a requeued party ticket against its party");
                metrics::error("party_ticket_check");
            }
        }
    }
}

/// Whether `ticket` holds exactly `members` (in any order).
pub(crate) fn holds_exactly(ticket: &Ticket, members: &[PlayerId]) -> bool {
    ticket.size() == members.len() && members.iter().all(|&m| ticket.contains(m))
}

fn conflict(party: PartyId) -> Error {
    Error::Conflict(format!(
        "party {party} kept changing under {RETRIES} attempts; try again"
    ))
}
