//! The applicant's dashboard (`/my`): their notices (お知らせ, the mails of app/src/mail as each member
//! sees them, read or unread), their groups, their grants, their applications, the open calls.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde_json::Value;
use time::OffsetDateTime;

use grants_domain::application::ApplicationStatus;
use grants_domain::fiscal_year::jst_date;
use grants_domain::grant::GrantStatus;
use grants_domain::work::{group_step_for_application, group_step_for_grant, GroupStep, Offer};
use grants_domain::Yen;
use time::Date;

use super::non_empty;
use crate::mail::Notices;
use crate::web::api::encode;
use crate::web::api::Call;
use crate::web::form::{guard, FormData, FormState, Guard, PageForm};
use crate::web::pages::public::window_open;
use crate::web::pages::redirect;
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{self, date_of, form_guard, instant_of, page, text, yen_of};
use crate::web::Web;

pub(super) async fn dashboard(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/my");
    };
    let groups = match web.api.get("/api/v1/groups", Some(token)).await {
        Ok(groups) => groups,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let applications = match web.api.get("/api/v1/applications", Some(token)).await {
        Ok(applications) => applications,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let rounds = web
        .api
        .get("/api/v1/rounds", Some(token))
        .await
        .unwrap_or(Value::Array(Vec::new()));
    let now = web.clock.now();
    let open: Vec<&Value> = rounds
        .as_array()
        .map(|rounds| {
            rounds
                .iter()
                .filter(|round| window_open(round, now))
                .collect()
        })
        .unwrap_or_default();
    let groups = groups.as_array().cloned().unwrap_or_default();
    let applications = applications.as_array().cloned().unwrap_or_default();
    // The group's grants: each awarded application's grant, as the grant read answers it.
    let mut grants = Vec::new();
    for row in &applications {
        if let Some(grant_id) = row["grant_id"].as_str() {
            let path = format!("/api/v1/grants/{}", encode(grant_id));
            if let Ok(grant) = web.api.get(path, Some(token)).await {
                grants.push((row, grant));
            }
        }
    }
    // The offers an application may have to answer: a runner-up's, or a 繰上げ採択 offer to one
    // that passed but was not adopted.
    let mut offers = Vec::new();
    for row in &applications {
        let may_have_offer = parsed::<ApplicationStatus>(&row["status"])
            .is_some_and(ApplicationStatus::may_hold_an_offer);
        if let (true, Some(id)) = (may_have_offer, row["application_id"].as_str()) {
            if let Ok(read) = super::promotion::load_offer(&web, token, id).await {
                offers.push((id.to_owned(), read));
            }
        }
    }
    let notices: Notices = web
        .api
        .get("/api/v1/notices", Some(token))
        .await
        .ok()
        .and_then(|answer| serde_json::from_value(answer).ok())
        .unwrap_or(Notices {
            unread: 0,
            items: Vec::new(),
        });
    let session = web
        .api
        .get("/api/v1/sessions/current", Some(token))
        .await
        .unwrap_or_default();
    let unverified =
        session["email_verification_required"] == true && session["email_verified"] == false;
    let guard_state = FormState::new(FormData::default());
    let steps = next_steps(
        &applications,
        &offers,
        &grants,
        rounds.as_array().map(Vec::as_slice).unwrap_or_default(),
        now,
    );
    let body = html! {
        @if unverified {
            div.notice #email-unverified role="status" {
                p {
                    strong { "メールアドレスの確認が済んでいません。" }
                    "確認が済むまで、申請書を提出することはできません。登録時にお送りしたメールのリンクを開いてください。"
                }
                p { a href="/verify-email" { "確認のメールをもう一度送る" } }
            }
        }
        section aria-labelledby="my-notices" {
            h2 #my-notices { "お知らせ（未読 " span #unread-notices { (notices.unread) } "件）" }
            @if notices.items.is_empty() {
                p { "お知らせはありません。" }
            } @else {
                ul.notices {
                    @for notice in &notices.items {
                        li data-read=(notice.read) {
                            @if !notice.read { strong { "【未読】" } }
                            (instant_of(&Value::from(notice.created_at.as_str()))) " "
                            a href=(notice.link) { (notice.subject) }
                            @if !notice.read {
                                form.inline method="post" action="/my/notices/read" {
                                    (form_guard(&visitor, &guard_state))
                                    input type="hidden" name="id" value=(notice.id);
                                    button.link type="submit" { "既読にする" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="my-steps" {
            h2 #my-steps { "次に行うこと（" (steps.len()) "件）" }
            @if steps.is_empty() {
                p { "いま期限のある手続はありません。" }
            } @else {
                table #next-steps {
                    caption.visually-hidden { "次に行うこと" }
                    thead { tr { th scope="col" { "行うこと" } th scope="col" { "事業名" } th scope="col" { "期限" } } }
                    tbody {
                        @for step in &steps {
                            tr.overdue[step.overdue] {
                                td { (step.step.label_ja()) @if let GroupStep::PayRefund { amount, .. } = step.step { "（" (yen_of(&serde_json::json!(amount))) "）" } }
                                td { a href=(step.link) { (non_empty(&step.title)) } }
                                td {
                                    (step.by)
                                    @if step.overdue { " " strong.overdue { "期限を過ぎています" } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(user) = visitor.user.as_ref().filter(|user| user.has("coordinator")) {
            section aria-labelledby="my-coordinator" {
                h2 #my-coordinator { "コーディネーター（中間支援）" }
                p { "団体の代表者にあなたのアカウントID " code #coordinator-id { (user.id) } " を伝えてください。代表者が同意すると、その団体の申請の下書きと実績報告を閲覧・編集できます（団体のメンバーから、団体のページのアドレスを教えてもらってください）。" }
            }
        }
        section aria-labelledby="my-groups" {
            h2 #my-groups { "団体" }
            @if groups.is_empty() {
                p { "申請するには、まず団体を登録してください。" }
            } @else {
                ul { @for group in &groups { li {
                    (text(&group["name"])) "（登録番号 " (text(&group["registration_number"])) "） "
                    a href={ "/groups/" (text(&group["id"])) "/members" } { "メンバーと招待" }
                } } }
            }
            p { a href="/groups/new" { "団体を登録する" } }
        }
        @if !grants.is_empty() {
            section aria-labelledby="my-grants" {
                h2 #my-grants { "交付決定" }
                table {
                    thead { tr {
                        th scope="col" { "事業名" } th scope="col" { "状況" } th.num scope="col" { "交付決定額" }
                        th.num scope="col" { "支払済額" } th scope="col" { "完了期限" }
                    } }
                    tbody {
                        @for (row, grant) in &grants {
                            tr {
                                td { a href={ "/grants/" (text(&grant["grant_id"])) } { (non_empty(text(&row["title"]))) } }
                                td { (view::grant_status(text(&grant["status"]))) }
                                td.num { (yen_of(&grant["decided_amount"])) }
                                td.num { (yen_of(&grant["paid_total"])) }
                                td { (date_of(&grant["completion_deadline"])) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="my-applications" {
            h2 #my-applications { "申請" }
            @if applications.is_empty() {
                p { "まだ申請はありません。" }
            } @else {
                table {
                    thead { tr { th scope="col" { "事業名" } th scope="col" { "状況" } th scope="col" { "申請額" } th scope="col" { "補助上限額" } } }
                    tbody {
                        @for row in &applications {
                            tr {
                                td { a href={ "/applications/" (text(&row["application_id"])) } { (non_empty(text(&row["title"]))) } }
                                td { (view::application_status(text(&row["status"]))) }
                                td.num { (yen_of(&row["requested_amount"])) }
                                td.num { (yen_of(&row["max_amount"])) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="my-calls" {
            h2 #my-calls { "募集中の公募" }
            @if open.is_empty() {
                p { "現在募集中の公募はありません。" }
            } @else {
                ul {
                    @for round in &open {
                        li {
                            a href={ "/rounds/" (text(&round["id"])) } { (text(&round["title"])) }
                            " （締切 " (instant_of(&round["closes_at"])) "） "
                            a href={ "/rounds/" (text(&round["id"])) "/apply" } { "申請書を作成する" }
                        }
                    }
                }
            }
        }
    };
    page(&visitor, "マイページ", body)
}

/// One step the group must take, with where to take it and by when (as the city writes dates).
struct NextStep {
    step: GroupStep,
    title: String,
    link: String,
    by: String,
    /// The day has passed (`GroupStep::is_overdue`).
    overdue: bool,
}

/// An offer of the offers read (`runner_up_offer` or `offer`), as the domain weighs it.
fn offer_of(offer: &Value) -> Option<Offer> {
    Some(Offer {
        expires_on: parsed(&offer["expires_on"])?,
        answered: !offer["accepted"].is_null(),
    })
}

fn parsed<T: serde::de::DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

fn day(value: Option<Date>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |day| date_of(&Value::from(day.to_string())),
    )
}

/// What the group must do next, read from its applications, its grants and their rounds; which
/// states call for a step is the domain's rule (`grants_domain::work`).
fn next_steps(
    applications: &[Value],
    offers: &[(String, Value)],
    grants: &[(&Value, Value)],
    rounds: &[Value],
    now: OffsetDateTime,
) -> Vec<NextStep> {
    let today = jst_date(now);
    let round_of = |id: &Value| rounds.iter().find(|round| round["id"] == *id);
    let mut steps = Vec::new();
    for row in applications {
        let Some(status) = parsed::<ApplicationStatus>(&row["status"]) else {
            continue;
        };
        let id = text(&row["application_id"]);
        let round = round_of(&row["round_id"]);
        let open = round.is_some_and(|round| window_open(round, now));
        let read = offers.iter().find(|(of, _)| of == id).map(|(_, read)| read);
        let runner_up = read.and_then(|read| offer_of(&read["runner_up_offer"]));
        let promotion = read.and_then(|read| offer_of(&read["offer"]));
        let Some(step) = group_step_for_application(status, open, runner_up, promotion, today)
        else {
            continue;
        };
        let (by, link) = match step {
            GroupStep::SubmitDraft | GroupStep::ResubmitReturned => (
                round
                    .map(|round| instant_of(&round["closes_at"]))
                    .unwrap_or_else(|| "—".to_owned()),
                format!("/applications/{id}"),
            ),
            GroupStep::AnswerOffer { by } => {
                (day(Some(by)), format!("/applications/{id}/runner-up"))
            }
            GroupStep::AnswerPromotion { by } => {
                (day(Some(by)), format!("/applications/{id}/promotion"))
            }
            _ => ("—".to_owned(), format!("/applications/{id}")),
        };
        steps.push(NextStep {
            step,
            title: text(&row["title"]).to_owned(),
            link,
            by,
            overdue: step.is_overdue(today),
        });
    }
    for (row, grant) in grants {
        let Some(status) = parsed::<GrantStatus>(&grant["status"]) else {
            continue;
        };
        // The grant's own due dates: the report's with any extension, the refund order's 納期限.
        let report_due = parsed::<Date>(&grant["settlement_due_on"]);
        let refund = parsed::<Yen>(&grant["refund_due"]).unwrap_or(Yen::ZERO);
        let refund_due_on = parsed::<Date>(&grant["refund_order"]["due_on"]);
        let Some(step) = group_step_for_grant(status, report_due, refund, refund_due_on) else {
            continue;
        };
        steps.push(NextStep {
            step,
            title: text(&row["title"]).to_owned(),
            link: format!("/grants/{}", text(&grant["grant_id"])),
            by: day(step.due_on()),
            overdue: step.is_overdue(today),
        });
    }
    steps
}

/// `POST /my/notices/read`: marks one of the member's notices read, then back to the list.
pub(super) async fn read_notice(
    State(web): State<Web>,
    visitor: Visitor,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { .. } => return redirect("/my#my-notices"),
    };
    let call = Call::command(
        axum::http::Method::POST,
        "/api/v1/notices/read",
        Some(&token),
        Some(serde_json::json!({"id": form.get("id")})),
    );
    let response = match web.api.send(call).await {
        Ok(_) => redirect("/my#my-notices"),
        Err(problem) => read_failed(&visitor, &problem, "/my"),
    };
    super::with_session(response, &visitor, again)
}
