//! The applicant's dashboard (`/my`): their notices (お知らせ, the mails of app/src/mail as each member
//! sees them, read or unread), their groups, their grants, their applications, the open calls.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use time::OffsetDateTime;

use grants_domain::fiscal_year::jst_date;
use grants_domain::work::{group_step_for_application, group_step_for_grant, GroupStep, Offer};
use grants_projections::applications::ApplicationRow;

use super::non_empty;
use crate::mail::Notices;
use crate::service::applications::ListFilter;
use crate::service::grant_read::GrantRead;
use crate::service::promotions::Offers;
use crate::service::round_read::RoundRead;
use crate::web::form::{guard, FormData, FormState, Guard, PageForm};
use crate::web::pages::redirect;
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{self, form_guard, instant_ja, page};
use crate::web::Web;

pub(super) async fn dashboard(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/my");
    };
    let reads = match web.reads(token).await {
        Ok(reads) => reads,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let groups = match reads.my_groups().await {
        Ok(groups) => groups,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let applications = match reads.applications(&ListFilter::default()).await {
        Ok(applications) => applications,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let rounds = reads.rounds().await.unwrap_or_default();
    let now = web.clock.now();
    let open: Vec<&RoundRead> = rounds
        .iter()
        .filter(|round| round.settings.is_open_for_submission(now))
        .collect();
    // The group's grants: each awarded application's grant, as the grant read answers it.
    let mut grants = Vec::new();
    for row in &applications {
        if let Some(grant_id) = &row.grant_id {
            if let Ok(grant) = reads.grant(grant_id).await {
                grants.push((row, grant));
            }
        }
    }
    // The offers an application may have to answer: a runner-up's, or a 繰上げ採択 offer to one
    // that passed but was not adopted.
    let mut offers = Vec::new();
    for row in &applications {
        if row.status.may_hold_an_offer() {
            if let Ok(read) = reads.offers(&row.application_id).await {
                offers.push((row.application_id.clone(), read));
            }
        }
    }
    let notices = reads.notices().await.unwrap_or(Notices {
        unread: 0,
        items: Vec::new(),
    });
    let unverified = reads.email_unverified().await.unwrap_or(false);
    let guard_state = FormState::new(FormData::default());
    let steps = next_steps(&applications, &offers, &grants, &rounds, now);
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
                            (instant_ja(&notice.created_at)) " "
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
                                td { (step.step.label_ja()) @if let GroupStep::PayRefund { amount, .. } = step.step { "（" (amount) "）" } }
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
                    (group.name) "（登録番号 " (group.registration_number) "） "
                    a href={ "/groups/" (group.id) "/members" } { "メンバーと招待" }
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
                                td { a href={ "/grants/" (grant.grant_id) } { (non_empty(&row.title)) } }
                                td { (view::grant_state(grant.status)) }
                                td.num { (grant.decided_amount) }
                                td.num { (grant.paid_total) }
                                td { (view::day(grant.completion_deadline)) }
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
                                td { a href={ "/applications/" (row.application_id) } { (non_empty(&row.title)) } }
                                td { (row.status.label_ja()) }
                                td.num { (view::yen(row.requested_amount)) }
                                td.num { (view::yen_or_dash(row.max_amount)) }
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
                            a href={ "/rounds/" (round.id) } { (round.settings.title) }
                            " （締切 " (view::instant(round.settings.closes_at)) "） "
                            a href={ "/rounds/" (round.id) "/apply" } { "申請書を作成する" }
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

/// What the group must do next, read from its applications, its grants and their rounds; which
/// states call for a step is the domain's rule (`grants_domain::work`).
fn next_steps(
    applications: &[ApplicationRow],
    offers: &[(String, Offers)],
    grants: &[(&ApplicationRow, GrantRead)],
    rounds: &[RoundRead],
    now: OffsetDateTime,
) -> Vec<NextStep> {
    let today = jst_date(now);
    let round_of = |id: &str| rounds.iter().find(|round| round.id.to_string() == id);
    let mut steps = Vec::new();
    for row in applications {
        let id = &row.application_id;
        let round = round_of(&row.round_id);
        let open = round.is_some_and(|round| round.settings.is_open_for_submission(now));
        let read = offers.iter().find(|(of, _)| of == id).map(|(_, read)| read);
        let runner_up = read
            .and_then(|read| read.runner_up.as_ref())
            .map(|offer| Offer {
                expires_on: offer.expires_on,
                answered: offer.accepted.is_some(),
            });
        let promotion = read
            .and_then(|read| read.promotion.as_ref())
            .map(|offer| Offer {
                expires_on: offer.expires_on,
                answered: offer.accepted.is_some(),
            });
        let Some(step) = group_step_for_application(row.status, open, runner_up, promotion, today)
        else {
            continue;
        };
        let (by, link) = match step {
            GroupStep::SubmitDraft | GroupStep::ResubmitReturned => (
                round.map_or_else(
                    || "—".to_owned(),
                    |round| view::instant(round.settings.closes_at),
                ),
                format!("/applications/{id}"),
            ),
            GroupStep::AnswerOffer { by } => {
                (view::day(Some(by)), format!("/applications/{id}/runner-up"))
            }
            GroupStep::AnswerPromotion { by } => {
                (view::day(Some(by)), format!("/applications/{id}/promotion"))
            }
            _ => ("—".to_owned(), format!("/applications/{id}")),
        };
        steps.push(NextStep {
            step,
            title: row.title.clone(),
            link,
            by,
            overdue: step.is_overdue(today),
        });
    }
    for (row, grant) in grants {
        let Some(status) = grant.status else {
            continue;
        };
        // The grant's own due dates: the report's with any extension, the refund order's 納期限.
        let refund_due_on = grant.refund_order.as_ref().map(|order| order.due_on);
        let Some(step) = group_step_for_grant(
            status,
            grant.settlement_due_on,
            grant.refund_due,
            refund_due_on,
        ) else {
            continue;
        };
        steps.push(NextStep {
            step,
            title: row.title.clone(),
            link: format!("/grants/{}", grant.grant_id),
            by: view::day(step.due_on()),
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
    let marked = async {
        let actor = web.caller(&token).await?;
        crate::mail::mark_read(&web.state.db, actor.user_id, form.get("id")).await?;
        Ok::<_, crate::web::problem::Problem>(())
    };
    let response = match marked.await {
        Ok(_) => redirect("/my#my-notices"),
        Err(problem) => read_failed(&visitor, &problem, "/my"),
    };
    super::with_session(response, &visitor, again)
}
