//! The waiting tickets of one queue, in arrival order, with O(1) removal.
//!
//! # Why this shape
//!
//! The store needs three things from a queue: append a ticket (enqueue,
//! requeue), remove any ticket by id (cancel, commit, expire), and list every
//! ticket oldest first (the matcher reads the whole queue each tick).
//!
//! A `BTreeMap` keyed by `(enqueued_at, id)` gives the order for free but costs
//! O(log n) on every enqueue and cancel, the hot writes. Instead the tickets sit
//! in a slab (`Vec<Option<Ticket>>`) in arrival order: appending is a push,
//! removing leaves a hole (O(1)), and an id → slot map remembers each
//! ticket's slot. Arrival order is almost always enqueue-time order; the
//! exceptions are a requeued ticket (it keeps its older enqueue time) and
//! concurrent enqueues whose times arrive slightly out of order. The slab
//! remembers whether an append broke the order, and the next read restores it
//! in place:
//!
//! * holes are squeezed out once (O(n)), and also on removal when they outnumber
//!   the tickets, so memory stays proportional to the queue (amortised O(1));
//! * if the order was broken, a stable sort of the slab runs. Rust's sort finds
//!   the already-sorted runs first, so a few late arrivals cost O(n), not
//!   O(n log n); the slab stays sorted afterwards, so later reads do not sort.
//!
//! A read is O(n) anyway (it copies every ticket out), so it pays for the
//! compaction. Each ticket is stored exactly once: the slab is the queue's only
//! copy, and the id map holds slot numbers, not tickets.

use foldhash::HashMap;

use chrono::{DateTime, Utc};
use matchforge_core::ids::TicketId;
use matchforge_core::ticket::Ticket;

/// One queue's waiting tickets.
#[derive(Debug)]
pub(crate) struct QueueSlab {
    slots: Vec<Option<Ticket>>,
    /// The slot of every ticket in `slots`.
    positions: HashMap<TicketId, usize>,
    /// The sort key of the last ticket appended while the slab was sorted.
    last: Option<(DateTime<Utc>, TicketId)>,
    /// Whether the tickets in `slots` are in `(enqueued_at, id)` order.
    sorted: bool,
}

fn key(ticket: &Ticket) -> (DateTime<Utc>, TicketId) {
    (ticket.enqueued_at(), ticket.id())
}

impl QueueSlab {
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            positions: HashMap::default(),
            last: None,
            sorted: true,
        }
    }

    /// Whether no ticket waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Appends `ticket` (its id must not be waiting here).
    pub(crate) fn push(&mut self, ticket: Ticket) {
        let k = key(&ticket);
        if self.last.is_some_and(|last| k < last) {
            self.sorted = false;
        }
        if self.sorted {
            self.last = Some(k);
        }
        self.positions.insert(ticket.id(), self.slots.len());
        self.slots.push(Some(ticket));
    }

    /// The waiting ticket `id`.
    pub(crate) fn get(&self, id: TicketId) -> Option<&Ticket> {
        let slot = *self.positions.get(&id)?;
        self.slots[slot].as_ref()
    }

    /// Removes the waiting ticket `id`; squeezes the holes out when they
    /// outnumber the tickets.
    pub(crate) fn remove(&mut self, id: TicketId) -> Option<Ticket> {
        let slot = self.positions.remove(&id)?;
        let ticket = self.slots[slot].take();
        let live = self.positions.len();
        if self.slots.len() - live > live + 16 {
            self.compact();
        }
        ticket
    }

    /// Every ticket, oldest first (`enqueued_at`, then id), restoring the order
    /// in place if appends broke it.
    pub(crate) fn ordered(&mut self) -> Vec<Ticket> {
        if !self.sorted {
            self.slots.retain(Option::is_some);
            // Stable and run-adaptive: O(n) when only a few tickets are out of place.
            self.slots.sort_by_key(|t| t.as_ref().map(key));
            self.sorted = true;
            self.last = self.slots.last().and_then(|t| t.as_ref().map(key));
            self.reindex();
        } else if self.slots.len() != self.positions.len() {
            self.compact();
        }
        self.slots.iter().flatten().cloned().collect()
    }

    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        self.reindex();
    }

    fn reindex(&mut self) {
        for (slot, ticket) in self.slots.iter().enumerate() {
            if let Some(t) = ticket {
                self.positions.insert(t.id(), slot);
            }
        }
    }
}
