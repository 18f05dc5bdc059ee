//! Each notice and form as a typed value built from the aggregate's state and the event that
//! calls for it, and what its page says ([`Notice::letter`]).

use time::Date;

use super::{
    application_notice_number, dated, grant_notice_number, DocumentKind, Issuer, Letter, Table,
    PROGRAMME,
};
use crate::application::{receipt_number, Application, ApplicationEvent};
use crate::budget::Budget;
use crate::fiscal_year::{EraDate, FiscalYear};
use crate::grant::{last_withdrawal_day, Grant, GrantEvent, SettlementReport};
use crate::money::Yen;
use crate::round::era_year;

/// How to contest a decision (教示), printed on every decision that refuses or takes back.
const APPEAL: &str = "この決定に不服がある場合は、この決定があったことを知った日の翌日から起算して3か月以内に、市長に対して審査請求をすることができます。";

fn era(date: Date) -> String {
    EraDate(date).to_string()
}

fn fy(fiscal_year: FiscalYear) -> String {
    format!("{}年度", era_year(fiscal_year))
}

fn addressee(group_name: &str) -> Vec<String> {
    vec![format!("{group_name}　様")]
}

/// 交付決定通知書.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwardNotice {
    /// 文書番号: the decision's number (`令和8年度市協第1号`).
    pub number: String,
    /// The day of the decision (JST), which the notice is dated.
    pub dated: Date,
    /// The group the notice is addressed to.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The round's course (コース) the application was made under.
    pub course: String,
    /// The project's title (事業名).
    pub title: String,
    /// The amount awarded (交付決定額), integer yen.
    pub amount: Yen,
    /// The day by which the project must be completed (事業完了期限).
    pub completion_deadline: Date,
    /// The decision's conditions (交付の条件); empty means 「交付要綱に定めるとおり」.
    pub conditions: String,
    /// The last day the group may withdraw its application (rule 6).
    pub withdrawal_until: Date,
}

/// 不交付決定通知書.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonAwardNotice {
    /// 文書番号: the receipt number's (see `application_notice_number`).
    pub number: String,
    /// The JST day of `ApplicationNotAdopted`.
    pub dated: Date,
    /// The group the notice is addressed to.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The project's title (事業名).
    pub title: String,
    /// The application's receipt number (受付番号).
    pub receipt_number: String,
    /// Why the application was not adopted; `None` prints the ranking fell outside the budget.
    pub reason: Option<String>,
}

/// 次点の打診: the round's remainder offered to the runner-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunnerUpOfferNotice {
    /// 文書番号: the receipt number's (see `application_notice_number`).
    pub number: String,
    /// The JST day the round's ranking was fixed.
    pub dated: Date,
    /// The group the offer is addressed to.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The project's title (事業名).
    pub title: String,
    /// The application's receipt number (受付番号).
    pub receipt_number: String,
    /// The round's remainder offered (交付可能額), integer yen.
    pub remainder: Yen,
    /// The day the group must answer by; `None` prints 「別途お知らせします」.
    pub answer_by: Option<Date>,
}

/// 額の確定通知書.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalisationNotice {
    /// 文書番号: the decision's, branched (`…第1号の2`).
    pub number: String,
    /// The JST day the amount was finalised.
    pub dated: Date,
    /// The group the notice is addressed to.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The project's title (事業名).
    pub title: String,
    /// The award decision's number, which the body cites.
    pub decision_number: String,
    /// The day of the award decision (JST).
    pub decided_on: Date,
    /// The amount awarded (交付決定額), integer yen.
    pub decided_amount: Yen,
    /// The amount finalised (交付確定額), integer yen.
    pub finalised: Yen,
    /// What the city still pays the group (今後交付する額), integer yen.
    pub payable: Yen,
    /// What the group must pay back (返還を要する額), integer yen; a refund order follows when not zero.
    pub refund_due: Yen,
}

/// Why a refund is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundGround {
    /// The finalised amount is below what the group holds (額の確定).
    Finalisation,
    /// The decision was cancelled (交付決定の取消し; 加算金 and 延滞金 may run).
    Cancellation,
}

/// 返還命令書.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundOrderNotice {
    /// 文書番号: the decision's, branched.
    pub number: String,
    /// The JST day of the event that ordered the refund.
    pub dated: Date,
    /// The group the order is addressed to.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The project's title (事業名).
    pub title: String,
    /// The award decision's number, which the body cites.
    pub decision_number: String,
    /// The day of the award decision (JST).
    pub decided_on: Date,
    /// Whether the refund follows the finalisation or a cancellation.
    pub ground: RefundGround,
    /// The amount to pay back (返還額), integer yen.
    pub amount: Yen,
    /// 納期限.
    pub due_on: Option<Date>,
}

/// 交付決定取消通知書.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancellationNotice {
    /// 文書番号: the decision's, branched.
    pub number: String,
    /// The JST day of `GrantCancelled`.
    pub dated: Date,
    /// The group the notice is addressed to.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The project's title (事業名).
    pub title: String,
    /// The award decision's number, which the body cites.
    pub decision_number: String,
    /// The day of the award decision (JST).
    pub decided_on: Date,
    /// The amount awarded (交付決定額), integer yen.
    pub decided_amount: Yen,
    /// Why the decision is cancelled (取消しの理由), as staff wrote it.
    pub reason: String,
    /// What the group must pay back, integer yen; a refund order follows when not zero.
    pub refund_amount: Yen,
}

/// A notice the city issues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// 交付決定通知書.
    Award(AwardNotice),
    /// 不交付決定通知書.
    NonAward(NonAwardNotice),
    /// 次点の打診.
    RunnerUpOffer(RunnerUpOfferNotice),
    /// 額の確定通知書.
    Finalisation(FinalisationNotice),
    /// 返還命令書.
    RefundOrder(RefundOrderNotice),
    /// 交付決定取消通知書.
    Cancellation(CancellationNotice),
}

impl Notice {
    /// Which document this notice is.
    pub fn kind(&self) -> DocumentKind {
        match self {
            Notice::Award(_) => DocumentKind::AwardNotice,
            Notice::NonAward(_) => DocumentKind::NonAwardNotice,
            Notice::RunnerUpOffer(_) => DocumentKind::RunnerUpOffer,
            Notice::Finalisation(_) => DocumentKind::FinalisationNotice,
            Notice::RefundOrder(_) => DocumentKind::RefundOrder,
            Notice::Cancellation(_) => DocumentKind::CancellationNotice,
        }
    }

    /// The notice's 文書番号.
    pub fn number(&self) -> &str {
        match self {
            Notice::Award(n) => &n.number,
            Notice::NonAward(n) => &n.number,
            Notice::RunnerUpOffer(n) => &n.number,
            Notice::Finalisation(n) => &n.number,
            Notice::RefundOrder(n) => &n.number,
            Notice::Cancellation(n) => &n.number,
        }
    }

    /// The notice's date (a JST day).
    pub fn dated(&self) -> Date {
        match self {
            Notice::Award(n) => n.dated,
            Notice::NonAward(n) => n.dated,
            Notice::RunnerUpOffer(n) => n.dated,
            Notice::Finalisation(n) => n.dated,
            Notice::RefundOrder(n) => n.dated,
            Notice::Cancellation(n) => n.dated,
        }
    }

    /// What the notice's page says.
    pub fn letter(&self, issuer: &Issuer) -> Letter {
        let kind = self.kind();
        let (group_name, fiscal_year) = match self {
            Notice::Award(n) => (&n.group_name, n.fiscal_year),
            Notice::NonAward(n) => (&n.group_name, n.fiscal_year),
            Notice::RunnerUpOffer(n) => (&n.group_name, n.fiscal_year),
            Notice::Finalisation(n) => (&n.group_name, n.fiscal_year),
            Notice::RefundOrder(n) => (&n.group_name, n.fiscal_year),
            Notice::Cancellation(n) => (&n.group_name, n.fiscal_year),
        };
        let title = match kind {
            DocumentKind::RunnerUpOffer => {
                format!("{}{PROGRAMME}の交付について（打診）", fy(fiscal_year))
            }
            other => format!("{}{PROGRAMME}{}", fy(fiscal_year), other.label_ja()),
        };
        let mut letter = Letter {
            kind,
            number: Some(self.number().to_owned()),
            dated: Some(era(self.dated())),
            addressee: addressee(group_name),
            issuer: vec![issuer.mayor_title.clone()],
            title,
            body: Vec::new(),
            items: Vec::new(),
            tables: Vec::new(),
            notes: Vec::new(),
        };
        match self {
            Notice::Award(n) => {
                letter.body.push(format!(
                    "{}の{PROGRAMME}（{}）の交付申請について、下記のとおり交付することに決定したので通知します。",
                    fy(n.fiscal_year),
                    n.course
                ));
                letter.items = vec![
                    ("事業名".into(), n.title.clone()),
                    ("交付決定額".into(), n.amount.ja()),
                    ("事業完了期限".into(), era(n.completion_deadline)),
                    (
                        "交付の条件".into(),
                        if n.conditions.is_empty() {
                            "交付要綱に定めるとおり".into()
                        } else {
                            n.conditions.clone()
                        },
                    ),
                    ("申請の取下げ期限".into(), era(n.withdrawal_until)),
                ];
                letter.notes.push("この決定の内容に不服があり申請を取り下げるときは、上記の期限までに申し出てください。".into());
            }
            Notice::NonAward(n) => {
                letter.body.push(format!(
                    "{}の{PROGRAMME}の交付申請について、審査の結果、下記のとおり交付しないことに決定したので通知します。",
                    fy(n.fiscal_year)
                ));
                letter.items = vec![
                    ("事業名".into(), n.title.clone()),
                    ("受付番号".into(), n.receipt_number.clone()),
                    (
                        "不交付の理由".into(),
                        n.reason.clone().unwrap_or_else(|| {
                            "審査の結果、採択の順位が予算の範囲に達しなかったため".into()
                        }),
                    ),
                ];
                letter.notes.push(APPEAL.into());
            }
            Notice::RunnerUpOffer(n) => {
                letter.body.push(format!(
                    "{}の{PROGRAMME}の交付申請について、審査の結果、次点となりました。予算の残額の範囲内で事業を実施される意向があるか、下記のとおり打診します。",
                    fy(n.fiscal_year)
                ));
                letter.items = vec![
                    ("事業名".into(), n.title.clone()),
                    ("受付番号".into(), n.receipt_number.clone()),
                    ("交付可能額".into(), n.remainder.ja()),
                    (
                        "回答期限".into(),
                        n.answer_by
                            .map(era)
                            .unwrap_or_else(|| "別途お知らせします".into()),
                    ),
                ];
                letter
                    .notes
                    .push("期限までに回答がないときは、辞退されたものとして取り扱います。".into());
            }
            Notice::Finalisation(n) => {
                letter.body.push(format!(
                    "{}付け{}で交付決定した{PROGRAMME}について、実績報告書を審査した結果、下記のとおり交付すべき額を確定したので通知します。",
                    era(n.decided_on),
                    n.decision_number
                ));
                letter.items = vec![
                    ("事業名".into(), n.title.clone()),
                    ("交付決定額".into(), n.decided_amount.ja()),
                    ("交付確定額".into(), n.finalised.ja()),
                    ("今後交付する額".into(), n.payable.ja()),
                    ("返還を要する額".into(), n.refund_due.ja()),
                ];
                if !n.refund_due.is_zero() {
                    letter
                        .notes
                        .push("返還を要する額については、別途返還命令書により通知します。".into());
                }
            }
            Notice::RefundOrder(n) => {
                let ground = match n.ground {
                    RefundGround::Finalisation => "交付すべき額の確定",
                    RefundGround::Cancellation => "交付決定の取消し",
                };
                letter.body.push(format!(
                    "{}付け{}で交付決定した{PROGRAMME}について、{ground}により、下記のとおり返還を命じます。",
                    era(n.decided_on),
                    n.decision_number
                ));
                letter.items = vec![
                    ("事業名".into(), n.title.clone()),
                    ("返還額".into(), n.amount.ja()),
                    (
                        "納期限".into(),
                        n.due_on.map(era).unwrap_or_else(|| "別途通知します".into()),
                    ),
                ];
                letter
                    .notes
                    .push("同封の納入通知書により、納期限までに納付してください。".into());
                if n.ground == RefundGround::Cancellation {
                    letter.notes.push("補助金等に係る予算の執行の適正化に関する法律第19条の規定により、受領の日から納付の日までの日数に応じた加算金を、納期限までに納付しないときは延滞金を併せて納付していただきます。".into());
                }
                letter.notes.push(APPEAL.into());
            }
            Notice::Cancellation(n) => {
                letter.body.push(format!(
                    "{}付け{}で交付決定した{PROGRAMME}について、下記の理由により、交付決定の全部を取り消したので通知します。",
                    era(n.decided_on),
                    n.decision_number
                ));
                letter.items = vec![
                    ("事業名".into(), n.title.clone()),
                    ("交付決定額".into(), n.decided_amount.ja()),
                    ("取消しの理由".into(), n.reason.clone()),
                    ("返還を要する額".into(), n.refund_amount.ja()),
                ];
                if !n.refund_amount.is_zero() {
                    letter
                        .notes
                        .push("返還を要する額については、別途返還命令書により通知します。".into());
                }
                letter.notes.push(APPEAL.into());
            }
        }
        letter
    }
}

/// The notices event `event` of `grant` calls for; `grant` is the grant as the process loads it
/// (its decision's terms and the notices it has issued so far). Every figure that could move
/// later comes from the event itself, so a late run writes the same notice.
pub fn notice_for_grant_event(grant: &Grant, event: &GrantEvent) -> Vec<Notice> {
    let Some(award) = &grant.award else {
        // Only `GrantDecided` comes before the award is known.
        return match event {
            GrantEvent::GrantDecided {
                decision,
                decided_on,
                ..
            } => vec![award_notice(decision, *decided_on)],
            _ => Vec::new(),
        };
    };
    // Notices after the decision are numbered from branch 2 on, in the order they are issued.
    let issued_after = grant
        .notices
        .iter()
        .filter(|notice| notice.kind != DocumentKind::AwardNotice)
        .count() as u32;
    let number = |offset: u32| grant_notice_number(&award.notice_number, 2 + issued_after + offset);
    match event {
        GrantEvent::GrantDecided {
            decision,
            decided_on,
            ..
        } => vec![award_notice(decision, *decided_on)],
        GrantEvent::AmountFinalised {
            finalised,
            refund_due,
            payable,
            refund_due_on,
            at,
            ..
        } => {
            let mut notices = vec![Notice::Finalisation(FinalisationNotice {
                number: number(0),
                dated: dated(*at),
                group_name: award.group_name.clone(),
                fiscal_year: award.fiscal_year,
                title: award.title.clone(),
                decision_number: award.notice_number.clone(),
                decided_on: award.decided_on,
                decided_amount: award.decided_amount,
                finalised: *finalised,
                payable: *payable,
                refund_due: *refund_due,
            })];
            if !refund_due.is_zero() {
                notices.push(Notice::RefundOrder(RefundOrderNotice {
                    number: number(1),
                    dated: dated(*at),
                    group_name: award.group_name.clone(),
                    fiscal_year: award.fiscal_year,
                    title: award.title.clone(),
                    decision_number: award.notice_number.clone(),
                    decided_on: award.decided_on,
                    ground: RefundGround::Finalisation,
                    amount: *refund_due,
                    due_on: *refund_due_on,
                }));
            }
            notices
        }
        GrantEvent::GrantCancelled {
            reason,
            refund_amount,
            refund_due_on,
            at,
            ..
        } => {
            let mut notices = vec![Notice::Cancellation(CancellationNotice {
                number: number(0),
                dated: dated(*at),
                group_name: award.group_name.clone(),
                fiscal_year: award.fiscal_year,
                title: award.title.clone(),
                decision_number: award.notice_number.clone(),
                decided_on: award.decided_on,
                decided_amount: award.decided_amount,
                reason: reason.clone(),
                refund_amount: *refund_amount,
            })];
            if !refund_amount.is_zero() {
                notices.push(Notice::RefundOrder(RefundOrderNotice {
                    number: number(1),
                    dated: dated(*at),
                    group_name: award.group_name.clone(),
                    fiscal_year: award.fiscal_year,
                    title: award.title.clone(),
                    decision_number: award.notice_number.clone(),
                    decided_on: award.decided_on,
                    ground: RefundGround::Cancellation,
                    amount: *refund_amount,
                    due_on: *refund_due_on,
                }));
            }
            notices
        }
        _ => Vec::new(),
    }
}

fn award_notice(decision: &crate::grant::GrantDecision, decided_on: Date) -> Notice {
    Notice::Award(AwardNotice {
        number: decision.notice_number.clone(),
        dated: decided_on,
        group_name: decision.group_name.clone(),
        fiscal_year: decision.fiscal_year,
        course: decision.course.clone(),
        title: decision.title.clone(),
        amount: decision.amount,
        completion_deadline: decision.completion_deadline,
        conditions: decision.conditions.clone(),
        withdrawal_until: last_withdrawal_day(decided_on),
    })
}

/// The title an application's notices name.
fn application_title(application: &Application) -> String {
    application
        .content()
        .map(|content| content.title.clone())
        .unwrap_or_default()
}

/// The notice event `event` of `application` calls for (不交付: `ApplicationNotAdopted`), given
/// the group's name, the round's fiscal year and the city's document prefix.
pub fn notice_for_application_event(
    application: &Application,
    group_name: &str,
    fiscal_year: FiscalYear,
    prefix: &str,
    event: &ApplicationEvent,
) -> Option<Notice> {
    match event {
        ApplicationEvent::ApplicationNotAdopted { reason, at, .. } => {
            Some(Notice::NonAward(NonAwardNotice {
                number: application_notice_number(
                    fiscal_year,
                    prefix,
                    application.id(),
                    application.notices().len() as u32 + 1,
                ),
                dated: dated(*at),
                group_name: group_name.to_owned(),
                fiscal_year,
                title: application_title(application),
                receipt_number: receipt_number(application.id()),
                reason: reason.clone(),
            }))
        }
        _ => None,
    }
}

/// 次点の打診 for `application`, offered `remainder` when the ranking was fixed on `fixed_on`.
pub fn runner_up_offer(
    application: &Application,
    group_name: &str,
    fiscal_year: FiscalYear,
    prefix: &str,
    remainder: Yen,
    fixed_on: Date,
    answer_by: Option<Date>,
) -> Notice {
    Notice::RunnerUpOffer(RunnerUpOfferNotice {
        number: application_notice_number(
            fiscal_year,
            prefix,
            application.id(),
            application.notices().len() as u32 + 1,
        ),
        dated: fixed_on,
        group_name: group_name.to_owned(),
        fiscal_year,
        title: application_title(application),
        receipt_number: receipt_number(application.id()),
        remainder,
        answer_by,
    })
}

/// 交付申請書, filled from the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationForm {
    /// The application's receipt number (受付番号).
    pub receipt_number: String,
    /// The JST day it was submitted; `None` for a draft (the form leaves the date blank).
    pub submitted_on: Option<Date>,
    /// The applicant group's name.
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The round's course (コース) applied under.
    pub course: String,
    /// The project's title (事業名).
    pub title: String,
    /// The project's summary (事業の概要).
    pub summary: String,
    /// The project's purpose (事業の目的).
    pub purpose: String,
    /// Who the project is for (対象者).
    pub beneficiaries: String,
    /// The project's first and last day (事業期間), both included.
    pub period: (Date, Date),
    /// The planned expenses and income (収支予算).
    pub budget: Budget,
    /// The amount requested (交付申請額), integer yen.
    pub requested_amount: Yen,
}

/// The application form of `application` (with content), or `None` before a draft.
pub fn application_form(
    application: &Application,
    group_name: &str,
    fiscal_year: FiscalYear,
    course: &str,
) -> Option<ApplicationForm> {
    let content = application.content()?;
    Some(ApplicationForm {
        receipt_number: receipt_number(application.id()),
        submitted_on: application.submitted_at().map(dated),
        group_name: group_name.to_owned(),
        fiscal_year,
        course: course.to_owned(),
        title: content.title.clone(),
        summary: content.summary.clone(),
        purpose: content.purpose.clone(),
        beneficiaries: content.beneficiaries.clone(),
        period: (content.period.start, content.period.end),
        budget: content.budget.clone(),
        requested_amount: content.requested_amount,
    })
}

fn line_amount(amount: Option<Yen>) -> String {
    amount.map(Yen::ja).unwrap_or_else(|| "—".into())
}

fn budget_tables(budget_income: &[crate::budget::IncomeLine]) -> Table {
    Table {
        caption: "収入".into(),
        header: vec!["区分".into(), "内容".into(), "金額".into()],
        rows: budget_income
            .iter()
            .map(|line| {
                vec![
                    line.kind.label_ja().into(),
                    line.description.clone(),
                    line.amount.ja(),
                ]
            })
            .collect(),
    }
}

impl ApplicationForm {
    /// What the form's page says; addressed to the mayor.
    pub fn letter(&self, issuer: &Issuer) -> Letter {
        let totals = self.budget.totals().ok();
        let mut items = vec![
            ("受付番号".into(), self.receipt_number.clone()),
            ("コース".into(), self.course.clone()),
            ("事業名".into(), self.title.clone()),
            ("事業の概要".into(), self.summary.clone()),
            ("事業の目的".into(), self.purpose.clone()),
            ("対象者".into(), self.beneficiaries.clone()),
            (
                "事業期間".into(),
                format!("{}から{}まで", era(self.period.0), era(self.period.1)),
            ),
        ];
        if let Some(totals) = totals {
            items.push(("事業費総額".into(), totals.total_cost.ja()));
            items.push(("補助対象経費".into(), totals.eligible_expenses.ja()));
        }
        items.push(("交付申請額".into(), self.requested_amount.ja()));
        let expenses = Table {
            caption: "支出".into(),
            header: vec![
                "費目".into(),
                "内容".into(),
                "数量".into(),
                "単価".into(),
                "金額".into(),
            ],
            rows: self
                .budget
                .expenses
                .iter()
                .map(|line| {
                    vec![
                        line.category.label_ja().into(),
                        line.item.clone(),
                        line.quantity.to_string(),
                        line.unit_price.ja(),
                        line_amount(line.amount()),
                    ]
                })
                .collect(),
        };
        Letter {
            kind: DocumentKind::ApplicationForm,
            number: None,
            dated: Some(
                self.submitted_on
                    .map(era)
                    .unwrap_or_else(|| "令和　年　月　日".into()),
            ),
            addressee: vec![format!("{}　様", issuer.mayor_title)],
            issuer: vec![format!("申請者　{}", self.group_name)],
            title: format!("{}{PROGRAMME}交付申請書", fy(self.fiscal_year)),
            body: vec![format!(
                "{}の{PROGRAMME}の交付を受けたいので、関係書類を添えて下記のとおり申請します。",
                fy(self.fiscal_year)
            )],
            items,
            tables: vec![expenses, budget_tables(&self.budget.income)],
            notes: Vec::new(),
        }
    }
}

/// 実績報告書, filled from the grant's settlement report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementReportForm {
    /// The group reporting (補助事業者).
    pub group_name: String,
    /// The fiscal year of the round.
    pub fiscal_year: FiscalYear,
    /// The project's title (事業名).
    pub title: String,
    /// The award decision's number, which the body cites.
    pub decision_number: String,
    /// The day of the award decision (JST).
    pub decided_on: Date,
    /// The amount awarded (交付決定額), integer yen.
    pub decided_amount: Yen,
    /// The report as the group submitted it (実績報告).
    pub report: SettlementReport,
}

/// The report form of `grant`, once it has a report.
pub fn settlement_report_form(grant: &Grant) -> Option<SettlementReportForm> {
    let award = grant.award.as_ref()?;
    Some(SettlementReportForm {
        group_name: award.group_name.clone(),
        fiscal_year: award.fiscal_year,
        title: award.title.clone(),
        decision_number: award.notice_number.clone(),
        decided_on: award.decided_on,
        decided_amount: grant.decided_amount(),
        report: grant.report.clone()?,
    })
}

impl SettlementReportForm {
    /// What the form's page says; addressed to the mayor.
    pub fn letter(&self, issuer: &Issuer) -> Letter {
        let lines: Vec<_> = self
            .report
            .expenses
            .iter()
            .map(|line| line.expense_line())
            .collect();
        let spent = Yen::checked_sum(lines.iter().filter_map(|line| line.amount()));
        let expenses = Table {
            caption: "支出（領収書）".into(),
            header: vec![
                "費目".into(),
                "内容".into(),
                "領収日".into(),
                "領収書番号".into(),
                "金額".into(),
            ],
            rows: self
                .report
                .expenses
                .iter()
                .map(|line| {
                    vec![
                        line.category.label_ja().into(),
                        line.item.clone(),
                        era(line.receipt_date),
                        line.receipt_number.clone(),
                        line_amount(line.expense_line().amount()),
                    ]
                })
                .collect(),
        };
        Letter {
            kind: DocumentKind::SettlementReportForm,
            number: None,
            dated: Some("令和　年　月　日".into()),
            addressee: vec![format!("{}　様", issuer.mayor_title)],
            issuer: vec![format!("補助事業者　{}", self.group_name)],
            title: format!("{}{PROGRAMME}実績報告書", fy(self.fiscal_year)),
            body: vec![format!(
                "{}付け{}で交付決定を受けた{PROGRAMME}に係る事業が完了したので、関係書類を添えて下記のとおり報告します。",
                era(self.decided_on),
                self.decision_number
            )],
            items: vec![
                ("事業名".into(), self.title.clone()),
                ("交付決定額".into(), self.decided_amount.ja()),
                ("事業に要した経費".into(), line_amount(spent)),
                ("参加者数".into(), format!("{}人", self.report.participants)),
                ("事業の成果".into(), self.report.outcomes.clone()),
            ],
            tables: vec![expenses, budget_tables(&self.report.income)],
            notes: Vec::new(),
        }
    }
}
