//! The Debian package's app, installed by `cargo xtask test` (`dpkg -i`):
//! started from its installed path under WebDriver, it reaches the home
//! screen with every block, from its bundled catalogue (no gateway).

use cds_e2e::{Driver, Env};

use super::{BLOCKS, PHONE, TITLES_VI, block_titles, visit};

#[test]
#[ignore = "run by `cargo xtask test` once the .deb is installed, with CDS_E2E_APP=/usr/bin/cong-dan-so"]
fn the_installed_app_starts_and_reaches_the_home_screen() {
    let env = Env::get();
    assert!(
        env.app.starts_with("/usr/bin"),
        "the installed app, not the build: {}",
        env.app.display()
    );
    let work = std::env::temp_dir().join(format!("cds-e2e-installed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    // Nothing answers at the API address: the bundled catalogue shows.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|addr| format!("http://{addr}/"))
        .expect("a free port");
    let driver = Driver::start(&[
        ("CDS_API_URL", closed.as_str()),
        ("CDS_DATA_DIR", &work.join("app").to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "1000"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    assert_eq!(block_titles(&session), TITLES_VI);
    assert_eq!(
        session.find_all("section[data-block]").len(),
        BLOCKS.len(),
        "every block"
    );
    visit(&session, &env, "90-installed-home-vi");
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}
