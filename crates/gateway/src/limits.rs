//! Failure limits kept in the database (wrong dossier guesses, wrong staff
//! passwords), so every gateway sharing it counts the same failures: a
//! client moved to another replica by the load balancer finds its count there.
//!
//! A key (a dossier code, a client address, a sign-in name) is held while it
//! has `max` failures within the last `window_ms`; it is free again once the
//! oldest of them leaves the window. Requests already in flight when the
//! limit is reached may each still be answered (a check is a read, not a
//! lock): a burst passes the limit by at most what it had in flight.

use crate::sql::{self, Conn, params};

/// One limit: failures per key of a scope within a window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// What the keys are ("dossier_code", "staff_login", ...).
    pub scope: &'static str,
    pub max: u32,
    pub window_ms: i64,
}

/// Seconds to wait before any of `keys` may try again, if one is held.
pub fn held(conn: &Conn, keys: &[(Limit, &str)], now: i64) -> sql::Result<Option<u64>> {
    let mut wait: Option<u64> = None;
    for (limit, key) in keys {
        let (count, oldest): (i64, Option<i64>) = conn.query_row(
            "SELECT COUNT(*), MIN(at_ms) FROM failures
             WHERE scope = ?1 AND key = ?2 AND at_ms > ?3",
            params![limit.scope, key, now - limit.window_ms],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        if let Some(oldest) = oldest.filter(|_| count >= i64::from(limit.max)) {
            let seconds = u64::try_from((oldest + limit.window_ms - now) / 1000 + 1).unwrap_or(1);
            wait = wait.max(Some(seconds.max(1)));
        }
    }
    Ok(wait)
}

/// Counts a failure against each of `keys`, and forgets failures older
/// than their windows.
pub fn failed(conn: &Conn, keys: &[(Limit, &str)], now: i64) -> sql::Result<()> {
    for (limit, key) in keys {
        conn.execute(
            "INSERT INTO failures (scope, key, at_ms) VALUES (?1, ?2, ?3)",
            params![limit.scope, key, now],
        )?;
        conn.execute(
            "DELETE FROM failures WHERE scope = ?1 AND at_ms <= ?2",
            params![limit.scope, now - limit.window_ms],
        )?;
    }
    Ok(())
}

/// Forgets the failures of `key` (a right password after wrong ones).
pub fn forget(conn: &Conn, limit: Limit, key: &str) -> sql::Result<()> {
    conn.execute(
        "DELETE FROM failures WHERE scope = ?1 AND key = ?2",
        params![limit.scope, key],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: Limit = Limit {
        scope: "code",
        max: 3,
        window_ms: 60_000,
    };
    const CLIENT: Limit = Limit {
        scope: "client",
        max: 5,
        window_ms: 60_000,
    };

    fn conn() -> Conn {
        let conn = Conn::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        for step in crate::migrations::SQLITE {
            conn.execute_batch(step).unwrap();
        }
        conn
    }

    #[test]
    fn a_key_is_held_at_its_limit_until_the_oldest_failure_leaves_the_window() {
        let conn = conn();
        for at in [0, 10_000, 20_000] {
            assert_eq!(
                held(&conn, &[(CODE, "X"), (CLIENT, "a")], at).unwrap(),
                None
            );
            failed(&conn, &[(CODE, "X"), (CLIENT, "a")], at).unwrap();
        }
        // Held per code, whoever asks: until the first failure is 60 s old.
        assert_eq!(
            held(&conn, &[(CODE, "X"), (CLIENT, "b")], 30_000).unwrap(),
            Some(31)
        );
        assert_eq!(
            held(&conn, &[(CODE, "Y"), (CLIENT, "b")], 30_000).unwrap(),
            None
        );
        assert_eq!(held(&conn, &[(CODE, "X")], 60_000).unwrap(), None);
        // Per client, whatever code.
        for code in ["P", "Q"] {
            failed(&conn, &[(CODE, code), (CLIENT, "a")], 30_000).unwrap();
        }
        assert!(
            held(&conn, &[(CODE, "fresh"), (CLIENT, "a")], 30_000)
                .unwrap()
                .is_some()
        );
        forget(&conn, CLIENT, "a").unwrap();
        assert_eq!(
            held(&conn, &[(CODE, "fresh"), (CLIENT, "a")], 30_000).unwrap(),
            None
        );
    }

    #[test]
    fn old_failures_are_forgotten() {
        let conn = conn();
        failed(&conn, &[(CODE, "X")], 0).unwrap();
        failed(&conn, &[(CODE, "Y")], 120_000).unwrap();
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM failures", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }
}
