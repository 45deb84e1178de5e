//! A real headless Chromium for page tests, driven over WebDriver.
//!
//! [`Browser::start`] runs Debian's `/usr/bin/chromedriver` on a free loopback
//! port and opens a session of `/usr/bin/chromium` with a fresh profile;
//! [`Browser::second`] opens another, fully independent one (its own profile
//! and cookies) on the same driver, for flows between two people. Nothing is
//! downloaded: without the packages a test fails and says to run
//! `scripts/test`, which installs them.
//!
//! The WebDriver client is [`fantoccini`] rather than `thirtyfour`: both are
//! maintained, but fantoccini is the smaller and older of the two, speaks
//! plain W3C WebDriver, and with its default features off needs neither TLS
//! nor anything beyond hyper, while thirtyfour's defaults bring a manager that
//! downloads drivers and browsers, which tests here must never do.
//!
//! Every helper waits for what it needs (polling, [`DEFAULT_WAIT`] by
//! default) and its error shows the page's address, a snippet of its text and
//! where a screenshot of it was saved. Tests return `Result<(), PageError>`
//! and use `?`.

use super::TestServer;
use super::driver::{Driver, capabilities, chromedriver, delete_session, start_driver};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long helpers wait for an element or a text by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);
pub(super) const POLL: Duration = Duration::from_millis(50);

/// Why a browser step failed, with what the page showed at that moment.
pub struct PageError(String);

impl PageError {
    pub(super) fn plain(message: impl Into<String>) -> Self {
        PageError(message.into())
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// A test returning Err prints the Debug form: keep it readable.
impl fmt::Debug for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PageError {}

/// What browser helpers return.
pub type PageResult<T> = Result<T, PageError>;

/// One headless Chromium session with its own profile.
pub struct Browser {
    client: Client,
    session: String,
    driver: Arc<Driver>,
    _profile: tempfile::TempDir,
    /// How long helpers wait; [`DEFAULT_WAIT`] unless changed.
    pub wait: Duration,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session makes chromedriver quit Chromium cleanly. Drop
        // cannot await, so this is a short blocking request on loopback.
        delete_session(self.driver.port, &self.session);
    }
}

/// A counter so screenshots of failures in one process get distinct names.
static SHOTS: AtomicU32 = AtomicU32::new(0);

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a new profile.
    pub async fn start() -> PageResult<Browser> {
        Browser::start_with(&chromedriver()).await
    }

    /// Like [`Browser::start`], with the chromedriver at `program`.
    pub async fn start_with(program: &str) -> PageResult<Browser> {
        let driver = Arc::new(start_driver(program).await?);
        Browser::open(driver).await
    }

    /// Another, independent browser (own profile, own cookies) on the same
    /// driver: the second person in a two-person flow.
    pub async fn second(&self) -> PageResult<Browser> {
        Browser::open(self.driver.clone()).await
    }

    async fn open(driver: Arc<Driver>) -> PageResult<Browser> {
        let profile = tempfile::Builder::new()
            .prefix("candor-chromium-")
            .tempdir()
            .map_err(|e| PageError::plain(format!("profile directory: {e}")))?;
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(profile.path()))
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .map_err(|e| PageError::plain(format!("Chromium did not start a session: {e}")))?;
        let session = match client.session_id().await {
            Ok(Some(id)) => id,
            other => {
                let _ = client.close().await;
                return Err(PageError::plain(format!("no WebDriver session id: {other:?}")));
            }
        };
        Ok(Browser {
            client,
            session,
            driver,
            _profile: profile,
            wait: DEFAULT_WAIT,
        })
    }

    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// An error about the current page: `what`, the page's address, a
    /// snippet of its text, and where its screenshot was saved.
    pub async fn fail(&self, what: &str) -> PageError {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("(unknown: {e})"));
        let text = self.body_text().await.unwrap_or_default();
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let snippet: String = text.chars().take(600).collect();
        let more = if text.chars().count() > 600 { "…" } else { "" };
        let n = SHOTS.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("candor-browser-{}-{n}.png", std::process::id()));
        let shot = match self.screenshot(&path).await {
            Ok(()) => path.display().to_string(),
            Err(e) => format!("none ({e})"),
        };
        PageError(format!(
            "{what}\n  page: {url}\n  text: {snippet}{more}\n  screenshot: {shot}"
        ))
    }

    async fn body_text(&self) -> Option<String> {
        let body = self.client.find(Locator::Css("body")).await.ok()?;
        body.text().await.ok()
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) -> PageResult<()> {
        match self.client.goto(url).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(&format!("could not open {url}: {e}")).await),
        }
    }

    /// The page's address now.
    pub async fn url(&self) -> PageResult<String> {
        match self.client.current_url().await {
            Ok(u) => Ok(u.to_string()),
            Err(e) => Err(PageError::plain(format!("no current address: {e}"))),
        }
    }

    /// The path (with query) of the page's address now.
    pub async fn path(&self) -> PageResult<String> {
        match self.client.current_url().await {
            Ok(u) => Ok(match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            }),
            Err(e) => Err(PageError::plain(format!("no current address: {e}"))),
        }
    }

    /// Waits for an element matching `css` to be on the page.
    pub async fn wait_for(&self, css: &str) -> PageResult<fantoccini::elements::Element> {
        let deadline = Instant::now() + self.wait;
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return Ok(e);
            }
            if Instant::now() >= deadline {
                return Err(self
                    .fail(&format!("no element matches `{css}` after {:?}", self.wait))
                    .await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until an element matching `css` contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> PageResult<()> {
        let deadline = Instant::now() + self.wait;
        loop {
            if self.texts(css).await.iter().any(|t| t.contains(text)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let seen = self.texts(css).await;
                return Err(self
                    .fail(&format!(
                        "no `{css}` contains {text:?} after {:?}; `{css}` shows {seen:?}",
                        self.wait
                    ))
                    .await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The texts of every element matching `css` now (no waiting).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(all) = self.client.find_all(Locator::Css(css)).await {
            for e in all {
                if let Ok(t) = e.text().await {
                    out.push(t);
                }
            }
        }
        out
    }

    /// The visible text of the first element matching `css`, once there.
    pub async fn text(&self, css: &str) -> PageResult<String> {
        let e = self.wait_for(css).await?;
        match e.text().await {
            Ok(t) => Ok(t),
            Err(e) => Err(self.fail(&format!("cannot read the text of `{css}`: {e}")).await),
        }
    }

    /// The value of the form field matching `css`, once there.
    pub async fn value(&self, css: &str) -> PageResult<String> {
        let e = self.wait_for(css).await?;
        match e.prop("value").await {
            Ok(v) => Ok(v.unwrap_or_default()),
            Err(e) => Err(self.fail(&format!("cannot read the value of `{css}`: {e}")).await),
        }
    }

    /// The attribute `name` of the first element matching `css`, once there.
    pub async fn attr(&self, css: &str, name: &str) -> PageResult<Option<String>> {
        let e = self.wait_for(css).await?;
        match e.attr(name).await {
            Ok(v) => Ok(v),
            Err(e) => Err(self.fail(&format!("cannot read `{name}` of `{css}`: {e}")).await),
        }
    }

    /// Types `text` into the field matching `css`, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) -> PageResult<()> {
        let e = self.wait_for(css).await?;
        if let Err(err) = e.clear().await {
            return Err(self.fail(&format!("cannot clear `{css}`: {err}")).await);
        }
        match e.send_keys(text).await {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(&format!("cannot type into `{css}`: {err}")).await),
        }
    }

    /// Clicks the element matching `css`, once there.
    pub async fn click(&self, css: &str) -> PageResult<()> {
        let e = self.wait_for(css).await?;
        match e.click().await {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(&format!("cannot click `{css}`: {err}")).await),
        }
    }

    /// Clicks the element matching `css` (a submit button or a link) and
    /// waits until the page it leads to has loaded.
    pub async fn submit(&self, css: &str) -> PageResult<()> {
        let e = self.wait_for(css).await?;
        // A mark on the current document; a new page does not have it.
        if let Err(err) = self.client.execute("window.__candorOld = true;", vec![]).await {
            return Err(self.fail(&format!("cannot mark the page: {err}")).await);
        }
        if let Err(err) = e.click().await {
            return Err(self.fail(&format!("cannot click `{css}`: {err}")).await);
        }
        let deadline = Instant::now() + self.wait;
        loop {
            let loaded = self
                .client
                .execute(
                    "return window.__candorOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self
                    .fail(&format!("clicking `{css}` led to no new page within {:?}", self.wait))
                    .await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Presses `keys` one after another on whatever has the focus (the page
    /// itself when no field has it), as someone using shortcuts would.
    /// Special keys are [`fantoccini::key::Key`] values as chars.
    pub async fn press(&self, keys: &str) -> PageResult<()> {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".to_string());
        for c in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        match self.client.perform_actions(actions).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(&format!("cannot press {keys:?}: {e}")).await),
        }
    }

    /// Chooses the files at `paths` in the file field matching `css`.
    pub async fn choose_files(&self, css: &str, paths: &[&Path]) -> PageResult<()> {
        let e = self.wait_for(css).await?;
        let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        match e.send_keys(&list.join("\n")).await {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(&format!("cannot choose {list:?} in `{css}`: {err}")).await),
        }
    }

    /// Waits until the JavaScript expression `condition` is true on the
    /// page; `what` says what it means in the error.
    pub async fn wait_until(&self, what: &str, condition: &str) -> PageResult<()> {
        let script = format!("return !!({condition});");
        let deadline = Instant::now() + self.wait;
        loop {
            if matches!(self.client.execute(&script, vec![]).await, Ok(Value::Bool(true))) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self
                    .fail(&format!("{what}: `{condition}` was not true after {:?}", self.wait))
                    .await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs the JavaScript `script` (a function body with `return`) and
    /// gives its answer.
    pub async fn eval(&self, script: &str) -> PageResult<Value> {
        match self.client.execute(script, vec![]).await {
            Ok(v) => Ok(v),
            Err(e) => Err(self.fail(&format!("the script failed: {e}")).await),
        }
    }

    /// Signs in through the real form at /login and checks that it worked.
    pub async fn sign_in(&self, server: &TestServer, email: &str, password: &str) -> PageResult<()> {
        self.goto(&server.url("/login")).await?;
        self.fill("#email", email).await?;
        self.fill("#password", password).await?;
        self.submit("main form button[type=submit]").await?;
        if self.client.find(Locator::Css("header form.whoami")).await.is_err() {
            return Err(self.fail(&format!("signing in as {email} did not work")).await);
        }
        Ok(())
    }

    /// Saves a PNG screenshot of the page to `path`.
    pub async fn screenshot(&self, path: &Path) -> PageResult<()> {
        let png = self
            .client
            .screenshot()
            .await
            .map_err(|e| PageError::plain(format!("screenshot failed: {e}")))?;
        std::fs::write(path, png).map_err(|e| PageError::plain(format!("cannot write {}: {e}", path.display())))
    }

    /// Saves a screenshot named `name`.png in the system's temporary
    /// directory and returns its path (handy while writing a test).
    pub async fn snapshot(&self, name: &str) -> PageResult<PathBuf> {
        let path = std::env::temp_dir().join(format!("{name}.png"));
        self.screenshot(&path).await?;
        Ok(path)
    }
}
