//! Dossiers against the real gateway: looked up (forgiving input, the same
//! `NotFound` for a wrong code or wrong digits, the wait after too many wrong
//! guesses), shown offline with their age, followed and announced when they
//! change (documents asked for, a result, a due date passed), and the inbox's
//! unread marks.

use std::path::Path;

use cds_core::Error;
use cds_domain::{
    dossier::{ChangedDossier, DossierChange},
    inbox::InboxKind,
};

use crate::{gateway, now_ms, open};

const DAY_MS: i64 = 86_400_000;

/// A dossier being processed, due in ten days: (code, phone digits).
fn pick(gateway_dir: &Path) -> (String, String) {
    let conn = rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3")).unwrap();
    let (code, digits): (String, String) = conn
        .query_row(
            "SELECT code, phone_last4 FROM dossiers WHERE status = 'processing' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE dossiers SET due_ms = ?2 WHERE code = ?1",
        rusqlite::params![code, now_ms() + 10 * DAY_MS],
    )
    .unwrap();
    (code, digits)
}

fn staff_sets(gateway_dir: &Path, code: &str, sql: &str) {
    rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3"))
        .unwrap()
        .execute(sql, [code])
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_dossier_is_announced_when_it_changes_and_kept_offline() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    let (code, digits) = pick(gw_dir.path());

    // Forgiving input: case, spaces, another dash; a wrong field named.
    let typed = format!(" {} ", code.to_lowercase().replacen('-', "–", 1));
    let held = core
        .lookup_dossier(typed, format!(" {digits}"))
        .await
        .unwrap();
    assert_eq!(held.value.code, code);
    assert!(!held.offline && !held.followed);
    assert!(matches!(
        core.lookup_dossier("../etc".into(), digits.clone()).await,
        Err(Error::Invalid(i)) if i.field == cds_domain::report::Field::DossierCode
    ));
    assert!(matches!(
        core.lookup_dossier(code.clone(), "12a4".into()).await,
        Err(Error::Invalid(i)) if i.field == cds_domain::report::Field::PhoneDigits
    ));

    core.follow_dossier(code.clone()).await.unwrap();
    assert!(matches!(
        core.follow_dossier("H46.99-000000-9999".into()).await,
        Err(Error::NotFound)
    ));
    assert_eq!(core.pull_dossiers().await.unwrap(), vec![], "nothing new");
    // Pulls are conditional from now on: the answer's ETag is kept.
    let etag: Option<String> =
        rusqlite::Connection::open(app_dir.path().join(cds_core::db::DB_FILE))
            .unwrap()
            .query_row("SELECT etag FROM watched_dossiers", [], |r| r.get(0))
            .unwrap();
    assert!(etag.is_some_and(|e| !e.is_empty()));
    assert_eq!(
        core.pull_dossiers().await.unwrap(),
        vec![],
        "a 304: nothing new"
    );
    let unread = |inbox: &cds_domain::inbox::Inbox| {
        inbox
            .items
            .iter()
            .filter(|i| i.kind == InboxKind::Dossier && i.unread)
            .count()
    };
    assert_eq!(
        unread(&core.inbox().await.unwrap()),
        0,
        "following is not news"
    );

    let told = |change| {
        vec![ChangedDossier {
            code: code.clone(),
            change,
        }]
    };
    staff_sets(
        gw_dir.path(),
        &code,
        "UPDATE dossiers SET status = 'supplement_requested' WHERE code = ?1",
    );
    assert_eq!(
        core.pull_dossiers().await.unwrap(),
        told(DossierChange::SupplementRequested)
    );
    let inbox = core.inbox().await.unwrap();
    assert_eq!(unread(&inbox), 1);
    let item = inbox
        .items
        .iter()
        .find(|i| i.kind == InboxKind::Dossier)
        .unwrap();
    assert_eq!(item.status, "supplement_requested");
    let left = core
        .mark_read(InboxKind::Dossier, code.clone())
        .await
        .unwrap();
    assert_eq!(unread(&core.inbox().await.unwrap()), 0);
    assert_eq!(left, core.inbox().await.unwrap().unread);

    staff_sets(
        gw_dir.path(),
        &code,
        "UPDATE dossiers SET status = 'done', finished_ms = received_ms + 1000 WHERE code = ?1",
    );
    assert_eq!(
        core.pull_dossiers().await.unwrap(),
        told(DossierChange::ResultReady)
    );
    assert_eq!(unread(&core.inbox().await.unwrap()), 1, "news again");
    // A due date passed with no result: told once.
    staff_sets(
        gw_dir.path(),
        &code,
        "UPDATE dossiers SET status = 'processing', finished_ms = NULL,
             due_ms = received_ms - 86400000 WHERE code = ?1",
    );
    assert_eq!(
        core.pull_dossiers().await.unwrap(),
        told(DossierChange::Overdue)
    );
    assert_eq!(core.pull_dossiers().await.unwrap(), vec![]);

    // Offline: the last answer, with its age; nothing for other digits.
    drop(core);
    let core = open(app_dir.path(), "http://127.0.0.1:9/").await.unwrap();
    let held = core
        .lookup_dossier(code.clone(), digits.clone())
        .await
        .unwrap();
    assert!(held.offline && held.followed);
    assert!(held.fetched_at_ms > now_ms() - 60_000);
    let other = if digits == "0000" { "1111" } else { "0000" };
    assert!(matches!(
        core.lookup_dossier(code.clone(), other.into()).await,
        Err(Error::Unreachable(_))
    ));
    assert_eq!(core.followed_dossiers().await.unwrap().len(), 1);
    core.unfollow_dossier(code).await.unwrap();
    assert!(core.followed_dossiers().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_digits_are_not_found_and_too_many_say_how_long_to_wait() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    let (code, digits) = pick(gw_dir.path());
    let wrong = if digits == "0000" { "1111" } else { "0000" };
    let mut waited = None;
    for _ in 0..10 {
        match core.lookup_dossier(code.clone(), wrong.into()).await {
            Err(Error::NotFound) => {}
            Err(Error::Wait { seconds }) => {
                waited = Some(seconds);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let seconds = waited.expect("the gateway's limit is reached within 10 guesses");
    assert!((1..=15 * 60).contains(&seconds), "{seconds}");
    // Even the right digits wait now: the limit protects the dossier.
    assert!(matches!(
        core.lookup_dossier(code, digits).await,
        Err(Error::Wait { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_holds_my_wards_alerts_newest_first_until_read() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    assert_eq!(core.inbox().await.unwrap().items.len(), 0);
    core.pull_content().await.unwrap();
    let inbox = core.inbox().await.unwrap();
    let alerts: Vec<_> = inbox
        .items
        .iter()
        .filter(|i| i.kind == InboxKind::Alert)
        .collect();
    assert!(!alerts.is_empty(), "the province-wide alerts in force");
    assert!(alerts.iter().all(|a| a.unread));
    assert!(
        inbox
            .items
            .windows(2)
            .all(|w| w[0].changed_at_ms >= w[1].changed_at_ms),
        "newest first"
    );
    let id = alerts[0].id.clone();
    let before = inbox.unread;
    assert_eq!(
        core.mark_read(InboxKind::Alert, id.clone()).await.unwrap(),
        before - 1
    );
    assert!(
        !core
            .inbox()
            .await
            .unwrap()
            .items
            .iter()
            .any(|i| i.id == id && i.unread)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn procedures_are_found_without_accents_offline() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    assert!(core.procedures(String::new()).await.unwrap().is_empty());
    assert!(core.dossier_stats().await.unwrap().is_none());
    core.pull_content().await.unwrap();
    drop(core);
    let core = open(app_dir.path(), "http://127.0.0.1:9/").await.unwrap();
    let all = core.procedures(String::new()).await.unwrap();
    assert!(all.len() >= 60, "{}", all.len());
    let found = core.procedures("chung thuc".into()).await.unwrap();
    assert!(!found.is_empty());
    assert!(
        cds_domain::text::fold(&found[0].name.vi).contains("chung thuc"),
        "the phrase in the name comes first: {:?}",
        found[0].name
    );
    for p in &found {
        let all = format!(
            "{} {} {} {} {} {}",
            p.name.vi, p.name.en, p.field.vi, p.field.en, p.agency.vi, p.agency.en
        );
        assert!(
            cds_domain::text::matches(&all, "chung thuc"),
            "{:?}",
            p.name
        );
    }
    assert!(
        core.procedures("zzzz khong co".into())
            .await
            .unwrap()
            .is_empty()
    );
    let stats = core.dossier_stats().await.unwrap().expect("pulled");
    assert!(!stats.agencies.is_empty());
}
