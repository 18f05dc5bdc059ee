//! Why the round refuses a command: one variant per rule, each with a stable code and a Japanese
//! message naming the rule.

use crate::fiscal_year::JaDate;
use time::Date;

use crate::ids::{ApplicationId, GrantId};
use crate::money::Yen;
use crate::refusal::{Refusal, RefusalKind};
use crate::text::ForbiddenCharacter;

use super::promotion::PromotionError;

/// A refusal by the round aggregate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoundError {
    // --- settings (Invalid) ---
    /// The window's opening is not before its closing.
    #[error("the application window must open before it closes")]
    WindowInverted,
    /// The floor (下限額) is above the cap (上限額).
    #[error("the floor {floor} may not exceed the cap {cap}")]
    FloorAboveCap {
        /// The floor given.
        floor: Yen,
        /// The cap given.
        cap: Yen,
    },
    /// The cap is above the whole round's budget.
    #[error("the cap {cap} may not exceed the round budget {budget}")]
    CapAboveBudget {
        /// The cap given.
        cap: Yen,
        /// The budget given.
        budget: Yen,
    },
    /// The rounding unit is zero yen.
    #[error("the rounding unit must be at least one yen")]
    ZeroRoundingUnit,
    /// A ratio setting (named by its field) is above 1/1.
    #[error("the ratio {0} may not exceed 1/1")]
    RatioAboveOne(&'static str),
    /// The settlement period is not between 1 and `SETTLEMENT_DAYS_MAX` days.
    #[error("the settlement period must be between 1 and 365 days")]
    SettlementDaysOutOfRange,
    /// The grace date is outside the fiscal year's first day .. 31 May after its end.
    #[error("the settlement grace date must lie between {first} and {last}")]
    SettlementGraceOutOfRange {
        /// The earliest grace date allowed: the fiscal year's first day.
        first: Date,
        /// The latest allowed: 31 May after the fiscal year (出納閉鎖).
        last: Date,
    },
    /// The number of grants per group is zero.
    #[error("a group must be allowed at least one grant")]
    NoGrantsPerGroup,
    /// A required text field (named) is empty after trimming.
    #[error("the {0} may not be empty")]
    MissingText(&'static str),
    /// A text field is longer than its limit.
    #[error("the {field} may be at most {max} characters long")]
    TextTooLong {
        /// The field's name.
        field: &'static str,
        /// Its limit, in characters.
        max: usize,
    },
    /// A text field holds a character it may not (a control character, or a line break in a
    /// one-line field).
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),

    // --- lifecycle (State) ---
    /// `Open` on a round already opened.
    #[error("the round has already been opened")]
    AlreadyOpened,
    /// Any command but `Open` on a round not opened yet.
    #[error("the round has not been opened")]
    NotOpened,
    /// The reviewer already sits on the committee.
    #[error("this reviewer is already on the committee")]
    ReviewerAlreadyAppointed,
    /// The account to appoint does not hold the reviewer role.
    #[error("only reviewer accounts can be appointed to the committee")]
    NotAReviewer,
    /// Scoring is closed: it closes once, no one is appointed after, and the window's closing
    /// no longer moves.
    #[error("scoring has already been closed")]
    ScoringAlreadyClosed,
    /// Fixing the ranking before scoring closed.
    #[error("scoring has not been closed yet")]
    ScoringNotClosed,
    /// The ranking is fixed once.
    #[error("the ranking has already been fixed")]
    RankingAlreadyFixed,
    /// Answering an offer or deciding before the ranking is fixed.
    #[error("the ranking has not been fixed yet")]
    RankingNotFixed,
    /// The runner-up answers its offer once.
    #[error("the runner-up has already answered the offer")]
    OfferAlreadyAnswered,
    /// The application was already awarded or rejected in this round.
    #[error("application {0} has already been decided in this round")]
    AlreadyDecided(ApplicationId),
    /// A release or change names an application this round did not award.
    #[error("application {0} has no award in this round")]
    NotAwarded(ApplicationId),

    // --- rules (Rule) ---
    /// Closing scoring before the application window has closed.
    #[error("scoring can only be closed after the application window has closed")]
    WindowStillOpen,
    /// Closing scoring with no committee member appointed.
    #[error("scoring cannot be closed without any appointed reviewer")]
    NoCommittee,
    /// A committee member neither sealed a sheet nor declared a conflict for this application.
    #[error("application {0} has a missing scoresheet: scoring is incomplete")]
    IncompleteScoring(ApplicationId),
    /// An answer to the runner-up's offer for an application that is not the runner-up.
    #[error("application {0} is not this round's runner-up")]
    NotTheRunnerUp(ApplicationId),
    /// The runner-up answered after the offer's last JST day (given).
    #[error("the runner-up offer expired on {0}")]
    OfferExpired(Date),
    /// Awarding the runner-up, which has not accepted the offer.
    #[error("the runner-up {0} has not accepted the offer")]
    OfferNotAccepted(ApplicationId),
    /// The runner-up's award is above the remainder offered.
    #[error("the award {amount} exceeds the remainder {remainder} offered to the runner-up")]
    AboveRemainder {
        /// The award asked for, in integer yen.
        amount: Yen,
        /// The remainder offered, in integer yen.
        remainder: Yen,
    },
    /// Awarding an application the ranking did not adopt (and no accepted offer names).
    #[error("application {0} was not adopted by the ranking")]
    NotAdopted(ApplicationId),
    /// The award is above what the application requested.
    #[error("the award {amount} exceeds the requested amount {requested}")]
    AboveRequested {
        /// The award asked for, in integer yen.
        amount: Yen,
        /// The amount requested, in integer yen.
        requested: Yen,
    },
    /// The amount is above the maximum subsidy of rule 3 (or the course's cap, for a change).
    #[error("the award {amount} exceeds the maximum subsidy {max}")]
    AboveMaximum {
        /// `amount` of an award, `new_amount` of an amendment after a change request.
        field: &'static str,
        /// The amount asked for, in integer yen.
        amount: Yen,
        /// The maximum, in integer yen.
        max: Yen,
    },
    /// The award is below the course's floor (下限額).
    #[error("the award {amount} is below the course's floor {floor}")]
    BelowFloor {
        /// The award asked for, in integer yen.
        amount: Yen,
        /// The floor, in integer yen.
        floor: Yen,
    },
    /// The group already received the most grants the round allows per group in the course
    /// (rule 1).
    #[error(
        "the group of application {application_id} already had {prior_grants} grants in this \
         course, counting this round's awards; the round allows at most {max} per group"
    )]
    GrantLimitReached {
        /// The application whose award would pass the limit.
        application_id: ApplicationId,
        /// The group's grants in the course before this award.
        prior_grants: u32,
        /// The round's `max_grants_per_group`.
        max: u32,
    },
    /// The amount is not a multiple of the round's rounding unit.
    #[error(
        "the decided amount {amount} is not a multiple of the round's rounding unit {unit}; \
         amounts are rounded down, to {rounded_down}"
    )]
    OffRoundingUnit {
        /// `amount` of an award, `new_amount` of an amendment.
        field: &'static str,
        /// The amount given, in integer yen.
        amount: Yen,
        /// The round's rounding unit, in yen.
        unit: Yen,
        /// The amount rounded down to the unit, which staff may use instead.
        rounded_down: Yen,
    },
    /// The completion deadline is before the JST decision day.
    #[error("the completion deadline {deadline} is before the decision day {decided_on}")]
    DeadlineBeforeDecision {
        /// The completion deadline given (JST date).
        deadline: Date,
        /// The JST day of the decision.
        decided_on: Date,
    },
    /// The completion deadline is after the fiscal year's last day (31 March).
    #[error("the completion deadline {deadline} is after the end of the fiscal year {last_day}")]
    DeadlineAfterFiscalYear {
        /// The completion deadline given (JST date).
        deadline: Date,
        /// The fiscal year's last day.
        last_day: Date,
    },
    /// The award would take the decided total above the round's budget (rule 6).
    #[error(
        "awarding {adding} on top of the decided {decided} would exceed the round budget {budget}"
    )]
    BudgetExceeded {
        /// What the budget already holds for awards, in integer yen.
        decided: Yen,
        /// What this award or change would add, in integer yen.
        adding: Yen,
        /// The round's budget, in integer yen.
        budget: Yen,
    },

    // --- values (Invalid) ---
    /// A ranking entry's number of sheets differs from the committee's size.
    #[error("application {application_id} has {found} scoresheets but the committee has {expected} members")]
    SheetCountMismatch {
        /// The entry's application.
        application_id: ApplicationId,
        /// The committee's size.
        expected: usize,
        /// The entry's number of sheets.
        found: usize,
    },
    /// A ranking entry has no sheet at all.
    #[error("application {0} has no scoresheet slot")]
    NoSheets(ApplicationId),
    /// A sheet's total is above the criteria's highest total per reviewer.
    #[error("application {application_id} has a sheet total {total} above the maximum {max}")]
    ScoreAboveMaximum {
        /// The entry's application.
        application_id: ApplicationId,
        /// The sheet's total.
        total: u32,
        /// The highest total one reviewer can give.
        max: u32,
    },
    /// An application's total does not fit the arithmetic.
    #[error("the score total is too large")]
    TotalOverflow,
    /// The same application twice in one ranking or decision.
    #[error("application {0} appears twice in the command")]
    DuplicateApplication(ApplicationId),
    /// An award names a grant id another award already has.
    #[error("grant {0} is already used")]
    DuplicateGrant(GrantId),
    /// An award's budget lines do not fit the arithmetic when added up.
    #[error("the budget of application {0} is too large to add up")]
    BudgetOverflow(ApplicationId),
    /// A decision with neither award nor rejection.
    #[error("a decision needs at least one award or rejection")]
    EmptyDecision,
    /// An amount (named) is zero yen.
    #[error("the {field} must be more than zero yen")]
    ZeroAmount {
        /// The field's name.
        field: &'static str,
    },
    /// A change's reservation that does not raise the award.
    #[error(
        "a change may only be reserved to raise the award: {new_amount} is not above {current}"
    )]
    NotAnIncrease {
        /// What the award holds now, in integer yen.
        current: Yen,
        /// The amount the change asks for, in integer yen.
        new_amount: Yen,
    },
    /// The change request already has a reservation.
    #[error("this change request already has a reservation on the round")]
    ReservationExists,
    /// The round and the grant hold different amounts: another change is half applied.
    #[error("another change of this grant is still being applied (the round holds {held_by_round}, the grant {held_by_grant}): decide again shortly")]
    ChangeInFlight {
        /// What the round's award holds, in integer yen.
        held_by_round: Yen,
        /// What the grant holds as decided, as the caller read it.
        held_by_grant: Yen,
    },
    /// Cancelling a reservation the round does not hold.
    #[error("the round holds no reservation for this change request")]
    ReservationUnknown,
    /// Cancelling a reservation already cancelled.
    #[error("the reservation for this change request has already been cancelled")]
    ReservationCancelled,
    /// A release of more than the award still holds.
    #[error("cannot release {amount}: the award is only {award}")]
    ReleaseAboveAward {
        /// The amount to release, in integer yen.
        amount: Yen,
        /// What the award still holds, in integer yen.
        award: Yen,
    },

    /// 繰上げ採択's refusals (see `promotion.rs`).
    #[error(transparent)]
    Promotion(#[from] PromotionError),
    // --- corrections after opening (`correction`) ---
    /// A correction changes a term frozen once the round has any application (drafts included).
    #[error("{field} may not change once the round has an application")]
    SettingFrozen {
        /// The setting's API name.
        field: &'static str,
    },
    /// A correction lowers the budget below what is already decided.
    #[error("the budget {budget} may not fall below the {decided} already decided")]
    BudgetBelowDecided {
        /// The corrected budget, in integer yen.
        budget: Yen,
        /// What is decided, in integer yen.
        decided: Yen,
    },
    /// A correction moves the window's closing to an instant already past.
    #[error("the application window may not close at an instant already past")]
    ClosingInPast,
    /// A correction whose settings equal the current ones.
    #[error("the correction changes nothing")]
    CorrectionUnchanged,
    /// A correction of the fiscal year or the course, which never change.
    #[error("{field} of a round may never be corrected: open a new round")]
    NeverCorrected {
        /// The setting's API name.
        field: &'static str,
    },
}

/// The Japanese name of a round setting, for the correction refusals.
fn setting_ja(field: &str) -> &'static str {
    match field {
        "fiscal_year" => "年度",
        "course" => "コース名",
        "budget" => "予算額（減額）",
        "cap" => "補助上限額",
        "floor" => "補助下限額",
        "rate_schedule" => "補助率",
        "rounding_unit" => "端数処理の単位",
        "max_grants_per_group" => "1団体の交付回数の上限",
        "opens_at" => "受付開始日時",
        "closes_at" => "受付期間（短縮）",
        "criteria" => "審査基準",
        "pass_ratio" => "合格ライン",
        "advance_cap_ratio" => "概算払の上限",
        "change_threshold_ratio" => "変更承認が必要な減額の比率",
        "settlement_days" => "実績報告の期限",
        "settlement_grace_date" => "実績報告の最終期限",
        _ => "この設定",
    }
}

impl Refusal for RoundError {
    fn code(&self) -> &'static str {
        match self {
            Self::WindowInverted => "round.window_inverted",
            Self::FloorAboveCap { .. } => "round.floor_above_cap",
            Self::CapAboveBudget { .. } => "round.cap_above_budget",
            Self::ZeroRoundingUnit => "round.zero_rounding_unit",
            Self::RatioAboveOne(_) => "round.ratio_above_one",
            Self::SettlementDaysOutOfRange => "round.settlement_days_out_of_range",
            Self::SettlementGraceOutOfRange { .. } => "round.settlement_grace_out_of_range",
            Self::NoGrantsPerGroup => "round.no_grants_per_group",
            Self::MissingText(_) => "round.missing_text",
            Self::TextTooLong { .. } => "round.text_too_long",
            Self::Text(error) => error.code(),
            Self::Promotion(error) => error.code(),
            Self::AlreadyOpened => "round.already_opened",
            Self::NotOpened => "round.not_opened",
            Self::ReviewerAlreadyAppointed => "round.reviewer_already_appointed",
            Self::NotAReviewer => "round.not_a_reviewer",
            Self::ScoringAlreadyClosed => "round.scoring_already_closed",
            Self::ScoringNotClosed => "round.scoring_not_closed",
            Self::RankingAlreadyFixed => "round.ranking_already_fixed",
            Self::RankingNotFixed => "round.ranking_not_fixed",
            Self::OfferAlreadyAnswered => "round.offer_already_answered",
            Self::AlreadyDecided(_) => "round.already_decided",
            Self::NotAwarded(_) => "round.not_awarded",
            Self::WindowStillOpen => "round.window_still_open",
            Self::NoCommittee => "round.no_committee",
            Self::IncompleteScoring(_) => "round.incomplete_scoring",
            Self::NotTheRunnerUp(_) => "round.not_the_runner_up",
            Self::OfferExpired(_) => "round.offer_expired",
            Self::OfferNotAccepted(_) => "round.offer_not_accepted",
            Self::AboveRemainder { .. } => "round.above_remainder",
            Self::NotAdopted(_) => "round.not_adopted",
            Self::AboveRequested { .. } => "round.above_requested",
            Self::AboveMaximum { .. } => "round.above_maximum",
            Self::BelowFloor { .. } => "round.below_floor",
            Self::OffRoundingUnit { .. } => "round.off_rounding_unit",
            Self::GrantLimitReached { .. } => "round.grant_limit_reached",
            Self::BudgetOverflow(_) => "round.budget_overflow",
            Self::DeadlineBeforeDecision { .. } => "round.deadline_before_decision",
            Self::DeadlineAfterFiscalYear { .. } => "round.deadline_after_fiscal_year",
            Self::BudgetExceeded { .. } => "round.budget_exceeded",
            Self::SheetCountMismatch { .. } => "round.sheet_count_mismatch",
            Self::NoSheets(_) => "round.no_sheets",
            Self::ScoreAboveMaximum { .. } => "round.score_above_maximum",
            Self::TotalOverflow => "round.total_overflow",
            Self::DuplicateApplication(_) => "round.duplicate_application",
            Self::DuplicateGrant(_) => "round.duplicate_grant",
            Self::EmptyDecision => "round.empty_decision",
            Self::ZeroAmount { .. } => "round.zero_amount",
            Self::NotAnIncrease { .. } => "round.not_an_increase",
            Self::ReservationExists => "round.reservation_exists",
            Self::ChangeInFlight { .. } => "round.change_in_flight",
            Self::ReservationUnknown => "round.reservation_unknown",
            Self::ReservationCancelled => "round.reservation_cancelled",
            Self::SettingFrozen { .. } => "round.setting_frozen",
            Self::BudgetBelowDecided { .. } => "round.budget_below_decided",
            Self::ClosingInPast => "round.closing_in_past",
            Self::CorrectionUnchanged => "round.correction_unchanged",
            Self::NeverCorrected { .. } => "round.never_corrected",
            Self::ReleaseAboveAward { .. } => "round.release_above_award",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::Promotion(error) => error.message_ja(),
            Self::WindowInverted => "募集開始日時は募集締切日時より前にしてください".into(),
            Self::FloorAboveCap { floor, cap } => {
                format!("下限額{floor}が上限額{cap}を超えています")
            }
            Self::CapAboveBudget { cap, budget } => {
                format!("上限額{cap}が予算額{budget}を超えています")
            }
            Self::ZeroRoundingUnit => "端数処理の単位は1円以上にしてください".into(),
            Self::RatioAboveOne(name) => format!("{name}は1/1以下にしてください"),
            Self::SettlementDaysOutOfRange => {
                "実績報告の期限日数は1日から365日の間にしてください".into()
            }
            Self::SettlementGraceOutOfRange { first, last } => format!(
                "実績報告の最終期限は{}から{}（出納閉鎖日）までの日にしてください",
                JaDate(*first),
                JaDate(*last)
            ),
            Self::NoGrantsPerGroup => "1団体あたりの交付回数の上限は1回以上にしてください".into(),
            Self::MissingText(field) => format!("{field}を入力してください"),
            Self::TextTooLong { field, max } => format!("{field}は{max}文字以内で入力してください"),
            Self::Text(error) => error.message_ja(),
            Self::AlreadyOpened => "この募集回はすでに開始されています".into(),
            Self::NotOpened => "この募集回はまだ開始されていません".into(),
            Self::ReviewerAlreadyAppointed => "この審査委員はすでに委嘱されています".into(),
            Self::NotAReviewer => "審査委員のアカウントだけを委員会に委嘱できます".into(),
            Self::ScoringAlreadyClosed => "審査（採点）はすでに締め切られています".into(),
            Self::ScoringNotClosed => "審査（採点）がまだ締め切られていません".into(),
            Self::RankingAlreadyFixed => "順位はすでに確定しています".into(),
            Self::RankingNotFixed => "順位がまだ確定していません".into(),
            Self::OfferAlreadyAnswered => "次点への打診にはすでに回答済みです".into(),
            Self::AlreadyDecided(_) => "この申請はこの募集回ですでに決定済みです".into(),
            Self::NotAwarded(_) => "この申請には交付決定がありません".into(),
            Self::WindowStillOpen => "募集期間が終了するまで審査を締め切ることはできません".into(),
            Self::NoCommittee => "審査委員が委嘱されていないため審査を締め切れません".into(),
            Self::IncompleteScoring(_) => "未提出の審査票があるため順位を確定できません".into(),
            Self::NotTheRunnerUp(_) => "この申請はこの募集回の次点ではありません".into(),
            Self::OfferExpired(day) => {
                format!("次点への打診の回答期限（{}）を過ぎています", JaDate(*day))
            }
            Self::OfferNotAccepted(_) => "次点の申請者がまだ打診を受諾していません".into(),
            Self::AboveRemainder { amount, remainder } => {
                format!("交付額{amount}が次点に打診した残額{remainder}を超えています")
            }
            Self::NotAdopted(_) => "この申請は審査で採択されていません".into(),
            Self::AboveRequested { amount, requested } => {
                format!("交付額{amount}が申請額{requested}を超えています")
            }
            Self::AboveMaximum { amount, max, .. } => {
                format!("交付額{amount}が補助上限額{max}を超えています")
            }
            Self::BelowFloor { amount, floor } => {
                format!("交付額{amount}がこのコースの下限額{floor}を下回っています")
            }
            Self::OffRoundingUnit {
                amount,
                unit,
                rounded_down,
                ..
            } => format!(
                "交付決定額{amount}が端数処理の単位{unit}の倍数ではありません。\
                 端数は切り捨てて{rounded_down}としてください"
            ),
            Self::GrantLimitReached {
                prior_grants, max, ..
            } => format!(
                "この団体はこのコースですでに{prior_grants}回交付決定を受けており（この募集回の決定を含む）、\
                 1団体あたりの上限{max}回に達しています"
            ),
            Self::BudgetOverflow(_) => "収支予算の金額が大きすぎて計算できません".into(),
            Self::DeadlineBeforeDecision {
                deadline,
                decided_on,
            } => format!(
                "完了期限{}が交付決定日{}より前です",
                JaDate(*deadline),
                JaDate(*decided_on)
            ),
            Self::DeadlineAfterFiscalYear { deadline, last_day } => {
                format!(
                    "完了期限{}が年度末{}より後です",
                    JaDate(*deadline),
                    JaDate(*last_day)
                )
            }
            Self::BudgetExceeded {
                decided,
                adding,
                budget,
            } => format!("決定済み{decided}に{adding}を加えると予算額{budget}を超えます"),
            Self::SheetCountMismatch {
                expected, found, ..
            } => format!("審査票が{found}件ありますが、審査委員は{expected}名です"),
            Self::NoSheets(_) => "審査票の枠がありません".into(),
            Self::ScoreAboveMaximum { total, max, .. } => {
                format!("審査票の合計{total}点が満点{max}点を超えています")
            }
            Self::TotalOverflow => "合計点が大きすぎて計算できません".into(),
            Self::DuplicateApplication(_) => "同じ申請が2回含まれています".into(),
            Self::DuplicateGrant(_) => "この交付番号はすでに使われています".into(),
            Self::EmptyDecision => "交付決定または不採択を1件以上指定してください".into(),
            Self::ZeroAmount { .. } => "金額は1円以上にしてください".into(),
            Self::NotAnIncrease {
                current,
                new_amount,
            } => format!(
                "予算の確保は増額の場合に限ります（変更後の額{new_amount}が現在の交付決定額{current}を上回っていません）"
            ),
            Self::ReservationExists => "この変更申請の予算はすでに確保されています".into(),
            Self::ChangeInFlight {
                held_by_round,
                held_by_grant,
            } => format!(
                "この交付の別の変更を反映している途中です（募集回の確保額{held_by_round}、交付決定額{held_by_grant}）。しばらくしてから改めて決定してください"
            ),
            Self::ReservationUnknown => "この変更申請の予算は確保されていません".into(),
            Self::ReservationCancelled => "この変更申請の予算確保はすでに取り消されています".into(),
            Self::SettingFrozen { field } => format!(
                "申請の受付が始まった募集回では{}を変更できません（申請者が前提とした条件のため）",
                setting_ja(field)
            ),
            Self::BudgetBelowDecided { budget, decided } => {
                format!("予算額{budget}が交付決定済みの合計{decided}を下回ります")
            }
            Self::ClosingInPast => "受付終了日時を過去の日時にすることはできません".into(),
            Self::CorrectionUnchanged => "訂正する内容がありません".into(),
            Self::NeverCorrected { field } => format!(
                "{}は訂正できません。新しい募集回を開設してください",
                setting_ja(field)
            ),
            Self::ReleaseAboveAward { amount, award } => {
                format!("解除額{amount}が交付決定額{award}を超えています")
            }
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::Promotion(error) => error.kind(),
            Self::AlreadyOpened
            | Self::NotOpened
            | Self::ReviewerAlreadyAppointed
            | Self::ScoringAlreadyClosed
            | Self::ScoringNotClosed
            | Self::RankingAlreadyFixed
            | Self::RankingNotFixed
            | Self::OfferAlreadyAnswered
            | Self::AlreadyDecided(_)
            | Self::NotAwarded(_)
            | Self::ReservationExists
            | Self::ChangeInFlight { .. }
            | Self::ReservationUnknown
            | Self::ReservationCancelled => RefusalKind::State,
            Self::WindowStillOpen
            | Self::NoCommittee
            | Self::IncompleteScoring(_)
            | Self::NotTheRunnerUp(_)
            | Self::OfferExpired(_)
            | Self::OfferNotAccepted(_)
            | Self::AboveRemainder { .. }
            | Self::NotAdopted(_)
            | Self::AboveRequested { .. }
            | Self::AboveMaximum { .. }
            | Self::BelowFloor { .. }
            | Self::OffRoundingUnit { .. }
            | Self::GrantLimitReached { .. }
            | Self::DeadlineBeforeDecision { .. }
            | Self::DeadlineAfterFiscalYear { .. }
            | Self::BudgetExceeded { .. }
            | Self::NotAnIncrease { .. }
            | Self::SettingFrozen { .. }
            | Self::BudgetBelowDecided { .. }
            | Self::ClosingInPast
            | Self::NeverCorrected { .. } => RefusalKind::Rule,
            _ => RefusalKind::Invalid,
        }
    }

    /// The field of the command's body (the round's settings, an award of a decision, the
    /// appointed reviewer) the refusal concerns; refusals about the round's state or its ranking
    /// name none.
    fn field(&self) -> Option<&'static str> {
        match self {
            Self::WindowInverted => Some("closes_at"),
            Self::FloorAboveCap { .. } => Some("floor"),
            Self::CapAboveBudget { .. } => Some("cap"),
            Self::ZeroRoundingUnit => Some("rounding_unit"),
            Self::RatioAboveOne(field)
            | Self::MissingText(field)
            | Self::TextTooLong { field, .. }
            | Self::ZeroAmount { field }
            | Self::AboveMaximum { field, .. }
            | Self::OffRoundingUnit { field, .. } => Some(field),
            Self::Text(error) => error.field(),
            Self::Promotion(error) => error.field(),
            Self::SettlementDaysOutOfRange => Some("settlement_days"),
            Self::SettlementGraceOutOfRange { .. } => Some("settlement_grace_date"),
            Self::SettingFrozen { field } | Self::NeverCorrected { field } => Some(field),
            Self::BudgetBelowDecided { .. } => Some("budget"),
            Self::ClosingInPast => Some("closes_at"),
            Self::NoGrantsPerGroup => Some("max_grants_per_group"),
            Self::NotAReviewer | Self::ReviewerAlreadyAppointed => Some("reviewer_id"),
            Self::AboveRemainder { .. } | Self::AboveRequested { .. } | Self::BelowFloor { .. } => {
                Some("amount")
            }
            Self::DeadlineBeforeDecision { .. } | Self::DeadlineAfterFiscalYear { .. } => {
                Some("completion_deadline")
            }
            _ => None,
        }
    }
}
