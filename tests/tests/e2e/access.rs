//! For every resident: text at 200% in Vietnamese on a 390 px window,
//! measured on every screen a home tile opens, the report form and a dossier
//! found — no sideways scrolling, nothing wider than the window, no clipped or
//! overlapping text, touch targets of 44 px —, with screenshots and axe-core;
//! the high-contrast theme checked by axe-core (AAA contrast too, at normal
//! text size) on the home and settings screens (with screenshots) and every
//! tile's first page; both choices kept after a restart.

use cds_e2e::{Driver, Env, Session, accessibility_problems};

use super::{PHONE, awareness::press, fresh_gateway, type_into, visit};

fn root_attribute(session: &Session, name: &str) -> String {
    session
        .execute(
            "return document.documentElement.getAttribute(arguments[0]) || '';",
            &[serde_json::json!(name)],
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

pub(super) fn wait_for_root(session: &Session, name: &str, value: &str) {
    session.wait_until(&format!("<html {name}={value}>"), || {
        (root_attribute(session, name) == value).then_some(())
    });
}

/// What breaks the screen at this text size: sideways scrolling, elements
/// or text past the window's edges (outside boxes that scroll on their own,
/// such as wide tables), text cut off by a box that hides its overflow, text
/// drawn over other text, touch targets under 44 px high.
const LAYOUT_PROBLEMS: &str = r#"
const W = window.innerWidth;
const problems = [];
const root = document.documentElement;
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
  + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
const scrollsInside = e => {
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll') return true;
  }
  return false;
};
const hides = v => v === 'hidden' || v === 'clip';
const targets = 'button, select, summary, textarea, [role=button], label.choice, label.check, '
  + 'input:not([type=radio]):not([type=checkbox]):not([type=hidden]):not([type=file])';
for (const e of document.body.querySelectorAll('*')) {
  if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
  const s = getComputedStyle(e);
  if (s.display === 'none' || s.visibility === 'hidden') continue;
  const r = e.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) continue;
  if (!scrollsInside(e) && (r.right > W + 0.5 || r.left < -0.5)) {
    problems.push(`${name(e)} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${W}`);
  }
  const text = e.textContent.trim();
  if (text && e.tagName !== 'SELECT' && ((hides(s.overflowX) && e.scrollWidth > e.clientWidth + 1)
      || (hides(s.overflowY) && e.scrollHeight > e.clientHeight + 1))) {
    problems.push(`${name(e)} cuts off its text (${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}): ${text.slice(0, 40)}`);
  }
  if (e.matches(targets) && r.height < 43.5) {
    problems.push(`${name(e)} is a touch target ${Math.round(r.width)}x${Math.round(r.height)}: ${text.slice(0, 40)}`);
  }
}
// Text sticking out of its box (a word too long to break).
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = walker.nextNode(); t; t = walker.nextNode()) {
  const e = t.parentElement;
  if (!t.textContent.trim() || !e || scrollsInside(e) || e.closest('svg, .visually-hidden')) continue;
  const box = e.getBoundingClientRect();
  if (box.width <= 1 || box.height <= 1) continue;
  const range = document.createRange();
  range.selectNodeContents(t);
  const r = range.getBoundingClientRect();
  if (r.width > 1 && (r.right > W + 0.5 || r.left < -0.5)) {
    problems.push(`text of ${name(e)} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${W}: ${t.textContent.trim().slice(0, 40)}`);
  }
}
// Text drawn over other text, or over a control (a badge on a title, a
// button over a label): line boxes of different elements that intersect.
const lines = [];
const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = texts.nextNode(); t; t = texts.nextNode()) {
  const e = t.parentElement;
  if (!t.textContent.trim() || !e || e.closest('svg, .visually-hidden, select, option')) continue;
  const closed = e.closest('details:not([open])');
  if (closed && !e.closest('summary')) continue;
  const range = document.createRange();
  range.selectNodeContents(t);
  for (const r of range.getClientRects()) {
    if (r.width > 1 && r.height > 1) lines.push([e, r]);
  }
}
for (let i = 0; i < lines.length; i++) {
  for (let j = i + 1; j < lines.length; j++) {
    const [a, ra] = lines[i], [b, rb] = lines[j];
    if (a === b) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 2 && h > 2) {
      problems.push(`${name(a)} and ${name(b)} overlap: ${a.textContent.trim().slice(0, 30)} / ${b.textContent.trim().slice(0, 30)}`);
    }
  }
}
if (root.scrollWidth > W) {
  // The smallest elements whose removal ends the sideways scrolling.
  const culprits = [...document.body.querySelectorAll('*')].filter(e => {
    const before = e.style.display;
    e.style.display = 'none';
    const fits = root.scrollWidth <= W;
    e.style.display = before;
    return fits;
  });
  const smallest = culprits.filter(e => !culprits.some(c => c !== e && e.contains(c)))
    .map(e => {
      const r = e.getBoundingClientRect();
      return `${name(e)} (${Math.round(r.left)}..${Math.round(r.right)}, scrollWidth ${e.scrollWidth}): ${e.textContent.trim().slice(0, 40)}`;
    });
  problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${W} because of ${smallest.join(', ')}`);
}
return problems;
"#;

/// Measures the current screen (see [`LAYOUT_PROBLEMS`]) and fails with what broke.
pub(super) fn fits_the_window(session: &Session, screen: &str) {
    let problems = session.execute(LAYOUT_PROBLEMS, &[]);
    let problems: Vec<String> = serde_json::from_value(problems.clone())
        .unwrap_or_else(|_| panic!("{screen}: the layout check failed: {problems}"));
    assert!(
        problems.is_empty(),
        "{screen} at 200% on a {} px window: {problems:#?}",
        PHONE.0
    );
}

/// The layout check is only worth something if it can fail: a word that
/// cannot break, text cut off, and a small button must be reported.
fn layout_check_can_fail(session: &Session) {
    session.execute(
        "const main = document.querySelector('main');
         const wide = document.createElement('p');
         wide.className = 'e2e-broken';
         wide.textContent = 'Khôngthểxuốngdòng'.repeat(4);
         wide.style.whiteSpace = 'nowrap';
         const cut = document.createElement('p');
         cut.className = 'e2e-broken';
         cut.textContent = 'Chữ bị cắt mất phần cuối';
         cut.style.width = '3rem'; cut.style.height = '1rem'; cut.style.overflow = 'hidden';
         const small = document.createElement('button');
         small.className = 'e2e-broken';
         small.textContent = 'x';
         small.style.minHeight = '0'; small.style.height = '20px'; small.style.fontSize = '10px';
         main.prepend(wide, cut, small);
         return true;",
        &[],
    );
    let problems = session.execute(LAYOUT_PROBLEMS, &[]).to_string();
    for expected in ["sideways", "cuts off its text", "is a touch target"] {
        assert!(
            problems.contains(expected),
            "the layout check missed what it should report ({expected}): {problems}"
        );
    }
    session.execute(
        "document.querySelectorAll('.e2e-broken').forEach(e => e.remove()); return true;",
        &[],
    );
}

/// Text below AAA contrast (7:1, 4.5:1 for large text) as axe-core's
/// `color-contrast-enhanced` rule finds it (axe is loaded by `visit`).
pub(super) fn aaa_contrast_problems(session: &Session) -> serde_json::Value {
    session.execute_async(
        "const done = arguments[arguments.length - 1];
         axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast-enhanced'] } })
           .then(r => done(r.violations.flatMap(v => v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary))))
           .catch(e => done(['axe-core failed: ' + String(e)]));",
        &[],
    )
}

/// Waits until the page of `css` is on screen and done loading.
pub(super) fn settled(session: &Session, css: &str) {
    session.wait_for(css);
    session.wait_until(&format!("{css} loaded"), || {
        let loading = session.execute(
            "const main = document.querySelector('main');
             return !main || main.innerText.includes('Đang tải');",
            &[],
        );
        (loading == false).then_some(())
    });
}

pub(super) fn home_tiles(session: &Session) -> Vec<String> {
    session.wait_for("[data-tile='cai-dat']");
    let tiles = session.execute(
        "return [...document.querySelectorAll('[data-tile]')].map(t => t.dataset.tile);",
        &[],
    );
    serde_json::from_value(tiles.clone()).unwrap_or_else(|_| panic!("tiles: {tiles}"))
}

fn go_home(session: &Session) {
    press(session, "#back");
    session.wait_for("[data-tile='cai-dat']");
}

#[test]
fn every_screen_holds_text_at_200_percent_and_high_contrast_passes_axe() {
    let env = Env::get();
    let (work, gateway_dir, _gateway, url) = fresh_gateway(&env, "access");
    let (code, digits): (String, String) =
        rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3"))
            .expect("gateway db")
            .query_row(
                "SELECT code, phone_last4 FROM dossiers WHERE status = 'processing' LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("a dossier in progress");
    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    session.wait_for("[data-tile='cai-dat']");
    assert_eq!(root_attribute(&session, "data-text-size"), "100");
    assert_eq!(
        root_attribute(&session, "data-contrast"),
        "system",
        "the system's contrast until the resident chooses"
    );

    // Settings: text at 200%, applied at once (the root's size, which rem follows).
    press(&session, "[data-tile='cai-dat']");
    press(&session, "input[name='text-size'][value='200']");
    wait_for_root(&session, "data-text-size", "200");
    let root_size = session.execute(
        "return getComputedStyle(document.documentElement).fontSize;",
        &[],
    );
    assert_eq!(root_size, "34px", "twice the normal 17 px");
    let checked = session.execute(
        "return document.querySelector(\"input[name='text-size'][value='200']\").checked;",
        &[],
    );
    assert_eq!(checked, true);
    fits_the_window(&session, "settings");
    visit(&session, &env, "60-200-settings-vi");
    go_home(&session);
    layout_check_can_fail(&session);
    fits_the_window(&session, "home");
    visit(&session, &env, "60-200-home-vi");

    // The first page of every tile on the home screen.
    for tile in home_tiles(&session) {
        press(&session, &format!("[data-tile='{tile}']"));
        settled(&session, "main [data-page]");
        fits_the_window(&session, &tile);
        visit(&session, &env, &format!("61-200-{tile}-vi"));
        // The report form, from the reports' hub.
        if tile == "phan-anh" {
            press(&session, "#new-report");
            settled(&session, "[data-page='new-report'] #to-review");
            fits_the_window(&session, "new report");
            visit(&session, &env, "62-200-new-report-vi");
            press(&session, "#back");
            session.wait_for("[data-page='reports']");
        }
        // A dossier looked up: the result in plain words.
        if tile == "tra-cuu-ho-so" {
            type_into(&session, "#dossier-code", &code);
            type_into(&session, "#dossier-phone", &digits);
            press(&session, "#dossier-lookup");
            settled(&session, "#dossier-result #dossier-status");
            fits_the_window(&session, "dossier result");
            visit(&session, &env, "62-200-dossier-result-vi");
        }
        go_home(&session);
    }

    // High contrast, chosen in settings: axe-core, and AAA contrast for
    // text, at normal size (at 200% all text is large, and AAA asks 4.5:1
    // of large text, 7:1 of normal text).
    press(&session, "[data-tile='cai-dat']");
    press(&session, "input[name='contrast'][value='on']");
    wait_for_root(&session, "data-contrast", "on");
    press(&session, "input[name='text-size'][value='100']");
    wait_for_root(&session, "data-text-size", "100");
    visit(&session, &env, "63-contrast-settings-vi");
    let problems = aaa_contrast_problems(&session);
    assert_eq!(problems, serde_json::json!([]), "settings in high contrast");
    go_home(&session);
    visit(&session, &env, "63-contrast-home-vi");
    // The AAA check can fail: grey text that passes AA (4.5:1) but not AAA (7:1).
    session.execute(
        "const grey = document.createElement('p');
         grey.id = 'e2e-grey'; grey.textContent = 'Chữ xám';
         grey.style.color = '#767676'; grey.style.background = '#fff';
         document.querySelector('main').prepend(grey); return true;",
        &[],
    );
    let problems = aaa_contrast_problems(&session).to_string();
    assert!(
        problems.contains("e2e-grey"),
        "AAA contrast not checked: {problems}"
    );
    session.execute(
        "document.getElementById('e2e-grey').remove(); return true;",
        &[],
    );
    let problems = aaa_contrast_problems(&session);
    assert_eq!(problems, serde_json::json!([]), "home in high contrast");
    // And the first page of every tile, without screenshots.
    for tile in home_tiles(&session) {
        press(&session, &format!("[data-tile='{tile}']"));
        settled(&session, "main [data-page]");
        let serious = accessibility_problems(&session, &env.axe);
        assert!(serious.is_empty(), "{tile} in high contrast: {serious:#?}");
        let problems = aaa_contrast_problems(&session);
        assert_eq!(problems, serde_json::json!([]), "{tile} in high contrast");
        go_home(&session);
    }

    press(&session, "[data-tile='cai-dat']");
    press(&session, "input[name='text-size'][value='175']");
    wait_for_root(&session, "data-text-size", "175");
    go_home(&session);

    // Reduced motion: the stylesheet stops animations when the system asks.
    let reduced = session.execute(
        "return [...document.styleSheets].some(sheet => [...sheet.cssRules].some(rule =>
           rule.media && rule.media.mediaText.includes('prefers-reduced-motion: reduce')
           && rule.cssText.includes('animation')));",
        &[],
    );
    assert_eq!(reduced, true, "no reduced-motion rule in the stylesheet");
    session.quit();

    // Both choices are kept on the device and applied at the next start.
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    session.wait_for("[data-tile='cai-dat']");
    wait_for_root(&session, "data-text-size", "175");
    wait_for_root(&session, "data-contrast", "on");
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}
