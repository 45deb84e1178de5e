//! What the Pact keeps in memory: commitment versions, which never change once
//! published (so a clock update reads its version once per process), and the
//! public figures and the whole public answer for a short while (every node
//! computes its own; they agree within [`FIGURES_TTL`]).

use crate::commitments::PublicView;
use crate::commitments_measure::Measured;
use candor_core::WorkspaceId;
use candor_core::commitments::Commitments;
use candor_store::staff::Workspace;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long computed public figures are served before they are computed again.
pub const FIGURES_TTL: SignedDuration = SignedDuration::from_secs(60);

/// Versions kept at most; beyond it the cache starts over (versions are small
/// and few, so this only bounds a pathological install).
const MAX_VERSIONS: usize = 10_000;

/// Commitment versions by workspace and number.
type Versions = HashMap<(WorkspaceId, i64), Arc<Commitments>>;
/// Figures by workspace, with when they were computed.
type Figures = HashMap<WorkspaceId, (Timestamp, Arc<Measured>)>;
/// Public answers by workspace slug.
type Answers = HashMap<String, Arc<PublicAnswer>>;

/// The public commitments of one workspace as served to anyone: the view for
/// the page and its JSON, serialised once.
#[derive(Debug)]
pub struct PublicAnswer {
    /// The workspace.
    pub workspace: Workspace,
    /// What the page shows.
    pub view: PublicView,
    /// The API's answer, `view` as JSON.
    pub json: bytes::Bytes,
    /// When it was computed.
    pub at: Timestamp,
}

/// The caches, cheap to clone (shared).
#[derive(Clone, Default)]
pub struct PactCache {
    versions: Arc<Mutex<Versions>>,
    figures: Arc<Mutex<Figures>>,
    answers: Arc<Mutex<Answers>>,
    /// Held while a public answer is computed, so that a crowd of requests
    /// arriving as the answer expires computes it once, not once each.
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl PactCache {
    /// A version seen before.
    pub fn version(&self, ws: WorkspaceId, version: i64) -> Option<Arc<Commitments>> {
        self.versions.lock().ok()?.get(&(ws, version)).cloned()
    }

    /// Keeps a version.
    pub fn keep_version(&self, ws: WorkspaceId, version: i64, c: Arc<Commitments>) {
        if let Ok(mut map) = self.versions.lock() {
            if map.len() >= MAX_VERSIONS {
                map.clear();
            }
            map.insert((ws, version), c);
        }
    }

    /// Figures computed less than [`FIGURES_TTL`] before `now`.
    pub fn figures(&self, ws: WorkspaceId, now: Timestamp) -> Option<Arc<Measured>> {
        let map = self.figures.lock().ok()?;
        let (at, value) = map.get(&ws)?;
        let age = now.duration_since(*at);
        (age >= SignedDuration::ZERO && age < FIGURES_TTL).then(|| value.clone())
    }

    /// Keeps figures computed at `at`.
    pub fn keep_figures(&self, ws: WorkspaceId, at: Timestamp, value: Arc<Measured>) {
        if let Ok(mut map) = self.figures.lock() {
            map.insert(ws, (at, value));
        }
    }

    /// Forgets a workspace's figures and public answer (after a change this
    /// process made that the public should see at once, such as newly
    /// published commitments).
    pub fn forget_figures(&self, ws: WorkspaceId) {
        if let Ok(mut map) = self.figures.lock() {
            map.remove(&ws);
        }
        if let Ok(mut map) = self.answers.lock() {
            map.retain(|_, a| a.workspace.id != ws);
        }
    }

    /// The public answer for a slug, computed less than [`FIGURES_TTL`]
    /// before `now`.
    pub fn answer(&self, slug: &str, now: Timestamp) -> Option<Arc<PublicAnswer>> {
        let map = self.answers.lock().ok()?;
        let answer = map.get(slug)?;
        let age = now.duration_since(answer.at);
        (age >= SignedDuration::ZERO && age < FIGURES_TTL).then(|| answer.clone())
    }

    /// Keeps a public answer under its workspace's slug.
    pub fn keep_answer(&self, answer: Arc<PublicAnswer>) {
        if let Ok(mut map) = self.answers.lock() {
            if map.len() >= MAX_VERSIONS {
                map.clear();
            }
            map.insert(answer.workspace.slug.clone(), answer);
        }
    }

    /// Waits for the right to compute a public answer (see `computing`).
    pub async fn computing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.computing.lock().await
    }
}
