//! The look of every page: the layout (`lang="ja"`, one stylesheet, the menu of the signed-in
//! user's roles), Japanese formats for yen and dates, and form fields that show their limit and
//! their error beside them.
//!
//! Not for: deciding what a user may see; pages show what the API answered.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use grants_domain::fiscal_year::{JaDate, JaInstant};
use grants_domain::money::thousands;

use super::form::{FormState, REAUTH_EMAIL, REAUTH_PASSWORD};
use super::session::Visitor;

/// The service's name in the header.
pub const SERVICE_NAME: &str = "市民公益活動事業費補助金";

/// A whole page.
pub fn page(visitor: &Visitor, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (SERVICE_NAME) }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { "本文へ移動" }
                header.site {
                    div.wrap {
                        a.brand href="/" { (SERVICE_NAME) }
                        nav aria-label="メニュー" {
                            ul {
                                li { a href="/" { "公募・交付事業" } }
                                li { a href="/awards" { "交付決定事業の一覧" } }
                                @if let Some(user) = &visitor.user {
                                    @if user.has("applicant") { li { a href="/my" { "マイページ" } } }
                                    @if user.has("reviewer") { li { a href="/review" { "審査" } } }
                                    @if user.has("staff") { li { a href="/staff" { "職員" } } li { a href="/staff/figures" { "年度の実績" } } }
                                    @if user.has("auditor") || user.has("staff") { li { a href="/audit" { "監査" } } }
                                }
                            }
                        }
                        div.account {
                            @if let Some(user) = &visitor.user {
                                span.user { (user.display_name) " さん" }
                                @if user.has("staff") || user.has("auditor") {
                                    " " a href="/account/totp" { "2段階認証" } " "
                                }
                                form method="post" action="/logout" {
                                    input type="hidden" name="_csrf" value=(visitor.csrf);
                                    button.link type="submit" { "ログアウト" }
                                }
                            } @else {
                                a href="/login" { "ログイン" }
                                " "
                                a href="/register" { "新規登録" }
                            }
                        }
                    }
                }
                main #main .wrap {
                    h1 { (title) }
                    (body)
                }
                (footer(&visitor.contact))
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// The foot of every page: where to ask (問い合わせ先), as the settings name it.
fn footer(contact: &crate::config::ContactConfig) -> Markup {
    html! {
        footer.site {
            div.wrap {
                section.contact aria-labelledby="contact-heading" {
                    h2 #contact-heading { "お問い合わせ先" }
                    p {
                        (contact.division)
                        @if !contact.phone.is_empty() {
                            br; "電話 " a href={ "tel:" (contact.phone.replace(['-', ' '], "")) } { (contact.phone) }
                        }
                        @if !contact.email.is_empty() {
                            br; "メール " a href={ "mailto:" (contact.email) } { (contact.email) }
                        }
                        @if !contact.hours.is_empty() {
                            br; "受付時間 " (contact.hours)
                        }
                    }
                }
            }
        }
    }
}

/// A budget's expense and income lines (with the captions the page gives them), then its totals.
pub fn budget_lines(
    budget: &grants_domain::Budget,
    expenses_caption: &str,
    income_caption: &str,
) -> Markup {
    html! {
        table {
            caption { (expenses_caption) }
            thead { tr { th scope="col" { "費目" } th scope="col" { "内容" } th.num scope="col" { "数量" } th.num scope="col" { "単価" } } }
            tbody {
                @for line in &budget.expenses {
                    tr {
                        td { (line.category.label_ja()) @if !line.category.is_eligible() { "（補助対象外）" } }
                        td { (line.item) }
                        td.num { (line.quantity) }
                        td.num { (line.unit_price) }
                    }
                }
            }
        }
        table {
            caption { (income_caption) }
            thead { tr { th scope="col" { "種類" } th scope="col" { "内容" } th.num scope="col" { "金額" } } }
            tbody {
                @for line in &budget.income {
                    tr { td { (line.kind.label_ja()) } td { (line.description) } td.num { (line.amount) } }
                }
            }
        }
        (budget_totals(budget))
    }
}

/// An application's plan as its read gives it: title, summary, purpose, beneficiaries, period.
pub fn application_plan(application: &crate::service::application_read::ApplicationRead) -> Markup {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let period = application.period;
    html! {
        dt { "事業名" } dd { (text(&application.title)) }
        dt { "事業概要" } dd { (text(&application.summary)) }
        dt { "事業の目的・内容" } dd { (text(&application.purpose)) }
        dt { "対象者・受益者" } dd { (text(&application.beneficiaries)) }
        dt { "事業期間" } dd { (day(period.map(|period| period.start))) " 〜 " (day(period.map(|period| period.end))) }
    }
}

/// The totals of a budget, as the domain adds them up (`Budget::totals`): the project's total
/// cost, its eligible expenses, the income, what of it reduces the subsidy base, and the base.
/// Nothing when the amounts are too large to add up.
pub fn budget_totals(budget: &grants_domain::Budget) -> Markup {
    let (Ok(totals), Ok(income)) = (budget.totals(), budget.income_total()) else {
        return html! {};
    };
    let yen = |amount: grants_domain::Yen| amount.to_string();
    html! {
        table.budget-totals {
            caption { "予算の合計" }
            tbody {
                tr { th scope="row" { "支出の合計（事業費総額）" } td.num #total-cost { (yen(totals.total_cost)) } }
                tr { th scope="row" { "うち補助対象経費" } td.num #eligible-expenses { (yen(totals.eligible_expenses)) } }
                tr { th scope="row" { "収入の合計" } td.num #income-total { (yen(income)) } }
                tr { th scope="row" { "うち補助対象経費から差し引く収入（事業収入・他の補助金）" } td.num { (yen(totals.deductions)) } }
                tr { th scope="row" { "補助の基礎となる額（補助対象経費 − 差し引く収入）" } td.num #subsidy-base { (yen(totals.subsidy_base)) } }
            }
        }
    }
}

/// A page with a status other than 200.
pub fn page_with_status(
    status: StatusCode,
    visitor: &Visitor,
    title: &str,
    body: Markup,
) -> Response {
    let mut response = page(visitor, title, body);
    *response.status_mut() = status;
    response
}

/// The page for a failure of ours, without a visitor (the layout's menu is left out).
pub fn server_error() -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="ja" {
            head { meta charset="utf-8"; title { "エラー" } link rel="stylesheet" href="/static/style.css"; }
            body { main.wrap { h1 { "サーバーで問題が発生しました" } p { "時間をおいて再度お試しください。" } } }
        }
    };
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(markup.into_string()),
    )
        .into_response()
}

/// Yen as Japanese documents write it: ¥286,000.
pub fn yen(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}¥{}", thousands(amount).trim_start_matches('-'))
}

/// An amount that may be unknown yet, as ¥286,000, or a dash.
pub fn amount(amount: Option<grants_domain::Yen>) -> String {
    amount.map_or_else(|| "—".to_owned(), |yen| yen.to_string())
}

/// A read model's amount (whole yen) that may be unknown yet, as ¥286,000, or a dash.
pub fn yen_or_dash(amount: Option<i64>) -> String {
    amount.map_or_else(|| "—".to_owned(), yen)
}

/// A day that may be unknown yet, as 2026年4月1日, or a dash.
pub fn day(date: Option<time::Date>) -> String {
    date.map_or_else(|| "—".to_owned(), |date| JaDate(date).to_string())
}

/// A grant's status in Japanese (the domain's label), or a dash before its decision.
pub fn grant_state(status: Option<grants_domain::GrantStatus>) -> &'static str {
    status.map_or("—", grants_domain::GrantStatus::label_ja)
}

/// An application's status in Japanese (the domain's label), or a dash.
pub fn application_state(status: Option<grants_domain::ApplicationStatus>) -> &'static str {
    status.map_or("—", grants_domain::ApplicationStatus::label_ja)
}

/// The code a value is written as in the API and in form fields (its serde name): `travel` for
/// `ExpenseCategory::Travel`. Empty for a value that is not written as a string.
pub fn code_of(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(code)) => code,
        _ => String::new(),
    }
}

/// A count with thousands separators: 1,234.
pub fn count(number: i64) -> String {
    thousands(number)
}

/// A date "2026-04-01" (or the date of "2026-04-01T…") as 2026年4月1日 (`JaDate`).
pub fn date_ja(date: &str) -> String {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(date.get(..10).unwrap_or(date), &iso) {
        Ok(parsed) => JaDate(parsed).to_string(),
        Err(_) => date.to_owned(),
    }
}

/// An instant in Japan Standard Time: 2026年4月1日 09:00 (`JaInstant`).
pub fn instant(at: OffsetDateTime) -> String {
    JaInstant(at).to_string()
}

/// An RFC 3339 instant in Japan Standard Time: 2026年4月1日 09:00 (`JaInstant`).
pub fn instant_ja(instant: &str) -> String {
    match OffsetDateTime::parse(instant, &Rfc3339) {
        Ok(instant) => JaInstant(instant).to_string(),
        Err(_) => instant.to_owned(),
    }
}

/// The hidden fields every form carries (CSRF token and one-time form id), and, when the session
/// has ended, the fields to sign in again without leaving the page.
pub fn form_guard(visitor: &Visitor, state: &FormState) -> Markup {
    html! {
        input type="hidden" name="_csrf" value=(visitor.csrf);
        input type="hidden" name="_form" value=(state.form_id);
        @if state.reauth {
            fieldset.reauth {
                legend { "もう一度ログインしてください" }
                p { "入力内容はこのページに残っています。ログインすると、そのまま送信します。" }
                div.field {
                    label for="reauth-email" { "メールアドレス" }
                    input #reauth-email type="email" name=(REAUTH_EMAIL) autocomplete="username" required;
                }
                div.field {
                    label for="reauth-password" { "パスワード" }
                    input #reauth-password type="password" name=(REAUTH_PASSWORD) autocomplete="current-password" required;
                }
            }
        }
    }
}

/// The messages that belong to no field, at the top of a form.
pub fn error_summary(state: &FormState) -> Markup {
    html! {
        @if !state.errors.is_empty() {
            div.errors role="alert" tabindex="-1" {
                h2 { "入力内容を確認してください" }
                ul {
                    @for message in &state.errors.top { li { (message) } }
                    @for (field, message) in &state.errors.fields {
                        li { a href={ "#f-" (field) } { (message) } }
                    }
                }
            }
        }
    }
}

/// How a field is typed.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    /// The form field's name, which the posted form and its messages use.
    pub name: &'a str,
    /// The label shown, in Japanese.
    pub label: &'a str,
    /// The `<input>`'s `type` (`text` unless set).
    pub kind: &'a str,
    /// The most characters allowed, shown beside the label.
    pub max: Option<usize>,
    /// Whether the field is required (marked 必須).
    pub required: bool,
    /// A line of help shown under the label.
    pub hint: Option<&'a str>,
    /// A caution that does not stop the form (an amount that submission would refuse).
    pub warning: Option<&'a str>,
    /// The browser's `autocomplete` hint (`username`, `new-password`, ...).
    pub autocomplete: Option<&'a str>,
}

impl<'a> Input<'a> {
    /// A text field named `name` labelled `label`, optional, with nothing else set.
    pub fn text(name: &'a str, label: &'a str) -> Self {
        Input {
            name,
            label,
            kind: "text",
            max: None,
            required: false,
            hint: None,
            warning: None,
            autocomplete: None,
        }
    }

    /// Sets the `<input>`'s `type` (`date`, `number`, `email`, ...).
    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the most characters allowed, shown beside the label.
    pub fn max(mut self, max: usize) -> Self {
        self.max = Some(max);
        self
    }

    /// Marks the field required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the line of help shown under the label.
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Sets the caution shown under the label, if any.
    pub fn warning(mut self, warning: Option<&'a str>) -> Self {
        self.warning = warning;
        self
    }

    /// Sets the browser's `autocomplete` hint.
    pub fn autocomplete(mut self, autocomplete: &'a str) -> Self {
        self.autocomplete = Some(autocomplete);
        self
    }

    fn label(&self) -> Markup {
        html! {
            label for={ "f-" (self.name) } {
                (self.label)
                @if self.required { span.req { "必須" } }
                @if let Some(max) = self.max { span.limit { (max) "文字以内" } }
            }
        }
    }

    fn described_by(&self, error: Option<&str>) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("h-{}", self.name));
        }
        if self.warning.is_some() {
            ids.push(format!("w-{}", self.name));
        }
        if error.is_some() {
            ids.push(format!("e-{}", self.name));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn notes(&self, error: Option<&str>) -> Markup {
        html! {
            @if let Some(hint) = self.hint { p.hint id={ "h-" (self.name) } { (hint) } }
            @if let Some(warning) = self.warning { p.warning id={ "w-" (self.name) } { (warning) } }
            @if let Some(error) = error { p.error id={ "e-" (self.name) } { (error) } }
        }
    }

    /// An `<input>` with its label, hint and error.
    pub fn render(&self, state: &FormState) -> Markup {
        let error = state.errors.field(self.name);
        html! {
            div.field.invalid[error.is_some()] {
                (self.label())
                (self.notes(error))
                input id={ "f-" (self.name) } name=(self.name) type=(self.kind)
                    value=(state.value(self.name))
                    required[self.required]
                    autocomplete=[self.autocomplete]
                    inputmode=[(self.kind == "number").then_some("numeric")]
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[self.described_by(error)];
            }
        }
    }

    /// A `<textarea>` with its label, limit, hint and error.
    pub fn textarea(&self, state: &FormState) -> Markup {
        let error = state.errors.field(self.name);
        html! {
            div.field.invalid[error.is_some()] {
                (self.label())
                (self.notes(error))
                textarea id={ "f-" (self.name) } name=(self.name) rows="5"
                    data-count=[self.max]
                    required[self.required]
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[self.described_by(error)] { (state.value(self.name)) }
            }
        }
    }
}

/// A short notice (saved, submitted).
pub fn flash(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message { p.flash role="status" { (message) } }
    }
}

/// Nothing: for optional markup.
pub fn nothing() -> Markup {
    PreEscaped(String::new())
}

/// A query string parameter, percent-encoded.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_and_dates_read_the_japanese_way() {
        assert_eq!(yen(286_000), "¥286,000");
        assert_eq!(yen(0), "¥0");
        assert_eq!(yen(1_000_000), "¥1,000,000");
        assert_eq!(yen(-63_800), "-¥63,800");
        assert_eq!(count(1_234), "1,234");
        assert_eq!(count(12), "12");
        assert_eq!(date_ja("2026-04-01"), "2026年4月1日");
        assert_eq!(instant_ja("2026-03-31T15:00:00Z"), "2026年4月1日 00:00");
    }
}
