//! This device's own data: "delete my data" names unsent work first, erases
//! nothing when what was shown changed, then leaves the province's content
//! and the configuration; the provincial API address is checked before it is
//! kept and used from the next start.

use axum::{Router, routing::get};
use cds_core::{Core, Error};
use cds_domain::{
    Lang,
    outbox::Illegal,
    report::{Field, Rule},
};

use crate::{closed_port, gateway, outbox::complete_draft, real_jpeg, serve};

/// The engine with the demo app key and, when given, the API address from
/// the environment (else the settings decide).
async fn open_with(data: &std::path::Path, api: Option<&str>) -> Core {
    let api = api.map(str::to_owned);
    Core::open(data.to_owned(), move |name| match name {
        "CDS_API_URL" => api.clone(),
        "CDS_OPEN311_API_KEY" => Some("cds-demo-key".into()),
        "CDS_HTTP_TIMEOUT_MS" => Some("2000".into()),
        _ => None,
    })
    .await
    .unwrap()
}

/// A report the demo gateway accepts.
fn draft(text: &str) -> cds_domain::report::ReportDraft {
    let mut draft = complete_draft(text);
    draft.attributes = [("size".to_owned(), "large".to_owned())].into();
    draft
}

async fn open_unset(data: &std::path::Path) -> Core {
    open_with(data, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_names_unsent_work_first_and_keeps_the_provinces_content() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_with(app_dir.path(), Some(&url)).await;
    core.refresh_home().await.unwrap();

    // One report sent, one submitted and not sent yet, one draft with a photo.
    let sent = core
        .save_draft(None, draft("Đèn đường hỏng ở Bến Nghé"))
        .await
        .unwrap();
    core.attach_photo(sent.id.clone(), real_jpeg(1))
        .await
        .unwrap();
    core.submit(sent.id).await.unwrap();
    assert_eq!(core.sync_outbox().await.unwrap().confirmed, 1);
    let waiting = core
        .save_draft(None, draft("Cây đổ chắn đường Lê Lợi\nrất nguy hiểm"))
        .await
        .unwrap();
    let receipt = core.submit(waiting.id).await.unwrap().code;
    let kept = core
        .save_draft(None, draft(&"Rác thải ".repeat(20)))
        .await
        .unwrap();
    core.attach_photo(kept.id.clone(), real_jpeg(2))
        .await
        .unwrap();
    core.set_language(Lang::En).await.unwrap();
    core.pin_tile("canh-bao".into(), true).await.unwrap();
    assert!(!core.photo_dir().files().unwrap().is_empty());

    let preview = core.erase_preview().await.unwrap();
    assert!(preview.loses_unsent());
    assert_eq!(preview.drafts.len(), 1);
    assert!(preview.drafts[0].excerpt.starts_with("Rác thải"));
    assert!(preview.drafts[0].excerpt.ends_with('…'), "long text is cut");
    assert_eq!(preview.unsent_reports.len(), 1);
    assert_eq!(
        preview.unsent_reports[0].excerpt,
        "Cây đổ chắn đường Lê Lợi"
    );
    assert_eq!(
        preview.unsent_reports[0].receipt.as_deref(),
        Some(&*receipt)
    );
    assert_eq!(preview.sent_reports, 1);

    // A draft saved after the preview was shown: nothing is erased.
    let late = core.save_draft(None, draft("Nước ngập")).await.unwrap();
    let stale = core.erase_device_data(preview).await.unwrap_err();
    assert!(
        matches!(stale, Error::NotNow(Illegal::Changed)),
        "{stale:?}"
    );
    assert_eq!(core.drafts().await.unwrap().len(), 2);
    assert_eq!(core.reports(None, 10).await.unwrap().items.len(), 2);

    let preview = core.erase_preview().await.unwrap();
    assert_eq!(preview.drafts.len(), 2);
    assert!(preview.drafts.iter().any(|d| d.excerpt == "Nước ngập"));
    drop(late);
    core.erase_device_data(preview).await.unwrap();

    assert!(core.erase_preview().await.unwrap().is_empty());
    assert!(core.drafts().await.unwrap().is_empty());
    assert!(core.reports(None, 10).await.unwrap().items.is_empty());
    assert_eq!(core.photo_dir().files().unwrap(), Vec::<String>::new());
    let home = core.load_home().await.unwrap();
    assert_eq!(home.language, Lang::Vi, "choices are back to the defaults");
    assert!(home.personal.pinned.is_empty());
    assert!(
        matches!(home.source, cds_domain::CatalogueSource::Cache { .. }),
        "the province's catalogue stays: {:?}",
        home.source
    );
    // The words are gone from the database's files too, not only unlinked.
    for file in ["cong-dan-so.sqlite3", "cong-dan-so.sqlite3-wal"] {
        let bytes = std::fs::read(app_dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("Cây đổ chắn đường") && !text.contains("Nước ngập"),
            "{file} still holds erased text"
        );
    }
    // Nothing left to send, and the engine still works after a restart.
    assert_eq!(core.sync_outbox().await.unwrap().confirmed, 0);
    drop(core);
    let core = open_with(app_dir.path(), Some(&url)).await;
    assert!(core.erase_preview().await.unwrap().is_empty());
    // The sent report stays at the province.
    assert_eq!(crate::gateway_requests(&url).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_address_is_checked_kept_and_used_from_the_next_start() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_unset(app_dir.path()).await;
    let screen = core.api_address().await.unwrap();
    assert_eq!(screen.in_force, cds_core::config::DEFAULT_API_URL);
    assert!(!screen.from_environment && !screen.restart_needed);
    assert_eq!(screen.chosen, None);

    let refused = |err: Error| match err {
        Error::Invalid(invalid) => {
            assert_eq!(invalid.field, Field::ApiAddress);
            invalid.rule
        }
        other => panic!("{other:?}"),
    };
    for bad in [
        "ftp://example.vn/",
        "không phải địa chỉ",
        "javascript:alert(1)",
    ] {
        let err = core.set_api_address(Some(bad.into())).await.unwrap_err();
        assert_eq!(refused(err), Rule::BadFormat, "{bad}");
    }
    let long = format!("http://{}.vn/", "a".repeat(2100));
    let err = core.set_api_address(Some(long)).await.unwrap_err();
    assert_eq!(refused(err), Rule::TooLong { max: 2000 });
    let err = core.set_api_address(Some(closed_port())).await.unwrap_err();
    assert!(matches!(err, Error::Unreachable(_)), "{err:?}");
    // Something answers, but not a provincial API.
    let other = serve(Router::new().fallback(get(|| async { "<html>router</html>" }))).await;
    let err = core.set_api_address(Some(other)).await.unwrap_err();
    assert_eq!(refused(err), Rule::Unknown);
    assert_eq!(
        core.api_address().await.unwrap().chosen,
        None,
        "nothing kept"
    );

    // The gateway: kept, used from the next start.
    let typed = format!("  {}", url.trim_end_matches('/'));
    let screen = core.set_api_address(Some(typed)).await.unwrap();
    assert_eq!(screen.chosen.as_deref(), Some(url.as_str()));
    assert!(screen.restart_needed);
    assert_eq!(core.config().api_url.as_str(), screen.default);
    drop(core);
    let core = open_unset(app_dir.path()).await;
    assert_eq!(core.config().api_url.as_str(), url);
    assert!(!core.api_address().await.unwrap().restart_needed);
    assert_eq!(
        core.refresh_home().await.unwrap().connectivity,
        cds_domain::Connectivity::Online
    );

    // A report waits for this server: the address cannot change under it.
    let saved = core.save_draft(None, draft("Ổ gà")).await.unwrap();
    core.submit(saved.id).await.unwrap();
    let err = core.set_api_address(None).await.unwrap_err();
    assert!(matches!(err, Error::NotNow(_)), "{err:?}");
    core.sync_outbox().await.unwrap();
    let screen = core.set_api_address(None).await.unwrap();
    assert_eq!(screen.chosen, None);
    assert!(
        screen.restart_needed,
        "back to the default at the next start"
    );
    drop(core);

    // Set by the environment: shown, not changed here.
    let core = open_with(app_dir.path(), Some(&url)).await;
    let screen = core.api_address().await.unwrap();
    assert!(screen.from_environment && !screen.restart_needed);
    let err = core.set_api_address(Some(url.clone())).await.unwrap_err();
    assert!(matches!(err, Error::NotNow(_)), "{err:?}");
}
