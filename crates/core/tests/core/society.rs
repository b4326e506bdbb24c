//! Alerts, places, OCOP products and traceability through the engine,
//! against the real gateway: my wards first, a severe alert announced once
//! and its banner until read; places by distance from a ward; products
//! found without accents; a product traced by code and by label photo,
//! kept for offline; bad codes and unknown products refused plainly.

use cds_core::Error;
use cds_domain::{
    places::{Origin, PlacesQuery},
    report::{Field, Rule},
};

use crate::{closed_port, gateway, open, slips::slip};

fn now_iso(hours: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    cds_domain::time::iso(i64::try_from(now).unwrap() + hours * 3_600_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_severe_alert_for_my_ward_is_announced_once_and_bannered_until_read() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    let first = core.sync_all().await.unwrap();
    assert!(
        first.severe_alerts.is_empty(),
        "the demo's dam release is for other wards"
    );
    assert!(core.alert_banner().await.unwrap().is_none());
    let list = core.alerts().await.unwrap();
    assert!(list.len() >= 4);
    assert!(
        list.iter().all(|l| l.alert.id != "mat-nuoc-da-qua"),
        "expired left out"
    );

    // Wards: an unknown one refused; mine chosen.
    assert!(matches!(
        core.set_alert_wards(vec!["00000".into()]).await,
        Err(Error::Invalid(invalid)) if invalid.rule == Rule::OutsideProvince
    ));
    assert_eq!(
        core.set_alert_wards(vec!["19975".into(), "19975".into()])
            .await
            .unwrap(),
        ["19975"]
    );
    let list = core.alerts().await.unwrap();
    assert_eq!(
        list[0].alert.id, "xa-lu-ho-ta-trach",
        "mine first: {:?}",
        list[0]
    );
    assert!(list[0].mine && list[0].in_force);
    // Now mine, severe and in force: announced at the next sync, once.
    let second = core.sync_all().await.unwrap();
    assert_eq!(second.severe_alerts, ["xa-lu-ho-ta-trach"]);
    assert!(
        core.sync_all().await.unwrap().severe_alerts.is_empty(),
        "once"
    );
    let banner = core.alert_banner().await.unwrap().unwrap();
    assert_eq!(banner.id, "xa-lu-ho-ta-trach");
    core.mark_alert_read(banner.id).await.unwrap();
    assert!(core.alert_banner().await.unwrap().is_none(), "read");

    // A new version by staff is announced again.
    let conn = cds_gateway::sql::Conn::sqlite(
        rusqlite::Connection::open(gw_dir.path().join("gateway.sqlite3")).unwrap(),
    );
    cds_gateway::auth::register_staff(&conn, "Trực ban", "staff-secret").unwrap();
    drop(conn);
    let base = url.clone();
    let until = now_iso(3);
    let status = tokio::task::spawn_blocking(move || {
        reqwest::blocking::Client::new()
            .post(format!("{base}api/v1/staff/alerts"))
            .bearer_auth("staff-secret")
            .json(&serde_json::json!({
                "id": "xa-lu-ho-ta-trach", "kind": "dam_release", "severity": "danger",
                "areas": ["19975"], "title": {"vi": "Tăng lưu lượng xả", "en": "More water released"},
                "body": {"vi": "Lưu lượng xả tăng", "en": "The release grows"},
                "valid_until": until
            }))
            .send()
            .unwrap()
            .status()
    })
    .await
    .unwrap();
    assert_eq!(status, reqwest::StatusCode::CREATED);
    assert_eq!(
        core.sync_all().await.unwrap().severe_alerts,
        ["xa-lu-ho-ta-trach"]
    );
    assert!(
        core.alert_banner().await.unwrap().is_some(),
        "changed since read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_products_and_traces_work_offline_from_the_last_sync() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    core.pull_content().await.unwrap();

    let health = core
        .places(PlacesQuery {
            categories: vec![
                "hospital".into(),
                "health_station".into(),
                "pharmacy".into(),
            ],
            origin: Origin::Ward {
                code: "19753".into(),
            },
            open_now: false,
        })
        .await
        .unwrap();
    assert!(health.len() >= 40);
    assert!(
        health
            .windows(2)
            .all(|w| w[0].distance_m <= w[1].distance_m)
    );
    assert!(health[0].distance_m.unwrap() < 3000.0);
    assert!(
        health
            .iter()
            .all(|n| n.directions.starts_with("https://www.openstreetmap.org/"))
    );
    let all = core
        .places(PlacesQuery {
            categories: vec![],
            origin: Origin::None,
            open_now: false,
        })
        .await
        .unwrap();
    assert!(all.len() >= 100);
    for bad in [
        Origin::Ward {
            code: "99999".into(),
        },
        Origin::Point {
            lat: f64::NAN,
            lon: 107.0,
        },
        Origin::Point {
            lat: 95.0,
            lon: 107.0,
        },
    ] {
        let refused = core
            .places(PlacesQuery {
                categories: vec![],
                origin: bad.clone(),
                open_now: false,
            })
            .await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{bad:?}");
    }
    assert!(
        !core
            .field_articles("health".into())
            .await
            .unwrap()
            .is_empty()
    );
    let bills_guide = core.field_articles("bills".into()).await.unwrap();
    assert!(bills_guide.iter().any(|g| g.steps.len() >= 3));
    let hosts = core.link_hosts().await.unwrap();
    assert!(
        hosts.iter().any(|h| h == "cskh.cpc.vn") && hosts.iter().any(|h| h == "openstreetmap.org")
    );

    // Products, found without accents.
    let found = core.products("me xung".into()).await.unwrap();
    assert_eq!(found[0].id, "me-xung-huong-giang");
    assert!(core.products(String::new()).await.unwrap().len() >= 24);
    let photo = core
        .product_photo("me-xung-huong-giang".into())
        .await
        .unwrap();
    assert!(
        photo.starts_with(b"\x89PNG"),
        "the product's photo, from the gateway"
    );
    assert!(matches!(
        core.product_photo("khong-co".into()).await,
        Err(Error::NotFound)
    ));

    // Traced by a GS1 Digital Link with its lot, by a label photo; unknown
    // and bad codes refused.
    let held = core
        .trace("https://id.gs1.org/01/08938520000014".into())
        .await
        .unwrap();
    assert!(!held.offline);
    let older = held.value.lots[1].clone();
    let held = core
        .trace(format!(
            "https://truyxuat.hue.gov.vn/sp/8938520000014/lo/{older}"
        ))
        .await
        .unwrap();
    assert_eq!(held.value.batch.as_ref().unwrap().lot, older);
    let label = slip::clean_jpeg(&slip::draw(&slip::Slip {
        qr: None,
        barcode: None,
        product: Some("893852000002".into()),
        seed: 5,
    }));
    let scan = core.scan_label(label).await.unwrap();
    assert_eq!(scan.code.as_deref(), Some("8938520000021"));
    let slip_photo = slip::clean_jpeg(&slip::draw(&slip::Slip {
        qr: Some("https://evil.example/".into()),
        barcode: None,
        product: None,
        seed: 6,
    }));
    let other = core.scan_label(slip_photo).await.unwrap();
    assert_eq!(other.code, None);
    assert_eq!(other.found, ["https://evil.example/"]);
    assert!(matches!(
        core.trace("8936036020014".into()).await,
        Err(Error::NotFound)
    ));
    for bad in ["8938520000015", "<script>", ""] {
        assert!(
            matches!(core.trace(bad.into()).await,
                Err(Error::Invalid(invalid)) if invalid.field == Field::ProductCode),
            "{bad}"
        );
    }
    drop(core);

    // Offline: the same lists, and the trace answer kept.
    let core = open(app_dir.path(), &closed_port()).await.unwrap();
    assert!(core.products("mè xửng".into()).await.unwrap().len() == 1);
    let held = core.trace("8938520000014".into()).await.unwrap();
    assert!(held.offline);
    assert!(
        core.product_photo("me-xung-huong-giang".into())
            .await
            .is_ok(),
        "kept once fetched"
    );
    assert!(matches!(
        core.trace("8938520000038".into()).await,
        Err(Error::Unreachable(_))
    ));
}
