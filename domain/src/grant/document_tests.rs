//! The grant's notices as given/when/then: what each says, its number, and recording it once.

use cqrs_es::Aggregate;
use time::macros::{date, datetime};

use super::tests::{decided, decision, staff, yen};
use super::*;
use crate::attachment::Sha256;
use crate::document::{notice_for_grant_event, DocumentKind, IssuedNotice, Issuer, Notice};

fn issuer() -> Issuer {
    Issuer {
        mayor_title: "岡崎市長".into(),
    }
}

fn issued(kind: DocumentKind, sequence: i64) -> IssuedNotice {
    IssuedNotice {
        kind,
        document_number: "岡市協第123号".into(),
        dated: date!(2026 - 05 - 01),
        sha256: Sha256::parse(&"a".repeat(64)).unwrap(),
        size: 1000,
        source_type: "grant".into(),
        source_sequence: sequence,
    }
}

fn grant_after(events: Vec<GrantEvent>) -> Grant {
    let mut grant = Grant::default();
    for event in events {
        grant.apply(event);
    }
    grant
}

#[test]
fn the_award_notice_states_the_amount_the_number_the_group_and_the_dates_in_the_era() {
    // given a grant decided on its day, for 286,000 yen
    let event = decided();
    // when the notice its decision calls for is built
    let notices = notice_for_grant_event(&Grant::default(), &event);
    // then it is the 交付決定通知書 under the decision's own number
    assert_eq!(notices.len(), 1);
    let notice = &notices[0];
    assert_eq!(notice.kind(), DocumentKind::AwardNotice);
    assert_eq!(notice.number(), "岡市協第123号");
    let letter = notice.letter(&issuer());
    assert_eq!(
        letter.title,
        "令和8年度市民公益活動事業費補助金交付決定通知書"
    );
    assert_eq!(
        letter.addressee,
        vec!["みなみ町子ども応援団　様".to_owned()]
    );
    assert_eq!(letter.issuer, vec!["岡崎市長".to_owned()]);
    assert!(letter
        .items
        .contains(&("交付決定額".to_owned(), "286,000円".to_owned())));
    assert!(letter.dated.as_deref().unwrap().starts_with("令和"));
}

#[test]
fn a_finalisation_with_a_refund_calls_for_two_notices_numbered_after_the_decision() {
    // given a decided grant whose decision notice was issued
    let grant = grant_after(vec![
        decided(),
        GrantEvent::NoticeIssued {
            notice: issued(DocumentKind::AwardNotice, 1),
            by: staff(),
            at: datetime!(2026-05-01 12:00 +09:00),
        },
    ]);
    // when the amount is finalised below what was paid
    let event = GrantEvent::AmountFinalised {
        finalised: yen(250_000),
        subsidy_base: yen(250_000),
        uncounted_receipts: Vec::new(),
        refund_due: yen(36_000),
        payable: yen(0),
        refund_due_on: Some(date!(2027 - 04 - 30)),
        by: staff(),
        at: datetime!(2027-03-31 10:00 +09:00),
    };
    let notices = notice_for_grant_event(&grant, &event);
    // then the 額の確定通知書 takes branch 2 and the 返還命令書 branch 3, with its 納期限
    let kinds: Vec<_> = notices.iter().map(Notice::kind).collect();
    assert_eq!(
        kinds,
        vec![DocumentKind::FinalisationNotice, DocumentKind::RefundOrder]
    );
    assert_eq!(notices[0].number(), "岡市協第123号の2");
    assert_eq!(notices[1].number(), "岡市協第123号の3");
    let refund = notices[1].letter(&issuer());
    assert!(refund
        .items
        .contains(&("返還額".to_owned(), "36,000円".to_owned())));
    assert!(refund
        .items
        .contains(&("納期限".to_owned(), "令和9年4月30日".to_owned())));
    assert_eq!(refund.dated.as_deref(), Some("令和9年3月31日"));
}

#[test]
fn a_cancellation_without_refund_calls_for_the_cancellation_notice_only() {
    let grant = grant_after(vec![decided()]);
    let event = GrantEvent::GrantCancelled {
        reason: "事業を実施しなかったため".into(),
        refund_amount: Yen::ZERO,
        refund_due_on: None,
        by: staff(),
        at: datetime!(2026-09-01 12:00 +09:00),
    };
    let notices = notice_for_grant_event(&grant, &event);
    assert_eq!(notices.len(), 1);
    let letter = notices[0].letter(&issuer());
    assert_eq!(letter.kind, DocumentKind::CancellationNotice);
    assert!(letter.items.contains(&(
        "取消しの理由".to_owned(),
        "事業を実施しなかったため".to_owned()
    )));
}

#[test]
fn a_notice_is_recorded_once_per_event_and_kind() {
    // given a grant that recorded the decision's notice
    let notice = issued(DocumentKind::AwardNotice, 1);
    let grant = grant_after(vec![
        decided(),
        GrantEvent::NoticeIssued {
            notice: notice.clone(),
            by: staff(),
            at: datetime!(2026-05-01 12:00 +09:00),
        },
    ]);
    // when the same notice is recorded again, then nothing is appended
    let again = grant
        .record_notices(vec![notice], staff(), datetime!(2026-05-01 12:01 +09:00))
        .unwrap();
    assert!(again.is_empty());
    // and a grant not decided refuses to record one
    assert_eq!(
        Grant::default()
            .record_notices(
                vec![issued(DocumentKind::AwardNotice, 1)],
                staff(),
                datetime!(2026-05-01 12:00 +09:00)
            )
            .unwrap_err(),
        GrantError::NotDecided
    );
    let _ = decision();
}
