//! The refusals scripts reply with, as the core's errors.
//!
//! A script that refuses a call changes nothing and replies with a row
//! naming the rule: `{'already_queued', player, ticket, queue}`,
//! `{'in_lobby', player, lobby}`, `{'cooldown', player, "<secs> <nanos>"}`,
//! `{'conflict', message}`, `{'lobby_not_found'}`, `{'invalid_result'}`,
//! `{'party_rule', member, other party}`.

use matchforge_core::ids::{LobbyId, PartyId};
use matchforge_core::{Error, Result};

use crate::codec::{corrupt, parse_id, parse_time};

/// What a refusal row is about, for the errors that need it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Subject {
    pub(crate) lobby: Option<LobbyId>,
    pub(crate) party: Option<PartyId>,
}

/// The error a refusal row stands for.
pub(crate) fn refusal(row: &[String], subject: Subject, place: &str) -> Result<Error> {
    let bad = || corrupt(place, &format!("unknown refusal {row:?}"));
    let strs: Vec<&str> = row.iter().map(String::as_str).collect();
    Ok(match strs.as_slice() {
        ["already_queued", player, ticket, queue] => Error::AlreadyQueued {
            player: parse_id(player, place)?,
            ticket: parse_id(ticket, place)?,
            queue: (*queue).into(),
        },
        ["in_lobby", player, lobby] => Error::InLobby {
            player: parse_id(player, place)?,
            lobby: parse_id(lobby, place)?,
        },
        ["cooldown", player, until] => Error::Cooldown {
            player: parse_id(player, place)?,
            until: parse_time(until, place)?,
        },
        ["conflict", message] => Error::Conflict((*message).to_owned()),
        ["lobby_not_found"] => Error::LobbyNotFound(subject.lobby.ok_or_else(bad)?),
        ["invalid_result"] => {
            let lobby = subject.lobby.ok_or_else(bad)?;
            Error::InvalidResult(format!(
                "lobby {lobby}: the match record is for another lobby"
            ))
        }
        ["party_rule", member, other] => Error::PartyRule {
            party: subject.party.ok_or_else(bad)?,
            reason: format!("player {member} belongs to party {other}"),
        },
        _ => return Err(bad()),
    })
}
