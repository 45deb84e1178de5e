//! What every operation needs: the database, the clock, the live-update hub
//! and the file store.

use crate::coach_rules::CoachCache;
use crate::files::FileStore;
use crate::live::Hub;
use crate::pact_cache::PactCache;
use candor_core::Clock;
use candor_store::Db;
use candor_store::secrets::SecretKey;
use jiff::Timestamp;
use std::sync::Arc;

/// The application's handles, cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// Live updates for connected browsers (and, on PostgreSQL, other nodes).
    pub live: Hub,
    /// Where attachments are kept.
    pub files: FileStore,
    /// The key that seals stored secrets (mailbox passwords); none until
    /// given with [`App::with_secret_key`].
    pub secret_key: Option<SecretKey>,
    /// Commitment versions (immutable, so kept) and the public figures (kept briefly).
    pub pact: PactCache,
    /// Each workspace's compiled coach rules.
    pub coach: CoachCache,
}

impl App {
    /// An application over `db` with `clock`; attachments are refused until
    /// a file store is given with [`App::with_files`].
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            clock,
            live: Hub::new(),
            files: FileStore::disabled(),
            secret_key: None,
            pact: PactCache::default(),
            coach: CoachCache::default(),
        }
    }

    /// The same application sealing stored secrets with `key`.
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// The same application keeping attachments in `files`.
    pub fn with_files(mut self, files: FileStore) -> Self {
        self.files = files;
        self
    }

    /// The current time, to the microsecond (as stored, so that what an
    /// operation returns equals what is read back later).
    pub fn now(&self) -> Timestamp {
        let now = self.clock.now();
        candor_core::clock::from_micros(candor_core::clock::to_micros(now))
    }
}
