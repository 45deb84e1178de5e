//! What makes two customers look like one person: the keys duplicate detection
//! compares, stored beside each identity and customer so that a suggestion is a
//! few indexed lookups rather than a scan of the workspace.

use crate::customer::name_key;
use crate::identity::IdentityKind;

/// How many leading characters of a name's first and last word form its blocks.
const BLOCK_CHARS: usize = 3;

/// The key under which two forms of one external id compare equal: lowercase
/// letters and digits only, leading zeros of each number dropped
/// (`CRM-00123` and `crm123` share `crm123`).
pub fn external_key(value: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    let mut pending_zero = false;
    for c in value.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_digit() {
            if !in_number && c == '0' {
                pending_zero = true;
                continue;
            }
            in_number = true;
            pending_zero = false;
            out.push(c);
        } else if c.is_alphanumeric() {
            if pending_zero {
                out.push('0');
                pending_zero = false;
            }
            in_number = false;
            out.push(c);
        }
    }
    if pending_zero {
        out.push('0');
    }
    out
}

/// The last digits of a phone number that duplicate detection compares.
pub fn phone_tail(e164: &str) -> Option<String> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 8).then(|| digits[digits.len() - 8..].to_string())
}

/// Whether two names are nearly the same (Jaro-Winkler similarity of their keys).
pub fn similar_names(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (name_key(a), name_key(b));
    if a.chars().count() < 4 || b.chars().count() < 4 {
        return None;
    }
    let score = strsim::jaro_winkler(&a, &b);
    (score >= 0.93).then_some(score)
}

/// The key stored beside an identity for duplicate detection: the last digits
/// of a phone, the comparable form of an external id, the domain of an email;
/// empty for kinds that are never compared.
pub fn identity_match_key(kind: IdentityKind, value: &str) -> String {
    match kind {
        IdentityKind::Phone => phone_tail(value).unwrap_or_default(),
        IdentityKind::External => external_key(value),
        IdentityKind::Email => value.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default(),
        IdentityKind::Chat | IdentityKind::Social => String::new(),
    }
}

/// The blocks a name is found under when looking for nearly the same names:
/// the first characters of its first and of its last word. Jaro-Winkler
/// similarity rewards a shared beginning, so near-identical names almost always
/// share one of the two; names that differ in the first letters of both words
/// are not suggested. Empty for names too short to compare.
pub fn name_blocks(name: &str) -> (String, String) {
    let key = name_key(name);
    if key.chars().count() < 4 {
        return (String::new(), String::new());
    }
    let block = |word: &str| word.chars().take(BLOCK_CHARS).collect::<String>();
    let first = key.split(' ').next().map(block).unwrap_or_default();
    let last = key.split(' ').next_back().map(block).unwrap_or_default();
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys() {
        assert_eq!(external_key("CRM-00123"), external_key("crm123"));
        assert_ne!(external_key("crm-1230"), external_key("crm-123"));
        assert_eq!(external_key("A-0"), "a0");
        assert_eq!(phone_tail("+493012345678").as_deref(), Some("12345678"));
        assert!(similar_names("Jonathan Miller", "Jonathon Miller").is_some());
        assert!(similar_names("Jane Doe", "John Smith").is_none());
        assert!(similar_names("Al", "Al").is_none());
    }

    #[test]
    fn match_keys_and_blocks() {
        assert_eq!(
            identity_match_key(IdentityKind::Email, "jane@acme.example"),
            "acme.example"
        );
        assert_eq!(identity_match_key(IdentityKind::Phone, "+493012345678"), "12345678");
        assert_eq!(identity_match_key(IdentityKind::Phone, "+4930"), "");
        assert_eq!(identity_match_key(IdentityKind::External, "CRM-00123"), "crm123");
        assert_eq!(identity_match_key(IdentityKind::Social, "twitter:@jane"), "");
        assert_eq!(name_blocks("Jonathan  MILLER"), ("jon".to_string(), "mil".to_string()));
        assert_eq!(name_blocks("Cher"), ("che".to_string(), "che".to_string()));
        assert_eq!(name_blocks("Al"), (String::new(), String::new()));
        let (a, b) = (name_blocks("Jonathan Miller"), name_blocks("Jonathon Miller"));
        assert!(a.0 == b.0 || a.1 == b.1);
    }
}
