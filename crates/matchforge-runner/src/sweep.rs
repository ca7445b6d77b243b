//! The ready-check sweep: timing out the lobbies whose ready check ran out.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use matchforge_core::error::{Error, Result};
use matchforge_core::ids::LobbyId;
use tracing::warn;

use crate::matchmaker::Matchmaker;
use crate::metrics;

/// How many due lobbies the ready-check sweep asks the store for at a time
/// (beyond those it already saw and left alone).
const SWEEP_PAGE: usize = 256;

impl Matchmaker {
    /// How long past its deadline a ready check of a queue this matchmaker
    /// does not run is left to the matchmaker that runs it: ten minutes.
    ///
    /// Several matchmakers may share a store, each running its own queues,
    /// and every one of them sees every due lobby. A matchmaker times out the
    /// ready checks of its own queues with its own settings (requeues and the
    /// decline cooldown). It leaves another queue's lobby alone — it does not
    /// know that queue's cooldown, and the matchmaker that runs the queue
    /// sweeps at least twice a second — unless the lobby is still open this
    /// long after its deadline: then nobody runs the queue (a deploy removed
    /// it, or its matchmaker is down), and the lobby would hold its players
    /// forever. It then times the ready check out without any cooldown, as
    /// the stand-in it is: the accepted tickets return to their queue.
    pub const FOREIGN_READY_CHECK_GRACE: Duration = Duration::from_secs(10 * 60);

    /// Cancels every lobby whose ready check ran out by now: accepted tickets
    /// return to the queue, the others' players get the cooldown. Returns how
    /// many lobbies this call cancelled (another runner may take some first).
    ///
    /// Lobbies of queues this matchmaker does not run are left to the
    /// matchmaker that does, for
    /// [`FOREIGN_READY_CHECK_GRACE`](Self::FOREIGN_READY_CHECK_GRACE) past
    /// their deadline, and timed out without a cooldown after that. Lobbies
    /// left alone never hide this matchmaker's own due lobbies: the sweep
    /// pages past them.
    ///
    /// A due lobby the store fails to read or update on its own (its stored
    /// body, a party of its tickets or a cooldown of its players no longer
    /// decodes, or the backend failed on that call) does not stop the sweep:
    /// it is logged and counted (`matchforge_errors_total{stage="ready_check"}`),
    /// left as it is until the next sweep, and the sweep asks the store for
    /// one due lobby (is it still up?) and goes on past it. A lobby that
    /// fails on every sweep thus never keeps the lobbies due after it from
    /// timing out, and a store that went down fails that question and ends
    /// the sweep at once. Many failing lobbies cost one such question each,
    /// not a new listing of every due lobby.
    ///
    /// # Errors
    /// Store errors that fail a listing of due lobbies
    /// ([`lobbies_due`](matchforge_core::ports::LobbyStore::lobbies_due)).
    pub async fn expire_ready_checks(&self) -> Result<usize> {
        let now = self.clock.now();
        let grace = chrono::Duration::from_std(Self::FOREIGN_READY_CHECK_GRACE)
            .unwrap_or(chrono::Duration::MAX);
        let mut cancelled = 0;
        // Due lobbies seen and left alone (foreign ones within their grace,
        // ones no longer due, ones the store failed on). `lobbies_due` has
        // no cursor, only a limit, and lists the earliest deadlines first:
        // asking for as many more as were left alone reaches past them.
        let mut left_alone: HashSet<LobbyId> = HashSet::new();
        loop {
            let limit = left_alone.len() + SWEEP_PAGE;
            let due = self.store.lobbies_due(now, limit).await?;
            let more = due.len() >= limit;
            let mut progressed = false;
            for id in due {
                if left_alone.contains(&id) {
                    continue;
                }
                match self.time_out(id, now, grace).await {
                    Ok(Swept::Cancelled) => {
                        cancelled += 1;
                        progressed = true;
                    }
                    // Someone else (a player's accept, another runner) first.
                    Ok(Swept::Raced) => progressed = true,
                    Ok(Swept::LeftAlone) => {
                        left_alone.insert(id);
                    }
                    Err(error) => {
                        warn!(
                            lobby = %id,
                            %error,
                            "could not time out a ready check: left for the next sweep"
                        );
                        metrics::error("ready_check");
                        left_alone.insert(id);
                        // Check that the store is still up before going on:
                        // one that went down fails this at once, ending the
                        // sweep, rather than every lobby of the page in
                        // turn. One id, not a new listing: with many
                        // lobbies failing, a listing after each would send
                        // all of them again each time.
                        self.store.lobbies_due(now, 1).await?;
                    }
                }
            }
            // Another round while this one changed something (its lobbies
            // are gone or changed) or the page was full (more lie beyond the
            // ones left alone, whose number grew by every new one seen,
            // failed ones included). Every round either ends the sweep or
            // leaves a new lobby alone, cancels one, or meets another
            // runner's change.
            if !progressed && !more {
                return Ok(cancelled);
            }
        }
    }

    /// Times out the ready check of due lobby `id` if it ran out by `now`
    /// and is this matchmaker's to time out (see
    /// [`expire_ready_checks`](Self::expire_ready_checks)).
    async fn time_out(
        &self,
        id: LobbyId,
        now: DateTime<Utc>,
        grace: chrono::Duration,
    ) -> Result<Swept> {
        let Some(stored) = self.store.lobby(id).await? else {
            return Ok(Swept::LeftAlone);
        };
        let mut next = stored.value.clone();
        let Ok(mut cancellation) = next.expire_acceptance(now) else {
            return Ok(Swept::LeftAlone);
        };
        if !self.queues.contains_key(next.queue()) {
            let overdue = stored
                .value
                .deadline()
                .and_then(|deadline| deadline.checked_add_signed(grace))
                .is_some_and(|limit| limit <= now);
            if !overdue {
                return Ok(Swept::LeftAlone);
            }
            warn!(
                lobby = %id,
                queue = %next.queue(),
                "timing out an abandoned ready check of a queue this matchmaker does not run, without a cooldown"
            );
            cancellation.removed.clear();
        }
        match self
            .apply_change(&next, stored.version, cancellation, now)
            .await
        {
            Ok(()) => Ok(Swept::Cancelled),
            Err(Error::Conflict(_)) => Ok(Swept::Raced),
            Err(e) => Err(e),
        }
    }
}

/// What the ready-check sweep did with one due lobby.
enum Swept {
    /// Its ready check timed out: the lobby is cancelled.
    Cancelled,
    /// Another change got there first (the lobby is to be read again).
    Raced,
    /// Not due any more, gone, or another queue's still within its grace.
    LeftAlone,
}
