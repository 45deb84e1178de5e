//! The segment query language: filters over customers, as typed in the search box,
//! saved as segments and passed as `?q=`.
//!
//! ```text
//! tier:A stage:at-risk tag:vip lang:de ltv>500 "acme"
//! (tag:vip OR tier:A) -dnc:true last_purchase<30d
//! ```
//!
//! Terms side by side must all match; `OR` between terms means either; a `-` right
//! before a term or a parenthesised group excludes it. AND binds tighter than OR, so
//! `a b OR c` is `(a b) OR c`. Bare words and "quoted phrases" search names and email
//! addresses. Nothing here touches a database: the storage layer compiles the tree
//! ([`Expr`]) to parameterised SQL, so query text never becomes SQL text.
//!
//! # Grammar
//!
//! ```text
//! query    = ws* [ or_expr ] ws*                 (empty: every customer)
//! or_expr  = and_expr { ws+ "OR" ws+ and_expr }
//! and_expr = unary { ws+ [ "AND" ws+ ] unary }
//! unary    = "-" unary | primary                 (no space after "-")
//! primary  = "(" ws* or_expr ws* ")" | quoted | field_term | word
//! field_term = name op value
//! name     = letter { letter | digit | "_" | "." }     (case-insensitive)
//! op       = ":" | "=" | ">=" | "<=" | ">" | "<"      (":" and "=" both mean equals)
//! value    = quoted | word
//! quoted   = '"' { any char but '"' and '\', or '\"' or '\\' } '"'
//! word     = one or more chars other than whitespace, "(", ")" and '"'
//! ```
//!
//! A word that starts like a field term must name a known field; put other text in
//! quotes. "OR" and "AND" are keywords only in capitals.
//!
//! # Fields
//!
//! | field | values | operators |
//! | --- | --- | --- |
//! | `tier` | `A`, `B`, `C`, `none` | `:` |
//! | `stage` | `lead`, `customer`, `at-risk`, `former` | `:` |
//! | `tag`, `org` | any text | `:` |
//! | `lang` | a language code: `de`, `pt-br` | `:` |
//! | `channel`, `consent` | a word: `email`, `marketing` | `:` |
//! | `dnc` | `true`, `false` (`yes`, `no`) | `:` |
//! | `attr.NAME` | any text | all |
//! | `ltv` | an amount: `500`, `19.99` (workspace currency) | all |
//! | `orders` | a whole number | all |
//! | `last_purchase`, `created` | an age `30d`, `24h`, `12w`, `6m`, `1y`, or a date `2026-03-01` | all |
//!
//! With an age, the comparison is on how long ago: `last_purchase<30d` is "within the
//! last 30 days". With a date, it is on the date: `created<2026-01-01` is "before 2026".
//!
//! # Limits
//!
//! At most [`MAX_QUERY_CHARS`] characters, [`MAX_TERMS`] terms and [`MAX_DEPTH`] levels of
//! parentheses and negation. Errors give the position (in characters, from 0) of the
//! problem.

mod ast;
mod parser;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use ast::{AgoUnit, Cmp, Expr, Term, When};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2000;
/// The most terms a query may have.
pub const MAX_TERMS: usize = 100;
/// The deepest nesting of parentheses and negations.
pub const MAX_DEPTH: usize = 32;

/// Why a query could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct ParseError {
    /// Where the problem is, in characters from the start (0-based).
    pub position: usize,
    /// What is wrong, as a sentence.
    pub message: String,
}

/// Parses a segment query. The empty query matches everyone.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    parser::Parser::parse(input)
}

impl std::str::FromStr for Expr {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
