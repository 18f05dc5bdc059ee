//! A grant's change requests (変更承認申請) on the staff grant page: the ones staff have not decided
//! yet, as the grant read lists them (`status: pending`), and the form that approves or refuses one
//! through `POST /api/v1/grants/{id}/change-requests/{cid}/decision`.

use grants_domain::grant::ChangeState;
use maud::{html, Markup};

use crate::service::grant_read::{ChangeRequestRead, GrantRead};
use crate::web::form::FormState;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, form_guard, Input};

/// The grant's change requests that staff have not decided yet, in the order made.
pub(super) fn pending(grant: &GrantRead) -> Vec<&ChangeRequestRead> {
    grant
        .change_requests
        .iter()
        .filter(|change| change.status == ChangeState::Pending)
        .collect()
}

/// The pending change requests, each with the decision form posted to `action`.
pub(super) fn section(
    visitor: &Visitor,
    action: &str,
    pending: &[&ChangeRequestRead],
    state: &FormState,
) -> Markup {
    html! {
        @if pending.is_empty() {
            p { "審査を待つ変更承認申請はありません。" }
        }
        @for change in pending {
            @let change_id = change.change_request_id;
            dl.facts {
                dt { "申請日時" } dd { (view::instant_ja(&change.requested_at)) }
                dt { "変更の理由" } dd { (change.reason) }
                dt { "変更後の事業期間" } dd { (view::day(Some(change.period.start))) " 〜 " (view::day(Some(change.period.end))) }
                dt { "総事業費" } dd { (change.total_cost_before) " → " (change.total_cost_after) }
            }
            (error_summary(state))
            form.stack method="post" action=(action) {
                (form_guard(visitor, state))
                input type="hidden" name="change_request_id" value=(change_id);
                (Input::text("change_new_amount", "変更後の交付決定額（円）").hint("額を変えずに承認するときは空欄のままにしてください。").render(state))
                (Input::text("change_reason", "審査の理由").textarea(state))
                div.actions {
                    button type="submit" name="change_approved" value="true" { "変更を承認する" }
                    button.secondary type="submit" name="change_approved" value="false" { "変更を承認しない" }
                }
            }
        }

    }
}
