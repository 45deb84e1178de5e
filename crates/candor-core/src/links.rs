//! Web links people and programs hand us (a call recording, a social post):
//! only absolute `http` and `https` URLs with a host are kept, so a page
//! never links to `javascript:`, `data:` or a local file.

/// The longest link accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2000;

/// Checks `raw` is an absolute http(s) URL with a host and returns it trimmed
/// (as written, so the platform's own link stays recognisable).
pub fn web_url(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err("give a link starting with http:// or https://".into());
    }
    if value.len() > MAX_URL_BYTES {
        return Err(format!("a link is at most {MAX_URL_BYTES} bytes"));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("a link may not contain spaces or line breaks".into());
    }
    let parsed = url::Url::parse(value)
        .map_err(|_| "this is not a link: use one like https://example.com/post/1".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("only http:// and https:// links are accepted".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the link has no host".into());
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_with_a_host() {
        assert_eq!(
            web_url(" https://x.example/p/1 ").as_deref(),
            Ok("https://x.example/p/1")
        );
        assert!(web_url("http://x.example").is_ok());
        for bad in [
            "",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "ftp://x.example/a",
            "//x.example/a",
            "https://",
            "https://x.example/a b",
            "x.example/a",
        ] {
            assert!(web_url(bad).is_err(), "{bad}");
        }
    }
}
