//! A resident's field report (phản ánh hiện trường): the draft they edit, its
//! location, contact and photos, and the rules a draft must keep to be saved or sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A server's limit on `description` (Open311 servers commonly take 4,000
/// characters; ours does).
pub const SERVER_DESCRIPTION_CHARS: usize = 4000;
/// The resident's part of the description: the server's limit less the room
/// the receipt line takes ([`description_for_server`]).
pub const MAX_DESCRIPTION_CHARS: usize = SERVER_DESCRIPTION_CHARS - 40;
/// Starts the line that names a report's receipt code in the description sent
/// to the server. Staff read it (a resident calling about a report quotes the
/// code), and the engine finds an in-doubt report at a server that ignores
/// idempotency keys by it. Vietnamese whatever the app's language: it is read
/// by the province's staff.
pub const RECEIPT_LINE: &str = "Mã tiếp nhận: ";
pub const MAX_ADDRESS_CHARS: usize = 500;
pub const MAX_ATTRIBUTES: usize = 50;
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 64;
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 1000;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_PHONE_CHARS: usize = 20;
pub const MAX_SERVICE_CODE_CHARS: usize = 64;
pub const MAX_PHOTOS: usize = 5;
/// The description as sent to the server: the resident's text, then the
/// receipt line.
pub fn description_for_server(description: &str, receipt: &str) -> String {
    let description = description.trim_end();
    if description.is_empty() {
        format!("{RECEIPT_LINE}{receipt}")
    } else {
        format!("{description}\n\n{RECEIPT_LINE}{receipt}")
    }
}

/// Whether a description a server holds is the one of the report with this receipt.
pub fn names_receipt(description: &str, receipt: &str) -> bool {
    description
        .lines()
        .rev()
        .any(|line| line.trim() == format!("{RECEIPT_LINE}{receipt}"))
}

/// Largest accuracy radius that still means something for a street report.
pub const MAX_ACCURACY_M: f64 = 50_000.0;

/// A report as the resident writes it; saved on every change, possibly incomplete.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportDraft {
    /// The Open311 service (category) code.
    pub service_code: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The chosen location (the pin the report is filed at).
    pub location: Option<Location>,
    /// The device's own fix when the draft was made, kept beside the chosen pin.
    pub device_fix: Option<Location>,
    #[serde(default)]
    pub address: String,
    /// Values of the service's extra attributes, by attribute code.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub contact: Contact,
    /// Filed by a community team member on a resident's behalf: the team's
    /// id (sent as the Open311 `account_id` `team:<id>`, so that the province
    /// knows who helped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assisted_by: Option<String>,
}

/// A point with where it came from and how sure it is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    /// Radius in metres within which the true position lies, when known.
    pub accuracy_m: Option<f64>,
    pub source: LocationSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    DeviceGps,
    PhotoExif,
    /// A pin placed by hand on the map.
    Pin,
    /// Typed as an address and placed by the resident.
    Address,
}

/// Who may be contacted about the report. Anonymous by default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Contact {
    #[default]
    Anonymous,
    Named {
        name: String,
        #[serde(default)]
        phone: String,
        #[serde(default)]
        email: String,
    },
}

/// Which value of a draft a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ServiceCode,
    Description,
    Location,
    DeviceFix,
    Address,
    Attributes,
    ContactName,
    ContactPhone,
    ContactEmail,
    Photos,
    /// The reason given for reopening a report.
    Reason,
    /// The rating of a fixed report (1–5).
    Rating,
    /// A dossier's code (on the appointment slip).
    DossierCode,
    /// The last four digits of the phone number on the slip.
    PhoneDigits,
    /// A community team's member code.
    TeamCode,
    /// An assisted session: the resident's consent, the task, the ward, the
    /// steps done, a note.
    Consent,
    Task,
    Ward,
    Steps,
    Note,
    /// A product's code (GTIN, GS1 Digital Link, traceability link).
    ProductCode,
    /// The provincial API's address (settings).
    ApiAddress,
}

/// What is wrong with it, with the limit where there is one, so that the UI can
/// say it in the user's language next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    Required,
    TooLong {
        max: usize,
    },
    TooMany {
        max: usize,
    },
    /// Not a finite number, or outside its range.
    OutOfRange,
    /// Holds characters that have no place there (control characters).
    BadCharacters,
    BadFormat,
    /// A file (photo) larger than allowed, in bytes.
    TooLarge {
        max: usize,
    },
    /// An empty file.
    Empty,
    /// A HEIC/HEIF photo on a build that cannot read it: choose JPEG.
    NotSupported,
    /// An AVIF photo on a build that cannot read it: choose JPEG.
    AvifNotSupported,
    /// Not a JPEG, PNG or WebP image.
    NotAnImage,
    /// An image whose data is damaged.
    Damaged,
    /// An image with more pixels than allowed (or a side of 0), or one whose
    /// decoding would take more memory than a photo may.
    TooManyPixels,
    /// An image built so that reading it would take too long (thousands of
    /// progressive scans, or a decode past the time budget).
    TooComplex,
    /// A JPEG of a kind the app does not read: 12- or 16-bit samples,
    /// lossless above 8 bits, arithmetic coding or hierarchical frames.
    UnsupportedJpeg,
    /// A point outside the province the app serves.
    OutsideProvince,
    /// Well formed, but the province knows no such code.
    Unknown,
    /// A code past its date.
    Expired,
    /// A code the province's staff withdrew.
    Revoked,
}

/// A draft value that breaks a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field:?}: {rule:?}")]
pub struct Invalid {
    pub field: Field,
    pub rule: Rule,
}

fn invalid(field: Field, rule: Rule) -> Result<(), Invalid> {
    Err(Invalid { field, rule })
}

impl Location {
    /// A real point on Earth with a sensible accuracy. NaN and infinities,
    /// out-of-range degrees and absurd accuracies are refused.
    pub fn check(&self, field: Field) -> Result<(), Invalid> {
        let in_range = self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon);
        let accuracy_ok = self
            .accuracy_m
            .is_none_or(|a| a.is_finite() && a > 0.0 && a <= MAX_ACCURACY_M);
        if in_range && accuracy_ok {
            Ok(())
        } else {
            invalid(field, Rule::OutOfRange)
        }
    }
}

impl ReportDraft {
    /// Rules every saved draft keeps (an incomplete draft is fine; a broken one is not).
    pub fn check(&self, photos: usize) -> Result<(), Invalid> {
        if let Some(code) = &self.service_code {
            check_text(Field::ServiceCode, code, MAX_SERVICE_CODE_CHARS, false)?;
        }
        check_text(
            Field::Description,
            &self.description,
            MAX_DESCRIPTION_CHARS,
            true,
        )?;
        check_text(Field::Address, &self.address, MAX_ADDRESS_CHARS, false)?;
        if let Some(location) = &self.location {
            location.check(Field::Location)?;
        }
        if let Some(fix) = &self.device_fix {
            fix.check(Field::DeviceFix)?;
        }
        if self.attributes.len() > MAX_ATTRIBUTES {
            return invalid(
                Field::Attributes,
                Rule::TooMany {
                    max: MAX_ATTRIBUTES,
                },
            );
        }
        for (key, value) in &self.attributes {
            check_text(Field::Attributes, key, MAX_ATTRIBUTE_KEY_CHARS, false)?;
            check_text(Field::Attributes, value, MAX_ATTRIBUTE_VALUE_CHARS, true)?;
        }
        if let Some(team) = &self.assisted_by
            && (team.is_empty()
                || team.len() > 64
                || !team.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return invalid(Field::Task, Rule::BadFormat);
        }
        if let Contact::Named { name, phone, email } = &self.contact {
            check_text(Field::ContactName, name, MAX_NAME_CHARS, false)?;
            check_text(Field::ContactPhone, phone, MAX_PHONE_CHARS, false)?;
            check_text(Field::ContactEmail, email, MAX_EMAIL_CHARS, false)?;
            if !phone.is_empty()
                && !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'))
            {
                return invalid(Field::ContactPhone, Rule::BadFormat);
            }
            if !email.is_empty() && !looks_like_email(email) {
                return invalid(Field::ContactEmail, Rule::BadFormat);
            }
        }
        if photos > MAX_PHOTOS {
            return invalid(Field::Photos, Rule::TooMany { max: MAX_PHOTOS });
        }
        Ok(())
    }

    /// Rules for sending: a saved draft plus a category, a location, something
    /// said or shown, and a way back to a named contact.
    pub fn check_for_submit(&self, photos: usize) -> Result<(), Invalid> {
        self.check(photos)?;
        if self
            .service_code
            .as_deref()
            .is_none_or(|code| code.trim().is_empty())
        {
            return invalid(Field::ServiceCode, Rule::Required);
        }
        if self.location.is_none() {
            return invalid(Field::Location, Rule::Required);
        }
        if self.description.trim().is_empty() && photos == 0 {
            return invalid(Field::Description, Rule::Required);
        }
        if let Contact::Named { name, phone, email } = &self.contact
            && (name.trim().is_empty() || (phone.trim().is_empty() && email.trim().is_empty()))
        {
            return invalid(Field::ContactName, Rule::Required);
        }
        Ok(())
    }
}

/// Most characters in the reason for reopening a report.
pub const MAX_REASON_CHARS: usize = 2000;

/// A reason for reopening: required, at most [`MAX_REASON_CHARS`], no control characters.
pub fn check_reason(reason: &str) -> Result<(), Invalid> {
    if reason.trim().is_empty() {
        return invalid(Field::Reason, Rule::Required);
    }
    check_text(Field::Reason, reason, MAX_REASON_CHARS, true)
}

fn check_text(field: Field, text: &str, max: usize, multiline: bool) -> Result<(), Invalid> {
    if text.chars().count() > max {
        return invalid(field, Rule::TooLong { max });
    }
    let bad = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\t'));
    if text.chars().any(bad) {
        return invalid(field, Rule::BadCharacters);
    }
    Ok(())
}

fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_line_fits_the_servers_limit_and_is_found_again() {
        let longest = "ổ".repeat(MAX_DESCRIPTION_CHARS);
        let sent = description_for_server(&longest, "7K3M-9Q2X");
        assert!(sent.chars().count() <= SERVER_DESCRIPTION_CHARS);
        assert!(names_receipt(&sent, "7K3M-9Q2X"));
        assert!(!names_receipt(&sent, "7K3M-9Q2Y"));
        assert_eq!(description_for_server("", "AB"), "Mã tiếp nhận: AB");
        assert!(names_receipt("Mã tiếp nhận: AB", "AB"));
        assert!(names_receipt("ổ gà\r\n\r\nMã tiếp nhận: AB\r\n", "AB"));
        // Quoted in another report's text is not the same report.
        assert!(!names_receipt(
            "như phản ánh Mã tiếp nhận: AB trước đây",
            "AB"
        ));
    }

    fn complete() -> ReportDraft {
        ReportDraft {
            service_code: Some("pothole".into()),
            description: "Ổ gà lớn trước số 12 Lê Lợi".into(),
            location: Some(Location {
                lat: 16.4637,
                lon: 107.5909,
                accuracy_m: Some(8.0),
                source: LocationSource::DeviceGps,
            }),
            ..ReportDraft::default()
        }
    }

    fn problem(draft: &ReportDraft, photos: usize) -> Invalid {
        draft.check_for_submit(photos).unwrap_err()
    }

    #[test]
    fn an_empty_draft_may_be_saved_but_not_sent() {
        let draft = ReportDraft::default();
        assert_eq!(draft.check(0), Ok(()));
        assert_eq!(problem(&draft, 0).field, Field::ServiceCode);
        assert_eq!(complete().check_for_submit(0), Ok(()));
    }

    #[test]
    fn refuses_absurd_coordinates_and_accuracies() {
        for (lat, lon, accuracy) in [
            (f64::NAN, 107.0, None),
            (16.0, f64::INFINITY, None),
            (90.5, 107.0, None),
            (16.0, -180.1, None),
            (16.0, 107.0, Some(0.0)),
            (16.0, 107.0, Some(-3.0)),
            (16.0, 107.0, Some(f64::NAN)),
            (16.0, 107.0, Some(MAX_ACCURACY_M * 2.0)),
        ] {
            let mut draft = complete();
            draft.location = Some(Location {
                lat,
                lon,
                accuracy_m: accuracy,
                source: LocationSource::Pin,
            });
            assert_eq!(
                draft.check(0),
                Err(Invalid {
                    field: Field::Location,
                    rule: Rule::OutOfRange
                }),
                "{lat} {lon} {accuracy:?}"
            );
        }
        let mut draft = complete();
        draft.location = Some(Location {
            lat: -90.0,
            lon: 180.0,
            accuracy_m: None,
            source: LocationSource::Address,
        });
        assert_eq!(draft.check(0), Ok(()));
    }

    #[test]
    fn refuses_oversized_text_and_too_many_photos() {
        let mut draft = complete();
        draft.description = "ổ".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            draft.check(0).unwrap_err().rule,
            Rule::TooLong {
                max: MAX_DESCRIPTION_CHARS
            }
        );
        draft.description = "ổ".repeat(MAX_DESCRIPTION_CHARS);
        assert_eq!(draft.check(0), Ok(()));
        assert_eq!(
            draft.check(MAX_PHOTOS + 1).unwrap_err(),
            Invalid {
                field: Field::Photos,
                rule: Rule::TooMany { max: MAX_PHOTOS }
            }
        );
        let mut draft = complete();
        draft.address = "a\u{0}b".into();
        assert_eq!(draft.check(0).unwrap_err().rule, Rule::BadCharacters);
        let mut draft = complete();
        draft.description = "dòng 1\ndòng 2\tcột".into();
        assert_eq!(draft.check(0), Ok(()));
    }

    #[test]
    fn a_named_contact_needs_a_name_and_a_way_to_reach_them() {
        let mut draft = complete();
        draft.contact = Contact::Named {
            name: "Nguyễn Văn A".into(),
            phone: String::new(),
            email: String::new(),
        };
        assert_eq!(problem(&draft, 0).field, Field::ContactName);
        draft.contact = Contact::Named {
            name: "Nguyễn Văn A".into(),
            phone: "0905 123 456".into(),
            email: String::new(),
        };
        assert_eq!(draft.check_for_submit(0), Ok(()));
        draft.contact = Contact::Named {
            name: "A".into(),
            phone: "call me".into(),
            email: String::new(),
        };
        assert_eq!(problem(&draft, 0).field, Field::ContactPhone);
        draft.contact = Contact::Named {
            name: "A".into(),
            phone: String::new(),
            email: "a@b".into(),
        };
        assert_eq!(problem(&draft, 0).field, Field::ContactEmail);
    }

    #[test]
    fn a_photo_can_stand_for_the_description() {
        let mut draft = complete();
        draft.description = "  ".into();
        assert_eq!(problem(&draft, 0).field, Field::Description);
        assert_eq!(draft.check_for_submit(1), Ok(()));
    }
}

/// A draft as stored on the device: its id, content and photos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDraft {
    pub id: String,
    pub draft: ReportDraft,
    /// Content hashes of the photos, in order.
    pub photos: Vec<String>,
    pub updated_at_ms: i64,
}

/// A photo added to a draft through the pipeline, with what its EXIF said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoAdded {
    pub draft: StoredDraft,
    /// The stored (downscaled, metadata-free) photo.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    /// Where the photo says it was taken, if its EXIF had a sane GPS block.
    pub exif_location: Option<Location>,
    /// When the photo says it was taken.
    pub taken_at: Option<String>,
    /// The draft had no location and now has the photo's.
    pub used_exif_location: bool,
}

/// What the resident gets at once when they submit: the report is safe on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The client id; also the idempotency key of every send.
    pub report_id: String,
    /// A short code to read out or write down (e.g. `7K3M-9Q2X`).
    pub code: String,
    pub submitted_at_ms: i64,
}

/// One line of "my reports" and of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub id: String,
    pub receipt: String,
    pub service_code: String,
    /// The start of the description, for lists.
    pub excerpt: String,
    pub submitted_at_ms: i64,
    pub photos: u32,
    /// Submission order on this device (newest is highest).
    pub seq: i64,
    pub state: crate::outbox::OutboxState,
}

/// One report with everything the device knows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDetail {
    pub summary: ReportSummary,
    pub draft: ReportDraft,
    /// Content hashes of the photos, in order.
    pub photos: Vec<String>,
    /// Every state the report has been in, oldest first, with its time.
    pub history: Vec<HistoryEntry>,
    /// The province's side, once pulled.
    pub remote: Option<RemoteStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at_ms: i64,
    pub state: crate::outbox::OutboxState,
}

/// Where the next page of a newest-first list starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Items submitted before this one (in submission order) come next.
    pub before_seq: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPage {
    pub items: Vec<ReportSummary>,
    /// `None` on the last page.
    pub next: Option<Cursor>,
}

/// Numbers for badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub drafts: u32,
    /// Queued or being sent.
    pub pending: u32,
    /// Refused by the server; the resident should look.
    pub rejected: u32,
}

/// What the province says about a report: its status, the agency's answer and
/// the history, as last pulled from the server (absent until the first pull).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RemoteStatus {
    pub server_id: String,
    /// `open` or `closed` (Open311).
    pub status: String,
    /// The detailed state when the server gives one (`received`, `resolved`, …).
    pub detailed_status: Option<String>,
    /// The agency's latest public answer.
    pub note: String,
    pub agency: String,
    pub expected_datetime: Option<String>,
    pub updated_datetime: Option<String>,
    /// Photos: the resident's, then the agency's (a photo of the fix).
    pub media_urls: Vec<String>,
    pub rating: Option<u8>,
    pub updates: Vec<RemoteUpdate>,
    /// When the device last heard from the server about it (Unix ms).
    pub pulled_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RemoteUpdate {
    pub updated_datetime: String,
    pub detailed_status: String,
    pub note: String,
    pub media_url: Option<String>,
    pub by: String,
}

/// An open report of the province, for "already reported nearby?" and the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicReport {
    pub server_id: String,
    pub service_code: String,
    pub status: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub updated_datetime: Option<String>,
    /// Distance from the point asked about, in metres (in `nearby` answers).
    pub distance_m: f64,
}

/// A public report the resident follows (the same issue as theirs), with what
/// the province last said of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followed {
    pub report: PublicReport,
    pub remote: Option<RemoteStatus>,
    pub followed_at_ms: i64,
}
