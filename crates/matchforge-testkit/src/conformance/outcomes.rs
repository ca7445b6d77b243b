//! Checks of what a finished match writes through
//! [`LobbyStore::update_lobby`](matchforge_core::ports::LobbyStore::update_lobby):
//! ratings by compare-and-set, and the match record, once.

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::history::RatingChange;
use matchforge_core::ids::PlayerId;
use matchforge_core::lobby::MatchResult;
use matchforge_core::ports::{LobbyUpdate, Store};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;

use super::fixtures::{
    Fresh, at, commit_ok, complete_ok, describe, enqueue_all, rating, record_for, update_ok,
};
use super::records::odd_rating;
use super::snapshot::{Scope, Snapshot, assert_unchanged, tail};

/// Rating changes apply only if every stored rating still equals its
/// `before` (`None`: no stored rating); otherwise the whole update fails with
/// [`Error::Conflict`] and changes nothing, neither the lobby nor any rating.
/// Other ladders are untouched. A `before` read back from the store (with
/// all 17 digits, as real updates produce) matches what is stored.
pub async fn update_lobby_compares_ratings<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "update_lobby_compares_ratings";
    let mut fresh = Fresh::new();
    let (q, ladder, other_ladder) = (fresh.queue(), fresh.ladder(), fresh.ladder());
    let t = [fresh.solo(&q, at(0)), fresh.solo(&q, at(1))];
    let (veteran, rookie) = (t[0].players()[0].id, t[1].players()[0].id);
    // A rating with all 17 digits, as real updates produce: the update below
    // takes its `before` from what the store gives back, as the runner does.
    store
        .put_ratings(&ladder, &[(veteran, odd_rating(3))])
        .await
        .expect("put_ratings");
    store
        .put_ratings(&other_ladder, &[(veteran, rating(1000.0))])
        .await
        .expect("put_ratings");
    enqueue_all(&*store, &t, what).await;
    let mut lobby = fresh.lobby(&q, &t, at(2));
    commit_ok(&*store, &lobby, what).await;
    lobby.skip_acceptance(at(3)).expect("ready");
    lobby.dispatch("server-1", at(3)).expect("dispatch");
    lobby
        .complete(MatchResult::winner(0, 2), at(9))
        .expect("complete");
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: vec![veteran, rookie],
        lobbies: vec![lobby.id()],
        ladders: vec![ladder.clone(), other_ladder.clone()],
        ..Scope::default()
    };

    let read_back = store
        .ratings(&ladder, &[veteran])
        .await
        .expect("ratings")
        .remove(0);
    let change = |player: PlayerId, before: Option<Rating>, after: f64| RatingChange {
        player,
        before,
        after: rating(after),
    };
    let update = |changes: Vec<RatingChange>| {
        let mut u = LobbyUpdate::new(lobby.clone(), 1);
        u.ratings = Some((ladder.clone(), changes));
        u.record = Some(record_for(&lobby, &ladder, at(9)));
        u
    };
    let cases = [
        (
            vec![
                change(rookie, None, 1490.0),
                change(veteran, Some(rating(1400.0)), 1510.0),
            ],
            "a stored rating that is not `before`",
        ),
        (
            vec![change(veteran, None, 1510.0), change(rookie, None, 1490.0)],
            "`before: None` for a player with a stored rating",
        ),
        (
            vec![
                change(veteran, read_back, 1510.0),
                change(rookie, Some(rating(1500.0)), 1490.0),
            ],
            "`before: Some` for a player without one",
        ),
    ];
    for (changes, why) in cases {
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.update_lobby(update(changes)).await;
        assert!(
            matches!(result, Err(Error::Conflict(_))),
            "{what}: {why}: expected Conflict, got {}",
            describe(&result)
        );
        assert_unchanged(&*store, &scope, &before, &format!("{what}: {why}")).await;
    }

    let good = vec![
        change(veteran, read_back, 1510.0),
        change(rookie, None, 1490.0),
    ];
    update_ok(&*store, update(good), what).await;
    let got = store
        .ratings(&ladder, &[veteran, rookie])
        .await
        .expect("ratings");
    assert_eq!(
        got,
        vec![Some(rating(1510.0)), Some(rating(1490.0))],
        "{what}: ratings after the update"
    );
    let got = store
        .ratings(&other_ladder, &[veteran, rookie])
        .await
        .expect("ratings");
    assert_eq!(
        got,
        vec![Some(rating(1000.0)), None],
        "{what}: another ladder is untouched"
    );
}

/// A match is recorded once: the record can be read back by lobby, and a
/// second update carrying a record for the same lobby fails with
/// [`Error::Conflict`] and changes nothing.
pub async fn update_lobby_records_match_once<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "update_lobby_records_match_once";
    let mut fresh = Fresh::new();
    let (q, ladder) = (fresh.queue(), fresh.ladder());
    let t = [fresh.solo(&q, at(0)), fresh.solo(&q, at(1))];
    enqueue_all(&*store, &t, what).await;
    let lobby = fresh.lobby(&q, &t, at(2));
    commit_ok(&*store, &lobby, what).await;
    let unplayed = fresh.lobby_id();
    assert_eq!(
        store.match_record(lobby.id()).await.expect("match_record"),
        None,
        "{what}: no record before completion"
    );
    let record = record_for(&lobby, &ladder, at(9));
    let lobby = complete_ok(&*store, lobby, at(9), Some(record.clone()), what).await;
    assert_eq!(
        store.match_record(lobby.id()).await.expect("match_record"),
        Some(record.clone()),
        "{what}: the record"
    );
    assert_eq!(
        store.match_record(unplayed).await.expect("match_record"),
        None,
        "{what}: an unknown lobby"
    );

    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![lobby.id()],
        ladders: vec![ladder.clone()],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let mut again = LobbyUpdate::new(lobby.clone(), 2);
    let mut second = record.clone();
    second.completed_at = at(10);
    again.record = Some(second);
    let result = store.update_lobby(again).await;
    assert!(
        matches!(result, Err(Error::Conflict(_))),
        "{what}: a second record: expected Conflict, got {}",
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: a second record"),
    )
    .await;
}
