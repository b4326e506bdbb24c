//! Every page visited once, twice over, for `cargo xtask bench app`'s memory
//! after a tour: ignored by `cargo xtask test`. Against a fresh gateway (so
//! that pages show the province's content), a team member's code joined (so
//! that the team's pages open): the first page of every home tile, the
//! report form, the map of open reports, an article, a guide, an assisted
//! session's first step, each back to home. When `CDS_E2E_TOUR_DIR` names a
//! folder, the test writes `stage-N` there at home before the tours (0) and
//! after each (1, 2), and waits for the bench's `measured-N` before going on.

use std::{path::Path, time::Duration};

use cds_e2e::{Driver, Env, Session};

use super::{
    access::{home_tiles, settled},
    awareness::{go_home, guides_pulled, press, team_code},
    fresh_gateway, type_into,
};

/// Says the app is at stage `n` and waits (bounded) for the bench's measurement.
fn stage(dir: Option<&Path>, n: u32) {
    let Some(dir) = dir else { return };
    std::fs::write(dir.join(format!("stage-{n}")), "").expect("the stage mark");
    let measured = dir.join(format!("measured-{n}"));
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while !measured.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no measurement {n} in 300 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits (bounded) until `css` has held its place on screen for half a
/// second: the sync at start ends by counting the inbox again, and the line
/// that then says so above the tiles moves them (a press during the move
/// lands beside its tile).
fn holds_still(session: &Session, css: &str) {
    let mut last = None;
    let mut still = 0;
    session.wait_until(&format!("{css} holding still"), || {
        let at = session.execute(
            "const e = document.querySelector(arguments[0]);
             if (!e) return null;
             const r = e.getBoundingClientRect();
             return r.top + ',' + r.left;",
            &[serde_json::json!(css)],
        );
        still = if Some(&at) == last.as_ref() && !at.is_null() {
            still + 1
        } else {
            0
        };
        last = Some(at);
        // Five readings 100 ms apart.
        (still >= 5).then_some(())
    });
}

/// Opens every page once and comes back to the home screen.
fn tour(session: &Session) {
    for tile in home_tiles(session) {
        press(session, &format!("[data-tile='{tile}']"));
        settled(session, "main [data-page]");
        match tile.as_str() {
            "phan-anh" => {
                press(session, "#new-report");
                settled(session, "[data-page='new-report'] #to-review");
                press(session, "#back");
                press(session, "#reports-map");
                settled(session, "[data-page='reports-map']");
            }
            "huong-dan" => {
                press(session, "[data-article]");
                session.wait_for("#guide-step-of");
            }
            "lua-dao" => {
                press(session, "#shelf-list button");
                session.wait_for("#article");
            }
            "ho-tro" => {
                press(session, "#assist-start");
                session.wait_for("[data-task]");
            }
            _ => {}
        }
        go_home(session);
    }
}

#[test]
#[ignore = "run by `cargo xtask bench app` with the release app"]
fn every_page_twice_for_the_memory_bench() {
    let env = Env::get();
    let marks = std::env::var_os("CDS_E2E_TOUR_DIR").map(std::path::PathBuf::from);
    let (work, gateway_dir, _gateway, url) = fresh_gateway(&env, "tour");
    let code = team_code(&env, &gateway_dir);
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &work.join("app").to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let session = driver.launch(&env.app);
    // The sync at start brings the guides (the tour opens one).
    guides_pulled(&session, 1);
    holds_still(&session, "[data-tile='ho-tro']");
    press(&session, "[data-tile='ho-tro']");
    session.wait_for("#team-code");
    type_into(&session, "#team-code", &code);
    press(&session, "#team-join");
    session.wait_for("#team");
    go_home(&session);
    stage(marks.as_deref(), 0);
    tour(&session);
    stage(marks.as_deref(), 1);
    tour(&session);
    stage(marks.as_deref(), 2);
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}
