//! Helpers for the tests of the official documents (issue 17): a PDF's text as `pdftotext`
//! (poppler-utils, installed by `scripts/test`) reads it, the document a list names once the
//! documents process has issued it, and a download with its status and media type.

use reqwest::Method;
use serde_json::Value;

use crate::TestApp;

/// The text of a PDF as `pdftotext` reads it, without white space (a layout may space characters).
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, bytes).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed: scripts/test installs it");
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Asserts that `text` (as [`pdf_text`] gives it) says each of `expected`, white space aside.
pub fn assert_says(text: &str, expected: &[&str]) {
    for needle in expected {
        let needle: String = needle.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&needle), "{needle:?} not in {text}");
    }
}

/// The document of `kind` in the list at `path`, once the documents process has issued it.
pub async fn issued(app: &TestApp, path: &str, token: &str, kind: &str) -> Value {
    for _ in 0..200 {
        let list = app.call(Method::GET, path, token, None, 200).await;
        if let Some(found) = list["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|document| document["kind"] == kind)
        {
            return found.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no {kind} was issued at {path}");
}

/// `path` downloaded with `token`: the status, the bytes and the media type.
pub async fn download(app: &TestApp, path: &str, token: &str) -> (u16, Vec<u8>, String) {
    let answer = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let media = answer
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, answer.bytes().await.unwrap().to_vec(), media)
}
