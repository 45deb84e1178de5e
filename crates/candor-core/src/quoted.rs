//! Quoted history in email replies: the part of a reply that repeats
//! earlier messages ("On Tue, Jane wrote:", "-----Original Message-----",
//! a trailing block of "> " lines). Pages show it folded; the stored text
//! keeps it whole.

/// Splits `text` into what the sender wrote and the quoted history after it
/// (empty when there is none). Never returns an empty first part: a message
/// that is all quote is shown whole.
pub fn split_quoted(text: &str) -> (&str, &str) {
    let lines: Vec<(usize, &str)> = line_starts(text);
    let cut = lines
        .iter()
        .enumerate()
        .find_map(|(i, (at, line))| {
            if starts_history(line, lines.get(i + 1).map(|l| l.1)) {
                Some(*at)
            } else if outlook_header(&lines, i) {
                // The rule above Outlook's header belongs to the history.
                let above = lines[i - 1];
                Some(if above.1.trim().is_empty() { *at } else { above.0 })
            } else {
                None
            }
        })
        .or_else(|| trailing_quote_block(&lines));
    match cut {
        Some(at) if !text[..at].trim().is_empty() => (text[..at].trim_end(), text[at..].trim()),
        _ => (text, ""),
    }
}

fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        out.push((at, line.trim_end_matches(['\n', '\r'])));
        at += line.len();
    }
    out
}

fn starts_history(line: &str, next: Option<&str>) -> bool {
    let l = line.trim();
    let lower = l.to_lowercase();
    let separator = lower.trim_matches(|c: char| c == '-' || c == ' ' || c == '_');
    if matches!(
        separator,
        "original message"
            | "original-nachricht"
            | "ursprüngliche nachricht"
            | "message d'origine"
            | "forwarded message"
    ) && l.starts_with('-')
    {
        return separator != "forwarded message";
    }
    let attribution = |s: &str| {
        let s = s.trim().to_lowercase();
        (s.starts_with("on ") && s.ends_with("wrote:"))
            || (s.starts_with("am ") && s.contains(" schrieb") && s.ends_with(':'))
            || (s.starts_with("le ") && (s.ends_with("a écrit :") || s.ends_with("a écrit:")))
            || (s.starts_with("el ") && s.ends_with("escribió:"))
            || (s.starts_with("op ") && s.ends_with("geschreven:"))
    };
    if attribution(l) {
        return true;
    }
    // Mail programs wrap a long attribution over two lines.
    lower.starts_with("on ")
        && !lower.ends_with(':')
        && next.is_some_and(|n| {
            let n = n.trim().to_lowercase();
            n.ends_with("wrote:") && n.len() < 120
        })
}

/// Outlook's quoted header: "From: …" followed within three lines by
/// "Sent:" or "Date:", after a blank line or a rule.
fn outlook_header(lines: &[(usize, &str)], i: usize) -> bool {
    let is_from = |s: &str| {
        let s = s.trim().to_lowercase();
        s.starts_with("from:") || s.starts_with("von:") || s.starts_with("de :") || s.starts_with("de:")
    };
    if !is_from(lines[i].1) || i == 0 {
        return false;
    }
    let before = lines[i - 1].1.trim();
    if !(before.is_empty() || before.chars().all(|c| c == '_' || c == '-')) {
        return false;
    }
    lines[i + 1..].iter().take(3).any(|(_, l)| {
        let l = l.trim().to_lowercase();
        l.starts_with("sent:") || l.starts_with("date:") || l.starts_with("gesendet:") || l.starts_with("envoyé :")
    })
}

/// Where a final block of "> " lines (blank lines allowed) begins.
fn trailing_quote_block(lines: &[(usize, &str)]) -> Option<usize> {
    let mut start = None;
    for (at, line) in lines.iter().rev() {
        let l = line.trim_start();
        if l.starts_with('>') {
            start = Some(*at);
        } else if !l.is_empty() {
            break;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributions_and_separators_start_the_history() {
        let t = "Thanks, that worked.\n\nOn Tue, 3 Mar 2026 at 10:00, Maya Brandt <maya@x> wrote:\n> Try again\n";
        assert_eq!(
            split_quoted(t),
            (
                "Thanks, that worked.",
                "On Tue, 3 Mar 2026 at 10:00, Maya Brandt <maya@x> wrote:\n> Try again"
            )
        );
        let t = "Danke!\n\nAm 03.03.2026 um 10:00 schrieb Maya:\n> Hallo";
        assert_eq!(split_quoted(t).0, "Danke!");
        let t = "Fine.\n-----Original Message-----\nFrom: a\nSent: b\n\nold";
        assert_eq!(split_quoted(t).0, "Fine.");
        let t = "Yes.\n\nOn Tue, 3 Mar 2026, Maya Brandt\n<maya@x> wrote:\n> old";
        assert_eq!(split_quoted(t).0, "Yes.");
    }

    #[test]
    fn outlook_headers_and_trailing_quotes_are_history() {
        let t = "See below.\n\n________________________________\nFrom: Maya\nSent: Tuesday\nTo: you\n\nold text";
        assert_eq!(split_quoted(t).0, "See below.");
        let t = "Answer inline\n> question one\nmy answer\n> question two\n>\n";
        assert_eq!(
            split_quoted(t),
            ("Answer inline\n> question one\nmy answer", "> question two\n>")
        );
    }

    #[test]
    fn text_without_history_or_all_quote_is_whole() {
        assert_eq!(split_quoted("Hello\nthere"), ("Hello\nthere", ""));
        assert_eq!(split_quoted("> only a quote"), ("> only a quote", ""));
        assert_eq!(split_quoted("From: me\nDate: today"), ("From: me\nDate: today", ""));
        let fwd = "FYI\n\n---------- Forwarded message ---------\nFrom: x";
        assert_eq!(split_quoted(fwd).1, "", "a forward is what the sender means to show");
    }
}
