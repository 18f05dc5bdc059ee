//! Operations endpoints answer on both backends, and unknown paths get problem+json.

use grants_tests::{on_both_backends, TestApp};

on_both_backends!(liveness_and_readiness, |app: TestApp| async move {
    let live = app.get("/healthz").await;
    assert_eq!(live.status, 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "{:?}", ready.body);
    assert_eq!(ready.body["migrations"], "applied");
});

on_both_backends!(unknown_paths_are_404_problems, |app: TestApp| async move {
    let answer = app.get("/api/v1/no-such-thing").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.body["status"], 404);
});
