//! Whether a conversation names a product: its id (`bike-cargo`) or its name
//! (`Cargo bike`), as whole words in any case, a plural `s` allowed.

/// The shortest id or name looked for: shorter ones match too much.
const MIN_CHARS: usize = 3;

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether `needle` (lowercase) occurs in `hay` (lowercase) as whole words.
fn has_words(hay: &str, needle: &str) -> bool {
    if needle.chars().count() < MIN_CHARS {
        return false;
    }
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before_ok = hay[..start].chars().next_back().is_none_or(|c| !is_word(c));
        let mut after = hay[end..].chars();
        let after_ok = match after.next() {
            None => true,
            Some('s') => after.next().is_none_or(|c| !is_word(c)),
            Some(c) => !is_word(c),
        };
        if before_ok && after_ok {
            return true;
        }
        // Step past the first character of this match.
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Whether `text` names the product by its id or its name.
pub fn names_product(text: &str, product: &str, name: Option<&str>) -> bool {
    let hay = text.to_lowercase();
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if has_words(&hay, &norm(product)) {
        return true;
    }
    name.is_some_and(|n| has_words(&hay, &norm(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_any_case_plurals() {
        assert!(names_product(
            "Do you have the Helmet in blue?",
            "helmet",
            Some("Helmet")
        ));
        assert!(names_product("two helmets please", "helmet", None));
        assert!(!names_product("helmetless riders", "helmet", None));
        assert!(names_product(
            "I want another cargo bike!",
            "bike-cargo",
            Some("Cargo bike")
        ));
        assert!(names_product("order BIKE-CARGO", "bike-cargo", Some("Cargo bike")));
        assert!(!names_product("my bike", "bike-cargo", Some("Cargo bike")));
        // Too short to tell.
        assert!(!names_product("a tv", "tv", Some("TV")));
        assert!(names_product("Ärmel und Ärmelschoner", "ärmel", None));
        assert!(!names_product("", "helmet", None));
    }
}
