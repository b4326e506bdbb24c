//! Team membership, assisted sessions and the team's counts in SQLite; each
//! session moves through the outbox state machine of `cds_domain::outbox`.
//!
//! Every function here runs under the store's lock (see `db::Store::run`).

use cds_domain::{
    outbox::{Event, OutboxState, RetryPolicy},
    teams::{AssistedSession, SessionSummary, StoredStats, TeamMember, TeamStats},
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::StoreError;

/// The member and their credential, if this device joined a team.
pub fn membership(conn: &Connection) -> Result<Option<(TeamMember, String)>, StoreError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT body, token FROM team_membership WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((body, token)) => Some((serde_json::from_str(&body)?, token)),
        None => None,
    })
}

/// Keeps a new membership (replacing an earlier one); the old team's counts go.
pub fn join(conn: &mut Connection, member: &TeamMember, token: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO team_membership (id, body, token) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, token = excluded.token",
        params![serde_json::to_string(member)?, token],
    )?;
    tx.execute("DELETE FROM team_stats", [])?;
    tx.commit()?;
    Ok(())
}

/// Forgets the membership, unless sessions are still on their way.
pub fn leave(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let pending: i64 = tx.query_row(
        "SELECT COUNT(*) FROM assisted_sessions WHERE state_kind IN ('queued', 'sending')",
        [],
        |row| row.get(0),
    )?;
    if pending > 0 {
        return Err(StoreError::Illegal(cds_domain::outbox::Illegal::InFlight));
    }
    tx.execute("DELETE FROM team_membership", [])?;
    tx.execute("DELETE FROM team_stats", [])?;
    tx.commit()?;
    Ok(())
}

/// Saves a checked session, queued to be sent at once. Saving the same id
/// again changes nothing.
pub fn record(
    conn: &Connection,
    session: &AssistedSession,
    now_ms: i64,
) -> Result<SessionSummary, StoreError> {
    let state = OutboxState::new(now_ms);
    conn.execute(
        "INSERT OR IGNORE INTO assisted_sessions (id, body, state, state_kind, retry_at_ms, recorded_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            session.id,
            serde_json::to_string(session)?,
            serde_json::to_string(&state)?,
            state.kind(),
            state.retry_at_ms(),
            now_ms
        ],
    )?;
    summary(conn, &session.id)
}

fn summary_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn parse(raw: (String, String, i64)) -> Result<SessionSummary, StoreError> {
    Ok(SessionSummary {
        session: serde_json::from_str(&raw.0)?,
        state: serde_json::from_str(&raw.1)?,
        recorded_at_ms: raw.2,
    })
}

pub fn summary(conn: &Connection, id: &str) -> Result<SessionSummary, StoreError> {
    let raw = conn
        .query_row(
            "SELECT body, state, recorded_at_ms FROM assisted_sessions WHERE id = ?1",
            [id],
            summary_of,
        )
        .optional()?
        .ok_or(StoreError::NotFound)?;
    parse(raw)
}

/// Every session on the device, newest first.
pub fn list(conn: &Connection) -> Result<Vec<SessionSummary>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT body, state, recorded_at_ms FROM assisted_sessions ORDER BY recorded_at_ms DESC, id",
    )?;
    let rows = statement
        .query_map([], summary_of)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(parse).collect()
}

/// The next session due to be sent.
pub fn next_due(conn: &Connection, now_ms: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM assisted_sessions WHERE state_kind = 'queued' AND retry_at_ms <= ?1
             ORDER BY retry_at_ms, recorded_at_ms LIMIT 1",
            [now_ms],
            |row| row.get(0),
        )
        .optional()?)
}

/// Applies `event` to session `id`.
pub fn transition(
    conn: &mut Connection,
    id: &str,
    event: Event,
    now_ms: i64,
    policy: &RetryPolicy,
) -> Result<OutboxState, StoreError> {
    let tx = conn.transaction()?;
    let body: String = tx
        .query_row(
            "SELECT state FROM assisted_sessions WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let state: OutboxState = serde_json::from_str(&body)?;
    let next = state.next(event, policy)?;
    tx.execute(
        "UPDATE assisted_sessions SET state = ?2, state_kind = ?3, retry_at_ms = ?4, updated_at_ms = ?5 WHERE id = ?1",
        params![id, serde_json::to_string(&next)?, next.kind(), next.retry_at_ms(), now_ms],
    )?;
    tx.commit()?;
    Ok(next)
}

/// Every waiting session becomes due now ("send now").
pub fn make_due(
    conn: &mut Connection,
    now_ms: i64,
    policy: &RetryPolicy,
) -> Result<usize, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id FROM assisted_sessions WHERE state_kind = 'queued' AND retry_at_ms > ?1",
    )?;
    let waiting: Vec<String> = statement
        .query_map([now_ms], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(statement);
    for id in &waiting {
        transition(conn, id, Event::Retry { now_ms }, now_ms, policy)?;
    }
    Ok(waiting.len())
}

/// Sessions a crash left "sending" go back to the queue (the id makes
/// sending them again safe).
pub fn recover(conn: &mut Connection, now_ms: i64) -> Result<usize, StoreError> {
    let mut statement =
        conn.prepare("SELECT id FROM assisted_sessions WHERE state_kind = 'sending'")?;
    let sending: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(statement);
    for id in &sending {
        transition(
            conn,
            id,
            Event::Interrupted { now_ms },
            now_ms,
            &RetryPolicy::default(),
        )?;
    }
    Ok(sending.len())
}

pub fn stats(conn: &Connection) -> Result<Option<StoredStats>, StoreError> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT body, fetched_at_ms FROM team_stats WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((body, fetched_at_ms)) => Some(StoredStats {
            stats: serde_json::from_str(&body)?,
            fetched_at_ms,
        }),
        None => None,
    })
}

pub fn store_stats(conn: &Connection, stats: &TeamStats, now_ms: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO team_stats (id, body, fetched_at_ms) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, fetched_at_ms = excluded.fetched_at_ms",
        params![serde_json::to_string(stats)?, now_ms],
    )?;
    Ok(())
}
