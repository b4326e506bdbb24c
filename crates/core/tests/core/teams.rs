//! Community teams and the awareness block against the real gateway: joining
//! with a staff code (and the refusals), sessions recorded offline and
//! delivered exactly once after a restart, a crash mid-send and a lost
//! answer; the team's counts and their CSV; shelves searched without accents,
//! "new" marks, and guides readable offline with their illustrations.

use std::path::Path;

use cds_core::Error;
use cds_domain::{
    awareness::Shelf,
    outbox::OutboxState,
    report::{Field, Rule},
    teams::{AssistedSession, Outcome, Period, Reason, Scope},
};

use crate::{closed_port, gateway, now_ms, open};

fn code(gateway_dir: &Path, team: &str) -> String {
    let conn = cds_gateway::sql::Conn::sqlite(
        rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3")).unwrap(),
    );
    let request = cds_provincial_api::teams::NewTeamCode {
        team_name: team.into(),
        ward: "19753".into(),
        valid_days: 30,
    };
    cds_gateway::teams::issue_code(&conn, &request, "test", now_ms())
        .unwrap()
        .code
}

fn session(outcome: Outcome) -> AssistedSession {
    AssistedSession {
        id: String::new(),
        task: "field_report".into(),
        guide_id: "gui-phan-anh".into(),
        ward: "19753".into(),
        consent: true,
        steps_total: 9,
        steps_done: vec![0, 1, 2, 3],
        outcome,
        reason: (outcome != Outcome::Done).then_some(Reason::NoConnection),
        note: String::new(),
        contact: None,
        report_id: None,
        started_at: cds_domain::time::iso(now_ms() - 600_000),
        finished_at: cds_domain::time::iso(now_ms()),
    }
}

fn stored_at_gateway(gateway_dir: &Path) -> i64 {
    rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM assisted_sessions", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn joining_takes_a_valid_code_and_says_why_another_is_refused() {
    let (gw_dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = gateway(gw_dir.path()).await;
    let core = open(data.path(), &url).await.unwrap();
    assert!(core.team().await.unwrap().is_none());
    let refused = |err: Error| match err {
        Error::Invalid(invalid) => {
            assert_eq!(invalid.field, Field::TeamCode);
            invalid.rule
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(core.join_team("ABC".into()).await.unwrap_err()),
        Rule::BadFormat
    );
    assert_eq!(
        refused(core.join_team("ACDE-7KQR".into()).await.unwrap_err()),
        Rule::Unknown
    );
    let valid = code(gw_dir.path(), "Tổ CNS phường Phú Xuân");
    rusqlite::Connection::open(gw_dir.path().join("gateway.sqlite3"))
        .unwrap()
        .execute("UPDATE team_codes SET expires_ms = 1", [])
        .unwrap();
    assert_eq!(
        refused(core.join_team(valid).await.unwrap_err()),
        Rule::Expired
    );
    assert!(core.team().await.unwrap().is_none(), "nothing kept");
    // Without a team, no session is recorded.
    assert!(matches!(
        core.record_session(session(Outcome::Done)).await,
        Err(Error::NotNow(_))
    ));

    let valid = code(gw_dir.path(), "Tổ CNS phường Phú Xuân");
    let member = core.join_team(valid.to_lowercase()).await.unwrap();
    assert_eq!(member.team_name, "Tổ CNS phường Phú Xuân");
    assert_eq!(core.team().await.unwrap(), Some(member));

    // Offline: said as such.
    drop(core);
    let offline = open(data.path(), &closed_port()).await.unwrap();
    assert!(matches!(
        offline.join_team("ACDE-7KQR".into()).await,
        Err(Error::Unreachable(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_recorded_offline_arrives_once_through_restarts_a_crash_and_a_lost_answer() {
    let (gw_dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = gateway(gw_dir.path()).await;
    let core = open(data.path(), &url).await.unwrap();
    core.join_team(code(gw_dir.path(), "Tổ CNS phường Thuận Hóa"))
        .await
        .unwrap();
    core.pull_content().await.unwrap();
    drop(core);

    // Offline: a bad session is refused with nothing saved; a good one is
    // saved and waits.
    let offline = open(data.path(), &closed_port()).await.unwrap();
    let mut no_consent = session(Outcome::Done);
    no_consent.consent = false;
    match offline.record_session(no_consent).await {
        Err(Error::Invalid(invalid)) => assert_eq!(invalid.field, Field::Consent),
        other => panic!("{other:?}"),
    }
    let mut no_reason = session(Outcome::CouldNot);
    no_reason.reason = None;
    assert!(matches!(
        offline.record_session(no_reason).await,
        Err(Error::Invalid(_))
    ));
    assert!(offline.sessions().await.unwrap().is_empty());
    let first = offline
        .record_session(session(Outcome::Partly))
        .await
        .unwrap();
    let second = offline
        .record_session(session(Outcome::Done))
        .await
        .unwrap();
    let third = offline
        .record_session(session(Outcome::Done))
        .await
        .unwrap();
    let pass = offline.deliver_sessions().await.unwrap();
    assert!(pass.offline);
    assert_eq!(pass.confirmed, 0);
    assert!(
        offline
            .sessions()
            .await
            .unwrap()
            .iter()
            .all(|s| s.state.is_pending())
    );
    drop(offline);

    // The app stopped while sending the second one.
    let device = rusqlite::Connection::open(data.path().join(cds_core::db::DB_FILE)).unwrap();
    let sending = serde_json::to_string(&OutboxState::Sending {
        attempts: 1,
        started_at_ms: now_ms(),
        in_doubt: false,
        same_errors: 0,
        last_status: None,
    })
    .unwrap();
    device
        .execute(
            "UPDATE assisted_sessions SET state = ?2, state_kind = 'sending' WHERE id = ?1",
            rusqlite::params![second.session.id, sending],
        )
        .unwrap();
    // The third one reached the gateway, but its answer was lost.
    let token: String = device
        .query_row("SELECT token FROM team_membership", [], |r| r.get(0))
        .unwrap();
    drop(device);
    let answer = reqwest::Client::new()
        .post(format!("{url}api/v1/assisted-sessions"))
        .bearer_auth(&token)
        .json(&third.session)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(stored_at_gateway(gw_dir.path()), 1);

    // Back online after a restart: everything arrives, exactly once.
    let core = open(data.path(), &url).await.unwrap();
    assert_eq!(
        core.send_now().await.unwrap(),
        1,
        "the one tried offline waited its backoff; the others were due"
    );
    let pass = core.deliver_sessions().await.unwrap();
    assert_eq!(pass.confirmed, 3, "{pass:?}");
    assert_eq!(stored_at_gateway(gw_dir.path()), 3);
    let again = core.deliver_sessions().await.unwrap();
    assert_eq!(again.confirmed, 0);
    for s in core.sessions().await.unwrap() {
        assert!(matches!(s.state, OutboxState::Confirmed { .. }), "{s:?}");
    }
    assert!(
        core.sessions()
            .await
            .unwrap()
            .iter()
            .any(|s| s.session.id == first.session.id)
    );

    // The counts, and their CSV.
    let stats = core.pull_team_stats().await.unwrap().unwrap().stats;
    assert_eq!(stats.total(Period::Week, Scope::Team), 3);
    assert_eq!(stats.total(Period::Month, Scope::Me), 3);
    assert_eq!(
        stats.table(Period::Week, Scope::Me)["field_report"][&Outcome::Done],
        2
    );
    assert_eq!(core.team_stats().await.unwrap().unwrap().stats, stats);
    let csv = cds_domain::teams::stats_csv(&stats, ["a", "b", "c", "d", "e"], |r| {
        [
            format!("{:?}", r.period),
            format!("{:?}", r.scope),
            r.task.clone(),
            r.outcome.key().into(),
        ]
    });
    let exports = data.path().join("exports");
    let path = core
        .write_export(exports.clone(), "to.csv".into(), csv.clone())
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), csv);
    assert!(
        core.write_export(exports, "../escape.csv".into(), csv)
            .await
            .is_err()
    );
    // Every session delivered: leaving is allowed.
    core.leave_team().await.unwrap();
    assert!(core.team().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn shelves_are_searched_without_accents_marked_new_and_guides_work_offline() {
    let (gw_dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = gateway(gw_dir.path()).await;
    let core = open(data.path(), &url).await.unwrap();
    let before = core.shelf(Shelf::Scam, String::new()).await.unwrap();
    assert!(before.items.is_empty() && before.fetched_at_ms.is_none());
    core.sync_all().await.unwrap();

    let scams = core.shelf(Shelf::Scam, String::new()).await.unwrap();
    assert!(scams.items.len() >= 5, "{}", scams.items.len());
    assert!(scams.fetched_at_ms.is_some());
    let news = core.shelf(Shelf::News, String::new()).await.unwrap();
    assert!(news.items.len() >= 4);
    assert!(
        news.items
            .windows(2)
            .all(|w| w[0].published >= w[1].published),
        "newest first"
    );
    // Accent-insensitive search: "cong an" finds "công an".
    let found = core
        .shelf(Shelf::Scam, "cong an vneid".into())
        .await
        .unwrap();
    assert!(!found.items.is_empty());
    assert!(found.items[0].title.vi.to_lowercase().contains("công an"));
    assert!(
        core.shelf(Shelf::Scam, "xyzzy".into())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Opening one clears its mark, and only its mark.
    let opened = scams.items.iter().find(|i| i.new).unwrap().id.clone();
    let article = core.open_article(opened.clone()).await.unwrap();
    assert_eq!(article.topic, "scam");
    let after = core.shelf(Shelf::Scam, String::new()).await.unwrap();
    assert!(!after.items.iter().find(|i| i.id == opened).unwrap().new);
    assert_eq!(
        after.items.iter().filter(|i| i.new).count() + 1,
        scams.items.iter().filter(|i| i.new).count()
    );
    assert!(matches!(
        core.open_article("nope".into()).await,
        Err(Error::NotFound)
    ));

    let guides = core.shelf(Shelf::Guides, String::new()).await.unwrap();
    assert_eq!(guides.items.len(), 6);
    assert!(
        guides
            .items
            .iter()
            .all(|g| g.steps >= 5 && !g.task.is_empty())
    );
    drop(core);

    // Offline: every guide and its illustrations.
    let offline = open(data.path(), &closed_port()).await.unwrap();
    for item in &guides.items {
        let guide = offline.open_article(item.id.clone()).await.unwrap();
        for step in 0..guide.steps.len() {
            let png = offline.guide_image(guide.id.clone(), step).await.unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{} {step}", guide.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_filed_for_a_resident_reaches_the_province_marked_with_the_team() {
    let (gw_dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = gateway(gw_dir.path()).await;
    let api = url.clone();
    let core = cds_core::Core::open(data.path().to_owned(), move |name| match name {
        "CDS_API_URL" => Some(api.clone()),
        "CDS_OPEN311_API_KEY" => Some(cds_provincial_api::DEMO_API_KEY.into()),
        _ => None,
    })
    .await
    .unwrap();
    let member = core
        .join_team(code(gw_dir.path(), "Tổ CNS phường Phú Xuân"))
        .await
        .unwrap();
    let mut draft = crate::outbox::complete_draft("đèn đường hỏng trước nhà bà Lan");
    draft.attributes = [("size".to_owned(), "large".to_owned())].into();
    draft.assisted_by = Some(member.team_id.clone());
    draft.contact = cds_domain::report::Contact::Named {
        name: "Bà Lan".into(),
        phone: "0905123456".into(),
        email: String::new(),
    };
    let saved = core.save_draft(None, draft.clone()).await.unwrap();
    let id = core.submit(saved.id).await.unwrap().report_id;
    let pass = core.sync_outbox().await.unwrap();
    assert_eq!(
        pass.confirmed,
        1,
        "{pass:?} {:?}",
        core.report(id).await.unwrap().summary.state
    );
    let contact: String = rusqlite::Connection::open(gw_dir.path().join("gateway.sqlite3"))
        .unwrap()
        .query_row("SELECT contact FROM requests", [], |r| r.get(0))
        .unwrap();
    let contact: serde_json::Value = serde_json::from_str(&contact).unwrap();
    assert_eq!(
        contact["account_id"],
        format!("team:{}", member.team_id).as_str()
    );
    assert_eq!(contact["first_name"], "Bà Lan");

    // A team mark that is not an id is refused before anything is saved.
    draft.assisted_by = Some("x".repeat(65));
    assert!(matches!(
        core.save_draft(None, draft).await,
        Err(Error::Invalid(_))
    ));
}
