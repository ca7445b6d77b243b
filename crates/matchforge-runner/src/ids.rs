//! Where new ids come from.

use std::sync::Mutex;

use matchforge_core::ids::{LobbyId, PartyId, TicketId};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// Makes ids for new tickets, lobbies and parties.
pub trait IdGenerator: Send + Sync + std::fmt::Debug {
    /// A fresh 128-bit id.
    fn next_uuid(&self) -> Uuid;

    /// A fresh ticket id.
    fn ticket(&self) -> TicketId {
        TicketId::from_uuid(self.next_uuid())
    }

    /// A fresh lobby id.
    fn lobby(&self) -> LobbyId {
        LobbyId::from_uuid(self.next_uuid())
    }

    /// A fresh party id.
    fn party(&self) -> PartyId {
        PartyId::from_uuid(self.next_uuid())
    }
}

/// Random (v4) UUIDs: unique across processes, for production.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn next_uuid(&self) -> Uuid {
        Uuid::new_v4()
    }
}

/// UUIDs from a seeded generator: the same seed gives the same ids, so a
/// simulation repeats exactly.
///
/// ```
/// use matchforge_runner::ids::{IdGenerator, SeededIds};
///
/// let (a, b) = (SeededIds::new(7), SeededIds::new(7));
/// assert_eq!(a.ticket(), b.ticket());
/// assert_ne!(a.ticket(), a.ticket());
/// ```
#[derive(Debug)]
pub struct SeededIds {
    rng: Mutex<ChaCha8Rng>,
}

impl SeededIds {
    /// Ids from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }
}

impl IdGenerator for SeededIds {
    fn next_uuid(&self) -> Uuid {
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        uuid::Builder::from_random_bytes(rng.random()).into_uuid()
    }
}
