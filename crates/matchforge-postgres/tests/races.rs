//! Races against real PostgreSQL, beyond the conformance suite's one run:
//! the eight-committer race many times over, and batches racing for the same
//! players.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::ids::{PlayerId, QueueName, TicketId};
use matchforge_core::ports::TicketStore;
use matchforge_testkit::conformance;

use common::assert_consistent;
use common::fixtures::{Ids, at};

/// Eight matchmakers committing over one queue, ten times over on one store
/// (each round on fresh tickets), interleaved with the concurrent-writers
/// check: no ticket claimed twice, none lost, no event lost, and the tables
/// agree afterwards.
#[test]
fn eight_committers_claim_each_ticket_once_every_time() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let Some(store) = common::store().await else {
            return;
        };
        let store = Arc::new(store);
        for round in 0..10 {
            conformance::concurrent_commits_claim_each_ticket_once(Arc::clone(&store)).await;
            if round % 3 == 0 {
                conformance::concurrent_writers_lose_no_events(Arc::clone(&store)).await;
            }
        }
        assert_consistent(&store).await;
    });
}

/// Six batches of 40 tickets race for the same 40 players (each batch with
/// tickets of its own ids): every player ends up on exactly one ticket, every
/// other ticket for them is refused with `AlreadyQueued` naming the winner,
/// and no call fails (the losers of a key race run again and see the winner).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_batches_give_each_player_one_ticket() {
    const BATCHES: u128 = 6;
    const PLAYERS: usize = 40;
    let Some(store) = common::store().await else {
        return;
    };
    let store = Arc::new(store);
    let mut ids = Ids::new(31);
    let q = QueueName::new("race");
    let players: Vec<PlayerId> = (0..PLAYERS).map(|_| ids.player()).collect();
    let tasks: Vec<_> = (0..BATCHES)
        .map(|b| {
            let (store, players, q) = (Arc::clone(&store), players.clone(), q.clone());
            tokio::spawn(async move {
                let mut ids = Ids::new(1000 + b);
                // Each batch takes the players in its own order.
                let mut order = players;
                order.rotate_left(usize::try_from(b).expect("small") * 7);
                let batch: Vec<_> = order.iter().map(|&p| ids.ticket(&q, at(0), &[p])).collect();
                let results = store
                    .enqueue_many(batch.clone())
                    .await
                    .expect("no batch fails");
                batch.into_iter().zip(results).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut winners: BTreeMap<PlayerId, TicketId> = BTreeMap::new();
    let mut refusals = Vec::new();
    for task in tasks {
        for (ticket, result) in task.await.expect("join") {
            let player = ticket.players()[0].id;
            match result {
                Ok(()) => {
                    let previous = winners.insert(player, ticket.id());
                    assert!(previous.is_none(), "player {player} was queued twice");
                }
                Err(Error::AlreadyQueued {
                    player: p, ticket, ..
                }) => {
                    assert_eq!(p, player);
                    refusals.push((player, ticket));
                }
                Err(e) => panic!("unexpected refusal: {e}"),
            }
        }
    }
    assert_eq!(winners.len(), PLAYERS, "every player is queued once");
    assert_eq!(
        refusals.len(),
        PLAYERS * (usize::try_from(BATCHES).expect("small") - 1)
    );
    for (player, held) in refusals {
        assert_eq!(
            winners.get(&player),
            Some(&held),
            "the refusal names the winner"
        );
    }
    let waiting = store.tickets(&q).await.expect("tickets");
    assert_eq!(waiting.len(), PLAYERS);
    for t in waiting {
        assert_eq!(winners.get(&t.players()[0].id), Some(&t.id()));
    }
    assert_eq!(assert_consistent(&store).await, PLAYERS as i64);
}
