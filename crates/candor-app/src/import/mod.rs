//! CSV imports of customers and purchases (columns in docs/import.md).
//!
//! Every row is checked before anything is written. By default a file with a
//! bad row imports nothing; with `skip_bad` the good rows are imported and the
//! bad ones reported. Imports are idempotent: customers are keyed by their
//! identities, purchases by their external id, so running a file again
//! changes nothing.

use crate::error::{AppError, AppResult};

mod customers;
mod purchases;

pub use customers::{CUSTOMER_COLUMNS, customers};
pub use purchases::{PURCHASE_COLUMNS, purchases};

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The line it starts on (the header is line 1).
    pub line: u64,
    /// Why.
    pub reason: String,
    /// The row's cells as read.
    pub record: Vec<String>,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Data rows read.
    pub rows: u64,
    /// Customers or purchases created.
    pub created: u64,
    /// Customers changed.
    pub updated: u64,
    /// Rows that changed nothing (already there).
    pub unchanged: u64,
    /// Bad rows.
    pub rejected: Vec<Rejected>,
    /// False when bad rows stopped the import.
    pub imported: bool,
    /// The file's header, to write rejects with.
    pub header: Vec<String>,
}

struct Table {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

fn read_table(data: &[u8]) -> AppResult<Table> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::invalid("file", format!("line 1: cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| AppError::invalid("file", format!("cannot read the file: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(Table { header, rows })
}

fn cell<'a>(header: &[String], record: &'a [String], name: &str) -> Option<&'a str> {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|i| record.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

fn list(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.split(';')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}
