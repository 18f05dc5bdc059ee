//! The upcasters that let old event shapes load: each turns a stored payload of an older version into
//! the current shape before it is deserialised. Stored events are never rewritten (rule 11).
//!
//! - `ApplicationDraftStarted` 1.0 -> 2.0: the content gained `beneficiaries` (対象者・受益者); a draft
//!   started before has an empty one, which the group fills in before submission (it is required by
//!   `check_complete`, never by loading).
//! - `AwardDecided` 1.0 -> 2.0 (issue 16): the decision records the group's grant count it counted
//!   (`prior_grants`) and the rate that count gave (`rate`). A 1.0 decision counted nothing and its
//!   grant kept the rate its draft started with, so both become `null`; the fields are also
//!   `#[serde(default)]`, so readers of the raw log (the decision follow-up) load a 1.0 payload too.
//! - `ChangeApproved` 1.0 -> 2.0 (issue 14): an approval records what a lowered amount gives back to
//!   the round (`released`), which the budget-release process returns. A 1.0 approval's round was
//!   amended in the same request, raise or cut, so nothing is left to release: `released` becomes 0.
//!
//! - `ReportAttachmentAdded` 1.0 -> 2.0 (issue 17): a settlement report's file may name the expense
//!   line it proves (`receipt_number`) and an activity photo may be public (`public`). A 1.0 file
//!   named no line and was never public: `null` and `false`. Both fields are also
//!   `#[serde(default)]`, so readers of the raw log load a 1.0 payload too.
//! - `GroupRegistered` 1.0 -> 2.0 (issue 19, crypto-shredding): from 2.0 on the log holds the
//!   `contact` sealed with the group's key, and the event store opens it on load
//!   (`app/src/personal`), so what reaches this upcaster is plain text in both versions and the
//!   payload is left as it is. A 1.0 event's contact stays in plain text in the log (events are never
//!   rewritten): erasure hides it in every read (`PersonalDataErased`) but cannot take it out of the
//!   log or of an export.
//!
//! - `AccountRegistered` and `EmailVerified` 1.0 -> 2.0 (issue 19): the same for an account's
//!   `email` and `display_name`, sealed with the account's key from 2.0 on and opened by the store;
//!   the payload is left as it is.
//!
//! Note: `SemanticVersionEventUpcaster` stamps the upcast event with the full semantic version
//! ("2.0.0"), while new events say "2.0"; both are version 2.0.0 to every upcaster, so neither is
//! upcast again.

use cqrs_es::persist::{EventUpcaster, SemanticVersionEventUpcaster};
use serde_json::Value;

use crate::account::ACCOUNT_SEALED_VERSION;
use crate::application::DRAFT_STARTED_VERSION;
use crate::grant::{CHANGE_APPROVED_VERSION, REPORT_ATTACHMENT_ADDED_VERSION};
use crate::group::GROUP_REGISTERED_VERSION;
use crate::round::AWARD_DECIDED_VERSION;

/// Every upcaster the event stores must be given, in the order they apply.
pub fn upcasters() -> Vec<Box<dyn EventUpcaster>> {
    vec![
        Box::new(SemanticVersionEventUpcaster::new(
            "ApplicationDraftStarted",
            DRAFT_STARTED_VERSION,
            Box::new(add_empty_beneficiaries),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "AwardDecided",
            AWARD_DECIDED_VERSION,
            Box::new(add_unrecorded_count_and_rate),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "ChangeApproved",
            CHANGE_APPROVED_VERSION,
            Box::new(add_nothing_released),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "ReportAttachmentAdded",
            REPORT_ATTACHMENT_ADDED_VERSION,
            Box::new(add_no_line_not_public),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "GroupRegistered",
            GROUP_REGISTERED_VERSION,
            Box::new(plain_contact_as_opened),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "AccountRegistered",
            ACCOUNT_SEALED_VERSION,
            Box::new(plain_contact_as_opened),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "EmailVerified",
            ACCOUNT_SEALED_VERSION,
            Box::new(plain_contact_as_opened),
        )),
    ]
}

/// A 1.0 `GroupRegistered` holds its contact in plain text (a 1.0 `AccountRegistered` or
/// `EmailVerified` its address and name): the shape a 2.0 one has once the store opened it, so
/// nothing changes but the version.
fn plain_contact_as_opened(payload: Value) -> Value {
    payload
}

/// `{"ChangeApproved": {...}}` gains `"released": 0`: the round was amended in the same request.
fn add_nothing_released(mut payload: Value) -> Value {
    if let Some(body) = payload
        .get_mut("ChangeApproved")
        .and_then(Value::as_object_mut)
    {
        body.entry("released").or_insert(Value::from(0));
    }
    payload
}

/// `{"ReportAttachmentAdded": {...}}` gains `"receipt_number": null` and `"public": false`.
fn add_no_line_not_public(mut payload: Value) -> Value {
    if let Some(body) = payload
        .get_mut("ReportAttachmentAdded")
        .and_then(Value::as_object_mut)
    {
        body.entry("receipt_number").or_insert(Value::Null);
        body.entry("public").or_insert(Value::Bool(false));
    }
    payload
}

/// `{"AwardDecided": {...}}` gains `"prior_grants": null` and `"rate": null`: not recorded then.
fn add_unrecorded_count_and_rate(mut payload: Value) -> Value {
    if let Some(body) = payload
        .get_mut("AwardDecided")
        .and_then(Value::as_object_mut)
    {
        body.entry("prior_grants").or_insert(Value::Null);
        body.entry("rate").or_insert(Value::Null);
    }
    payload
}

/// `{"ApplicationDraftStarted": {"content": {...}}}` gains `"beneficiaries": ""` in its content. A
/// payload of any other shape is left as it is, so that deserialising it reports the real problem.
fn add_empty_beneficiaries(mut payload: Value) -> Value {
    if let Some(content) = payload
        .get_mut("ApplicationDraftStarted")
        .and_then(|body| body.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        content
            .entry("beneficiaries")
            .or_insert_with(|| Value::String(String::new()));
    }
    payload
}

#[cfg(test)]
mod tests {
    use cqrs_es::persist::SerializedEvent;
    use cqrs_es::{Aggregate, EventEnvelope};
    use serde_json::json;

    use super::*;
    use crate::application::{Application, ApplicationEvent, ApplicationStatus};
    use crate::grant::{Grant, GrantEvent};
    use crate::money::Yen;
    use crate::round::{Round, RoundEvent};

    /// An `ApplicationDraftStarted` exactly as version 1.0 stored it: no `beneficiaries` in the content.
    fn stored_v1() -> SerializedEvent {
        let payload = json!({
            "ApplicationDraftStarted": {
                "application_id": "0190f5c4-0000-7000-8000-000000000001",
                "round_id": "0190f5c4-0000-7000-8000-000000000002",
                "group_id": "0190f5c4-0000-7000-8000-000000000003",
                "prior_grants": 1,
                "max_grants_per_group": 3,
                "terms": {"cap": 500000, "floor": 0, "rate": "3/4", "rounding_unit": 1000},
                "window": {
                    "opens_at": "2026-05-01T00:00:00Z",
                    "closes_at": "2026-05-31T15:00:00Z"
                },
                "content": {
                    "title": "乙川クリーン作戦",
                    "summary": "河川敷の清掃と自然観察会",
                    "purpose": "市民が川に親しむ",
                    "period": {"start": "2026-07-01", "end": "2027-02-28"},
                    "budget": {
                        "income": [
                            {"kind": "project_income", "description": "参加費", "amount": 30000}
                        ],
                        "expenses": [
                            {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 412345}
                        ]
                    },
                    "requested_amount": 286000
                },
                "by": "0190f5c4-0000-7000-8000-000000000010",
                "at": "2026-04-20T01:00:00Z"
            }
        });
        SerializedEvent::new(
            "0190f5c4-0000-7000-8000-000000000001".into(),
            1,
            "application".into(),
            "ApplicationDraftStarted".into(),
            "1.0".into(),
            payload,
            json!({}),
        )
    }

    /// What the event store does on load: every upcaster that can, in order.
    fn upcast(event: SerializedEvent) -> SerializedEvent {
        upcasters().iter().fold(event, |event, upcaster| {
            if upcaster.can_upcast(&event.event_type, &event.event_version) {
                upcaster.upcast(event)
            } else {
                event
            }
        })
    }

    #[test]
    fn a_version_1_draft_started_fails_to_load_without_the_upcaster() {
        let event = stored_v1();
        assert!(serde_json::from_value::<ApplicationEvent>(event.payload).is_err());
    }

    #[test]
    fn a_version_1_draft_started_is_upcast_to_2_0_with_empty_beneficiaries_and_applies() {
        let event = upcast(stored_v1());
        // SemanticVersionEventUpcaster writes the full semantic version; "2.0.0" and the live "2.0"
        // are the same version to every upcaster.
        assert_eq!(event.event_version, "2.0.0");
        assert_eq!(
            event.payload["ApplicationDraftStarted"]["content"]["beneficiaries"],
            ""
        );

        let envelope = EventEnvelope::<Application>::try_from(event).unwrap();
        let mut application = Application::default();
        application.apply(envelope.payload);

        assert_eq!(application.status(), Some(ApplicationStatus::Draft));
        assert_eq!(application.content().unwrap().beneficiaries, "");
        assert_eq!(application.max_amount(), Some(Yen::new(286_000).unwrap()));
        // The old draft can be completed: beneficiaries is required only at submission.
        assert!(application.content().unwrap().check_complete().is_err());
    }

    /// An `AwardDecided` exactly as version 1.0 stored it: no `prior_grants`, no `rate`.
    fn stored_award_v1() -> SerializedEvent {
        let payload = json!({
            "AwardDecided": {
                "application_id": "0190f5c4-0000-7000-8000-000000000001",
                "grant_id": "0190f5c4-0000-7000-8000-000000000004",
                "group_id": "0190f5c4-0000-7000-8000-000000000003",
                "amount": 286000,
                "notice_number": "令和8年度市協00000002第1号",
                "conditions": "",
                "completion_deadline": "2027-02-28",
                "decided_on": "2026-06-10",
                "by": "0190f5c4-0000-7000-8000-000000000010",
                "decided_at": "2026-06-10T01:00:00Z"
            }
        });
        SerializedEvent::new(
            "0190f5c4-0000-7000-8000-000000000002".into(),
            5,
            "round".into(),
            "AwardDecided".into(),
            "1.0".into(),
            payload,
            json!({}),
        )
    }

    #[test]
    fn a_version_1_award_decided_is_upcast_to_2_0_with_nothing_recorded_and_applies() {
        let stored = stored_award_v1();
        // Readers of the raw log load it as well: the new fields default to nothing recorded.
        let raw: RoundEvent = serde_json::from_value(stored.payload.clone()).unwrap();
        let event = upcast(stored);
        assert_eq!(event.event_version, "2.0.0");
        assert_eq!(event.payload["AwardDecided"]["prior_grants"], Value::Null);
        assert_eq!(event.payload["AwardDecided"]["rate"], Value::Null);

        let envelope = EventEnvelope::<Round>::try_from(event).unwrap();
        assert_eq!(envelope.payload, raw);
        let RoundEvent::AwardDecided {
            amount,
            prior_grants,
            rate,
            ..
        } = &envelope.payload
        else {
            panic!("an AwardDecided");
        };
        assert_eq!(
            (*amount, *prior_grants, *rate),
            (Yen::new(286_000).unwrap(), None, None)
        );
        let mut round = Round::default();
        round.apply(envelope.payload);
        assert_eq!(round.decided_total(), Yen::new(286_000).unwrap());
    }

    #[test]
    fn a_current_award_decided_is_left_alone() {
        let mut current = upcast(stored_award_v1());
        current.event_version = AWARD_DECIDED_VERSION.into();
        current.payload["AwardDecided"]["prior_grants"] = json!(1);
        current.payload["AwardDecided"]["rate"] = json!("3/4");
        assert_eq!(upcast(current.clone()), current);
        let envelope = EventEnvelope::<Round>::try_from(current).unwrap();
        assert!(matches!(
            envelope.payload,
            RoundEvent::AwardDecided { prior_grants: Some(1), rate: Some(rate), .. }
                if rate.to_string() == "3/4"
        ));
    }

    #[test]
    fn a_current_draft_started_and_other_events_are_left_alone() {
        let mut current = upcast(stored_v1());
        current.event_version = DRAFT_STARTED_VERSION.into();
        current.payload["ApplicationDraftStarted"]["content"]["beneficiaries"] = json!("親子連れ");
        assert_eq!(upcast(current.clone()), current);

        let saved = SerializedEvent {
            event_type: "ApplicationDraftSaved".into(),
            ..stored_v1()
        };
        assert_eq!(upcast(saved.clone()), saved);
    }

    /// A `ChangeApproved` exactly as version 1.0 stored it: a cut from 286,000 to 250,000, with no
    /// `released` (the round was amended in the same request).
    fn stored_approval_v1() -> SerializedEvent {
        let payload = json!({
            "ChangeApproved": {
                "change_request_id": "0190f5c4-0000-7000-8000-000000000005",
                "previous_amount": 286000,
                "decided_amount": 250000,
                "budget": {
                    "income": [
                        {"kind": "project_income", "description": "参加費", "amount": 30000}
                    ],
                    "expenses": [
                        {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 412345}
                    ]
                },
                "period": {"start": "2026-07-01", "end": "2027-02-28"},
                "completion_deadline": "2027-02-28",
                "reason": "規模の縮小を認める",
                "by": "0190f5c4-0000-7000-8000-000000000010",
                "at": "2026-08-10T03:00:00Z"
            }
        });
        SerializedEvent::new(
            "0190f5c4-0000-7000-8000-000000000004".into(),
            4,
            "grant".into(),
            "ChangeApproved".into(),
            "1.0".into(),
            payload,
            json!({}),
        )
    }

    #[test]
    fn a_version_1_change_approved_is_upcast_to_2_0_releasing_nothing() {
        let event = upcast(stored_approval_v1());
        assert_eq!(event.event_version, "2.0.0");
        assert_eq!(event.payload["ChangeApproved"]["released"], json!(0));
        let envelope = EventEnvelope::<Grant>::try_from(event).unwrap();
        let GrantEvent::ChangeApproved {
            decided_amount,
            released,
            ..
        } = &envelope.payload
        else {
            panic!("a ChangeApproved");
        };
        assert_eq!(
            (*decided_amount, *released),
            (Yen::new(250_000).unwrap(), Yen::ZERO)
        );
        // So the budget-release process gives nothing back for it: the round was amended then.
        assert_eq!(
            Grant::default().budget_freed_by(std::slice::from_ref(&envelope.payload)),
            Yen::ZERO
        );
    }

    #[test]
    fn a_version_1_report_attachment_added_loads_naming_no_line_and_not_public() {
        let payload = json!({
            "ReportAttachmentAdded": {
                "attachment": {
                    "id": "0190f5c4-0000-7000-8000-000000000020",
                    "kind": "activity_photo",
                    "file_name": "観察会.jpg",
                    "media_type": "image/jpeg",
                    "size": 2000,
                    "sha256": "ab".repeat(32)
                },
                "by": "0190f5c4-0000-7000-8000-000000000010",
                "at": "2027-02-20T03:00:00Z"
            }
        });
        let stored = SerializedEvent::new(
            "0190f5c4-0000-7000-8000-000000000004".into(),
            9,
            "grant".into(),
            "ReportAttachmentAdded".into(),
            "1.0".into(),
            payload,
            json!({}),
        );
        let event = upcast(stored);
        assert_eq!(event.event_version, "2.0.0");
        assert_eq!(
            event.payload["ReportAttachmentAdded"]["public"],
            json!(false)
        );
        let envelope = EventEnvelope::<Grant>::try_from(event).unwrap();
        let mut grant = Grant::default();
        grant.apply(envelope.payload);
        let attached = &grant.report_attachments[0];
        assert_eq!(
            (attached.receipt_number.as_deref(), attached.public),
            (None, false)
        );
        assert!(grant.public_photos().is_empty());
    }

    #[test]
    fn a_version_1_group_registered_with_plain_contact_still_loads() {
        use crate::group::{Group, GroupEvent};
        let payload = json!({
            "GroupRegistered": {
                "group_id": "0190f5c4-0000-7000-8000-000000000003",
                "name": "乙川を愛する会",
                "registration_number": "R-1",
                "contact": {
                    "representative_name": "岡崎 花子",
                    "address": "岡崎市康生通西2-1",
                    "phone": "0564-00-0000",
                    "email": "hanako@example.jp"
                },
                "founded_on": "2020-04-01",
                "member_count": 5,
                "resident_member_count": 3,
                "purpose": "河川敷の清掃",
                "by": "0190f5c4-0000-7000-8000-000000000010",
                "at": "2026-04-01T01:00:00Z"
            }
        });
        let event = upcast(SerializedEvent::new(
            "0190f5c4-0000-7000-8000-000000000003".into(),
            1,
            "group".into(),
            "GroupRegistered".into(),
            "1.0".into(),
            payload,
            json!({}),
        ));
        assert_eq!(event.event_version, "2.0.0");
        let envelope = EventEnvelope::<Group>::try_from(event).unwrap();
        assert!(matches!(
            envelope.payload,
            GroupEvent::GroupRegistered { .. }
        ));
        let mut group = Group::default();
        group.apply(envelope.payload);
        assert_eq!(group.contact().email, "hanako@example.jp");
        assert_eq!(group.name(), "乙川を愛する会");
    }

    #[test]
    fn version_1_account_events_with_a_plain_address_still_load() {
        use crate::account::{Account, Role};
        let id = "0190f5c4-0000-7000-8000-000000000020";
        let stored = |sequence, event_type: &str, payload| {
            upcast(SerializedEvent::new(
                id.into(),
                sequence,
                "account".into(),
                event_type.into(),
                "1.0".into(),
                payload,
                json!({}),
            ))
        };
        let registered = stored(
            1,
            "AccountRegistered",
            json!({"AccountRegistered": {"user_id": id, "email": "hanako@example.jp",
                "display_name": "岡崎 花子", "role": "applicant", "at": "2026-04-01T01:00:00Z"}}),
        );
        let verified = stored(
            2,
            "EmailVerified",
            json!({"EmailVerified": {"user_id": id, "email": "hanako@example.jp",
                "at": "2026-04-01T02:00:00Z"}}),
        );
        let mut account = Account::default();
        for event in [registered, verified] {
            assert_eq!(event.event_version, "2.0.0");
            account.apply(EventEnvelope::<Account>::try_from(event).unwrap().payload);
        }
        assert_eq!(
            account.email.as_ref().unwrap().as_str(),
            "hanako@example.jp"
        );
        assert_eq!(account.display_name, "岡崎 花子");
        assert!(account.email_verified());
        assert!(account.roles.contains(&Role::Applicant));
    }
}
