//! Translations: the `Key` table generated from `locales/*.json` at build time,
//! placeholder filling, and translations of error codes.

use cds_domain::Lang;
use cds_ipc::ErrorCode;

include!(concat!(env!("OUT_DIR"), "/i18n_table.rs"));

/// The text of `key` with each `{name}` replaced by its value.
pub fn fill(lang: Lang, key: Key, values: &[(&str, &str)]) -> String {
    let mut out = text(lang, key).to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// What the user reads for an error code.
pub fn error_key(code: ErrorCode) -> Key {
    match code {
        ErrorCode::StorageUnavailable => Key::ErrorStorageUnavailable,
        ErrorCode::StorageCorrupt => Key::ErrorStorageCorrupt,
        ErrorCode::StorageLocked => Key::ErrorStorageLocked,
        ErrorCode::StorageFull => Key::ErrorStorageFull,
        ErrorCode::StorageTooNew => Key::ErrorStorageTooNew,
        ErrorCode::InvalidInput => Key::ErrorInvalidInput,
        ErrorCode::NotFound => Key::ErrorNotFound,
        ErrorCode::NotNow => Key::ErrorNotNow,
        ErrorCode::Offline => Key::ErrorOffline,
        ErrorCode::Configuration => Key::ErrorConfiguration,
        ErrorCode::Refused => Key::ErrorRefused,
        ErrorCode::Protocol => Key::ErrorProtocol,
        ErrorCode::TooManyAttempts => Key::ErrorTooManyAttempts,
        ErrorCode::LinkNotAllowed => Key::ErrorLinkNotAllowed,
        ErrorCode::Internal => Key::ErrorInternal,
    }
}

/// A date and time in the user's language, e.g. "21/11/2026, 14:05:00".
pub fn format_time(lang: Lang, unix_ms: i64) -> String {
    let locale = match lang {
        Lang::Vi => "vi-VN",
        Lang::En => "en-GB",
    };
    #[allow(clippy::cast_precision_loss)]
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ms as f64));
    String::from(date.to_locale_string(locale, &wasm_bindgen::JsValue::UNDEFINED))
}

/// A day in the user's language, e.g. "21/11/2026" (dossier dates: the time
/// of day says nothing to a resident).
pub fn format_date(lang: Lang, unix_ms: i64) -> String {
    let locale = match lang {
        Lang::Vi => "vi-VN",
        Lang::En => "en-GB",
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &"Asia/Ho_Chi_Minh".into());
    #[allow(clippy::cast_precision_loss)]
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ms as f64));
    String::from(date.to_locale_date_string(locale, &options))
}

/// A refused field's rule, said in `lang`.
pub fn invalid_text(lang: Lang, invalid: cds_domain::report::Invalid) -> String {
    rule_text(lang, invalid.rule)
}

/// A rule, said in `lang`.
pub fn rule_text(lang: Lang, rule: cds_domain::report::Rule) -> String {
    use cds_domain::report::Rule;
    let (key, max) = match rule {
        Rule::Required => (Key::RuleRequired, 0),
        Rule::TooLong { max } => (Key::RuleTooLong, max),
        Rule::TooMany { max } => (Key::RuleTooMany, max),
        Rule::OutOfRange => (Key::RuleOutOfRange, 0),
        Rule::BadCharacters => (Key::RuleBadCharacters, 0),
        Rule::BadFormat => (Key::RuleBadFormat, 0),
        Rule::TooLarge { max } => (Key::RuleTooLarge, max / (1024 * 1024)),
        Rule::Empty => (Key::RuleEmpty, 0),
        Rule::NotSupported => (Key::RuleNotSupported, 0),
        Rule::AvifNotSupported => (Key::RuleAvifNotSupported, 0),
        Rule::NotAnImage => (Key::RuleNotAnImage, 0),
        Rule::Damaged => (Key::RuleDamaged, 0),
        Rule::TooManyPixels => (Key::RuleTooManyPixels, 0),
        Rule::TooComplex => (Key::RuleTooComplex, 0),
        Rule::UnsupportedJpeg => (Key::RuleUnsupportedJpeg, 0),
        Rule::OutsideProvince => (Key::RuleOutsideProvince, 0),
        Rule::Unknown => (Key::RuleUnknown, 0),
        Rule::Expired => (Key::RuleExpired, 0),
        Rule::Revoked => (Key::RuleRevoked, 0),
    };
    fill(lang, key, &[("max", &max.to_string())])
}

/// The name of a province-side status (`resolved`, …) in `lang`.
pub fn status_name(lang: Lang, status: &str) -> String {
    let key = match status {
        "received" => Key::StatusSent,
        "assigned" | "in_progress" => Key::StatusInProgress,
        "resolved" => Key::StatusResolved,
        "rejected" => Key::StatusRefused,
        "duplicate" => Key::StatusDuplicate,
        "reopened" => Key::StatusReopened,
        // The device's own states of a report not yet confirmed.
        "queued" => Key::StatusQueued,
        "sending" => Key::StatusSending,
        "confirmed" => Key::StatusSent,
        "cancelled" => Key::StatusCancelled,
        other => return other.to_owned(),
    };
    text(lang, key).to_owned()
}

/// The name of an alert's severity in `lang`.
pub fn severity_name(lang: Lang, severity: &str) -> String {
    let key = match severity {
        "danger" => Key::SeverityDanger,
        "warning" => Key::SeverityWarning,
        _ => Key::SeverityInfo,
    };
    text(lang, key).to_owned()
}
