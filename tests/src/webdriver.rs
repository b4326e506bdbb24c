//! A small W3C WebDriver client over blocking HTTP: sessions, elements, scripts,
//! window size and screenshots. Every wait is bounded.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Upper bound of any wait for the UI.
pub const WAIT: Duration = Duration::from_secs(30);

pub fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .expect("HTTP client")
}

/// The Tab key, for [`Session::keys`].
pub const TAB: &str = "\u{E004}";
/// The Enter key, for [`Session::keys`].
pub const ENTER: &str = "\u{E007}";
/// The down arrow key, for [`Session::keys`].
pub const ARROW_DOWN: &str = "\u{E015}";

/// An open session: one running app.
pub struct Session {
    http: reqwest::blocking::Client,
    base: String,
    open: bool,
    screen: Screen,
}

/// Where a session's screenshots come from.
enum Screen {
    /// The WebDriver server's `/screenshot` (the browser renders it).
    WebDriver,
    /// What the X display (named) shows in the window's rectangle.
    Display(String),
}

/// An element of the page.
pub struct Element<'s> {
    session: &'s Session,
    id: String,
}

impl Session {
    /// A session of the app at `app` through tauri-driver.
    ///
    /// Its screenshots are taken from the display: WebKitWebDriver's
    /// `/screenshot` waits for a frame from accelerated compositing, which
    /// never comes when WebKit draws without it — as the app has it on a
    /// machine without a GPU, like the test machine (`webview.rs` in the
    /// shell). What the display shows is also what a person would see.
    pub fn new(driver_url: &str, app: &Path) -> Session {
        let mut session = Session::with_capabilities(
            driver_url,
            json!({
                "browserName": "wry",
                "tauri:options": { "application": app.to_string_lossy() }
            }),
        );
        session.screen = Screen::Display(
            std::env::var("DISPLAY").expect("DISPLAY names the display the app is shown on"),
        );
        session
    }

    /// A session of whatever browser `capabilities` (`alwaysMatch`) ask for.
    pub fn with_capabilities(driver_url: &str, capabilities: Value) -> Session {
        let http = http_client();
        let capabilities = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let response: Value = http
            .post(format!("{driver_url}/session"))
            .json(&capabilities)
            .send()
            .and_then(reqwest::blocking::Response::json)
            .expect("new WebDriver session");
        let id = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {response}"));
        Session {
            base: format!("{driver_url}/session/{id}"),
            http,
            open: true,
            screen: Screen::WebDriver,
        }
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request
            .send()
            .and_then(reqwest::blocking::Response::json)
            .unwrap_or_else(|err| panic!("WebDriver {path}: {err}"));
        if let Some(error) = response["value"].get("error") {
            panic!(
                "WebDriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        response["value"].clone()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body))
    }

    /// Opens `url` in the session's window and waits for it to load.
    pub fn navigate(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    /// The address of the page shown.
    pub fn current_url(&self) -> String {
        self.send(reqwest::Method::GET, "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` (a function body) in the page and returns its result.
    pub fn execute(&self, script: &str, args: &[Value]) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Runs `script`, which calls its last argument with the result.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": args }))
    }

    /// Presses keys on the keyboard, as a person would, to whatever has
    /// focus: each character of `keys` down then up (WebDriver's key codes,
    /// e.g. [`TAB`], [`ENTER`], are characters too).
    pub fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                let c = c.to_string();
                [
                    json!({ "type": "keyDown", "value": c }),
                    json!({ "type": "keyUp", "value": c }),
                ]
            })
            .collect();
        self.post(
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        );
    }

    /// Elements matching a CSS selector, now.
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let found = self.post(
            "/elements",
            json!({ "using": "css selector", "value": css }),
        );
        found
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| Element {
                        session: self,
                        id: id.to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (bounded) until `css` matches; returns the first match.
    pub fn wait_for(&self, css: &str) -> Element<'_> {
        self.wait_until(&format!("an element matching {css}"), || {
            self.find_all(css).into_iter().next()
        })
    }

    /// Waits (bounded) until `check` returns something.
    pub fn wait_until<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = check() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for {what}; page text: {}",
                self.page_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The visible text of the whole page.
    pub fn page_text(&self) -> String {
        self.execute("return document.body ? document.body.innerText : '';", &[])
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn set_window_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height }));
        // Let layout settle to the new size before a screenshot.
        self.wait_until(&format!("a {width}px wide viewport"), || {
            let inner = self.execute("return window.innerWidth;", &[]);
            (inner
                .as_u64()
                .is_some_and(|w| w.abs_diff(u64::from(width)) <= 40))
            .then_some(())
        });
    }

    /// Saves a PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        let bytes = match &self.screen {
            Screen::WebDriver => {
                let encoded = self.send(reqwest::Method::GET, "/screenshot", None);
                decode_base64(encoded.as_str().expect("base64 screenshot"))
            }
            Screen::Display(display) => self.display_screenshot(display),
        };
        assert!(bytes.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        std::fs::write(path, bytes).expect("write screenshot");
    }

    /// The window's rectangle of the X display, as PNG (ImageMagick's
    /// `import`), once the page has painted what it last laid out.
    fn display_screenshot(&self, display: &str) -> Vec<u8> {
        let rect = self.send(reqwest::Method::GET, "/window/rect", None);
        let number = |key: &str| {
            rect[key]
                .as_f64()
                .unwrap_or_else(|| panic!("window rect without {key}: {rect}"))
                .round()
                .max(0.0)
        };
        let (x, y, width, height) = (number("x"), number("y"), number("width"), number("height"));
        // Two animation frames: the second begins after the first painted.
        self.execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            &[],
        );
        let output = Command::new("import")
            .args(["-display", display, "-window", "root", "-crop"])
            .arg(format!("{width}x{height}+{x}+{y}"))
            .args(["+repage", "png:-"])
            .output()
            .expect("ImageMagick's import runs (cargo xtask test installs it)");
        assert!(
            output.status.success(),
            "import of display {display}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// Closes the session, which quits the app.
    pub fn quit(mut self) {
        self.close();
    }

    fn close(&mut self) {
        if self.open {
            self.open = false;
            let _ = self.http.delete(&self.base).send();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}

impl Element<'_> {
    pub fn click(&self) {
        self.session
            .post(&format!("/element/{}/click", self.id), json!({}));
    }

    /// Types `text` into the element (for a file input: a file's path).
    pub fn send_keys(&self, text: &str) {
        self.session.post(
            &format!("/element/{}/value", self.id),
            json!({ "text": text }),
        );
    }

    pub fn text(&self) -> String {
        self.session
            .send(
                reqwest::Method::GET,
                &format!("/element/{}/text", self.id),
                None,
            )
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        self.session
            .send(
                reqwest::Method::GET,
                &format!("/element/{}/attribute/{name}", self.id),
                None,
            )
            .as_str()
            .map(str::to_owned)
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (d << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_base64() {
        assert_eq!(super::decode_base64("aGVsbG8="), b"hello");
        assert_eq!(super::decode_base64("aGVsbG8h"), b"hello!");
        assert_eq!(super::decode_base64("aGk="), b"hi");
    }
}
