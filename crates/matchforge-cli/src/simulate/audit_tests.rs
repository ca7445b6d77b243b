//! The ledger on hand-fed events: a consistent history leaves every counter
//! at zero; each kind of inconsistency moves the counter it should.

use chrono::{DateTime, TimeZone, Utc};
use matchforge::PlayerStatus;
use matchforge::event::Event;
use matchforge::ids::{LobbyId, TicketId};
use matchforge::lobby::Lobby;
use matchforge::matcher::{MatchProposal, MatchQuality, Seat};
use matchforge::rating::{PartyRating, Rating};
use matchforge::ticket::{Attributes, Ticket, TicketPlayer};

use super::{Ledger, Notice};
use crate::simulate::population::Population;
use crate::simulate::scenario::Scenario;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

struct Fixture {
    ledger: Ledger,
    population: Population,
    notices: Vec<Notice>,
}

impl Fixture {
    fn new() -> Self {
        let profile = Scenario::Ranked1v1.profile();
        let population = Population::generate(&profile, 6, 1);
        Self {
            ledger: Ledger::new(
                profile.settings.config().spec().clone(),
                Rating::default(),
                6,
            ),
            population,
            notices: Vec::new(),
        }
    }

    /// Player `p` queues (as the world does: join, then the event).
    fn join(&mut self, p: u32, secs: i64) -> Ticket {
        let attributes = Attributes::new().with_string("input", "kbm");
        let ticket = Ticket::builder(
            TicketId::from_u128(100 + u128::from(p)),
            "ranked-1v1".into(),
            at(secs),
        )
        .player(TicketPlayer::new(Population::id(p), Rating::default()))
        .attributes(attributes.clone())
        .build(&PartyRating::Average)
        .unwrap();
        self.ledger.joined(&ticket, &[p], attributes, at(secs));
        self.feed(Event::queued(&ticket), secs);
        ticket
    }

    fn feed(&mut self, event: Event, secs: i64) {
        self.ledger
            .apply(event, &self.population, at(secs), &mut self.notices);
    }

    /// A step at `secs` that matched `a` against `b` in lobby `id`.
    fn step(&mut self, id: u128, a: &Ticket, b: &Ticket, secs: i64) -> Lobby {
        let seats = [a, b]
            .iter()
            .enumerate()
            .map(|(team, t)| Seat {
                player: t.players()[0].id,
                ticket: t.id(),
                team: team as u16,
                role: None,
            })
            .collect();
        let proposal = MatchProposal {
            seats,
            region: None,
            quality: MatchQuality {
                rating_spread: 0.0,
                team_imbalance: 0.0,
                imbalance_lower_bound: 0.0,
                win_probability: 0.5,
                longest_wait: std::time::Duration::ZERO,
            },
        };
        let mut lobby = Lobby::new(
            LobbyId::from_u128(id),
            "ranked-1v1".into(),
            proposal,
            vec![a.clone(), b.clone()],
            at(secs),
        )
        .unwrap();
        lobby.open_acceptance(at(secs + 20), at(secs)).unwrap();
        self.ledger.step_lobbies([lobby.clone()]);
        for event in lobby.commit_events() {
            self.feed(event, secs);
        }
        self.ledger.settle();
        lobby
    }

    fn counters(&self) -> (u64, u64, u64) {
        (
            self.ledger.rule_violations,
            self.ledger.double_assigned,
            self.ledger.lost_players(),
        )
    }
}

#[test]
fn a_consistent_history_is_clean() {
    let mut f = Fixture::new();
    let (a, b) = (f.join(0, 0), f.join(1, 1));
    let mut lobby = f.step(7, &a, &b, 2);
    assert!(matches!(f.notices.as_slice(), [Notice::LobbyOpened(l)] if l.id() == lobby.id()));
    // Player 0 accepts, player 1 declines: ticket 0 goes back, player 1 is out.
    f.ledger.accepted(lobby.id(), Population::id(0));
    lobby.accept(Population::id(0), at(3)).unwrap();
    let cancellation = lobby.decline(Population::id(1), at(4)).unwrap();
    f.feed(lobby.state_event(), 4);
    for t in &cancellation.requeue {
        f.feed(Event::requeued(t, at(4)), 4);
    }
    f.ledger.settle();
    assert!(
        matches!(f.notices.last(), Some(Notice::LobbyCancelled { dropped, removed, .. })
        if dropped == &[b.id()] && removed == &[1])
    );
    assert_eq!(f.ledger.census(), (1, 0, 0));
    f.ledger
        .reconcile(0, &PlayerStatus::Queued(Box::new(a.clone())));
    f.ledger.reconcile(1, &PlayerStatus::Idle);
    // Player 0's ticket expires later.
    f.feed(Event::expired(&a, at(400)), 400);
    assert_eq!(f.ledger.players_expired(), 1);
    assert_eq!(f.counters(), (0, 0, 0), "{:?}", f.ledger.problems);
}

#[test]
fn a_player_matched_twice_is_double_assigned() {
    let mut f = Fixture::new();
    let (a, b, c) = (f.join(0, 0), f.join(1, 0), f.join(2, 0));
    f.step(7, &a, &b, 2);
    // The next step matches ticket a again, although it sits in lobby 7.
    f.step(8, &a, &c, 4);
    assert_eq!(f.counters().1, 1, "{:?}", f.ledger.problems);
}

#[test]
fn a_ticket_that_vanishes_loses_its_player() {
    let mut f = Fixture::new();
    f.join(0, 0);
    // The store says player 0 is idle, though their ticket never left.
    f.ledger.reconcile(0, &PlayerStatus::Idle);
    assert_eq!(f.counters(), (0, 0, 1));
}

#[test]
fn a_requeue_that_never_comes_loses_the_players() {
    let mut f = Fixture::new();
    let (a, b) = (f.join(0, 0), f.join(1, 0));
    let mut lobby = f.step(7, &a, &b, 2);
    f.ledger.accepted(lobby.id(), Population::id(0));
    lobby.accept(Population::id(0), at(3)).unwrap();
    lobby.decline(Population::id(1), at(4)).unwrap();
    // The cancellation arrives without the requeue of ticket a.
    f.feed(lobby.state_event(), 4);
    f.ledger.settle();
    assert_eq!(f.counters(), (0, 0, 1));
}

#[test]
fn a_lobby_against_the_rules_is_a_violation() {
    let mut f = Fixture::new();
    let a = f.join(0, 0);
    // A 1500 against a 2000, far outside a fresh ticket's window.
    let attributes = Attributes::new().with_string("input", "kbm");
    let strong = Rating::new(2000.0, 50.0, 0.06).unwrap();
    f.ledger.rated_match(&[(Population::id(1), strong)]);
    let b = Ticket::builder(TicketId::from_u128(201), "ranked-1v1".into(), at(0))
        .player(TicketPlayer::new(Population::id(1), strong))
        .attributes(attributes.clone())
        .build(&PartyRating::Average)
        .unwrap();
    f.ledger.joined(&b, &[1], attributes, at(0));
    f.feed(Event::queued(&b), 0);
    f.step(7, &a, &b, 1);
    assert_eq!(f.counters(), (1, 0, 0), "{:?}", f.ledger.problems);
}

#[test]
fn a_ready_check_left_open_past_the_last_sweep_loses_its_players() {
    let mut f = Fixture::new();
    let (a, b) = (f.join(0, 0), f.join(1, 0));
    // Deadline at 22 s.
    let lobby = f.step(7, &a, &b, 2);
    let status = PlayerStatus::InLobby(Box::new(lobby.clone()));
    // A sweep before the deadline had nothing to do: the open check is fine.
    f.ledger.swept(at(21));
    f.ledger.reconcile(0, &status);
    assert_eq!(f.counters(), (0, 0, 0), "{:?}", f.ledger.problems);
    // A sweep at or after it should have cancelled the lobby.
    f.ledger.swept(at(22));
    f.ledger.reconcile(0, &status);
    f.ledger.reconcile(1, &status);
    assert_eq!(f.counters(), (0, 0, 2), "{:?}", f.ledger.problems);
    assert!(
        f.ledger.problems[0].contains("ready check was due"),
        "{:?}",
        f.ledger.problems
    );
}

#[test]
fn a_join_whose_ticket_never_shows_up_loses_its_players() {
    let mut f = Fixture::new();
    // The store took the join but kept nothing and logged nothing.
    let attributes = Attributes::new().with_string("input", "kbm");
    let ticket = Ticket::builder(TicketId::from_u128(300), "ranked-1v1".into(), at(0))
        .player(TicketPlayer::new(Population::id(0), Rating::default()))
        .attributes(attributes.clone())
        .build(&PartyRating::Average)
        .unwrap();
    f.ledger.joined(&ticket, &[0], attributes, at(0));
    f.ledger.settle();
    f.ledger.reconcile(0, &PlayerStatus::Idle);
    assert_eq!(f.counters(), (0, 0, 1), "{:?}", f.ledger.problems);
    assert!(
        f.ledger.problems[0].contains("TicketQueued event never came"),
        "{:?}",
        f.ledger.problems
    );
    assert!(
        !f.ledger.has_work(),
        "the lost ticket no longer counts as waiting"
    );
}

#[test]
fn a_lobby_with_a_stray_ticket_is_reported_without_a_panic_when_cancelled() {
    let mut f = Fixture::new();
    let a = f.join(0, 0);
    // Ticket 999 for player 2, which the simulator never queued.
    let stray = Ticket::builder(TicketId::from_u128(999), "ranked-1v1".into(), at(0))
        .player(TicketPlayer::new(Population::id(2), Rating::default()))
        .attributes(Attributes::new().with_string("input", "kbm"))
        .build(&PartyRating::Average)
        .unwrap();
    let mut lobby = f.step(7, &a, &stray, 2);
    // Player 2 accepts, player 0 declines: the stray ticket is sent back.
    f.ledger.accepted(lobby.id(), Population::id(2));
    lobby.accept(Population::id(2), at(3)).unwrap();
    let cancellation = lobby.decline(Population::id(0), at(4)).unwrap();
    f.feed(lobby.state_event(), 4);
    for t in &cancellation.requeue {
        f.feed(Event::requeued(t, at(4)), 4);
    }
    f.ledger.settle();
    let (violations, _, lost) = f.counters();
    assert!(violations >= 1, "{:?}", f.ledger.problems);
    assert!(lost >= 1, "{:?}", f.ledger.problems);
}

#[test]
fn a_ticket_matched_before_its_queued_event_is_reported_once() {
    let mut f = Fixture::new();
    // Ticket a is stored and matched, but its TicketQueued was never logged.
    let attributes = Attributes::new().with_string("input", "kbm");
    let a = Ticket::builder(TicketId::from_u128(300), "ranked-1v1".into(), at(0))
        .player(TicketPlayer::new(Population::id(0), Rating::default()))
        .attributes(attributes.clone())
        .build(&PartyRating::Average)
        .unwrap();
    f.ledger.joined(&a, &[0], attributes, at(0));
    let b = f.join(1, 1);
    f.step(7, &a, &b, 2);
    f.ledger.settle();
    assert_eq!(f.ledger.waiting, 0, "no ticket is left counted as waiting");
    assert!(
        f.ledger
            .problems
            .iter()
            .any(|p| p.contains("before its TicketQueued")),
        "{:?}",
        f.ledger.problems
    );
    assert_eq!(f.counters().2, 1, "{:?}", f.ledger.problems);
}
