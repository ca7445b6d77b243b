//! Checks of what a lobby update writes besides the lobby through
//! [`LobbyStore::update_lobby`](matchforge_core::ports::LobbyStore::update_lobby):
//! ratings by compare-and-set, the match record, once and only the lobby's
//! own, and cooldowns that never shorten.

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::history::{MatchRecord, RatingChange};
use matchforge_core::ids::PlayerId;
use matchforge_core::lobby::MatchResult;
use matchforge_core::ports::{LobbyUpdate, Store};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;

use super::fixtures::{
    Fresh, at, commit_ok, complete_ok, describe, enqueue_all, played, rating, record_for, update_ok,
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
    let lobby = fresh.lobby(&q, &t, at(2));
    commit_ok(&*store, &lobby, what).await;
    let lobby = played(lobby, at(3), at(9));
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
    let mut refused = Vec::with_capacity(cases.len());
    for (changes, why) in cases {
        refused.push((update(changes), why));
    }
    refused_as_conflicts(&*store, &scope, refused, what).await;

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
/// [`Error::IllegalTransition`] naming it (the lobby is finished, and a
/// finished lobby is never updated again) and changes nothing. A record
/// written by an update that left the lobby unfinished (dispatched) counts
/// too: the update that completes it with another record fails with
/// [`Error::Conflict`] and changes nothing, the first record stays.
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
        matches!(result, Err(Error::IllegalTransition { lobby: named, .. }) if named == lobby.id()),
        "{what}: a second record: expected IllegalTransition naming lobby {}, got {}",
        lobby.id(),
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: a second record"),
    )
    .await;

    // Recorded early, while the match is still on.
    let t = [fresh.solo(&q, at(20)), fresh.solo(&q, at(21))];
    enqueue_all(&*store, &t, what).await;
    let mut lobby = fresh.lobby(&q, &t, at(22));
    commit_ok(&*store, &lobby, what).await;
    lobby.skip_acceptance(at(23)).expect("forming → ready");
    lobby
        .dispatch("server-1", at(23))
        .expect("ready → dispatched");
    let first = record_for(&lobby, &ladder, at(24));
    let mut early = LobbyUpdate::new(lobby.clone(), 1);
    early.record = Some(first.clone());
    update_ok(&*store, early, what).await;
    let mut done = lobby.clone();
    done.complete(MatchResult::winner(1, 2), at(30))
        .expect("dispatched → completed");
    let mut completing = LobbyUpdate::new(done.clone(), 2);
    completing.record = Some(record_for(&done, &ladder, at(30)));
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![lobby.id()],
        ladders: vec![ladder.clone()],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.update_lobby(completing).await;
    assert!(
        matches!(result, Err(Error::Conflict(_))),
        "{what}: completing with a second record after one written while dispatched: expected \
         Conflict, got {}",
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: a second record on completion"),
    )
    .await;
    assert_eq!(
        store.match_record(lobby.id()).await.expect("match_record"),
        Some(first),
        "{what}: the record written first stays"
    );
}

/// A player listed twice in one update's rating changes is compared with the
/// earlier change's `after`, not with the stored rating: a second change
/// whose `before` is the stored rating (or `None` for a player who had none)
/// fails the whole update with [`Error::Conflict`] and changes nothing; a
/// chain of changes, each from the previous `after`, applies and leaves the
/// last `after` stored.
pub async fn update_lobby_compares_repeated_players<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "update_lobby_compares_repeated_players";
    let mut fresh = Fresh::new();
    let (q, ladder) = (fresh.queue(), fresh.ladder());
    let t = [fresh.solo(&q, at(0)), fresh.solo(&q, at(1))];
    let (veteran, rookie) = (t[0].players()[0].id, t[1].players()[0].id);
    let stored = odd_rating(5);
    store
        .put_ratings(&ladder, &[(veteran, stored)])
        .await
        .expect("put_ratings");
    enqueue_all(&*store, &t, what).await;
    let lobby = fresh.lobby(&q, &t, at(2));
    commit_ok(&*store, &lobby, what).await;
    let lobby = played(lobby, at(3), at(9));
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: vec![veteran, rookie],
        lobbies: vec![lobby.id()],
        ladders: vec![ladder.clone()],
        ..Scope::default()
    };
    let change = |player: PlayerId, before: Option<Rating>, after: f64| RatingChange {
        player,
        before,
        after: rating(after),
    };
    let update = |changes: Vec<RatingChange>| {
        let mut u = LobbyUpdate::new(lobby.clone(), 1);
        u.ratings = Some((ladder.clone(), changes));
        u
    };
    let cases = [
        (
            vec![
                change(veteran, Some(stored), 1510.0),
                change(veteran, Some(stored), 1520.0),
            ],
            "a second change from the stored rating",
        ),
        (
            vec![change(rookie, None, 1490.0), change(rookie, None, 1480.0)],
            "a second change from no rating",
        ),
    ];
    let mut refused = Vec::with_capacity(cases.len());
    for (changes, why) in cases {
        refused.push((update(changes), why));
    }
    refused_as_conflicts(&*store, &scope, refused, what).await;

    let chained = vec![
        change(veteran, Some(stored), 1510.0),
        change(rookie, None, 1490.0),
        change(veteran, Some(rating(1510.0)), 1520.0),
        change(rookie, Some(rating(1490.0)), 1480.0),
    ];
    update_ok(&*store, update(chained), what).await;
    assert_eq!(
        store
            .ratings(&ladder, &[veteran, rookie])
            .await
            .expect("ratings"),
        vec![Some(rating(1520.0)), Some(rating(1480.0))],
        "{what}: each player's last change is stored"
    );
}

/// An update whose match record is for another lobby (`record.lobby` is not
/// the lobby's id) fails with [`Error::InvalidResult`] and changes nothing:
/// neither lobby, record, history nor rating is written, nothing is logged.
/// The same update with the lobby's own record then succeeds.
pub async fn update_lobby_rejects_foreign_record<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "update_lobby_rejects_foreign_record";
    let mut fresh = Fresh::new();
    let (q, ladder) = (fresh.queue(), fresh.ladder());
    let t: Vec<Ticket> = (0..4).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let lobby = fresh.lobby(&q, &t[..2], at(5));
    let other = fresh.lobby(&q, &t[2..], at(5));
    commit_ok(&*store, &lobby, what).await;
    commit_ok(&*store, &other, what).await;
    let lobby = played(lobby, at(6), at(9));
    let winner = t[0].players()[0].id;
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        tickets: t.iter().map(Ticket::id).collect(),
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![lobby.id(), other.id()],
        ladders: vec![ladder.clone()],
        ..Scope::default()
    };
    let own = record_for(&lobby, &ladder, at(9));
    let update = |record: MatchRecord| {
        let mut u = LobbyUpdate::new(lobby.clone(), 1);
        u.ratings = Some((
            ladder.clone(),
            vec![RatingChange {
                player: winner,
                before: None,
                after: rating(1510.0),
            }],
        ));
        u.record = Some(record);
        u
    };
    let cases = [
        (other.id(), "a record for another committed lobby"),
        (fresh.lobby_id(), "a record for a lobby never committed"),
    ];
    for (id, why) in cases {
        let mut foreign = own.clone();
        foreign.lobby = id;
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.update_lobby(update(foreign)).await;
        assert!(
            matches!(result, Err(Error::InvalidResult(_))),
            "{what}: {why}: expected InvalidResult, got {}",
            describe(&result)
        );
        assert_unchanged(&*store, &scope, &before, &format!("{what}: {why}")).await;
        assert_eq!(
            store.match_record(id).await.expect("match_record"),
            None,
            "{what}: {why}: no record under the foreign id"
        );
    }
    update_ok(&*store, update(own.clone()), what).await;
    assert_eq!(
        store.match_record(lobby.id()).await.expect("match_record"),
        Some(own),
        "{what}: the lobby's own record"
    );
}

/// A cooldown never shortens one already set: the later end wins, whether
/// the earlier end came from an earlier update or from the same update
/// listing the player twice; a later end extends it. Each end is the one
/// [`Error::Cooldown`] names, up to the instant it ends.
pub async fn cooldowns_keep_the_later_end<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "cooldowns_keep_the_later_end";
    let mut fresh = Fresh::new();
    let (q, q2) = (fresh.queue(), fresh.queue());
    let t = [fresh.solo(&q, at(0)), fresh.solo(&q, at(1))];
    let (pa, pb) = (t[0].players()[0].id, t[1].players()[0].id);
    // Players outside the lobby: a cooldown may be set for anyone.
    let (shortened, twice) = (fresh.player(), fresh.player());
    enqueue_all(&*store, &t, what).await;
    let mut lobby = fresh.lobby(&q, &t, at(2));
    commit_ok(&*store, &lobby, what).await;

    let mut expect_cooldown = |player: PlayerId, secs: i64, until: i64, why: &'static str| {
        let store = Arc::clone(&store);
        let ticket = fresh.ticket(&q2, at(secs), &[player]);
        async move {
            let result = store.enqueue(ticket).await;
            assert!(
                matches!(&result, Err(Error::Cooldown { player: p, until: u }) if *p == player && *u == at(until)),
                "{what}: {why}: enqueue at t0+{secs}s: expected Cooldown until t0+{until}s, got {}",
                describe(&result)
            );
        }
    };

    lobby.open_acceptance(at(60), at(3)).expect("open");
    let mut first = LobbyUpdate::new(lobby.clone(), 1);
    first.cooldowns = vec![(shortened, at(100)), (twice, at(100))];
    update_ok(&*store, first, what).await;

    lobby.accept(pa, at(4)).expect("accept");
    let mut second = LobbyUpdate::new(lobby.clone(), 2);
    second.cooldowns = vec![(shortened, at(50)), (twice, at(300)), (twice, at(200))];
    update_ok(&*store, second, what).await;
    expect_cooldown(shortened, 99, 100, "an earlier end from a later update").await;
    expect_cooldown(
        twice,
        299,
        300,
        "a player listed twice, the later end first",
    )
    .await;

    lobby.accept(pb, at(5)).expect("accept");
    let mut third = LobbyUpdate::new(lobby.clone(), 3);
    third.cooldowns = vec![(shortened, at(150))];
    update_ok(&*store, third, what).await;
    expect_cooldown(shortened, 149, 150, "a later end extends the cooldown").await;
    store
        .enqueue(fresh.ticket(&q2, at(150), &[shortened]))
        .await
        .unwrap_or_else(|e| panic!("{what}: the cooldown has ended at its end time: {e}"));
}

/// Each update of `cases` fails with [`Error::Conflict`] and changes nothing
/// in `scope`.
async fn refused_as_conflicts<S: Store + ?Sized>(
    store: &S,
    scope: &Scope,
    cases: Vec<(LobbyUpdate, &'static str)>,
    what: &str,
) {
    for (update, why) in cases {
        let before = Snapshot::take(store, scope).await;
        let result = store.update_lobby(update).await;
        assert!(
            matches!(result, Err(Error::Conflict(_))),
            "{what}: {why}: expected Conflict, got {}",
            describe(&result)
        );
        assert_unchanged(store, scope, &before, &format!("{what}: {why}")).await;
    }
}
