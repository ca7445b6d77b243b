//! The lobby and party state machines: every legal move, every illegal one
//! refused without changing anything.

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::ids::{LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::{CancelReason, Lobby, LobbyPhase, LobbyState, MatchResult};
use matchforge_core::matcher::{MatchProposal, MatchQuality, Seat};
use matchforge_core::party::{Departure, Party};
use matchforge_core::ports::LobbyUpdate;
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Ticket, TicketPlayer};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

fn p(n: u128) -> PlayerId {
    PlayerId::from_u128(n)
}

fn rating() -> Rating {
    Rating::new(1500.0, 80.0, 0.06).unwrap()
}

/// Player `n`'s solo ticket (ticket id `n`) in the "duo" queue, queued at `at`.
fn solo(n: u128, at: DateTime<Utc>) -> Ticket {
    Ticket::builder(TicketId::from_u128(n), QueueName::new("duo"), at)
        .player(TicketPlayer::new(p(n), rating()))
        .build(&PartyRating::Average)
        .unwrap()
}

/// A 2v2 lobby: a party of players 1 and 2 against solos 3 and 4.
fn lobby() -> Lobby {
    let q = QueueName::new("duo");
    let rating = rating();
    let party = Ticket::builder(TicketId::from_u128(1), q.clone(), t(0))
        .party(PartyId::from_u128(1))
        .players([
            TicketPlayer::new(p(1), rating),
            TicketPlayer::new(p(2), rating),
        ])
        .build(&PartyRating::Average)
        .unwrap();
    let tickets = vec![party, solo(3, t(0)), solo(4, t(0))];
    let seat = |player: u128, ticket: u128, team: u16| Seat {
        player: p(player),
        ticket: TicketId::from_u128(ticket),
        team,
        role: None,
    };
    let proposal = MatchProposal {
        seats: vec![seat(1, 1, 0), seat(2, 1, 0), seat(3, 3, 1), seat(4, 4, 1)],
        region: None,
        quality: MatchQuality {
            rating_spread: 0.0,
            team_imbalance: 0.0,
            imbalance_lower_bound: 0.0,
            win_probability: 0.5,
            longest_wait: std::time::Duration::ZERO,
        },
    };
    Lobby::new(LobbyId::from_u128(9), q, proposal, tickets, t(10)).unwrap()
}

/// Every action on a lobby in every phase: allowed or refused, and a refusal
/// leaves the lobby as it was.
#[test]
fn transition_table() {
    type Action = fn(&mut Lobby) -> Result<(), Error>;
    let actions: [(&str, Action); 7] = [
        ("open", |l| l.open_acceptance(t(40), t(11))),
        ("skip", |l| l.skip_acceptance(t(11))),
        ("accept", |l| l.accept(p(1), t(12)).map(|_| ())),
        ("decline", |l| l.decline(p(1), t(12)).map(|_| ())),
        ("dispatch", |l| l.dispatch("s1", t(13))),
        ("complete", |l| l.complete(MatchResult::winner(0, 2), t(14))),
        ("cancel", |l| l.cancel("ops", t(15)).map(|_| ())),
    ];
    // The lobby in each phase, reached through legal moves.
    let forming = lobby();
    let mut awaiting = lobby();
    awaiting.open_acceptance(t(40), t(11)).unwrap();
    let mut ready = lobby();
    ready.skip_acceptance(t(11)).unwrap();
    let mut dispatched = ready.clone();
    dispatched.dispatch("s1", t(12)).unwrap();
    let mut completed = dispatched.clone();
    completed
        .complete(MatchResult::winner(1, 2), t(13))
        .unwrap();
    let mut cancelled = lobby();
    cancelled.cancel("ops", t(11)).unwrap();
    let table: [(&Lobby, [bool; 7]); 6] = [
        //                 open   skip   accept decline dispatch complete cancel
        (&forming, [true, true, false, false, false, false, true]),
        (&awaiting, [false, false, true, true, false, false, true]),
        // An accept once Ready is a harmless repeat (see the test below).
        (&ready, [false, false, true, false, true, false, true]),
        (&dispatched, [false, false, false, false, false, true, true]),
        (
            &completed,
            [false, false, false, false, false, false, false],
        ),
        (
            &cancelled,
            [false, false, false, false, false, false, false],
        ),
    ];
    for (start, allowed) in table {
        for ((name, action), allowed) in actions.iter().zip(allowed) {
            let mut l = start.clone();
            let result = action(&mut l);
            assert_eq!(
                result.is_ok(),
                allowed,
                "{name} in {:?}: {result:?}",
                start.phase()
            );
            if !allowed {
                assert_eq!(&l, start, "a refused {name} changed the lobby");
            }
        }
    }
}

#[test]
fn everyone_accepting_makes_it_ready() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    for (n, last) in [(1, false), (2, false), (3, false), (1, false), (4, true)] {
        assert_eq!(l.accept(p(n), t(12)).unwrap(), last);
    }
    assert_eq!(l.phase(), LobbyPhase::Ready);
    assert!(matches!(
        l.accept(p(99), t(12)),
        Err(Error::NotInLobby { .. })
    ));
}

#[test]
fn accepting_after_the_deadline_is_refused() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    assert!(matches!(
        l.accept(p(1), t(41)),
        Err(Error::IllegalTransition { .. })
    ));
    // ... and timing out before it is refused too.
    assert!(l.expire_acceptance(t(39)).is_err());
    assert_eq!(l.phase(), LobbyPhase::AwaitingAcceptance);
}

/// The rules every store applies to a lobby update before it looks at the
/// rest of the store, each broken on its own, in the order they are checked.
#[test]
fn lobby_updates_are_checked_against_the_stored_lobby() {
    let stored = lobby();
    let mut cancelled = stored.clone();
    let out = cancelled.cancel("ops", t(11)).unwrap();
    let own = out.requeue[0].clone();
    let kind = |r: Result<bool, Error>| match r {
        Ok(finishing) => format!("ok {finishing}"),
        Err(Error::Conflict(_)) => "conflict".to_owned(),
        Err(Error::InvalidTicket(m)) => format!("invalid: {m}"),
        Err(Error::IllegalTransition { action, .. }) => format!("illegal: {action}"),
        Err(e) => format!("other: {e}"),
    };
    // A state change alone, and the finishing update with its requeues.
    let ready = ready_again(&stored);
    assert_eq!(
        kind(LobbyUpdate::new(ready.clone(), 1).check_against(&stored, 1)),
        "ok false"
    );
    let mut finish = LobbyUpdate::new(cancelled.clone(), 1);
    finish.requeue = out.requeue.clone();
    assert_eq!(kind(finish.check_against(&stored, 1)), "ok true");
    // 1. Someone else updated it first.
    assert_eq!(kind(finish.check_against(&stored, 2)), "conflict");
    // 2. The same ticket ids, but one ticket changed (queued at another time).
    let changed = Lobby::new(
        LobbyId::from_u128(9),
        QueueName::new("duo"),
        stored.proposal().clone(),
        {
            let mut tickets = stored.tickets().to_vec();
            tickets[1] = solo(3, t(5));
            tickets
        },
        t(10),
    )
    .unwrap();
    assert!(kind(LobbyUpdate::new(changed, 1).check_against(&stored, 1)).contains("cannot change"));
    // ... nor the seats (the same tickets, the teams swapped).
    let mut swapped = stored.proposal().clone();
    for seat in &mut swapped.seats {
        seat.team = 1 - seat.team;
    }
    let reseated = Lobby::new(
        stored.id(),
        stored.queue().clone(),
        swapped,
        stored.tickets().to_vec(),
        t(10),
    )
    .unwrap();
    assert!(
        kind(LobbyUpdate::new(reseated, 1).check_against(&stored, 1))
            .contains("queue, tickets or seats")
    );
    // 3. A finished lobby does not reopen, nor finish again another way or
    // the same way, and phases move forward only.
    assert_eq!(
        kind(LobbyUpdate::new(ready.clone(), 2).check_against(&cancelled, 2)),
        "illegal: reopen a finished lobby"
    );
    let mut completed = ready.clone();
    completed.dispatch("srv", t(12)).unwrap();
    completed
        .complete(MatchResult::winner(0, 2), t(13))
        .unwrap();
    assert_eq!(
        kind(LobbyUpdate::new(completed.clone(), 2).check_against(&cancelled, 2)),
        "illegal: update a finished lobby"
    );
    assert_eq!(
        kind(LobbyUpdate::new(cancelled.clone(), 2).check_against(&completed, 2)),
        "illegal: update a finished lobby"
    );
    assert_eq!(
        kind(LobbyUpdate::new(cancelled.clone(), 2).check_against(&cancelled, 2)),
        "illegal: update a finished lobby"
    );
    assert_eq!(
        kind(LobbyUpdate::new(stored.clone(), 2).check_against(&ready, 2)),
        "illegal: move a lobby back to an earlier phase"
    );
    // Forward by more than one phase, and cancelled from anywhere, is fine.
    assert_eq!(
        kind(LobbyUpdate::new(completed, 1).check_against(&stored, 1)),
        "ok true"
    );
    assert_eq!(
        kind(LobbyUpdate::new(cancelled.clone(), 2).check_against(&ready, 2)),
        "ok true"
    );
    // 4. Requeues: only when finishing, only its own tickets, each once.
    let mut early = LobbyUpdate::new(ready_again(&stored), 1);
    early.requeue = vec![own.clone()];
    assert!(kind(early.check_against(&stored, 1)).contains("only by the update that finishes"));
    let mut foreign = finish.clone();
    foreign.requeue.push(solo(77, t(0)));
    assert!(kind(foreign.check_against(&stored, 1)).contains("is not one of its own"));
    let mut twice = finish.clone();
    twice.requeue.push(own);
    assert!(kind(twice.check_against(&stored, 1)).contains("requeued twice"));
    // An earlier rule wins over a later one: a stale version with bad requeues
    // is a conflict.
    assert_eq!(kind(twice.check_against(&stored, 5)), "conflict");
}

/// `lobby` moved on to ready (not finished).
fn ready_again(lobby: &Lobby) -> Lobby {
    let mut ready = lobby.clone();
    ready.skip_acceptance(t(11)).unwrap();
    ready
}

#[test]
fn a_decline_requeues_whole_tickets_whose_players_all_accepted() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    l.accept(p(1), t(12)).unwrap();
    l.accept(p(3), t(12)).unwrap();
    // Player 2 declines: the party ticket (1+2) is out, although 1 accepted.
    let out = l.decline(p(2), t(13)).unwrap();
    let requeued: Vec<TicketId> = out.requeue.iter().map(Ticket::id).collect();
    assert_eq!(requeued, vec![TicketId::from_u128(3)]);
    assert_eq!(out.removed, vec![p(2), p(4)]);
    assert!(matches!(
        l.state(),
        LobbyState::Cancelled { reason: CancelReason::Declined { player } } if *player == p(2)
    ));
    // Requeued tickets keep their original enqueue time.
    assert_eq!(out.requeue[0].enqueued_at(), t(0));
}

#[test]
fn a_timeout_names_who_never_answered() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    for n in [1, 2, 3] {
        l.accept(p(n), t(12)).unwrap();
    }
    let out = l.expire_acceptance(t(40)).unwrap();
    assert_eq!(out.removed, vec![p(4)]);
    assert_eq!(out.requeue.len(), 2);
    assert!(matches!(
        l.state(),
        LobbyState::Cancelled { reason: CancelReason::AcceptanceTimeout { missing } } if missing == &vec![p(4)]
    ));
}

/// An abort during the ready check, before its deadline, blames nobody: every
/// ticket returns with its original enqueue time, whoever had answered.
#[test]
fn an_abort_during_the_ready_check_requeues_every_ticket() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    l.accept(p(1), t(12)).unwrap();
    l.accept(p(3), t(12)).unwrap();
    let out = l.cancel("game server crashed", t(13)).unwrap();
    assert_eq!(out.requeue, lobby().tickets().to_vec());
    assert!(
        out.requeue
            .iter()
            .all(|ticket| ticket.enqueued_at() == t(0))
    );
    assert!(
        out.removed.is_empty(),
        "nobody is removed: {:?}",
        out.removed
    );
    assert!(matches!(
        l.state(),
        LobbyState::Cancelled { reason: CancelReason::Aborted { reason } } if reason == "game server crashed"
    ));
    // Up to just before the deadline, while answers still count.
    let mut open = lobby();
    open.open_acceptance(t(40), t(11)).unwrap();
    let out = open
        .clone()
        .cancel("ops", t(40) - Duration::milliseconds(1))
        .unwrap();
    assert_eq!((out.requeue.len(), out.removed.len()), (3, 0));
    // At the deadline itself the ready check has timed out (the instant
    // `lobbies_due` lists the lobby): nobody answered, nobody returns.
    let out = open.cancel("ops", t(40)).unwrap();
    assert_eq!((out.requeue.len(), out.removed.len()), (0, 4));
}

/// Past the deadline the ready check has timed out, whether or not the
/// sweep has seen it yet: an abort then keeps the timeout's consequences.
#[test]
fn an_abort_past_the_ready_check_deadline_is_the_timeout() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    for n in [1, 2, 3] {
        l.accept(p(n), t(12)).unwrap();
    }
    let mut timed_out = l.clone();
    let timeout = timed_out.expire_acceptance(t(41)).unwrap();
    let out = l.cancel("ops", t(41)).unwrap();
    assert_eq!(out, timeout);
    assert_eq!(out.removed, vec![p(4)]);
    assert!(matches!(
        l.state(),
        LobbyState::Cancelled { reason: CancelReason::Aborted { reason } } if reason == "ops"
    ));
}

#[test]
fn results_must_match_the_teams() {
    let mut l = lobby();
    l.skip_acceptance(t(11)).unwrap();
    l.dispatch("s1", t(12)).unwrap();
    assert!(matches!(
        l.complete(MatchResult::ranks([1, 2, 3]), t(13)),
        Err(Error::InvalidResult(_))
    ));
    // No rank 1: 0-based ranks, or a winner that is not one of the teams.
    for result in [MatchResult::ranks([0, 1]), MatchResult::winner(2, 2)] {
        assert!(matches!(
            l.complete(result, t(13)),
            Err(Error::InvalidResult(m)) if m.contains("the best team's rank must be 1")
        ));
    }
    assert!(l.dispatch("", t(12)).is_err());
    l.complete(MatchResult::draw(2), t(13)).unwrap();
    assert_eq!(l.phase(), LobbyPhase::Completed);
}

#[test]
fn a_lobby_that_does_not_match_its_tickets_is_refused_even_from_storage() {
    let l = lobby();
    let mut json: serde_json::Value = serde_json::to_value(&l).unwrap();
    assert_eq!(serde_json::from_value::<Lobby>(json.clone()).unwrap(), l);
    // Drop a ticket: its players still sit in the proposal.
    json["tickets"].as_array_mut().unwrap().pop();
    assert!(serde_json::from_value::<Lobby>(json).is_err());
}

#[test]
fn parties_hand_over_leadership_and_dissolve_when_empty() {
    let mut party = Party::new(PartyId::from_u128(1), p(1), 3, t(0)).unwrap();
    // Only the leader invites; only the invited join; a full party refuses.
    assert!(matches!(
        party.invite(p(2), p(3)),
        Err(Error::PartyRule { .. })
    ));
    assert!(matches!(party.join(p(2)), Err(Error::PartyRule { .. })));
    party.invite(p(1), p(2)).unwrap();
    party.invite(p(1), p(3)).unwrap();
    party.join(p(2)).unwrap();
    party.join(p(3)).unwrap();
    assert!(matches!(
        party.invite(p(1), p(4)),
        Err(Error::PartyFull { .. })
    ));
    // Kick and promote are the leader's.
    assert!(matches!(
        party.kick(p(2), p(3)),
        Err(Error::PartyRule { .. })
    ));
    assert!(party.kick(p(1), p(1)).is_err());
    party.promote(p(1), p(3)).unwrap();
    assert_eq!(party.leader(), p(3));
    party.kick(p(3), p(2)).unwrap();
    assert_eq!(party.members(), &[p(1), p(3)]);
    // The leader leaves: the longest-standing member leads.
    assert_eq!(
        party.leave(p(3)).unwrap(),
        Departure::Left {
            new_leader: Some(p(1))
        }
    );
    assert!(matches!(party.leave(p(3)), Err(Error::PartyRule { .. })));
    assert_eq!(party.leave(p(1)).unwrap(), Departure::Dissolved);
    assert!(Party::new(PartyId::from_u128(2), p(1), 0, t(0)).is_err());
}

/// Once its last member left, a party refuses every change.
#[test]
fn a_dissolved_party_refuses_every_change() {
    let mut party = Party::new(PartyId::from_u128(1), p(1), 3, t(0)).unwrap();
    party.invite(p(1), p(2)).unwrap();
    assert_eq!(party.leave(p(1)).unwrap(), Departure::Dissolved);
    assert!(party.members().is_empty());
    type Change = fn(&mut Party) -> Result<(), Error>;
    let changes: [(&str, Change); 7] = [
        ("invite", |x| x.invite(p(1), p(2))),
        ("join", |x| x.join(p(2))),
        ("decline invite", |x| x.decline_invite(p(2))),
        ("leave", |x| x.leave(p(1)).map(|_| ())),
        ("kick", |x| x.kick(p(1), p(2))),
        ("promote", |x| x.promote(p(1), p(1))),
        ("promote", |x| x.promote(p(1), p(2))),
    ];
    for (name, change) in changes {
        let mut after = party.clone();
        match change(&mut after) {
            Err(Error::PartyRule { reason, .. }) => {
                assert!(reason.contains("dissolved"), "{name}: {reason}");
            }
            other => panic!("{name} on a dissolved party: {other:?}"),
        }
        assert_eq!(after, party, "a refused {name} changed the party");
    }
    // The sequence that used to revive it.
    assert!(party.invite(p(1), p(2)).is_err());
    assert!(party.join(p(2)).is_err());
    assert!(party.members().is_empty());
}

fn player_json(n: u128) -> serde_json::Value {
    serde_json::to_value(p(n)).unwrap()
}

fn players_json(ns: &[u128]) -> serde_json::Value {
    ns.iter()
        .map(|&n| player_json(n))
        .collect::<Vec<_>>()
        .into()
}

/// A stored party must keep the invariants its operations keep; a dissolved
/// one (no members, no invitations) loads as it was saved.
#[test]
fn a_stored_party_is_checked_when_read() {
    let mut party = Party::new(PartyId::from_u128(1), p(1), 3, t(0)).unwrap();
    party.invite(p(1), p(2)).unwrap();
    party.invite(p(1), p(3)).unwrap();
    party.join(p(2)).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let reread = |edit: Edit| {
        let mut json = serde_json::to_value(&party).unwrap();
        edit(&mut json);
        serde_json::from_value::<Party>(json).map_err(|e| e.to_string())
    };
    assert_eq!(reread(|_| {}).unwrap(), party);
    let cases: [(Edit, &str); 7] = [
        (|j| j["leader"] = player_json(9), "not a member"),
        (|j| j["members"] = players_json(&[1, 2, 1]), "twice"),
        (|j| j["max_size"] = 0.into(), "at least 1"),
        (|j| j["max_size"] = 1.into(), "more members"),
        (|j| j["invites"] = players_json(&[2]), "invited"),
        // Dissolved (no members) but still holding an invitation.
        (|j| j["members"] = players_json(&[]), "invit"),
        (
            |j| j["members"] = players_json(&[1, 2, 4, 5]),
            "more members",
        ),
    ];
    for (i, (edit, says)) in cases.into_iter().enumerate() {
        let err = reread(edit).expect_err(&format!("case {i} loaded"));
        assert!(err.contains(says), "case {i}: {err}");
    }
    // A dissolved party round-trips, and stays dissolved.
    let mut dissolved = Party::new(PartyId::from_u128(2), p(1), 3, t(0)).unwrap();
    dissolved.invite(p(1), p(2)).unwrap();
    dissolved.leave(p(1)).unwrap();
    let back: Party = serde_json::from_str(&serde_json::to_string(&dissolved).unwrap()).unwrap();
    assert_eq!(back, dissolved);
    assert!(back.members().is_empty());
    assert!(back.clone().invite(p(1), p(2)).is_err());
}

/// The 2v2 of `lobby()` with its seats replaced by `(player, ticket, team)`.
fn seated(seats: &[(u128, u128, u16)]) -> Result<Lobby, Error> {
    let l = lobby();
    let mut proposal = l.proposal().clone();
    proposal.seats = seats
        .iter()
        .map(|&(player, ticket, team)| Seat {
            player: p(player),
            ticket: TicketId::from_u128(ticket),
            team,
            role: None,
        })
        .collect();
    Lobby::new(
        l.id(),
        l.queue().clone(),
        proposal,
        l.tickets().to_vec(),
        t(10),
    )
}

/// Seats must agree with the tickets: each player on their own ticket, a
/// ticket's players on one team, teams numbered 0..n without a gap.
#[test]
fn seats_that_do_not_fit_the_tickets_are_refused() {
    let refused = |seats: &[(u128, u128, u16)], says: &str| match seated(seats) {
        Err(Error::InvalidTicket(m)) => assert!(m.contains(says), "{seats:?}: {m}"),
        other => panic!("{seats:?}: {other:?}"),
    };
    assert!(seated(&[(1, 1, 0), (2, 1, 0), (3, 3, 1), (4, 4, 1)]).is_ok());
    // Team 1 first is fine: the teams are what the seats say.
    assert!(seated(&[(3, 3, 1), (4, 4, 1), (1, 1, 0), (2, 1, 0)]).is_ok());
    // The party of 1 and 2 split over both teams.
    refused(&[(1, 1, 0), (3, 3, 0), (2, 1, 1), (4, 4, 1)], "split");
    // Players 3 and 4 seated on each other's tickets.
    refused(
        &[(1, 1, 0), (2, 1, 0), (3, 4, 1), (4, 3, 1)],
        "not on ticket",
    );
    // Teams 0 and 2: no team 1.
    refused(&[(1, 1, 0), (2, 1, 0), (3, 3, 2), (4, 4, 2)], "team 1");
}

/// `lobby()` with its JSON changed by `edit`, read back.
fn reread(lobby: &Lobby, edit: impl FnOnce(&mut serde_json::Value)) -> Result<Lobby, String> {
    let mut json = serde_json::to_value(lobby).unwrap();
    edit(&mut json);
    serde_json::from_value::<Lobby>(json).map_err(|e| e.to_string())
}

/// Every state the public API can reach comes back from storage as it was:
/// the Redis and Postgres stores keep lobbies as this JSON.
#[test]
fn every_reachable_lobby_state_round_trips() {
    let mut states = vec![lobby()];
    let mut awaiting = lobby();
    awaiting.open_acceptance(t(40), t(11)).unwrap();
    states.push(awaiting.clone());
    let mut three_accepted = awaiting.clone();
    for n in [1, 2, 3] {
        three_accepted.accept(p(n), t(12 + n as i64)).unwrap();
    }
    states.push(three_accepted.clone());
    let mut everyone = three_accepted.clone();
    everyone.accept(p(4), t(39)).unwrap();
    states.push(everyone.clone());
    let mut skipped = lobby();
    skipped.skip_acceptance(t(11)).unwrap();
    states.push(skipped.clone());
    let mut dispatched = everyone.clone();
    dispatched.dispatch("s1", t(41)).unwrap();
    states.push(dispatched.clone());
    for result in [
        MatchResult::winner(0, 2),
        MatchResult::draw(2),
        MatchResult::ranks([2, 1]),
    ] {
        let mut completed = dispatched.clone();
        completed.complete(result, t(42)).unwrap();
        states.push(completed);
    }
    let mut declined = three_accepted.clone();
    declined.decline(p(1), t(20)).unwrap();
    states.push(declined);
    let mut timed_out = three_accepted.clone();
    timed_out.expire_acceptance(t(40)).unwrap();
    states.push(timed_out);
    let mut nobody_answered = awaiting.clone();
    nobody_answered.expire_acceptance(t(50)).unwrap();
    states.push(nobody_answered);
    for from in [lobby(), awaiting, three_accepted, skipped, dispatched] {
        let mut cancelled = from;
        cancelled.cancel("", t(45)).unwrap();
        states.push(cancelled);
    }
    for l in states {
        let json = serde_json::to_string(&l).unwrap();
        let back: Lobby = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{:?} did not load back: {e}", l.state()));
        assert_eq!(back, l);
    }
}

/// A stored lobby in a state its own moves could never reach is refused, so
/// it cannot go on to become Ready with a player who never accepted.
#[test]
fn a_stored_lobby_in_an_unreachable_state_is_refused() {
    let mut awaiting = lobby();
    awaiting.open_acceptance(t(40), t(11)).unwrap();
    let accepted = |players: &[u128]| {
        let ids: Vec<serde_json::Value> = players.iter().map(|&n| player_json(n)).collect();
        move |json: &mut serde_json::Value| json["state"]["accepted"] = ids.into()
    };
    assert!(reread(&awaiting, accepted(&[1, 2])).is_ok());
    // Player 99 is not in the lobby.
    let err = reread(&awaiting, accepted(&[99])).unwrap_err();
    assert!(err.contains("not in lobby"), "{err}");
    // Everyone accepted, yet still awaiting.
    let err = reread(&awaiting, accepted(&[1, 2, 3, 4])).unwrap_err();
    assert!(err.contains("everyone"), "{err}");

    let mut dispatched = lobby();
    dispatched.skip_acceptance(t(11)).unwrap();
    dispatched.dispatch("s1", t(12)).unwrap();
    let err = reread(&dispatched, |j| j["state"]["server"] = " ".into()).unwrap_err();
    assert!(err.contains("server"), "{err}");

    let mut completed = dispatched.clone();
    completed.complete(MatchResult::draw(2), t(13)).unwrap();
    let err = reread(&completed, |j| {
        j["state"]["result"]["ranks"] = vec![1].into()
    })
    .unwrap_err();
    assert!(err.contains("ranks"), "{err}");

    let mut declined = awaiting.clone();
    declined.decline(p(2), t(12)).unwrap();
    let err = reread(&declined, |j| {
        j["state"]["reason"]["player"] = player_json(99)
    })
    .unwrap_err();
    assert!(err.contains("not in lobby"), "{err}");

    let mut timed_out = awaiting.clone();
    timed_out.expire_acceptance(t(40)).unwrap();
    let missing = |players: &[u128]| {
        let ids: Vec<serde_json::Value> = players.iter().map(|&n| player_json(n)).collect();
        move |json: &mut serde_json::Value| json["state"]["reason"]["missing"] = ids.into()
    };
    assert!(reread(&timed_out, missing(&[4])).is_ok());
    for (bad, says) in [
        (&[][..], "nobody"),
        (&[4, 99][..], "not in lobby"),
        (&[4, 4][..], "twice"),
    ] {
        let err = reread(&timed_out, missing(bad)).unwrap_err();
        assert!(err.contains(says), "{bad:?}: {err}");
    }
}

#[test]
fn accepting_again_once_ready_is_harmless() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    for (n, last) in [(1, false), (2, false), (3, false), (4, true)] {
        assert_eq!(l.accept(p(n), t(12)).unwrap(), last);
    }
    let ready = l.clone();
    // A repeat, even after the old deadline: nothing changes.
    assert!(!l.accept(p(1), t(13)).unwrap());
    assert!(!l.accept(p(4), t(50)).unwrap());
    assert_eq!(l, ready);
    // Strangers are still refused.
    assert!(matches!(
        l.accept(p(99), t(13)),
        Err(Error::NotInLobby { .. })
    ));
}

#[test]
fn declining_after_the_deadline_is_refused() {
    let mut l = lobby();
    l.open_acceptance(t(40), t(11)).unwrap();
    l.accept(p(1), t(12)).unwrap();
    let before = l.clone();
    assert!(matches!(
        l.decline(p(1), t(41)),
        Err(Error::IllegalTransition { .. })
    ));
    assert_eq!(l, before);
    // Just before the deadline a decline counts; at the deadline itself it
    // is too late, as an accept would be, and the check times out instead.
    l.clone()
        .decline(p(2), t(40) - Duration::milliseconds(1))
        .unwrap();
    assert!(matches!(
        l.clone().decline(p(2), t(40)),
        Err(Error::IllegalTransition { .. })
    ));
    assert!(matches!(
        l.clone().accept(p(2), t(40)),
        Err(Error::IllegalTransition { .. })
    ));
    l.clone().expire_acceptance(t(40)).unwrap();
    // Past it, the ready check times out too.
    let out = l.expire_acceptance(t(41)).unwrap();
    assert_eq!(out.removed, vec![p(2), p(3), p(4)]);
}
