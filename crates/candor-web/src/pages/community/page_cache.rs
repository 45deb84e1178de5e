//! Rendered topic pages for readers who are not signed in. A popular topic is
//! read far more often than it changes, and its page is the same for every
//! anonymous reader, so each node keeps the bytes it rendered together with
//! the page's entity tag. The tag is built from the topic's `updated_at`,
//! which every change to a topic moves (replies, status, counts, moderation),
//! so a request still reads the topic row and serves the kept bytes only when
//! the tag is unchanged: a change on another node is seen at once. Changes
//! that do not touch the topic (a workspace renamed) show within [`MAX_AGE`].

use bytes::Bytes;
use candor_core::community::TopicId;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a kept page is served at most.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Bytes of pages kept per process.
const CAPACITY_BYTES: u64 = 32 * 1024 * 1024;

/// Pages expected in the cache, for its initial sizing (about 20 KB each).
const EXPECTED_PAGES: usize = 1_600;

/// One rendered page.
#[derive(Clone)]
pub struct KeptPage {
    /// The entity tag the page was rendered for.
    pub etag: String,
    /// When it was rendered.
    pub rendered: Instant,
    /// The HTML.
    pub body: Bytes,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<TopicId, Arc<KeptPage>> for ByLength {
    fn weight(&self, _topic: &TopicId, page: &Arc<KeptPage>) -> u64 {
        // Never zero: quick_cache never evicts an entry that weighs nothing.
        page.body.len() as u64 + page.etag.len() as u64 + 64
    }
}

/// The kept pages, cheap to clone (shared).
#[derive(Clone)]
pub struct TopicPages {
    pages: Arc<Cache<TopicId, Arc<KeptPage>, ByLength>>,
}

impl Default for TopicPages {
    fn default() -> Self {
        Self {
            pages: Arc::new(Cache::with_weighter(EXPECTED_PAGES, CAPACITY_BYTES, ByLength)),
        }
    }
}

impl TopicPages {
    /// The page kept for `topic` if it was rendered for `etag` less than
    /// [`MAX_AGE`] ago.
    pub fn fresh(&self, topic: TopicId, etag: &str) -> Option<Bytes> {
        let page = self.pages.get(&topic)?;
        (page.etag == etag && page.rendered.elapsed() < MAX_AGE).then(|| page.body.clone())
    }

    /// Keeps a page rendered for `etag`.
    pub fn keep(&self, topic: TopicId, etag: &str, body: Bytes) {
        self.pages.insert(
            topic,
            Arc::new(KeptPage {
                etag: etag.to_string(),
                rendered: Instant::now(),
                body,
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_only_for_the_tag_it_was_rendered_for() {
        let pages = TopicPages::default();
        let topic = TopicId::from_uuid(uuid::Uuid::new_v4());
        assert!(pages.fresh(topic, "W/\"a-1\"").is_none());
        pages.keep(topic, "W/\"a-1\"", Bytes::from_static(b"<p>one</p>"));
        assert_eq!(pages.fresh(topic, "W/\"a-1\"").as_deref(), Some(&b"<p>one</p>"[..]));
        assert!(
            pages.fresh(topic, "W/\"a-2\"").is_none(),
            "a changed topic is rendered again"
        );
        assert!(
            pages
                .fresh(TopicId::from_uuid(uuid::Uuid::new_v4()), "W/\"a-1\"")
                .is_none()
        );
    }

    #[test]
    fn the_cache_stays_within_its_byte_budget() {
        let pages = TopicPages::default();
        let big = Bytes::from(vec![b'x'; 1024 * 1024]);
        let topics: Vec<TopicId> = (0..64).map(|_| TopicId::from_uuid(uuid::Uuid::new_v4())).collect();
        for t in &topics {
            pages.keep(*t, "W/\"t\"", big.clone());
        }
        let kept = topics.iter().filter(|t| pages.fresh(**t, "W/\"t\"").is_some()).count();
        assert!(kept > 0, "recent pages are kept");
        assert!(
            kept <= 32,
            "no more than 32 MB of pages are kept, kept {kept} of 1 MB each"
        );
    }
}
