//! [`LobbyStore`] for [`RedisStore`]: `update_lobby.lua`, after the checks
//! that depend only on the stored lobby.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use matchforge_core::event::Event;
use matchforge_core::ids::{LobbyId, PlayerId};
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{LobbyStore, LobbyUpdate, Versioned};
use matchforge_core::{Error, Result};
use redis::cmd;

use crate::RedisStore;
use crate::codec::{
    array, corrupt, parse_id, queue_score, row, secs_nanos, text, timed_member, to_json, versioned,
    versioned_json,
};
use crate::conn::{Retry, SCRIPTS};
use crate::refusal::{Subject, refusal};

#[async_trait]
impl LobbyStore for RedisStore {
    async fn lobby(&self, lobby: LobbyId) -> Result<Option<Versioned<Lobby>>> {
        let mut get = cmd("HGET");
        get.arg(self.keys.lobbies()).arg(lobby.to_string());
        let stored = text(self.conn.read("lobby", &get).await?, "lobby reply")?;
        stored
            .map(|s| versioned(&s, &format!("{} {lobby}", self.keys.lobbies())))
            .transpose()
    }

    /// Two steps. First the stored lobby is read and everything that depends
    /// only on it is checked here ([`LobbyUpdate::check_against`]: version,
    /// unchanged queue, tickets and seats, no update of a finished lobby,
    /// phases only forward, requeues of its own tickets, each once, only when
    /// it finishes). Then one script re-checks the version — so that reading is
    /// still the stored lobby — checks what depends on the rest of the store
    /// (requeued players free, ratings unchanged, match not yet recorded) and
    /// only then writes everything and appends the events. Retried after a
    /// dropped connection: a lobby found stored with exactly the new value at
    /// the new version counts as updated by the lost attempt.
    async fn update_lobby(&self, update: LobbyUpdate) -> Result<u64> {
        let id = update.lobby.id();
        let stored = self.lobby(id).await?.ok_or(Error::LobbyNotFound(id))?;
        update.check_against(&stored.value, stored.version)?;
        let body = update_args(&update, &stored.value);
        let reply = self
            .write("update_lobby", Retry::Safe, &SCRIPTS.update_lobby, &body)
            .await?;
        let r = row(reply, "update_lobby reply")?;
        match r.as_slice() {
            [ok, version] if ok == "ok" => version
                .parse()
                .map_err(|_| corrupt("update_lobby reply", "not a version")),
            _ => {
                let subject = Subject {
                    lobby: Some(id),
                    party: None,
                };
                Err(refusal(&r, subject, "update_lobby reply")?)
            }
        }
    }

    async fn lobby_of(&self, player: PlayerId) -> Result<Option<LobbyId>> {
        let mut get = cmd("HGET");
        get.arg(self.keys.in_lobby()).arg(player.to_string());
        let id = text(self.conn.read("lobby_of", &get).await?, "lobby_of reply")?;
        id.map(|id| parse_id(&id, &self.keys.in_lobby()))
            .transpose()
    }

    /// The deadlines' sorted set is scored by whole seconds, its members
    /// start with the nanoseconds, so it is ordered exactly by (deadline, id).
    /// The range up to `before`'s second may end with lobbies due later in
    /// that second; they sort last and are dropped here. Redis takes a
    /// `LIMIT` count up to `i64::MAX` only, so a larger `limit` (such as
    /// `usize::MAX`, "all of them") is sent as that.
    async fn lobbies_due(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<LobbyId>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (secs, nanos) = secs_nanos(before);
        let mut range = cmd("ZRANGEBYSCORE");
        range
            .arg(self.keys.deadlines())
            .arg("-inf")
            .arg(secs)
            .arg("WITHSCORES")
            .arg("LIMIT")
            .arg(0)
            .arg(i64::try_from(limit).unwrap_or(i64::MAX));
        let place = self.keys.deadlines();
        let items = array(self.conn.read("lobbies_due", &range).await?, &place)?;
        let mut due = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(member), Some(score)) = (items.next(), items.next()) {
            let member = text(member, &place)?.unwrap_or_default();
            let score = text(score, &place)?.unwrap_or_default();
            let (member_nanos, lobby) = member
                .split_at_checked(10)
                .ok_or_else(|| corrupt(&place, "short member"))?;
            let member_nanos: u32 = parse_id(member_nanos, &place)?;
            let score: f64 = parse_id(&score, &place)?;
            if score >= secs as f64 && member_nanos > nanos {
                break;
            }
            due.push(parse_id(lobby, &place)?);
        }
        Ok(due)
    }
}

/// The arguments of `update_lobby.lua` (see the script for their order).
fn update_args(update: &LobbyUpdate, old: &Lobby) -> Vec<String> {
    let lobby = &update.lobby;
    let id = lobby.id();
    let unfinished = !lobby.phase().is_finished();
    let deadline = lobby.deadline().filter(|_| unfinished);
    let old_deadline = old.deadline().filter(|_| !old.phase().is_finished());
    let mut a = vec![
        id.to_string(),
        update.expected_version.to_string(),
        versioned_json(update.expected_version + 1, lobby),
        if unfinished { "1" } else { "0" }.to_owned(),
        deadline.map_or_else(String::new, |d| d.timestamp().to_string()),
        deadline.map_or_else(String::new, |d| timed_member(d, id)),
        old_deadline.map_or_else(String::new, |d| timed_member(d, id)),
    ];
    push_list(&mut a, old.players());
    push_list(&mut a, lobby.players());
    a.push(to_json(&lobby.state_event()));
    let mismatch = update.record.as_ref().is_some_and(|r| r.lobby != id);
    a.push(if mismatch { "1" } else { "0" }.to_owned());
    a.push(update.requeue.len().to_string());
    for t in &update.requeue {
        a.extend([
            t.id().to_string(),
            to_json(t),
            t.queue().to_string(),
            queue_score(t.enqueued_at()).to_string(),
            to_json(&Event::requeued(t, lobby.updated_at())),
        ]);
        push_list(&mut a, t.player_ids());
    }
    a.push(update.cooldowns.len().to_string());
    for (player, until) in &update.cooldowns {
        let (secs, nanos) = secs_nanos(*until);
        a.extend([player.to_string(), secs.to_string(), nanos.to_string()]);
    }
    match &update.ratings {
        Some((ladder, changes)) => {
            a.push(ladder.to_string());
            a.push(changes.len().to_string());
            for c in changes {
                a.extend([
                    c.player.to_string(),
                    c.before.as_ref().map_or_else(String::new, to_json),
                    to_json(&c.after),
                ]);
            }
        }
        None => a.extend([String::new(), "0".to_owned()]),
    }
    match &update.record {
        Some(record) => {
            a.extend([
                to_json(record),
                record.completed_at.timestamp().to_string(),
                timed_member(record.completed_at, record.lobby),
            ]);
            push_list(&mut a, record.teams.iter().flatten());
        }
        None => a.extend([String::new(), String::new(), String::new(), "0".to_owned()]),
    }
    a
}

fn push_list<T: ToString>(args: &mut Vec<String>, items: impl IntoIterator<Item = T>) {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    args.push(items.len().to_string());
    args.extend(items);
}
