//! Read models of the grants service, each a function of the event log.
//!
//! - [`event_log`]: the catch-up reader over the `events` table, in an order that never skips an event
//!   whose transaction commits late.
//! - [`pool`]: the two databases ([`LogPool`]) and a transaction on either ([`Tx`]).
//! - [`runner`]: the [`Projection`] trait and the [`Runner`] that advances projections with
//!   checkpoints, one instance at a time, and rebuilds them.
//! - [`checkpoint`]: how far each projection has read.
//! - [`awards`]: the public list of awarded projects (no personal data, rule 12).
//! - [`public`]: the awards list as the public downloads it: CSV and a 360Giving package.
//! - [`applications`]: the list of applications for staff, auditors and applicants.
//! - [`grant_ledger`]: per grant, what was decided, paid, finalised and is still owed.
//! - [`work_items`]: the change requests and runner-up offers waiting for an answer.
//! - [`directory`]: the rounds, memberships, awards and applications the command side looks up,
//!   answered exactly (rows plus the log after the checkpoint, in one snapshot).
//! - [`year_figures`]: the year's figures for the city's plan report, per fiscal year and course.
//! - `typed`: the domain's typed events from the log, through the domain's upcasters (the app's mail outbox reads them too).
//! - [`audit_chain`]: the auditors' SHA-256 hash chain over the log and its verification.
//! - [`canonical`]: the old canonical bytes of a JSON value, which the chain's version-1 links hash.
//! - [`merkle_store`]: the RFC 9162 Merkle tree over the chain, signed tree heads, proofs and the
//!   export auditors check with `grants-verify`.
//!
//! This crate reads the log and writes its own tables; it never appends events and knows nothing of
//! HTTP. The app wires it in (its `Database` converts into a [`LogPool`]).

pub mod applications;
pub mod audit_chain;
pub mod awards;
pub mod canonical;
pub mod checkpoint;
pub mod directory;
pub mod error;
pub mod event_log;
pub mod feed;
pub mod grant_ledger;
pub mod lag;
pub mod merkle_store;
pub mod pool;
pub mod public;
pub mod restamp;
pub mod runner;
mod shadow;
pub mod typed;
pub mod work_items;
pub mod year_figures;

pub use applications::{ApplicationRow, Applications};
pub use audit_chain::{verify, verify_signed, AuditChain, Verification};
pub use awards::Awards;
pub use checkpoint::Checkpoint;
pub use directory::Directory;
pub use error::{is_outage, ProjectionError};
pub use event_log::{Decode, EventLog, EventText, LogCursor, LoggedEvent, Reads};
pub use feed::Feed;
pub use grant_ledger::{GrantLedger, LedgerRow};
pub use pool::{LogPool, Tx, WriteGate};
pub use public::Publisher;
pub use restamp::{restamp, Restamped};
pub use runner::{BoxFuture, Projection, Runner, Step};
pub use year_figures::YearFigures;
