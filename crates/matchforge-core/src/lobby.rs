//! Lobbies: a committed match and its life from ready check to result.
//!
//! ```text
//! Forming ──open_acceptance──▶ AwaitingAcceptance ──all accept──▶ Ready ──dispatch──▶ Dispatched ──complete──▶ Completed
//!    │  └──────────skip_acceptance──────────────────────────────────▲                    │
//!    │                          │ decline / deadline                                      │
//!    └──────────────cancel──────┴──────────────▶ Cancelled ◀────────────cancel────────────┘
//! ```
//!
//! Illegal moves are errors and leave the lobby unchanged. A decline or a
//! timeout cancels the ready check: the tickets whose players all accepted
//! return to the queue with their original enqueue time; the players who
//! declined or never answered are removed (the runner may put them on a
//! cooldown). A party ticket returns only if every member accepted. An abort
//! ([`Lobby::cancel`]) blames nobody: every ticket returns (unless the ready
//! check's deadline has already passed: then it has timed out).
//!
//! A deadline is the first instant at which answers no longer count: at the
//! deadline itself the ready check has passed it and times out, the instant
//! [`lobbies_due`](crate::ports::LobbyStore::lobbies_due) lists the lobby.
//! An accept, a decline or a blameless cancel must come before it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::ids::{LobbyId, PlayerId, QueueName, TicketId};
use crate::matcher::MatchProposal;
use crate::ticket::Ticket;

/// How a finished match ended: one rank per team, 1 best, equal ranks tie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResult {
    /// Rank of each team, in team order.
    pub ranks: Vec<u32>,
}

impl MatchResult {
    /// A result from team ranks.
    #[must_use]
    pub fn ranks(ranks: impl Into<Vec<u32>>) -> Self {
        Self {
            ranks: ranks.into(),
        }
    }

    /// Team `winner` (counted from 0) won, every other team lost (tied for
    /// second). A `winner` that is not below `teams` gives a result without a
    /// rank 1, which [`Lobby::complete`] refuses.
    #[must_use]
    pub fn winner(winner: usize, teams: usize) -> Self {
        Self {
            ranks: (0..teams)
                .map(|t| if t == winner { 1 } else { 2 })
                .collect(),
        }
    }

    /// Every team tied.
    #[must_use]
    pub fn draw(teams: usize) -> Self {
        Self {
            ranks: vec![1; teams],
        }
    }
}

/// Why a lobby was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CancelReason {
    /// A player declined the ready check.
    Declined {
        /// Who declined.
        player: PlayerId,
    },
    /// The ready check's deadline passed.
    AcceptanceTimeout {
        /// Who never answered.
        missing: Vec<PlayerId>,
    },
    /// Cancelled by the operator or the game server.
    Aborted {
        /// The reason given.
        reason: String,
    },
}

/// Where a lobby is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LobbyState {
    /// Created, no ready check opened yet.
    Forming,
    /// Players are asked to accept before `deadline`.
    AwaitingAcceptance {
        /// When unanswered players count as declining.
        deadline: DateTime<Utc>,
        /// Who accepted so far.
        accepted: BTreeSet<PlayerId>,
    },
    /// Everyone accepted; waiting for a game server.
    Ready,
    /// Handed to a game server.
    Dispatched {
        /// The server's id.
        server: String,
    },
    /// The match was played.
    Completed {
        /// How it ended.
        result: MatchResult,
    },
    /// The match will not be played.
    Cancelled {
        /// Why.
        reason: CancelReason,
    },
}

/// A lobby state without its data, for events and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LobbyPhase {
    /// See [`LobbyState::Forming`].
    Forming,
    /// See [`LobbyState::AwaitingAcceptance`].
    AwaitingAcceptance,
    /// See [`LobbyState::Ready`].
    Ready,
    /// See [`LobbyState::Dispatched`].
    Dispatched,
    /// See [`LobbyState::Completed`].
    Completed,
    /// See [`LobbyState::Cancelled`].
    Cancelled,
}

impl LobbyPhase {
    /// The phase's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LobbyPhase::Forming => "forming",
            LobbyPhase::AwaitingAcceptance => "awaiting acceptance",
            LobbyPhase::Ready => "ready",
            LobbyPhase::Dispatched => "dispatched",
            LobbyPhase::Completed => "completed",
            LobbyPhase::Cancelled => "cancelled",
        }
    }

    /// Whether the lobby is finished (completed or cancelled).
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, LobbyPhase::Completed | LobbyPhase::Cancelled)
    }
}

impl LobbyState {
    /// The phase of this state.
    #[must_use]
    pub fn phase(&self) -> LobbyPhase {
        match self {
            LobbyState::Forming => LobbyPhase::Forming,
            LobbyState::AwaitingAcceptance { .. } => LobbyPhase::AwaitingAcceptance,
            LobbyState::Ready => LobbyPhase::Ready,
            LobbyState::Dispatched { .. } => LobbyPhase::Dispatched,
            LobbyState::Completed { .. } => LobbyPhase::Completed,
            LobbyState::Cancelled { .. } => LobbyPhase::Cancelled,
        }
    }
}

/// The serialised form of a [`Lobby`].
#[derive(Serialize, Deserialize)]
struct LobbyRepr {
    id: LobbyId,
    queue: QueueName,
    proposal: MatchProposal,
    tickets: Vec<Ticket>,
    state: LobbyState,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<LobbyRepr> for Lobby {
    type Error = Error;

    fn try_from(r: LobbyRepr) -> Result<Self> {
        Lobby::check(r.id, &r.queue, &r.proposal, &r.tickets)?;
        let lobby = Lobby {
            id: r.id,
            queue: r.queue,
            proposal: r.proposal,
            tickets: r.tickets,
            state: r.state,
            created_at: r.created_at,
            updated_at: r.updated_at,
        };
        lobby.check_state()?;
        Ok(lobby)
    }
}

impl From<Lobby> for LobbyRepr {
    fn from(l: Lobby) -> Self {
        LobbyRepr {
            id: l.id,
            queue: l.queue,
            proposal: l.proposal,
            tickets: l.tickets,
            state: l.state,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

/// What a cancellation does to the lobby's tickets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cancellation {
    /// Tickets to put back in the queue, with their original enqueue time.
    pub requeue: Vec<Ticket>,
    /// Players who declined or never answered (candidates for a cooldown).
    pub removed: Vec<PlayerId>,
}

/// A match that was claimed from the queue.
///
/// Deserialising validates the lobby again, as [`Lobby::new`] does, and
/// refuses a state its own moves could never reach: players in the ready
/// check's `accepted` set, a decline or a timeout who are not in the lobby, a
/// ready check everyone already accepted, a timeout that names nobody or
/// someone twice, an empty server id, a result without one rank per team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LobbyRepr", into = "LobbyRepr")]
pub struct Lobby {
    id: LobbyId,
    queue: QueueName,
    proposal: MatchProposal,
    tickets: Vec<Ticket>,
    state: LobbyState,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Lobby {
    /// A forming lobby for `proposal`, holding the claimed `tickets` (needed to
    /// requeue them later).
    ///
    /// # Errors
    /// [`Error::InvalidTicket`] if the tickets are not exactly the proposal's, a
    /// ticket is for another queue, the seats are not exactly the tickets'
    /// players each seated for their own ticket, a ticket's players sit on more
    /// than one team, or the teams are not numbered `0..n` without a gap.
    pub fn new(
        id: LobbyId,
        queue: QueueName,
        proposal: MatchProposal,
        tickets: Vec<Ticket>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        Self::check(id, &queue, &proposal, &tickets)?;
        Ok(Self {
            id,
            queue,
            proposal,
            tickets,
            state: LobbyState::Forming,
            created_at: now,
            updated_at: now,
        })
    }

    /// The tickets are exactly the proposal's, of this queue, and the seats
    /// are exactly their players, each for their own ticket, a ticket on one
    /// team, teams `0..n`.
    fn check(
        id: LobbyId,
        queue: &QueueName,
        proposal: &MatchProposal,
        tickets: &[Ticket],
    ) -> Result<()> {
        let given: BTreeSet<TicketId> = tickets.iter().map(Ticket::id).collect();
        let proposed: BTreeSet<TicketId> = proposal.tickets().collect();
        if given != proposed || given.len() != tickets.len() {
            return Err(Error::InvalidTicket(format!(
                "lobby {id}: the tickets given are not the proposal's"
            )));
        }
        if let Some(t) = tickets.iter().find(|t| t.queue() != queue) {
            return Err(Error::InvalidTicket(format!(
                "lobby {id}: ticket {} is for queue {}, not {queue}",
                t.id(),
                t.queue()
            )));
        }
        let seated: BTreeSet<PlayerId> = proposal.players().collect();
        let holders: BTreeSet<PlayerId> = tickets.iter().flat_map(Ticket::player_ids).collect();
        if seated != holders || seated.len() != proposal.seats.len() {
            return Err(Error::InvalidTicket(format!(
                "lobby {id}: the seats do not match the tickets' players"
            )));
        }
        // Each seat on its player's own ticket, a ticket's players on one
        // team, as the matcher seats them.
        let mut team_of: BTreeMap<TicketId, u16> = BTreeMap::new();
        for seat in &proposal.seats {
            let on_ticket = tickets
                .iter()
                .any(|t| t.id() == seat.ticket && t.contains(seat.player));
            if !on_ticket {
                return Err(Error::InvalidTicket(format!(
                    "lobby {id}: player {} is seated for ticket {} but is not on ticket {}",
                    seat.player, seat.ticket, seat.ticket
                )));
            }
            let team = *team_of.entry(seat.ticket).or_insert(seat.team);
            if team != seat.team {
                return Err(Error::InvalidTicket(format!(
                    "lobby {id}: ticket {} is split over teams {team} and {}",
                    seat.ticket, seat.team
                )));
            }
        }
        // Teams numbered 0..n without a gap, so `teams()` has no empty team
        // and a result needs exactly one rank per team that plays.
        let teams: BTreeSet<u16> = proposal.seats.iter().map(|s| s.team).collect();
        let last = teams.last().copied().unwrap_or(0);
        if let Some(gap) = (0..last).find(|t| !teams.contains(t)) {
            return Err(Error::InvalidTicket(format!(
                "lobby {id}: nobody sits on team {gap}; teams are numbered from 0 without a gap"
            )));
        }
        Ok(())
    }

    /// The state's data is what the lobby's own moves could have produced
    /// (for a lobby read back from storage).
    fn check_state(&self) -> Result<()> {
        let unreachable = |action| Err(self.illegal(action));
        match &self.state {
            LobbyState::Forming | LobbyState::Ready => Ok(()),
            LobbyState::AwaitingAcceptance { accepted, .. } => {
                self.check_members(accepted)?;
                // The last accept moves the lobby to Ready at once.
                if accepted.len() == self.proposal.seats.len() {
                    return unreachable("load with everyone accepted");
                }
                Ok(())
            }
            LobbyState::Dispatched { server } => self.check_server(server),
            LobbyState::Completed { result } => self.check_result(result),
            LobbyState::Cancelled { reason } => match reason {
                CancelReason::Declined { player } => self.check_members([player]),
                CancelReason::AcceptanceTimeout { missing } => {
                    self.check_members(missing)?;
                    // Somebody had not accepted, or the lobby would be Ready.
                    if missing.is_empty() {
                        return unreachable("load a ready-check timeout that names nobody");
                    }
                    let distinct: BTreeSet<&PlayerId> = missing.iter().collect();
                    if distinct.len() != missing.len() {
                        return unreachable("load a ready-check timeout that names a player twice");
                    }
                    Ok(())
                }
                CancelReason::Aborted { .. } => Ok(()),
            },
        }
    }

    /// Every one of `players` is in the lobby.
    fn check_members<'a>(&self, players: impl IntoIterator<Item = &'a PlayerId>) -> Result<()> {
        match players.into_iter().find(|&&p| !self.has_player(p)) {
            Some(&player) => Err(Error::NotInLobby {
                player,
                lobby: self.id,
            }),
            None => Ok(()),
        }
    }

    /// A server id names something: [`dispatch`](Self::dispatch)'s rule.
    fn check_server(&self, server: &str) -> Result<()> {
        if server.trim().is_empty() {
            return Err(Error::InvalidConfig(format!(
                "lobby {}: a server id cannot be empty",
                self.id
            )));
        }
        Ok(())
    }

    /// One rank per team, the best 1: [`complete`](Self::complete)'s rule.
    fn check_result(&self, result: &MatchResult) -> Result<()> {
        let teams = self.proposal.team_count();
        if result.ranks.len() != teams {
            return Err(Error::InvalidResult(format!(
                "lobby {}: {} ranks given for {teams} teams",
                self.id,
                result.ranks.len()
            )));
        }
        // Ranks are relative, but 1 is the best: a result without a rank 1
        // is a mistake (0-based ranks, or a winner outside the teams).
        if let Some(&best) = result.ranks.iter().min()
            && best != 1
        {
            return Err(Error::InvalidResult(format!(
                "lobby {}: the best team's rank must be 1, not {best} (ranks {:?})",
                self.id, result.ranks
            )));
        }
        Ok(())
    }

    /// The lobby's id.
    #[must_use]
    pub fn id(&self) -> LobbyId {
        self.id
    }

    /// The queue the match came from.
    #[must_use]
    pub fn queue(&self) -> &QueueName {
        &self.queue
    }

    /// Teams, seats, region and quality of the match.
    #[must_use]
    pub fn proposal(&self) -> &MatchProposal {
        &self.proposal
    }

    /// The claimed tickets.
    #[must_use]
    pub fn tickets(&self) -> &[Ticket] {
        &self.tickets
    }

    /// The ids of the claimed tickets.
    pub fn ticket_ids(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.tickets.iter().map(Ticket::id)
    }

    /// All players.
    pub fn players(&self) -> impl Iterator<Item = PlayerId> + '_ {
        self.proposal.players()
    }

    /// Whether `player` is in the lobby.
    #[must_use]
    pub fn has_player(&self, player: PlayerId) -> bool {
        self.proposal.seat_of(player).is_some()
    }

    /// The players of each team, in team order.
    #[must_use]
    pub fn teams(&self) -> Vec<Vec<PlayerId>> {
        let mut teams = vec![Vec::new(); self.proposal.team_count()];
        for seat in &self.proposal.seats {
            teams[seat.team as usize].push(seat.player);
        }
        teams
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> &LobbyState {
        &self.state
    }

    /// The current phase.
    #[must_use]
    pub fn phase(&self) -> LobbyPhase {
        self.state.phase()
    }

    /// When the lobby was created.
    #[must_use]
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When it last changed state.
    #[must_use]
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// The ready-check deadline, while one is open.
    #[must_use]
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        match &self.state {
            LobbyState::AwaitingAcceptance { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    fn illegal(&self, action: &'static str) -> Error {
        Error::IllegalTransition {
            lobby: self.id,
            state: self.phase().as_str(),
            action,
        }
    }

    /// An answer to the ready check at or after its deadline.
    fn past_deadline(&self, action: &'static str) -> Error {
        Error::IllegalTransition {
            lobby: self.id,
            state: "past its ready-check deadline",
            action,
        }
    }

    fn set(&mut self, state: LobbyState, now: DateTime<Utc>) {
        self.state = state;
        self.updated_at = now;
    }

    /// Opens the ready check: Forming → AwaitingAcceptance.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless forming; [`Error::InvalidConfig`] if
    /// the deadline is not after `now`.
    pub fn open_acceptance(&mut self, deadline: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        if self.phase() != LobbyPhase::Forming {
            return Err(self.illegal("open the ready check"));
        }
        if deadline <= now {
            return Err(Error::InvalidConfig(format!(
                "lobby {}: the ready-check deadline {deadline} is not after {now}",
                self.id
            )));
        }
        self.set(
            LobbyState::AwaitingAcceptance {
                deadline,
                accepted: BTreeSet::new(),
            },
            now,
        );
        Ok(())
    }

    /// Skips the ready check (queues without one): Forming → Ready.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless forming.
    pub fn skip_acceptance(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.phase() != LobbyPhase::Forming {
            return Err(self.illegal("skip the ready check"));
        }
        self.set(LobbyState::Ready, now);
        Ok(())
    }

    /// `player` accepts. Returns `true` when this call made everyone accept
    /// (the lobby is then Ready), `false` otherwise.
    ///
    /// Accepting twice is harmless. Once the lobby is Ready everyone has
    /// accepted (or it held no ready check), so an accept there is a repeat: it
    /// changes nothing and returns `false`, whatever the time.
    ///
    /// # Errors
    /// [`Error::NotInLobby`]; [`Error::IllegalTransition`] if the lobby is
    /// neither awaiting acceptance nor Ready, or the ready check's deadline has
    /// passed.
    pub fn accept(&mut self, player: PlayerId, now: DateTime<Utc>) -> Result<bool> {
        if !self.has_player(player) {
            return Err(Error::NotInLobby {
                player,
                lobby: self.id,
            });
        }
        if self.phase() == LobbyPhase::Ready {
            return Ok(false);
        }
        let everyone = self.proposal.seats.len();
        let LobbyState::AwaitingAcceptance { deadline, accepted } = &mut self.state else {
            return Err(self.illegal("accept"));
        };
        if now >= *deadline {
            return Err(self.past_deadline("accept"));
        }
        accepted.insert(player);
        if accepted.len() == everyone {
            self.set(LobbyState::Ready, now);
            return Ok(true);
        }
        self.updated_at = now;
        Ok(false)
    }

    /// `player` declines: the lobby is cancelled. Like an accept, a decline
    /// counts before the deadline; from it on the ready check has timed out
    /// ([`expire_acceptance`](Self::expire_acceptance)).
    ///
    /// # Errors
    /// [`Error::NotInLobby`]; [`Error::IllegalTransition`] if no ready check is
    /// open or its deadline has passed.
    pub fn decline(&mut self, player: PlayerId, now: DateTime<Utc>) -> Result<Cancellation> {
        if !self.has_player(player) {
            return Err(Error::NotInLobby {
                player,
                lobby: self.id,
            });
        }
        let LobbyState::AwaitingAcceptance { deadline, accepted } = &self.state else {
            return Err(self.illegal("decline"));
        };
        if now >= *deadline {
            return Err(self.past_deadline("decline"));
        }
        let mut accepted = accepted.clone();
        accepted.remove(&player);
        let cancellation = self.split_by_acceptance(&accepted);
        self.set(
            LobbyState::Cancelled {
                reason: CancelReason::Declined { player },
            },
            now,
        );
        Ok(cancellation)
    }

    /// The ready check's deadline passed: the lobby is cancelled.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] if no ready check is open or `now` is
    /// before its deadline.
    pub fn expire_acceptance(&mut self, now: DateTime<Utc>) -> Result<Cancellation> {
        let LobbyState::AwaitingAcceptance { deadline, accepted } = &self.state else {
            return Err(self.illegal("time out the ready check"));
        };
        if now < *deadline {
            return Err(Error::IllegalTransition {
                lobby: self.id,
                state: "before its ready-check deadline",
                action: "time out the ready check",
            });
        }
        let accepted = accepted.clone();
        let missing: Vec<PlayerId> = self.players().filter(|p| !accepted.contains(p)).collect();
        let cancellation = self.split_by_acceptance(&accepted);
        self.set(
            LobbyState::Cancelled {
                reason: CancelReason::AcceptanceTimeout { missing },
            },
            now,
        );
        Ok(cancellation)
    }

    /// Hands the match to a game server: Ready → Dispatched.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless ready; [`Error::InvalidConfig`] for an
    /// empty server id.
    pub fn dispatch(&mut self, server: impl Into<String>, now: DateTime<Utc>) -> Result<()> {
        if self.phase() != LobbyPhase::Ready {
            return Err(self.illegal("dispatch"));
        }
        let server = server.into();
        self.check_server(&server)?;
        self.set(LobbyState::Dispatched { server }, now);
        Ok(())
    }

    /// Records the result: Dispatched → Completed.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless dispatched; [`Error::InvalidResult`] if
    /// the ranks don't match the teams (one per team, the best 1).
    pub fn complete(&mut self, result: MatchResult, now: DateTime<Utc>) -> Result<()> {
        if self.phase() != LobbyPhase::Dispatched {
            return Err(self.illegal("complete"));
        }
        self.check_result(&result)?;
        self.set(LobbyState::Completed { result }, now);
        Ok(())
    }

    /// Cancels an unfinished lobby for `reason` (a server failure, an operator's
    /// action). Nobody is at fault — during the ready check too, before its
    /// deadline, since answers count until then — so every ticket returns to
    /// the queue with its original enqueue time and nobody is removed.
    ///
    /// At or past the ready check's deadline (the lobby not yet timed out by
    /// [`expire_acceptance`](Self::expire_acceptance)), the players who never
    /// answered have missed it: the cancellation is then the timeout's (the
    /// tickets whose players all accepted return, the others' players are
    /// removed), with `reason` recorded.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] if the lobby is already finished.
    pub fn cancel(
        &mut self,
        reason: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        let cancellation = match &self.state {
            LobbyState::Completed { .. } | LobbyState::Cancelled { .. } => {
                return Err(self.illegal("cancel"));
            }
            LobbyState::AwaitingAcceptance { deadline, accepted } if now >= *deadline => {
                let accepted = accepted.clone();
                self.split_by_acceptance(&accepted)
            }
            LobbyState::Forming
            | LobbyState::AwaitingAcceptance { .. }
            | LobbyState::Ready
            | LobbyState::Dispatched { .. } => Cancellation {
                requeue: self.tickets.clone(),
                removed: Vec::new(),
            },
        };
        self.set(
            LobbyState::Cancelled {
                reason: CancelReason::Aborted {
                    reason: reason.into(),
                },
            },
            now,
        );
        Ok(cancellation)
    }

    fn split_by_acceptance(&self, accepted: &BTreeSet<PlayerId>) -> Cancellation {
        let mut out = Cancellation::default();
        for t in &self.tickets {
            if t.player_ids().all(|p| accepted.contains(&p)) {
                out.requeue.push(t.clone());
            } else {
                out.removed
                    .extend(t.player_ids().filter(|p| !accepted.contains(p)));
            }
        }
        out
    }

    /// The events a store appends when it commits this lobby: one
    /// `TicketMatched` per ticket, then the lobby's state.
    #[must_use]
    pub fn commit_events(&self) -> Vec<Event> {
        let at = self.updated_at;
        let mut events: Vec<Event> = self
            .tickets
            .iter()
            .map(|t| Event {
                at,
                kind: EventKind::TicketMatched {
                    ticket: t.id(),
                    queue: self.queue.clone(),
                    lobby: self.id,
                },
            })
            .collect();
        events.push(self.state_event());
        events
    }

    /// The `LobbyChanged` event for the current state.
    #[must_use]
    pub fn state_event(&self) -> Event {
        Event {
            at: self.updated_at,
            kind: EventKind::LobbyChanged {
                lobby: self.id,
                queue: self.queue.clone(),
                phase: self.phase(),
                players: self.players().collect(),
            },
        }
    }
}
