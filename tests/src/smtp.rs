//! The SMTP sink that `scripts/test` starts (scripts/lib/smtp_sink.sh): aiosmtpd writing every
//! message it accepts as JSON into `GRANTS_TEST_SMTP_DIR`. Tests share it; each gives its accounts
//! addresses of their own and counts only the mails to those.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::{spawn_app_with, Backend, TestApp};

/// The sink's port and directory, as `scripts/test` exports them.
pub fn sink() -> (u16, PathBuf) {
    let port = std::env::var("GRANTS_TEST_SMTP_PORT").expect(
        "GRANTS_TEST_SMTP_PORT is not set: run the tests with scripts/test, which starts the SMTP sink",
    );
    let dir = std::env::var("GRANTS_TEST_SMTP_DIR").expect("GRANTS_TEST_SMTP_DIR is set");
    (port.parse().expect("a port"), PathBuf::from(dir))
}

/// A service whose mails go over SMTP to the sink, with links to `https://grants.example.jp`.
pub async fn app_mailing_to_the_sink(backend: Backend) -> TestApp {
    app_mailing_to(backend, sink().0).await
}

/// A service whose mails go over SMTP to 127.0.0.1:`port` (the sink's, or a port a test brings
/// up and down), with links to `https://grants.example.jp`.
pub async fn app_mailing_to(backend: Backend, port: u16) -> TestApp {
    spawn_app_with(backend, |config| {
        config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        config.mail.public_url = "https://grants.example.jp".into();
    })
    .await
}

/// A fresh address no other test uses.
pub fn fresh_address(prefix: &str) -> String {
    format!("{prefix}-{}@example.jp", uuid::Uuid::new_v4().simple())
}

/// Every message the sink holds for `address`.
pub fn mails_to(address: &str) -> Vec<Value> {
    let (_, dir) = sink();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(|mail| {
            mail["rcpt_tos"]
                .as_array()
                .is_some_and(|to| to.iter().any(|to| to == address))
        })
        .collect()
}

/// Waits until the sink holds `count` messages for `address` (at most 20 s), and returns them.
pub async fn wait_for_mails(address: &str, count: usize) -> Vec<Value> {
    for _ in 0..200 {
        let mails = mails_to(address);
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{address} did not receive {count} mail(s); got {}",
        mails_to(address).len()
    );
}

/// The subjects of `address`'s mails, sorted.
pub fn subjects_to(address: &str) -> Vec<String> {
    let mut subjects: Vec<String> = mails_to(address)
        .iter()
        .filter_map(|mail| mail["subject"].as_str().map(str::to_owned))
        .collect();
    subjects.sort();
    subjects
}
