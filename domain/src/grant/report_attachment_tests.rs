//! Receipts and activity photos on the settlement report (`crate::attachment`), as given/when/then:
//! attached and removed while the report may be saved, refused once it is submitted; quotes on a
//! change request while it awaits staff.

use time::macros::date;

use super::tests::{advanced, applicant, decided, history, noon, report, run, state, submitted};
use super::*;
use crate::attachment::{AttachmentError, AttachmentKind, FileName, MediaType, Sha256};
use crate::ids::AttachmentId;
use crate::refusal::{Refusal, RefusalKind};

type Framework = cqrs_es::test::TestFramework<Grant>;

fn photo(n: u128, kind: AttachmentKind) -> crate::attachment::Attachment {
    crate::attachment::Attachment {
        id: AttachmentId::from_uuid(uuid::Uuid::from_u128(500 + n)),
        kind,
        file_name: FileName::new("観察会の様子.jpg").unwrap(),
        media_type: MediaType::Jpeg,
        size: 2_000_000,
        sha256: Sha256::parse(&format!("{n:064x}")).unwrap(),
    }
}

fn add(attachment: crate::attachment::Attachment) -> GrantCommand {
    GrantCommand::AddReportAttachment {
        attachment,
        receipt_number: None,
        public: false,
        by: applicant(),
        at: noon(date!(2027 - 02 - 20)),
    }
}

fn added(attachment: crate::attachment::Attachment) -> GrantEvent {
    GrantEvent::ReportAttachmentAdded {
        attachment,
        receipt_number: None,
        public: false,
        by: applicant(),
        at: noon(date!(2027 - 02 - 20)),
    }
}

#[test]
fn a_receipt_and_a_photo_join_the_report_while_it_may_be_saved() {
    Framework::with(())
        .given(history(&[advanced()]))
        .when(add(photo(1, AttachmentKind::Receipt)))
        .then_expect_events(vec![added(photo(1, AttachmentKind::Receipt))]);
    let grant = state(&history(&[
        advanced(),
        vec![
            added(photo(1, AttachmentKind::Receipt)),
            added(photo(2, AttachmentKind::ActivityPhoto)),
        ],
    ]));
    assert_eq!(grant.report_attachments.len(), 2);
    assert!(grant
        .report_attachment(photo(2, AttachmentKind::ActivityPhoto).id)
        .is_some());
}

#[test]
fn a_submitted_report_takes_no_file_and_keeps_its_own() {
    let refused = Framework::with(())
        .given(history(&[
            advanced(),
            vec![added(photo(1, AttachmentKind::Receipt))],
            submitted(report(350_000, 30_000)),
        ]))
        .when(GrantCommand::RemoveReportAttachment {
            attachment_id: photo(1, AttachmentKind::Receipt).id,
            by: applicant(),
            at: noon(date!(2027 - 03 - 03)),
        })
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.kind(), RefusalKind::State);
    assert_eq!(refused.code(), "grant.status_forbids");
}

#[test]
fn a_quote_for_the_plan_is_not_a_report_file() {
    Framework::with(())
        .given(vec![decided()])
        .when(add(photo(1, AttachmentKind::Rules)))
        .then_expect_error(GrantError::Attachment(AttachmentError::KindNotForObject {
            kind: AttachmentKind::Rules,
        }));
}

#[test]
fn a_pending_change_request_takes_a_quote_and_a_decided_one_none() {
    use super::tests::{change_id, change_requested, staff};
    let requested = change_requested(1, 500_000, date!(2027 - 02 - 28));
    let quote = photo(1, AttachmentKind::Quote);
    Framework::with(())
        .given(vec![decided(), requested.clone()])
        .when(GrantCommand::AddChangeAttachment {
            change_request_id: change_id(1),
            attachment: quote.clone(),
            by: applicant(),
            at: noon(date!(2026 - 08 - 02)),
        })
        .then_expect_events(vec![GrantEvent::ChangeAttachmentAdded {
            change_request_id: change_id(1),
            attachment: quote.clone(),
            by: applicant(),
            at: noon(date!(2026 - 08 - 02)),
        }]);
    let rejected = GrantEvent::ChangeRejected {
        change_request_id: change_id(1),
        reason: "計画の変更は認められない".into(),
        by: staff(),
        at: noon(date!(2026 - 08 - 10)),
    };
    Framework::with(())
        .given(vec![decided(), requested.clone(), rejected])
        .when(GrantCommand::AddChangeAttachment {
            change_request_id: change_id(1),
            attachment: quote.clone(),
            by: applicant(),
            at: noon(date!(2026 - 08 - 11)),
        })
        .then_expect_error(GrantError::ChangeAlreadyDecided);
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::AddChangeAttachment {
            change_request_id: change_id(2),
            attachment: quote,
            by: applicant(),
            at: noon(date!(2026 - 08 - 11)),
        })
        .then_expect_error(GrantError::ChangeRequestUnknown);
}

fn saved(report: SettlementReport) -> GrantEvent {
    GrantEvent::SettlementReportSaved {
        report,
        by: applicant(),
        at: noon(date!(2027 - 02 - 19)),
    }
}

fn marked(
    attachment: crate::attachment::Attachment,
    receipt_number: Option<&str>,
    public: bool,
) -> GrantCommand {
    GrantCommand::AddReportAttachment {
        attachment,
        receipt_number: receipt_number.map(str::to_owned),
        public,
        by: applicant(),
        at: noon(date!(2027 - 02 - 20)),
    }
}

#[test]
fn a_receipt_names_the_saved_expense_line_it_proves() {
    let given = history(&[advanced(), vec![saved(report(350_000, 30_000))]]);
    let receipt = photo(1, AttachmentKind::Receipt);
    let events = Framework::with(())
        .given(given.clone())
        .when(marked(receipt.clone(), Some(" R-1 "), false))
        .inspect_result()
        .unwrap();
    assert_eq!(
        events,
        vec![GrantEvent::ReportAttachmentAdded {
            attachment: receipt.clone(),
            receipt_number: Some("R-1".into()),
            public: false,
            by: applicant(),
            at: noon(date!(2027 - 02 - 20)),
        }]
    );
    let grant = state(&history(&[given.clone(), events]));
    assert_eq!(grant.receipts_for("R-1").len(), 1);
    assert!(grant.receipts_for("R-2").is_empty());

    // A line the saved report does not have, and a photo naming a line, are refused.
    Framework::with(())
        .given(given.clone())
        .when(marked(receipt, Some("R-9"), false))
        .then_expect_error(GrantError::Attachment(AttachmentError::LineNotOnReport {
            receipt_number: "R-9".into(),
        }));
    Framework::with(())
        .given(given)
        .when(marked(
            photo(2, AttachmentKind::ActivityPhoto),
            Some("R-1"),
            false,
        ))
        .then_expect_error(GrantError::Attachment(AttachmentError::LineOnlyForReceipt));
}

#[test]
fn only_an_activity_photo_is_made_public_once_staff_accepted_the_report() {
    let files = vec![
        GrantEvent::ReportAttachmentAdded {
            attachment: photo(1, AttachmentKind::ActivityPhoto),
            receipt_number: None,
            public: true,
            by: applicant(),
            at: noon(date!(2027 - 02 - 20)),
        },
        added(photo(2, AttachmentKind::ActivityPhoto)),
        added(photo(3, AttachmentKind::Receipt)),
    ];
    let before = history(&[
        advanced(),
        files.clone(),
        submitted(report(350_000, 30_000)),
    ]);
    assert!(
        state(&before).public_photos().is_empty(),
        "nothing is public before staff accepted the report"
    );
    let accepted = run(before.clone(), super::tests::accept()).unwrap();
    let grant = state(&history(&[before, accepted]));
    let public: Vec<_> = grant
        .public_photos()
        .into_iter()
        .map(|one| one.attachment.id)
        .collect();
    assert_eq!(public, vec![photo(1, AttachmentKind::ActivityPhoto).id]);
    let refused = Framework::with(())
        .given(history(&[advanced()]))
        .when(marked(photo(4, AttachmentKind::Receipt), None, true))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.code(), "attachment.public_only_for_photo");
    assert_eq!(
        refused.message_ja(),
        "公開できるのは活動写真（JPEG・PNG）だけです"
    );
}
