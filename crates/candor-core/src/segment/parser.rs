//! A recursive-descent parser for segment queries (grammar in the `segment` docs).

use jiff::civil::Date;

use super::ast::{AgoUnit, Cmp, Expr, Term, When, field_prefix_chars, is_delimiter};
use super::{MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS, ParseError};
use crate::value::{Stage, Tier};

const MAX_VALUE_CHARS: usize = 200;

pub(crate) struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    terms: usize,
}

type Parsed<T> = Result<T, ParseError>;

fn error<T>(position: usize, message: impl Into<String>) -> Parsed<T> {
    Err(ParseError {
        position,
        message: message.into(),
    })
}

impl Parser {
    pub fn parse(input: &str) -> Parsed<Expr> {
        let mut chars = Vec::new();
        for (i, c) in input.chars().enumerate() {
            if i >= MAX_QUERY_CHARS {
                return error(
                    i,
                    format!("the query is too long; at most {MAX_QUERY_CHARS} characters"),
                );
            }
            if c.is_control() && !c.is_whitespace() {
                return error(i, "the query contains a control character");
            }
            chars.push(c);
        }
        let mut p = Parser {
            chars,
            pos: 0,
            depth: 0,
            terms: 0,
        };
        p.skip_ws();
        if p.at_end() {
            return Ok(Expr::And(Vec::new()));
        }
        let expr = p.or_expr()?;
        p.skip_ws();
        match p.peek() {
            None => Ok(expr),
            Some(')') => error(p.pos, "this ')' has no matching '('"),
            Some(_) => error(p.pos, "unexpected text"),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Whether the keyword `word` stands at the cursor as a whole word.
    fn at_keyword(&self, word: &str) -> bool {
        let n = word.chars().count();
        let matches = word
            .chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c));
        matches && self.chars.get(self.pos + n).is_none_or(|c| is_delimiter(*c))
    }

    fn enter(&mut self, at: usize) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return error(at, format!("the query nests deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Parsed<Expr> {
        let mut parts = vec![self.and_expr()?];
        loop {
            self.skip_ws();
            if !self.at_keyword("OR") {
                break;
            }
            let at = self.pos;
            self.pos += 2;
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') || self.at_keyword("OR") {
                return error(at, "OR needs a term on both sides");
            }
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.swap_remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Parsed<Expr> {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') || self.at_keyword("OR") {
                break;
            }
            if self.at_keyword("AND") {
                let at = self.pos;
                self.pos += 3;
                self.skip_ws();
                if parts.is_empty()
                    || self.at_end()
                    || self.peek() == Some(')')
                    || self.at_keyword("OR")
                    || self.at_keyword("AND")
                {
                    return error(at, "AND needs a term on both sides");
                }
                continue;
            }
            parts.push(self.unary()?);
        }
        match parts.len() {
            0 if self.at_keyword("OR") => error(self.pos, "OR needs a term on both sides"),
            0 => error(self.pos, "expected a term here"),
            1 => Ok(parts.swap_remove(0)),
            _ => Ok(Expr::And(parts)),
        }
    }

    fn unary(&mut self) -> Parsed<Expr> {
        let next = self.chars.get(self.pos + 1).copied();
        // A '-' right before a term excludes it; otherwise ("-", "--", "- x") it is text.
        if self.peek() == Some('-')
            && next.is_some_and(|c| !is_delimiter(c) || c == '(' || c == '"')
            && next != Some('-')
        {
            let at = self.pos;
            self.pos += 1;
            self.enter(at)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let at = self.pos;
        match self.peek() {
            Some('(') => {
                self.enter(at)?;
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(')') {
                    return error(at, "empty parentheses");
                }
                let inner = self.or_expr()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return error(at, "this '(' is never closed");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some('"') => {
                let text = self.quoted()?;
                if text.trim().is_empty() {
                    return error(at, "empty quotes");
                }
                self.term(Term::Text(text), at)
            }
            _ => {
                let prefix = if self.peek() == Some('-') {
                    None
                } else {
                    field_prefix_chars(&self.chars[self.pos..])
                };
                if let Some((name_len, op, op_len)) = prefix {
                    let name: String = self.chars[self.pos..self.pos + name_len].iter().collect();
                    self.pos += name_len + op_len;
                    let value_at = self.pos;
                    let value = self.value(&name)?;
                    let term = field_term(&name, op, value, at, value_at)?;
                    self.term(term, at)
                } else {
                    let word = self.bare();
                    self.term(Term::Text(word), at)
                }
            }
        }
    }

    fn term(&mut self, term: Term, at: usize) -> Parsed<Expr> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return error(at, format!("the query has more than {MAX_TERMS} terms"));
        }
        Ok(Expr::Term(term))
    }

    fn bare(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !is_delimiter(c)) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A quoted string at the cursor; `\"` and `\\` are escapes.
    fn quoted(&mut self) -> Parsed<String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return error(open, "this quote is never closed"),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') if matches!(self.chars.get(self.pos + 1), Some('"' | '\\')) => {
                    out.push(self.chars[self.pos + 1]);
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn value(&mut self, name: &str) -> Parsed<String> {
        let at = self.pos;
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            self.bare()
        };
        if value.is_empty() {
            return error(at, format!("expected a value after {name}"));
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return error(at, format!("the value is longer than {MAX_VALUE_CHARS} characters"));
        }
        Ok(value)
    }
}

const FIELDS: &str =
    "tier, stage, tag, lang, channel, org, attr.NAME, ltv, orders, last_purchase, created, consent, dnc";

fn field_term(name: &str, op: Cmp, value: String, at: usize, value_at: usize) -> Parsed<Term> {
    let lower = name.to_ascii_lowercase();
    if let Some(attr) = lower.strip_prefix("attr.") {
        let attr_name = &name[name.len() - attr.len()..];
        if attr_name.is_empty() || attr_name.len() > 64 {
            return error(at, "an attribute name needs 1 to 64 characters, as in attr.plan:pro");
        }
        return Ok(Term::Attr {
            name: attr_name.to_string(),
            op,
            value,
        });
    }
    let equality_only = |term: Parsed<Term>| {
        if op == Cmp::Eq {
            term
        } else {
            error(at + name.len(), format!("{lower} only takes ':' (as in {lower}:value)"))
        }
    };
    let bad = |what: &str| error(value_at, format!("{value:?} is not {what}"));
    match lower.as_str() {
        "tier" => equality_only(match value.to_ascii_lowercase().as_str() {
            "a" => Ok(Term::Tier(Some(Tier::A))),
            "b" => Ok(Term::Tier(Some(Tier::B))),
            "c" => Ok(Term::Tier(Some(Tier::C))),
            "none" => Ok(Term::Tier(None)),
            _ => bad("a tier; use A, B, C or none"),
        }),
        "stage" => equality_only(match value.to_ascii_lowercase().as_str() {
            "lead" => Ok(Term::Stage(Stage::Lead)),
            "customer" => Ok(Term::Stage(Stage::Customer)),
            "at-risk" | "at_risk" => Ok(Term::Stage(Stage::AtRisk)),
            "former" => Ok(Term::Stage(Stage::Former)),
            _ => bad("a stage; use lead, customer, at-risk or former"),
        }),
        "tag" => equality_only(Ok(Term::Tag(value.clone()))),
        "org" => equality_only(Ok(Term::Org(value.clone()))),
        "lang" => equality_only(if is_language(&value) {
            Ok(Term::Lang(value.to_ascii_lowercase()))
        } else {
            bad("a language code such as de or pt-br")
        }),
        "channel" => equality_only(if is_word(&value) {
            Ok(Term::Channel(value.to_ascii_lowercase()))
        } else {
            bad("a channel such as email, chat or phone")
        }),
        "consent" => equality_only(if is_word(&value) {
            Ok(Term::Consent(value.to_ascii_lowercase()))
        } else {
            bad("a consent purpose such as marketing")
        }),
        "dnc" => equality_only(match value.to_ascii_lowercase().as_str() {
            "true" | "yes" => Ok(Term::Dnc(true)),
            "false" | "no" => Ok(Term::Dnc(false)),
            _ => bad("true or false"),
        }),
        "ltv" => {
            if is_decimal(&value) {
                Ok(Term::Ltv { op, amount: value })
            } else {
                bad("an amount such as 500 or 19.99")
            }
        }
        "orders" => match value.parse::<u32>() {
            Ok(count) if value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Term::Orders { op, count })
            }
            _ => bad("a whole number of orders"),
        },
        "last_purchase" => Ok(Term::LastPurchase {
            op,
            when: when(&value, value_at)?,
        }),
        "created" => Ok(Term::Created {
            op,
            when: when(&value, value_at)?,
        }),
        _ => error(
            at,
            format!("{name:?} is not a field ({FIELDS}); put text in quotes to search for it"),
        ),
    }
}

fn is_word(s: &str) -> bool {
    s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    let primary_ok = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok = parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    primary_ok && rest_ok
}

fn is_decimal(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |p: &str, max: usize| !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit());
    digits(whole, 18) && fraction.is_none_or(|f| digits(f, 4))
}

fn when(value: &str, at: usize) -> Parsed<When> {
    if let Some(last) = value.chars().last() {
        let unit = match last {
            'h' => Some(AgoUnit::Hours),
            'd' => Some(AgoUnit::Days),
            'w' => Some(AgoUnit::Weeks),
            'm' => Some(AgoUnit::Months),
            'y' => Some(AgoUnit::Years),
            _ => None,
        };
        let number = &value[..value.len() - last.len_utf8()];
        let digits = !number.is_empty() && number.len() <= 6 && number.bytes().all(|b| b.is_ascii_digit());
        if let (Some(unit), true) = (unit, digits)
            && let Ok(amount) = number.parse::<u32>()
        {
            return Ok(When::Ago { amount, unit });
        }
    }
    let is_iso_shape = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    match value.parse::<Date>() {
        Ok(date) if is_iso_shape => Ok(When::Date(date)),
        _ => error(
            at,
            format!("{value:?} is not a time; use an age such as 30d, 12w, 6m, 1y or a date such as 2026-03-01"),
        ),
    }
}
