//! Auditors (and staff), read-only: the event log in global order with filters and the hash chain's
//! verification (`log`, `/audit`), one aggregate's history as a timeline (`stream`,
//! `/audit/streams/{type}/{id}`), and an application with its grant as they stood at a chosen
//! instant (`as_of`, `/audit/as-of`).
//!
//! Every page reads the auditors' use cases (`service::audit`) as the signed-in user, who must be
//! an auditor or staff. Events are summarised in Japanese from the domain's typed event: its kind
//! and a few amounts, dates and reasons (`facts`); names, addresses, e-mail addresses and phone
//! numbers are never shown.

mod as_of;
mod facts;
mod log;
mod stream;

use axum::routing::get;
use axum::Router;
use cqrs_es::Aggregate;
use grants_domain::account::Account;
use grants_domain::{Application, Grant, Group, Review, Round};
use grants_projections::Verification;
use maud::{html, Markup};

use crate::service::audit::Audited;
use crate::store::ActorRole;
use crate::web::{view, Web};

/// The auditors' pages: the log, a stream's timeline and the state as of an instant.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/audit", get(log::log))
        .route(
            "/audit/streams/{aggregate_type}/{aggregate_id}",
            get(stream::stream),
        )
        .route("/audit/as-of", get(as_of::as_of))
}

/// The Japanese name of a stream type, one of [`crate::service::audit::STREAM_TYPES`]; any other
/// code is shown as it is.
fn aggregate_label(code: &str) -> &str {
    match code {
        Round::TYPE => "公募",
        Application::TYPE => "申請",
        Review::TYPE => "審査",
        Grant::TYPE => "交付",
        Group::TYPE => "団体",
        Account::TYPE => "アカウント",
        other => other,
    }
}

/// The Japanese name of the role an event was recorded in.
fn role_label(role: Option<ActorRole>) -> &'static str {
    match role {
        Some(ActorRole::Applicant) => "申請者",
        Some(ActorRole::Reviewer) => "審査委員",
        Some(ActorRole::Staff) => "職員",
        Some(ActorRole::Auditor) => "監査",
        Some(ActorRole::Coordinator) => "中間支援",
        Some(ActorRole::System) => "システム",
        None => "—",
    }
}

/// What happened, in Japanese, for each event type of the domain (the log's `event_type`, shown
/// beside it for cross-reference; a test holds every name to the domain's events).
const EVENT_LABELS: &[(&str, &str)] = &[
    ("AccountRegistered", "アカウントの登録"),
    ("RoleGranted", "役割の付与"),
    ("EmailVerified", "メールアドレスの確認"),
    ("SecondFactorEnrolled", "2段階認証の設定"),
    ("SecondFactorReset", "2段階認証の解除"),
    ("PasswordReset", "パスワードの再設定（メールのリンク）"),
    ("ApplicationDraftStarted", "申請書の作成（下書き）"),
    ("ApplicationDraftSaved", "申請書の下書き保存"),
    ("ApplicationSubmitted", "申請書の提出"),
    ("ApplicationResubmitted", "申請書の再提出"),
    ("ApplicationScreenedEligible", "形式審査：適格"),
    ("ApplicationScreenedIneligible", "形式審査：不適格"),
    ("ApplicationReturned", "申請書の差戻し"),
    ("ApplicationWithdrawn", "申請の取下げ"),
    ("ApplicationAwarded", "交付決定"),
    ("ApplicationRunnerUp", "次点"),
    ("ApplicationNotAdopted", "不採択"),
    ("GrantDecided", "交付決定"),
    ("GrantWithdrawn", "交付の辞退（取下げ）"),
    ("AdvanceRequested", "概算払の請求"),
    ("PaymentRecorded", "支払の記録"),
    ("ChangeRequested", "変更承認申請"),
    ("ChangeNotified", "軽微な変更の届出"),
    ("ChangeApproved", "変更の承認"),
    ("ChangeRejected", "変更の不承認"),
    ("SettlementReportSaved", "実績報告の保存"),
    ("SettlementReportSubmitted", "実績報告の提出"),
    ("SettlementReportReturned", "実績報告の差戻し"),
    ("AmountFinalised", "額の確定"),
    ("RefundReceived", "返還金の受領"),
    ("GrantClosed", "補助事業の完了"),
    ("GrantCancelled", "交付決定の取消"),
    ("GroupRegistered", "団体の登録"),
    ("MemberAdded", "構成員の追加"),
    ("MemberRemoved", "構成員の削除"),
    ("RepresentativeChanged", "代表者の交代"),
    ("CoordinatorConsented", "コーディネーターへの同意"),
    (
        "CoordinatorConsentWithdrawn",
        "コーディネーターへの同意の撤回",
    ),
    ("MembershipUpdated", "構成員数の更新"),
    ("GroupDeregistered", "団体の登録抹消"),
    ("PersonalDataErased", "個人情報の削除"),
    ("ConflictDeclared", "利害関係の申告"),
    ("ScoresSaved", "採点の保存"),
    ("ScoresheetSealed", "採点の確定（封印）"),
    ("RoundOpened", "公募の開始"),
    ("ReviewerAppointed", "審査委員の任命"),
    ("ScoringClosed", "採点の締切"),
    ("RankingFixed", "順位の確定"),
    ("RunnerUpOfferAccepted", "次点の繰上げ受諾"),
    ("RunnerUpOfferDeclined", "次点の繰上げ辞退"),
    ("AwardDecided", "交付額の決定"),
    ("ApplicationRejected", "不採択の決定"),
    ("AwardAmended", "交付額の変更"),
    ("AwardReleased", "予算の戻し"),
    ("ChangeReserved", "変更に伴う予算の確保"),
    ("ChangeReservationCancelled", "予算確保の取消"),
    ("PromotionOffered", "繰上げ採択の打診"),
    ("PromotionAccepted", "繰上げ採択の受諾"),
    ("PromotionDeclined", "繰上げ採択の辞退"),
    ("DiscontinuationRequested", "中止・廃止の承認申請"),
    ("DiscontinuationApproved", "中止・廃止の承認"),
    ("DiscontinuationRefused", "中止・廃止の不承認"),
    ("RoundCorrected", "募集要項の訂正"),
    ("SettlementDeadlineExtended", "実績報告の期限の延長"),
    ("SettlementDelayExplained", "実績報告の遅延理由"),
    ("SettlementDelayAccepted", "遅延理由の承認"),
    ("RefundSurchargeTermsRecorded", "加算金・延滞金の条件"),
];

/// The Japanese name of an event type; an unknown one is shown as it is.
fn event_label(event_type: &str) -> &str {
    EVENT_LABELS
        .iter()
        .find(|(known, _)| *known == event_type)
        .map_or(event_type, |(_, label)| label)
}

/// One event in a list: what happened, its facts, and its type code.
fn summary(event: &Audited) -> Markup {
    let facts = facts::of(&event.fact);
    html! {
        strong { (event_label(&event.event_type)) }
        @if !facts.is_empty() { " " span.facts { "（" (facts.join("、")) "）" } }
        // The event type as the export and the API name it, to cross-reference them.
        " " code.event-type { (event.event_type) }
    }
}

/// When, by which role, at which position.
fn stamp(event: &Audited) -> Markup {
    html! {
        span.when {
            time datetime=(crate::service::jst(event.recorded_at)) { (view::instant(event.recorded_at)) }
            " ・ " (role_label(event.role))
            @if let Some(group) = event.on_behalf_of {
                "（団体 " code { "…" (log::short_id(&group.to_string())) } " の代理）"
            }
            " ・ 位置 " (event.position)
        }
    }
}

/// The first characters of an event's chain hash (none until the chain reaches it).
fn short_hash(event: &Audited) -> &str {
    event
        .hash
        .as_deref()
        .and_then(|hash| hash.get(..12))
        .unwrap_or("")
}

/// The link to a stream's timeline.
fn stream_path(aggregate_type: &str, aggregate_id: &str) -> String {
    format!(
        "/audit/streams/{}/{}",
        crate::web::view::encode(aggregate_type),
        crate::web::view::encode(aggregate_id)
    )
}

/// The verification of the hash chain.
fn verification_box(verification: &Verification) -> Markup {
    html! {
        div.summary-box #verification role="status" {
            @if verification.ok {
                p { strong { "改ざんは検出されませんでした。" } "（検査したイベント " (verification.events_checked) "件、署名付きツリーヘッド " (verification.heads_checked) "件と一致）" }
            } @else if let Some(position) = verification.first_bad_position {
                p.error { "ハッシュの連鎖が位置 " (position) " で一致しません。" }
            } @else {
                p.error { "ログが署名付きツリーヘッドと一致しません（" (verification.first_bad_index.unwrap_or_default()) " 番目のイベント以降が書き換えられています）。" }
            }
            p { "最新のハッシュ：" code { (verification.head_hash.as_deref().unwrap_or("")) } }
            p { "署名付きツリーヘッド（どなたでも取得できます）：" code { "/api/v1/public/tree-heads" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_roles_read_in_japanese() {
        assert_eq!(event_label("GrantDecided"), "交付決定");
        assert_eq!(role_label(Some(ActorRole::Staff)), "職員");
        assert_eq!(event_label("Unheard"), "Unheard");
    }

    /// Every labelled event type is a variant of one of the domain's event enums, so a renamed
    /// event fails here instead of showing its bare name to the auditor.
    #[test]
    fn every_labelled_event_is_one_of_the_domains() {
        use grants_domain::account::AccountEvent;
        use grants_domain::application::ApplicationEvent;
        use grants_domain::grant::GrantEvent;
        use grants_domain::group::GroupEvent;
        use grants_domain::review::ReviewEvent;
        use grants_domain::round::RoundEvent;
        use serde::de::DeserializeOwned;

        /// A payload of that name with no fields fails for a missing field (or shape), any other
        /// name as an unknown variant.
        fn names<E: DeserializeOwned>(event_type: &str) -> bool {
            match serde_json::from_value::<E>(serde_json::json!({ event_type: {} })) {
                Ok(_) => true,
                Err(error) => !error.to_string().contains("unknown variant"),
            }
        }
        for (event_type, label) in EVENT_LABELS {
            assert!(!label.is_ascii(), "{event_type}");
            assert!(
                names::<RoundEvent>(event_type)
                    || names::<ApplicationEvent>(event_type)
                    || names::<ReviewEvent>(event_type)
                    || names::<GrantEvent>(event_type)
                    || names::<GroupEvent>(event_type)
                    || names::<AccountEvent>(event_type),
                "{event_type} is no event of the domain"
            );
        }
        assert!(!names::<GrantEvent>("Unheard"));
    }
}
