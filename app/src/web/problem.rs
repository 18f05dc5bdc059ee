//! A use case's refusal or failure as the pages show it ([`Problem`]): the HTTP status the page
//! answers with (the same mapping as the API's, `crate::http::error::status`), the rule in Japanese
//! beside the field it names, and every field of a check that judged several at once.

use axum::http::StatusCode;

use crate::service::ServiceError;

/// A refusal or failure of a use case as a page shows it: the status it answers with, the rule
/// in Japanese and the fields it names.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The status the page answers with (the API's for the same refusal).
    pub status: StatusCode,
    /// The rule's code (`application.title_too_long`), as the API names it.
    pub code: String,
    /// The rule in Japanese, as the page shows it.
    pub detail_ja: String,
    /// The input field the rule names, if any.
    pub field: Option<String>,
    /// Every field refusal of a check that judged several fields at once (the answer's `errors`):
    /// the field, if any, and the rule in Japanese. Empty when the answer had none.
    pub errors: Vec<(Option<String>, String)>,
}

impl Problem {
    /// Whether the session behind the call has ended (expired or signed out).
    pub fn is_signed_out(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }

    /// The same refusal with the API's field names turned into a form's (`pairs` of `(api,
    /// form)`), for the field and for each of `errors`.
    pub fn renamed(&self, pairs: &[(&str, &str)]) -> Self {
        let rename = |field: &Option<String>| {
            field.as_ref().map(|field| {
                pairs
                    .iter()
                    .find(|(api, _)| api == field)
                    .map_or_else(|| field.clone(), |(_, ours)| (*ours).to_owned())
            })
        };
        let mut problem = self.clone();
        problem.field = rename(&self.field);
        for (field, _) in &mut problem.errors {
            *field = rename(field);
        }
        problem
    }
}

impl From<ServiceError> for Problem {
    fn from(error: ServiceError) -> Self {
        Problem {
            status: crate::http::error::status(error.kind),
            code: error.code.clone(),
            detail_ja: error.detail_ja.clone(),
            field: error.field.as_ref().map(|field| field.to_string()),
            errors: error
                .errors
                .iter()
                .flatten()
                .map(|one| (one.field.map(str::to_owned), one.message_ja.clone()))
                .collect(),
        }
    }
}
