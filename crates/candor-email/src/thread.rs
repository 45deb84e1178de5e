//! Threading rules that need no database: the conversation token in
//! subjects (`[#K7Q2M9]`), and the headers a reply carries so the
//! customer's mail program threads it.

/// The conversation token in a subject, upper-cased: the text between `[#`
/// and `]` when it is 4 to 10 letters and digits.
pub fn subject_token(subject: &str) -> Option<String> {
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        if let Some(end) = after.find(']') {
            let token = &after[..end];
            if (4..=10).contains(&token.len()) && token.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Some(token.to_ascii_uppercase());
            }
        }
        rest = after;
    }
    None
}

/// The subject of a reply: "Re: " once, the conversation's subject, and
/// its token (once).
pub fn reply_subject(subject: &str, token: &str) -> String {
    let mut base = subject.trim();
    loop {
        let lower = base.to_ascii_lowercase();
        if lower.starts_with("re:") || lower.starts_with("aw:") || lower.starts_with("fw:") {
            base = base[3..].trim_start();
        } else if lower.starts_with("fwd:") {
            base = base[4..].trim_start();
        } else {
            break;
        }
    }
    let tag = format!("[#{token}]");
    let base = base.replace(&tag, "");
    let base = base.trim();
    if base.is_empty() {
        format!("Re: {tag}")
    } else {
        format!("Re: {base} {tag}")
    }
}

/// The References of a reply: the thread's ids so far, oldest first,
/// without repeats, at most the first and the latest 20 (long threads keep
/// their root, as RFC 5322 suggests).
pub fn reply_references(thread: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<String> = thread
        .iter()
        .filter(|id| !id.is_empty() && seen.insert(id.as_str().to_string()))
        .cloned()
        .collect();
    if unique.len() <= 21 {
        return unique;
    }
    let mut out = vec![unique[0].clone()];
    out.extend(unique[unique.len() - 20..].iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_in_any_subject() {
        assert_eq!(subject_token("Re: Broken bell [#K7Q2M9]").as_deref(), Some("K7Q2M9"));
        assert_eq!(subject_token("AW: [#k7q2m9] Klingel").as_deref(), Some("K7Q2M9"));
        assert_eq!(subject_token("[#] nothing [#a-b] [#XY]"), None);
        assert_eq!(subject_token("[#TOOLONGTOKEN1] x"), None);
        assert_eq!(subject_token(""), None);
    }

    #[test]
    fn reply_subjects_say_re_once_and_carry_the_token_once() {
        assert_eq!(reply_subject("Broken bell", "K7Q2M9"), "Re: Broken bell [#K7Q2M9]");
        assert_eq!(
            reply_subject("RE: Re: Broken bell [#K7Q2M9]", "K7Q2M9"),
            "Re: Broken bell [#K7Q2M9]"
        );
        assert_eq!(reply_subject("", "K7Q2M9"), "Re: [#K7Q2M9]");
    }

    #[test]
    fn references_keep_the_root_and_the_latest() {
        let ids: Vec<String> = (0..30).map(|i| format!("m{i}@x")).collect();
        let r = reply_references(&ids);
        assert_eq!(r.len(), 21);
        assert_eq!(r[0], "m0@x");
        assert_eq!(r[20], "m29@x");
        assert_eq!(reply_references(&["a".into(), "a".into(), "b".into()]), vec!["a", "b"]);
    }
}
