//! Files on an application (`crate::attachment`), as given/when/then: added and removed by the
//! group while the application may be edited, refused afterwards and over the limits.

use super::tests::{
    applicant, draft_started, returned, submitted, ApplicationTest, AFTER_CLOSING, INSIDE,
};
use super::*;
use crate::attachment::{
    AttachmentError, AttachmentKind, FileName, MediaType, Sha256, FILE_MAX_BYTES, PER_OBJECT_MAX,
};
use crate::refusal::{Refusal, RefusalKind};

fn file(n: u128) -> Attachment {
    Attachment {
        id: AttachmentId::from_uuid(uuid::Uuid::from_u128(1000 + n)),
        kind: AttachmentKind::Rules,
        file_name: FileName::new("団体規約.pdf").unwrap(),
        media_type: MediaType::Pdf,
        size: 12_345,
        sha256: Sha256::parse(&format!("{n:064x}")).unwrap(),
    }
}

fn add(attachment: Attachment, at: OffsetDateTime) -> ApplicationCommand {
    ApplicationCommand::AddAttachment {
        attachment,
        by: applicant(),
        at,
    }
}

fn added(attachment: Attachment, at: OffsetDateTime) -> ApplicationEvent {
    ApplicationEvent::AttachmentAdded {
        attachment,
        by: applicant(),
        at,
    }
}

fn remove(n: u128, at: OffsetDateTime) -> ApplicationCommand {
    ApplicationCommand::RemoveAttachment {
        attachment_id: file(n).id,
        by: applicant(),
        at,
    }
}

#[test]
fn a_draft_takes_a_file_and_holds_it() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(add(file(1), INSIDE))
        .then_expect_events(vec![added(file(1), INSIDE)]);
    let mut application = Application::default();
    for event in [
        draft_started(),
        added(file(1), INSIDE),
        added(file(2), INSIDE),
    ] {
        cqrs_es::Aggregate::apply(&mut application, event);
    }
    assert_eq!(application.attachments().len(), 2);
    assert_eq!(application.attachments()[0].attachment, file(1));
    assert_eq!(application.attachment(file(2).id).unwrap().by, applicant());
}

#[test]
fn a_file_is_taken_off_while_editable() {
    ApplicationTest::with(())
        .given(vec![draft_started(), added(file(1), INSIDE)])
        .when(remove(1, INSIDE))
        .then_expect_events(vec![ApplicationEvent::AttachmentRemoved {
            attachment_id: file(1).id,
            by: applicant(),
            at: INSIDE,
        }]);
    let mut application = Application::default();
    for event in [
        draft_started(),
        added(file(1), INSIDE),
        ApplicationEvent::AttachmentRemoved {
            attachment_id: file(1).id,
            by: applicant(),
            at: INSIDE,
        },
    ] {
        cqrs_es::Aggregate::apply(&mut application, event);
    }
    assert!(application.attachments().is_empty());
}

#[test]
fn a_returned_application_takes_the_file_staff_asked_for_even_after_the_window() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), returned()])
        .when(add(file(1), AFTER_CLOSING))
        .then_expect_events(vec![added(file(1), AFTER_CLOSING)]);
}

#[test]
fn a_submitted_application_takes_no_file_and_keeps_its_files() {
    let refused = ApplicationTest::with(())
        .given(vec![draft_started(), added(file(1), INSIDE), submitted()])
        .when(add(file(2), INSIDE))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.kind(), RefusalKind::State);
    assert_eq!(
        refused.message_ja(),
        "下書きまたは差戻し中の申請のみ編集できます（現在：提出済み）"
    );
    ApplicationTest::with(())
        .given(vec![draft_started(), added(file(1), INSIDE), submitted()])
        .when(remove(1, INSIDE))
        .then_expect_error(ApplicationError::NotEditable {
            status: ApplicationStatus::Submitted,
        });
}

#[test]
fn a_draft_takes_no_file_after_the_window_closed() {
    let refused = ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(add(file(1), AFTER_CLOSING))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.code(), "application.window_closed");
}

#[test]
fn the_limits_per_application_are_the_attachment_rules() {
    let mut given = vec![draft_started()];
    given.extend((1..=PER_OBJECT_MAX as u128).map(|n| added(file(n), INSIDE)));
    let refused = ApplicationTest::with(())
        .given(given)
        .when(add(file(99), INSIDE))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.code(), "attachment.too_many");
    assert_eq!(refused.message_ja(), "添付できるファイルは20件までです");
    assert_eq!(refused.message_en(), "at most 20 files may be attached");

    let mut big = file(1);
    big.size = FILE_MAX_BYTES + 1;
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(add(big, INSIDE))
        .then_expect_error(ApplicationError::Attachment(
            AttachmentError::FileTooLarge {
                max: FILE_MAX_BYTES,
            },
        ));
}

#[test]
fn a_receipt_is_not_an_application_file() {
    let mut receipt = file(1);
    receipt.kind = AttachmentKind::Receipt;
    let refused = ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(add(receipt, INSIDE))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.field(), Some("kind"));
    assert_eq!(refused.code(), "attachment.kind_not_for_object");
}

#[test]
fn removing_a_file_that_is_not_attached_is_refused() {
    ApplicationTest::with(())
        .given(vec![draft_started(), added(file(1), INSIDE)])
        .when(remove(2, INSIDE))
        .then_expect_error(ApplicationError::Attachment(AttachmentError::NotFound));
}

#[test]
fn the_attachment_events_are_version_one() {
    use cqrs_es::DomainEvent;
    let event = added(file(1), INSIDE);
    assert_eq!(event.event_type(), "AttachmentAdded");
    assert_eq!(event.event_version(), "1.0");
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(
        json["AttachmentAdded"]["attachment"]["media_type"],
        "application/pdf"
    );
    assert_eq!(json["AttachmentAdded"]["attachment"]["kind"], "rules");
}
