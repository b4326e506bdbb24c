//! Links the app opens outside itself (in the system browser, never inside
//! the app): `https` only, and only to hosts the province trusts.

/// The national public-service portal and the province's own sites.
pub const TRUSTED_HOSTS: &[&str] = &["dichvucong.gov.vn", "hue.gov.vn"];
/// Where directions open (the system's browser or map application).
pub const MAP_HOSTS: &[&str] = &["openstreetmap.org"];

/// Whether `url` is an `https` address on one of `hosts` (or a subdomain of
/// one), with no user name, password or odd characters that could hide
/// another host.
pub fn allowed(url: &str, hosts: &[&str]) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    if url.len() > 2048
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(host, _)| host)
        .to_ascii_lowercase();
    !host.is_empty()
        && hosts
            .iter()
            .any(|trusted| host == *trusted || host.ends_with(&format!(".{trusted}")))
}

/// Whether the app opens `url`: an `https` page on `hosts`, or a `tel:`
/// link to a phone number.
pub fn opens(url: &str, hosts: &[&str]) -> bool {
    allowed(url, hosts) || is_tel(url)
}

/// A `tel:` link to a phone number (digits, a leading `+`), nothing else.
pub fn is_tel(url: &str) -> bool {
    url.strip_prefix("tel:")
        .is_some_and(|number| crate::places::tel_link(number).as_deref() == Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_to_trusted_hosts() {
        for ok in [
            "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193",
            "https://dichvucong.hue.gov.vn/",
            "https://HUE.GOV.VN:443/tin-tuc",
        ] {
            assert!(allowed(ok, TRUSTED_HOSTS), "{ok}");
        }
        for bad in [
            "http://dichvucong.gov.vn/",
            "https://dichvucong.gov.vn.evil.example/",
            "https://evil.example/?u=https://dichvucong.gov.vn",
            "https://dichvucong.gov.vn@evil.example/",
            "https://notdichvucong.gov.vn/",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://dichvucong.gov.vn\\@evil.example/",
            "https:// dichvucong.gov.vn/",
            "",
        ] {
            assert!(!allowed(bad, TRUSTED_HOSTS), "{bad}");
            assert!(!opens(bad, TRUSTED_HOSTS), "{bad}");
        }
        assert!(opens("tel:02343822325", &[]) && opens("tel:+84234", &[]));
        for bad in [
            "tel:0234 382",
            "tel:;rm",
            "tel:",
            "tel:12",
            "sms:02343822325",
        ] {
            assert!(!opens(bad, TRUSTED_HOSTS), "{bad}");
        }
    }
}
