//! The end-to-end suite, one test binary: each file beside this one is a module of it.
//!
//! One binary instead of one per file: the suite links once (the 60 binaries it replaced each
//! linked the whole service, about a minute of a CI run), and nextest still runs every test in a
//! process of its own. A file beside this one that is not declared below would never run, so
//! `every_file_is_a_module` fails until it is.

mod account_shredding;
mod accounts;
mod applications;
mod attachment_sweep;
mod attachments;
mod audit_filters;
mod audit_timeline_pages;
mod authorization;
mod bad_input;
mod browser;
mod budget_invariant;
mod budget_totals;
mod change_approval;
mod concurrency;
mod coordinator;
mod crash;
mod crypto_shredding;
mod decisions;
mod demo;
mod directory;
mod discontinuation;
mod documents;
mod email_verification;
mod faults;
mod follow_up;
mod grant_life;
mod grant_read;
mod grant_withdrawal;
mod group_limits;
mod groups;
mod health;
mod help_contact;
mod hostile_input;
mod idempotency;
mod logs;
mod mail;
mod maximum_preview;
mod members;
mod notice_numbers;
mod notices_not_awarded;
mod openapi;
mod password_reset;
mod promotion;
mod public_pages;
mod read_models;
mod refund_surcharges;
mod register_errors;
mod release;
mod reminders;
mod report_files;
mod round_corrections;
mod screening_checks;
mod settlement_due;
mod snapshots;
mod staff_lists;
mod staff_search;
mod store;
mod store_repository;
mod totp;
mod two_instances;
mod verifiable_log;
mod web;
mod web_audit;
mod web_forms;
mod web_grants;
mod web_staff;
mod work_queue;
mod year_figures;

#[test]
fn every_file_is_a_module() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let declared = include_str!("main.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&here).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs") {
            if module != "main" && !declared.contains(&format!("\nmod {module};")) {
                missing.push(module.to_owned());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "declare these in tests/tests/main.rs: {missing:?}"
    );
}
