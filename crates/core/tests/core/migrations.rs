//! Every earlier schema version, with data in it, opens and migrates to the
//! current one without losing what it held.

use cds_core::schema::MIGRATIONS;
use cds_domain::{CatalogueSource, Lang};
use rusqlite::Connection;

use crate::{closed_port, open};

/// A database at schema `version` (0 = empty file), holding data that version knows.
fn database_at(dir: &std::path::Path, version: usize) {
    let conn = Connection::open(dir.join(cds_core::db::DB_FILE)).unwrap();
    for step in &MIGRATIONS[..version] {
        conn.execute_batch(step).unwrap();
    }
    conn.pragma_update(None, "user_version", i64::try_from(version).unwrap())
        .unwrap();
    if version >= 1 {
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('language', 'en')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO catalogue_cache (id, body, etag, fetched_at_ms) VALUES (1, ?1, 'e1', 1700000000000)",
            [cds_core::catalogue::BUNDLED],
        )
        .unwrap();
    }
    if version >= 2 {
        conn.execute(
            "INSERT INTO drafts (id, body, created_at_ms, updated_at_ms) VALUES ('d1', '{\"description\":\"cũ\"}', 1, 1)",
            [],
        )
        .unwrap();
    }
    if version >= 4 {
        conn.execute(
            "INSERT INTO public_reports (server_id, service_code, status, lat, lon, description)
             VALUES ('p1', 'pothole', 'open', 16.4637, 107.5909, 'ổ gà cũ')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO watched_dossiers (code, phone_last4, body, added_at_ms, pulled_at_ms)
             VALUES ('H46.01-250101-0001', '1234', ?1, 1, 1)",
            [r#"{"code":"H46.01-250101-0001","procedure":"Đăng ký khai sinh","agency":"UBND phường Phú Xuân",
                 "received_date":"2025-01-01T00:00:00Z","due_date":"2025-01-02T00:00:00Z","finished_date":null,
                 "status":"processing","steps":[],"on_time":false}"#],
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_earlier_version_migrates_and_keeps_its_data() {
    for version in 0..=MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        database_at(dir.path(), version);
        let core = open(dir.path(), &closed_port())
            .await
            .unwrap_or_else(|err| panic!("from version {version}: {err}"));
        let home = core.load_home().await.unwrap();
        if version >= 1 {
            assert_eq!(home.language, Lang::En, "from version {version}");
            assert_eq!(
                home.source,
                CatalogueSource::Cache {
                    fetched_at_ms: 1_700_000_000_000
                },
                "from version {version}"
            );
        } else {
            assert_eq!(home.source, CatalogueSource::Bundled);
        }
        if version >= 2 {
            let draft = core.draft("d1".into()).await.unwrap();
            assert_eq!(draft.draft.description, "cũ");
        }
        if version >= 4 {
            let dossiers = core.followed_dossiers().await.unwrap();
            assert_eq!(
                dossiers[0].value.procedure, "Đăng ký khai sinh",
                "from version {version}"
            );
            let inbox = core.inbox().await.unwrap();
            assert!(
                inbox
                    .items
                    .iter()
                    .any(|i| i.id == "H46.01-250101-0001" && !i.unread),
                "from version {version}"
            );
            core.follow("p1".into()).await.unwrap();
            let followed = core.followed().await.unwrap();
            assert_eq!(
                followed[0].report.description, "ổ gà cũ",
                "from version {version}"
            );
        }
        // The migrated schema is the current one: a report can be filed.
        let draft = core
            .save_draft(None, crate::outbox::complete_draft("sau nâng cấp"))
            .await
            .unwrap();
        core.submit(draft.id).await.unwrap();
        drop(core);
        let conn = Connection::open(dir.path().join(cds_core::db::DB_FILE)).unwrap();
        let current: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(current, i64::try_from(MIGRATIONS.len()).unwrap());
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}
