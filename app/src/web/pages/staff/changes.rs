//! A grant's change requests (変更承認申請) on the staff grant page: the ones no decision has answered
//! yet, read from the grant's history (`GET /api/v1/audit/streams/grant/{id}`, which staff may
//! read; the grant read lists none), and the form that approves or refuses one through
//! `POST /api/v1/grants/{id}/change-requests/{cid}/decision`.

use maud::{html, Markup};
use serde_json::Value;

use crate::web::form::FormState;
use crate::web::session::Visitor;
use crate::web::view::{self, date_of, error_summary, form_guard, text, yen_of, Input};

/// The change requests of a grant's history that no approval or rejection has answered yet.
pub(super) fn pending(history: &Value) -> Vec<Value> {
    let events = history.as_array().map(Vec::as_slice).unwrap_or_default();
    let payload = |event: &Value| {
        let kind = text(&event["event_type"]);
        let inner = &event["payload"][kind];
        if inner.is_object() {
            inner.clone()
        } else {
            event["payload"].clone()
        }
    };
    let answered: Vec<String> = events
        .iter()
        .filter(|event| {
            matches!(
                text(&event["event_type"]),
                "ChangeApproved" | "ChangeRejected"
            )
        })
        .map(|event| text(&payload(event)["change_request_id"]).to_owned())
        .collect();
    events
        .iter()
        .filter(|event| text(&event["event_type"]) == "ChangeRequested")
        .map(payload)
        .filter(|change| {
            !answered
                .iter()
                .any(|id| id == text(&change["change_request_id"]))
        })
        .collect()
}

/// The pending change requests, each with the decision form posted to `action`.
pub(super) fn section(
    visitor: &Visitor,
    action: &str,
    pending: &[Value],
    state: &FormState,
) -> Markup {
    html! {
        @if pending.is_empty() {
            p { "審査を待つ変更承認申請はありません。" }
        }
        @for change in pending {
            @let change_id = text(&change["change_request_id"]);
            dl.facts {
                dt { "申請日時" } dd { (view::instant_of(&change["at"])) }
                dt { "変更の理由" } dd { (text(&change["reason"])) }
                dt { "変更後の事業期間" } dd { (date_of(&change["period"]["start"])) " 〜 " (date_of(&change["period"]["end"])) }
                dt { "総事業費" } dd { (yen_of(&change["total_cost_before"])) " → " (yen_of(&change["total_cost_after"])) }
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
