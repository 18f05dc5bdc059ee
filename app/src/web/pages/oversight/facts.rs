//! The few facts of an event worth reading in a list (amounts, dates, outcomes and reasons), read
//! from the domain's typed event. Names, addresses, e-mail addresses and phone numbers are never
//! among them: a group's registration is read as its public name only, an account's events not
//! at all.

use grants_domain::application::ApplicationEvent;
use grants_domain::grant::{GrantEvent, PaymentKind};
use grants_domain::group::GroupEvent;
use grants_domain::review::ReviewEvent;
use grants_domain::round::RoundEvent;
use grants_domain::Yen;
use time::Date;

use crate::service::audit::Fact;
use crate::web::view;

/// The facts collected for one event, each "label value".
#[derive(Default)]
struct Facts(Vec<String>);

impl Facts {
    fn yen(&mut self, label: &str, amount: &Yen) -> &mut Self {
        self.0.push(format!("{label} {amount}"));
        self
    }

    fn day(&mut self, label: &str, date: &Date) -> &mut Self {
        self.0.push(format!("{label} {}", view::day(Some(*date))));
        self
    }

    fn text(&mut self, label: &str, text: &str) -> &mut Self {
        if !text.is_empty() {
            self.0.push(format!("{label} {text}"));
        }
        self
    }

    fn reason(&mut self, reason: &str) -> &mut Self {
        if !reason.is_empty() {
            self.0.push(format!("理由：{reason}"));
        }
        self
    }
}

/// The facts of one event, in Japanese.
pub(super) fn of(fact: &Fact) -> Vec<String> {
    let mut facts = Facts::default();
    match fact {
        Fact::Round(event) => round(&mut facts, event),
        Fact::Application(event) => application(&mut facts, event),
        Fact::Review(event) => review(&mut facts, event),
        Fact::Grant(event) => grant(&mut facts, event),
        Fact::GroupRegistered { name } => {
            facts.text("団体名", name);
        }
        Fact::Group(event) => {
            if let GroupEvent::GroupDeregistered { reason, .. } = event.as_ref() {
                facts.reason(reason);
            }
        }
        Fact::Account | Fact::Unreadable => {}
    }
    facts.0
}

fn round(facts: &mut Facts, event: &RoundEvent) {
    use RoundEvent as E;
    match event {
        E::AwardDecided {
            amount,
            notice_number,
            ..
        } => {
            // Empty since the grant carries the fiscal year's number (app/src/notice.rs).
            facts
                .yen("交付決定額", amount)
                .text("文書番号", notice_number);
        }
        E::AwardAmended { new_amount, .. } => {
            facts.yen("交付額", new_amount);
        }
        E::ChangeReserved {
            previous_amount,
            new_amount,
            reason,
            ..
        } => {
            facts
                .yen("交付額（変更前）", previous_amount)
                .yen("交付額（変更後）", new_amount)
                .reason(reason);
        }
        E::ChangeReservationCancelled {
            released, reason, ..
        } => {
            facts.yen("戻した額", released).reason(reason);
        }
        E::AwardReleased { amount, .. } => {
            facts.yen("金額", amount);
        }
        E::RunnerUpOfferAccepted { remainder, .. } => {
            facts.yen("繰上げ額", remainder);
        }
        E::PromotionOffered { amount, .. } | E::PromotionAccepted { amount, .. } => {
            facts.yen("打診額", amount);
        }
        E::ApplicationRejected { reason, .. } | E::RoundCorrected { reason, .. } => {
            facts.reason(reason);
        }
        _ => {}
    }
}

fn application(facts: &mut Facts, event: &ApplicationEvent) {
    use ApplicationEvent as E;
    match event {
        E::ApplicationSubmitted {
            requested_amount,
            max_amount,
            ..
        }
        | E::ApplicationResubmitted {
            requested_amount,
            max_amount,
            ..
        } => {
            facts
                .yen("申請額", requested_amount)
                .yen("補助上限額", max_amount);
        }
        E::ApplicationAwarded { amount, .. } => {
            facts.yen("金額", amount);
        }
        E::ApplicationScreenedIneligible { reason, .. }
        | E::ApplicationReturned { reason, .. }
        | E::ApplicationWithdrawn { reason, .. } => {
            facts.reason(reason);
        }
        E::ApplicationNotAdopted {
            reason: Some(reason),
            ..
        } => {
            facts.reason(reason);
        }
        _ => {}
    }
}

fn review(facts: &mut Facts, event: &ReviewEvent) {
    match event {
        ReviewEvent::ScoresheetSealed { total, .. } => {
            facts.text("合計点", &total.to_string());
        }
        ReviewEvent::ConflictDeclared { conflict, .. } => {
            facts.text("利害関係", if *conflict { "あり" } else { "なし" });
        }
        _ => {}
    }
}

fn grant(facts: &mut Facts, event: &GrantEvent) {
    use GrantEvent as E;
    match event {
        E::GrantDecided { decision, .. } => {
            facts
                .yen("交付決定額", &decision.amount)
                .text("文書番号", &decision.notice_number)
                .day("完了期限", &decision.completion_deadline);
        }
        E::AdvanceRequested { amount, .. } => {
            facts.yen("金額", amount);
        }
        E::PaymentRecorded {
            amount,
            paid_on,
            kind,
            paid_total,
            ..
        } => {
            let kind = match kind {
                PaymentKind::Advance => "概算払",
                PaymentKind::Final => "精算払",
            };
            facts
                .yen(kind, amount)
                .day("支払日", paid_on)
                .yen("支払済合計", paid_total);
        }
        E::AmountFinalised {
            finalised,
            refund_due,
            payable,
            ..
        } => {
            facts
                .yen("確定額", finalised)
                .yen("返還額", refund_due)
                .yen("支払残額", payable);
        }
        E::RefundReceived {
            amount,
            received_on,
            ..
        } => {
            facts.yen("返還額", amount).day("受領日", received_on);
        }
        E::GrantCancelled {
            refund_amount,
            reason,
            ..
        } => {
            facts.yen("返還命令額", refund_amount).reason(reason);
        }
        E::ChangeRequested {
            total_cost_before,
            total_cost_after,
            reason,
            ..
        }
        | E::ChangeNotified {
            total_cost_before,
            total_cost_after,
            reason,
            ..
        } => {
            facts
                .yen("事業費（変更前）", total_cost_before)
                .yen("事業費（変更後）", total_cost_after)
                .reason(reason);
        }
        E::ChangeApproved {
            previous_amount,
            decided_amount,
            reason,
            ..
        } => {
            facts
                .yen("交付額（変更前）", previous_amount)
                .yen("交付額（変更後）", decided_amount)
                .reason(reason);
        }
        E::DiscontinuationApproved {
            discontinued_on,
            reason,
            ..
        } => {
            facts.day("事業の終了日", discontinued_on).reason(reason);
        }
        E::GrantWithdrawn { reason, .. }
        | E::ChangeRejected { reason, .. }
        | E::SettlementReportReturned { reason, .. }
        | E::DiscontinuationRequested { reason, .. }
        | E::DiscontinuationRefused { reason, .. }
        | E::SettlementDeadlineExtended { reason, .. }
        | E::SettlementDelayExplained { reason, .. } => {
            facts.reason(reason);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_read_in_japanese_with_their_amounts_and_without_contact_details() {
        let finalised: GrantEvent = serde_json::from_value(json!({"AmountFinalised": {
            "finalised": 240000, "subsidy_base": 300000, "uncounted_receipts": [],
            "refund_due": 0, "payable": 11200, "refund_due_on": null,
            "by": "0190a000-0000-7000-8000-000000000001", "at": "2026-03-10T10:00:00+09:00"}}))
        .unwrap();
        assert_eq!(
            of(&Fact::Grant(Box::new(finalised))),
            vec!["確定額 ¥240,000", "返還額 ¥0", "支払残額 ¥11,200"]
        );
        let registered = Fact::GroupRegistered {
            name: "みどりの会".into(),
        };
        assert_eq!(of(&registered), vec!["団体名 みどりの会"]);
        assert!(of(&Fact::Account).is_empty());
    }
}
