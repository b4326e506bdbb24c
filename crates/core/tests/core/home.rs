//! The home screen against a real gateway on 127.0.0.1 and hostile servers;
//! damaged database files; configuration.

use std::{path::Path, time::Duration};

use axum::{Router, http::StatusCode, response::IntoResponse, routing::get};
use cds_core::{Core, Error, StorageProblem};
use cds_domain::{CatalogueSource, Connectivity, Contrast, Display, Lang, Personal, TextSize};

use crate::{closed_port, gateway, open, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_offline_shows_the_bundled_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let home = core.load_home().await.unwrap();
    assert_eq!(home.source, CatalogueSource::Bundled);
    assert_eq!(home.connectivity, Connectivity::Checking);
    assert_eq!(home.language, Lang::Vi);
    assert_eq!(home.catalogue.blocks.len(), 5);

    let home = core.refresh_home().await.unwrap();
    assert_eq!(home.connectivity, Connectivity::Offline);
    assert_eq!(home.source, CatalogueSource::Bundled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caches_the_gateway_catalogue_and_shows_it_when_the_gateway_is_gone() {
    let gateway_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gateway_dir.path()).await;

    let core = open(app_dir.path(), &url).await.unwrap();
    let home = core.refresh_home().await.unwrap();
    assert_eq!(home.connectivity, Connectivity::Online);
    let CatalogueSource::Cache { fetched_at_ms } = home.source else {
        panic!("expected the cached catalogue, got {:?}", home.source);
    };
    assert!(fetched_at_ms > 1_700_000_000_000);
    // A second refresh is answered 304 and keeps the cache.
    let again = core.refresh_home().await.unwrap();
    assert_eq!(again.connectivity, Connectivity::Online);
    assert_eq!(again.catalogue, home.catalogue);
    drop(core);

    // Restarted against an API that is gone: the cached catalogue, offline.
    let core = open(app_dir.path(), &closed_port()).await.unwrap();
    let offline = core.refresh_home().await.unwrap();
    assert_eq!(offline.connectivity, Connectivity::Offline);
    assert!(matches!(offline.source, CatalogueSource::Cache { .. }));
    assert_eq!(offline.catalogue, home.catalogue);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_are_refused_and_the_cache_stays() {
    let gateway_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let good = gateway(gateway_dir.path()).await;
    let core = open(app_dir.path(), &good).await.unwrap();
    let cached = core.refresh_home().await.unwrap();
    assert_eq!(cached.connectivity, Connectivity::Online);
    drop(core);

    let bundled = String::from_utf8(cds_core::catalogue::BUNDLED.to_vec()).unwrap();
    let partly_invalid = bundled.replacen("https://", "http://", 1).replacen(
        "\"icon\": \"megaphone\"",
        "\"icon\": \"../x\"",
        1,
    );
    let hostile = Router::new()
        .route(
            "/portal/api/v1/catalogue",
            get(|| async { ([("content-type", "text/html")], "<html>Wi-Fi login</html>") }),
        )
        .route(
            "/huge/api/v1/catalogue",
            get(|| async { "[".repeat(cds_domain::catalogue::MAX_BYTES + 10) }),
        )
        .route(
            "/invalid/api/v1/catalogue",
            get(move || async move { partly_invalid }),
        )
        .route(
            "/broken/api/v1/catalogue",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR.into_response() }),
        )
        .route(
            "/slow/api/v1/catalogue",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "{}"
            }),
        );
    let base = serve(hostile).await;
    for (path, expected) in [
        ("portal", Connectivity::ServerProblem),
        ("huge", Connectivity::ServerProblem),
        ("invalid", Connectivity::ServerProblem),
        ("broken", Connectivity::ServerProblem),
        ("slow", Connectivity::Offline),
    ] {
        let core = open(app_dir.path(), &format!("{base}{path}/"))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let home = core.refresh_home().await.unwrap();
        assert_eq!(home.connectivity, expected, "{path}");
        assert!(
            matches!(home.source, CatalogueSource::Cache { .. }),
            "{path}"
        );
        assert_eq!(home.catalogue, cached.catalogue, "{path}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{path} took too long"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembers_the_language_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(core.set_language(Lang::En).await.unwrap(), Lang::En);
    drop(core);
    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(core.load_home().await.unwrap().language, Lang::En);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembers_text_size_and_contrast_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let display = core.load_home().await.unwrap().display;
    assert_eq!(
        display,
        Display::default(),
        "normal text, the system's contrast"
    );
    assert_eq!(display.text_size.percent(), 100);
    assert_eq!(display.contrast, Contrast::System);

    let chosen = Display {
        text_size: TextSize::new(200).unwrap(),
        contrast: Contrast::On,
    };
    assert_eq!(core.set_display(chosen).await.unwrap(), chosen);
    assert_eq!(core.load_home().await.unwrap().display, chosen);
    drop(core);
    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(core.load_home().await.unwrap().display, chosen);
    assert_eq!(core.refresh_home().await.unwrap().display, chosen);
    drop(core);

    // Values this version does not offer (a newer version's, or damage)
    // count as unset, and the home screen still opens.
    let conn = rusqlite::Connection::open(dir.path().join(cds_core::db::DB_FILE)).unwrap();
    for (key, value) in [("text_size", "350"), ("contrast", "inverted")] {
        cds_core::settings::set(&conn, key, value).unwrap();
    }
    drop(conn);
    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(core.load_home().await.unwrap().display, Display::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_and_recent_tiles_are_kept_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(
        core.load_home().await.unwrap().personal,
        Personal::default()
    );

    core.pin_tile("cai-dat".into(), true).await.unwrap();
    core.pin_tile("canh-bao".into(), true).await.unwrap();
    let personal = core.pin_tile("cai-dat".into(), true).await.unwrap();
    assert_eq!(personal.pinned, ["cai-dat", "canh-bao"], "the order pinned");
    for tile in ["ocop", "y-te", "ocop", "tin-tuc", "thu-tuc", "hop-thu"] {
        core.tile_opened(tile.into()).await.unwrap();
    }
    let expected = Personal {
        pinned: vec!["cai-dat".into(), "canh-bao".into()],
        recent: vec![
            "hop-thu".into(),
            "thu-tuc".into(),
            "tin-tuc".into(),
            "ocop".into(),
        ],
    };
    assert_eq!(core.load_home().await.unwrap().personal, expected);
    // A tile the catalogue does not have is refused and changes nothing.
    assert!(matches!(
        core.pin_tile("no-such-tile".into(), true).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        core.tile_opened("no-such-tile".into()).await,
        Err(Error::NotFound)
    ));
    drop(core);

    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(core.load_home().await.unwrap().personal, expected);
    assert_eq!(core.refresh_home().await.unwrap().personal, expected);
    let personal = core.pin_tile("cai-dat".into(), false).await.unwrap();
    assert_eq!(personal.pinned, ["canh-bao"]);
    drop(core);

    // A stored value this version cannot read counts as none; a tile the
    // catalogue no longer has is not shown.
    let conn = rusqlite::Connection::open(dir.path().join(cds_core::db::DB_FILE)).unwrap();
    cds_core::settings::set(&conn, "pinned_tiles", "not json").unwrap();
    cds_core::settings::set(&conn, "recent_tiles", r#"["gone", "ocop"]"#).unwrap();
    drop(conn);
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let personal = core.load_home().await.unwrap().personal;
    assert!(personal.pinned.is_empty());
    assert_eq!(personal.recent, ["ocop"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_per_kind_are_kept_and_decide_what_is_told() {
    use cds_domain::sync::{Notifications, SyncSummary};
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(
        core.load_home().await.unwrap().notifications,
        Notifications::default(),
        "every kind until turned off"
    );
    let summary = SyncSummary {
        changed_reports: vec!["r1".into()],
        severe_alerts: vec!["a1".into()],
        ..SyncSummary::default()
    };
    let told = core.to_notify(&summary).await.unwrap();
    assert_eq!((told.reports.len(), told.alerts.len()), (1, 1));
    let choice = Notifications {
        alerts: false,
        team: false,
        ..Notifications::default()
    };
    assert_eq!(core.set_notifications(choice).await.unwrap(), choice);
    drop(core);

    let core = open(dir.path(), &closed_port()).await.unwrap();
    assert_eq!(core.load_home().await.unwrap().notifications, choice);
    let told = core.to_notify(&summary).await.unwrap();
    assert_eq!(told.reports, ["r1"]);
    assert!(told.alerts.is_empty(), "alerts turned off are not told");
}

async fn open_error(dir: &Path) -> Error {
    match open(dir, &closed_port()).await {
        Ok(_) => panic!("opened a database that should be refused"),
        Err(err) => err,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_is_reported_and_kept_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(cds_core::db::DB_FILE);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&file, &garbage).unwrap();
    let err = open_error(dir.path()).await;
    assert!(
        matches!(
            err,
            Error::Storage {
                problem: StorageProblem::Corrupt,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), garbage);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_app_is_reported_and_kept_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(cds_core::db::DB_FILE);
    drop(open(dir.path(), &closed_port()).await.unwrap());
    {
        let conn = rusqlite::Connection::open(&file).unwrap();
        conn.pragma_update(None, "user_version", 1000).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = std::fs::read(&file).unwrap();
    let err = open_error(dir.path()).await;
    assert!(
        matches!(
            err,
            Error::Storage {
                problem: StorageProblem::TooNew,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), &closed_port()).await.unwrap());
    let file = dir.path().join(cds_core::db::DB_FILE);
    let holder = rusqlite::Connection::open(&file).unwrap();
    holder
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let err = open_error(dir.path()).await;
    assert!(
        matches!(
            err,
            Error::Storage {
                problem: StorageProblem::Locked,
                ..
            }
        ),
        "{err}"
    );
    holder.execute_batch("COMMIT").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_comes_from_the_environment_then_stored_settings() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(cds_core::db::DB_FILE);
    drop(open(dir.path(), &closed_port()).await.unwrap());
    {
        let conn = rusqlite::Connection::open(&file).unwrap();
        cds_core::settings::set(&conn, "api_url", "https://api.hue.example/").unwrap();
        cds_core::settings::set(&conn, "open311_api_key", "stored-key").unwrap();
    }
    let core = Core::open("/nonexistent".into(), |name| {
        (name == "CDS_DATA_DIR").then(|| dir.path().to_string_lossy().into_owned())
    })
    .await
    .unwrap();
    assert_eq!(core.config().api_url.as_str(), "https://api.hue.example/");
    assert_eq!(
        core.config().open311_url.as_str(),
        "https://api.hue.example/open311/v2/"
    );
    assert_eq!(core.config().open311_api_key.as_deref(), Some("stored-key"));
    drop(core);

    let core = open(dir.path(), "http://127.0.0.1:1/").await.unwrap();
    assert_eq!(core.config().api_url.as_str(), "http://127.0.0.1:1/");
    assert_eq!(core.config().open311_api_key.as_deref(), Some("stored-key"));
    drop(core);

    let err = open(dir.path(), "gopher://nowhere").await.err().unwrap();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(err.to_string().contains("CDS_API_URL"), "{err}");
}
