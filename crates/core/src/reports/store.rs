//! Report drafts and the outbox in SQLite: save and resume drafts, submit one
//! into the outbox in one transaction, move items through the state machine of
//! `cds_domain::outbox`, and the queries the UI needs.
//!
//! Every function here runs under the store's lock (see `db::Store::run`).

use cds_domain::{
    outbox::{Event, OutboxState, RetryPolicy},
    report::{
        Counts, Cursor, Field, HistoryEntry, Invalid, MAX_PHOTOS, Receipt, ReportDetail,
        ReportDraft, ReportPage, ReportSummary, Rule, StoredDraft,
    },
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::{
    db::StoreError,
    ids,
    photos::{self, MAX_PHOTO_BYTES, PhotoDir},
};

/// Longest list page served.
pub const MAX_PAGE: u32 = 100;
const EXCERPT_CHARS: usize = 140;

fn draft_photos(conn: &Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement =
        conn.prepare_cached("SELECT hash FROM draft_photos WHERE draft_id = ?1 ORDER BY position")?;
    let rows = statement.query_map([id], |row| row.get(0))?;
    rows.collect()
}

/// Creates a draft (when `id` is `None`) or replaces its content.
pub fn save_draft(
    conn: &mut Connection,
    id: Option<&str>,
    draft: &ReportDraft,
    now_ms: i64,
) -> Result<StoredDraft, StoreError> {
    let tx = conn.transaction()?;
    let id = match id {
        Some(id) => {
            let photos = draft_photos(&tx, id)?;
            draft.check(photos.len())?;
            let changed = tx.execute(
                "UPDATE drafts SET body = ?2, updated_at_ms = ?3 WHERE id = ?1",
                params![id, serde_json::to_string(draft)?, now_ms],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            id.to_owned()
        }
        None => {
            draft.check(0)?;
            let id = ids::uuid().map_err(|err| StoreError::Corrupt(err.to_string()))?;
            tx.execute(
                "INSERT INTO drafts (id, body, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?3)",
                params![id, serde_json::to_string(draft)?, now_ms],
            )?;
            id
        }
    };
    let stored = load_draft(&tx, &id)?;
    tx.commit()?;
    Ok(stored)
}

pub fn load_draft(conn: &Connection, id: &str) -> Result<StoredDraft, StoreError> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT body, updated_at_ms FROM drafts WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (body, updated_at_ms) = row.ok_or(StoreError::NotFound)?;
    Ok(StoredDraft {
        id: id.to_owned(),
        draft: serde_json::from_str(&body)?,
        photos: draft_photos(conn, id)?,
        updated_at_ms,
    })
}

/// Every draft, most recently changed first.
pub fn drafts(conn: &Connection) -> Result<Vec<StoredDraft>, StoreError> {
    let mut statement = conn.prepare("SELECT id FROM drafts ORDER BY updated_at_ms DESC, id")?;
    let ids: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| load_draft(conn, id)).collect()
}

/// Adds a photo (already processed) to a draft: the file first, then the row.
pub fn attach_photo(
    conn: &mut Connection,
    photos: &PhotoDir,
    draft_id: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<StoredDraft, StoreError> {
    if bytes.is_empty() {
        return Err(Invalid {
            field: Field::Photos,
            rule: Rule::Empty,
        }
        .into());
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(Invalid {
            field: Field::Photos,
            rule: Rule::TooLarge {
                max: MAX_PHOTO_BYTES,
            },
        }
        .into());
    }
    let existing = load_draft(conn, draft_id)?;
    if existing.photos.len() >= MAX_PHOTOS {
        return Err(Invalid {
            field: Field::Photos,
            rule: Rule::TooMany { max: MAX_PHOTOS },
        }
        .into());
    }
    let hash = photos.put(bytes)?;
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT OR IGNORE INTO photos (hash, bytes, created_at_ms) VALUES (?1, ?2, ?3)",
        params![hash, i64::try_from(bytes.len()).unwrap_or(i64::MAX), now_ms],
    )?;
    tx.execute(
        "INSERT INTO draft_photos (draft_id, position, hash)
         VALUES (?1, (SELECT COALESCE(MAX(position), -1) + 1 FROM draft_photos WHERE draft_id = ?1), ?2)",
        params![draft_id, hash],
    )?;
    tx.execute(
        "UPDATE drafts SET updated_at_ms = ?2 WHERE id = ?1",
        params![draft_id, now_ms],
    )?;
    let stored = load_draft(&tx, draft_id)?;
    tx.commit()?;
    Ok(stored)
}

/// Removes the photo at `position` from a draft (and its file, if now unused).
pub fn detach_photo(
    conn: &mut Connection,
    photos: &PhotoDir,
    draft_id: &str,
    position: usize,
    now_ms: i64,
) -> Result<StoredDraft, StoreError> {
    let existing = load_draft(conn, draft_id)?;
    let hash = existing
        .photos
        .get(position)
        .ok_or(StoreError::NotFound)?
        .clone();
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM draft_photos WHERE draft_id = ?1", [draft_id])?;
    for (index, kept) in existing
        .photos
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != position)
        .map(|(_, hash)| hash)
        .enumerate()
    {
        tx.execute(
            "INSERT INTO draft_photos (draft_id, position, hash) VALUES (?1, ?2, ?3)",
            params![draft_id, i64::try_from(index).unwrap_or(i64::MAX), kept],
        )?;
    }
    tx.execute(
        "UPDATE drafts SET updated_at_ms = ?2 WHERE id = ?1",
        params![draft_id, now_ms],
    )?;
    let stored = load_draft(&tx, draft_id)?;
    tx.commit()?;
    photos::remove_if_unused(conn, photos, &[hash])?;
    Ok(stored)
}

pub fn delete_draft(conn: &mut Connection, photos: &PhotoDir, id: &str) -> Result<(), StoreError> {
    let existing = load_draft(conn, id)?;
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
    tx.commit()?;
    photos::remove_if_unused(conn, photos, &existing.photos)
}

/// Moves a complete draft, with its photos, into the outbox in one transaction
/// and returns the receipt. The draft is gone only if the report is stored.
pub fn submit(conn: &mut Connection, draft_id: &str, now_ms: i64) -> Result<Receipt, StoreError> {
    let tx = conn.transaction()?;
    let stored = load_draft(&tx, draft_id)?;
    stored.draft.check_for_submit(stored.photos.len())?;
    let report_id = ids::uuid().map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let code = unique_receipt(&tx)?;
    let state = OutboxState::new(now_ms);
    tx.execute(
        "INSERT INTO reports (id, seq, receipt, body, submitted_at_ms, state, state_kind, retry_at_ms, updated_at_ms)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM reports), ?2, ?3, ?4, ?5, 'queued', ?4, ?4)",
        params![
            report_id,
            code,
            serde_json::to_string(&stored.draft)?,
            now_ms,
            serde_json::to_string(&state)?
        ],
    )?;
    tx.execute(
        "INSERT INTO report_photos (report_id, position, hash)
         SELECT ?1, position, hash FROM draft_photos WHERE draft_id = ?2",
        params![report_id, draft_id],
    )?;
    add_history(&tx, &report_id, now_ms, &state)?;
    tx.execute("DELETE FROM drafts WHERE id = ?1", [draft_id])?;
    tx.commit()?;
    Ok(Receipt {
        report_id,
        code,
        submitted_at_ms: now_ms,
    })
}

fn unique_receipt(tx: &Transaction<'_>) -> Result<String, StoreError> {
    for _ in 0..16 {
        let code = ids::receipt_code().map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM reports WHERE receipt = ?1)",
            [&code],
            |row| row.get(0),
        )?;
        if !taken {
            return Ok(code);
        }
    }
    Err(StoreError::Corrupt("no free receipt code".into()))
}

fn add_history(
    tx: &Connection,
    report_id: &str,
    at_ms: i64,
    state: &OutboxState,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO report_history (report_id, seq, at_ms, state)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM report_history WHERE report_id = ?1), ?2, ?3)",
        params![report_id, at_ms, serde_json::to_string(state)?],
    )?;
    Ok(())
}

fn state_of(conn: &Connection, id: &str) -> Result<OutboxState, StoreError> {
    let body: Option<String> = conn
        .query_row("SELECT state FROM reports WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(serde_json::from_str(&body.ok_or(StoreError::NotFound)?)?)
}

/// Applies `event` to report `id` and records the new state in its history.
pub fn transition(
    conn: &mut Connection,
    id: &str,
    event: Event,
    now_ms: i64,
    policy: &RetryPolicy,
) -> Result<OutboxState, StoreError> {
    let tx = conn.transaction()?;
    let next = state_of(&tx, id)?.next(event, policy)?;
    let retry_at = next.retry_at_ms();
    tx.execute(
        "UPDATE reports SET state = ?2, state_kind = ?3, retry_at_ms = ?4, updated_at_ms = ?5 WHERE id = ?1",
        params![id, serde_json::to_string(&next)?, next.kind(), retry_at, now_ms],
    )?;
    add_history(&tx, id, now_ms, &next)?;
    tx.commit()?;
    Ok(next)
}

/// Withdraws a report that is not confirmed and not being sent; its photos are
/// let go (their files removed if nothing else uses them). The row and its
/// history stay, marked cancelled.
pub fn cancel(
    conn: &mut Connection,
    photos: &PhotoDir,
    id: &str,
    now_ms: i64,
) -> Result<OutboxState, StoreError> {
    let state = transition(
        conn,
        id,
        Event::Cancel { now_ms },
        now_ms,
        &RetryPolicy::default(),
    )?;
    let mut statement = conn.prepare("SELECT hash FROM report_photos WHERE report_id = ?1")?;
    let hashes: Vec<String> = statement
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(statement);
    conn.execute("DELETE FROM report_photos WHERE report_id = ?1", [id])?;
    photos::remove_if_unused(conn, photos, &hashes)?;
    Ok(state)
}

/// The queued report due soonest at `now_ms`, if any.
pub fn next_due(
    conn: &Connection,
    now_ms: i64,
    hold_photos: bool,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM reports WHERE state_kind = 'queued' AND retry_at_ms <= ?1
               AND (?2 = 0 OR NOT EXISTS
                    (SELECT 1 FROM report_photos p WHERE p.report_id = reports.id))
             ORDER BY retry_at_ms, submitted_at_ms LIMIT 1",
            params![now_ms, hold_photos],
            |row| row.get(0),
        )
        .optional()?)
}

/// Makes every queued report that waits for a later time due now; returns how many.
pub fn make_due(
    conn: &mut Connection,
    now_ms: i64,
    policy: &RetryPolicy,
) -> Result<usize, StoreError> {
    let mut statement =
        conn.prepare("SELECT id FROM reports WHERE state_kind = 'queued' AND retry_at_ms > ?1")?;
    let waiting: Vec<String> = statement
        .query_map([now_ms], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(statement);
    for id in &waiting {
        transition(conn, id, Event::Retry { now_ms }, now_ms, policy)?;
    }
    Ok(waiting.len())
}

/// How many due reports have photos (those "photos only on Wi-Fi" holds back).
pub fn due_with_photos(conn: &Connection, now_ms: i64) -> Result<u32, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM reports WHERE state_kind = 'queued' AND retry_at_ms <= ?1
           AND EXISTS (SELECT 1 FROM report_photos p WHERE p.report_id = reports.id)",
        [now_ms],
        |row| row.get(0),
    )?)
}

/// After a crash: items left "sending" go back to the queue, and photo files
/// nothing references are removed. Returns (requeued, files removed).
pub fn recover(
    conn: &mut Connection,
    photos: &PhotoDir,
    now_ms: i64,
) -> Result<(usize, usize), StoreError> {
    let mut statement = conn.prepare("SELECT id FROM reports WHERE state_kind = 'sending'")?;
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
    let removed = photos::collect_garbage(conn, photos)?;
    Ok((sending.len(), removed))
}

const SUMMARY_COLUMNS: &str = "r.id, r.receipt, r.body, r.submitted_at_ms, r.state,
     (SELECT COUNT(*) FROM report_photos p WHERE p.report_id = r.id), r.seq";

/// A report row before its JSON columns are parsed.
struct RawSummary {
    id: String,
    receipt: String,
    body: String,
    submitted_at_ms: i64,
    state: String,
    photos: u32,
    seq: i64,
}

fn raw(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawSummary> {
    Ok(RawSummary {
        id: row.get(0)?,
        receipt: row.get(1)?,
        body: row.get(2)?,
        submitted_at_ms: row.get(3)?,
        state: row.get(4)?,
        photos: row.get(5)?,
        seq: row.get(6)?,
    })
}

fn finish(raw: RawSummary) -> Result<(ReportSummary, ReportDraft), StoreError> {
    let draft: ReportDraft = serde_json::from_str(&raw.body)?;
    let summary = ReportSummary {
        id: raw.id,
        receipt: raw.receipt,
        service_code: draft.service_code.clone().unwrap_or_default(),
        excerpt: draft.description.chars().take(EXCERPT_CHARS).collect(),
        submitted_at_ms: raw.submitted_at_ms,
        photos: raw.photos,
        seq: raw.seq,
        state: serde_json::from_str(&raw.state)?,
    };
    Ok((summary, draft))
}

/// My reports, newest first, `limit` at a time after `after`.
pub fn list(
    conn: &Connection,
    after: Option<Cursor>,
    limit: u32,
) -> Result<ReportPage, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let before = after.map_or(i64::MAX, |c| c.before_seq);
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM reports r
         WHERE r.state_kind != 'cancelled' AND r.seq < ?1
         ORDER BY r.seq DESC LIMIT ?2"
    ))?;
    let rows = statement.query_map(params![before, i64::from(limit) + 1], raw)?;
    let mut items = Vec::new();
    for row in rows {
        items.push(finish(row?)?.0);
    }
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|last| Cursor {
            before_seq: last.seq,
        })
    } else {
        None
    };
    Ok(ReportPage { items, next })
}

/// The outbox: everything not yet confirmed (and not cancelled), oldest first.
pub fn outbox(conn: &Connection) -> Result<Vec<ReportSummary>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM reports r
         WHERE r.state_kind IN ('queued', 'sending', 'rejected')
         ORDER BY r.seq"
    ))?;
    let rows = statement.query_map([], raw)?;
    let mut items = Vec::new();
    for row in rows {
        items.push(finish(row?)?.0);
    }
    Ok(items)
}

/// One report with its photos and history.
pub fn detail(conn: &Connection, id: &str) -> Result<ReportDetail, StoreError> {
    let raw = conn
        .query_row(
            &format!("SELECT {SUMMARY_COLUMNS} FROM reports r WHERE r.id = ?1"),
            [id],
            raw,
        )
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let (summary, draft) = finish(raw)?;
    let mut statement = conn
        .prepare_cached("SELECT hash FROM report_photos WHERE report_id = ?1 ORDER BY position")?;
    let photos = statement
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut statement = conn.prepare_cached(
        "SELECT at_ms, state FROM report_history WHERE report_id = ?1 ORDER BY seq",
    )?;
    let history = statement
        .query_map([id], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?
        .map(|row| {
            let (at_ms, state) = row?;
            Ok(HistoryEntry {
                at_ms,
                state: serde_json::from_str(&state)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let remote: Option<String> = conn
        .query_row(
            "SELECT body FROM report_remote WHERE report_id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()?;
    let remote = remote.map(|body| serde_json::from_str(&body)).transpose()?;
    Ok(ReportDetail {
        summary,
        draft,
        photos,
        history,
        remote,
    })
}

pub fn counts(conn: &Connection) -> Result<Counts, StoreError> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM drafts),
                (SELECT COUNT(*) FROM reports WHERE state_kind IN ('queued', 'sending')),
                (SELECT COUNT(*) FROM reports WHERE state_kind = 'rejected')",
        [],
        |row| {
            Ok(Counts {
                drafts: row.get(0)?,
                pending: row.get(1)?,
                rejected: row.get(2)?,
            })
        },
    )?)
}

/// Edits a rejected report and queues it again under a new idempotency key
/// (the server refused the old content; the key must not be reused for new content).
pub fn edit_rejected(
    conn: &mut Connection,
    id: &str,
    draft: &ReportDraft,
    now_ms: i64,
) -> Result<Receipt, StoreError> {
    let tx = conn.transaction()?;
    let photos: i64 = tx.query_row(
        "SELECT COUNT(*) FROM report_photos WHERE report_id = ?1",
        [id],
        |row| row.get(0),
    )?;
    draft.check_for_submit(usize::try_from(photos).unwrap_or(usize::MAX))?;
    let state = state_of(&tx, id)?;
    if !matches!(state, OutboxState::Rejected { .. }) {
        return Err(StoreError::Illegal(cds_domain::outbox::Illegal::Unexpected));
    }
    let new_id = ids::uuid().map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let queued = state.next(Event::Retry { now_ms }, &RetryPolicy::default())?;
    // The row moves to the new key with its photos and history; foreign keys
    // are checked at commit, when every reference points at the new row.
    tx.pragma_update(None, "defer_foreign_keys", "ON")?;
    let (code, submitted_at_ms, seq): (String, i64, i64) = tx.query_row(
        "SELECT receipt, submitted_at_ms, seq FROM reports WHERE id = ?1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    tx.execute("DELETE FROM reports WHERE id = ?1", [id])?;
    tx.execute(
        "INSERT INTO reports (id, seq, receipt, body, submitted_at_ms, state, state_kind, retry_at_ms, updated_at_ms)
         VALUES (?1, ?7, ?2, ?3, ?4, ?5, 'queued', ?6, ?6)",
        params![
            new_id,
            code,
            serde_json::to_string(draft)?,
            submitted_at_ms,
            serde_json::to_string(&queued)?,
            now_ms,
            seq
        ],
    )?;
    tx.execute(
        "UPDATE report_photos SET report_id = ?2 WHERE report_id = ?1",
        params![id, new_id],
    )?;
    tx.execute(
        "UPDATE report_history SET report_id = ?2 WHERE report_id = ?1",
        params![id, new_id],
    )?;
    tx.execute("DELETE FROM report_remote WHERE report_id = ?1", [id])?;
    add_history(&tx, &new_id, now_ms, &queued)?;
    tx.commit()?;
    Ok(Receipt {
        report_id: new_id,
        code,
        submitted_at_ms,
    })
}

/// Confirmed reports and how the server knows them: (report id, server ref).
pub fn confirmed(
    conn: &Connection,
) -> Result<Vec<(String, cds_domain::outbox::ServerRef)>, StoreError> {
    let mut statement =
        conn.prepare("SELECT id, state FROM reports WHERE state_kind = 'confirmed' ORDER BY seq")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, state) = row?;
        if let OutboxState::Confirmed { server, .. } = serde_json::from_str(&state)? {
            out.push((id, server));
        }
    }
    Ok(out)
}

/// Stores what the server says of a report; returns whether it changed.
pub fn store_remote(
    conn: &Connection,
    report_id: &str,
    remote: &cds_domain::report::RemoteStatus,
) -> Result<bool, StoreError> {
    let before: Option<String> = conn
        .query_row(
            "SELECT body FROM report_remote WHERE report_id = ?1",
            [report_id],
            |row| row.get(0),
        )
        .optional()?;
    let first = before.is_none();
    let changed = match before {
        Some(body) => {
            let mut old: cds_domain::report::RemoteStatus = serde_json::from_str(&body)?;
            old.pulled_at_ms = remote.pulled_at_ms;
            old != *remote
        }
        None => true,
    };
    // News for the inbox: a change after the province's first word.
    let news = changed && !first;
    conn.execute(
        "INSERT INTO report_remote (report_id, body, updated_datetime, pulled_at_ms, changed_at_ms)
             VALUES (?1, ?2, ?3, ?4, 0)
         ON CONFLICT (report_id) DO UPDATE SET body = excluded.body,
             updated_datetime = excluded.updated_datetime, pulled_at_ms = excluded.pulled_at_ms,
             changed_at_ms = CASE WHEN ?5 THEN excluded.pulled_at_ms ELSE changed_at_ms END",
        params![
            report_id,
            serde_json::to_string(remote)?,
            remote.updated_datetime,
            remote.pulled_at_ms,
            news
        ],
    )?;
    Ok(changed)
}
