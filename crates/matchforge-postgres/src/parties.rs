//! [`PartyStore`] for [`PgStore`].

use std::collections::HashMap;

use async_trait::async_trait;
use matchforge_core::ids::{PartyId, PlayerId};
use matchforge_core::party::Party;
use matchforge_core::ports::{PartyStore, Versioned};
use matchforge_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::codec::{from_json, refuse_unstorable, split, to_json, unstorable_time};
use crate::error::{TxError, backend, tx_error};
use crate::store::{PgStore, Shared, TxFuture};

fn versioned((version, body): (i64, String)) -> Result<Versioned<Party>> {
    Ok(Versioned {
        value: from_json(&body, "party")?,
        version: version.unsigned_abs(),
    })
}

/// The stored version of `party`, locked until the transaction ends.
async fn locked_version(
    conn: &mut PgConnection,
    party: PartyId,
    op: &'static str,
) -> Result<Option<u64>, TxError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT version FROM parties WHERE id = $1 FOR UPDATE")
            .bind(party.as_uuid())
            .fetch_optional(conn)
            .await
            .map_err(tx_error(op))?;
    Ok(version.map(i64::unsigned_abs))
}

#[async_trait]
impl PartyStore for PgStore {
    async fn party(&self, party: PartyId) -> Result<Option<Versioned<Party>>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, body::text FROM parties WHERE id = $1")
                .bind(party.as_uuid())
                .fetch_optional(self.pool())
                .await
                .map_err(|e| backend("party", e))?;
        row.map(versioned).transpose()
    }

    async fn party_of(&self, player: PlayerId) -> Result<Option<Versioned<Party>>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT p.version, p.body::text FROM party_members m \
             JOIN parties p ON p.id = m.party WHERE m.player = $1",
        )
        .bind(player.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(|e| backend("party_of", e))?;
        row.map(versioned).transpose()
    }

    /// The party's row is locked while its version is checked; its member
    /// rows are replaced. A member of another party fails the check, or, if
    /// that party took them concurrently, the insert's primary key, and the
    /// transaction runs again and reports it.
    async fn save_party(&self, party: &Party, expected_version: Option<u64>) -> Result<u64> {
        refuse_unstorable(
            &format!("party {}", party.id()),
            [unstorable_time(party.created_at())],
        )?;
        self.transaction("save_party", &(party, expected_version), save_tx)
            .await
    }

    async fn delete_party(&self, party: PartyId, expected_version: u64) -> Result<()> {
        self.transaction("delete_party", &(party, expected_version), delete_tx)
            .await
    }
}

fn save_tx<'c>(
    conn: &'c mut PgConnection,
    &(party, expected): &'c (&Party, Option<u64>),
    _: &'c Shared,
) -> TxFuture<'c, u64> {
    Box::pin(async move {
        let id = party.id();
        let current = locked_version(conn, id, "save_party").await?;
        let version = match (current, expected) {
            (None, None) => 1,
            (Some(v), Some(e)) if v == e => v + 1,
            (Some(_), None) => {
                return Err(Error::Conflict(format!("party {id} already exists")).into());
            }
            (None, Some(_)) => return Err(Error::Conflict(format!("party {id} is gone")).into()),
            (Some(v), Some(e)) => {
                return Err(
                    Error::Conflict(format!("party {id} is at version {v}, not {e}")).into(),
                );
            }
        };
        let members: Vec<Uuid> = party.members().iter().map(|m| *m.as_uuid()).collect();
        let others: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT player, party FROM party_members WHERE player = ANY($1) AND party <> $2",
        )
        .bind(&members)
        .bind(id.as_uuid())
        .fetch_all(&mut *conn)
        .await
        .map_err(tx_error("save_party"))?;
        let others: HashMap<PlayerId, PartyId> = others
            .into_iter()
            .map(|(p, party)| (p.into(), party.into()))
            .collect();
        if let Some((member, other)) = party
            .members()
            .iter()
            .find_map(|m| others.get(m).map(|o| (m, o)))
        {
            return Err(Error::PartyRule {
                party: id,
                reason: format!("player {member} belongs to party {other}"),
            }
            .into());
        }

        let body = to_json(party, "a party")?;
        let version_i64 = i64::try_from(version).unwrap_or(i64::MAX);
        // A create is a plain insert: if another transaction creates the same
        // party meanwhile (there was no row to lock), the key is violated and
        // the transaction runs again, now seeing that party. An update
        // rewrites the row it has locked.
        let write = match current {
            None => sqlx::query(
                "INSERT INTO parties (id, leader, version, created_at, body) \
                 VALUES ($1, $2, $3, $4, $5::text::json)",
            )
            .bind(id.as_uuid())
            .bind(party.leader().as_uuid())
            .bind(version_i64)
            .bind(split(party.created_at()).0)
            .bind(body),
            Some(_) => sqlx::query(
                "UPDATE parties SET leader = $2, version = $3, body = $4::text::json \
                 WHERE id = $1",
            )
            .bind(id.as_uuid())
            .bind(party.leader().as_uuid())
            .bind(version_i64)
            .bind(body),
        };
        write
            .execute(&mut *conn)
            .await
            .map_err(tx_error("save_party"))?;
        // Replaced rather than merged: a member of another party (taken
        // concurrently, after the check) then violates the primary key.
        sqlx::query("DELETE FROM party_members WHERE party = $1")
            .bind(id.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(tx_error("save_party"))?;
        sqlx::query(
            "INSERT INTO party_members (player, party) \
             SELECT DISTINCT m, $1 FROM unnest($2::uuid[]) AS m",
        )
        .bind(id.as_uuid())
        .bind(&members)
        .execute(&mut *conn)
        .await
        .map_err(tx_error("save_party"))?;
        Ok(version)
    })
}

fn delete_tx<'c>(
    conn: &'c mut PgConnection,
    &(party, expected): &'c (PartyId, u64),
    _: &'c Shared,
) -> TxFuture<'c, ()> {
    Box::pin(async move {
        match locked_version(conn, party, "delete_party").await? {
            None => return Err(Error::Conflict(format!("party {party} is gone")).into()),
            Some(v) if v != expected => {
                return Err(Error::Conflict(format!(
                    "party {party} is at version {v}, not {expected}"
                ))
                .into());
            }
            Some(_) => {}
        }
        sqlx::query("DELETE FROM parties WHERE id = $1")
            .bind(party.as_uuid())
            .execute(conn)
            .await
            .map_err(tx_error("delete_party"))?;
        Ok(())
    })
}
