//! Community digital technology teams: staff issue and revoke member codes, a
//! member joins with one and gets a credential, assisted sessions are stored
//! exactly once (a replay is answered with the original), and the counts per
//! team, ward, task and outcome are served to members and staff.

use crate::sql::{Conn, Optional, params};
use axum::{
    Json,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
};
use cds_domain::teams::{
    AssistedSession, Outcome, Period, Scope, StatRow, TeamStats, display_code, normalize_code,
    period_starts,
};
use cds_provincial_api::teams::{
    JoinTeam, Membership, NewTeamCode, SessionReceipt, TeamCode, TeamStatsRow,
};
use sha2::{Digest, Sha256};

use crate::{
    ApiFailure, AppState, auth,
    db::{DbError, hex},
    form, staff, time,
};

const DAY_MS: i64 = 86_400_000;

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

fn unauthorized(description: &str) -> ApiFailure {
    ApiFailure::new(StatusCode::UNAUTHORIZED, description)
}

fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn json_body<T: serde::de::DeserializeOwned>(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, ApiFailure> {
    serde_json::from_slice(&form::bytes(body)?).map_err(|err| bad(format!("body: {err}")))
}

/// A random member code from the unambiguous alphabet.
fn new_code() -> Result<String, ApiFailure> {
    let alphabet = cds_domain::teams::CODE_ALPHABET;
    let mut bytes = [0u8; cds_domain::teams::CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|err| {
        ApiFailure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("no randomness: {err}"),
        )
    })?;
    Ok(bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect())
}

/// Makes a code for `team_name` (the team is made if new). For the staff
/// endpoint and the `create-team-code` command alike.
pub fn issue_code(
    conn: &Conn,
    request: &NewTeamCode,
    staff: &str,
    now_ms: i64,
) -> Result<TeamCode, ApiFailure> {
    let name = request.team_name.trim();
    if name.is_empty() {
        return Err(bad("team_name: required"));
    }
    form::check_text("team_name", name, 200, false)?;
    let ward = request.ward.trim();
    if ward.is_empty() || ward.len() > 20 || !ward.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad("ward: a ward code"));
    }
    if !(1..=90).contains(&request.valid_days) {
        return Err(bad("valid_days: 1 to 90"));
    }
    let code = new_code()?;
    let expires = now_ms + i64::from(request.valid_days) * DAY_MS;
    let tx = conn.transaction().map_err(DbError::from)?;
    let team_id: String = match tx
        .query_row("SELECT id FROM teams WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()
        .map_err(DbError::from)?
    {
        Some(id) => id,
        None => {
            let id = format!("t{}", &digest(&format!("{name}\n{now_ms}"))[..12]);
            tx.execute(
                "INSERT INTO teams (id, name, ward, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, ward, now_ms],
            )
            .map_err(DbError::from)?;
            id
        }
    };
    tx.execute(
        "INSERT INTO team_codes (code, team_id, expires_ms, created_ms, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![code, team_id, expires, now_ms, format!("staff:{staff}")],
    )
    .map_err(DbError::from)?;
    tx.commit().map_err(DbError::from)?;
    Ok(TeamCode {
        code: display_code(&code),
        team_id,
        team_name: name.to_owned(),
        expires_at: time::iso(expires),
    })
}

/// The staff member behind the request's bearer token.
fn staff_of(conn: &Conn, headers: &HeaderMap) -> Result<String, ApiFailure> {
    let token = staff::bearer(headers).ok_or_else(|| unauthorized("staff token missing"))?;
    auth::staff(conn, &token)
        .map_err(DbError::from)?
        .ok_or_else(|| unauthorized("staff token not valid"))
}

/// The member (id, team id) behind the request's bearer token.
fn member_of(conn: &Conn, headers: &HeaderMap) -> Result<(String, String), ApiFailure> {
    let token = staff::bearer(headers).ok_or_else(|| unauthorized("member token missing"))?;
    let row: Option<(String, String, Option<i64>)> = conn
        .query_row(
            "SELECT m.id, m.team_id, c.revoked_ms FROM team_members m JOIN team_codes c ON c.code = m.code
             WHERE m.token_hash = ?1",
            [digest(&token)],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(DbError::from)?;
    match row {
        None => Err(unauthorized("member token not valid")),
        Some((_, _, Some(_))) => Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            "membership revoked: the code this member joined with was revoked",
        )),
        Some((member, team, None)) => Ok((member, team)),
    }
}

/// `POST /api/v1/teams/join`: a member joins with a code from the staff.
#[utoipa::path(post, path = "/api/v1/teams/join", tag = "teams",
    request_body = JoinTeam,
    responses((status = 201, body = Membership),
              (status = 400, body = [cds_provincial_api::ApiError], description = "Not a code"),
              (status = 404, body = [cds_provincial_api::ApiError], description = "No such code"),
              (status = 410, body = [cds_provincial_api::ApiError], description = "The code expired or was revoked")))]
pub async fn join(
    State(state): State<AppState>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Membership>), ApiFailure> {
    let request: JoinTeam = json_body(body)?;
    let code = normalize_code(&request.code).map_err(|err| bad(format!("code: {err}")))?;
    let token = auth::new_secret()
        .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err))?;
    let now = time::now_ms();
    let membership = state
        .db
        .call_with(move |conn| {
            let tx = conn
                .transaction()
                .map_err(DbError::from)?;
            let row: Option<(String, String, String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT t.id, t.name, t.ward, c.expires_ms, c.revoked_ms FROM team_codes c
                     JOIN teams t ON t.id = c.team_id WHERE c.code = ?1",
                    [&code],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
                )
                .optional()
                .map_err(DbError::from)?;
            let (team_id, team_name, ward, expires, revoked) = row.ok_or_else(|| {
                ApiFailure::new(StatusCode::NOT_FOUND, "code: no such member code")
            })?;
            if revoked.is_some() {
                return Err(ApiFailure::new(StatusCode::GONE, "code: revoked"));
            }
            if expires <= now {
                return Err(ApiFailure::new(StatusCode::GONE, "code: expired"));
            }
            let member_id = format!("m{}", &digest(&token)[..16]);
            tx.execute(
                "INSERT INTO team_members (id, team_id, token_hash, code, joined_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![member_id, team_id, digest(&token), code, now],
            )
            .map_err(DbError::from)?;
            tx.commit().map_err(DbError::from)?;
            Ok(Membership {
                team_id,
                team_name,
                ward,
                member_id,
                token,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(membership)))
}

/// Reads and checks a session; returns it with its canonical JSON and hash.
fn parse_session(
    headers: &HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(AssistedSession, String, String), ApiFailure> {
    let session: AssistedSession = json_body(body)?;
    if session.id.is_empty()
        || session.id.len() > 100
        || !session.id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(bad("id: 1 to 100 printable ASCII characters"));
    }
    if let Some(key) = headers.get("idempotency-key")
        && key.to_str().ok() != Some(session.id.as_str())
    {
        return Err(bad("Idempotency-Key and id differ"));
    }
    session.check().map_err(|err| bad(err.to_string()))?;
    form::check_text("note", &session.note, 2000, true)?;
    if let Some(contact) = &session.contact {
        form::check_text("contact.name", &contact.name, 400, false)?;
    }
    if let Some(report) = &session.report_id {
        form::check_text("report_id", report, 100, false)?;
    }
    let canonical = serde_json::to_string(&session)
        .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    let hash = digest(&canonical);
    Ok((session, canonical, hash))
}

/// `POST /api/v1/assisted-sessions`: a member records a session. The
/// session's `id` is its idempotency key: a replay is answered with the
/// original receipt (200), the same id with other content is refused (409).
#[utoipa::path(post, path = "/api/v1/assisted-sessions", tag = "teams",
    request_body = AssistedSession,
    params(("Idempotency-Key" = Option<String>, Header, description = "If given, the session's id")),
    security(("member" = [])),
    responses((status = 201, body = SessionReceipt), (status = 200, body = SessionReceipt, description = "Already recorded"),
              (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 401, body = [cds_provincial_api::ApiError], description = "No member token, or not a valid one"),
              (status = 403, body = [cds_provincial_api::ApiError], description = "Membership revoked"),
              (status = 409, body = [cds_provincial_api::ApiError], description = "Another session with this id")))]
pub async fn post_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<SessionReceipt>), ApiFailure> {
    // The credential is checked before the body: without it, nothing is said
    // about the body and nothing changes.
    let parsed = parse_session(&headers, body);
    let now = time::now_ms();
    state
        .db
        .call_with(move |conn| {
            let (member, team) = member_of(conn, &headers)?;
            let (session, canonical, hash) = parsed?;
            let tx = conn
                .transaction()
                .map_err(DbError::from)?;
            let known: Option<(String, String, i64)> = tx
                .query_row(
                    "SELECT member_id, body_hash, received_ms FROM assisted_sessions WHERE id = ?1",
                    [&session.id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(DbError::from)?;
            if let Some((by, known_hash, received)) = known {
                if by != member || known_hash != hash {
                    return Err(ApiFailure::new(
                        StatusCode::CONFLICT,
                        "id: another session was recorded with this id",
                    ));
                }
                return Ok((
                    StatusCode::OK,
                    Json(SessionReceipt {
                        id: session.id,
                        received_at: time::iso(received),
                    }),
                ));
            }
            let guide: Option<String> = tx
                .query_row(
                    "SELECT body FROM content WHERE kind = 'guide' AND id = ?1",
                    [&session.guide_id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(DbError::from)?;
            let task_known = guide
                .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                .is_some_and(|guide| guide["task"].as_str() == Some(session.task.as_str()));
            if !task_known {
                return Err(bad("task: no guide of the province has this task"));
            }
            let finished = cds_domain::time::parse(&session.finished_at).unwrap_or(now);
            tx.execute(
                "INSERT INTO assisted_sessions (id, member_id, team_id, ward, task, outcome, finished_ms, body, body_hash, received_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    session.id,
                    member,
                    team,
                    session.ward,
                    session.task,
                    session.outcome.key(),
                    finished,
                    canonical,
                    hash,
                    now
                ],
            )
            .map_err(DbError::from)?;
            tx.commit().map_err(DbError::from)?;
            Ok((
                StatusCode::CREATED,
                Json(SessionReceipt {
                    id: session.id,
                    received_at: time::iso(now),
                }),
            ))
        })
        .await
}

fn outcome_of(key: &str) -> Option<Outcome> {
    Outcome::ALL.into_iter().find(|o| o.key() == key)
}

/// `GET /api/v1/teams/me/stats`: the member's and the team's sessions this
/// week and this month (Vietnam's time), by task and outcome.
#[utoipa::path(get, path = "/api/v1/teams/me/stats", tag = "teams",
    security(("member" = [])),
    responses((status = 200, body = TeamStats),
              (status = 401, body = [cds_provincial_api::ApiError]),
              (status = 403, body = [cds_provincial_api::ApiError])))]
pub async fn my_stats(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<TeamStats>, ApiFailure> {
    let now = time::now_ms();
    let (week, month) = period_starts(now);
    state
        .db
        .call_with(move |conn| {
            let (member, team) = member_of(conn, &headers)?;
            let team_name: String = conn
                .query_row("SELECT name FROM teams WHERE id = ?1", [&team], |row| {
                    row.get(0)
                })
                .map_err(DbError::from)?;
            let mut rows = Vec::new();
            let mut statement = conn
                .prepare_cached(
                    "SELECT task, outcome, COUNT(*), SUM(CASE WHEN member_id = ?2 THEN 1 ELSE 0 END) FROM assisted_sessions
                     WHERE team_id = ?1 AND finished_ms >= ?3 GROUP BY task, outcome",
                )
                .map_err(DbError::from)?;
            for (period, since) in [(Period::Week, week), (Period::Month, month)] {
                let counts = statement
                    .query_map(params![team, member, since], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, u32>(2)?,
                            row.get::<_, u32>(3)?,
                        ))
                    })
                    .map_err(DbError::from)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(DbError::from)?;
                for (task, outcome, team_count, mine) in counts {
                    let Some(outcome) = outcome_of(&outcome) else {
                        continue;
                    };
                    for (scope, count) in [(Scope::Team, team_count), (Scope::Me, mine)] {
                        if count > 0 {
                            rows.push(StatRow {
                                period,
                                scope,
                                task: task.clone(),
                                outcome,
                                count,
                            });
                        }
                    }
                }
            }
            Ok(Json(TeamStats {
                team_name,
                week_start: time::iso(week),
                month_start: time::iso(month),
                rows,
            }))
        })
        .await
}

/// `POST /api/v1/staff/team-codes`: staff issue a member code.
#[utoipa::path(post, path = "/api/v1/staff/team-codes", tag = "staff",
    request_body = NewTeamCode,
    security(("staff" = [])),
    responses((status = 201, body = TeamCode),
              (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 401, body = [cds_provincial_api::ApiError], description = "No staff token, or not a valid one")))]
pub async fn create_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<TeamCode>), ApiFailure> {
    let request = json_body::<NewTeamCode>(body);
    state
        .db
        .call_with(move |conn| {
            let staff = staff_of(conn, &headers)?;
            let request = request?;
            let code = issue_code(conn, &request, &staff, time::now_ms())?;
            Ok((StatusCode::CREATED, Json(code)))
        })
        .await
}

/// Revokes member code `code` (typed as shown or normalized); members who
/// joined with it can deliver nothing more. Revoking twice keeps the first time.
pub fn revoke(conn: &Conn, code: &str, now_ms: i64) -> Result<(), ApiFailure> {
    let code = normalize_code(code)
        .map_err(|_| ApiFailure::new(StatusCode::NOT_FOUND, "no such member code"))?;
    let changed = conn
        .execute(
            "UPDATE team_codes SET revoked_ms = COALESCE(revoked_ms, ?2) WHERE code = ?1",
            params![code, now_ms],
        )
        .map_err(DbError::from)?;
    if changed == 0 {
        return Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            "no such member code",
        ));
    }
    Ok(())
}

/// `DELETE /api/v1/staff/team-codes/{code}`: staff revoke a code; members who
/// joined with it can deliver nothing more.
#[utoipa::path(delete, path = "/api/v1/staff/team-codes/{code}", tag = "staff",
    params(("code" = String, Path)),
    security(("staff" = [])),
    responses((status = 204, description = "Revoked (or already revoked)"),
              (status = 401, body = [cds_provincial_api::ApiError]),
              (status = 404, body = [cds_provincial_api::ApiError], description = "No such code")))]
pub async fn revoke_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    state
        .db
        .call_with(move |conn| {
            staff_of(conn, &headers)?;
            revoke(conn, &code, time::now_ms())?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// Sessions of every team since `since`, per ward, task and outcome.
pub fn stats_since(conn: &Conn, since: i64) -> crate::sql::Result<Vec<TeamStatsRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT s.team_id, t.name, s.ward, s.task, s.outcome, COUNT(*) FROM assisted_sessions s
         JOIN teams t ON t.id = s.team_id WHERE s.finished_ms >= ?1
         GROUP BY s.team_id, t.name, s.ward, s.task, s.outcome ORDER BY t.name, s.ward, s.task, s.outcome",
    )?;
    let rows = statement
        .query_map([since], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, u32>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(team_id, team_name, ward, task, outcome, count)| {
            Some(TeamStatsRow {
                team_id,
                team_name,
                ward,
                task,
                outcome: outcome_of(&outcome)?,
                count,
            })
        })
        .collect())
}

/// `GET /api/v1/staff/team-stats?since=…`: sessions of every team per ward,
/// task and outcome (since the start of the month by default).
#[utoipa::path(get, path = "/api/v1/staff/team-stats", tag = "staff",
    params(("since" = Option<String>, Query, description = "ISO 8601 date")),
    security(("staff" = [])),
    responses((status = 200, body = [TeamStatsRow]),
              (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 401, body = [cds_provincial_api::ApiError])))]
pub async fn all_stats(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<TeamStatsRow>>, ApiFailure> {
    let mut since = period_starts(time::now_ms()).1;
    for (key, value) in form::query(raw.as_deref())? {
        if key == "since" {
            since = time::parse(&value).ok_or_else(|| bad("since: not an ISO 8601 date"))?;
        }
    }
    state
        .db
        .call_with(move |conn| {
            staff_of(conn, &headers)?;
            Ok(Json(stats_since(conn, since).map_err(DbError::from)?))
        })
        .await
}
