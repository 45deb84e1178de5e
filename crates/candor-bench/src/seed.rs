//! What the data set leaves for the scenarios: fixed values (the token) and
//! pools of values drawn at random for every request (row ids, …).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use uuid::Uuid;

/// Values a request template draws from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pool {
    /// A whole number from `lo` to `hi`, both included.
    Range {
        /// Smallest.
        lo: u64,
        /// Largest.
        hi: u64,
    },
    /// One of these strings (ids, names).
    List(Vec<String>),
}

/// How many values of a list pool go into a wrk script at most.
pub const POOL_SAMPLE: usize = 10_000;

impl Pool {
    /// A list pool of at most [`POOL_SAMPLE`] values spread evenly over `values`.
    pub fn sample<T: ToString>(values: &[T]) -> Self {
        let step = values.len().div_ceil(POOL_SAMPLE).max(1);
        Pool::List(values.iter().step_by(step).map(ToString::to_string).collect())
    }
}

/// A CSV file to import, and its rows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportFile {
    /// Where it is.
    pub path: PathBuf,
    /// Rows besides the header.
    pub rows: u64,
}

/// The data set's handles, filled by the generator steps.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Seed {
    /// The benchmark workspace.
    pub workspace_id: Uuid,
    /// Its slug (for `candor import --workspace`).
    pub workspace_slug: String,
    /// The purchases file whose import is timed.
    pub import: Option<ImportFile>,
    /// Its owner.
    pub owner_id: Uuid,
    /// Fixed values by placeholder name (`token`).
    pub vars: BTreeMap<String, String>,
    /// Pools by placeholder name (`row_id`).
    pub pools: BTreeMap<String, Pool>,
}

impl Seed {
    /// Sets a fixed value.
    pub fn var(&mut self, name: &str, value: impl Into<String>) {
        self.vars.insert(name.to_string(), value.into());
    }

    /// Sets a pool.
    pub fn pool(&mut self, name: &str, pool: Pool) {
        self.pools.insert(name.to_string(), pool);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_capped_and_spread() {
        let values: Vec<u32> = (0..25_000).collect();
        let Pool::List(s) = Pool::sample(&values) else {
            panic!("not a list")
        };
        assert!(s.len() <= POOL_SAMPLE);
        assert_eq!(s.first().map(String::as_str), Some("0"));
        assert!(s.last().is_some_and(|l| l.parse::<u32>().is_ok_and(|n| n > 20_000)));
        assert_eq!(Pool::sample(&[1, 2]), Pool::List(vec!["1".into(), "2".into()]));
    }
}
