//! Times as exact as chrono's: the runner's clock has nanoseconds, and the
//! ports compare and order the times it gives them exactly (the ports'
//! shared rule "Exact times").

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use matchforge_core::Error;
use matchforge_core::history::MatchRecord;
use matchforge_core::ports::{LobbyUpdate, Store};

use super::fixtures::{
    Fresh, at, commit_ok, complete_ok, describe, enqueue_all, record_for, update_ok,
};

/// Every time a store compares or orders keeps its nanoseconds, as the
/// system clock gives them: a cooldown ending 500 ns into a microsecond
/// refuses an enqueue one nanosecond before its end (naming the exact end)
/// and has ended at it; `tickets` orders two tickets enqueued within one
/// microsecond by time, not by id; `matches_of` orders two matches completed
/// within one microsecond newest first and cuts `[from, to)` exactly at
/// either end.
pub async fn times_compare_to_the_nanosecond<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "times_compare_to_the_nanosecond";
    let mut fresh = Fresh::new();
    let (q, q2, ladder) = (fresh.queue(), fresh.queue(), fresh.ladder());
    let ns = |secs: i64, nanos: i64| at(secs) + Duration::nanoseconds(nanos);

    // Tickets: the one created first (lower id) is enqueued 800 ns later.
    let later = fresh.solo(&q, ns(0, 900));
    let earlier = fresh.solo(&q, ns(0, 100));
    enqueue_all(&*store, &[later.clone(), earlier.clone()], what).await;
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![earlier.clone(), later.clone()],
        "{what}: tickets enqueued at {} and {}, within one microsecond",
        earlier.enqueued_at(),
        later.enqueued_at()
    );

    // A cooldown ending 1.5 µs past a second.
    let cooled = fresh.player();
    let until = ns(100, 1_500);
    let mut lobby = fresh.lobby(&q, &[later, earlier], ns(1, 0));
    commit_ok(&*store, &lobby, what).await;
    lobby.open_acceptance(at(60), ns(1, 0)).expect("open");
    let mut update = LobbyUpdate::new(lobby, 1);
    update.cooldowns = vec![(cooled, until)];
    update_ok(&*store, update, what).await;
    let one = Duration::nanoseconds(1);
    let result = store
        .enqueue(fresh.ticket(&q2, until - one, &[cooled]))
        .await;
    assert!(
        matches!(&result, Err(Error::Cooldown { player, until: u }) if *player == cooled && *u == until),
        "{what}: enqueue one nanosecond before a cooldown ends at {until}: expected Cooldown \
         until {until}, got {}",
        describe(&result)
    );
    store
        .enqueue(fresh.ticket(&q2, until, &[cooled]))
        .await
        .unwrap_or_else(|e| panic!("{what}: a cooldown ending at {until} has ended then: {e}"));

    // Matches completed 400 ns apart; the later one is recorded first (and
    // has the lower lobby id).
    let hero = fresh.player();
    let mut records: Vec<MatchRecord> = Vec::new();
    for (i, done) in [ns(200, 700), ns(200, 300)].into_iter().enumerate() {
        let start = ns(150 + i as i64, 0);
        let rival = fresh.player();
        let t = [
            fresh.ticket(&q, start, &[hero]),
            fresh.ticket(&q, start, &[rival]),
        ];
        enqueue_all(&*store, &t, what).await;
        let lobby = fresh.lobby(&q, &t, start);
        commit_ok(&*store, &lobby, what).await;
        let record = record_for(&lobby, &ladder, done);
        complete_ok(&*store, lobby, done, Some(record.clone()), what).await;
        records.push(record);
    }
    let (newer, older) = (&records[0], &records[1]);
    let (t_new, t_old) = (newer.completed_at, older.completed_at);
    let some = Some::<DateTime<Utc>>;
    let table = [
        (None, None, vec![newer, older]),
        (some(t_old), None, vec![newer, older]),
        (some(t_old + one), None, vec![newer]),
        (some(t_new), None, vec![newer]),
        (some(t_new + one), None, vec![]),
        (None, some(t_new + one), vec![newer, older]),
        (None, some(t_new), vec![older]),
        (None, some(t_old + one), vec![older]),
        (None, some(t_old), vec![]),
        (some(t_old), some(t_new), vec![older]),
        (some(t_old + one), some(t_new + one), vec![newer]),
    ];
    for (from, to, want) in table {
        let got = store
            .matches_of(hero, from, to, usize::MAX)
            .await
            .expect("matches_of");
        let want: Vec<MatchRecord> = want.into_iter().cloned().collect();
        assert_eq!(
            got, want,
            "{what}: matches_of({from:?}, {to:?}) over matches completed at {t_old} and {t_new}"
        );
    }
}
