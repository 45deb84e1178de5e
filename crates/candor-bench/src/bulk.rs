//! Bulk writing for the data generator: rows for one or several tables are
//! gathered into batches and written as multi-row `INSERT`s on SQLite and as
//! `COPY … FROM STDIN` on PostgreSQL, in transactions of some hundred
//! thousand rows. A step that writes several tables at once (a conversation,
//! its messages and their events) keeps one [`Bulk`] with a table each.

use crate::database::Conn;
use crate::datagen::V;
use anyhow::{Context, Result};
use candor_store::Backend;
use std::fmt::Write;

/// Rows written between two commits.
pub const COMMIT_EVERY: usize = 250_000;

/// Rows a PostgreSQL `COPY` sends at once.
const COPY_BATCH: usize = 5_000;

/// One table's rows waiting to be written.
pub struct Pending {
    /// The table.
    pub name: &'static str,
    columns: &'static [&'static str],
    /// Rows gathered for the next batch.
    pub rows: Vec<Vec<V>>,
    per_batch: usize,
    /// Rows written so far.
    pub written: u64,
}

/// Batches for a few tables, written in the same transactions.
pub struct Bulk {
    /// The tables, in the order given.
    pub tables: Vec<Pending>,
    /// Whether a transaction is open on the generator's connection.
    pub in_tx: bool,
    /// Rows written since the last commit.
    pub since_commit: usize,
    /// Time spent writing.
    pub writing: std::time::Duration,
}

impl Bulk {
    /// Batches for `tables` (name, columns), for `backend`.
    pub fn new(backend: Backend, tables: &[(&'static str, &'static [&'static str])]) -> Self {
        let tables = tables
            .iter()
            .map(|(name, columns)| {
                let per_batch = match backend {
                    // Both take well over 30 000 bound values a statement.
                    Backend::Sqlite => (30_000 / columns.len().max(1)).clamp(1, 2_000),
                    Backend::Postgres => COPY_BATCH,
                };
                Pending {
                    name,
                    columns,
                    rows: Vec::with_capacity(per_batch),
                    per_batch,
                    written: 0,
                }
            })
            .collect();
        Self {
            tables,
            in_tx: false,
            since_commit: 0,
            writing: std::time::Duration::ZERO,
        }
    }

    /// Adds a row to table `t`; true when its batch is full.
    pub fn push(&mut self, t: usize, row: Vec<V>) -> bool {
        let p = &mut self.tables[t];
        debug_assert_eq!(row.len(), p.columns.len(), "{}", p.name);
        p.rows.push(row);
        p.rows.len() >= p.per_batch
    }
}

/// Writes the gathered rows of `p` and empties it; returns how many.
pub async fn write_batch(conn: &mut Conn, p: &mut Pending) -> Result<usize> {
    let batch = std::mem::take(&mut p.rows);
    let n = batch.len();
    match conn {
        Conn::Sqlite(c) => {
            let head = format!("INSERT INTO {} ({}) ", p.name, p.columns.join(", "));
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(head);
            qb.push_values(batch, |mut b, row| {
                for v in row {
                    match v {
                        V::Uuid(u) => b.push_bind(u),
                        V::Int(i) => b.push_bind(i),
                        V::Text(t) => b.push_bind(t),
                        V::Bool(x) => b.push_bind(x),
                        V::Float(f) => b.push_bind(f),
                        V::OptUuid(u) => b.push_bind(u),
                        V::OptInt(i) => b.push_bind(i),
                        V::OptText(t) => b.push_bind(t),
                        V::OptFloat(f) => b.push_bind(f),
                    };
                }
            });
            qb.build()
                .execute(&mut *c)
                .await
                .with_context(|| format!("cannot write into {}", p.name))?;
        }
        Conn::Postgres(c) => {
            let mut text = String::with_capacity(n * 64);
            for row in &batch {
                copy_row(&mut text, row);
            }
            let statement = format!("COPY {} ({}) FROM STDIN", p.name, p.columns.join(", "));
            let mut copy = c
                .copy_in_raw(&statement)
                .await
                .with_context(|| format!("cannot copy into {}", p.name))?;
            copy.send(text.into_bytes())
                .await
                .with_context(|| format!("cannot copy into {}", p.name))?;
            copy.finish()
                .await
                .with_context(|| format!("cannot copy into {}", p.name))?;
        }
    }
    p.written += n as u64;
    p.rows = Vec::with_capacity(p.per_batch);
    Ok(n)
}

/// One row in PostgreSQL's COPY text format: tab-separated, `\N` for NULL,
/// backslash escapes for the separators.
pub fn copy_row(out: &mut String, row: &[V]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match v {
            V::Uuid(u) | V::OptUuid(Some(u)) => {
                let _ = write!(out, "{u}");
            }
            V::Int(n) | V::OptInt(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            V::Text(t) | V::OptText(Some(t)) => escape(out, t),
            V::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            V::Float(f) | V::OptFloat(Some(f)) => {
                let _ = write!(out, "{f}");
            }
            V::OptUuid(None) | V::OptInt(None) | V::OptText(None) | V::OptFloat(None) => out.push_str("\\N"),
        }
    }
    out.push('\n');
}

fn escape(out: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn copy_rows_escape_and_mark_nulls() {
        let mut s = String::new();
        copy_row(
            &mut s,
            &[
                V::Uuid(Uuid::nil()),
                V::Int(-5),
                V::Text("a\tb\nc\\d".into()),
                V::Bool(true),
                V::OptText(None),
                V::OptFloat(Some(0.25)),
            ],
        );
        assert_eq!(
            s,
            "00000000-0000-0000-0000-000000000000\t-5\ta\\tb\\nc\\\\d\tt\t\\N\t0.25\n"
        );
    }

    #[test]
    fn batches_fill_per_backend() {
        let mut b = Bulk::new(Backend::Sqlite, &[("t", &["a", "b"])]);
        assert!(!b.push(0, vec![V::Int(1), V::Int(2)]));
        assert_eq!(b.tables[0].per_batch, 2_000);
        let b = Bulk::new(Backend::Postgres, &[("t", &["a"])]);
        assert_eq!(b.tables[0].per_batch, COPY_BATCH);
    }
}
