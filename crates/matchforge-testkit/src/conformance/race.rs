//! The race: many matchmakers committing over the same queue at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use matchforge_core::event::EventKind;
use matchforge_core::ids::{LobbyId, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::matcher::Matcher;
use matchforge_core::ports::{CommitOutcome, Store, Versioned};
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::ticket::Ticket;
use tokio::sync::Barrier;

use super::fixtures::{Fresh, at, enqueue_all};
use super::snapshot::{own_events, tail};

/// Matchmakers racing over one queue.
const TASKS: usize = 8;
/// Tickets in the queue (2v2 matches of solo tickets: 24 lobbies at most).
const TICKETS: usize = 96;
/// A bound on each matchmaker's rounds, so a broken store cannot hang the check.
const MAX_ROUNDS: usize = 200;

/// Eight matchmakers race over one queue, each repeatedly reading
/// `tickets(queue)`, running the [`Matcher`] and committing its proposals as
/// lobbies with its own ids. Afterwards every ticket is in exactly one
/// committed lobby or still waiting: none is claimed twice and none is lost,
/// every committed lobby is stored at version 1 with its players in it, and
/// each claimed ticket has exactly one `TicketMatched` event.
///
/// Each matchmaker leaves a different eighth of its view out on alternate
/// rounds, so proposals overlap partly rather than only entirely; run it on a
/// multi-threaded runtime (the [`conformance_tests!`](crate::conformance_tests)
/// macro does) for the commits to be truly parallel.
pub async fn concurrent_commits_claim_each_ticket_once<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "concurrent_commits_claim_each_ticket_once";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let config = QueueSpec::new(q.clone(), MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(1000.0).expect("a valid window"))
        .build()
        .expect("a valid queue");
    let tickets: Vec<Ticket> = (0..TICKETS)
        .map(|i| fresh.solo(&q, at(i as i64 % 7)))
        .collect();
    enqueue_all(&*store, &tickets, what).await;
    let since = tail(&*store).await;

    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for k in 0..TASKS {
        let (store, barrier, q) = (Arc::clone(&store), Arc::clone(&barrier), q.clone());
        let matcher = Matcher::new(config.clone());
        tasks.push(tokio::spawn(async move {
            let mut fresh = Fresh::new();
            let mut committed: Vec<Lobby> = Vec::new();
            barrier.wait().await;
            for round in 0..MAX_ROUNDS {
                let all = store
                    .tickets(&q)
                    .await
                    .expect("tickets failed during the race");
                let view: Vec<Ticket> = if round % 2 == 0 {
                    all.iter()
                        .enumerate()
                        .filter(|(i, _)| i % TASKS != k)
                        .map(|(_, t)| t.clone())
                        .collect()
                } else {
                    all.clone()
                };
                let mut proposals = matcher.find_matches(&view, at(10)).proposals;
                if proposals.is_empty() {
                    proposals = matcher.find_matches(&all, at(10)).proposals;
                }
                if proposals.is_empty() {
                    break;
                }
                for proposal in proposals {
                    let claimed: Vec<Ticket> = proposal
                        .tickets()
                        .map(|id| {
                            all.iter()
                                .find(|t| t.id() == id)
                                .expect("proposed from the view")
                                .clone()
                        })
                        .collect();
                    let lobby = Lobby::new(fresh.lobby_id(), q.clone(), proposal, claimed, at(10))
                        .expect("a proposal makes a valid lobby");
                    match store.commit(&lobby).await {
                        Ok(CommitOutcome::Committed) => committed.push(lobby),
                        Ok(CommitOutcome::Conflict { .. }) => {}
                        Err(e) => panic!("commit failed during the race: {e}"),
                    }
                    tokio::task::yield_now().await;
                }
            }
            committed
        }));
    }
    let mut lobbies: Vec<Lobby> = Vec::new();
    for task in tasks {
        lobbies.extend(
            task.await
                .unwrap_or_else(|e| panic!("{what}: a matchmaker panicked: {e}")),
        );
    }

    let mut claimed_by: BTreeMap<TicketId, LobbyId> = BTreeMap::new();
    for lobby in &lobbies {
        for t in lobby.ticket_ids() {
            if let Some(first) = claimed_by.insert(t, lobby.id()) {
                panic!(
                    "{what}: ticket {t} was claimed twice, by lobbies {first} and {}",
                    lobby.id()
                );
            }
        }
    }
    assert!(
        !lobbies.is_empty(),
        "{what}: no matchmaker committed anything"
    );
    let waiting: BTreeSet<TicketId> = store
        .tickets(&q)
        .await
        .expect("tickets")
        .iter()
        .map(Ticket::id)
        .collect();
    for t in &tickets {
        match (claimed_by.get(&t.id()), waiting.contains(&t.id())) {
            (Some(lobby), true) => panic!(
                "{what}: ticket {} is claimed by lobby {lobby} and still waiting",
                t.id()
            ),
            (None, false) => panic!(
                "{what}: ticket {} was lost: neither claimed nor waiting",
                t.id()
            ),
            _ => {}
        }
    }
    for lobby in &lobbies {
        let stored = store.lobby(lobby.id()).await.expect("lobby");
        assert_eq!(
            stored,
            Some(Versioned {
                value: lobby.clone(),
                version: 1
            }),
            "{what}: committed lobby {}",
            lobby.id()
        );
        for p in lobby.players() {
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                Some(lobby.id()),
                "{what}: lobby_of {p}"
            );
        }
    }
    let mut matched: BTreeMap<TicketId, usize> = BTreeMap::new();
    for (_, e) in own_events(&*store, since, &[q]).await {
        if let EventKind::TicketMatched { ticket, .. } = e.kind {
            *matched.entry(ticket).or_default() += 1;
        }
    }
    let want: BTreeMap<TicketId, usize> = claimed_by.keys().map(|&t| (t, 1)).collect();
    assert_eq!(
        matched, want,
        "{what}: TicketMatched events per claimed ticket"
    );
}
