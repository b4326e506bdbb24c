//! The gateway's one integration test binary: the real `cds-gateway` process
//! over real HTTP on 127.0.0.1.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod bad_input;
mod basics;
mod content;
mod open311;
mod staff;

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

/// Starts the real `cds-gateway` binary on a free port; returns it and its base URL.
pub fn start_gateway(data: &std::path::Path) -> (KillOnDrop, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cds-gateway"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_cds-gateway"))
            .args(["create-staff", "Cán bộ thử", "--data"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success());
        let staff = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        assert_eq!(staff.len(), 64);
        let (process, url) = start_gateway(dir.path());
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

    /// `POST requests` as multipart with `fields`, `photos` and an optional key.
    pub fn post_request(
        &self,
        fields: &[(&str, &str)],
        photos: &[&[u8]],
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        for photo in photos {
            form = form.part(
                "media",
                Part::bytes(photo.to_vec())
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        }
        let mut request = client()
            .post(format!("{}/open311/v2/requests.json", self.url))
            .multipart(form);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        answer(request.send().unwrap())
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
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body[0]["service_request_id"].as_str().unwrap().to_owned()
    }

    /// How many requests the gateway holds.
    pub fn count(&self) -> usize {
        let (status, body) = self.get("/open311/v2/requests.json?page_size=200");
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().len()
    }
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
