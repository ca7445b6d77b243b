//! A party change whose ticket withdrawal fails, and a party queued while
//! the look at the party fails: the call fails and the store is as it was,
//! so it can be made again. Before, the party change stood while the party's
//! old ticket went on waiting, a tick matched a player who had left the
//! party with it, and the call could not be made again ("not a member").

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::{PartyId, PlayerId, QueueName, Role, TicketId};
use matchforge_core::party::Party;
use matchforge_core::ports::{PartyStore, TicketStore};
use matchforge_core::queue::{MatchFormat, QueueSpec, RoleComposition, Widening};
use matchforge_core::rating::{Elo, Glicko2, WengLin};
use matchforge_core::ticket::{Attributes, Ticket};
use matchforge_memory::MemoryStore;
use matchforge_runner::clock::SimulatedClock;
use matchforge_runner::ids::SeededIds;
use matchforge_runner::{Matchmaker, QueueSettings};

mod common;
use common::{Hooked, Hooks};

/// Fails the next `cancels` cancels, and the next `party_reads` party reads
/// once `party_reads_after` more have gone through.
#[derive(Default)]
struct Flaky {
    cancels: AtomicUsize,
    party_reads_after: AtomicUsize,
    party_reads: AtomicUsize,
}

fn reset() -> Error {
    Error::backend("test", "a call", std::io::Error::other("connection reset"))
}

/// Takes one from `n` if it is positive.
fn take(n: &AtomicUsize) -> bool {
    n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1))
        .is_ok()
}

#[async_trait]
impl Hooks for Flaky {
    async fn cancel(&self, _: &MemoryStore, _: TicketId, _: DateTime<Utc>) -> Result<()> {
        if take(&self.cancels) {
            Err(reset())
        } else {
            Ok(())
        }
    }
    fn party(&self, _: PartyId) -> Result<()> {
        if self.party_reads.load(Ordering::SeqCst) > 0 && !take(&self.party_reads_after) {
            take(&self.party_reads);
            return Err(reset());
        }
        Ok(())
    }
}

type Store = Hooked<Flaky>;

fn p(n: u128) -> PlayerId {
    PlayerId::from_u128(n)
}

fn duos() -> QueueSettings {
    QueueSettings::new(
        QueueSpec::new("duos", MatchFormat::two_v_two())
            .with_rating_window(Widening::fixed(400.0).unwrap())
            .build()
            .unwrap(),
    )
    .without_ready_check()
}

fn world() -> (Arc<Store>, Matchmaker) {
    let store = Arc::new(Hooked::new(Flaky::default()));
    let clock = Arc::new(SimulatedClock::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap(),
    ));
    let mm = Matchmaker::builder(store.clone())
        .clock(clock)
        .ids(Arc::new(SeededIds::new(5)))
        .queue(duos())
        .build()
        .unwrap();
    (store, mm)
}

/// The leader, player 1, queues `party` in `duos`.
async fn queue_party(mm: &Matchmaker, party: PartyId) -> Result<Ticket> {
    mm.join_party("duos", party, p(1), Attributes::new(), &BTreeMap::new())
        .await
}

/// A party of players 1 (leading) and 2, queued; returns it and its ticket.
async fn queued_pair(mm: &Matchmaker) -> (Party, Ticket) {
    let party = mm.create_party(p(1)).await.unwrap();
    mm.invite(party.id(), p(1), p(2)).await.unwrap();
    let party = mm.accept_invite(party.id(), p(2)).await.unwrap();
    let ticket = queue_party(mm, party.id()).await.unwrap();
    (party, ticket)
}

/// The store's party and the waiting ticket are `party` and `ticket`.
async fn unchanged(store: &Store, party: &Party, ticket: &Ticket) {
    let stored = store.inner.party(party.id()).await.unwrap().unwrap().value;
    assert_eq!(&stored, party, "the party is as it was");
    assert_eq!(
        store.inner.ticket(ticket.id()).await.unwrap().as_ref(),
        Some(ticket),
        "the ticket still waits"
    );
}

#[tokio::test]
async fn a_leave_whose_withdrawal_fails_changes_nothing_and_can_be_made_again() {
    let (store, mm) = world();
    let (party, ticket) = queued_pair(&mm).await;
    store.hooks.cancels.store(1, Ordering::SeqCst);
    assert!(matches!(
        mm.leave_party(party.id(), p(2)).await,
        Err(Error::Backend { .. })
    ));
    unchanged(&store, &party, &ticket).await;
    // Made again, it goes through: player 2 is out, the ticket withdrawn.
    let after = mm.leave_party(party.id(), p(2)).await.unwrap().unwrap();
    assert_eq!(after.members(), &[p(1)]);
    assert_eq!(store.inner.ticket(ticket.id()).await.unwrap(), None);
    // A tick cannot seat player 2 with the party any more.
    mm.join("duos", p(3), Attributes::new(), &[]).await.unwrap();
    mm.join("duos", p(4), Attributes::new(), &[]).await.unwrap();
    let tick = mm.tick_queue(&QueueName::new("duos")).await.unwrap();
    assert!(tick.lobbies.iter().all(|l| !l.has_player(p(2))));
}

#[tokio::test]
async fn the_last_member_leaving_whose_withdrawal_fails_leaves_the_party_in_place() {
    let (store, mm) = world();
    let party = mm.create_party(p(1)).await.unwrap();
    let ticket = queue_party(&mm, party.id()).await.unwrap();
    store.hooks.cancels.store(1, Ordering::SeqCst);
    assert!(mm.leave_party(party.id(), p(1)).await.is_err());
    // The dissolved party is back (a new version of it) and its ticket waits.
    let stored = store.inner.party(party.id()).await.unwrap().unwrap().value;
    assert_eq!(stored.members(), party.members());
    assert_eq!(stored.leader(), party.leader());
    assert!(store.inner.ticket(ticket.id()).await.unwrap().is_some());
    assert_eq!(mm.leave_party(party.id(), p(1)).await.unwrap(), None);
    assert_eq!(store.inner.ticket(ticket.id()).await.unwrap(), None);
}

#[tokio::test]
async fn a_kick_or_a_join_whose_withdrawal_fails_changes_nothing() {
    let (store, mm) = world();
    let (party, ticket) = queued_pair(&mm).await;
    store.hooks.cancels.store(1, Ordering::SeqCst);
    assert!(mm.kick(party.id(), p(1), p(2)).await.is_err());
    unchanged(&store, &party, &ticket).await;

    let invited = mm.invite(party.id(), p(1), p(3)).await.unwrap();
    store.hooks.cancels.store(1, Ordering::SeqCst);
    assert!(mm.accept_invite(party.id(), p(3)).await.is_err());
    unchanged(&store, &invited, &ticket).await;
    let joined = mm.accept_invite(party.id(), p(3)).await.unwrap();
    assert_eq!(joined.members(), &[p(1), p(2), p(3)]);
    assert_eq!(store.inner.ticket(ticket.id()).await.unwrap(), None);
}

#[tokio::test]
async fn a_party_queued_while_its_second_look_fails_is_taken_back() {
    let (store, mm) = world();
    let party = mm.create_party(p(1)).await.unwrap();
    mm.invite(party.id(), p(1), p(2)).await.unwrap();
    mm.accept_invite(party.id(), p(2)).await.unwrap();
    // The first read of the party goes through, the one after the enqueue
    // fails.
    store.hooks.party_reads_after.store(1, Ordering::SeqCst);
    store.hooks.party_reads.store(1, Ordering::SeqCst);
    let result = queue_party(&mm, party.id()).await;
    assert!(matches!(result, Err(Error::Backend { .. })), "{result:?}");
    for player in [p(1), p(2)] {
        assert_eq!(store.inner.ticket_of(player).await.unwrap(), None);
    }
    queue_party(&mm, party.id()).await.unwrap();
}

#[tokio::test]
async fn roles_for_a_player_outside_the_party_are_refused() {
    let store = Arc::new(MemoryStore::new());
    let roles = QueueSettings::new(
        QueueSpec::new("roles", MatchFormat::two_v_two())
            .with_roles(RoleComposition::new([("tank", 1), ("dps", 1)]))
            .build()
            .unwrap(),
    );
    let mm = Matchmaker::builder(store.clone())
        .queue(roles)
        .build()
        .unwrap();
    let party = mm.create_party(p(1)).await.unwrap();
    mm.invite(party.id(), p(1), p(2)).await.unwrap();
    mm.accept_invite(party.id(), p(2)).await.unwrap();
    let wanted = BTreeMap::from([
        (p(1), vec![Role::new("tank")]),
        (p(99), vec![Role::new("dps")]),
    ]);
    let result = mm
        .join_party("roles", party.id(), p(1), Attributes::new(), &wanted)
        .await;
    assert!(
        matches!(&result, Err(Error::InvalidTicket(m)) if m.contains(&p(99).to_string())),
        "{result:?}"
    );
    assert_eq!(store.ticket_of(p(1)).await.unwrap(), None);
}

#[test]
fn queues_sharing_a_ladder_must_rate_on_one_scale() {
    let queue = |name: &str| {
        QueueSettings::new(
            QueueSpec::new(name, MatchFormat::one_v_one())
                .build()
                .unwrap(),
        )
        .with_ladder("ranked")
    };
    let build = |a: QueueSettings, b: QueueSettings| {
        Matchmaker::builder(Arc::new(MemoryStore::new()))
            .queue(a)
            .queue(b)
            .build()
    };
    let refused = build(
        queue("a").with_algorithm(WengLin::default()),
        queue("b").with_algorithm(Glicko2::default()),
    );
    assert!(
        matches!(&refused, Err(Error::InvalidConfig(m)) if m.contains("share ladder ranked")),
        "{:?}",
        refused.err()
    );
    // The same system on both, or different ladders, is fine.
    assert!(build(queue("a"), queue("b")).is_ok());
    assert!(
        build(
            queue("a").with_algorithm(Elo::default()),
            queue("b").with_ladder("other")
        )
        .is_ok()
    );
}

/// A second matchmaker whose `join_party` a hook runs in the middle of a
/// party change, at the moment the test picks.
#[derive(Default)]
struct Race {
    /// Fail the next `ticket_of` after running the join (kick race).
    at_ticket_of: std::sync::atomic::AtomicBool,
    /// Let the next cancel through, run the join, then fail as a lost
    /// reply (accept_invite race).
    at_cancel: std::sync::atomic::AtomicBool,
    other: std::sync::OnceLock<Arc<Matchmaker>>,
    party: std::sync::OnceLock<PartyId>,
}

impl Race {
    async fn join(&self) {
        queue_party(self.other.get().unwrap(), *self.party.get().unwrap())
            .await
            .unwrap();
    }
}

#[async_trait]
impl Hooks for Race {
    async fn ticket_of(&self, _: PlayerId) -> Result<()> {
        if self.at_ticket_of.swap(false, Ordering::SeqCst) {
            self.join().await;
            return Err(reset());
        }
        Ok(())
    }
    async fn cancel(&self, store: &MemoryStore, ticket: TicketId, at: DateTime<Utc>) -> Result<()> {
        if self.at_cancel.swap(false, Ordering::SeqCst) {
            store.cancel(ticket, at).await.unwrap();
            self.join().await;
            return Err(reset());
        }
        Ok(())
    }
}

/// Two matchmakers over one store racing; returns the store and the first.
fn race_world() -> (Arc<Hooked<Race>>, Matchmaker) {
    let store = Arc::new(Hooked::new(Race::default()));
    let clock = Arc::new(SimulatedClock::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 18, 0, 0).unwrap(),
    ));
    let build = |seed| {
        Matchmaker::builder(store.clone())
            .clock(clock.clone())
            .ids(Arc::new(SeededIds::new(seed)))
            .queue(duos())
            .build()
            .unwrap()
    };
    let mm = build(5);
    store.hooks.other.set(Arc::new(build(6))).ok().unwrap();
    (store, mm)
}

/// A waiting ticket of the party, if any, holds exactly its members.
async fn consistent(store: &Hooked<Race>, party: PartyId) {
    let stored = store.inner.party(party).await.unwrap().unwrap().value;
    for &member in stored.members() {
        if let Some(t) = store.inner.ticket_of(member).await.unwrap() {
            assert!(
                t.party() != Some(party)
                    || (t.size() == stored.members().len()
                        && stored.members().iter().all(|&m| t.contains(m))),
                "party {:?} waits on a ticket of {:?}",
                stored.members(),
                t.player_ids().collect::<Vec<_>>()
            );
        }
    }
}

#[tokio::test]
async fn an_undo_withdraws_a_ticket_queued_for_the_change_it_undid() {
    // Party {1, 2}, not queued. A kick saves {1}; the leader queues {1} on
    // another matchmaker; the kick's withdrawal fails and it puts {1, 2}
    // back: the ticket of {1} must not wait for the party of {1, 2}.
    let (store, mm) = race_world();
    let party = mm.create_party(p(1)).await.unwrap();
    store.hooks.party.set(party.id()).unwrap();
    mm.invite(party.id(), p(1), p(2)).await.unwrap();
    mm.accept_invite(party.id(), p(2)).await.unwrap();
    store.hooks.at_ticket_of.store(true, Ordering::SeqCst);
    assert!(mm.kick(party.id(), p(1), p(2)).await.is_err());
    consistent(&store, party.id()).await;

    // Party {1} queued. Player 2's join saves {1, 2}; its cancel of {1}'s
    // ticket goes through but the reply is lost while the leader queues
    // {1, 2}; the undo puts {1} back: player 2, no member, must not wait on
    // the party's ticket.
    let (store, mm) = race_world();
    let party = mm.create_party(p(1)).await.unwrap();
    store.hooks.party.set(party.id()).unwrap();
    queue_party(&mm, party.id()).await.unwrap();
    mm.invite(party.id(), p(1), p(2)).await.unwrap();
    store.hooks.at_cancel.store(true, Ordering::SeqCst);
    assert!(mm.accept_invite(party.id(), p(2)).await.is_err());
    consistent(&store, party.id()).await;
    assert_eq!(store.inner.ticket_of(p(2)).await.unwrap(), None);
}
