//! Posts are Markdown, rendered to HTML and sanitised: no script, style,
//! event attribute or `javascript:` URL survives, and every link is marked
//! `rel="nofollow ugc"` so that spam earns nothing.

use pulldown_cmark::{Options, Parser, html};
use std::collections::HashSet;

/// Markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let parser = Parser::new_ext(markdown, options);
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, parser);
    sanitise(&raw)
}

/// Cleans HTML down to what posts may hold.
pub fn sanitise(html: &str) -> String {
    let schemes: HashSet<&str> = ["http", "https", "mailto"].into_iter().collect();
    ammonia::Builder::default()
        .url_schemes(schemes)
        .link_rel(Some("nofollow ugc"))
        .clean(html)
        .to_string()
}

/// Escapes text for HTML (for emails and feeds built by hand).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A plain-text excerpt of Markdown, at most `chars` characters, for meta
/// descriptions and lists.
pub fn excerpt(markdown: &str, chars: usize) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::BlockQuote(_)) => {
                text.push(' ')
            }
            Event::Start(Tag::Item) => text.push(' '),
            _ => {}
        }
        if text.len() > chars * 4 {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= chars {
        text
    } else {
        let cut: String = text.chars().take(chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_never_survive() {
        let evil = r#"<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>
<style>body{}</style><div onclick="x()" style="color:red">y</div>[click](javascript:alert(4))
<svg onload=alert(5)></svg><iframe src="https://evil.example"></iframe>

[md](javascript:alert(6)) ![img](javascript:alert(7)) [ok](JAVASCRIPT:alert(8))"#;
        let out = render(evil).to_lowercase();
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "onload",
            "href=\"javascript:",
            "src=\"javascript:",
            "<style",
            "<iframe",
            "<svg",
            "style=",
        ] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
    }

    #[test]
    fn links_are_nofollow_and_markdown_renders() {
        let out = render("**bold** and [a link](https://example.com)");
        assert!(out.contains("<strong>bold</strong>"), "{out}");
        assert!(out.contains(r#"rel="nofollow ugc""#), "{out}");
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(excerpt("# Title\n\nSome *text* here", 100), "Title Some text here");
        assert_eq!(excerpt("abcdefghij", 5), "abcd…");
    }
}
