//! [`EventLog`] for [`MemoryStore`].

use async_trait::async_trait;
use matchforge_core::Result;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::ports::EventLog;

use crate::MemoryStore;

#[async_trait]
impl EventLog for MemoryStore {
    /// The n-th event ever appended (from 1) has cursor `(0, n)`. A cursor with
    /// a non-zero major part is past every event of this store.
    async fn events_after(
        &self,
        after: Option<EventCursor>,
        limit: usize,
    ) -> Result<Vec<(EventCursor, Event)>> {
        let state = self.lock();
        let start = match after {
            None => 0,
            Some(c) if c.major == 0 => usize::try_from(c.minor).unwrap_or(usize::MAX),
            Some(_) => usize::MAX,
        }
        .min(state.events.len());
        Ok(state.events[start..]
            .iter()
            .take(limit)
            .zip(start as u64 + 1..)
            .map(|(event, seq)| (EventCursor::new(0, seq), event.clone()))
            .collect())
    }
}
