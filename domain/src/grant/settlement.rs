//! Rule 9: the settlement report (実績報告), its deadline, staff's review, and the amount finalisation
//! (額の確定) with the payment of the remainder or the order of a refund.

use time::{Date, Duration, Month, OffsetDateTime};

use crate::amount::AmountTerms;
use crate::budget::{Budget, BudgetOverflow, ExpenseLine, IncomeLine};
use crate::fiscal_year::{jst_date, FiscalYear};
use crate::ids::UserId;
use crate::money::Yen;
use crate::text::Lines;

use super::commands::{ReceiptLine, ReviewOutcome, SettlementReport};
use super::errors::{overflow_in, GrantAction, GrantError};
use super::events::GrantEvent;
use super::text::{self, LONG_TEXT_MAX_CHARS, MAX_REPORT_LINES, SHORT_TEXT_MAX_CHARS};
use super::{ChangeState, Grant};

/// Days after the order within which a refund is due (finalisation or cancellation).
pub const REFUND_DAYS: i64 = 30;

/// The default grace date: 10 April after the fiscal year's end, the last day any report of the year
/// is taken when the round sets no `settlement_grace_date` (see `due_date`).
pub fn grace_date(fiscal_year: FiscalYear) -> Date {
    Date::from_calendar_date(fiscal_year.year() + 1, Month::April, 10)
        .expect("10 April exists in every year")
}

/// Rule 9: the report is due `settlement_days` after completion, and never after the grace date.
pub fn settlement_deadline(
    completion_deadline: Date,
    settlement_days: u32,
    fiscal_year: FiscalYear,
) -> Date {
    super::due_date::due_date(
        completion_deadline,
        settlement_days,
        grace_date(fiscal_year),
    )
}

/// Rule 9: the receipts that count, those dated from the decision day to the completion deadline.
pub fn counted_receipts(
    report: &SettlementReport,
    decided_on: Date,
    completion_deadline: Date,
) -> Vec<&ReceiptLine> {
    report
        .expenses
        .iter()
        .filter(|line| (decided_on..=completion_deadline).contains(&line.receipt_date))
        .collect()
}

/// The result of finalising an amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finalisation {
    /// The finalised amount (額の確定): at most the decided amount.
    pub finalised: Yen,
    /// The subsidy base of the counted lines: eligible expenses less project income and other
    /// subsidies.
    pub subsidy_base: Yen,
    /// Receipt numbers of the lines that did not count.
    pub uncounted_receipts: Vec<String>,
}

/// Rule 9: `finalised = min(decided, truncate_to_unit(rate x base of the counted lines))`.
pub fn finalise(
    terms: &AmountTerms,
    decided: Yen,
    report: &SettlementReport,
    decided_on: Date,
    completion_deadline: Date,
) -> Result<Finalisation, BudgetOverflow> {
    let counted = counted_receipts(report, decided_on, completion_deadline);
    let lines: Vec<ExpenseLine> = counted.iter().map(|line| line.expense_line()).collect();
    let totals = Budget::totals_of(lines.iter(), report.income.iter())?;
    let uncounted_receipts = report
        .expenses
        .iter()
        .filter(|line| !counted.contains(line))
        .map(|line| line.receipt_number.clone())
        .collect();
    Ok(Finalisation {
        finalised: terms.finalise(decided, totals.subsidy_base),
        subsidy_base: totals.subsidy_base,
        uncounted_receipts,
    })
}

/// The report with trimmed text, refused when a line is incomplete or the amounts overflow.
fn normalise(report: SettlementReport) -> Result<SettlementReport, GrantError> {
    for (field, count) in [
        ("expenses", report.expenses.len()),
        ("income", report.income.len()),
    ] {
        if count > MAX_REPORT_LINES {
            return Err(GrantError::TooManyLines {
                field,
                max: MAX_REPORT_LINES,
            });
        }
    }
    let expenses = report
        .expenses
        .into_iter()
        .map(|line| {
            if line.quantity == 0 {
                return Err(GrantError::ZeroQuantity);
            }
            Ok(ReceiptLine {
                item: text::required("item", &line.item, SHORT_TEXT_MAX_CHARS, Lines::One)?,
                receipt_number: text::required(
                    "receipt_number",
                    &line.receipt_number,
                    SHORT_TEXT_MAX_CHARS,
                    Lines::One,
                )?,
                ..line
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let income = report
        .income
        .into_iter()
        .map(|line| {
            Ok(IncomeLine {
                description: text::required(
                    "description",
                    &line.description,
                    SHORT_TEXT_MAX_CHARS,
                    Lines::One,
                )?,
                ..line
            })
        })
        .collect::<Result<Vec<_>, GrantError>>()?;
    let lines: Vec<ExpenseLine> = expenses.iter().map(ReceiptLine::expense_line).collect();
    Budget::totals_of(lines.iter(), income.iter()).map_err(overflow_in("expenses"))?;
    Ok(SettlementReport {
        income,
        expenses,
        outcomes: text::optional(
            "outcomes",
            &report.outcomes,
            LONG_TEXT_MAX_CHARS,
            Lines::Many,
        )?,
        participants: report.participants,
    })
}

impl Grant {
    /// The group saves its report; it may do so as often as it likes until it submits.
    pub(super) fn save_report(
        &self,
        report: SettlementReport,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::SaveReport)?;
        Ok(vec![GrantEvent::SettlementReportSaved {
            report: normalise(report)?,
            by,
            at,
        }])
    }

    /// The group attaches a receipt or a photo while it may save its report (until it submits, and
    /// again when returned), within the limits of `crate::attachment`.
    /// A receipt may name the saved expense line it proves (by its receipt number); an activity
    /// photo may be marked public.
    pub(super) fn add_report_attachment(
        &self,
        attachment: crate::attachment::Attachment,
        receipt_number: Option<String>,
        public: bool,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::SaveReport)?;
        crate::attachment::check_room(
            crate::attachment::AttachedTo::SettlementReport,
            &self.report_attachments,
            &attachment,
        )?;
        let receipt_number = receipt_number
            .map(|number| number.trim().to_owned())
            .filter(|number| !number.is_empty());
        let saved: Vec<&str> = self
            .report
            .iter()
            .flat_map(|report| report.expenses.iter())
            .map(|line| line.receipt_number.as_str())
            .collect();
        crate::attachment::check_report_marks(
            &attachment,
            receipt_number.as_deref(),
            public,
            &saved,
        )?;
        Ok(vec![GrantEvent::ReportAttachmentAdded {
            attachment,
            receipt_number,
            public,
            by,
            at,
        }])
    }

    /// The group takes a file off its report, while it may save it.
    pub(super) fn remove_report_attachment(
        &self,
        attachment_id: crate::ids::AttachmentId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::SaveReport)?;
        crate::attachment::check_held(&self.report_attachments, attachment_id)?;
        Ok(vec![GrantEvent::ReportAttachmentRemoved {
            attachment_id,
            by,
            at,
        }])
    }

    /// Whether the group may change its report now (save it, attach or remove a file).
    pub fn check_report_editable(&self) -> Result<(), GrantError> {
        self.check(GrantAction::SaveReport).map(|_| ())
    }

    /// The files of the settlement report that prove the expense line `receipt_number`.
    pub fn receipts_for(&self, receipt_number: &str) -> Vec<&crate::attachment::Attached> {
        self.report_attachments
            .iter()
            .filter(|one| one.receipt_number.as_deref() == Some(receipt_number))
            .collect()
    }

    /// The activity photos the group lets the public see (never any other file), once staff have
    /// accepted the report it belongs to (the amount is finalised) and while the grant stands: a
    /// photo is public only after the city has seen it, and a cancelled grant shows none.
    pub fn public_photos(&self) -> Vec<&crate::attachment::Attached> {
        let shown =
            self.finalised_amount.is_some() && self.status != Some(super::GrantStatus::Cancelled);
        self.report_attachments
            .iter()
            .filter(|_| shown)
            .filter(|one| {
                one.public
                    && one.attachment.kind == crate::attachment::AttachmentKind::ActivityPhoto
            })
            .collect()
    }

    /// The file `id` of the settlement report, if it is still attached.
    pub fn report_attachment(
        &self,
        id: crate::ids::AttachmentId,
    ) -> Option<&crate::attachment::Attached> {
        self.report_attachments
            .iter()
            .find(|one| one.attachment.id == id)
    }

    /// Rule 9: the saved report is submitted by its due date, or late with a delay reason (the first
    /// time; see `due_date`).
    pub(super) fn submit_report(
        &self,
        delay_reason: Option<&str>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        let status = self.check(GrantAction::SubmitReport)?;
        if self
            .changes
            .iter()
            .any(|record| record.state == ChangeState::Pending)
        {
            return Err(GrantError::ChangePending);
        }
        let report = self.report.clone().ok_or(GrantError::NoReportSaved)?;
        text::required(
            "outcomes",
            &report.outcomes,
            LONG_TEXT_MAX_CHARS,
            Lines::Many,
        )?;
        let (deadline, delay) = self.check_due_date(status, delay_reason, by, at)?;
        let mut events = vec![GrantEvent::SettlementReportSubmitted {
            report,
            deadline,
            by,
            at,
        }];
        events.extend(delay);
        Ok(events)
    }

    /// Rule 9: staff return the report, or accept it and finalise the amount.
    pub(super) fn review_settlement(
        &self,
        outcome: ReviewOutcome,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::ReviewSettlement)?;
        let award = self.award()?;
        if let ReviewOutcome::Returned { reason } = outcome {
            return Ok(vec![GrantEvent::SettlementReportReturned {
                reason: text::required("reason", &reason, LONG_TEXT_MAX_CHARS, Lines::Many)?,
                by,
                at,
            }]);
        }
        self.check_delay_accepted()?;
        let report = self.report.as_ref().ok_or(GrantError::NoReportSaved)?;
        let finalisation = finalise(
            &award.terms,
            award.decided_amount,
            report,
            award.decided_on,
            award.completion_deadline,
        )?;
        let paid = self.net_paid();
        let refund_due = paid.saturating_sub(finalisation.finalised);
        let payable = finalisation.finalised.saturating_sub(paid);
        let refund_due_on = (!refund_due.is_zero()).then(|| refund_due_date(at));
        let mut events = vec![GrantEvent::AmountFinalised {
            finalised: finalisation.finalised,
            subsidy_base: finalisation.subsidy_base,
            uncounted_receipts: finalisation.uncounted_receipts,
            refund_due,
            payable,
            refund_due_on,
            by,
            at,
        }];
        if refund_due.is_zero() && payable.is_zero() {
            events.push(GrantEvent::GrantClosed { by, at });
        }
        Ok(events)
    }
}

/// The day a refund ordered at `at` is due: 30 days later, on the JST calendar.
pub(super) fn refund_due_date(at: OffsetDateTime) -> Date {
    jst_date(at)
        .checked_add(Duration::days(REFUND_DAYS))
        .unwrap_or(Date::MAX)
}
