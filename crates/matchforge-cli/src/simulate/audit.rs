//! The audit: the simulator's own account of every player, kept independently
//! of the runner.
//!
//! The [`Ledger`] follows the store's event log in order (the simulator drains
//! it after every runner step and every decline) together with what the
//! simulator itself did (tickets it queued, ready checks it accepted, results
//! it reported). Each player is `Idle`, `Waiting` on a ticket, `InLobby` or
//! `Playing`; each transition an event announces must start from the state the
//! ledger holds, and each new lobby is checked against the queue's rules
//! ([`check_lobby`]). Three counters come out, all of which must be zero:
//!
//! * `rule_violations`: rules broken by a lobby (one per lobby and rule);
//! * `double_assigned`: players placed in a lobby, or queued, while the
//!   ledger has them waiting on another ticket, in another lobby or playing;
//! * `lost_players`: players the runner and the ledger disagree about — an
//!   event for a ticket or lobby the simulator does not know, a requeue the
//!   cancellation did not imply or one that did not happen, and, at the end,
//!   any player whose status in the store differs from the ledger's.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use matchforge::PlayerStatus;
use matchforge::event::{Event, EventKind};
use matchforge::ids::{LobbyId, PlayerId, TicketId};
use matchforge::lobby::{Lobby, LobbyPhase};
use matchforge::queue::QueueSpec;
use matchforge::rating::Rating;
use matchforge::ticket::{Attributes, Ticket};

use super::population::Population;
use super::rules::{TicketFacts, check_lobby};

/// At most this many problems are kept word for word (all are counted).
const KEPT: usize = 20;

/// Where the ledger has a player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlayerState {
    /// Neither waiting nor in an unfinished lobby.
    Idle,
    /// Waiting on this ticket.
    Waiting(TicketId),
    /// Their lobby was cancelled and the ticket is due back in the queue.
    Requeuing(TicketId),
    /// In this lobby, before the match starts.
    InLobby(LobbyId),
    /// Playing the match of this (dispatched) lobby.
    Playing(LobbyId),
}

#[derive(Debug)]
struct TicketRecord {
    players: Vec<u32>,
    attributes: Attributes,
    enqueued_at: DateTime<Utc>,
    /// Whether its `TicketQueued` event was seen.
    queued: bool,
}

#[derive(Debug)]
struct LobbyRecord {
    lobby: Lobby,
    phase: LobbyPhase,
    accepted: BTreeSet<PlayerId>,
}

/// Something the world must react to.
#[derive(Debug)]
pub(super) enum Notice {
    /// The runner created this lobby (its ready check is open).
    LobbyOpened(Lobby),
    /// A ticket waited too long.
    TicketExpired(TicketId),
    /// A lobby was cancelled during its ready check: its tickets whose
    /// players all accepted wait again, the `dropped` ones left the queue;
    /// `removed` players (who declined or never answered) are on the queue's
    /// cooldown from `at`.
    LobbyCancelled {
        lobby: LobbyId,
        dropped: Vec<TicketId>,
        removed: Vec<u32>,
        at: DateTime<Utc>,
    },
}

/// The simulator's account of every player; see the module docs.
#[derive(Debug)]
pub(super) struct Ledger {
    spec: QueueSpec,
    initial: Rating,
    players: Vec<PlayerState>,
    ratings: Vec<Option<Rating>>,
    tickets: HashMap<TicketId, TicketRecord>,
    lobbies: HashMap<LobbyId, LobbyRecord>,
    /// Lobbies the last step reported, until their events are read.
    fresh: HashMap<LobbyId, Lobby>,
    /// Tickets a cancellation sent back, until their `TicketRequeued` is read.
    requeuing: BTreeSet<TicketId>,
    /// Tickets the simulator queued, until their `TicketQueued` is read.
    unannounced: BTreeSet<TicketId>,
    waiting: usize,
    open_checks: usize,
    ever_expired: Vec<bool>,
    /// When the last successful runner step swept the ready checks.
    swept_at: Option<DateTime<Utc>>,
    pub(super) rule_violations: u64,
    pub(super) double_assigned: u64,
    lost: BTreeSet<u32>,
    /// The first problems, word for word.
    pub(super) problems: Vec<String>,
}

impl Ledger {
    /// Everyone idle and unrated.
    pub(super) fn new(spec: QueueSpec, initial: Rating, players: usize) -> Self {
        Self {
            spec,
            initial,
            players: vec![PlayerState::Idle; players],
            ratings: vec![None; players],
            tickets: HashMap::new(),
            lobbies: HashMap::new(),
            fresh: HashMap::new(),
            requeuing: BTreeSet::new(),
            unannounced: BTreeSet::new(),
            waiting: 0,
            open_checks: 0,
            ever_expired: vec![false; players],
            swept_at: None,
            rule_violations: 0,
            double_assigned: 0,
            lost: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    fn note(&mut self, problem: String) {
        if self.problems.len() < KEPT {
            self.problems.push(problem);
        }
    }

    fn lose(&mut self, player: u32, why: &str) {
        if self.lost.insert(player) {
            self.note(format!("player {player} unaccounted for: {why}"));
        }
    }

    fn index(&self, id: PlayerId) -> Option<u32> {
        let n = id.as_uuid().as_u128().checked_sub(1)?;
        u32::try_from(n)
            .ok()
            .filter(|&i| (i as usize) < self.players.len())
    }

    /// Whether a runner step can do anything: tickets wait (queued, or about
    /// to be) or ready checks run.
    pub(super) fn has_work(&self) -> bool {
        self.waiting > 0 || self.open_checks > 0
    }

    /// A player's current rating value (points or μ).
    pub(super) fn rating(&self, player: u32) -> Rating {
        self.ratings[player as usize].unwrap_or(self.initial)
    }

    /// Whether a player has played a rated match.
    pub(super) fn rated(&self, player: u32) -> bool {
        self.ratings[player as usize].is_some()
    }

    /// When the simulator queued `ticket`.
    pub(super) fn enqueued_at(&self, ticket: TicketId) -> Option<DateTime<Utc>> {
        self.tickets.get(&ticket).map(|t| t.enqueued_at)
    }

    /// The simulator queued `ticket` for `members` (its event comes later).
    pub(super) fn joined(
        &mut self,
        ticket: &Ticket,
        members: &[u32],
        attributes: Attributes,
        at: DateTime<Utc>,
    ) {
        let players: Vec<u32> = ticket.player_ids().filter_map(|p| self.index(p)).collect();
        if players != members {
            for &m in members {
                self.lose(m, "the ticket returned by join holds other players");
            }
        }
        self.waiting += 1;
        self.unannounced.insert(ticket.id());
        self.tickets.insert(
            ticket.id(),
            TicketRecord {
                players: members.to_vec(),
                attributes,
                enqueued_at: at,
                queued: false,
            },
        );
    }

    /// `player` accepted `lobby`'s ready check.
    pub(super) fn accepted(&mut self, lobby: LobbyId, player: PlayerId) {
        if let Some(record) = self.lobbies.get_mut(&lobby) {
            record.accepted.insert(player);
        }
    }

    /// The rating changes of a reported match.
    pub(super) fn rated_match(&mut self, changes: &[(PlayerId, Rating)]) {
        for (id, after) in changes {
            if let Some(i) = self.index(*id) {
                self.ratings[i as usize] = Some(*after);
            }
        }
    }

    /// Lobbies a runner step reported, before its events are read.
    pub(super) fn step_lobbies(&mut self, lobbies: impl IntoIterator<Item = Lobby>) {
        self.fresh.extend(lobbies.into_iter().map(|l| (l.id(), l)));
    }

    /// Applies one event of the log; `now` is the simulated time of the drain.
    pub(super) fn apply(
        &mut self,
        event: Event,
        population: &Population,
        now: DateTime<Utc>,
        notices: &mut Vec<Notice>,
    ) {
        match event.kind {
            EventKind::TicketQueued {
                ticket, players, ..
            } => self.queued(ticket, &players),
            EventKind::TicketExpired { ticket, .. } => {
                if let Some(players) = self.leave_queue(ticket, "expired") {
                    for p in players {
                        self.ever_expired[p as usize] = true;
                    }
                    notices.push(Notice::TicketExpired(ticket));
                }
            }
            EventKind::TicketCancelled { ticket, .. } => {
                // The simulator never withdraws a waiting ticket.
                if let Some(players) = self.leave_queue(ticket, "cancelled") {
                    for p in players {
                        self.lose(p, "a ticket was withdrawn that nobody withdrew");
                    }
                }
            }
            EventKind::TicketMatched { ticket, lobby, .. } => self.matched(ticket, lobby),
            EventKind::TicketRequeued { ticket, .. } => self.requeued(ticket),
            EventKind::LobbyChanged {
                lobby,
                phase,
                players,
                ..
            } => {
                self.lobby_changed(lobby, phase, &players, event.at, population, now, notices);
            }
            _ => {}
        }
    }

    fn queued(&mut self, ticket: TicketId, players: &[PlayerId]) {
        let Some(record) = self.tickets.get_mut(&ticket).filter(|r| !r.queued) else {
            for p in players
                .iter()
                .filter_map(|&p| self.index(p))
                .collect::<Vec<_>>()
            {
                self.lose(p, "queued on a ticket the simulator did not make");
            }
            return;
        };
        record.queued = true;
        self.unannounced.remove(&ticket);
        for p in record.players.clone() {
            if self.players[p as usize] != PlayerState::Idle {
                self.double_assigned += 1;
                let was = self.players[p as usize];
                self.note(format!("player {p} queued on {ticket} while {was:?}"));
            }
            self.players[p as usize] = PlayerState::Waiting(ticket);
        }
    }

    /// A waiting ticket leaves the queue (expired or cancelled): its players,
    /// now idle, or `None` if the ledger did not have it waiting.
    fn leave_queue(&mut self, ticket: TicketId, how: &str) -> Option<Vec<u32>> {
        let waiting = |r: &TicketRecord, players: &[PlayerState]| {
            r.queued
                && r.players
                    .iter()
                    .all(|&p| players[p as usize] == PlayerState::Waiting(ticket))
        };
        match self.tickets.get(&ticket) {
            Some(r) if waiting(r, &self.players) => {
                let record = self.tickets.remove(&ticket)?;
                self.waiting -= 1;
                for &p in &record.players {
                    self.players[p as usize] = PlayerState::Idle;
                }
                Some(record.players)
            }
            Some(r) => {
                for p in r.players.clone() {
                    self.lose(p, &format!("ticket {how} while not waiting"));
                }
                None
            }
            None => {
                self.note(format!("unknown ticket {ticket} {how}"));
                self.lost.insert(u32::MAX);
                None
            }
        }
    }

    fn matched(&mut self, ticket: TicketId, lobby: LobbyId) {
        let in_lobby = self
            .fresh
            .get(&lobby)
            .is_some_and(|l| l.ticket_ids().any(|t| t == ticket));
        let Some(record) = self.tickets.get(&ticket) else {
            self.note(format!("unknown ticket {ticket} matched into {lobby}"));
            self.lost.insert(u32::MAX);
            return;
        };
        let players = record.players.clone();
        if self.unannounced.remove(&ticket) {
            self.note(format!(
                "ticket {ticket} matched into {lobby} before its TicketQueued event"
            ));
            self.lost.insert(u32::MAX);
        }
        if !in_lobby {
            for &p in &players {
                self.lose(p, "matched into a lobby no step reported");
            }
        }
        self.waiting = self.waiting.saturating_sub(1);
        for p in players {
            let was = self.players[p as usize];
            if was != PlayerState::Waiting(ticket) {
                self.double_assigned += 1;
                self.note(format!(
                    "player {p} matched on {ticket} into {lobby} while {was:?}"
                ));
            }
            self.players[p as usize] = PlayerState::InLobby(lobby);
        }
    }

    fn requeued(&mut self, ticket: TicketId) {
        if !self.requeuing.remove(&ticket) {
            let players = self
                .tickets
                .get(&ticket)
                .map(|r| r.players.clone())
                .unwrap_or_default();
            for p in players {
                self.lose(p, "requeued although the cancellation did not imply it");
            }
            return;
        }
        let Some(record) = self.tickets.get(&ticket) else {
            self.note(format!("unknown ticket {ticket} requeued"));
            self.lost.insert(u32::MAX);
            return;
        };
        for p in record.players.clone() {
            self.players[p as usize] = PlayerState::Waiting(ticket);
        }
    }

    #[allow(clippy::too_many_arguments, reason = "one event's fields plus context")]
    fn lobby_changed(
        &mut self,
        id: LobbyId,
        phase: LobbyPhase,
        players: &[PlayerId],
        at: DateTime<Utc>,
        population: &Population,
        now: DateTime<Utc>,
        notices: &mut Vec<Notice>,
    ) {
        let Some(record) = self.lobbies.get_mut(&id) else {
            return self.opened(id, phase, players, population, now, notices);
        };
        let before = record.phase;
        record.phase = phase;
        if before == LobbyPhase::AwaitingAcceptance && phase != before {
            self.open_checks -= 1;
        }
        let move_players = |ledger: &mut Self, from: PlayerState, to: PlayerState| {
            for p in players
                .iter()
                .filter_map(|&p| ledger.index(p))
                .collect::<Vec<_>>()
            {
                if ledger.players[p as usize] != from {
                    ledger.lose(
                        p,
                        &format!("lobby {id} went {phase:?} while the player was elsewhere"),
                    );
                }
                ledger.players[p as usize] = to;
            }
        };
        match phase {
            LobbyPhase::Dispatched => {
                move_players(self, PlayerState::InLobby(id), PlayerState::Playing(id))
            }
            LobbyPhase::Completed => {
                move_players(self, PlayerState::Playing(id), PlayerState::Idle);
                if let Some(record) = self.lobbies.remove(&id) {
                    for t in record.lobby.ticket_ids() {
                        self.tickets.remove(&t);
                    }
                }
            }
            LobbyPhase::Cancelled => {
                if let Some(record) = self.lobbies.remove(&id) {
                    self.cancelled(record, before, at, notices);
                }
            }
            LobbyPhase::Forming | LobbyPhase::AwaitingAcceptance | LobbyPhase::Ready => {}
        }
    }

    fn opened(
        &mut self,
        id: LobbyId,
        phase: LobbyPhase,
        players: &[PlayerId],
        population: &Population,
        now: DateTime<Utc>,
        notices: &mut Vec<Notice>,
    ) {
        let Some(lobby) = self.fresh.remove(&id) else {
            for p in players
                .iter()
                .filter_map(|&p| self.index(p))
                .collect::<Vec<_>>()
            {
                self.lose(p, "in a lobby no step reported");
            }
            return;
        };
        let facts: Vec<TicketFacts> = lobby
            .ticket_ids()
            .filter_map(|t| {
                let record = self.tickets.get(&t)?;
                Some(TicketFacts {
                    id: t,
                    players: record.players.iter().map(|&p| Population::id(p)).collect(),
                    ratings: record
                        .players
                        .iter()
                        .map(|&p| self.rating(p).rating())
                        .collect(),
                    roles: record
                        .players
                        .iter()
                        .map(|&p| population.roles(p).to_vec())
                        .collect(),
                    attributes: record.attributes.clone(),
                    enqueued_at: record.enqueued_at,
                })
            })
            .collect();
        let broken = check_lobby(&self.spec, &lobby, &facts, now);
        self.rule_violations += broken.len() as u64;
        for b in broken {
            self.note(format!("lobby {id}: {b}"));
        }
        if phase == LobbyPhase::AwaitingAcceptance {
            self.open_checks += 1;
        }
        self.lobbies.insert(
            id,
            LobbyRecord {
                lobby: lobby.clone(),
                phase,
                accepted: BTreeSet::new(),
            },
        );
        notices.push(Notice::LobbyOpened(lobby));
    }

    /// A cancelled lobby: during the ready check, tickets whose players all
    /// accepted go back to the queue, the others leave it; afterwards every
    /// ticket goes back.
    fn cancelled(
        &mut self,
        record: LobbyRecord,
        before: LobbyPhase,
        at: DateTime<Utc>,
        notices: &mut Vec<Notice>,
    ) {
        let (mut dropped, mut removed) = (Vec::new(), Vec::new());
        for ticket in record.lobby.tickets() {
            if !self.tickets.contains_key(&ticket.id()) {
                // Counted as a rule violation when the lobby opened; its
                // players were never the ledger's to send anywhere.
                self.note(format!(
                    "lobby {} cancelled with ticket {}, which the simulator did not queue",
                    record.lobby.id(),
                    ticket.id()
                ));
                self.lost.insert(u32::MAX);
                continue;
            }
            let all = ticket.player_ids().all(|p| record.accepted.contains(&p));
            let players: Vec<u32> = ticket.player_ids().filter_map(|p| self.index(p)).collect();
            if all || before != LobbyPhase::AwaitingAcceptance {
                for &p in &players {
                    self.players[p as usize] = PlayerState::Requeuing(ticket.id());
                }
                self.requeuing.insert(ticket.id());
                self.waiting += 1;
            } else {
                for &p in &players {
                    self.players[p as usize] = PlayerState::Idle;
                }
                removed.extend(
                    ticket
                        .player_ids()
                        .filter(|p| !record.accepted.contains(p))
                        .filter_map(|p| self.index(p)),
                );
                self.tickets.remove(&ticket.id());
                dropped.push(ticket.id());
            }
        }
        notices.push(Notice::LobbyCancelled {
            lobby: record.lobby.id(),
            dropped,
            removed,
            at,
        });
    }

    /// Drops the records of `tickets`, counted as waiting but whose events
    /// never came: their players are idle and lost, for `why`.
    fn forget(&mut self, tickets: BTreeSet<TicketId>, why: &str) {
        for ticket in tickets {
            let Some(record) = self.tickets.remove(&ticket) else {
                continue;
            };
            self.waiting = self.waiting.saturating_sub(1);
            for p in record.players {
                self.players[p as usize] = PlayerState::Idle;
                self.lose(p, why);
            }
        }
    }

    /// After a drain: tickets queued or requeued whose events never came,
    /// lobbies never announced. (A join appends its event as it stores the
    /// ticket, so a drain after it reads the event.)
    pub(super) fn settle(&mut self) {
        let unannounced = std::mem::take(&mut self.unannounced);
        self.forget(
            unannounced,
            "joined, but its ticket's TicketQueued event never came",
        );
        let requeuing = std::mem::take(&mut self.requeuing);
        self.forget(
            requeuing,
            "its ticket was due back in the queue but never came",
        );
        for (_, lobby) in std::mem::take(&mut self.fresh) {
            for p in lobby
                .players()
                .filter_map(|p| self.index(p))
                .collect::<Vec<_>>()
            {
                self.lose(p, "a step reported a lobby whose events never came");
            }
        }
    }

    /// A runner step at `at` succeeded: it swept every ready check due by
    /// then.
    pub(super) fn swept(&mut self, at: DateTime<Utc>) {
        self.swept_at = Some(at);
    }

    /// Compares the store's status of player `p` with the ledger's, and
    /// checks that a ready check `p` waits on was not due by the last sweep
    /// (one the runner failed on would hold its players for good, while the
    /// ledger and the store agree where they are).
    pub(super) fn reconcile(&mut self, p: u32, status: &PlayerStatus) {
        let agree = match (self.players[p as usize], status) {
            (PlayerState::Idle, PlayerStatus::Idle) => true,
            (PlayerState::Waiting(t), PlayerStatus::Queued(ticket)) => ticket.id() == t,
            (PlayerState::InLobby(l), PlayerStatus::InLobby(lobby)) => {
                lobby.id() == l
                    && matches!(
                        lobby.phase(),
                        LobbyPhase::AwaitingAcceptance | LobbyPhase::Ready
                    )
            }
            (PlayerState::Playing(l), PlayerStatus::InLobby(lobby)) => {
                lobby.id() == l && lobby.phase() == LobbyPhase::Dispatched
            }
            _ => false,
        };
        if !agree {
            let mine = self.players[p as usize];
            let theirs = match status {
                PlayerStatus::Idle => "idle".to_owned(),
                PlayerStatus::Queued(t) => format!("queued on {}", t.id()),
                PlayerStatus::InLobby(l) => format!("in lobby {} ({})", l.id(), l.phase().as_str()),
            };
            self.lose(
                p,
                &format!("the ledger has {mine:?}, the store says {theirs}"),
            );
            return;
        }
        if let PlayerStatus::InLobby(lobby) = status
            && lobby.phase() == LobbyPhase::AwaitingAcceptance
            && let (Some(deadline), Some(swept)) = (lobby.deadline(), self.swept_at)
            && deadline <= swept
        {
            self.lose(
                p,
                &format!(
                    "lobby {}'s ready check was due at {deadline} but still open after the sweep at {swept}",
                    lobby.id()
                ),
            );
        }
    }

    /// How many players are in each state: (waiting, in a lobby, playing).
    pub(super) fn census(&self) -> (u64, u64, u64) {
        let mut counts = (0, 0, 0);
        for s in &self.players {
            match s {
                PlayerState::Waiting(_) | PlayerState::Requeuing(_) => counts.0 += 1,
                PlayerState::InLobby(_) => counts.1 += 1,
                PlayerState::Playing(_) => counts.2 += 1,
                PlayerState::Idle => {}
            }
        }
        counts
    }

    /// Players whose ticket expired at least once.
    pub(super) fn players_expired(&self) -> u64 {
        self.ever_expired.iter().filter(|&&e| e).count() as u64
    }

    /// Players unaccounted for (events about unknown tickets count once).
    pub(super) fn lost_players(&self) -> u64 {
        self.lost.len() as u64
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
