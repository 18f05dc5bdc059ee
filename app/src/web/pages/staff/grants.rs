//! One grant for staff (`/staff/grants/{id}`): decided, paid, finalised, what remains to pay and
//! the refund due as `GET /api/v1/grants/{id}` answers them, the advance requests waiting to be
//! paid, the settlement report the group filed, and the forms of the grant's staff routes:
//! recording a payment (advance or final), reviewing the settlement report (accepting it finalises
//! the amount, 額の確定; or returning it), recording a refund received, deciding a change request
//! (変更承認申請, see [`super::changes`]), and cancelling the award (取消) with the refund it orders.
//!
//! The review and the cancellation are offered only when the grant read's `allowed_actions` (the
//! domain's `Grant::allowed_actions`) include them, and the cancellation stays folded until opened;
//! the other forms are always offered, and the API says whether the grant's state allows them.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use grants_domain::grant::GrantAction;
use grants_domain::{ChangeRequestId, GrantId};
use maud::{html, Markup};

use super::{act, done_after, refused_outright, resubmit, status_of, Done};
use super::{changes, settlement};
use crate::policy::Staff;
use crate::service::application_read::ApplicationRead;
use crate::service::grant_read::{GrantRead, SettlementReportRead};
use crate::service::grants::{
    self, Cancellation, ChangeDecision, DeadlineExtension, Payment, Refund, ReportReview,
};
use crate::service::{CommandContext, ServiceError};
use crate::state::AppState;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{choice, date_field, required_yen_field, Errors, FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;

/// One grant for staff (`/staff/grants/{id}`) and its forms: payments, settlement review, refunds,
/// cancellation, change decisions, the report's due date and a delay's acceptance.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/grants/{id}", get(grant))
        .route("/staff/grants/{id}/payments", post(record_payment))
        .route("/staff/grants/{id}/settlement-review", post(review_report))
        .route("/staff/grants/{id}/refunds", post(record_refund))
        .route("/staff/grants/{id}/cancellation", post(cancel))
        .route("/staff/grants/{id}/change-decision", post(decide_change))
        .route(
            "/staff/grants/{id}/settlement-deadline",
            post(extend_deadline),
        )
        .route("/staff/grants/{id}/delay-acceptance", post(accept_delay))
}

/// The page's forms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Payment,
    Review,
    Refund,
    Cancel,
    Change,
    Extend,
    AcceptDelay,
}

impl Which {
    /// The page's own route for the form.
    fn action(self, id: &str) -> String {
        let tail = match self {
            Which::Payment => "payments",
            Which::Review => "settlement-review",
            Which::Refund => "refunds",
            Which::Cancel => "cancellation",
            Which::Change => "change-decision",
            Which::Extend => "settlement-deadline",
            Which::AcceptDelay => "delay-acceptance",
        };
        format!("/staff/grants/{id}/{tail}")
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Which::Payment => &["payment_amount", "paid_on", "payment_kind"],
            Which::Review => &["review_reason"],
            Which::Refund => &["refund_amount", "received_on"],
            Which::Cancel => &["cancel_reason", "cancel_refund_amount"],
            Which::Change => &["change_new_amount", "change_reason"],
            Which::Extend => &["extension_deadline", "extension_reason"],
            Which::AcceptDelay => &[],
        }
    }

    /// The API's field names as this form calls them.
    fn renamed(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Which::Payment => &[("amount", "payment_amount"), ("kind", "payment_kind")],
            Which::Review => &[("reason", "review_reason")],
            Which::Refund => &[("amount", "refund_amount")],
            Which::Cancel => &[
                ("reason", "cancel_reason"),
                ("refund_amount", "cancel_refund_amount"),
            ],
            Which::Change => &[
                ("new_amount", "change_new_amount"),
                ("reason", "change_reason"),
            ],
            Which::Extend => &[
                ("deadline", "extension_deadline"),
                ("reason", "extension_reason"),
            ],
            Which::AcceptDelay => &[],
        }
    }

    /// The form read into its use case's input, or every field that could not be read.
    fn input(self, form: &FormData) -> Result<StaffCommand, Errors> {
        let mut errors = Errors::default();
        let text = |name: &str| form.get(name).to_owned();
        let input = match self {
            Which::Payment => {
                let amount = errors.read(
                    "payment_amount",
                    required_yen_field(form.get("payment_amount")),
                );
                let paid_on = errors.read("paid_on", date_field(form.get("paid_on")));
                let kind = errors.read(
                    "payment_kind",
                    choice(form.get("payment_kind")).ok_or(PAYMENT_KIND),
                );
                match (amount, paid_on, kind) {
                    (Some(amount), Some(paid_on), Some(kind)) => {
                        Some(StaffCommand::Payment(Payment {
                            amount,
                            paid_on,
                            kind,
                        }))
                    }
                    _ => None,
                }
            }
            Which::Review => choice(form.get("review_outcome")).map(|outcome| {
                StaffCommand::Review(ReportReview {
                    outcome,
                    reason: text("review_reason"),
                })
            }),
            Which::Refund => {
                let amount = errors.read(
                    "refund_amount",
                    required_yen_field(form.get("refund_amount")),
                );
                let received_on = errors.read("received_on", date_field(form.get("received_on")));
                match (amount, received_on) {
                    (Some(amount), Some(received_on)) => Some(StaffCommand::Refund(Refund {
                        amount,
                        received_on,
                    })),
                    _ => None,
                }
            }
            Which::Cancel => errors
                .read(
                    "cancel_refund_amount",
                    required_yen_field(form.get("cancel_refund_amount")),
                )
                .map(|refund_amount| {
                    StaffCommand::Cancel(Cancellation {
                        reason: text("cancel_reason"),
                        refund_amount,
                    })
                }),
            Which::Change => {
                // An empty new amount leaves the decided amount as it is.
                let new_amount = match form.get("change_new_amount").trim() {
                    "" => Some(None),
                    typed => errors
                        .read("change_new_amount", required_yen_field(typed))
                        .map(Some),
                };
                let change = form.get("change_request_id").parse().ok();
                match (new_amount, change) {
                    (Some(new_amount), Some(change)) => Some(StaffCommand::Change(
                        change,
                        ChangeDecision {
                            approved: form.get("change_approved") == "true",
                            new_amount,
                            reason: text("change_reason"),
                        },
                    )),
                    (Some(_), None) => {
                        errors.add(None, CHANGE_UNKNOWN);
                        None
                    }
                    _ => None,
                }
            }
            Which::Extend => errors
                .read(
                    "extension_deadline",
                    date_field(form.get("extension_deadline")),
                )
                .map(|deadline| {
                    StaffCommand::Extend(DeadlineExtension {
                        deadline,
                        reason: text("extension_reason"),
                    })
                }),
            Which::AcceptDelay => Some(StaffCommand::AcceptDelay),
        };
        match input {
            Some(input) if errors.is_empty() => Ok(input),
            _ => {
                if errors.is_empty() {
                    errors.add(None, CHOOSE_OUTCOME);
                }
                Err(errors)
            }
        }
    }

    /// The notice after the form succeeded.
    fn done(self) -> &'static str {
        match self {
            Which::Payment => "paid",
            Which::Review => "reviewed",
            Which::Refund => "refunded",
            Which::Cancel => "cancelled",
            Which::Change => "change-decided",
            Which::Extend => "extended",
            Which::AcceptDelay => "delay-accepted",
        }
    }
}

/// Beside the payment's kind when neither was chosen.
const PAYMENT_KIND: &str = "支払の種類（概算払・精算払）を選んでください";
/// When a change decision names no change request of this grant.
const CHANGE_UNKNOWN: &str = "審査する変更承認申請が見つかりません。ページを開き直してください";
/// When a review's outcome is neither of its buttons.
const CHOOSE_OUTCOME: &str = "「承認して額を確定する」か「差し戻す」を選んでください";

/// A staff form read into the input of its use case.
enum StaffCommand {
    Payment(Payment),
    Review(ReportReview),
    Refund(Refund),
    Cancel(Cancellation),
    Change(ChangeRequestId, ChangeDecision),
    Extend(DeadlineExtension),
    AcceptDelay,
}

impl StaffCommand {
    /// Runs the use case as `staff`; the log position of its last event.
    async fn run(
        self,
        state: &AppState,
        context: &CommandContext,
        staff: &Staff,
        id: GrantId,
    ) -> Result<i64, ServiceError> {
        let executed = match self {
            StaffCommand::Payment(input) => {
                grants::record_payment(state, context, staff, id, input).await
            }
            StaffCommand::Review(input) => {
                grants::review_report(state, context, staff, id, input).await
            }
            StaffCommand::Refund(input) => {
                grants::record_refund(state, context, staff, id, input).await
            }
            StaffCommand::Cancel(input) => grants::cancel(state, context, staff, id, input).await,
            StaffCommand::Change(change, input) => {
                grants::decide_change(state, context, staff, id, change, input).await
            }
            StaffCommand::Extend(input) => {
                grants::extend_settlement_deadline(state, context, staff, id, input).await
            }
            StaffCommand::AcceptDelay => {
                grants::accept_delay_reason(state, context, staff, id).await
            }
        }?;
        Ok(executed.position)
    }
}

const NOTICES: &[(&str, &str)] = &[
    ("paid", "支払を記録しました。"),
    ("reviewed", "実績報告の審査結果を登録しました。"),
    ("refunded", "返還金の受領を記録しました。"),
    ("cancelled", "交付決定を取り消しました。"),
    ("change-decided", "変更承認申請の審査結果を登録しました。"),
    ("extended", "実績報告の提出期限を延長しました。"),
    (
        "delay-accepted",
        "遅延理由を承認しました。額の確定ができます。",
    ),
];

/// The page's forms as shown: blank, except the one posted.
struct Forms {
    payment: FormState,
    review: FormState,
    refund: FormState,
    cancel: FormState,
    change: FormState,
    extend: FormState,
    accept_delay: FormState,
}

impl Forms {
    fn blank(today: time::Date) -> Self {
        Self::paying(None, today)
    }

    /// Blank forms, the payment form holding `amount` as an advance when staff chose to pay an
    /// advance request.
    fn paying(amount: Option<u64>, today: time::Date) -> Self {
        let mut payment = FormData::default();
        if let Some(amount) = amount {
            payment.set("payment_amount", amount.to_string());
        }
        payment.set("paid_on", today.to_string());
        payment.set("payment_kind", "advance");
        let mut refund = FormData::default();
        refund.set("received_on", today.to_string());
        Forms {
            payment: FormState::new(payment),
            review: FormState::new(FormData::default()),
            refund: FormState::new(refund),
            cancel: FormState::new(FormData::default()),
            change: FormState::new(FormData::default()),
            extend: FormState::new(FormData::default()),
            accept_delay: FormState::new(FormData::default()),
        }
    }

    fn with(which: Which, state: FormState, today: time::Date) -> Self {
        let mut forms = Forms::blank(today);
        match which {
            Which::Payment => forms.payment = state,
            Which::Review => forms.review = state,
            Which::Refund => forms.refund = state,
            Which::Cancel => forms.cancel = state,
            Which::Change => forms.change = state,
            Which::Extend => forms.extend = state,
            Which::AcceptDelay => forms.accept_delay = state,
        }
        forms
    }
}

struct Loaded {
    grant: GrantRead,
    application: Option<ApplicationRead>,
    report: Option<SettlementReportRead>,
    /// The grant's official documents, as a section of links (`pages::documents`).
    documents: maud::Markup,
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Loaded, Problem> {
    let reads = web.reads(token).await?;
    let grant = reads.grant(id).await?;
    let application = reads
        .application(&grant.application_id.to_string())
        .await
        .ok();
    let report = reads.settlement_report(id).await.ok();
    let documents = crate::web::pages::documents::section(
        web,
        token,
        crate::web::pages::documents::Owner::Grant(id),
    )
    .await;
    Ok(Loaded {
        grant,
        application,
        report,
        documents,
    })
}

fn grant_page(
    visitor: &Visitor,
    id: &str,
    loaded: &Loaded,
    forms: &Forms,
    notice: Option<&str>,
) -> Response {
    let Loaded {
        grant,
        application,
        report,
        documents,
    } = loaded;
    let kind = forms.payment.value("payment_kind");
    let open_advances: Vec<_> = grant.open_advances().collect();
    let pending_changes = changes::pending(grant);
    let reviewable = grant.allows(GrantAction::ReviewSettlement) || !forms.review.errors.is_empty();
    let cancellable = grant.allows(GrantAction::Cancel) || !forms.cancel.errors.is_empty();
    let extendable =
        grant.allows(GrantAction::ExtendSettlementDeadline) || !forms.extend.errors.is_empty();
    let delay_waiting =
        grant.allows(GrantAction::AcceptDelayReason) || !forms.accept_delay.errors.is_empty();
    let body = html! {
        (flash(notice))
        p {
            a href="/staff" { "職員トップへ" } " ・ "
            a href={ "/staff/applications/" (grant.application_id) } { "申請書" } " ・ "
            a href={ "/staff/rounds/" (grant.round_id) "/decisions" } { "この募集回の交付決定" }
        }
        div.summary-box #grant aria-live="polite" {
            p { "状況：" strong #grant-status { (view::grant_state(grant.status)) } }
            p { "文書番号：" (grant.notice_number.as_deref().unwrap_or_default()) "（" (view::day(grant.decided_on)) " 決定）" }
            p { "交付決定額：" strong #decided-amount { (grant.decided_amount) } }
            p { "支払済額（返還を差し引いた額）：" strong #paid-total { (grant.paid_total) } }
            p { "確定額：" strong #finalised-amount { (view::amount(grant.finalised_amount)) } }
            p {
                "未払額：" strong #payable { (grant.remaining_to_pay) }
                "（確定前は交付決定額、確定後は確定額から、支払済額を差し引いた額）"
            }
            p {
                "返還を求める額：" strong #refund-due { (grant.refund_due) }
                @if grant.refund_due_on.is_some() {
                    "（納期限 " span #refund-due-on { (view::day(grant.refund_due_on)) } "）"
                }
            }
            (surcharge_lines(grant))
            p { "事業の完了期限：" (view::day(grant.completion_deadline)) }
            p { "実績報告の提出期限：" strong #settlement-due-on { (view::day(grant.settlement_due_on)) } }
        }
        @if grant.allows(GrantAction::DecideDiscontinuation) || grant.discontinuation.is_some() {
            p #discontinuation-link { a href={ "/staff/grants/" (id) "/discontinuation" } { "事業の中止（廃止）の承認申請" } "（" (view::grant_state(grant.status)) "）" }
        }
        @if let Some(application) = application {
            dl.facts {
                dt { "事業名" } dd { (application.title.as_deref().unwrap_or_default()) }
                dt { "事業概要" } dd { (application.summary.as_deref().unwrap_or_default()) }
            }
        }
        (documents)

        @if !open_advances.is_empty() {
            h2 #advance-requests { "支払を待っている概算払の請求（" (open_advances.len()) "件）" }
            table #advance-request-table {
                caption.visually-hidden { "支払を待っている概算払の請求" }
                thead { tr {
                    th scope="col" { "請求日" } th.num scope="col" { "請求額" } th.num scope="col" { "未払額" } th scope="col" { "対応" }
                } }
                tbody {
                    @for request in &open_advances {
                        tr {
                            td { (view::date_ja(&request.requested_on.to_string())) }
                            td.num { (view::yen(request.amount.to_i64())) }
                            td.num { (view::yen(request.unpaid.to_i64())) }
                            td { a href={ "/staff/grants/" (id) "?pay=" (request.unpaid.to_i64()) "#payments" } { "この額の支払を記録する" } }
                        }
                    }
                }
            }
            p.hint { "「この額の支払を記録する」を選ぶと、下の支払の記録に請求額が入ります。支払日を確かめて記録してください。" }
        }

        h2 #payments { "支払の記録" }
        (error_summary(&forms.payment))
        form.stack method="post" action=(Which::Payment.action(id)) {
            (form_guard(visitor, &forms.payment))
            (Input::text("payment_amount", "支払額（円）").required().render(&forms.payment))
            (Input::text("paid_on", "支払日").kind("date").required().render(&forms.payment))
            fieldset #f-payment_kind {
                legend { "支払の種類" }
                @if let Some(error) = forms.payment.errors.field("payment_kind") { p.error { (error) } }
                label { input type="radio" name="payment_kind" value="advance" checked[kind != "final"]; " 概算払（事業完了前）" }
                br;
                label { input type="radio" name="payment_kind" value="final" checked[kind == "final"]; " 精算払（額の確定後）" }
            }
            div.actions { button type="submit" { "支払を記録する" } }
        }

        h2 #settlement { "実績報告の審査（額の確定）" }
        @if let Some(SettlementReportRead { report: Some(report), attachments }) = report {
            (settlement::report_tables(id, report, attachments))
        } @else {
            p { "実績報告はまだ保存されていません。" }
        }
        @if reviewable {
            p { "承認すると、実績に基づいて補助金の額が確定し、未払額または返還額が計算されます。" }
            (error_summary(&forms.review))
            form.stack method="post" action=(Which::Review.action(id)) {
                (form_guard(visitor, &forms.review))
                (Input::text("review_reason", "差戻しの理由（差し戻すときは必須。申請者に表示されます）").textarea(&forms.review))
                div.actions {
                    button type="submit" name="review_outcome" value="accepted" { "承認して額を確定する" }
                    button.secondary type="submit" name="review_outcome" value="returned" { "差し戻す" }
                }
            }
        } @else {
            p #review-waiting { "実績報告が提出されると、ここで承認（額の確定）または差戻しができます。" }
        }
        (due_date_section(visitor, id, grant, forms, extendable, delay_waiting))

        h2 #refunds { "返還金の受領" }
        (error_summary(&forms.refund))
        form.stack method="post" action=(Which::Refund.action(id)) {
            (form_guard(visitor, &forms.refund))
            (Input::text("refund_amount", "受領した返還額（円）").required().render(&forms.refund))
            (Input::text("received_on", "受領日").kind("date").required().render(&forms.refund))
            div.actions { button type="submit" { "返還金の受領を記録する" } }
        }

        h2 #changes { "変更承認申請" }
        (changes::section(visitor, &Which::Change.action(id), &pending_changes, &forms.change))

        @if cancellable {
            h2 #cancellation { "交付決定の取消" }
            details #cancellation-form open[!forms.cancel.errors.is_empty()] {
                summary { "交付決定を取り消す" }
                p { "不正な使用や条件違反があったときに取り消し、支払済みの額の全部または一部の返還を求めます。額の確定後も取り消せます。取り消すと元に戻せません。" }
                (error_summary(&forms.cancel))
                form.stack method="post" action=(Which::Cancel.action(id)) {
                    (form_guard(visitor, &forms.cancel))
                    (Input::text("cancel_reason", "取消の理由").required().textarea(&forms.cancel))
                    (Input::text("cancel_refund_amount", "返還を求める額（円）").required().render(&forms.cancel))
                    div.actions { button.danger type="submit" { "取消を確定する" } }
                }
            }
        }
    };
    let states = [
        &forms.payment,
        &forms.review,
        &forms.refund,
        &forms.cancel,
        &forms.change,
        &forms.extend,
        &forms.accept_delay,
    ];
    let title = format!(
        "交付：{}",
        grant.notice_number.as_deref().unwrap_or_default()
    );
    page_with_status(status_of(&states), visitor, &title, body)
}

async fn grant(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
    Query(pay): Query<Pay>,
) -> Response {
    let path = format!("/staff/grants/{id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let loaded = match load(&web, token, &id).await {
        Ok(loaded) => loaded,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    grant_page(
        &visitor,
        &id,
        &loaded,
        &Forms::paying(
            pay.pay.as_deref().and_then(|amount| amount.parse().ok()),
            web.clock.today_jst(),
        ),
        done.notice(NOTICES),
    )
}

/// `?pay=N`: staff chose to pay an advance request of N yen (the payment form starts with it).
#[derive(serde::Deserialize)]
struct Pay {
    pay: Option<String>,
}

/// Sends one of the page's forms, then the page with the notice, or the page again with what was
/// typed and the refusal beside its field.
async fn post_form(
    web: Web,
    visitor: Visitor,
    id: String,
    form: FormData,
    which: Which,
) -> Response {
    let path = format!("/staff/grants/{id}");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id).await {
                    Ok(loaded) => grant_page(
                        &visitor,
                        &id,
                        &loaded,
                        &Forms::with(which, state, web.clock.today_jst()),
                        None,
                    ),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &which.action(&id), "交付の記録", &state),
            };
        }
    };
    let shown_again = |errors: Errors, loaded: &Loaded, visitor: &Visitor| {
        let state = FormState::new(form.typed()).with_errors(errors);
        grant_page(
            visitor,
            &id,
            loaded,
            &Forms::with(which, state, web.clock.today_jst()),
            None,
        )
    };
    let input = match which.input(&form) {
        Ok(input) => input,
        Err(errors) => {
            let response = match load(&web, &acting.token, &id).await {
                Ok(loaded) => shown_again(errors, &loaded, &acting.visitor),
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            };
            return acting.finish(response);
        }
    };
    let state = &web.state;
    let grant = path_id::<GrantId>(&id);
    let command = PageCommand {
        path: &which.action(&id),
        form: &form,
        step: which.done(),
    };
    let outcome = web
        .once(&acting.token, command, |actor, context| async move {
            input
                .run(state, &context, &Staff::admit(actor)?, grant?)
                .await
        })
        .await;
    let response = match outcome {
        Ok(position) => redirect(&done_after(&path, which.done(), Some(position))),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page) => page,
            None => match load(&web, &acting.token, &id).await {
                Ok(loaded) => {
                    // The refusal names the use case's field; this page's forms prefix theirs.
                    let problem = problem.renamed(which.renamed());
                    let errors = Errors::placed(&problem, which.fields(), &[]);
                    shown_again(errors, &loaded, &acting.visitor)
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}

async fn record_payment(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Payment).await
}

async fn review_report(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Review).await
}

async fn record_refund(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Refund).await
}

async fn cancel(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Cancel).await
}

async fn decide_change(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Change).await
}

/// The report's due date: the extensions granted, a late report's delay reason with its acceptance,
/// and the extension form while the first report has not come.
fn due_date_section(
    visitor: &Visitor,
    id: &str,
    grant: &GrantRead,
    forms: &Forms,
    extendable: bool,
    delay_waiting: bool,
) -> Markup {
    let extensions = &grant.settlement_extensions;
    html! {
        h3 #settlement-due { "実績報告の提出期限" }
        p { "提出期限：" (view::day(grant.settlement_due_on)) }
        @if !extensions.is_empty() {
            table #settlement-extensions {
                caption { "期限の延長" }
                thead { tr { th scope="col" { "延長前" } th scope="col" { "延長後" } th scope="col" { "理由" } } }
                tbody {
                    @for extension in extensions {
                        tr {
                            td { (view::day(Some(extension.previous))) }
                            td { (view::day(Some(extension.deadline))) }
                            td { (extension.reason) }
                        }
                    }
                }
            }
        }
        @if let Some(delay) = &grant.settlement_delay {
            div #settlement-delay {
                p { "期限（" (view::day(Some(delay.deadline))) "）後に提出された報告です。遅延理由：" }
                blockquote { (delay.reason) }
                @if delay.accepted_at.is_none() {
                    p { "遅延理由を承認するまで、額を確定できません。" }
                } @else {
                    p { "遅延理由は承認済みです。" }
                }
            }
        }
        @if delay_waiting {
            (error_summary(&forms.accept_delay))
            form.stack method="post" action=(Which::AcceptDelay.action(id)) {
                (form_guard(visitor, &forms.accept_delay))
                div.actions { button type="submit" { "遅延理由を承認する" } }
            }
        }
        @if extendable {
            (error_summary(&forms.extend))
            form.stack method="post" action=(Which::Extend.action(id)) {
                (form_guard(visitor, &forms.extend))
                (Input::text("extension_deadline", "延長後の提出期限").kind("date").required().render(&forms.extend))
                (Input::text("extension_reason", "延長の理由").required().textarea(&forms.extend))
                div.actions { button type="submit" { "提出期限を延長する" } }
            }
        }
    }
}

async fn extend_deadline(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Extend).await
}

async fn accept_delay(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::AcceptDelay).await
}

/// The refund order's 加算金・延滞金 (適正化法 第19条), as the grant read computes them.
fn surcharge_lines(grant: &GrantRead) -> Markup {
    html! {
        @if let Some(order) = &grant.refund_order {
            div #surcharges {
                p {
                    "返還命令：" (order.ordered) "（納期限 " (view::day(Some(order.due_on))) "）"
                    "・加算金 年" (percent(order.additional_charge_rate)) "・延滞金 年" (percent(order.late_charge_rate))
                    "（1年" (order.days_per_year) "日）"
                }
                p { "納期限に全額を返還した場合の加算金：" strong #additional-if-due { (order.additional_charge_if_paid_on_due_date) } }
                @if let Some(figures) = &grant.surcharges {
                    p {
                        (view::day(Some(figures.as_of))) "時点の加算金：" strong #additional-charge { (figures.additional) }
                        "・延滞金：" strong #late-charge { (figures.late) }
                    }
                }
                p.hint { "加算金は受領日から返還日まで、延滞金は納期限の翌日から返還日までの日数で計算します（計算の基礎は100円未満切捨て、1円未満切捨て、100円未満の額は請求しません）。" }
            }
        }
    }
}

/// A yearly rate (219/2000) as a percentage ("10.95%"), exact to four decimals.
fn percent(ratio: grants_domain::Ratio) -> String {
    let hundred = grants_domain::Ratio::new(100, 1).expect("1 is not zero");
    let percent = (ratio.to_decimal_for_display() * hundred.to_decimal_for_display())
        .round_dp(4)
        .normalize();
    format!("{percent}%")
}
