//! Candor's benchmark harness.
//!
//! One run (`scripts/bench`, which calls `candor-bench run`) does, for each
//! backend (SQLite, PostgreSQL):
//!
//! 1. creates a fresh database and runs `candor migrate` on it;
//! 2. generates the data set with the steps of [`datagen::STEPS`];
//! 3. starts `candor serve` and the **ceiling server** (`candor-ceiling`, the
//!    smallest axum + sqlx program doing the bare version of each scenario on
//!    the same database settings) on loopback ports;
//! 4. drives every scenario of [`scenarios::SCENARIOS`] with wrk at each
//!    connection count: a warm-up, then the measured run;
//! 5. stops both servers with SIGTERM and drops the database.
//!
//! Every Candor scenario is reported beside the ceiling scenario it is
//! compared with, as a ratio of throughputs measured in the same run. The
//! machines are shared, so absolute figures move between runs; the ratios
//! are what to compare over time. `docs/benchmarks.md` explains the fields.
//!
//! # Adding a scenario
//!
//! Add one entry to [`scenarios::SCENARIOS`]:
//!
//! ```text
//! Scenario {
//!     name: "customer-lookup",
//!     target: Target::Candor,
//!     method: "GET",
//!     path: "/api/v1/customers/{customer_id}",
//!     body: None,
//!     headers: AUTH,
//!     expect: 200,
//!     compare: Some("row"),
//!     about: "one customer by id: token lookup + one read",
//! },
//! ```
//!
//! Templates (path, body, header values) take placeholders in braces:
//! `{seq}` is a number counting up per wrk thread; any other name is looked up
//! in the data set's [`datagen::Seed`]: a fixed value (`{token}`) is written
//! into the request once, a pool (`{row_id}`, `{customer_id}`) is drawn at
//! random for every request. `compare` names the ceiling scenario whose
//! throughput is the denominator of the ratio (`insert`, `newest`, `row`), or
//! `None` when nothing bare matches. `expect` is the status a correct answer
//! has; each scenario is probed once before it is measured and the run
//! stops if the answer differs, so a figure is never a figure of errors.
//!
//! # Adding a data generator step
//!
//! Add a function and one entry to [`datagen::STEPS`]:
//!
//! ```text
//! fn customers(g: &mut Gen) -> StepFuture<'_> {
//!     Box::pin(async move {
//!         let ws = g.seed.workspace_id;
//!         let n = g.scale.customers;
//!         let mut ids = Vec::new();
//!         let rows = (0..n).map(|i| { let id = g.id_at(i); ids.push(id); vec![V::Uuid(ws), V::Uuid(id), …] });
//!         g.insert("customers", &["workspace_id", "id", …], rows).await?;
//!         g.seed.pool("customer_id", Pool::sample(ids));
//!         Ok(())
//!     })
//! }
//! ```
//!
//! and its size to [`datagen::Scale`] (small and full). [`datagen::Gen::insert`]
//! writes rows in multi-row `INSERT`s inside one transaction, on either
//! backend, from one code path. Steps run in order; a later step reads what an
//! earlier one left in the seed (the workspace, the owner, sampled ids).

pub mod bulk;
pub mod buying;
pub mod ceiling_schema;
pub mod chat;
pub mod cli;
pub mod clocks;
pub mod community;
pub mod database;
pub mod datagen;
pub mod forum_mail;
pub mod forum_texts;
pub mod inbox;
pub mod ledger;
pub mod lua;
pub mod machine;
pub mod pact;
pub mod people;
pub mod probe;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenarios;
pub mod seed;
pub mod server;
pub mod signins;
pub mod targets;
pub mod terms;
pub mod texts;
pub mod topics;
pub mod trust_rebuild;
pub mod wrk;
