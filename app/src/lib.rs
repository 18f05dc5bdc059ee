//! The grants service: HTTP API, event store wiring and command line on top of `grants-domain`.
//!
//! - [`config`]: flags and environment; [`cli`]: the `grants` commands; [`startup`]: building and
//!   running the service;
//! - [`db`]: SQLite or PostgreSQL, and our migrations; [`store`]: running commands against the
//!   event-sourced aggregates;
//! - [`service`]: what every adapter shares below HTTP (its one error type, loading aggregates);
//! - [`http`]: the router, its extractors and the one error mapping;
//! - [`web`]: the Japanese HTML pages, which call the API in-process;
//! - [`auth`]: sign-in, sessions, throttles, password reset links and e-mail verification;
//! - [`mail`]: the outbox, reminders and the sender; [`clock`]: the injected clock.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod blob_sweep;
pub mod blobs;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;

/// Runs the same sqlx expression on whichever pool a [`db::Database`] holds
/// (`grants_projections::on_pool!`): our SQL uses `$1`-style parameters, which both backends accept.
pub use grants_projections::on_pool as with_pool;
pub mod demo;
pub mod documents;
pub mod follow_up;
pub mod http;
pub mod mail;
pub mod notice;
pub mod personal;
pub mod policy;
pub mod process;
pub mod queries;
pub mod router;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tree_heads;
pub mod web;

/// The process managers that follow the log in the background (`startup`), by the name of their
/// checkpoint in `projection_checkpoints`: `/metrics` reports how far each trails the log. A new
/// follower spawned in `startup` belongs here too.
pub const FOLLOWERS: [&str; 6] = [
    follow_up::NAME,
    process::release::NAME,
    process::change::NAME,
    documents::issue::NAME,
    mail::outbox::NAME,
    mail::reminders::NAME,
];
