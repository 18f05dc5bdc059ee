//! One grant after the award (`/grants/{id}`): the decided amount, what was paid (each payment
//! and refund), the change requests and staff's decisions, the state and what comes next; requesting an advance (概算払), withdrawing (辞退), and the change request form
//! (`/grants/{id}/change`, 変更承認申請).
//!
//! The grant read of the service layer (`crate::service::grant_read`, what the API answers too) is
//! the whole truth shown here: the page does no arithmetic on amounts, and every request goes to
//! the API route of api.md, whose refusal is shown beside the field it concerns.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use grants_domain::grant::{GrantAction, LONG_TEXT_MAX_CHARS};
use grants_domain::GrantStatus;
use maud::{html, Markup};
use serde::Deserialize;

use super::application_form::{budget_fields, budget_tables, read_budget, read_period};
use super::{non_empty, with_session};
use crate::policy::Applicant;
use crate::service::application_read::ApplicationRead;
use crate::service::applications::{unreadable_budget, unreadable_period};
use crate::service::grant_read::GrantRead;
use crate::service::grants;
use crate::service::ServiceError;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{guard, yen_field, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;

/// The grant read and the application it was awarded to (for the title and the planned budget),
/// read through the service layer as the session's caller.
pub(super) async fn load_grant(
    web: &Web,
    token: &str,
    id: &str,
) -> Result<(GrantRead, Option<ApplicationRead>), Problem> {
    let reads = web.reads(token).await?;
    let grant = reads.grant(id).await?;
    let application = reads
        .application(&grant.application_id.to_string())
        .await
        .ok();
    Ok((grant, application))
}

/// The grant's figures as the grant read gives them: status, amounts, dates.
pub(super) fn grant_summary(grant: &GrantRead) -> Markup {
    html! {
        div.summary-box aria-live="polite" {
            p { "状況：" strong #grant-status { (view::grant_state(grant.status)) } }
            dl.facts {
                dt { "交付決定額" } dd #decided-amount { (grant.decided_amount) }
                dt { "交付決定日" } dd { (view::day(grant.decided_on)) }
                dt { "文書番号" } dd { (grant.notice_number.as_deref().unwrap_or("—")) }
                dt { "完了期限" } dd { (view::day(grant.completion_deadline)) }
                dt { "実績報告の提出期限" } dd #settlement-due-on { (view::day(grant.settlement_due_on)) }
                @if let Some(delay) = &grant.settlement_delay {
                    dt { "遅延理由" } dd #settlement-delay {
                        (delay.reason)
                        @if delay.accepted_at.is_none() { "（市の確認待ち）" } @else { "（承認済み）" }
                    }
                }
                dt { "支払済額" } dd #paid-total { (grant.paid_total) }
                dt { "確定額" } dd #finalised-amount {
                    @match grant.finalised_amount {
                        None => "（実績報告の審査後に確定します）",
                        Some(amount) => (amount),
                    }
                }
                @if !grant.payable.is_zero() {
                    dt { "これから支払われる額" } dd #payable { (grant.payable) }
                }
                @if !grant.refund_due.is_zero() {
                    dt { "返還していただく額" } dd #refund-due { (grant.refund_due) }
                    @if grant.refund_order.is_none() && grant.refund_due_on.is_some() {
                        dt { "返還の納期限" } dd #refund-due-on { (view::day(grant.refund_due_on)) }
                    }
                }
                @if let Some(order) = &grant.refund_order {
                    dt { "返還の納期限" } dd { (view::day(Some(order.due_on))) }
                    dt { "納期限に返還した場合の加算金" } dd #additional-if-due { (order.additional_charge_if_paid_on_due_date) }
                    @if let Some(surcharges) = &grant.surcharges {
                        dt { (view::day(Some(surcharges.as_of))) "時点の加算金・延滞金" }
                        dd #surcharges { (surcharges.additional) "・" (surcharges.late) }
                    }
                }
            }
        }
    }
}

/// The advance requests waiting for the city to pay them, then the payments and refunds, as the
/// grant read lists them.
fn payments_table(grant: &GrantRead) -> Markup {
    html! {
        h2 #payments { "支払と返還の記録" }
        @let open: Vec<_> = grant.open_advances().collect();
        @if !open.is_empty() {
            table #advance-requests {
                caption { "市の審査を待っている概算払の請求" }
                thead { tr { th scope="col" { "請求日" } th scope="col" { "種類" } th.num scope="col" { "請求額" } } }
                tbody {
                    @for request in &open {
                        tr {
                            td { (view::day(Some(request.requested_on))) }
                            td { "概算払の請求（審査待ち）" }
                            td.num {
                                (request.amount)
                                @if request.unpaid != request.amount {
                                    "（うち未払 " (request.unpaid) "）"
                                }
                            }
                        }
                    }
                }
            }
            p { "請求いただいた概算払は、市が確認のうえお支払いします。支払が済むと下の記録に載ります。" }
        }
        @if grant.payments.is_empty() {
            p { "まだ支払はありません。" }
        } @else {
            table #payment-table {
                caption.visually-hidden { "支払と返還の記録" }
                thead { tr { th scope="col" { "日付" } th scope="col" { "種類" } th.num scope="col" { "金額" } } }
                tbody {
                    @for payment in &grant.payments {
                        tr {
                            td { (view::day(Some(payment.date))) }
                            td { (payment.kind.label_ja()) }
                            td.num { (payment.amount) }
                        }
                    }
                }
            }
        }
    }
}

/// The change requests as the grant read lists them, with staff's decision.
fn change_requests_table(grant: &GrantRead) -> Markup {
    html! {
        @if !grant.change_requests.is_empty() {
            h2 #change-requests { "変更の申請" }
            table #change-table {
                caption.visually-hidden { "変更の申請" }
                thead { tr {
                    th scope="col" { "申請日時" } th scope="col" { "理由" } th scope="col" { "変更後の事業期間" }
                    th.num scope="col" { "事業費総額（変更前）" } th.num scope="col" { "事業費総額（変更後）" }
                    th scope="col" { "状況" } th scope="col" { "市の判断" } th scope="col" { "添付書類" }
                } }
                tbody {
                    @for change in &grant.change_requests {
                        tr {
                            td { (view::instant_ja(&change.requested_at)) }
                            td { (change.reason) }
                            td { (view::day(Some(change.period.start))) "〜" (view::day(Some(change.period.end))) }
                            td.num { (change.total_cost_before) }
                            td.num { (change.total_cost_after) }
                            td { (change.status.label_ja()) }
                            td {
                                @match &change.decision {
                                    None => "—",
                                    Some(decision) => {
                                        (view::instant_ja(&decision.decided_at)) "　" (decision.reason)
                                        @if let Some(decided) = decision.decided_amount {
                                            br; "交付決定額 " (view::amount(decision.previous_amount)) " → " (decided)
                                        }
                                    }
                                }
                            }
                            td {
                                a.change-files href={ "/grants/" (grant.grant_id) "/changes/" (change.change_request_id) } {
                                    "添付書類（" (change.attachments.len()) "件）"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What the group does next, in the grant's status (guidance only: the API decides each request).
fn next_step(grant: &GrantRead) -> Markup {
    let deadline = view::day(grant.completion_deadline);
    html! {
        @match grant.status {
            Some(GrantStatus::Decided) => p { "事業を始めてください。必要なら概算払を請求できます。交付決定から10日以内であれば辞退できます。" },
            Some(GrantStatus::InProgress) => p { "事業を実施中です。事業が終わったら（完了期限 " (deadline) "）、実績報告を提出してください。" },
            Some(GrantStatus::ReportSubmitted) => p { "実績報告を提出しました。市が審査して、補助金の額を確定します。" },
            Some(GrantStatus::ReportReturned) => p { "実績報告が差し戻されました。内容を直して、もう一度提出してください。" },
            Some(GrantStatus::Finalised) => p { "補助金の額が確定しました。確定額と支払済額の差額が支払われます。" },
            Some(GrantStatus::RefundDue) => p { "補助金の額が確定しました。支払済額が確定額を上回るため、差額を返還してください。" },
            Some(GrantStatus::Closed) => p { "この補助事業は完了しました。" },
            Some(GrantStatus::Withdrawn) => p { "この交付決定は辞退されました。" },
            Some(GrantStatus::Cancelled) => p { "この交付決定は取り消されました。" },
            Some(GrantStatus::DiscontinuationRequested) => p { "事業の中止（廃止）の承認を申請しました。市の審査をお待ちください。" },
            Some(GrantStatus::Discontinued) => p { "事業の中止（廃止）が承認されました（事業の終了日 " (deadline) "）。それまでに使った経費で実績報告を提出してください。" },
            None => (view::nothing()),
        }
    }
}

/// The two forms of the grant page, each with its own values and messages.
struct GrantForms {
    advance: FormState,
    withdraw: FormState,
}

impl GrantForms {
    fn fresh() -> Self {
        GrantForms {
            advance: FormState::new(FormData::default()),
            withdraw: FormState::new(FormData::default()),
        }
    }

    fn has_errors(&self) -> bool {
        !self.advance.errors.is_empty() || !self.withdraw.errors.is_empty()
    }
}

/// The grant page. Without the grant read (the session ended while a form was typed) it holds the
/// forms alone, so that signing in again on it sends what was typed.
fn grant_page(
    visitor: &Visitor,
    id: &str,
    grant: Option<&GrantRead>,
    application: Option<&ApplicationRead>,
    notice: Option<&str>,
    forms: &GrantForms,
    documents: Markup,
) -> Response {
    let allows = |action: GrantAction| grant.is_none_or(|grant| grant.allows(action));
    let reporting = allows(GrantAction::SaveReport) || allows(GrantAction::SubmitReport);
    let advancing = allows(GrantAction::RequestAdvance) || !forms.advance.errors.is_empty();
    let withdrawing = allows(GrantAction::Withdraw) || !forms.withdraw.errors.is_empty();
    let title = application
        .map(|application| non_empty(application.title.as_deref().unwrap_or_default()).to_owned())
        .unwrap_or_else(|| "交付決定".to_owned());
    let body = html! {
        (flash(notice))
        @if let Some(application) = application {
            p { "申請：" a href={ "/applications/" (application.id) } { (non_empty(application.title.as_deref().unwrap_or_default())) } }
        }
        @if let Some(grant) = grant {
            (grant_summary(grant))
            (payments_table(grant))
            (change_requests_table(grant))
            (documents)
            h2 { "次にすること" }
            (next_step(grant))
        }
        @if reporting {
            p { a.button href={ "/grants/" (id) "/report" } { "実績報告を作成・提出する" } }
        }
        @if grant.is_some() && allows(GrantAction::RequestDiscontinuation) {
            p { a href={ "/grants/" (id) "/discontinuation" } { "事業の中止（廃止）の承認を申請する" } }
        }
        @if allows(GrantAction::RequestChange) {
            p { a href={ "/grants/" (id) "/change" } { "事業計画の変更を申請する（変更承認申請）" } }
        }
        @if advancing {
            h2 #advance { "概算払の請求" }
            p { "事業の途中で補助金の一部を受け取るときに請求します。請求できる合計額には上限があります（交付決定額に対する割合は公募の条件のとおりです）。" }
            (error_summary(&forms.advance))
            form.stack method="post" action={ "/grants/" (id) "/advance" } {
                (form_guard(visitor, &forms.advance))
                (Input::text("amount", "請求額（円）").required().render(&forms.advance))
                button type="submit" { "概算払を請求する" }
            }
        }
        @if withdrawing {
            h2 #withdraw { "交付の辞退" }
            p { "交付決定から10日以内で、まだ支払を受けていなければ辞退できます。" }
            (error_summary(&forms.withdraw))
            form.stack method="post" action={ "/grants/" (id) "/withdraw" } {
                (form_guard(visitor, &forms.withdraw))
                (Input::text("reason", "辞退の理由").max(LONG_TEXT_MAX_CHARS).hint("空欄のときは「申請者の申出による取下げ」と記録されます。").textarea(&forms.withdraw))
                button.danger type="submit" { "交付を辞退する" }
            }
        }
        p { a href="/my" { "マイページへ戻る" } }
    };
    let code = if forms.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page_with_status(code, visitor, &format!("交付決定：{title}"), body)
}

#[derive(Deserialize)]
pub(super) struct GrantFlags {
    advance: Option<String>,
    withdrawn: Option<String>,
    changed: Option<String>,
    reported: Option<String>,
    discontinuation: Option<String>,
}

pub(super) async fn grant(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flags): Query<GrantFlags>,
) -> Response {
    let path = format!("/grants/{id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let (grant, application) = match load_grant(&web, token, &id).await {
        Ok(found) => found,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let notice = if flags.advance.is_some() {
        Some("概算払を請求しました。")
    } else if flags.withdrawn.is_some() {
        Some("交付を辞退しました。")
    } else if flags.changed.is_some() {
        Some("変更を申請しました。")
    } else if flags.reported.is_some() {
        Some("実績報告を提出しました。")
    } else if flags.discontinuation.is_some() {
        Some("事業の中止（廃止）の承認を申請しました。")
    } else {
        None
    };
    let documents = crate::web::pages::documents::section(
        &web,
        token,
        crate::web::pages::documents::Owner::Grant(&id),
    )
    .await;
    grant_page(
        &visitor,
        &id,
        Some(&grant),
        application.as_ref(),
        notice,
        &GrantForms::fresh(),
        documents,
    )
}

/// Which form of the grant page was posted.
#[derive(Clone, Copy)]
enum Posted {
    Advance,
    Withdraw,
}

/// The grant page again with `state` in the posted form (the grant cannot be read without a
/// session: then a page with that form alone, to sign in again without losing what was typed).
async fn grant_page_again(
    web: &Web,
    visitor: &Visitor,
    id: &str,
    posted: Posted,
    state: FormState,
) -> Response {
    let mut forms = GrantForms::fresh();
    match posted {
        Posted::Advance => forms.advance = state,
        Posted::Withdraw => forms.withdraw = state,
    }
    let loaded = match visitor.token() {
        Some(token) => Some(load_grant(web, token, id).await),
        None => None,
    };
    match loaded {
        Some(Ok((grant, application))) => grant_page(
            visitor,
            id,
            Some(&grant),
            application.as_ref(),
            None,
            &forms,
            html! {},
        ),
        Some(Err(problem)) => read_failed(visitor, &problem, &format!("/grants/{id}")),
        None => grant_page(visitor, id, None, None, None, &forms, html! {}),
    }
}

pub(super) async fn request_advance(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            return grant_page_again(&web, &visitor, &id, Posted::Advance, state).await
        }
    };
    let amount = match yen_field(form.get("amount")) {
        Ok(amount) => amount,
        Err(message) => {
            let mut errors = Errors::default();
            errors.add(Some("amount"), message);
            let state = FormState::new(form.typed()).with_errors(errors);
            let page = grant_page_again(&web, &visitor, &id, Posted::Advance, state).await;
            return with_session(page, &visitor, again);
        }
    };
    let state = &web.state;
    let command = PageCommand {
        path: &format!("/grants/{id}/advance"),
        form: &form,
        step: "advance",
    };
    let grant = path_id(&id);
    let outcome = web
        .once(&token, command, |actor, context| async move {
            let input = grants::AdvanceAsked { amount };
            grants::request_advance(state, &context, &Applicant::admit(actor)?, grant?, input)
                .await
                .map(|_| ())
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!("/grants/{id}?advance=1")),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &format!("/grants/{id}"))
        }
        Err(problem) => {
            let errors = Errors::placed(&problem, &["amount"], &[]);
            let state = FormState::new(form.typed()).with_errors(errors);
            grant_page_again(&web, &visitor, &id, Posted::Advance, state).await
        }
    };
    with_session(response, &visitor, again)
}

pub(super) async fn withdraw_grant(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            return grant_page_again(&web, &visitor, &id, Posted::Withdraw, state).await
        }
    };
    // The use case records its own reason when none is given.
    let reason = Some(form.get("reason").trim().to_owned()).filter(|reason| !reason.is_empty());
    let state = &web.state;
    let command = PageCommand {
        path: &format!("/grants/{id}/withdraw"),
        form: &form,
        step: "withdraw",
    };
    let grant = path_id(&id);
    let outcome = web
        .once(&token, command, |actor, context| async move {
            grants::withdraw(state, &context, &Applicant::admit(actor)?, grant?, reason)
                .await
                .map(|_| ())
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!("/grants/{id}?withdrawn=1")),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &format!("/grants/{id}"))
        }
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, &["reason"]);
            let state = FormState::new(form.typed()).with_errors(errors);
            grant_page_again(&web, &visitor, &id, Posted::Withdraw, state).await
        }
    };
    with_session(response, &visitor, again)
}

// ---------------------------------------------------------------- the change request

const CHANGE_FIELDS: &[&str] = &["reason", "period", "budget"];

/// The change form pre-filled with the plan as the application holds it.
fn change_fields(application: Option<&ApplicationRead>) -> FormData {
    let mut fields = FormData::default();
    if let Some(application) = application {
        if let Some(period) = &application.period {
            fields.set("period_start", period.start.to_string());
            fields.set("period_end", period.end.to_string());
        }
        if let Some(budget) = &application.budget {
            budget_fields(budget, &mut fields);
        }
    }
    fields
}

/// The change form; without the grant read (the session ended while it was typed), the form alone.
fn change_page(
    visitor: &Visitor,
    id: &str,
    grant: Option<&GrantRead>,
    state: &FormState,
) -> Response {
    let field_error = |name: &str| state.errors.field(name).map(str::to_owned);
    let body = html! {
        @if let Some(grant) = grant { (grant_summary(grant)) }
        p { "事業費の総額を一定の割合を超えて減らすとき、増やすとき、事業期間を完了期限より延ばすときは、市の承認が必要です（それ以外の軽微な変更は届け出として記録されます）。変更後の計画をすべて入力してください。" }
        (error_summary(state))
        form.stack method="post" action={ "/grants/" (id) "/change" } {
            (form_guard(visitor, state))
            (Input::text("reason", "変更の理由").required().max(LONG_TEXT_MAX_CHARS).textarea(state))
            div.field.invalid[field_error("period").is_some()] #f-period {
                @if let Some(error) = field_error("period") { p.error id="e-period" { (error) } }
                (Input::text("period_start", "変更後の事業期間（開始日）").kind("date").required().render(state))
                (Input::text("period_end", "変更後の事業期間（終了日）").kind("date").required().render(state))
            }
            fieldset #f-budget {
                legend { "変更後の収支予算" }
                @if let Some(error) = field_error("budget") { p.error id="e-budget" { (error) } }
                (budget_tables(&state.values))
            }
            div.actions { button type="submit" { "変更を申請する" } }
        }
        p { a href={ "/grants/" (id) } { "交付決定のページへ戻る" } }
    };
    let code = state.status();
    page_with_status(code, visitor, "変更承認申請", body)
}

pub(super) async fn change_form(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/grants/{id}/change");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load_grant(&web, token, &id).await {
        Ok((grant, application)) => change_page(
            &visitor,
            &id,
            Some(&grant),
            &FormState::new(change_fields(application.as_ref())),
        ),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

pub(super) async fn request_change(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/grants/{id}/change");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let grant = match visitor.token() {
                Some(token) => load_grant(&web, token, &id).await.ok().map(|found| found.0),
                None => None,
            };
            return change_page(&visitor, &id, grant.as_ref(), &state);
        }
    };
    let budget = read_budget(&form);
    let period = read_period(&form);
    let grant = path_id(&id);
    let reason = form.get("reason").to_owned();
    let state = &web.state;
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "change",
    };
    let outcome = web
        .once(&token, command, |actor, context| async move {
            let mut unread = Vec::new();
            if budget.is_none() {
                unread.push(unreadable_budget());
            }
            if period.is_none() {
                unread.push(unreadable_period());
            }
            let (Some(budget), Some(period)) = (budget, period) else {
                return Err(ServiceError::invalid_fields(&unread));
            };
            let input = grants::ChangeRequest {
                reason,
                budget,
                period: grants_domain::grant::Period {
                    start: period.start,
                    end: period.end,
                },
            };
            grants::request_change(state, &context, &Applicant::admit(actor)?, grant?, input)
                .await
                .map(|_| ())
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!("/grants/{id}?changed=1")),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            let errors = Errors::placed(&problem, CHANGE_FIELDS, &[]);
            let grant = match load_grant(&web, &token, &id).await {
                Ok((grant, _)) => grant,
                Err(problem) => return read_failed(&visitor, &problem, &path),
            };
            change_page(
                &visitor,
                &id,
                Some(&grant),
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    };
    with_session(response, &visitor, again)
}
