//! The segment query's syntax tree and its canonical text form.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::value::{Stage, Tier};

/// A parsed segment query: terms combined with AND, OR and NOT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// Every part must match; with no parts, everything matches (the empty query).
    And(Vec<Expr>),
    /// At least one part must match (always two parts or more).
    Or(Vec<Expr>),
    /// The part must not match.
    Not(Box<Expr>),
    /// One condition.
    Term(Term),
}

impl Expr {
    /// Whether this is the empty query, which matches every customer.
    pub fn matches_everything(&self) -> bool {
        matches!(self, Expr::And(parts) if parts.is_empty())
    }
}

/// A comparison operator; `:` and `=` both read as [`Cmp::Eq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    /// Equal to (`:` or `=`).
    Eq,
    /// Greater than (`>`).
    Gt,
    /// Less than (`<`).
    Lt,
    /// Greater than or equal to (`>=`).
    Ge,
    /// Less than or equal to (`<=`).
    Le,
}

impl Cmp {
    /// The operator as written in a query (`:` for equality).
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Eq => ":",
            Cmp::Gt => ">",
            Cmp::Lt => "<",
            Cmp::Ge => ">=",
            Cmp::Le => "<=",
        }
    }
}

/// A unit of relative time in `last_purchase<30d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgoUnit {
    /// `h`
    Hours,
    /// `d`
    Days,
    /// `w`
    Weeks,
    /// `m` (calendar months)
    Months,
    /// `y` (calendar years)
    Years,
}

impl AgoUnit {
    /// The unit's letter.
    pub fn letter(self) -> char {
        match self {
            AgoUnit::Hours => 'h',
            AgoUnit::Days => 'd',
            AgoUnit::Weeks => 'w',
            AgoUnit::Months => 'm',
            AgoUnit::Years => 'y',
        }
    }
}

/// A moment in a time condition.
///
/// For [`When::Ago`] the comparison is on the age: `last_purchase<30d` means "less
/// than 30 days ago". For [`When::Date`] it is on the date: `created<2026-01-01`
/// means "before 1 January 2026" (in the workspace's time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// An age relative to now.
    Ago {
        /// How many units.
        amount: u32,
        /// Which unit.
        unit: AgoUnit,
    },
    /// A calendar date.
    Date(Date),
}

/// One condition of a segment query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// Text search on name and email: a bare word or a quoted phrase.
    Text(String),
    /// `tier:A`, `tier:none` (`None`: no tier).
    Tier(Option<Tier>),
    /// `stage:at-risk`.
    Stage(Stage),
    /// `tag:vip`.
    Tag(String),
    /// `lang:de` (lowercased).
    Lang(String),
    /// `channel:email` (lowercased): the preferred channel.
    Channel(String),
    /// `org:acme`: organisation name or id.
    Org(String),
    /// `consent:marketing` (lowercased): consent given for a purpose.
    Consent(String),
    /// `dnc:true`: do-not-contact set or not.
    Dnc(bool),
    /// `attr.plan:pro`, `attr.seats>10`: a custom attribute.
    Attr {
        /// The attribute's name, as written.
        name: String,
        /// The comparison.
        op: Cmp,
        /// The value, as written.
        value: String,
    },
    /// `ltv>500`: lifetime value in the workspace's currency, a decimal as written.
    Ltv {
        /// The comparison.
        op: Cmp,
        /// The amount, e.g. "500" or "19.99".
        amount: String,
    },
    /// `orders>=3`: number of paid purchases.
    Orders {
        /// The comparison.
        op: Cmp,
        /// The count.
        count: u32,
    },
    /// `last_purchase<30d` or `last_purchase>=2026-01-01`.
    LastPurchase {
        /// The comparison.
        op: Cmp,
        /// The age or date.
        when: When,
    },
    /// `created>2026-01-01` or `created<7d`.
    Created {
        /// The comparison.
        op: Cmp,
        /// The age or date.
        when: When,
    },
}

impl fmt::Display for Expr {
    /// The canonical query text, which parses back to the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match part {
                        Expr::And(_) | Expr::Or(_) => write!(f, "({part})")?,
                        _ => write!(f, "{part}")?,
                    }
                }
                Ok(())
            }
            Expr::Or(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    match part {
                        Expr::Or(_) => write!(f, "({part})")?,
                        _ => write!(f, "{part}")?,
                    }
                }
                Ok(())
            }
            Expr::Not(inner) => match inner.as_ref() {
                Expr::And(_) | Expr::Or(_) | Expr::Not(_) => write!(f, "-({inner})"),
                _ => write!(f, "-{inner}"),
            },
            Expr::Term(term) => write!(f, "{term}"),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Text(text) => {
                if is_bare_word(text) {
                    f.write_str(text)
                } else {
                    write_quoted(f, text)
                }
            }
            Term::Tier(tier) => write!(f, "tier:{}", tier.map_or("none", Tier::as_str)),
            Term::Stage(stage) => write!(f, "stage:{}", stage.as_str()),
            Term::Tag(v) => field(f, "tag", Cmp::Eq, v),
            Term::Lang(v) => field(f, "lang", Cmp::Eq, v),
            Term::Channel(v) => field(f, "channel", Cmp::Eq, v),
            Term::Org(v) => field(f, "org", Cmp::Eq, v),
            Term::Consent(v) => field(f, "consent", Cmp::Eq, v),
            Term::Dnc(v) => write!(f, "dnc:{v}"),
            Term::Attr { name, op, value } => field(f, &format!("attr.{name}"), *op, value),
            Term::Ltv { op, amount } => write!(f, "ltv{}{amount}", op.as_str()),
            Term::Orders { op, count } => write!(f, "orders{}{count}", op.as_str()),
            Term::LastPurchase { op, when } => write!(f, "last_purchase{}{when}", op.as_str()),
            Term::Created { op, when } => write!(f, "created{}{when}", op.as_str()),
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Ago { amount, unit } => write!(f, "{amount}{}", unit.letter()),
            When::Date(date) => write!(f, "{date}"),
        }
    }
}

fn field(f: &mut fmt::Formatter<'_>, name: &str, op: Cmp, value: &str) -> fmt::Result {
    write!(f, "{name}{}", op.as_str())?;
    // After '>' or '<', a leading '=' would read as part of the operator.
    let joins_op = matches!(op, Cmp::Gt | Cmp::Lt) && value.starts_with('=');
    if is_bare_value(value) && !joins_op {
        f.write_str(value)
    } else {
        write_quoted(f, value)
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

/// Characters that end a bare word or value.
pub(crate) fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

/// Whether a value after an operator can be written without quotes.
pub(crate) fn is_bare_value(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(|c| is_delimiter(c) || c.is_control())
}

/// Whether text can be written as a bare word that reads back as the same text term.
pub(crate) fn is_bare_word(text: &str) -> bool {
    is_bare_value(text) && !text.starts_with('-') && text != "OR" && text != "AND" && field_prefix(text).is_none()
}

/// If the text starts like a field term (`name` then an operator), the name's length in
/// chars and the operator's.
fn field_prefix(text: &str) -> Option<(usize, Cmp, usize)> {
    let chars: Vec<char> = text.chars().collect();
    field_prefix_chars(&chars)
}

/// [`field_prefix`] over chars.
pub(crate) fn field_prefix_chars(chars: &[char]) -> Option<(usize, Cmp, usize)> {
    if !chars.first().is_some_and(char::is_ascii_alphabetic) {
        return None;
    }
    let name_len = chars
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '.')
        .count();
    let rest = &chars[name_len..];
    match rest {
        ['>', '=', ..] => Some((name_len, Cmp::Ge, 2)),
        ['<', '=', ..] => Some((name_len, Cmp::Le, 2)),
        [':' | '=', ..] => Some((name_len, Cmp::Eq, 1)),
        ['>', ..] => Some((name_len, Cmp::Gt, 1)),
        ['<', ..] => Some((name_len, Cmp::Lt, 1)),
        _ => None,
    }
}
