//! The gateway's one integration test binary: the real `cds-gateway` process
//! over real HTTP on 127.0.0.1.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod bad_input;
mod basics;
mod console;
mod content;
mod dossiers;
mod open311;
mod ops;
mod replicas;
mod s3;
mod society;
mod spec;
mod staff;
mod teams;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::{
    StatusCode,
    blocking::multipart::{Form, Part},
};
use serde_json::Value;

pub const DEMO_KEY: &str = "cds-demo-key";
pub const PHOTO: &[u8] = include_bytes!("../../../../assets/test-images/pothole_hue_synthetic.jpg");

/// The PostgreSQL server the suite runs against, if any: `CDS_TEST_DATABASE`
/// (`postgres://USER@HOST:PORT`, as `cargo xtask test` sets it for the
/// suite's second run). Unset: each gateway keeps SQLite in its data folder.
pub fn test_server() -> Option<String> {
    std::env::var("CDS_TEST_DATABASE")
        .ok()
        .filter(|url| !url.is_empty())
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// The database of the gateway whose data folder is `data`: a fresh
/// PostgreSQL database made on first use when the suite runs against
/// PostgreSQL, else none (SQLite in the folder).
pub fn database_for(data: &std::path::Path) -> Option<String> {
    static MADE: std::sync::Mutex<Vec<(std::path::PathBuf, String)>> =
        std::sync::Mutex::new(Vec::new());
    let server = test_server()?;
    let mut made = MADE.lock().unwrap();
    if let Some((_, url)) = made.iter().find(|(dir, _)| dir == data) {
        return Some(url.clone());
    }
    let name = format!("gw_{}_{}", std::process::id(), made.len());
    let mut admin = postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls)
        .expect("the test PostgreSQL server answers");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let url = format!("{server}/{name}");
    made.push((data.to_owned(), url.clone()));
    Some(url)
}

/// The `cds-gateway` binary with `--data data` (and, against PostgreSQL, that
/// folder's database), ready for a command or for serving.
pub fn gateway_command(data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cds-gateway"));
    command.arg("--data").arg(data);
    match database_for(data) {
        Some(url) => command.env("CDS_GATEWAY_DATABASE", url),
        None => command.env_remove("CDS_GATEWAY_DATABASE"),
    };
    command
}

/// A connection to the database of the gateway in `data`, beside the
/// running gateway: how tests look at what it stored, or make requests look
/// older than the API can.
pub fn open_db(data: &std::path::Path) -> cds_gateway::sql::Conn {
    match database_for(data) {
        Some(url) => cds_gateway::sql::Conn::postgres(
            postgres::Client::connect(&url, postgres::NoTls).unwrap(),
        ),
        None => {
            let conn = rusqlite::Connection::open(data.join(cds_gateway::db::DB_FILE)).unwrap();
            conn.busy_timeout(Duration::from_secs(10)).unwrap();
            cds_gateway::sql::Conn::sqlite(conn)
        }
    }
}

/// Starts the real `cds-gateway` binary on a free port; returns it and its base URL.
pub fn start_gateway(data: &std::path::Path) -> (KillOnDrop, String) {
    start_gateway_with(data, &[], &[])
}

/// [`start_gateway`] with more arguments and environment variables.
pub fn start_gateway_with(
    data: &std::path::Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (KillOnDrop, String) {
    let mut child = gateway_command(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        // CDS_TEST_GATEWAY_LOG=1 shows the gateways' logs (debugging a test).
        .stderr(if std::env::var_os("CDS_TEST_GATEWAY_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("gateway starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (KillOnDrop(child), url)
}

pub struct KillOnDrop(Child);
impl KillOnDrop {
    /// SIGKILL now, and reap.
    pub fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }

    /// SIGTERM now (the gateway's signal to drain and stop).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its status.
    pub fn exited_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A gateway in a fresh folder, with a staff credential made by its own command.
pub struct Fixture {
    pub url: String,
    pub staff: String,
    pub dir: tempfile::TempDir,
    _process: KillOnDrop,
}

impl Fixture {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Fixture {
        Fixture::with(&[], &[])
    }

    /// A gateway started with more arguments and environment variables.
    pub fn with(args: &[&str], envs: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let output = gateway_command(dir.path())
            .args(["create-staff", "Cán bộ thử"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let staff = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        assert_eq!(staff.len(), 64);
        let (process, url) = start_gateway_with(dir.path(), args, envs);
        Fixture {
            url,
            staff,
            dir,
            _process: process,
        }
    }

    pub fn get(&self, path: &str) -> (StatusCode, Value) {
        answer(client().get(format!("{}{path}", self.url)).send().unwrap())
    }

    /// `GET` an XML document: status and its root element; asserts what
    /// [`answer_xml`] asserts.
    pub fn get_xml(&self, path: &str) -> (StatusCode, xml::Element) {
        answer_xml(client().get(format!("{}{path}", self.url)).send().unwrap())
    }

    /// `POST requests` as multipart with `fields`, `photos` and an optional key.
    pub fn post_request(
        &self,
        fields: &[(&str, &str)],
        photos: &[&[u8]],
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        answer(self.post_form("requests.json", fields, photos, key))
    }

    /// [`Fixture::post_request`] to `requests.xml`.
    pub fn post_request_xml(
        &self,
        fields: &[(&str, &str)],
        photos: &[&[u8]],
        key: Option<&str>,
    ) -> (StatusCode, xml::Element) {
        answer_xml(self.post_form("requests.xml", fields, photos, key))
    }

    /// A multipart `POST` to `/open311/v2/{file}`.
    pub fn post_form(
        &self,
        file: &str,
        fields: &[(&str, &str)],
        photos: &[&[u8]],
        key: Option<&str>,
    ) -> reqwest::blocking::Response {
        post_form(&self.url, file, fields, photos, key).unwrap()
    }

    /// The gateway's database (see [`open_db`]).
    pub fn db(&self) -> cds_gateway::sql::Conn {
        open_db(self.dir.path())
    }

    /// How many requests are stored with Idempotency-Key `key` (0 or 1).
    pub fn stored_with_key(&self, key: &str) -> i64 {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM requests WHERE idempotency_key = ?1",
                [key],
                |row| row.get(0),
            )
            .unwrap()
    }

    /// Moves request `id`'s filing (and its last change) to `ms` (Unix ms).
    pub fn backdate(&self, id: &str, ms: i64) {
        let changed = self
            .db()
            .execute(
                "UPDATE requests SET requested_ms = ?1, updated_ms = ?1 WHERE id = ?2",
                [ms, id.parse::<i64>().unwrap()],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }

    /// Files a valid pothole report; returns its id.
    pub fn file(&self, key: &str, description: &str) -> String {
        let (status, body) = self.post_request(
            &[
                ("api_key", DEMO_KEY),
                ("service_code", "pothole"),
                ("lat", "16.4637"),
                ("long", "107.5909"),
                ("attribute[size]", "large"),
                ("description", description),
            ],
            &[PHOTO],
            Some(key),
        );
        assert_eq!(status, StatusCode::OK, "{body}");
        body[0]["service_request_id"].as_str().unwrap().to_owned()
    }

    /// How many requests the gateway holds.
    pub fn count(&self) -> usize {
        let (status, body) = self.get("/open311/v2/requests.json?page_size=200");
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().len()
    }
}

/// A valid report's upload to `{base}/open311/v2/requests.json` with key
/// `key`, sent up to half its body: the open connection and the rest.
pub fn half_upload(base: &str, key: &str) -> (std::net::TcpStream, Vec<u8>) {
    use std::io::Write;
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let boundary = "cds-half-upload";
    let mut body = Vec::new();
    for (name, value) in [
        ("api_key", DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "16.4637"),
        ("long", "107.5909"),
        ("attribute[size]", "large"),
        ("description", "Gửi dở dang"),
    ] {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"p.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .unwrap();
    body.extend_from_slice(PHOTO);
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    write!(
        stream,
        "POST /open311/v2/requests.json HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Idempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let rest = body.split_off(body.len() / 2);
    stream.write_all(&body).unwrap();
    stream.flush().unwrap();
    (stream, rest)
}

/// A multipart `POST` to `{base}/open311/v2/{file}` (any gateway).
pub fn post_form(
    base: &str,
    file: &str,
    fields: &[(&str, &str)],
    photos: &[&[u8]],
    key: Option<&str>,
) -> reqwest::Result<reqwest::blocking::Response> {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    for photo in photos {
        form = form.part(
            "media",
            Part::bytes(photo.to_vec())
                .file_name("photo.jpg")
                .mime_str("image/jpeg")?,
        );
    }
    let mut request = client()
        .post(format!("{base}/open311/v2/{file}"))
        .multipart(form);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send()
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Status and JSON body; asserts that no answer is a server error and that
/// every error is an Open311 error list.
pub fn answer(response: reqwest::blocking::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().unwrap();
    assert!(
        !status.is_server_error(),
        "server error {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let body: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    if status.is_client_error() {
        assert!(
            body[0]["code"].as_u64() == Some(u64::from(status.as_u16()))
                && body[0]["description"].is_string(),
            "{status}: not an Open311 error: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    (status, body)
}

/// Status and parsed XML document; asserts that no answer is a server error,
/// that the body is well-formed XML served as `text/xml; charset=utf-8`, and
/// that every error is an Open311 `<errors><error>` list.
pub fn answer_xml(response: reqwest::blocking::Response) -> (StatusCode, xml::Element) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().unwrap();
    assert!(!status.is_server_error(), "server error {status}: {body}");
    assert_eq!(content_type, "text/xml; charset=utf-8", "{status}: {body}");
    let root = xml::parse(&body);
    if status.is_client_error() {
        assert_eq!(
            root.name, "errors",
            "{status}: not an Open311 error: {body}"
        );
        let error = root.child("error").unwrap();
        assert_eq!(
            error.text_of("code"),
            Some(status.as_str()),
            "{status}: {body}"
        );
        assert!(error.child("description").is_some(), "{body}");
    }
    (status, root)
}

/// A small XML reader for the tests, on `quick-xml`: elements, their text and
/// children; panics on anything that is not well-formed.
pub mod xml {
    use quick_xml::{Reader, events::Event};

    #[derive(Debug, Clone, PartialEq)]
    pub struct Element {
        pub name: String,
        pub text: String,
        pub children: Vec<Element>,
    }

    impl Element {
        pub fn child(&self, name: &str) -> Option<&Element> {
            self.children.iter().find(|c| c.name == name)
        }

        pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
            self.children.iter().filter(move |c| c.name == name)
        }

        pub fn text_of(&self, name: &str) -> Option<&str> {
            self.child(name).map(|c| c.text.as_str())
        }

        /// The names of the children, in order.
        pub fn names(&self) -> Vec<&str> {
            self.children.iter().map(|c| c.name.as_str()).collect()
        }
    }

    /// Parses a whole document: the declaration, then exactly one root.
    pub fn parse(body: &str) -> Element {
        assert!(
            body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "no XML declaration: {body}"
        );
        assert!(
            body.chars().all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')),
            "a character XML 1.0 cannot carry: {body:?}"
        );
        let mut reader = Reader::from_str(body);
        let mut stack: Vec<Element> = Vec::new();
        let mut root = None;
        loop {
            let event = reader
                .read_event()
                .unwrap_or_else(|err| panic!("not well-formed XML ({err}): {body}"));
            let open = |name: &str| Element {
                name: name.to_owned(),
                text: String::new(),
                children: Vec::new(),
            };
            let mut done = None;
            match event {
                Event::Start(start) => stack.push(open(start.name().as_ref())),
                Event::Empty(empty) => done = Some(open(empty.name().as_ref())),
                Event::End(_) => done = stack.pop(),
                Event::Text(text) => match stack.last_mut() {
                    Some(top) => top.text.push_str(&text.xml10_content()),
                    None => assert!(
                        text.xml10_content().trim().is_empty(),
                        "text outside the root: {body}"
                    ),
                },
                Event::GeneralRef(reference) => {
                    let top = stack.last_mut().expect("a reference outside the root");
                    match reference.resolve_char_ref().unwrap() {
                        Some(c) => top.text.push(c),
                        None => top.text.push(match &*reference.xml10_content() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => panic!("unknown entity &{other}; in {body}"),
                        }),
                    }
                }
                Event::CData(data) => stack
                    .last_mut()
                    .expect("CDATA outside the root")
                    .text
                    .push_str(&data.into_inner()),
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
            if let Some(element) = done {
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => {
                        assert!(root.is_none(), "two roots: {body}");
                        root = Some(element);
                    }
                }
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {body}");
        root.unwrap_or_else(|| panic!("no root element: {body}"))
    }
}
