//! System notifications when one of my reports changes status, a followed
//! dossier changes or a severe alert is issued for my wards (Tauri's
//! notification plugin), in the user's language, with texts from `locales/`;
//! the engine says which changes to tell (the kinds the resident keeps on).

use cds_domain::{Lang, report::ReportDetail};
use tauri::Manager;
use tauri_plugin_notification::NotificationExt;

use crate::state::Shell;

/// At most this many notifications per sync (the rest are in the app).
const MAX_PER_SYNC: usize = 3;

const VI: &str = include_str!("../../locales/vi.json");
const EN: &str = include_str!("../../locales/en.json");

/// The text of `key` in `lang`, from the UI's own locale files.
fn text(lang: Lang, key: &str) -> String {
    let table = match lang {
        Lang::Vi => VI,
        Lang::En => EN,
    };
    serde_json::from_str::<serde_json::Value>(table)
        .ok()
        .and_then(|t| t.get(key).and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_else(|| key.to_owned())
}

/// The title and body announcing a report's new state.
pub fn message(lang: Lang, report: &ReportDetail) -> (String, String) {
    let status = report
        .remote
        .as_ref()
        .and_then(|r| r.detailed_status.as_deref())
        .unwrap_or("received");
    let key = match status {
        "assigned" | "in_progress" => "status.in_progress",
        "resolved" => "status.resolved",
        "rejected" => "status.refused",
        "duplicate" => "status.duplicate",
        "reopened" => "status.reopened",
        _ => "status.sent",
    };
    let title = text(lang, "notify.title").replace("{code}", &report.summary.receipt);
    let mut body = text(lang, key);
    if let Some(note) = report
        .remote
        .as_ref()
        .map(|r| r.note.trim())
        .filter(|n| !n.is_empty())
    {
        body = format!("{body}: {}", note.chars().take(140).collect::<String>());
    }
    (title, body)
}

/// The title and body announcing what happened to a followed dossier (the
/// inbox shows the same words).
pub fn dossier_message(
    lang: Lang,
    changed: &cds_domain::dossier::ChangedDossier,
    note: Option<&str>,
) -> (String, String) {
    use cds_domain::dossier::DossierChange as C;
    let key = match changed.change {
        C::SupplementRequested => "notify.dossier_supplement",
        C::ResultReady => "notify.dossier_done",
        C::Returned => "notify.dossier_returned",
        C::Overdue => "notify.dossier_overdue",
        C::Progress => "notify.dossier_progress",
    };
    let title = text(lang, "notify.dossier_title").replace("{code}", &changed.code);
    let mut body = text(lang, key);
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        body = format!("{body}: {}", note.chars().take(140).collect::<String>());
    }
    (title, body)
}

/// The title and body announcing a severe alert (the home screen's banner
/// says the same): its title, then what to do (else what happens).
pub fn alert_message(lang: Lang, alert: &cds_ipc::Alert) -> (String, String) {
    let title = text(lang, "notify.alert_title").replace("{title}", alert.title.get(lang));
    let body = alert
        .instructions
        .as_ref()
        .map(|i| i.get(lang))
        .filter(|i| !i.trim().is_empty())
        .unwrap_or_else(|| alert.body.get(lang));
    (title, body.trim().chars().take(200).collect())
}

/// Shows notifications for a sync's changes, as many as the engine lets
/// through (the kinds the resident keeps on), off the sync's path.
pub fn after_sync(app: &tauri::AppHandle, summary: cds_domain::sync::SyncSummary) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some((core, lang)) = engine(&app).await else {
            return;
        };
        let to_notify = match core.to_notify(&summary).await {
            Ok(to_notify) => to_notify,
            Err(err) => return log::warn!("notifications skipped: {err}"),
        };
        if !to_notify.reports.is_empty() {
            changed_reports(&app, core, lang, to_notify.reports).await;
        }
        if !to_notify.dossiers.is_empty() {
            changed_dossiers(&app, core, lang, to_notify.dossiers).await;
        }
        if !to_notify.alerts.is_empty() {
            severe_alerts(&app, core, lang, to_notify.alerts).await;
        }
    });
}

/// Shows a notification for each severe alert newly in force for my wards.
async fn severe_alerts(
    app: &tauri::AppHandle,
    core: &cds_core::Core,
    lang: Lang,
    ids: Vec<String>,
) {
    let alerts = core.alerts().await.unwrap_or_default();
    let notes = ids
        .iter()
        .filter_map(|id| alerts.iter().find(|l| l.alert.id == *id))
        .map(|l| alert_message(lang, &l.alert))
        .collect();
    show(app, notes);
}

/// The engine and the user's language, once the engine is open.
async fn engine(app: &tauri::AppHandle) -> Option<(&cds_core::Core, Lang)> {
    let shell: &Shell = app.state::<Shell>().inner();
    let core = shell.core().await.ok()?;
    let lang = core
        .load_home()
        .await
        .map(|h| h.language)
        .unwrap_or_default();
    Some((core, lang))
}

/// Shows at most [`MAX_PER_SYNC`] of `notes` (title, body).
fn show(app: &tauri::AppHandle, notes: Vec<(String, String)>) {
    for (title, body) in notes.into_iter().take(MAX_PER_SYNC) {
        if let Err(err) = app.notification().builder().title(title).body(body).show() {
            log::warn!("notification not shown: {err}");
        }
    }
}

/// Shows a notification for each followed dossier that changed.
async fn changed_dossiers(
    app: &tauri::AppHandle,
    core: &cds_core::Core,
    lang: Lang,
    changed: Vec<cds_domain::dossier::ChangedDossier>,
) {
    let followed = core.followed_dossiers().await.unwrap_or_default();
    let notes = changed
        .iter()
        .map(|change| {
            let note = followed
                .iter()
                .find(|held| held.value.code == change.code)
                .and_then(|held| held.value.note.as_deref());
            dossier_message(lang, change, note)
        })
        .collect();
    show(app, notes);
}

/// Shows a notification for each changed report.
async fn changed_reports(
    app: &tauri::AppHandle,
    core: &cds_core::Core,
    lang: Lang,
    ids: Vec<String>,
) {
    let mut notes = Vec::new();
    for id in ids.into_iter().take(MAX_PER_SYNC) {
        if let Ok(report) = core.report(id).await {
            notes.push(message(lang, &report));
        }
    }
    show(app, notes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_changed_in_the_users_language() {
        use cds_domain::{
            outbox::{OutboxState, ServerRef},
            report::{ReportDraft, ReportSummary},
        };
        let mut report = ReportDetail {
            summary: ReportSummary {
                id: "r".into(),
                receipt: "7K3M-9Q2X".into(),
                service_code: "pothole".into(),
                excerpt: String::new(),
                submitted_at_ms: 0,
                photos: 0,
                seq: 1,
                state: OutboxState::Confirmed {
                    server: ServerRef::Id("1".into()),
                    at_ms: 0,
                },
            },
            draft: ReportDraft::default(),
            photos: Vec::new(),
            history: Vec::new(),
            remote: None,
        };
        report.remote = Some(cds_domain::report::RemoteStatus {
            detailed_status: Some("resolved".into()),
            note: "Đã vá xong".into(),
            ..Default::default()
        });
        let (title, body) = message(Lang::Vi, &report);
        assert!(title.contains("7K3M-9Q2X"), "{title}");
        assert_eq!(body, "Đã xử lý xong: Đã vá xong");
        let (_, body) = message(Lang::En, &report);
        assert_eq!(body, "Resolved: Đã vá xong");
    }

    #[test]
    fn a_severe_alert_says_what_to_do() {
        let text = |vi: &str, en: &str| cds_domain::LocalizedText {
            vi: vi.into(),
            en: en.into(),
        };
        let mut alert = cds_ipc::Alert {
            id: "x".into(),
            kind: "dam_release".into(),
            severity: "danger".into(),
            areas: vec!["*".into()],
            title: text("Xả lũ hồ Tả Trạch", "Release at Tả Trạch"),
            body: text("Nước lên nhanh", "Water rises fast"),
            instructions: Some(text("Di dời tài sản", "Move belongings")),
            guide_id: None,
            shelters: true,
            valid_from: String::new(),
            valid_until: String::new(),
            updated_datetime: String::new(),
        };
        let (title, body) = alert_message(Lang::Vi, &alert);
        assert_eq!(title, "Cảnh báo khẩn: Xả lũ hồ Tả Trạch");
        assert_eq!(body, "Di dời tài sản");
        alert.instructions = None;
        let (title, body) = alert_message(Lang::En, &alert);
        assert_eq!(title, "Urgent warning: Release at Tả Trạch");
        assert_eq!(body, "Water rises fast");
    }

    #[test]
    fn says_what_a_dossier_needs() {
        use cds_domain::dossier::{ChangedDossier, DossierChange};
        let changed = ChangedDossier {
            code: "H46.23-261129-0001".into(),
            change: DossierChange::SupplementRequested,
        };
        let (title, body) = dossier_message(Lang::Vi, &changed, Some("Bổ sung bản sao CCCD"));
        assert_eq!(title, "Hồ sơ H46.23-261129-0001");
        assert_eq!(body, "Cần bổ sung giấy tờ: Bổ sung bản sao CCCD");
        let (_, body) = dossier_message(Lang::En, &changed, None);
        assert_eq!(body, "More documents needed");
    }
}
