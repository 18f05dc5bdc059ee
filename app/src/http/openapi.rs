//! The OpenAPI 3.1 document of the API, generated from the code with utoipa.
//!
//! Every route is registered in [`super::api_router`] through utoipa-axum's `routes!()`, which adds
//! the handler to the axum router and its `#[utoipa::path]` description to the document in one
//! step, so a route cannot be added without being documented. This module holds what the handlers'
//! annotations point at: app-side mirrors of the domain's value types (the domain crate stays free of
//! utoipa), the schemas of the answers (which the handlers build with `json!`), the problem+json
//! schema, and [`ApiDoc`]'s modifier, which adds what every operation shares by rule (bearer security,
//! the `Idempotency-Key` header on commands, the error answers) so that no handler can forget them.
//!
//! It also serves the document (`GET /api/v1/openapi.json`) and a self-contained browsable page
//! (`GET /api/docs`) under a strict Content-Security-Policy.

#![allow(dead_code)] // The mirrors exist for their schemas; nothing constructs them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, KnownFormat, ObjectBuilder, OpenApi as OpenApiDocument, Ref, RefOr, Required,
    ResponseBuilder, SchemaFormat, Type,
};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Mirrors of the domain's value types.

/// Declares a named scalar schema (a component) that the domain's value types are described by.
macro_rules! scalar_schema {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
                RefOr::T(utoipa::openapi::schema::Schema::Object($schema.build()))
            }
        }

        impl ToSchema for $name {}
    };
}

scalar_schema!(
    /// Whole yen.
    Yen,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .maximum(Some(1_000_000_000_000_i64))
        .description(Some("Whole yen as a JSON integer, never negative, at most one trillion."))
        .examples([serde_json::json!(500000)])
);

scalar_schema!(
    /// An exact fraction.
    Ratio,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^\s*[0-9]+\s*(/\s*[0-9]+\s*)?$"))
        .description(Some(
            "An exact fraction as a string, such as \"3/4\"; a bare whole number such as \"1\" means 1/1.",
        ))
        .examples([serde_json::json!("3/4")])
);

scalar_schema!(
    /// A fiscal year.
    FiscalYear,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(2000))
        .maximum(Some(2100))
        .description(Some(
            "A fiscal year (年度, 1 April to 31 March), named by the calendar year in which it starts.",
        ))
        .examples([serde_json::json!(2026)])
);

scalar_schema!(
    /// A log position.
    Position,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(
            "The global log position of the command's last event.",
        ))
        .examples([serde_json::json!(42)])
);

/// A role a person may act in.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Reviewer,
    Staff,
    Auditor,
}

/// An expense category (費目). Never eligible: food, entertainment, member_personnel, running_costs,
/// vouchers.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ExpenseCategory {
    Honoraria,
    Travel,
    Supplies,
    Printing,
    Fuel,
    Utilities,
    Communication,
    Insurance,
    Outsourcing,
    Rentals,
    Materials,
    Equipment,
    Fees,
    Food,
    Entertainment,
    MemberPersonnel,
    RunningCosts,
    Vouchers,
}

/// A kind of income: own_funds (自己資金), project_income (事業収入), other_subsidy (他の補助金).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum IncomeKind {
    OwnFunds,
    ProjectIncome,
    OtherSubsidy,
}

/// One planned expense: amount = quantity x unit_price.
#[derive(ToSchema)]
pub struct ExpenseLine {
    category: ExpenseCategory,
    item: String,
    quantity: u32,
    unit_price: Yen,
}

/// One line of income.
#[derive(ToSchema)]
pub struct IncomeLine {
    kind: IncomeKind,
    description: String,
    amount: Yen,
}

/// A budget (収支予算): income and expense lines.
#[derive(ToSchema)]
pub struct Budget {
    #[schema(required = false)]
    income: Vec<IncomeLine>,
    #[schema(required = false)]
    expenses: Vec<ExpenseLine>,
}

/// A span of calendar days, both included.
#[derive(ToSchema)]
pub struct Period {
    start: time::Date,
    end: time::Date,
}

/// One review criterion, scored from `min` to `max` points.
#[derive(ToSchema)]
pub struct Criterion {
    key: String,
    label: String,
    min: u32,
    max: u32,
}

/// A round's settings (募集要項).
#[derive(ToSchema)]
pub struct RoundSettings {
    fiscal_year: FiscalYear,
    course: String,
    title: String,
    description: String,
    budget: Yen,
    cap: Yen,
    floor: Yen,
    /// The subsidy rate by the number of earlier grants in the course; past its end the last applies.
    #[schema(min_items = 1)]
    rate_schedule: Vec<Ratio>,
    rounding_unit: Yen,
    max_grants_per_group: u32,
    opens_at: time::OffsetDateTime,
    closes_at: time::OffsetDateTime,
    #[schema(min_items = 1)]
    criteria: Vec<Criterion>,
    pass_ratio: Ratio,
    advance_cap_ratio: Ratio,
    change_threshold_ratio: Ratio,
    #[schema(minimum = 1, maximum = 365)]
    settlement_days: u32,
    /// The last day any settlement report of the round is due, from the fiscal year's first day to
    /// 31 May after its end; null or absent: 10 April after the fiscal year's end.
    #[schema(required = false)]
    settlement_grace_date: Option<time::Date>,
}

/// One actual expense with its receipt (領収書).
#[derive(ToSchema)]
pub struct ReceiptLine {
    category: ExpenseCategory,
    item: String,
    quantity: u32,
    unit_price: Yen,
    receipt_date: time::Date,
    receipt_number: String,
}

/// The settlement report (実績報告書).
#[derive(ToSchema)]
pub struct SettlementReport {
    #[schema(required = false)]
    income: Vec<IncomeLine>,
    #[schema(required = false)]
    expenses: Vec<ReceiptLine>,
    #[schema(required = false)]
    outcomes: String,
    #[schema(required = false)]
    participants: u32,
}

/// The withdrawal's optional body (`crate::http::grants::Reason`).
#[derive(ToSchema)]
pub struct GrantWithdrawal {
    reason: String,
}

/// An advance request (`service::grants::AdvanceAsked`).
#[derive(ToSchema)]
pub struct AdvanceRequest {
    amount: Yen,
}

/// A payment staff record (`service::grants::Payment`).
#[derive(ToSchema)]
pub struct Payment {
    amount: Yen,
    paid_on: time::Date,
    kind: PaymentKind,
}

/// A change of plan the group asks for (`service::grants::ChangeRequest`).
#[derive(ToSchema)]
pub struct ChangeRequest {
    reason: String,
    budget: Budget,
    period: Period,
}

/// Staff's decision on a change request (`service::grants::ChangeDecision`).
#[derive(ToSchema)]
pub struct ChangeDecision {
    approved: bool,
    new_amount: Option<Yen>,
    #[schema(required = false)]
    reason: String,
}

/// The submission of a settlement report (`service::grants::ReportSubmission`).
#[derive(ToSchema)]
pub struct ReportSubmission {
    /// Why the report comes after its due date (遅延理由); needed only then.
    #[schema(required = false)]
    delay_reason: Option<String>,
}

/// What staff decide on a submitted report.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReportReviewOutcome {
    Accepted,
    Returned,
}

/// Staff's review of a settlement report (`service::grants::ReportReview`).
#[derive(ToSchema)]
pub struct ReportReview {
    outcome: ReportReviewOutcome,
    #[schema(required = false)]
    reason: String,
}

/// A refund received (`service::grants::Refund`).
#[derive(ToSchema)]
pub struct Refund {
    amount: Yen,
    received_on: time::Date,
}

/// A cancellation and the refund it orders (`service::grants::Cancellation`).
#[derive(ToSchema)]
pub struct Cancellation {
    reason: String,
    refund_amount: Yen,
}

/// Whether a payment is an advance (概算払) or the final payment (精算払).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PaymentKind {
    Advance,
    Final,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    Returned,
    Eligible,
    Ineligible,
    Withdrawn,
    Awarded,
    RunnerUp,
    NotAdopted,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GrantStatus {
    Decided,
    Withdrawn,
    InProgress,
    ReportSubmitted,
    ReportReturned,
    Finalised,
    RefundDue,
    Closed,
    Cancelled,
    /// 中止・廃止承認申請中: staff have not decided the request yet.
    DiscontinuationRequested,
    /// 中止・廃止承認済: the project ended early and settles on what was spent.
    Discontinued,
}

// ---------------------------------------------------------------------------------------------
// Answers.

/// RFC 9457 problem details, with a stable code and the rule in Japanese and English.
#[derive(ToSchema)]
pub struct Problem {
    /// `urn:grants:problem:<code>`.
    #[schema(example = "urn:grants:problem:request.not_found")]
    r#type: String,
    #[schema(example = "Not Found")]
    title: String,
    #[schema(example = 404)]
    status: u16,
    /// `detail_ja / detail_en`.
    detail: String,
    #[schema(example = "request.not_found")]
    code: String,
    detail_ja: String,
    detail_en: String,
    /// The input field the rule is about, when it names one (`title`, `requested_amount`).
    #[schema(example = "requested_amount")]
    field: Option<String>,
    /// Every refusal of an input field found at once, each beside its field in a form: on 422
    /// answers to a refused command (one entry or more; `code`, `field` and `detail_*` above
    /// are those of the first).
    errors: Option<Vec<FieldError>>,
}

/// One refusal of an input field.
#[derive(ToSchema)]
pub struct FieldError {
    /// The body's field (`email`, `member_count`, `summary`), or null when the rule names none.
    #[schema(example = "email")]
    field: Option<String>,
    #[schema(example = "group.malformed_email")]
    code: String,
    detail_ja: String,
    detail_en: String,
}

/// A created object.
#[derive(ToSchema)]
pub struct Created {
    id: Uuid,
    position: Position,
}

#[derive(ToSchema)]
pub struct SessionUser {
    id: Uuid,
    display_name: String,
    roles: Vec<Role>,
}

/// A new session: send the token as `Authorization: Bearer <token>`.
#[derive(ToSchema)]
pub struct Session {
    token: String,
    user: SessionUser,
}

/// The session of the bearer token.
#[derive(ToSchema)]
pub struct CurrentSession {
    user: SessionUser,
    /// Whether the account's e-mail address is verified (the link mailed on registration).
    email_verified: bool,
    /// Whether the service requires a verified address to submit an application.
    email_verification_required: bool,
}

/// One of the caller's groups.
#[derive(ToSchema)]
pub struct GroupListRow {
    id: Uuid,
    name: String,
    registration_number: String,
    registration: RegistrationState,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RegistrationState {
    Unregistered,
    Registered,
    Deregistered,
}

/// A citizen group's record.
#[derive(ToSchema)]
pub struct GroupRead {
    id: Uuid,
    name: String,
    registration_number: String,
    representative_name: String,
    address: String,
    phone: String,
    email: String,
    founded_on: time::Date,
    member_count: u32,
    resident_member_count: u32,
    purpose: String,
    registration: RegistrationState,
    /// The user accounts that act for the group.
    members: Vec<Uuid>,
    /// Whether staff erased the group's personal data: then the representative's name, address,
    /// phone and e-mail read 「削除済み」.
    personal_data_erased: bool,
}

/// The group's personal data was erased (its key destroyed, `PersonalDataErased` recorded).
#[derive(ToSchema)]
pub struct PersonalDataErased {
    id: Uuid,
    /// The log position of the erasure event.
    position: i64,
}

/// A command recorded: the log position of its event (read models may wait for it with
/// `?min_position=`).
#[derive(ToSchema)]
pub struct Recorded {
    position: i64,
}

/// A round as anyone may read it: its settings and its budget; staff and auditors also see the
/// committee.
#[derive(ToSchema)]
pub struct RoundRead {
    fiscal_year: FiscalYear,
    course: String,
    title: String,
    description: String,
    budget: Yen,
    cap: Yen,
    floor: Yen,
    /// The subsidy rate by the number of earlier grants in the course; past its end the last applies.
    #[schema(min_items = 1)]
    rate_schedule: Vec<Ratio>,
    rounding_unit: Yen,
    max_grants_per_group: u32,
    opens_at: time::OffsetDateTime,
    closes_at: time::OffsetDateTime,
    #[schema(min_items = 1)]
    criteria: Vec<Criterion>,
    pass_ratio: Ratio,
    advance_cap_ratio: Ratio,
    change_threshold_ratio: Ratio,
    #[schema(minimum = 1, maximum = 365)]
    settlement_days: u32,
    /// The last day any settlement report of the round is due, from the fiscal year's first day to
    /// 31 May after its end; null or absent: 10 April after the fiscal year's end.
    #[schema(required = false)]
    settlement_grace_date: Option<time::Date>,
    id: Uuid,
    scoring_closed: bool,
    decided_total: Yen,
    remaining_budget: Yen,
    /// Every correction of the settings after opening, in order (募集要項の訂正).
    corrections: Vec<RoundCorrectionRecord>,
    /// Staff and auditors only.
    #[schema(required = false)]
    committee: Option<Vec<Uuid>>,
}

/// One correction of a round's settings: the fields changed (API names) and why.
#[derive(ToSchema)]
pub struct RoundCorrectionRecord {
    changed: Vec<String>,
    reason: String,
    corrected_at: time::OffsetDateTime,
}

#[derive(ToSchema)]
pub struct Committee {
    committee: Vec<Uuid>,
    position: Position,
}

#[derive(ToSchema)]
pub struct ScoringClosed {
    scoring_closed: bool,
    position: Position,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RankOutcome {
    Adopted,
    RunnerUp,
    NotAdopted,
}

#[derive(ToSchema)]
pub struct RankRow {
    application_id: Uuid,
    rank: u32,
    total: u32,
    passed: bool,
    outcome: RankOutcome,
    /// The remainder offered to the runner-up (the budget left, rounded down to the round's
    /// rounding unit); null for every other row.
    remainder_offer: Option<Yen>,
}

/// The remainder offered to the runner-up and its answer.
#[derive(ToSchema)]
pub struct RunnerUpOffer {
    application_id: Uuid,
    /// The budget left after the adopted requests, rounded down to the round's rounding unit.
    remainder: Yen,
    expires_on: time::Date,
    /// true accepted, false declined, null not answered yet.
    accepted: Option<bool>,
}

/// A 繰上げ採択 offer: budget that came back, offered to the next passing application in rank order.
#[derive(ToSchema)]
pub struct PromotionOffer {
    application_id: Uuid,
    /// The application's rank in the fixed ranking.
    rank: u32,
    /// `min(requested, budget not decided)`, rounded down to the round's rounding unit.
    amount: Yen,
    offered_on: time::Date,
    /// The last day to answer: the offer day + 7, at latest the fiscal year's last day.
    expires_on: time::Date,
    /// true accepted, false declined, null not answered yet.
    accepted: Option<bool>,
}

/// The offers made to an application, with its round (for the answers' routes).
#[derive(ToSchema)]
pub struct ApplicationPromotion {
    round_id: Uuid,
    /// Null when the application was never offered a promotion.
    offer: Option<PromotionOffer>,
    /// The remainder offered to the application as runner-up (次点); null for every other.
    runner_up_offer: Option<RunnerUpOffer>,
}

#[derive(ToSchema)]
pub struct PromotionMade {
    promotion: PromotionOffer,
    position: Position,
}

/// The ranking: fixed, or a preview computed from the sealed sheets (`fixed: false`, no offer).
#[derive(ToSchema)]
pub struct Ranking {
    fixed: bool,
    rows: Vec<RankRow>,
    offer: Option<RunnerUpOffer>,
    /// The 繰上げ採択 offers made since, in order (fixed rankings only; an extension).
    promotions: Option<Vec<PromotionOffer>>,
    /// Present on the answer to fixing the ranking.
    position: Option<Position>,
}

#[derive(ToSchema)]
pub struct OfferAnswered {
    offer: Option<RunnerUpOffer>,
    position: Position,
}

#[derive(ToSchema)]
pub struct DecidedGrant {
    application_id: Uuid,
    grant_id: Uuid,
    notice_number: String,
    amount: Yen,
}

#[derive(ToSchema)]
pub struct Decisions {
    grants: Vec<DecidedGrant>,
    position: Position,
}

/// An application as its readers see it. The content fields are null before a draft exists.
#[derive(ToSchema)]
pub struct ApplicationRead {
    id: Uuid,
    /// The receipt number (受付番号) the group quotes, read from the id: `0A12-9B7E-4D51` (an
    /// extension of api.md; the mails name it).
    receipt_number: String,
    round_id: Uuid,
    group_id: Uuid,
    status: ApplicationStatus,
    title: Option<String>,
    summary: Option<String>,
    purpose: Option<String>,
    beneficiaries: Option<String>,
    period: Option<Period>,
    budget: Option<Budget>,
    requested_amount: Option<Yen>,
    /// The computed maximum amount (rule 3).
    max_amount: Option<Yen>,
    /// The subsidy rate that applies.
    rate: Option<Ratio>,
    submitted_at: Option<time::OffsetDateTime>,
    returned_reason: Option<String>,
    closing_reason: Option<String>,
    grant_id: Option<Uuid>,
    awarded_amount: Option<Yen>,
    /// While the application can be edited: what submission would refuse about the amount
    /// requested in the saved content (rule 3, above the maximum or below the floor), so that the
    /// form warns before it is submitted; null when it would pass or nothing is requested yet.
    amount_warning: Option<FieldError>,
    /// What staff checked at the latest screening (形式審査), who and when; null when none was
    /// recorded.
    screening_checks: Option<ScreeningChecksRead>,
    /// The files attached (見積書, 規約, 名簿, 事業計画の資料), in the order added.
    attachments: Vec<AttachmentRead>,
    /// Present on the answer to a command.
    position: Option<Position>,
}

/// An attached file as its readers see it (its bytes at `href`, verified on every read).
#[derive(ToSchema)]
pub struct AttachmentRead {
    id: Uuid,
    /// `quote`, `rules`, `member_list`, `plan_material`, `receipt`, `activity_photo` or `other`.
    kind: String,
    /// The kind in Japanese (見積書).
    kind_ja: String,
    file_name: String,
    /// Judged from the content: `application/pdf`, `image/jpeg`, `image/png`, `text/plain`, or an
    /// Office Open XML type.
    media_type: String,
    /// In bytes (at most 10 MiB).
    size: u64,
    /// The content's SHA-256, 64 lowercase hex digits.
    sha256: String,
    added_by: Uuid,
    added_at: time::OffsetDateTime,
    /// On a settlement report: the receipt number of the expense line this receipt proves, if the
    /// group named one; absent elsewhere.
    receipt_number: Option<String>,
    /// On a settlement report: whether the group lets the public see this activity photo (only
    /// such photos ever appear in public outputs); absent elsewhere.
    public: Option<bool>,
    /// Where to download it.
    href: String,
    /// Present on the answer to an upload.
    position: Option<Position>,
}

/// The store of attached files as `/readyz` sees it.
#[derive(ToSchema)]
pub struct AttachmentStoreState {
    /// `directory` or `s3`.
    store: String,
    /// `ok` or `unavailable` (then the service is not ready).
    status: String,
    /// Reads that found a file missing or corrupt since the service started.
    failed_reads: u64,
}

/// What staff checked at screening against the group's documents (rule 1).
#[derive(ToSchema)]
pub struct ScreeningChecks {
    /// At least five members (構成員数).
    members: bool,
    /// At least one member living in the city (市内在住者).
    residents: bool,
    /// The group's rules (規約) with a public-interest purpose.
    rules: bool,
    #[schema(required = false)]
    note: String,
}

/// The screening checks as recorded.
#[derive(ToSchema)]
pub struct ScreeningChecksRead {
    members: bool,
    residents: bool,
    rules: bool,
    note: String,
    /// The staff member who screened.
    by: Uuid,
    at: time::OffsetDateTime,
}

/// A committee member's own scoresheet.
#[derive(ToSchema)]
pub struct ReviewSheet {
    application_id: Option<Uuid>,
    reviewer_id: Option<Uuid>,
    /// null before the declaration.
    conflict: Option<bool>,
    note: String,
    /// Points by criterion key.
    scores: BTreeMap<String, u32>,
    comment: String,
    sealed: bool,
    /// The sealed total; null until sealed.
    total: Option<u32>,
    /// Present on the answer to a command.
    position: Option<Position>,
}

/// The grant read of api.md. `paid_total` is what was paid net of refunds received.
#[derive(ToSchema)]
pub struct GrantRead {
    grant_id: Uuid,
    application_id: Uuid,
    round_id: Uuid,
    group_id: Uuid,
    status: GrantStatus,
    decided_amount: Yen,
    /// The subsidy rate of the grant (rule 3), taken from the group's grants counted at the
    /// decision; the finalised amount uses it (an extension of api.md's grant read).
    rate: Option<Ratio>,
    decided_on: Option<time::Date>,
    notice_number: Option<String>,
    paid_total: Yen,
    finalised_amount: Option<Yen>,
    refund_due: Yen,
    /// The refund's due date (納期限) while a refund is outstanding, after finalisation or a
    /// cancellation; null otherwise (an extension of api.md's grant read).
    refund_due_on: Option<time::Date>,
    payable: Yen,
    completion_deadline: Option<time::Date>,
    /// What remains to be paid: the finalised amount once known, else the decided amount, less
    /// `paid_total`; zero once withdrawn or cancelled (an extension of api.md's grant read).
    remaining_to_pay: Yen,
    /// What of the advances requested waits for staff to pay it (an extension).
    open_advance: Yen,
    /// Every advance request (概算払の請求), in the order made, with where it stands (an extension).
    advance_requests: Vec<GrantAdvanceRequest>,
    /// What the grant's state lets be asked of it now, in the order of the grant's life (an
    /// extension): the command may still refuse for the date or the values asked.
    allowed_actions: Vec<GrantAction>,
    /// Every payment to the group and refund received, in the order recorded (an extension of
    /// api.md's grant read).
    payments: Vec<GrantPayment>,
    /// Every change request and minor change (変更承認申請・軽微な変更), in the order made (an
    /// extension of api.md's grant read).
    change_requests: Vec<GrantChangeRequest>,
    /// The request to discontinue (中止・廃止) and staff's decision, null when none (an extension).
    discontinuation: Option<GrantDiscontinuation>,
    /// Present on the answer to a command.
    position: Option<Position>,
    /// Present on the answer to a change request.
    change_request_id: Option<Uuid>,
    /// The day the first settlement report is due: the round's rule, or the latest extension.
    settlement_due_on: Option<time::Date>,
    /// Every extension of the due date staff granted, in order.
    settlement_extensions: Vec<GrantSettlementExtension>,
    /// The delay reason of a report submitted after its due date; null when none came late.
    settlement_delay: Option<GrantSettlementDelay>,
    /// The cancellation's refund order with its 加算金・延滞金 terms (適正化法 第19条); null without
    /// one, or for a cancellation recorded before the terms were.
    refund_order: Option<GrantRefundOrder>,
    /// 加算金 and 延滞金 as of today (JST), or as of the day the refund was paid in full.
    surcharges: Option<GrantSurcharges>,
}

/// A refund ordered by cancellation, as the order states it.
#[derive(ToSchema)]
pub struct GrantRefundOrder {
    ordered: Yen,
    due_on: time::Date,
    /// 加算金's yearly rate (default 219/2000 = 10.95%).
    additional_charge_rate: Ratio,
    /// 延滞金's yearly rate (default 219/2000 = 10.95%).
    late_charge_rate: Ratio,
    /// The days the yearly rates are divided by, leap years included.
    days_per_year: u32,
    /// 加算金 if the refund is paid in full on its due date.
    additional_charge_if_paid_on_due_date: Yen,
}

/// 加算金 (from receipt to repayment) and 延滞金 (after the due date) on a refund ordered by
/// cancellation: bases rounded down to 100 yen, charges to the yen, under 100 yen not charged.
#[derive(ToSchema)]
pub struct GrantSurcharges {
    as_of: time::Date,
    additional: Yen,
    late: Yen,
}

/// One extension of a settlement report's due date (期限の延長).
#[derive(ToSchema)]
pub struct GrantSettlementExtension {
    previous: time::Date,
    deadline: time::Date,
    reason: String,
    extended_at: time::OffsetDateTime,
}

/// The reason a late report gave (遅延理由) and when staff accepted it (null until then).
#[derive(ToSchema)]
pub struct GrantSettlementDelay {
    reason: String,
    /// The due date the report missed.
    deadline: time::Date,
    explained_at: time::OffsetDateTime,
    accepted_at: Option<time::OffsetDateTime>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DiscontinuationStatus {
    Pending,
    Approved,
    Refused,
}

/// The group's request to discontinue (中止・廃止) and what became of it.
#[derive(ToSchema)]
pub struct GrantDiscontinuation {
    reason: String,
    /// JST.
    requested_at: String,
    status: DiscontinuationStatus,
    /// Staff's reason for a refusal, or note on an approval.
    decision_reason: Option<String>,
    /// The day the project ended (the new completion deadline), on approval.
    discontinued_on: Option<time::Date>,
}

/// What a payment entry is: an advance (概算払), a payment after finalisation (精算払), or a
/// refund received (返還金).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PaymentEntryKind {
    Advance,
    Final,
    Refund,
}

/// Where an advance request stands: `open` waits for staff to pay it; `lapsed` was not paid in
/// full before the amount was finalised (or the grant withdrawn or cancelled).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AdvanceRequestStatus {
    Open,
    Paid,
    Lapsed,
}

/// One advance request (概算払の請求).
#[derive(ToSchema)]
pub struct GrantAdvanceRequest {
    amount: Yen,
    requested_at: time::OffsetDateTime,
    /// The JST calendar day of the request.
    requested_on: time::Date,
    status: AdvanceRequestStatus,
    /// What of this request has not been paid.
    unpaid: Yen,
}

/// Something that can be asked of a grant.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GrantAction {
    Withdraw,
    RequestAdvance,
    RecordAdvance,
    RequestChange,
    DecideChange,
    SaveReport,
    SubmitReport,
    ReviewSettlement,
    RecordFinalPayment,
    RecordRefund,
    Cancel,
    RequestDiscontinuation,
    DecideDiscontinuation,
    ExtendSettlementDeadline,
    AcceptDelayReason,
}

/// One payment to the group or refund from it.
#[derive(ToSchema)]
pub struct GrantPayment {
    kind: PaymentEntryKind,
    amount: Yen,
    /// The day the money moved (`paid_on` of a payment, `received_on` of a refund).
    date: time::Date,
}

/// Where a change request stands: `notified` is a minor change, applied without approval.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ChangeRequestStatus {
    Pending,
    Notified,
    Approved,
    Rejected,
}

/// Staff's decision on a change request.
#[derive(ToSchema)]
pub struct ChangeRequestDecision {
    approved: bool,
    reason: String,
    /// When staff decided, in JST.
    decided_at: String,
    /// The decided amount before and after the approval; null on a rejection.
    previous_amount: Option<Yen>,
    decided_amount: Option<Yen>,
}

/// A change request as the grant records it.
#[derive(ToSchema)]
pub struct GrantChangeRequest {
    change_request_id: Uuid,
    reason: String,
    /// When the group asked, in JST.
    requested_at: String,
    /// The project period asked for.
    period: Period,
    /// The plan's total cost (事業費総額) before and after the change, which rule 8 compares.
    total_cost_before: Yen,
    total_cost_after: Yen,
    status: ChangeRequestStatus,
    /// null while pending and for a minor change.
    decision: Option<ChangeRequestDecision>,
}

#[derive(ToSchema)]
pub struct SettlementReportRead {
    /// null until a report was saved.
    report: Option<SettlementReport>,
    /// The receipts and activity photos attached, in the order added.
    attachments: Vec<AttachmentRead>,
}

#[derive(ToSchema)]
pub struct Liveness {
    #[schema(example = "ok")]
    status: String,
}

#[derive(ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    status: String,
    /// `postgres` or `sqlite`.
    database: String,
    /// `applied`, `pending` or `unknown`.
    migrations: String,
    /// Each read model's lag behind the log.
    projections: Vec<ProjectionLag>,
    attachments: AttachmentStoreState,
}

/// One event of the log as auditors read it.
#[derive(ToSchema)]
pub struct LoggedEvent {
    position: i64,
    /// The commit time, in JST.
    recorded_at: String,
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    payload: serde_json::Value,
    /// actor_id, actor_role, request_id, idempotency_key, recorded_at; on_behalf_of (a group id)
    /// when a coordinator (中間支援) acted for a group.
    metadata: serde_json::Value,
    /// SHA-256 over the previous hash and this event (hex); null until the chain reaches it.
    hash: Option<String>,
}

/// An application and its grant as they stood at an instant.
#[derive(ToSchema)]
pub struct AsOf {
    as_of: String,
    application: ApplicationRead,
    grant: Option<GrantRead>,
}

/// The result of recomputing the hash chain and the Merkle tree against the signed heads.
#[derive(ToSchema)]
pub struct Verification {
    ok: bool,
    events_checked: u64,
    head_hash: Option<String>,
    first_bad_position: Option<i64>,
    /// The first bad leaf index (the event's place in the tree, from 0).
    first_bad_index: Option<u64>,
    /// Signed heads whose root the recomputed tree gave.
    heads_checked: u64,
    /// Signed heads whose Ed25519 signature verified with the service's key or a configured older
    /// one (every head must: one that does not fails the verification).
    signatures_checked: u64,
    /// What is wrong, in words (English).
    problem: Option<String>,
}

/// A signed head of the Merkle tree over the log (docs/verification.md). No personal data.
#[derive(ToSchema)]
pub struct TreeHead {
    /// The number of events the tree holds.
    tree_size: u64,
    /// The RFC 9162 root hash, hex.
    root_hash: String,
    /// When it was signed, milliseconds since 1970-01-01 UTC (signed).
    timestamp: u64,
    /// Ed25519 over the JCS bytes of {"log":"grants-audit-log","root_hash","timestamp","tree_size"}, hex.
    signature: String,
    /// The signing key's public half, hex.
    key_id: String,
    /// When it was signed, RFC 3339 in JST (for people; not signed).
    issued_at: Option<String>,
}

/// The signed heads and the key that signs them.
#[derive(ToSchema)]
pub struct TreeHeads {
    /// The Ed25519 public key, hex.
    public_key: String,
    heads: Vec<TreeHead>,
}

/// The public half of the key that signs the tree heads.
#[derive(ToSchema)]
pub struct TreeHeadKey {
    /// Always Ed25519.
    algorithm: String,
    /// 64 hex digits.
    public_key: String,
}

/// An event as a leaf of the tree: its leaf input is the RFC 8785 (JCS) form of this object.
#[derive(ToSchema)]
pub struct LeafEvent {
    position: i64,
    /// RFC 3339 at UTC.
    recorded_at: String,
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    payload: serde_json::Value,
    metadata: serde_json::Value,
}

/// An inclusion proof (RFC 9162 2.1.3) of one event in a signed tree head.
#[derive(ToSchema)]
pub struct InclusionProof {
    /// The event's place in the tree, from 0.
    leaf_index: u64,
    tree_size: u64,
    /// SHA-256(0x00 || JCS(event)), hex.
    leaf_hash: String,
    /// The audit path from the leaf up, hex.
    audit_path: Vec<String>,
    head: TreeHead,
    event: LeafEvent,
}

/// A consistency proof (RFC 9162 2.1.4) between two signed tree heads.
#[derive(ToSchema)]
pub struct ConsistencyProof {
    first: TreeHead,
    second: TreeHead,
    /// The proof's hashes, hex.
    proof: Vec<String>,
}

/// One awarded project as the public sees it (no personal data, no scores).
#[derive(ToSchema)]
pub struct PublicAward {
    grant_id: String,
    fiscal_year: Option<i32>,
    course: Option<String>,
    group_name: Option<String>,
    /// The group's registration number with the city (a public identifier, not personal data).
    registration_number: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    amount_awarded: Yen,
    award_date: Option<time::Date>,
    amount_finalised: Option<Yen>,
    planned_start: Option<time::Date>,
    planned_end: Option<time::Date>,
    /// decided, in_progress, ..., closed, withdrawn, cancelled.
    status: String,
    /// Only in the read of one award: the activity photos its group marked public on the
    /// settlement report, once staff accepted it; no other attached file is ever listed.
    photos: Option<Vec<super::public_photos::PublicPhoto>>,
}

/// One row of an application list.
#[derive(ToSchema)]
pub struct ApplicationListRow {
    application_id: Uuid,
    round_id: Uuid,
    group_id: Uuid,
    group_name: Option<String>,
    title: String,
    status: String,
    requested_amount: Yen,
    max_amount: Option<Yen>,
    submitted_at: Option<String>,
    grant_id: Option<Uuid>,
    updated_position: i64,
}

/// One row of the grant list: the grant read's fields, with the project's title and the group's
/// name (from the public awards list; null until it has the grant).
#[derive(ToSchema)]
pub struct GrantListRow {
    grant_id: Uuid,
    application_id: Option<Uuid>,
    round_id: Option<Uuid>,
    group_id: Option<Uuid>,
    status: GrantStatus,
    decided_amount: Yen,
    decided_on: Option<time::Date>,
    notice_number: Option<String>,
    paid_total: Yen,
    finalised_amount: Option<Yen>,
    refund_due: Yen,
    payable: Yen,
    completion_deadline: Option<time::Date>,
    /// What of the advances requested waits for staff to pay it.
    open_advance: Yen,
    title: Option<String>,
    group_name: Option<String>,
    updated_position: i64,
}

/// The figures of one course or one whole fiscal year (`grants_projections::year_figures` says
/// which fiscal year each belongs to: the round's).
#[derive(ToSchema)]
pub struct Figures {
    /// Applications submitted at least once.
    applications: i64,
    /// Awards decided.
    awards: i64,
    /// Of the awards, those withdrawn (取下げ).
    withdrawn: i64,
    /// Of the awards, those cancelled (交付決定の取消し).
    cancelled: i64,
    /// Decided amounts of the awards neither withdrawn nor cancelled, as changed since.
    decided: Yen,
    /// Every payment made (advances and final payments).
    paid: Yen,
    /// Every refund received.
    refunded: Yen,
    /// `paid` less `refunded`.
    net_paid: i64,
    /// Grants whose amount was finalised.
    finalised_grants: i64,
    /// Their finalised amounts.
    finalised: Yen,
    /// Participants of the accepted settlement reports.
    participants: i64,
}

/// One course's figures in one fiscal year.
#[derive(ToSchema)]
pub struct CourseFigures {
    course: String,
    #[serde(flatten)]
    figures: Figures,
}

/// One fiscal year's figures: each course by name, and the year's total.
#[derive(ToSchema)]
pub struct FiscalYearFigures {
    /// The calendar year the fiscal year starts in (2026 = 令和8年度).
    fiscal_year: i32,
    courses: Vec<CourseFigures>,
    total: Figures,
}

/// One account in the account list (staff only: the e-mail address is personal data).
#[derive(ToSchema)]
pub struct UserListRow {
    id: Uuid,
    display_name: String,
    email: String,
    roles: Vec<Role>,
}

/// How far one read model trails the log.
#[derive(ToSchema)]
pub struct ProjectionLag {
    name: String,
    /// Events committed but not yet applied.
    behind_events: i64,
    /// Seconds between the newest event and the oldest one not yet applied.
    behind_seconds: f64,
}

// ---------------------------------------------------------------------------------------------
// The document.

pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Grants API",
        description = "市民公益活動事業費補助金の申請・審査・交付・精算 API (v1). \
                       Money is integer yen, ratios are strings such as \"3/4\", dates are \
                       \"YYYY-MM-DD\" and instants RFC 3339 with offset.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(Problem)),
    tags(
        (name = "operations", description = "稼働監視 / liveness and readiness"),
        (name = "accounts", description = "アカウントとセッション / accounts and sessions"),
        (name = "groups", description = "団体 / citizen groups"),
        (name = "rounds", description = "募集回・審査委員・順位・交付決定 / rounds, committee, ranking, decisions"),
        (name = "applications", description = "申請 / applications"),
        (name = "reviews", description = "審査 / committee reviews"),
        (name = "grants", description = "交付後の手続き / grants after the award"),
        (name = "figures", description = "年度の実績 / the year's figures"),
        (name = "mail", description = "メールとお知らせ / mail and in-app notices"),
        (name = "documentation", description = "この API の説明 / this document"),
    ),
)]
pub struct ApiDoc;

/// Completes every operation after the routes are registered (see the module comment): an
/// operation that does not declare `security` needs the bearer token; commands take an optional
/// `Idempotency-Key`; and each gets the problem+json answers its shape allows.
pub fn complete(mut openapi: OpenApiDocument) -> OpenApiDocument {
    openapi.openapi = utoipa::openapi::OpenApiVersion::Version31;
    openapi
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token from POST /api/v1/sessions: `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    if let Some(components) = openapi.components.as_mut() {
        merge_flattened(&mut components.schemas);
    }
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation.as_mut() {
                complete_operation(method, operation);
            }
        }
    }
    openapi
}

fn complete_operation(method: HttpMethod, operation: &mut Operation) {
    // Error answers are problem+json, whatever content type an annotation gave them.
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status.starts_with('4') || status.starts_with('5') {
            if let Some(content) = response.content.shift_remove("application/json") {
                response
                    .content
                    .insert("application/problem+json".to_owned(), content);
            }
        }
    }
    // A bearer token is optional here (`security((), ("bearer" = []))`): one that is sent must work.
    let optional_bearer = operation
        .security
        .as_ref()
        .is_some_and(|alternatives| alternatives.len() > 1);
    let secured = operation.security.is_none();
    if secured {
        operation.security = Some(vec![SecurityRequirement::new::<_, _, &str>(BEARER, [])]);
    }
    let is_command = !matches!(method, HttpMethod::Get);
    let has_body = operation.request_body.is_some();
    let has_path_params = operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| parameter.parameter_in == ParameterIn::Path);
    let tags = operation.tags.clone().unwrap_or_default();
    if tags
        .iter()
        .any(|tag| tag == "documentation" || tag == "operations")
    {
        return;
    }
    if !is_command {
        operation.parameters.get_or_insert_with(Vec::new).push(
            ParameterBuilder::new()
                .name("min_position")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "Read-your-writes: wait (up to 5 s) until the read models have applied the log                      up to this position (a command's answer carries it). If they have not, the                      answer carries the header x-projections-behind: true.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .build(),
        );
    }
    if is_command {
        operation.parameters.get_or_insert_with(Vec::new).push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "1 to 200 characters. A retry with the same key gets the first answer and \
                     appends nothing new; the same key with another body or path is refused (422).",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(200)),
                ))
                .build(),
        );
    }
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| parameter.parameter_in == ParameterIn::Query);
    let mut errors: Vec<(u16, &str)> = Vec::new();
    if has_body || is_command || has_query {
        errors.push((
            400,
            "malformed input (JSON syntax, a query parameter, or Idempotency-Key)",
        ));
    }
    if secured {
        errors.push((
            401,
            "not signed in: missing, unknown or expired bearer token",
        ));
        errors.push((403, "signed in, but the role does not allow this"));
    }
    if optional_bearer {
        errors.push((
            401,
            "a bearer token was sent but is unknown or expired (send none to read as the public)",
        ));
    }
    if has_path_params || is_command {
        errors.push((404, "unknown, or not visible to the caller"));
    }
    if is_command {
        errors.push((
            409,
            "the object's state forbids this, or a concurrent change won",
        ));
    }
    if has_body {
        errors.push((413, "the body is larger than 256 KiB"));
        errors.push((415, "the body is not sent as application/json"));
    }
    if has_body || is_command {
        errors.push((
            422,
            "a wrong type, an unknown field, or a business rule refused it (detail_ja/detail_en say which rule)",
        ));
    }
    if matches!(
        operation.operation_id.as_deref(),
        Some("accounts_sign_in" | "accounts_register")
    ) {
        errors.push((
            429,
            "too many attempts from this address or for this account: wait Retry-After seconds",
        ));
    }
    errors.push((500, "the server failed; the answer reveals nothing"));
    errors.push((
        503,
        "the database is unavailable or the request took too long: retry after Retry-After \
         seconds (a command with the same Idempotency-Key runs at most once)",
    ));
    for (status, description) in errors {
        let status = status.to_string();
        if operation.responses.responses.contains_key(&status) {
            continue;
        }
        operation
            .responses
            .responses
            .insert(status, problem_response(description));
    }
}

/// A struct with a `#[serde(flatten)]` field is described as `allOf` of its parts; when a part
/// refuses unknown fields (`additionalProperties: false`) no object could satisfy every part. Such
/// schemas are merged into one object with the properties of all parts.
fn merge_flattened(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let snapshot = schemas.clone();
    let object_of = |schema: &RefOr<Schema>| -> Option<Object> {
        match schema {
            RefOr::T(Schema::Object(object)) => Some(object.clone()),
            RefOr::Ref(reference) => {
                let name = reference.ref_location.rsplit('/').next()?;
                match snapshot.get(name)? {
                    RefOr::T(Schema::Object(object)) => Some(object.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    for schema in schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all_of)) = schema else {
            continue;
        };
        let Some(parts) = all_of
            .items
            .iter()
            .map(object_of)
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let closed = parts.iter().any(|part| {
            matches!(
                part.additional_properties.as_deref(),
                Some(AdditionalProperties::FreeForm(false))
            )
        });
        let mut merged = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(all_of.description.clone())
            .build();
        for part in parts {
            merged.properties.extend(part.properties);
            merged.required.extend(part.required);
            if merged.description.is_none() {
                merged.description = part.description;
            }
        }
        if closed {
            merged.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
        *schema = RefOr::T(Schema::Object(merged));
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// The document, built once from the router that serves the API.
pub fn document() -> &'static OpenApiDocument {
    static DOCUMENT: OnceLock<OpenApiDocument> = OnceLock::new();
    DOCUMENT.get_or_init(|| complete(super::api_router().split_for_parts().1))
}

fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| serde_json::to_string(document()).expect("the OpenAPI document serialises"))
}

/// `GET /api/v1/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "documentation",
    summary = "OpenAPI 3.1 文書 / the OpenAPI document",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}

const DOCS_STYLE: &str = include_str!("docs.css");
const DOCS_SCRIPT: &str = include_str!("docs.js");

fn csp_hash(source: &str) -> String {
    let digest = Sha256::digest(source.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page and its Content-Security-Policy: nothing but this origin and the page's own inline
/// style and script, by hash.
fn docs_page() -> &'static (String, HeaderValue) {
    static PAGE: OnceLock<(String, HeaderValue)> = OnceLock::new();
    PAGE.get_or_init(|| {
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Grants API 仕様</title>\n<style>{DOCS_STYLE}</style>\n</head>\n<body>\n\
             <header><h1>Grants API 仕様</h1>\n\
             <p>この一覧は <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> から作られています。\
             金額は円の整数、比率は \"3/4\" のような文字列、日付は YYYY-MM-DD、日時は RFC 3339 です。</p>\n\
             <nav id=\"toc\"></nav></header>\n<main id=\"operations\"><p id=\"status\">読み込み中…</p></main>\n\
             <script>{DOCS_SCRIPT}</script>\n</body>\n</html>\n"
        );
        let policy = format!(
            "default-src 'none'; connect-src 'self'; img-src 'self'; style-src {}; script-src {}; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            csp_hash(DOCS_STYLE),
            csp_hash(DOCS_SCRIPT),
        );
        (
            html,
            HeaderValue::from_str(&policy).expect("the policy is a valid header value"),
        )
    })
}

/// `GET /api/docs`: a browsable page of the document (Japanese, self-contained, works offline).
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "documentation",
    summary = "API 仕様の閲覧ページ / a browsable page of this document",
    security(()),
    responses((status = 200, description = "An HTML page", content_type = "text/html")),
)]
pub async fn docs() -> Response {
    let (html, policy) = docs_page();
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, policy.clone()),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        html.as_str(),
    )
        .into_response()
}
