//! Values in the namespace that do not decode (written by something other
//! than this store): a call that meets one fails with an error and changes
//! nothing, even when it meets it after values it could have changed.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{all_events, one_v_one_lobbies, side_connection, solo_tickets};
use matchforge_core::ids::{PartyId, PlayerId, QueueName};
use matchforge_core::party::Party;
use matchforge_core::ports::{LobbyStore, LobbyUpdate, PartyStore, TicketStore};
use matchforge_core::ticket::Ticket;
use matchforge_redis::RedisStore;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

/// Writes `field` = `value` into the hash `name` of the store's namespace.
async fn hset(store: &RedisStore, url: &str, name: &str, field: &str, value: &str) {
    let mut side = side_connection(url).await;
    let key = format!("{}{name}", store.config().key_prefix());
    let _: redis::Value = redis::cmd("HSET")
        .arg(&key)
        .arg(field)
        .arg(value)
        .query_async(&mut side)
        .await
        .expect("HSET");
}

/// A store in a fresh namespace with `tickets` queued.
async fn store_with(url: &str, tickets: Vec<Ticket>) -> RedisStore {
    let store = RedisStore::connect(url, &common::fresh_namespace())
        .await
        .expect("connect");
    store
        .enqueue_many(tickets)
        .await
        .expect("enqueue")
        .into_iter()
        .collect::<Result<Vec<()>, _>>()
        .expect("queued");
    store
}

#[tokio::test]
async fn expire_meeting_a_corrupt_ticket_removes_nothing() {
    let Some(url) = common::redis_url() else {
        return;
    };
    let q = QueueName::new("duel");
    let tickets = solo_tickets(&q, 2, t0());
    let store = store_with(&url, tickets.clone()).await;
    // The second ticket's stored document is damaged.
    hset(
        &store,
        &url,
        "tickets",
        &tickets[1].id().to_string(),
        "{not json",
    )
    .await;
    let events = all_events(&store).await;

    let ids = [tickets[0].id(), tickets[1].id()];
    let result = store.expire(&ids, t0() + Duration::hours(1)).await;
    assert!(result.is_err(), "expire over a corrupt ticket: {result:?}");
    assert_eq!(
        store.ticket(tickets[0].id()).await.expect("ticket"),
        Some(tickets[0].clone()),
        "the intact ticket is still waiting"
    );
    assert_eq!(
        store
            .ticket_of(tickets[0].players()[0].id)
            .await
            .expect("ticket_of"),
        Some(tickets[0].clone()),
        "its player still waits on it"
    );
    assert_eq!(all_events(&store).await, events, "no event was logged");
    store.purge().await.expect("purge");
}

/// A ticket that does not decode fails the read of its queue (and so its
/// ticks) with an error naming the hash and, when the damaged document still
/// shows it, the ticket's id, so an operator can find it. Other queues read as
/// before.
#[tokio::test]
async fn a_corrupt_ticket_is_named_by_the_error_of_its_queue() {
    let Some(url) = common::redis_url() else {
        return;
    };
    let (q, other) = (QueueName::new("duel"), QueueName::new("other"));
    let tickets = solo_tickets(&q, 2, t0());
    let elsewhere = solo_tickets(&other, 1, t0()).remove(0);
    let mut all = tickets.clone();
    all.push(elsewhere.clone());
    let store = store_with(&url, all).await;
    let hash = format!("{}tickets", store.config().key_prefix());
    let bad = tickets[1].id().to_string();

    // A document a newer version might write (its id is readable, a field
    // this version needs is gone), then one that is no ticket at all.
    let mut newer = serde_json::to_value(&tickets[1]).expect("a ticket serialises");
    newer
        .as_object_mut()
        .expect("a ticket is an object")
        .remove("players");
    for (document, named) in [
        (newer.to_string(), format!("{hash}, field {bad}")),
        (
            "{not json".to_owned(),
            format!("{hash} (a document that shows no ticket id)"),
        ),
    ] {
        hset(&store, &url, "tickets", &bad, &document).await;
        let message = store
            .tickets(&q)
            .await
            .expect_err("a corrupt queue")
            .to_string();
        assert!(message.contains(&named), "{message}");
        assert!(!message.contains(&tickets[0].id().to_string()), "{message}");
    }

    assert_eq!(
        store.tickets(&other).await.expect("tickets"),
        vec![elsewhere]
    );
    assert_eq!(
        store.ticket(tickets[0].id()).await.expect("ticket"),
        Some(tickets[0].clone()),
        "the intact ticket is still waiting"
    );
    store.purge().await.expect("purge");
}

#[tokio::test]
async fn update_lobby_meeting_a_corrupt_cooldown_changes_nothing() {
    let Some(url) = common::redis_url() else {
        return;
    };
    let store = RedisStore::connect(&url, &common::fresh_namespace())
        .await
        .expect("connect");
    let q = QueueName::new("duel");
    let tickets = solo_tickets(&q, 2, t0());
    let lobbies = one_v_one_lobbies(&q, &tickets, t0());
    store.enqueue_many(tickets.clone()).await.expect("enqueue");
    store.commit(&lobbies[0]).await.expect("commit");
    let player = tickets[0].players()[0].id;
    hset(&store, &url, "cooldowns", &player.to_string(), "soon").await;
    let events = all_events(&store).await;

    let mut lobby = lobbies[0].clone();
    lobby
        .cancel("server lost", t0() + Duration::seconds(1))
        .expect("cancel");
    let mut update = LobbyUpdate::new(lobby, 1);
    update.cooldowns = vec![(player, t0() + Duration::minutes(5))];
    let result = store.update_lobby(update).await;
    assert!(
        result.is_err(),
        "update over a corrupt cooldown: {result:?}"
    );
    let stored = store
        .lobby(lobbies[0].id())
        .await
        .expect("lobby")
        .expect("stored");
    assert_eq!(
        (stored.version, &stored.value),
        (1, &lobbies[0]),
        "the lobby is as committed"
    );
    assert_eq!(
        store.lobby_of(player).await.expect("lobby_of"),
        Some(lobbies[0].id()),
        "the player is still seated"
    );
    assert_eq!(all_events(&store).await, events, "no event was logged");
    store.purge().await.expect("purge");
}

/// The `party_of` entry of `player`, read around the store.
async fn party_of_raw(store: &RedisStore, url: &str, player: PlayerId) -> Option<String> {
    let mut side = side_connection(url).await;
    let key = format!("{}party_of", store.config().key_prefix());
    redis::cmd("HGET")
        .arg(&key)
        .arg(player.to_string())
        .query_async(&mut side)
        .await
        .expect("HGET")
}

#[tokio::test]
async fn party_writes_meeting_a_corrupt_party_change_nothing() {
    let Some(url) = common::redis_url() else {
        return;
    };
    let store = RedisStore::connect(&url, &common::fresh_namespace())
        .await
        .expect("connect");
    let (id, leader, mate, third) = (
        PartyId::from_u128(1),
        PlayerId::from_u128(11),
        PlayerId::from_u128(12),
        PlayerId::from_u128(13),
    );
    let mut party = Party::new(id, leader, 5, t0()).expect("party");
    party.invite(leader, mate).expect("invite");
    party.join(mate).expect("join");
    store.save_party(&party, None).await.expect("create");
    // The stored party's second member is damaged (a number, not an id);
    // its first member is still listed as the party's.
    let stored: String = {
        let mut side = side_connection(&url).await;
        redis::cmd("HGET")
            .arg(format!("{}parties", store.config().key_prefix()))
            .arg(id.to_string())
            .query_async(&mut side)
            .await
            .expect("HGET")
    };
    let (version, json) = stored.split_once(' ').expect("<version> <json>");
    let mut doc: serde_json::Value = serde_json::from_str(json).expect("json");
    doc["members"][1] = serde_json::json!(5);
    let damaged = format!("{version} {doc}");
    hset(&store, &url, "parties", &id.to_string(), &damaged).await;
    let events = all_events(&store).await;

    let mut grown = party.clone();
    grown.invite(leader, third).expect("invite");
    grown.join(third).expect("join");
    let saved = store.save_party(&grown, Some(1)).await;
    assert!(saved.is_err(), "save over a corrupt party: {saved:?}");
    let deleted = store.delete_party(id, 1).await;
    assert!(deleted.is_err(), "delete of a corrupt party: {deleted:?}");
    for (player, want) in [(leader, Some(id.to_string())), (third, None)] {
        assert_eq!(
            party_of_raw(&store, &url, player).await,
            want,
            "party_of {player} is as it was"
        );
    }
    assert_eq!(all_events(&store).await, events, "no event was logged");
    store.purge().await.expect("purge");
}
