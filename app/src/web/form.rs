//! Posted forms: their fields, the errors to show beside them, and the guard every POST passes
//! before it may act (CSRF token, live session, or signing in again without losing what was typed).
//!
//! Not for: checking the typed values. The API route behind the form does that, judging every field
//! at once, and each of its refusals (the answer's `errors`) is shown next to the field it names.

use std::collections::BTreeMap;

use super::csrf::{random_hex, Binding};
use super::problem::Problem;
use super::session::{User, Visitor};
use super::Web;

/// The most a posted form may hold, in bytes. Far above the API's JSON limit
/// (`http::BODY_LIMIT_BYTES`): a browser sends each Japanese character as nine bytes
/// (`%E3%81%82`), and a text over its length must reach the API to be refused beside its field
/// with what was typed shown again (issue 15, finding 4).
pub const PAGE_FORM_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// A posted form (`application/x-www-form-urlencoded`) read under [`PAGE_FORM_LIMIT_BYTES`]. A
/// larger one, or one that cannot be read, is answered with a Japanese page that says what
/// happened ([`super::form_refused`]), never with a framework's English text.
pub struct PageForm(pub Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for PageForm {
    type Rejection = axum::response::Response;

    async fn from_request(request: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        use crate::http::extract::{read_capped, BodyError};
        let collected = read_capped(request.into_body(), PAGE_FORM_LIMIT_BYTES)
            .await
            .map_err(|error| super::form_refused(matches!(error, BodyError::TooLarge)))?;
        Ok(PageForm(
            form_urlencoded::parse(&collected)
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        ))
    }
}

/// The fields of a posted form, in the order the browser sent them (repeated names are kept, for
/// budget lines).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// Every value of a repeated field, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Sets a field to one value, replacing every value it had.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(key, _)| key != name);
        self.0.push((name.to_owned(), value.into()));
    }

    /// Adds one more value of a field that repeats (a row of a table's column).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }

    /// The fields the user typed, without the guard's own (`_csrf`, `_form`, re-sign-in).
    pub fn typed(&self) -> FormData {
        FormData(
            self.0
                .iter()
                .filter(|(key, _)| !key.starts_with('_'))
                .cloned()
                .collect(),
        )
    }

    /// The Idempotency-Key of one step of this form's submission: the same form posted twice gets
    /// the same key, so the API appends nothing the second time.
    pub fn idempotency_key(&self, step: &str) -> Option<String> {
        let form = self.get("_form");
        let well_formed = form.len() == 32 && form.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then(|| format!("web-{form}-{step}"))
    }
}

/// What to show beside a form: messages by field, and those that belong to no field.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    /// Messages that belong to no field, shown above the form.
    pub top: Vec<String>,
    /// One message per field, by the field's name, shown beside it.
    pub fields: BTreeMap<String, String>,
}

impl Errors {
    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.fields.is_empty()
    }

    /// The message beside the field `name`, if any.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The value a field's reader gave, or `None` with its message beside the field.
    pub fn read<T>(&mut self, field: &str, outcome: Result<T, &'static str>) -> Option<T> {
        outcome
            .map_err(|message| self.add(Some(field), message))
            .ok()
    }

    /// Adds a message beside `field`, or above the form when `None`; a field keeps its first
    /// message.
    pub fn add(&mut self, field: Option<&str>, message: impl Into<String>) {
        match field {
            Some(field) => {
                self.fields
                    .entry(field.to_owned())
                    .or_insert(message.into());
            }
            None => self.top.push(message.into()),
        }
    }

    /// Places an API refusal: each of its field refusals (`errors`, or the one `field`) beside the
    /// field it names when the form has that field, otherwise at the top. Which field a rule
    /// concerns is the domain's to say (`Refusal::field`).
    pub fn problem(&mut self, problem: &Problem, form_fields: &[&str]) {
        if problem.errors.is_empty() {
            let field = problem
                .field
                .as_deref()
                .filter(|field| form_fields.contains(field));
            self.add(field, problem.detail_ja.clone());
            return;
        }
        for (field, detail) in &problem.errors {
            let field = field.as_deref().filter(|field| form_fields.contains(field));
            self.add(field, detail.clone());
        }
    }

    /// Places an API refusal about a form whose number fields `bad` could not be read. When the API
    /// refused the whole body for such a value (a route that reads its body in one piece), each of
    /// them gets its own message, so that none hides another; the rules about the other fields are
    /// judged on the next submission, once the numbers can be read.
    pub fn place(&mut self, problem: &Problem, form_fields: &[&str], bad: &[String]) {
        if problem.code == "request.invalid_field" && problem.errors.is_empty() && !bad.is_empty() {
            for field in bad {
                self.add(Some(field), UNREADABLE_NUMBER);
            }
            return;
        }
        self.problem(problem, form_fields);
    }

    /// The errors of one refusal, placed as [`Errors::place`] does.
    pub fn placed(problem: &Problem, form_fields: &[&str], bad: &[String]) -> Self {
        let mut errors = Errors::default();
        errors.place(problem, form_fields, bad);
        errors
    }
}

/// A form as it is shown: the values (typed or loaded), the messages, a fresh one-time id, and
/// whether it must ask for the password again because the session ended.
#[derive(Clone, Debug)]
pub struct FormState {
    /// The values shown in the fields (as typed, or loaded).
    pub values: FormData,
    /// The messages to show.
    pub errors: Errors,
    /// The form's one-time id (hidden field `_form`), so a form posted twice runs once.
    pub form_id: String,
    /// Whether the form must ask for the e-mail and password again (the session ended).
    pub reauth: bool,
}

impl FormState {
    /// The status of a page showing this form: 422 when it shows refusals, 200 otherwise.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.errors.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// A form showing `values`, with no messages and a fresh one-time id.
    pub fn new(values: FormData) -> Self {
        FormState {
            values,
            errors: Errors::default(),
            form_id: random_hex(16),
            reauth: false,
        }
    }

    /// The same form with `errors` to show.
    pub fn with_errors(mut self, errors: Errors) -> Self {
        self.errors = errors;
        self
    }

    /// The value of the field `name`, or "".
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name)
    }
}

/// The answer of the guard.
pub enum Guard {
    /// Act with this session; `signed_in_again` when the form carried the password for a session
    /// that had ended (the new session cookie must then be set).
    Proceed {
        /// The visitor, signed in again if the form carried the password.
        visitor: Visitor,
        /// The live session's token.
        token: String,
        /// Whether this request opened a new session (its cookie must be set).
        signed_in_again: bool,
    },
    /// Do not act: show the form again with everything typed, and say why.
    Rerender {
        /// The visitor as the request found it.
        visitor: Visitor,
        /// What to show: the form with everything typed and why it was refused.
        state: FormState,
    },
}

/// The form field that carries the e-mail address when a form signs in again.
pub const REAUTH_EMAIL: &str = "_reauth_email";
/// The form field that carries the password when a form signs in again.
pub const REAUTH_PASSWORD: &str = "_reauth_password";

/// Checks a POST to a signed-in form. Nothing typed is ever dropped: whenever the guard refuses, the
/// form is shown again with the posted values.
pub async fn guard(web: &Web, visitor: Visitor, form: &FormData) -> Guard {
    let presented = form.get("_csrf");
    let rerender = |visitor: Visitor, message: &str, reauth: bool| {
        let mut errors = Errors::default();
        errors.add(None, message);
        let mut state = FormState::new(form.typed()).with_errors(errors);
        state.reauth = reauth;
        Guard::Rerender { visitor, state }
    };
    if let Some(token) = visitor.token().map(str::to_owned) {
        if visitor.csrf_matches(web, Binding::Session, presented).await {
            return Guard::Proceed {
                visitor,
                token,
                signed_in_again: false,
            };
        }
        return rerender(visitor, NOT_CONFIRMED, false);
    }
    // The session has ended (or never was). The form proves it came from this browser if its token
    // matches the old session cookie or the visitor cookie; then the password typed into it may
    // open a new session and the action goes ahead.
    let from_this_browser = visitor.csrf_matches(web, Binding::Session, presented).await
        || visitor.csrf_matches(web, Binding::Visitor, presented).await;
    let (email, password) = (form.get(REAUTH_EMAIL), form.get(REAUTH_PASSWORD));
    if from_this_browser && !email.is_empty() && !password.is_empty() {
        return match sign_in(web, visitor.client, email, password).await {
            Ok((token, user)) => {
                let visitor = visitor.signed_in(web, token.clone(), user).await;
                Guard::Proceed {
                    visitor,
                    token,
                    signed_in_again: true,
                }
            }
            Err(problem) => rerender(
                visitor,
                &format!(
                    "{}。入力内容はこのページに残っています。",
                    problem.detail_ja
                ),
                true,
            ),
        };
    }
    rerender(visitor, SESSION_ENDED, true)
}

/// A whole number as people type it: full-width digits, commas, yen signs and 円 are allowed
/// (`１２，０００円` is 12000). `None` for anything else, an empty field included.
pub fn whole_number(value: &str) -> Option<u64> {
    let digits: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | '円'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    digits.parse().ok()
}

/// An amount field as yen: an empty field is zero (the rule that needs more says so); otherwise the
/// message to show beside the field when what was typed is not a whole number of yen, or is more
/// than any amount of money the service holds.
pub fn yen_field(value: &str) -> Result<grants_domain::Yen, &'static str> {
    if value.trim().is_empty() {
        return Ok(grants_domain::Yen::ZERO);
    }
    let number = whole_number(value).ok_or(UNREADABLE_NUMBER)?;
    i64::try_from(number)
        .ok()
        .and_then(|amount| grants_domain::Yen::new(amount).ok())
        .ok_or(AMOUNT_TOO_LARGE)
}

/// A count (a quantity, a number of people): an empty field is zero; `None` for anything but a
/// whole number that fits.
pub fn count_field(value: &str) -> Option<u32> {
    if value.trim().is_empty() {
        return Some(0);
    }
    whole_number(value).and_then(|number| u32::try_from(number).ok())
}

/// A required amount field as yen: an empty field is named like an unreadable one.
pub fn required_yen_field(value: &str) -> Result<grants_domain::Yen, &'static str> {
    if value.trim().is_empty() {
        return Err(UNREADABLE_NUMBER);
    }
    yen_field(value)
}

/// A date field (`type="date"` sends `2026-04-01`).
pub fn date_field(value: &str) -> Result<time::Date, &'static str> {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value.trim(), &iso).map_err(|_| UNREADABLE_DATE)
}

/// A choice among a type's codes (a radio button's or a select's value): `advance` for
/// `PaymentKind::Advance`. `None` for any other text.
pub fn choice<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).ok()
}

/// Beside a date field whose value is not a date.
pub const UNREADABLE_DATE: &str = "日付を入力してください（例：2026-04-01）";

/// Beside an amount field whose value is more than any amount of money the service holds.
pub const AMOUNT_TOO_LARGE: &str = "金額が大きすぎます。正しい金額を入力してください";

/// Beside a number field whose value could not be read as a number.
pub const UNREADABLE_NUMBER: &str =
    "0以上の整数を半角または全角の数字で入力してください（例：12000）";

/// Why a form was shown again instead of acted on: its token did not match.
pub const NOT_CONFIRMED: &str = "送信を確認できなかったため、まだ保存していません。入力内容を確認して、もう一度送信してください。";
/// Why a form was shown again instead of acted on: the session had ended.
pub const SESSION_ENDED: &str = "ログインの有効期限が切れたため、まだ保存していません。入力内容はこのページに残っています。メールアドレスとパスワードを入力して、もう一度送信してください。";

/// Signs in through the API; the session token and the user.
pub async fn sign_in(
    web: &Web,
    client: Option<std::net::IpAddr>,
    email: &str,
    password: &str,
) -> Result<(String, User), Problem> {
    sign_in_with_code(web, client, email, password, "").await
}

/// [`sign_in`] with the second factor of an account that enrolled one (empty: none given).
pub async fn sign_in_with_code(
    web: &Web,
    client: Option<std::net::IpAddr>,
    email: &str,
    password: &str,
    code: &str,
) -> Result<(String, User), Problem> {
    let context = crate::service::CommandContext::at(web.state.clock.now());
    let credentials = crate::service::sessions::Credentials {
        email,
        password,
        code: Some(code),
    };
    let (token, actor) =
        crate::service::sessions::sign_in(&web.state, &context, client, credentials).await?;
    let user = User::of(&actor);
    Ok((token, user))
}
