//! Drafts, the outbox and the queries the UI needs, on a real SQLite file and
//! real photo files.

use cds_core::{Core, Error, StorageProblem};
use cds_domain::{
    outbox::{Event, Illegal, OutboxState, ServerRef},
    report::{Contact, Field, Invalid, Location, LocationSource, ReportDraft, Rule},
};

use crate::{closed_port, open};

pub fn complete_draft(description: &str) -> ReportDraft {
    ReportDraft {
        service_code: Some("pothole".into()),
        description: description.into(),
        location: Some(Location {
            lat: 16.4637,
            lon: 107.5909,
            accuracy_m: Some(12.0),
            source: LocationSource::DeviceGps,
        }),
        device_fix: None,
        address: "12 Lê Lợi, Huế".into(),
        attributes: [("depth_cm".to_owned(), "15".to_owned())].into(),
        contact: Contact::Anonymous,
        assisted_by: None,
    }
}

/// Bytes standing for an already processed photo (JPEG markers, varied content).
pub fn photo(seed: u32, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    while bytes.len() < len - 2 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.push((state & 0xff) as u8);
    }
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

async fn fresh() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    (dir, core)
}

fn invalid(err: Error) -> Invalid {
    match err {
        Error::Invalid(invalid) => invalid,
        other => panic!("expected a validation error, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incomplete_draft_survives_a_restart() {
    let (dir, core) = fresh().await;
    let mut draft = ReportDraft {
        description: "Đèn đường hỏng".into(),
        ..ReportDraft::default()
    };
    let saved = core.save_draft(None, draft.clone()).await.unwrap();
    draft.address = "Cầu Trường Tiền".into();
    core.save_draft(Some(saved.id.clone()), draft.clone())
        .await
        .unwrap();
    core.attach_photo(saved.id.clone(), photo(1, 3000))
        .await
        .unwrap();
    drop(core);

    let core = open(dir.path(), &closed_port()).await.unwrap();
    let resumed = core.draft(saved.id.clone()).await.unwrap();
    assert_eq!(resumed.draft, draft);
    assert_eq!(
        resumed.photos,
        vec![cds_core::photos::hash(&photo(1, 3000))]
    );
    assert_eq!(core.drafts().await.unwrap().len(), 1);
    assert_eq!(core.counts().await.unwrap().drafts, 1);
    assert!(matches!(
        core.draft("no-such-draft".into()).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_moves_the_draft_and_its_photos_into_the_outbox_with_a_receipt() {
    let (_dir, core) = fresh().await;
    let draft = core
        .save_draft(None, complete_draft("Ổ gà sâu"))
        .await
        .unwrap();
    let photos: Vec<Vec<u8>> = (0..3).map(|i| photo(10 + i, 20_000)).collect();
    for bytes in &photos {
        core.attach_photo(draft.id.clone(), bytes.clone())
            .await
            .unwrap();
    }
    let receipt = core.submit(draft.id.clone()).await.unwrap();
    assert_eq!(receipt.code.len(), 9);

    assert!(matches!(
        core.draft(draft.id.clone()).await,
        Err(Error::NotFound)
    ));
    let detail = core.report(receipt.report_id.clone()).await.unwrap();
    assert_eq!(detail.summary.receipt, receipt.code);
    assert_eq!(detail.summary.service_code, "pothole");
    assert_eq!(detail.summary.photos, 3);
    assert_eq!(detail.draft, complete_draft("Ổ gà sâu"));
    assert!(matches!(
        detail.summary.state,
        OutboxState::Queued { attempts: 0, .. }
    ));
    assert_eq!(detail.history.len(), 1);
    for (hash, bytes) in detail.photos.iter().zip(&photos) {
        assert_eq!(core.photo_dir().read(hash).unwrap(), *bytes);
    }
    let counts = core.counts().await.unwrap();
    assert_eq!((counts.drafts, counts.pending, counts.rejected), (0, 1, 0));
    assert_eq!(core.outbox().await.unwrap().len(), 1);
    assert_eq!(
        core.next_due().await.unwrap().as_deref(),
        Some(receipt.report_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_typed_error_and_changes_nothing() {
    let (_dir, core) = fresh().await;
    let saved = core.save_draft(None, complete_draft("ok")).await.unwrap();

    let mut bad = complete_draft("ok");
    bad.location = Some(Location {
        lat: f64::NAN,
        lon: 107.6,
        accuracy_m: None,
        source: LocationSource::Pin,
    });
    let err = invalid(
        core.save_draft(Some(saved.id.clone()), bad)
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Invalid {
            field: Field::Location,
            rule: Rule::OutOfRange
        }
    );

    let mut long = complete_draft(&"x".repeat(10_000));
    long.attributes.clear();
    let err = invalid(
        core.save_draft(Some(saved.id.clone()), long)
            .await
            .unwrap_err(),
    );
    assert_eq!(err.field, Field::Description);

    assert_eq!(
        invalid(
            core.attach_photo(saved.id.clone(), Vec::new())
                .await
                .unwrap_err()
        )
        .rule,
        Rule::Empty
    );
    let huge = vec![0u8; cds_core::photos::MAX_PHOTO_BYTES + 1];
    assert!(matches!(
        invalid(core.attach_photo(saved.id.clone(), huge).await.unwrap_err()).rule,
        Rule::TooLarge { .. }
    ));
    for i in 0..5 {
        core.attach_photo(saved.id.clone(), photo(100 + i, 1000))
            .await
            .unwrap();
    }
    assert_eq!(
        invalid(
            core.attach_photo(saved.id.clone(), photo(200, 1000))
                .await
                .unwrap_err()
        )
        .rule,
        Rule::TooMany { max: 5 }
    );
    let unchanged = core.draft(saved.id.clone()).await.unwrap();
    assert_eq!(unchanged.draft, complete_draft("ok"));
    assert_eq!(unchanged.photos.len(), 5);
    assert_eq!(core.photo_dir().files().unwrap().len(), 5);

    // An incomplete draft cannot be submitted, and stays a draft.
    let incomplete = core.save_draft(None, ReportDraft::default()).await.unwrap();
    assert_eq!(
        invalid(core.submit(incomplete.id.clone()).await.unwrap_err()).field,
        Field::ServiceCode
    );
    assert!(core.draft(incomplete.id).await.is_ok());
    assert_eq!(core.counts().await.unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_while_writing_a_photo_is_reported_and_nothing_is_half_saved() {
    let (_dir, core) = fresh().await;
    let saved = core.save_draft(None, complete_draft("ok")).await.unwrap();
    let bytes = photo(7, 5000);
    let dir = core.photo_dir().dir().to_owned();
    std::fs::create_dir_all(&dir).unwrap();
    // The temporary file the store writes first is /dev/full: ENOSPC, as on a full disk.
    std::os::unix::fs::symlink(
        "/dev/full",
        dir.join(format!("tmp-{}", cds_core::photos::hash(&bytes))),
    )
    .unwrap();
    let err = core
        .attach_photo(saved.id.clone(), bytes.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Storage {
                problem: StorageProblem::DiskFull,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        core.draft(saved.id.clone())
            .await
            .unwrap()
            .photos
            .is_empty()
    );
    std::fs::remove_file(dir.join(format!("tmp-{}", cds_core::photos::hash(&bytes)))).unwrap();
    core.attach_photo(saved.id.clone(), bytes).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_reports_come_newest_first_in_pages() {
    let (_dir, core) = fresh().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let draft = core
            .save_draft(None, complete_draft(&format!("report {i}")))
            .await
            .unwrap();
        ids.push(core.submit(draft.id).await.unwrap().report_id);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = core.reports(cursor, 10).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|item| item.excerpt.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..25).rev().map(|i| format!("report {i}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_states_follow_the_state_machine_and_survive_a_crash_mid_send() {
    let (dir, core) = fresh().await;
    let draft = core.save_draft(None, complete_draft("gửi")).await.unwrap();
    core.attach_photo(draft.id.clone(), photo(5, 4000))
        .await
        .unwrap();
    let receipt = core.submit(draft.id).await.unwrap();
    let id = receipt.report_id.clone();
    let now = receipt.submitted_at_ms;

    let sending = core
        .apply(id.clone(), Event::Send { now_ms: now })
        .await
        .unwrap();
    assert!(matches!(sending, OutboxState::Sending { attempts: 1, .. }));
    assert!(matches!(
        core.cancel(id.clone()).await,
        Err(Error::NotNow(Illegal::InFlight))
    ));
    drop(core);

    // The app died while sending: on the next start the item is queued again.
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 1_000;
    let detail = core.report(id.clone()).await.unwrap();
    assert!(matches!(
        detail.summary.state,
        OutboxState::Queued { attempts: 1, .. }
    ));
    assert_eq!(detail.history.len(), 3);

    core.apply(id.clone(), Event::Send { now_ms: now })
        .await
        .unwrap();
    let queued = core
        .apply(
            id.clone(),
            Event::TransientFailure {
                reason: "503".into(),
                retry_after_ms: Some(3_600_000),
                now_ms: now,
                jitter: 0.5,
                cause: cds_domain::outbox::Cause::Server(503),
            },
        )
        .await
        .unwrap();
    assert!(matches!(queued, OutboxState::Queued { attempts: 2, .. }));
    assert_eq!(core.next_due().await.unwrap(), None, "not due for an hour");

    // Rejected: shown in the outbox, counted, and editable into a new send.
    let mut state = core.report(id.clone()).await.unwrap().summary.state;
    if let OutboxState::Queued { retry_at_ms, .. } = state {
        core.apply(
            id.clone(),
            Event::Send {
                now_ms: retry_at_ms,
            },
        )
        .await
        .unwrap();
        state = core
            .apply(
                id.clone(),
                Event::PermanentFailure {
                    reason: "service_code not found".into(),
                    status: Some(404),
                    now_ms: retry_at_ms,
                },
            )
            .await
            .unwrap();
    }
    assert!(matches!(
        state,
        OutboxState::Rejected {
            status: Some(404),
            ..
        }
    ));
    assert_eq!(core.counts().await.unwrap().rejected, 1);
    let mut edited = complete_draft("gửi lại");
    edited.service_code = Some("streetlight".into());
    let again = core
        .edit_rejected(id.clone(), edited.clone())
        .await
        .unwrap();
    assert_ne!(again.report_id, id, "new content, new idempotency key");
    assert_eq!(
        again.code, receipt.code,
        "the receipt the resident holds stays"
    );
    assert!(matches!(
        core.report(id.clone()).await,
        Err(Error::NotFound)
    ));
    let detail = core.report(again.report_id.clone()).await.unwrap();
    assert_eq!(detail.draft, edited);
    assert_eq!(detail.photos.len(), 1);
    assert!(matches!(
        detail.summary.state,
        OutboxState::Queued { attempts: 0, .. }
    ));
    assert!(detail.history.len() >= 7);

    let confirmed = core
        .apply(again.report_id.clone(), Event::Send { now_ms: now + 10 })
        .await
        .and(
            core.apply(
                again.report_id.clone(),
                Event::Confirmed {
                    server: ServerRef::Id("HUE-1".into()),
                    now_ms: now + 20,
                },
            )
            .await,
        )
        .unwrap();
    assert!(matches!(confirmed, OutboxState::Confirmed { .. }));
    assert!(core.outbox().await.unwrap().is_empty());
    assert!(matches!(
        core.cancel(again.report_id).await,
        Err(Error::NotNow(Illegal::Final))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photo_files_go_only_when_nothing_references_them() {
    let (_dir, core) = fresh().await;
    let shared = photo(42, 8000);
    let a = core.save_draft(None, complete_draft("a")).await.unwrap();
    let b = core.save_draft(None, complete_draft("b")).await.unwrap();
    core.attach_photo(a.id.clone(), shared.clone())
        .await
        .unwrap();
    core.attach_photo(b.id.clone(), shared.clone())
        .await
        .unwrap();
    core.attach_photo(b.id.clone(), photo(43, 8000))
        .await
        .unwrap();
    assert_eq!(
        core.photo_dir().files().unwrap().len(),
        2,
        "stored once by hash"
    );

    core.delete_draft(a.id).await.unwrap();
    assert_eq!(
        core.photo_dir().files().unwrap().len(),
        2,
        "b still uses both"
    );
    let b = core.detach_photo(b.id.clone(), 1).await.unwrap();
    assert_eq!(b.photos, vec![cds_core::photos::hash(&shared)]);
    assert_eq!(core.photo_dir().files().unwrap().len(), 1);

    let receipt = core.submit(b.id).await.unwrap();
    assert_eq!(
        core.photo_dir().files().unwrap().len(),
        1,
        "the report uses it"
    );
    core.cancel(receipt.report_id.clone()).await.unwrap();
    assert!(core.photo_dir().files().unwrap().is_empty());
    assert!(core.reports(None, 10).await.unwrap().items.is_empty());
    assert!(core.outbox().await.unwrap().is_empty());
}
