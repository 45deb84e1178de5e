//! What every operation needs: the database and the clock.

use candor_core::Clock;
use candor_store::Db;
use jiff::Timestamp;
use std::sync::Arc;

/// The application's handles, cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// An application over `db` with `clock`.
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }

    /// The current time, to the microsecond (as stored, so that what an
    /// operation returns equals what is read back later).
    pub fn now(&self) -> Timestamp {
        let now = self.clock.now();
        candor_core::clock::from_micros(candor_core::clock::to_micros(now))
    }
}
