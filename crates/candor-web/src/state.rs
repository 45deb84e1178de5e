//! What every handler can reach.

use crate::pages::community::page_cache::TopicPages;
use candor_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Settings of the web layer, passed in by the binary.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// The public base URL (e.g. https://support.example.com), used in links
    /// and to decide whether cookies are marked Secure.
    pub public_url: Option<String>,
    /// Show customers' sign-in links on the page (local demos only; never in
    /// production, where the link must only reach the address's owner).
    pub dev_show_links: bool,
}

impl WebConfig {
    /// Whether Candor is served over TLS (then cookies carry Secure).
    pub fn behind_tls(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

/// Shared state of the web layer.
#[derive(Clone)]
pub struct WebState {
    /// Operations, database and clock.
    pub app: App,
    /// Settings.
    pub config: WebConfig,
    /// The Prometheus registry.
    pub metrics: PrometheusHandle,
    /// Topic pages rendered for readers who are not signed in.
    pub topic_pages: TopicPages,
    /// The chat's per-node limits (sockets per address, message rate).
    pub chat: crate::chat::ChatLimits,
}

impl WebState {
    /// State over `app` with `config`.
    pub fn new(app: App, config: WebConfig) -> Self {
        Self {
            app,
            config,
            metrics: metrics_handle(),
            topic_pages: TopicPages::default(),
            chat: crate::chat::ChatLimits::default(),
        }
    }
}

/// The process's metrics recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            let builder = PrometheusBuilder::new();
            let builder = builder
                .set_buckets(&buckets)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may be installed already (tests start many apps).
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
