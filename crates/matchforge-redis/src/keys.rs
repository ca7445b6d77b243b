//! The key layout: every key of a namespace starts with `{mf:<namespace>}:`.
//!
//! Redis Cluster hashes only the part of a key between the first `{` and the
//! next `}` when there is one (the *hash tag*), so every key below lands in
//! the slot of `mf:<namespace>`, and a script may touch any of them. The Lua
//! scripts build the same names from the prefix they are passed; the tests
//! check both sides (the builder here, and every key a full scenario leaves
//! in Redis).

use matchforge_core::ids::{Ladder, PlayerId, QueueName};

/// The names of a namespace's keys.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    /// The keys of the namespace whose prefix is `prefix` (`{mf:<ns>}:`).
    pub(crate) fn new(prefix: String) -> Self {
        Self { prefix }
    }

    /// `{mf:<ns>}:`, passed to every script.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// HASH ticket id → ticket JSON, waiting tickets only.
    pub(crate) fn tickets(&self) -> String {
        self.key("tickets")
    }

    /// ZSET of a queue's waiting ticket ids, scored by enqueue time in microseconds.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "only the scripts name this key; the layout test checks it"
        )
    )]
    pub(crate) fn queue(&self, queue: &QueueName) -> String {
        self.key(&format!("q:{queue}"))
    }

    /// HASH player → the waiting ticket that holds them.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "only the scripts name this key; the layout test checks it"
        )
    )]
    pub(crate) fn waiting_players(&self) -> String {
        self.key("waiting_players")
    }

    /// HASH player → their unfinished lobby.
    pub(crate) fn in_lobby(&self) -> String {
        self.key("in_lobby")
    }

    /// HASH player → cooldown end, `"<secs> <nanos>"`.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "only the scripts name this key; the layout test checks it"
        )
    )]
    pub(crate) fn cooldowns(&self) -> String {
        self.key("cooldowns")
    }

    /// HASH lobby id → `"<version> <lobby JSON>"`.
    pub(crate) fn lobbies(&self) -> String {
        self.key("lobbies")
    }

    /// ZSET of open ready checks: member `<nanos:010><lobby id>`, score the deadline's seconds.
    pub(crate) fn deadlines(&self) -> String {
        self.key("deadlines")
    }

    /// HASH player → rating JSON, one per ladder.
    pub(crate) fn ratings(&self, ladder: &Ladder) -> String {
        self.key(&format!("ratings:{ladder}"))
    }

    /// HASH party id → `"<version> <party JSON>"`.
    pub(crate) fn parties(&self) -> String {
        self.key("parties")
    }

    /// HASH player → their party.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "only the scripts name this key; the layout test checks it"
        )
    )]
    pub(crate) fn party_of(&self) -> String {
        self.key("party_of")
    }

    /// HASH lobby id → match record JSON.
    pub(crate) fn records(&self) -> String {
        self.key("records")
    }

    /// ZSET of a player's matches: member `<nanos:010><lobby id>`, score the completion's seconds.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "only the scripts name this key; the layout test checks it"
        )
    )]
    pub(crate) fn history(&self, player: PlayerId) -> String {
        self.key(&format!("history:{player}"))
    }

    /// STREAM of events, field `e`: the events of one script call, one JSON per line.
    pub(crate) fn events(&self) -> String {
        self.key("events")
    }

    /// A `SCAN MATCH` pattern for every key of the namespace (the namespace's
    /// characters are checked to hold no glob syntax).
    pub(crate) fn pattern(&self) -> String {
        self.key("*")
    }
}

/// The Redis Cluster hash slot of `key`: CRC16 (XMODEM) of its hash tag, or
/// of the whole key without one, modulo 16384.
#[cfg(test)]
pub(crate) fn key_slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16_xmodem(hashed) % 16384
}

#[cfg(test)]
fn crc16_xmodem(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RedisConfig;

    #[test]
    fn slots_match_redis() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        let table: [(&[u8], u16); 6] = [
            (b"123456789", 12739),
            (b"foo", 12182),
            (b"{user1000}.following", 3443),
            (b"{user1000}.followers", 3443),
            (b"foo{}{bar}", 8363),
            (b"foo{{bar}}zap", 4015),
        ];
        for (key, slot) in table {
            assert_eq!(key_slot(key), slot, "{}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn every_key_of_a_namespace_shares_its_slot() {
        for namespace in ["eu-ranked", "test:0123", "a"] {
            let config = RedisConfig::new("redis://x", namespace).expect("valid");
            let keys = Keys::new(config.key_prefix());
            let odd = QueueName::new("{weird}queue}");
            let all = [
                keys.tickets(),
                keys.queue(&QueueName::new("ranked")),
                keys.queue(&odd),
                keys.waiting_players(),
                keys.in_lobby(),
                keys.cooldowns(),
                keys.lobbies(),
                keys.deadlines(),
                keys.ratings(&Ladder::new("{x}")),
                keys.parties(),
                keys.party_of(),
                keys.records(),
                keys.history(PlayerId::from_u128(7)),
                keys.events(),
            ];
            let tag = format!("mf:{namespace}");
            for key in &all {
                assert!(key.starts_with(&format!("{{{tag}}}:")), "{key}");
                assert_eq!(
                    key_slot(key.as_bytes()),
                    key_slot(tag.as_bytes()),
                    "{key} is not in the slot of {tag}"
                );
            }
        }
    }
}
