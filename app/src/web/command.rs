//! The pages' commands through the service layer: a use case run as the session's caller, once per
//! form submission ([`Web::once`]).
//!
//! A form carries a one-time id (`_form`), so a submission posted twice (a double click, a reload,
//! a retry after a broken connection) names the same key. The key is claimed below HTTP
//! ([`crate::service::idempotency`]), exactly as the API's `Idempotency-Key` is: the second post
//! replays the first one's outcome, waits while it runs, or resumes its attempt when its outcome
//! is unknown, so that the command is appended once. The outcome stored is the page's: the use
//! case's typed answer, or its refusal as the page shows it. A failure of ours is not stored; the
//! key is given back, so the next post resumes at once.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::service::idempotency::{hex_digest, Claim, Claimed, Stored};
use crate::service::{CommandContext, ErrorKind, ServiceError};
use crate::store::Attempt;
use crate::web::form::FormData;
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::Web;

/// The outcome code a page stores for an answer (refusals store their HTTP status).
const ANSWERED: i32 = 200;

/// A page's command: its path, the fields posted and the step of the form's submission.
pub struct PageCommand<'a> {
    /// The page's route the form posts to (`/grants/{id}/advance`).
    pub path: &'a str,
    /// The form as posted; its one-time id and the fields typed make the key and the fingerprint.
    pub form: &'a FormData,
    /// Which of the submission's commands this is (a form that saves then submits runs two).
    pub step: &'a str,
}

/// A refusal as stored for replay.
#[derive(Serialize, Deserialize)]
struct StoredProblem {
    status: u16,
    code: String,
    detail_ja: String,
    field: Option<String>,
    errors: Vec<(Option<String>, String)>,
}

impl Web {
    /// Runs `use_case` as the caller signed in under `token`, once per submission of `command`'s
    /// form: a repeat gets the first outcome. A form without a well-formed one-time id runs as is.
    pub async fn once<T, F, Fut>(
        &self,
        token: &str,
        command: PageCommand<'_>,
        use_case: F,
    ) -> Result<T, Problem>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Actor, CommandContext) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>>,
    {
        let actor = self.caller(token).await?;
        // The pages' keys are their own: a page and an API client never share one.
        let scope = hex_digest(&[b"page", token.as_bytes()]);
        self.claimed(scope, command, |context| use_case(actor, context))
            .await
    }

    /// [`Web::once`] for a form sent before signing in (self-registration): the key is scoped to
    /// the browser's visitor cookie instead of a session.
    pub async fn once_signed_out<T, F, Fut>(
        &self,
        visitor: &Visitor,
        command: PageCommand<'_>,
        use_case: F,
    ) -> Result<T, Problem>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(CommandContext) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>>,
    {
        let scope = hex_digest(&[b"visitor", visitor.visitor_secret().as_bytes()]);
        self.claimed(scope, command, use_case).await
    }

    /// Runs `run` once per submission of `command`'s form under `scope`.
    async fn claimed<T, F, Fut>(
        &self,
        scope: String,
        command: PageCommand<'_>,
        run: F,
    ) -> Result<T, Problem>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(CommandContext) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>>,
    {
        let key = command.form.idempotency_key(command.step);
        let context = |attempt: Option<Attempt>| CommandContext {
            request_id: String::new(),
            idempotency_key: key.clone(),
            now: self.state.clock.now(),
            attempt,
        };
        let Some(key) = key.clone() else {
            return Ok(run(context(None)).await?);
        };
        let claim = Claim::new(&self.state.db, scope, key, fingerprint(&command));
        let attempt = match claim.take().await? {
            Claimed::Run(attempt) => attempt,
            Claimed::Answered(stored) => return replay(&stored),
        };
        let outcome = match run(context(Some(attempt.clone()))).await {
            Err(error) if matches!(error.kind, ErrorKind::Internal | ErrorKind::Unavailable) => {
                // The outcome is unknown: the next post resumes this attempt at once.
                claim.give_back(&attempt).await;
                return Err(error.into());
            }
            outcome => outcome.map_err(Problem::from),
        };
        let (code, record) = match &outcome {
            Ok(answer) => (ANSWERED, serde_json::to_string(answer)),
            Err(problem) => (
                i32::from(problem.status.as_u16()),
                serde_json::to_string(&StoredProblem::of(problem)),
            ),
        };
        match record {
            // As in the API: an outcome the key does not keep is not shown (`Claim::keep`).
            Ok(record) => {
                if let Some(stored) = claim.keep(&attempt, code, &record).await? {
                    return replay(&stored);
                }
            }
            Err(error) => tracing::error!(%error, "could not record a page's outcome"),
        }
        outcome
    }
}

/// Fields whose values are secrets, left out of the fingerprint: it is a fast hash kept in
/// `idempotency_keys`, and over a password it would let whoever reads the table test guesses at
/// SHA-256 speed instead of the password hash's. The key is the form's one-time id, so only a
/// repost of the same form (the page renders a new id with each answer) meets the first outcome.
const SECRET_FIELDS: [&str; 1] = ["password"];

/// What makes two posts under one key the same submission: the path, the step and the fields
/// typed (the guard's own fields and the secrets left out).
fn fingerprint(command: &PageCommand<'_>) -> String {
    let typed = command.form.typed();
    let mut parts: Vec<&[u8]> = vec![command.path.as_bytes(), command.step.as_bytes()];
    for (name, value) in &typed.0 {
        if SECRET_FIELDS.contains(&name.as_str()) {
            continue;
        }
        parts.push(name.as_bytes());
        parts.push(value.as_bytes());
    }
    hex_digest(&parts)
}

/// The stored outcome of an earlier post of the same submission.
fn replay<T: DeserializeOwned>(stored: &Stored) -> Result<T, Problem> {
    if stored.outcome == ANSWERED {
        return serde_json::from_str(&stored.record)
            .map_err(|error| Problem::from(ServiceError::internal(error)));
    }
    let problem: StoredProblem = serde_json::from_str(&stored.record)
        .map_err(|error| Problem::from(ServiceError::internal(error)))?;
    Err(problem.into())
}

impl StoredProblem {
    fn of(problem: &Problem) -> Self {
        StoredProblem {
            status: problem.status.as_u16(),
            code: problem.code.clone(),
            detail_ja: problem.detail_ja.clone(),
            field: problem.field.clone(),
            errors: problem.errors.clone(),
        }
    }
}

impl From<StoredProblem> for Problem {
    fn from(stored: StoredProblem) -> Self {
        Problem {
            status: axum::http::StatusCode::from_u16(stored.status)
                .unwrap_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY),
            code: stored.code,
            detail_ja: stored.detail_ja,
            field: stored.field,
            errors: stored.errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fingerprint, PageCommand};
    use crate::web::form::FormData;

    fn posted(fields: &[(&str, &str)]) -> FormData {
        FormData(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    /// Given two posts of one form that differ only in the password, their fingerprints are the
    /// same: nothing derived from a password is kept. Any other field still tells them apart.
    #[test]
    fn a_password_never_reaches_the_fingerprint() {
        let command = |form| PageCommand {
            path: "/register",
            form,
            step: "register",
        };
        let one = posted(&[("email", "a@example.jp"), ("password", "correct horse 1")]);
        let other = posted(&[("email", "a@example.jp"), ("password", "battery staple 2")]);
        let elsewhere = posted(&[("email", "b@example.jp"), ("password", "correct horse 1")]);
        assert_eq!(fingerprint(&command(&one)), fingerprint(&command(&other)));
        assert_ne!(
            fingerprint(&command(&one)),
            fingerprint(&command(&elsewhere))
        );
    }
}
