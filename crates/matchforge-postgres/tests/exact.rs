//! Exactness: ratings round-trip bit for bit and compare exactly; times keep
//! their nanoseconds wherever the store compares or orders them.

mod common;

use chrono::Duration;
use matchforge_core::Error;
use matchforge_core::history::RatingChange;
use matchforge_core::ids::{Ladder, QueueName};
use matchforge_core::lobby::{Lobby, MatchResult};
use matchforge_core::ports::{LobbyStore, LobbyUpdate, MatchHistory, RatingStore, TicketStore};
use matchforge_core::rating::Rating;

use common::fixtures::{Ids, at, duel, record};

fn ns(n: i64) -> Duration {
    Duration::nanoseconds(n)
}

/// Awkward f64s and `games` round-trip bit for bit, and a compare-and-set
/// against the stored value passes while one a single ulp off conflicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_round_trip_bit_for_bit() {
    let Some(store) = common::store().await else {
        return;
    };
    let mut ids = Ids::new(41);
    let ladder = Ladder::new("exact");
    let values = [
        (0.1 + 0.2, 1e-300, 5e-324, 0),
        (f64::MAX, f64::MIN_POSITIVE, 0.0, u32::MAX),
        (-1_234.567_890_123_456_7, 350.0, 0.06, 17),
        (1_500.000_000_000_000_2, 0.0, f64::MAX, 1),
        (-0.0, 25.0 / 3.0, 1.0 / 3.0, 2),
    ];
    let ratings: Vec<_> = values
        .iter()
        .map(|&(r, d, v, g)| {
            let rating = Rating::new(r, d, v).expect("valid").with_games(g);
            (ids.player(), rating)
        })
        .collect();
    store.put_ratings(&ladder, &ratings).await.expect("put");
    let players: Vec<_> = ratings.iter().map(|(p, _)| *p).collect();
    let got = store.ratings(&ladder, &players).await.expect("ratings");
    for ((_, want), got) in ratings.iter().zip(&got) {
        let got = got.expect("stored");
        let bits = |r: &Rating| {
            (
                r.rating().to_bits(),
                r.deviation().to_bits(),
                r.volatility().to_bits(),
                r.games(),
            )
        };
        assert_eq!(bits(&got), bits(want), "{want:?}");
    }

    let q = QueueName::new("exact");
    let pair = [ids.solo(&q, at(0)), ids.solo(&q, at(1))];
    store.enqueue_many(pair.to_vec()).await.expect("enqueue");
    let mut lobby = duel(ids.lobby(), &q, &pair, at(2));
    store.commit(&lobby).await.expect("commit");
    lobby.skip_acceptance(at(3)).expect("ready");
    lobby.dispatch("eu", at(3)).expect("dispatch");
    lobby
        .complete(MatchResult::winner(0, 2), at(4))
        .expect("complete");
    let (player, stored) = ratings[0];
    let one_ulp_off = Rating::new(
        f64::from_bits(stored.rating().to_bits() + 1),
        1e-300,
        5e-324,
    )
    .expect("valid");
    let update = |before: Rating| {
        let mut u = LobbyUpdate::new(lobby.clone(), 1);
        u.ratings = Some((
            ladder.clone(),
            vec![RatingChange {
                player,
                before: Some(before),
                after: stored.with_games(1),
            }],
        ));
        u
    };
    assert!(matches!(
        store.update_lobby(update(one_ulp_off)).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        store.update_lobby(update(stored)).await.expect("exact CAS"),
        2
    );
}

/// Tickets in the same microsecond are ordered by their nanoseconds; a
/// cooldown ends at its exact nanosecond; a deadline is due from its exact
/// nanosecond; history bounds cut at the nanosecond.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_keep_their_nanoseconds() {
    let Some(store) = common::store().await else {
        return;
    };
    let mut ids = Ids::new(42);
    let q = QueueName::new("nanos");
    let base = at(0);
    let [late, early, mid] = [ns(900), ns(100), ns(500)].map(|d| ids.solo(&q, base + d));
    store
        .enqueue_many(vec![late.clone(), early.clone(), mid.clone()])
        .await
        .expect("enqueue");
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![early.clone(), mid.clone(), late.clone()]
    );

    // A declined ready check with a cooldown ending 1 ns into a microsecond.
    store
        .expire(&[late.id()], base)
        .await
        .expect("expire the third");
    let mut lobby: Lobby = duel(ids.lobby(), &q, &[early.clone(), mid.clone()], at(1));
    store.commit(&lobby).await.expect("commit");
    let deadline = at(30) + ns(1);
    lobby.open_acceptance(deadline, at(2)).expect("open");
    store
        .update_lobby(LobbyUpdate::new(lobby.clone(), 1))
        .await
        .expect("open");
    for (before, due) in [(deadline - ns(1), false), (deadline, true)] {
        let got = store.lobbies_due(before, 10).await.expect("lobbies_due");
        assert_eq!(got.contains(&lobby.id()), due, "due at {before:?}");
    }
    let decliner = mid.players()[0].id;
    let cancellation = lobby.decline(decliner, at(3)).expect("decline");
    let until = at(60) + ns(1);
    let mut u = LobbyUpdate::new(lobby.clone(), 2);
    u.requeue = cancellation.requeue;
    u.cooldowns = vec![(decliner, until)];
    store.update_lobby(u).await.expect("decline");
    match store
        .enqueue(ids.ticket(&q, until - ns(1), &[decliner]))
        .await
    {
        Err(Error::Cooldown { until: u, .. }) => assert_eq!(u, until),
        other => panic!("1 ns before the cooldown ends: {other:?}"),
    }
    store
        .enqueue(ids.ticket(&q, until, &[decliner]))
        .await
        .expect("at the cooldown's end");

    // History bounds at the nanosecond.
    let ladder = Ladder::new("nanos");
    let pair = [ids.solo(&q, at(70)), ids.solo(&q, at(70))];
    store.enqueue_many(pair.to_vec()).await.expect("enqueue");
    let mut played = duel(ids.lobby(), &q, &pair, at(71));
    store.commit(&played).await.expect("commit");
    let done = at(80) + ns(5);
    played.skip_acceptance(done).expect("ready");
    played.dispatch("eu", done).expect("dispatch");
    played
        .complete(MatchResult::winner(0, 2), done)
        .expect("complete");
    let mut u = LobbyUpdate::new(played.clone(), 1);
    let rec = record(&played, &ladder, done);
    u.record = Some(rec.clone());
    store.update_lobby(u).await.expect("complete");
    let hero = pair[0].players()[0].id;
    let table = [
        (Some(done), None, 1),
        (Some(done + ns(1)), None, 0),
        (None, Some(done), 0),
        (None, Some(done + ns(1)), 1),
        (Some(done - ns(4)), Some(done + ns(1)), 1),
    ];
    for (from, to, want) in table {
        let got = store
            .matches_of(hero, from, to, 10)
            .await
            .expect("matches_of");
        assert_eq!(got.len(), want, "matches_of({from:?}, {to:?})");
    }
}
