//! Checks of [`RatingStore`](matchforge_core::ports::RatingStore),
//! [`PartyStore`](matchforge_core::ports::PartyStore) and
//! [`MatchHistory`](matchforge_core::ports::MatchHistory).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use matchforge_core::Error;
use matchforge_core::history::MatchRecord;
use matchforge_core::party::Party;
use matchforge_core::ports::{Store, Versioned};
use matchforge_core::rating::Rating;

use super::fixtures::{
    Fresh, at, commit_ok, complete_ok, describe, enqueue_all, rating, record_for,
};
use super::snapshot::{Scope, Snapshot, assert_unchanged};

/// Ratings come back per ladder in the order asked (`None` for unknown
/// players, repeats allowed); `put_ratings` overwrites; ladders are isolated;
/// every `f64` comes back bit for bit (a store that rounds a rating on the
/// way would make every later compare-and-set of it fail).
pub async fn ratings_per_ladder<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "ratings_per_ladder";
    let mut fresh = Fresh::new();
    let (a, b) = (fresh.ladder(), fresh.ladder());
    let [p1, p2, p3] = [fresh.player(), fresh.player(), fresh.player()];
    store
        .put_ratings(&a, &[(p1, rating(1500.0)), (p2, rating(1600.0))])
        .await
        .expect("put_ratings");
    store
        .put_ratings(&b, &[(p1, rating(1200.0))])
        .await
        .expect("put_ratings");
    store
        .put_ratings(&b, &[])
        .await
        .expect("put_ratings of nothing");

    let r = |v: f64| Some(rating(v));
    let table = [
        (
            &a,
            vec![p2, p3, p1, p2],
            vec![r(1600.0), None, r(1500.0), r(1600.0)],
        ),
        (&b, vec![p1, p2], vec![r(1200.0), None]),
        (&a, vec![], vec![]),
    ];
    for (ladder, players, want) in &table {
        let got = store.ratings(ladder, players).await.expect("ratings");
        assert_eq!(&got, want, "{what}: ratings({ladder}, {players:?})");
    }
    store
        .put_ratings(&a, &[(p1, rating(1550.0))])
        .await
        .expect("put_ratings");
    assert_eq!(
        store.ratings(&a, &[p1, p2]).await.expect("ratings"),
        vec![r(1550.0), r(1600.0)],
        "{what}: overwritten on {a}"
    );
    assert_eq!(
        store.ratings(&b, &[p1]).await.expect("ratings"),
        vec![r(1200.0)],
        "{what}: {b} untouched"
    );

    let odd: Vec<_> = (0..64).map(|i| (fresh.player(), odd_rating(i))).collect();
    store.put_ratings(&a, &odd).await.expect("put_ratings");
    let players: Vec<_> = odd.iter().map(|(p, _)| *p).collect();
    let got = store.ratings(&a, &players).await.expect("ratings");
    for ((player, want), got) in odd.iter().zip(got) {
        let got = got.unwrap_or_else(|| panic!("{what}: rating of {player} lost"));
        let bits = |r: &Rating| {
            (
                [r.rating(), r.deviation(), r.volatility()].map(f64::to_bits),
                r.games(),
            )
        };
        assert_eq!(
            bits(&got),
            bits(want),
            "{what}: {want:?} came back as {got:?}, not bit for bit"
        );
    }
}

/// The `i`th of a run of ratings whose values have all 17 significant digits,
/// as rating updates produce (about one `f64` in six has no shorter exact
/// decimal form than a parser without correct rounding gets wrong).
pub(crate) fn odd_rating(i: u32) -> Rating {
    let x = f64::from(i);
    Rating::new(
        1500.0 + 1.0 / (x + 3.0) + x * 7.123_456_789_012_345,
        60.0 + 1.0 / (x + 7.0),
        0.06 - 1.0 / (x * 1.0e6 + 2.9e7),
    )
    .expect("odd ratings are valid")
    .with_games(i * 7)
}

/// `put_ratings` given a player more than once stores the last of their
/// ratings, as if the pairs were put one after another, whether the player
/// had a rating before or not, and wherever the repeats fall in a call (also
/// hundreds of pairs apart); the other players of the call get theirs as
/// given, and `ratings` reads the winner back wherever it is asked for. The
/// compare-and-set variant, a lobby update's rating changes, has its own
/// check ([`update_lobby_compares_repeated_players`](super::update_lobby_compares_repeated_players)).
pub async fn put_ratings_keeps_the_last_repeat<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "put_ratings_keeps_the_last_repeat";
    let mut fresh = Fresh::new();
    let (ladder, other) = (fresh.ladder(), fresh.ladder());
    let [veteran, rookie, bystander, twin] = [(); 4].map(|()| fresh.player());
    store
        .put_ratings(&ladder, &[(veteran, rating(1500.0))])
        .await
        .expect("put_ratings");
    store
        .put_ratings(&other, &[(veteran, rating(1400.0))])
        .await
        .expect("put_ratings");
    let call = [
        (rookie, odd_rating(1)),
        (veteran, odd_rating(2)),
        (bystander, odd_rating(3)),
        (rookie, odd_rating(4)),
        (veteran, odd_rating(5)),
        (twin, odd_rating(6)),
        (veteran, odd_rating(7)),
        (twin, odd_rating(6)),
    ];
    store
        .put_ratings(&ladder, &call)
        .await
        .unwrap_or_else(|e| panic!("{what}: put_ratings with repeated players failed: {e}"));
    let asked = [veteran, rookie, bystander, twin, veteran, rookie];
    let r = |i| Some(odd_rating(i));
    assert_eq!(
        store.ratings(&ladder, &asked).await.expect("ratings"),
        vec![r(7), r(4), r(3), r(6), r(7), r(4)],
        "{what}: after put_ratings({call:?}), read as {asked:?}: each player keeps the last \
         rating listed for them"
    );
    assert_eq!(
        store.ratings(&other, &[veteran]).await.expect("ratings"),
        vec![Some(rating(1400.0))],
        "{what}: another ladder keeps its rating"
    );

    // Three rounds over the same players, each round later in the call.
    let players: Vec<_> = (0..200).map(|_| fresh.player()).collect();
    let rounds: Vec<_> = (0..3u32)
        .flat_map(|round| {
            players
                .iter()
                .enumerate()
                .map(move |(i, &p)| (p, odd_rating(round * 200 + i as u32)))
        })
        .collect();
    store
        .put_ratings(&ladder, &rounds)
        .await
        .unwrap_or_else(|e| panic!("{what}: put_ratings of three rounds failed: {e}"));
    let want: Vec<_> = (0..200u32).map(|i| Some(odd_rating(400 + i))).collect();
    assert_eq!(
        store.ratings(&ladder, &players).await.expect("ratings"),
        want,
        "{what}: 200 players listed three times each, 200 pairs apart: each keeps the third"
    );
}

/// Parties are created at version 1 and each update adds one; creating an
/// existing party, updating or deleting from another version, or touching a
/// deleted party fails with [`Error::Conflict`] and changes nothing.
pub async fn parties_are_versioned<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "parties_are_versioned";
    let mut fresh = Fresh::new();
    let (id, leader, friend) = (fresh.party_id(), fresh.player(), fresh.player());
    let mut party = Party::new(id, leader, 5, at(0)).expect("party");
    let scope = Scope {
        players: vec![leader, friend],
        parties: vec![id],
        ..Scope::default()
    };
    assert_eq!(
        store.save_party(&party, None).await.expect("create"),
        1,
        "{what}: created at version 1"
    );
    let v1 = Some(Versioned {
        value: party.clone(),
        version: 1,
    });
    assert_eq!(
        store.party(id).await.expect("party"),
        v1,
        "{what}: party(id)"
    );
    assert_eq!(
        store.party_of(leader).await.expect("party_of"),
        v1,
        "{what}: party_of(leader)"
    );

    party.invite(leader, friend).expect("invite");
    party.join(friend).expect("join");
    let failing = |expected: Option<u64>, why: &'static str| (party.clone(), expected, why);
    for (p, expected, why) in [
        failing(None, "create of an existing party"),
        failing(Some(2), "update from a version ahead"),
        failing(Some(u64::MAX), "update from the largest version"),
    ] {
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.save_party(&p, expected).await;
        assert!(
            matches!(result, Err(Error::Conflict(_))),
            "{what}: {why}: expected Conflict, got {}",
            describe(&result)
        );
        assert_unchanged(&*store, &scope, &before, &format!("{what}: {why}")).await;
    }
    assert_eq!(
        store.save_party(&party, Some(1)).await.expect("update"),
        2,
        "{what}: updated to version 2"
    );
    let v2 = Some(Versioned {
        value: party.clone(),
        version: 2,
    });
    assert_eq!(
        store.party_of(friend).await.expect("party_of"),
        v2,
        "{what}: party_of(new member)"
    );

    let before = Snapshot::take(&*store, &scope).await;
    for (result, why) in [
        (
            store.save_party(&party, Some(1)).await.map(|_| ()),
            "a stale update",
        ),
        (store.delete_party(id, 1).await, "a stale delete"),
    ] {
        assert!(
            matches!(result, Err(Error::Conflict(_))),
            "{what}: {why}: expected Conflict, got {}",
            describe(&result)
        );
    }
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: stale update and delete"),
    )
    .await;

    store.delete_party(id, 2).await.expect("delete");
    for (got, who) in [
        (store.party(id).await, "party(id)"),
        (store.party_of(leader).await, "party_of(leader)"),
        (store.party_of(friend).await, "party_of(member)"),
    ] {
        assert_eq!(got.expect("read"), None, "{what}: {who} after delete");
    }
    for (result, why) in [
        (store.delete_party(id, 2).await, "delete of a deleted party"),
        (
            store.save_party(&party, Some(2)).await.map(|_| ()),
            "update of a deleted party",
        ),
    ] {
        assert!(
            matches!(result, Err(Error::Conflict(_))),
            "{what}: {why}: expected Conflict, got {}",
            describe(&result)
        );
    }
    assert_eq!(
        store.party(id).await.expect("party"),
        None,
        "{what}: still deleted"
    );
}

/// A player belongs to at most one party: saving a party with a member of
/// another fails with [`Error::PartyRule`] and changes nothing; leaving (an
/// update) or a deleted party frees the member.
pub async fn party_membership_is_unique<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "party_membership_is_unique";
    let mut fresh = Fresh::new();
    let (first_id, second_id) = (fresh.party_id(), fresh.party_id());
    let (p1, p2, p3) = (fresh.player(), fresh.player(), fresh.player());
    let mut first = Party::new(first_id, p1, 5, at(0)).expect("party");
    first.invite(p1, p2).expect("invite");
    first.join(p2).expect("join");
    store
        .save_party(&first, None)
        .await
        .expect("create the first party");
    let scope = Scope {
        players: vec![p1, p2, p3],
        parties: vec![first_id, second_id],
        ..Scope::default()
    };

    let mut second = Party::new(second_id, p3, 5, at(1)).expect("party");
    let mut poacher = second.clone();
    poacher.invite(p3, p2).expect("invite");
    poacher.join(p2).expect("join");
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.save_party(&poacher, None).await;
    assert!(
        matches!(result, Err(Error::PartyRule { .. })),
        "{what}: create with another party's member: expected PartyRule, got {}",
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: create with another party's member"),
    )
    .await;

    store
        .save_party(&second, None)
        .await
        .expect("create the second party");
    let mut grab = first.clone();
    grab.invite(p1, p3).expect("invite");
    grab.join(p3).expect("join");
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.save_party(&grab, Some(1)).await;
    assert!(
        matches!(result, Err(Error::PartyRule { .. })),
        "{what}: update adding another party's member: expected PartyRule, got {}",
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: update adding another party's member"),
    )
    .await;

    first.leave(p2).expect("leave");
    store
        .save_party(&first, Some(1))
        .await
        .expect("p2 leaves the first party");
    assert_eq!(
        store.party_of(p2).await.expect("party_of"),
        None,
        "{what}: party_of after leaving"
    );
    second.invite(p3, p2).expect("invite");
    second.join(p2).expect("join");
    let v = store
        .save_party(&second, Some(1))
        .await
        .unwrap_or_else(|e| panic!("{what}: a member who left may join another party: {e}"));
    assert_eq!(
        store
            .party_of(p2)
            .await
            .expect("party_of")
            .map(|p| p.value.id()),
        Some(second_id),
        "{what}: party_of after joining"
    );

    store.delete_party(second_id, v).await.expect("delete");
    first.invite(p1, p3).expect("invite");
    first.join(p3).expect("join");
    store
        .save_party(&first, Some(2))
        .await
        .unwrap_or_else(|e| panic!("{what}: members of a deleted party are free: {e}"));
    assert_eq!(
        store
            .party_of(p3)
            .await
            .expect("party_of")
            .map(|p| p.value.id()),
        Some(first_id),
        "{what}: party_of(p3)"
    );
}

/// `matches_of` lists a player's matches completed in `[from, to)`, newest
/// first, at most `limit`, and no one else's; an empty or inverted range
/// lists nothing.
pub async fn history_by_player_and_time<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "history_by_player_and_time";
    let mut fresh = Fresh::new();
    let (q, ladder) = (fresh.queue(), fresh.ladder());
    let (hero, friend, stranger) = (fresh.player(), fresh.player(), fresh.player());
    // Completed at +30, +10, +40, +20 (recorded out of time order); the friend plays the +10 and +40 ones.
    let mut records: Vec<MatchRecord> = Vec::new();
    for (i, done) in [30, 10, 40, 20].into_iter().enumerate() {
        let other = if matches!(done, 10 | 40) {
            friend
        } else {
            fresh.player()
        };
        let t = [
            fresh.ticket(&q, at(i as i64), &[hero]),
            fresh.ticket(&q, at(i as i64), &[other]),
        ];
        enqueue_all(&*store, &t, what).await;
        let lobby = fresh.lobby(&q, &t, at(i as i64 + 1));
        commit_ok(&*store, &lobby, what).await;
        let record = record_for(&lobby, &ladder, at(done));
        complete_ok(&*store, lobby, at(done), Some(record.clone()), what).await;
        records.push(record);
    }
    let [r30, r10, r40, r20] = [0, 1, 2, 3].map(|i| records[i].clone());
    let t = |secs| Some::<DateTime<Utc>>(at(secs));
    let table = [
        (hero, None, None, 10, vec![&r40, &r30, &r20, &r10]),
        (hero, None, None, 2, vec![&r40, &r30]),
        (hero, None, None, 0, vec![]),
        (hero, t(20), t(40), 10, vec![&r30, &r20]),
        (hero, t(21), None, 10, vec![&r40, &r30]),
        (hero, None, t(20), 10, vec![&r10]),
        // Empty and inverted ranges list nothing.
        (hero, t(30), t(30), 10, vec![]),
        (hero, t(40), t(20), 10, vec![]),
        (friend, None, None, 10, vec![&r40, &r10]),
        (stranger, None, None, 10, vec![]),
    ];
    for (player, from, to, limit, want) in table {
        let got = store
            .matches_of(player, from, to, limit)
            .await
            .expect("matches_of");
        let want: Vec<MatchRecord> = want.into_iter().cloned().collect();
        assert_eq!(
            got, want,
            "{what}: matches_of({player}, {from:?}, {to:?}, {limit})"
        );
    }
}
