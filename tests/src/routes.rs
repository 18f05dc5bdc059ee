//! Every route of the service, taken from its OpenAPI document (so a new route cannot be left out of
//! the tests that use this module), with who may call it and a well-formed body for it.

use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

use crate::scenario::{form, group, step_up_round, today_jst};
use crate::{TestApp, TEST_PASSWORD};

/// One documented operation.
#[derive(Clone, Debug)]
pub struct Operation {
    pub method: Method,
    /// The path template, e.g. `/api/v1/grants/{id}`.
    pub path: String,
    pub id: String,
}

impl Operation {
    pub fn has_path_ids(&self) -> bool {
        self.path.contains('{')
    }
}

/// Every operation of the running service's OpenAPI document.
pub async fn operations(app: &TestApp) -> Vec<Operation> {
    let document = app.get("/api/v1/openapi.json").await.body;
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            found.push(Operation {
                method: method.to_uppercase().parse().expect("an HTTP method"),
                path: path.clone(),
                id: operation["operationId"]
                    .as_str()
                    .expect("an operationId")
                    .to_owned(),
            });
        }
    }
    found
}

/// Who calls, in the authorization matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Anonymous,
    /// An applicant who is a member of the group the objects belong to.
    Member,
    /// An applicant of no group concerned.
    Stranger,
    /// A reviewer on the committee of the round concerned.
    Reviewer,
    Staff,
    Auditor,
    /// A coordinator (中間支援) the group concerned consented to, without leave to submit.
    Coordinator,
}

pub const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Member,
    Who::Stranger,
    Who::Reviewer,
    Who::Staff,
    Who::Auditor,
    Who::Coordinator,
];

/// Who may call an operation (anything but 401/403/404 answers them), and who is told the object
/// does not exist (404). Everyone else: 401 when anonymous, 403 otherwise.
pub struct Access {
    pub allowed: &'static [Who],
    pub not_found: &'static [Who],
}

/// The access rules of every operation (api.md's "who" column and the roles table of domain.md);
/// `None` for an operation this table does not know, which the matrix test refuses.
pub fn access(operation_id: &str) -> Option<Access> {
    use Who::*;
    const SIGNED_IN: &[Who] = &[Member, Stranger, Reviewer, Staff, Auditor, Coordinator];
    const APPLICANTS: &[Who] = &[Member, Stranger];
    let access = |allowed, not_found| Some(Access { allowed, not_found });
    match operation_id {
        "health_healthz"
        | "health_readyz"
        | "health_metrics"
        | "openapi_json"
        | "docs"
        | "rounds_list"
        | "rounds_get"
        | "public_awards"
        | "public_award"
        | "public_award_filters"
        | "public_awards_csv"
        | "public_awards_360giving"
        | "public_tree_heads"
        | "public_tree_head_key"
        | "accounts_register"
        | "accounts_sign_in"
        | "accounts_request_password_reset"
        | "accounts_confirm_password_reset"
        | "accounts_verify_email" => access(&EVERYONE, &[]),
        "accounts_sign_out"
        | "accounts_current_session"
        | "applications_list"
        | "groups_list"
        | "notices_list"
        | "notices_mark_read"
        | "accounts_resend_verification"
        | "accounts_begin_totp"
        | "accounts_confirm_totp" => access(SIGNED_IN, &[]),
        "accounts_create_user"
        | "rounds_open"
        | "rounds_appoint"
        | "rounds_close_scoring"
        | "decisions_fix_ranking"
        | "decisions_decide"
        | "applications_screen"
        | "grants_record_payment"
        | "grants_decide_change"
        | "grants_review_report"
        | "grants_record_refund"
        | "grants_cancel"
        | "grants_decide_discontinuation"
        | "promotions_offer"
        | "grants_extend_settlement_deadline"
        | "grants_accept_delay_reason"
        | "rounds_correct"
        | "accounts_list_users"
        | "grants_work_queue"
        | "groups_erase_personal_data"
        | "accounts_erase_personal_data"
        | "users_reset_totp"
        | "mail_outbox" => access(&[Staff], &[]),
        // Applicants get their own groups' grants (as with applications); reviewers none (403).
        "grants_list" => access(&[Member, Stranger, Staff, Auditor, Coordinator], &[]),
        "groups_register" => access(APPLICANTS, &[]),
        "decisions_answer_offer" | "promotions_answer" => access(&[Member], &[Stranger]),
        "promotions_of_application" => access(
            &[Member, Staff, Auditor],
            &[Stranger, Reviewer, Coordinator],
        ),
        // The consented coordinator reads the group's records (issue 18, item 5).
        "groups_get" | "grants_get" | "grants_get_report" => access(
            &[Member, Staff, Auditor, Coordinator],
            &[Stranger, Reviewer],
        ),
        // A group's member accounts (issue 18): members, staff and auditors read the list; members
        // and staff invite (auditors change nothing); any applicant may present an invitation
        // (the matrix's is unknown: 422); the representative's acts get past the policy for the
        // members (the matrix names an account that is no member: refused by the domain).
        "groups_members_list" => access(
            &[Member, Staff, Auditor, Coordinator],
            &[Stranger, Reviewer],
        ),
        "groups_members_invite" => access(&[Member, Staff], &[Stranger, Reviewer]),
        // The representative or staff withdraw an open invitation (the matrix names an address
        // never invited: 409, or 422 for a member who is not the representative).
        "groups_members_withdraw_invitation" => access(&[Member, Staff], &[Stranger, Reviewer]),
        "groups_members_accept" => access(APPLICANTS, &[]),
        "groups_members_remove" | "groups_members_make_representative" => {
            access(&[Member], &[Stranger])
        }
        // The representative consents to a coordinator and withdraws it (the matrix's member
        // consents again on the same terms, or names a consent that does not exist: refused by
        // the domain).
        "groups_coordinators_consent" | "groups_coordinators_withdraw" => {
            access(&[Member], &[Stranger])
        }
        "applications_get" => access(
            &[Member, Reviewer, Staff, Auditor, Coordinator],
            &[Stranger],
        ),
        // Documents are read as their grant or application is. The application's form is rendered
        // on demand, so it exists; the matrix names no grant document (the demo's notices are
        // issued by the background process, maybe not yet), so every reader is told 404 there;
        // tests/tests/documents.rs downloads real ones and shows a stranger refused.
        "grant_documents" => access(
            &[Member, Staff, Auditor, Coordinator],
            &[Stranger, Reviewer],
        ),
        "grant_document" => access(
            &[],
            &[Member, Stranger, Reviewer, Staff, Auditor, Coordinator],
        ),
        "application_documents" | "application_document" => access(
            &[Member, Reviewer, Staff, Auditor, Coordinator],
            &[Stranger],
        ),
        // Uploading to the (awarded, no longer editable) demo application gets past the policy
        // for its members and the coordinator it consented to; reviewers and staff may read but
        // not add (403). A change request's files are the members' alone (the coordinator: 403).
        "attachments_upload" => access(&[Member, Coordinator], &[Stranger]),
        // The matrix names no attachment that exists, so whoever may read the application is
        // told the file does not exist (404), as a stranger is; tests/tests/attachments.rs shows
        // the members and staff downloading a real one, and a stranger refused.
        "attachments_download" => access(
            &[],
            &[Member, Stranger, Reviewer, Staff, Auditor, Coordinator],
        ),
        "attachments_remove" => access(&[], &[Member, Stranger, Coordinator]),
        "grants_report_attachment_upload" => access(&[Member, Coordinator], &[Stranger]),
        "grants_report_attachment_download" => access(
            &[],
            &[Member, Stranger, Reviewer, Staff, Auditor, Coordinator],
        ),
        "grants_report_attachment_remove" => access(&[], &[Member, Stranger, Coordinator]),
        // The matrix names no public photo: nobody finds one (tests/tests/public_photos.rs shows
        // a marked one served and an unmarked one never).
        "public_award_photo" => access(
            &[],
            &[
                Anonymous,
                Member,
                Stranger,
                Reviewer,
                Staff,
                Auditor,
                Coordinator,
            ],
        ),
        // The matrix's change request does not exist: the member gets past the policy to the
        // domain's refusal (422); a file of it is found by nobody.
        "grants_change_attachment_upload" => access(&[Member], &[Stranger]),
        "grants_change_attachment_download" => access(
            &[],
            &[Member, Stranger, Reviewer, Staff, Auditor, Coordinator],
        ),
        "grants_change_attachment_remove" => access(&[], &[Member, Stranger]),
        "decisions_get_ranking" => access(
            &[Reviewer, Staff, Auditor],
            &[Member, Stranger, Coordinator],
        ),
        "applications_start"
        | "applications_preview_maximum"
        | "applications_withdraw"
        | "grants_withdraw"
        | "grants_request_advance"
        | "grants_request_change"
        | "grants_request_discontinuation" => access(&[Member], &[Stranger]),
        // The consented coordinator saves drafts and reports; submitting without leave is the
        // group's named refusal (422 group.coordinator_may_not_submit), past the policy.
        "applications_save"
        | "applications_submit"
        | "grants_save_report"
        | "grants_submit_report" => access(&[Member, Coordinator], &[Stranger]),
        "reviews_declare" | "reviews_save" | "reviews_seal" | "reviews_mine" => {
            access(&[Reviewer], &[])
        }
        "audit_events"
        | "audit_stream"
        | "audit_application_as_of"
        | "audit_verification"
        | "audit_inclusion_proof"
        | "audit_consistency_proof"
        | "audit_export"
        | "figures_get"
        | "figures_csv" => access(&[Staff, Auditor], &[]),
        _ => None,
    }
}

/// The objects a path's ids name.
#[derive(Clone, Debug)]
pub struct Ids {
    pub round: String,
    /// A round whose application window is open.
    pub open_round: String,
    pub application: String,
    pub grant: String,
    pub group: String,
    pub change_request: String,
    /// An account nobody signs in with (staff may erase its personal data).
    pub account: String,
}

impl Ids {
    /// Ids that name nothing.
    pub fn unknown() -> Ids {
        let id = || uuid::Uuid::now_v7().to_string();
        Ids {
            round: id(),
            open_round: id(),
            application: id(),
            grant: id(),
            group: id(),
            change_request: id(),
            account: id(),
        }
    }

    /// The path with its ids filled in for this operation.
    pub fn path(&self, operation: &Operation) -> String {
        let id = match operation.path.split('/').nth(3) {
            Some("rounds") => &self.round,
            Some("applications") | Some("audit") => &self.application,
            Some("grants") | Some("public") => &self.grant,
            Some("groups") => &self.group,
            Some("users") => &self.account,
            _ => &self.application,
        };
        operation
            .path
            .replace("{aggregate_type}", "application")
            .replace("{aggregate_id}", &self.application)
            .replace("{id}", id)
            .replace("{cid}", &self.change_request)
            .replace("{user_id}", &self.account)
            .replace("{attachment_id}", &uuid::Uuid::now_v7().to_string())
            .replace("{photo_id}", &uuid::Uuid::now_v7().to_string())
            .replace(
                "{kind}",
                if operation.path.starts_with("/api/v1/applications") {
                    "application_form"
                } else {
                    "no_such_document"
                },
            )
    }
}

/// A well-formed body for the operation (what api.md asks for), or `None` if it takes none.
pub fn well_formed_body(operation_id: &str, ids: &Ids) -> Option<Value> {
    let today = today_jst();
    let reason = json!({"reason": "事情により"});
    let body = match operation_id {
        "accounts_register" => {
            json!({"email": format!("new-{}@example.jp", uuid::Uuid::new_v4().simple()), "password": TEST_PASSWORD, "display_name": "新規"})
        }
        "accounts_sign_in" => json!({"email": "nobody@example.jp", "password": "wrong password!"}),
        "accounts_request_password_reset" => {
            json!({"email": format!("nobody-{}@example.jp", uuid::Uuid::new_v4().simple())})
        }
        "accounts_verify_email" => json!({"token": "0".repeat(64)}),
        "accounts_confirm_totp" => json!({"code": "000000"}),
        "accounts_confirm_password_reset" => {
            json!({"token": "0".repeat(64), "password": TEST_PASSWORD})
        }
        "accounts_create_user" => {
            json!({"email": format!("user-{}@example.jp", uuid::Uuid::new_v4().simple()), "password": TEST_PASSWORD, "display_name": "職員", "role": "auditor"})
        }
        "groups_register" => group("新しい会"),
        "groups_members_invite" => {
            json!({"email": format!("invitee-{}@example.jp", uuid::Uuid::new_v4().simple())})
        }
        "groups_members_accept" => json!({"token": "0".repeat(64)}),
        "groups_members_withdraw_invitation" => {
            json!({"email": format!("never-invited-{}@example.jp", uuid::Uuid::new_v4().simple())})
        }
        "groups_coordinators_consent" => {
            json!({"coordinator_id": ids.account, "may_submit": false})
        }
        "notices_mark_read" => json!({"id": "<0000@localhost>"}),
        "rounds_open" => step_up_round(1_000_000, Duration::hours(1)),
        "rounds_appoint" => json!({"reviewer_id": uuid::Uuid::now_v7()}),
        "decisions_decide" => {
            json!({"awards": [], "rejections": [{"application_id": ids.application, "reason": "重複"}]})
        }
        "decisions_answer_offer" | "promotions_answer" => {
            json!({"application_id": ids.application, "accept": true})
        }
        // An empty reason: refused, so the matrix changes nothing.
        "grants_request_discontinuation" => json!({"reason": ""}),
        "grants_decide_discontinuation" => json!({"approved": false, "reason": ""}),
        "applications_start" => {
            let mut draft = form(100_000, 0, 100_000);
            draft["round_id"] = json!(ids.open_round);
            draft["group_id"] = json!(ids.group);
            draft
        }
        "applications_save" => form(100_000, 0, 100_000),
        "applications_preview_maximum" => form(100_000, 0, 100_000)["budget"].clone(),
        "applications_withdraw" | "grants_withdraw" => reason,
        "applications_screen" => json!({"outcome": "eligible"}),
        "reviews_declare" => json!({"conflict": false, "note": ""}),
        "reviews_save" => json!({"scores": {"civic": 5}, "comment": ""}),
        "grants_request_advance" => json!({"amount": 1_000}),
        "grants_record_payment" => {
            json!({"amount": 1_000_000_000, "paid_on": today, "kind": "advance"})
        }
        "grants_request_change" => {
            json!({"reason": "変更", "budget": {"income": [], "expenses": []}, "period": {"start": today, "end": today}})
        }
        "grants_decide_change" => json!({"approved": false, "reason": "不要"}),
        "grants_save_report" => {
            json!({"income": [], "expenses": [], "outcomes": "", "participants": 0})
        }
        "grants_review_report" => json!({"outcome": "accepted"}),
        "grants_record_refund" => json!({"amount": 1_000_000_000, "received_on": today}),
        // More than was ever paid: refused, so the matrix changes nothing.
        "grants_cancel" => json!({"reason": "目的外使用", "refund_amount": 1_000_000_000}),
        // No reason: refused, so the matrix changes nothing.
        "rounds_correct" => {
            json!({"settings": step_up_round(1_000_000, Duration::hours(1)), "reason": ""})
        }
        // A due date long past: refused, so the matrix changes nothing.
        "grants_extend_settlement_deadline" => {
            json!({"deadline": "2000-01-01", "reason": "事情により"})
        }
        _ => return None,
    };
    Some(body)
}
