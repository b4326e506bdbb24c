//! Slip photos through the engine: a dossier code read, nothing read, a link
//! to another site shown and not opened, a file that is not an image.

use cds_core::Error;
use cds_domain::{dossier::SlipScan, report::Rule};

use crate::{closed_port, open};

#[path = "../../../scan/tests/slip/mod.rs"]
pub(crate) mod slip;

fn slip_with_qr(text: &str) -> Vec<u8> {
    slip::clean_jpeg(&slip::draw(&slip::Slip {
        qr: Some(text.to_owned()),
        barcode: None,
        product: None,
        seed: 3,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slip_photo_gives_its_code_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let code = "H46.23-261129-0001";
    let scan = core
        .scan_slip(slip_with_qr(&slip::lookup_url(code)))
        .await
        .unwrap();
    assert_eq!(scan.code.as_deref(), Some(code));

    // A photo with no code on it.
    assert_eq!(
        core.scan_slip(crate::real_jpeg(1)).await.unwrap(),
        SlipScan::default()
    );
    // A link to some other site: said, never opened.
    let scan = core
        .scan_slip(slip_with_qr("https://evil.example/login?next=/"))
        .await
        .unwrap();
    assert_eq!(scan.code, None);
    assert_eq!(
        scan.found,
        vec!["https://evil.example/login?next=/".to_owned()]
    );
    // Not an image at all.
    assert!(matches!(
        core.scan_slip(b"%PDF-1.4\n".to_vec()).await,
        Err(Error::Invalid(invalid)) if invalid.rule == Rule::NotAnImage
    ));
}
