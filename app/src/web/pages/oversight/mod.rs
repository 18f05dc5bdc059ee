//! Auditors (and staff), read-only: the event log in global order with filters and the hash chain's
//! verification ([`log`], `/audit`), one aggregate's history as a timeline ([`stream`],
//! `/audit/streams/{type}/{id}`), and an application with its grant as they stood at a chosen
//! instant ([`as_of`], `/audit/as-of`).
//!
//! Every page shows only what the audit API answers to the signed-in user (the API refuses everyone
//! else). Events are summarised in Japanese from their type and a few amounts, dates and reasons of
//! their payload; names, addresses, e-mail addresses and phone numbers are never shown.

mod as_of;
mod log;
mod stream;

use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

use crate::web::view::{date_of, instant_of, text, yen_of};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/audit", get(log::log))
        .route(
            "/audit/streams/{aggregate_type}/{aggregate_id}",
            get(stream::stream),
        )
        .route("/audit/as-of", get(as_of::as_of))
}

/// The kinds of stream the log holds, with their Japanese names.
const AGGREGATE_TYPES: [(&str, &str); 6] = [
    ("round", "公募"),
    ("application", "申請"),
    ("review", "審査"),
    ("grant", "交付"),
    ("group", "団体"),
    ("account", "アカウント"),
];

/// The Japanese name of a stream type.
fn aggregate_label(code: &str) -> &str {
    AGGREGATE_TYPES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, label)| *label)
        .unwrap_or(code)
}

/// The Japanese name of the role an event was recorded in.
fn role_label(code: &str) -> &str {
    match code {
        "applicant" => "申請者",
        "reviewer" => "審査委員",
        "staff" => "職員",
        "auditor" => "監査",
        "coordinator" => "中間支援",
        "system" => "システム",
        "" => "—",
        other => other,
    }
}

/// What happened, in Japanese, for each event type of the domain.
fn event_label(event_type: &str) -> &str {
    match event_type {
        "AccountRegistered" => "アカウントの登録",
        "RoleGranted" => "役割の付与",
        "EmailVerified" => "メールアドレスの確認",
        "SecondFactorEnrolled" => "2段階認証の設定",
        "SecondFactorReset" => "2段階認証の解除",
        "PasswordReset" => "パスワードの再設定（メールのリンク）",
        "ApplicationDraftStarted" => "申請書の作成（下書き）",
        "ApplicationDraftSaved" => "申請書の下書き保存",
        "ApplicationSubmitted" => "申請書の提出",
        "ApplicationResubmitted" => "申請書の再提出",
        "ApplicationScreenedEligible" => "形式審査：適格",
        "ApplicationScreenedIneligible" => "形式審査：不適格",
        "ApplicationReturned" => "申請書の差戻し",
        "ApplicationWithdrawn" => "申請の取下げ",
        "ApplicationAwarded" => "交付決定",
        "ApplicationRunnerUp" => "次点",
        "ApplicationNotAdopted" => "不採択",
        "GrantDecided" => "交付決定",
        "GrantWithdrawn" => "交付の辞退（取下げ）",
        "AdvanceRequested" => "概算払の請求",
        "PaymentRecorded" => "支払の記録",
        "ChangeRequested" => "変更承認申請",
        "ChangeNotified" => "軽微な変更の届出",
        "ChangeApproved" => "変更の承認",
        "ChangeRejected" => "変更の不承認",
        "SettlementReportSaved" => "実績報告の保存",
        "SettlementReportSubmitted" => "実績報告の提出",
        "SettlementReportReturned" => "実績報告の差戻し",
        "AmountFinalised" => "額の確定",
        "RefundReceived" => "返還金の受領",
        "GrantClosed" => "補助事業の完了",
        "GrantCancelled" => "交付決定の取消",
        "GroupRegistered" => "団体の登録",
        "MemberAdded" => "構成員の追加",
        "MemberRemoved" => "構成員の削除",
        "RepresentativeChanged" => "代表者の交代",
        "CoordinatorConsented" => "コーディネーターへの同意",
        "CoordinatorConsentWithdrawn" => "コーディネーターへの同意の撤回",
        "MembershipUpdated" => "構成員数の更新",
        "GroupDeregistered" => "団体の登録抹消",
        "PersonalDataErased" => "個人情報の削除",
        "ConflictDeclared" => "利害関係の申告",
        "ScoresSaved" => "採点の保存",
        "ScoresheetSealed" => "採点の確定（封印）",
        "RoundOpened" => "公募の開始",
        "ReviewerAppointed" => "審査委員の任命",
        "ScoringClosed" => "採点の締切",
        "RankingFixed" => "順位の確定",
        "RunnerUpOfferAccepted" => "次点の繰上げ受諾",
        "RunnerUpOfferDeclined" => "次点の繰上げ辞退",
        "AwardDecided" => "交付額の決定",
        "ApplicationRejected" => "不採択の決定",
        "AwardAmended" => "交付額の変更",
        "AwardReleased" => "予算の戻し",
        "ChangeReserved" => "変更に伴う予算の確保",
        "ChangeReservationCancelled" => "予算確保の取消",
        "PromotionOffered" => "繰上げ採択の打診",
        "PromotionAccepted" => "繰上げ採択の受諾",
        "PromotionDeclined" => "繰上げ採択の辞退",
        "DiscontinuationRequested" => "中止・廃止の承認申請",
        "DiscontinuationApproved" => "中止・廃止の承認",
        "DiscontinuationRefused" => "中止・廃止の不承認",
        "RoundCorrected" => "募集要項の訂正",
        "SettlementDeadlineExtended" => "実績報告の期限の延長",
        "SettlementDelayExplained" => "実績報告の遅延理由",
        "SettlementDelayAccepted" => "遅延理由の承認",
        "RefundSurchargeTermsRecorded" => "加算金・延滞金の条件",
        other => other,
    }
}

/// The event's own fields: the payload without the enum tag cqrs-es serialises it under.
fn fields<'a>(event_type: &str, payload: &'a Value) -> &'a Value {
    match payload.get(event_type) {
        Some(inner) => inner,
        None => payload,
    }
}

/// The few facts of an event worth reading in a list: amounts, dates, outcomes and reasons.
fn details(event_type: &str, payload: &Value) -> Vec<String> {
    let f = fields(event_type, payload);
    let yen = |name: &str| f[name].as_i64().map(|_| yen_of(&f[name]));
    let mut out = Vec::new();
    let mut add = |label: &str, value: Option<String>| {
        if let Some(value) = value {
            out.push(format!("{label} {value}"));
        }
    };
    match event_type {
        "ApplicationSubmitted" | "ApplicationResubmitted" => {
            add("申請額", yen("requested_amount"));
            add("補助上限額", yen("max_amount"));
        }
        "GrantDecided" => {
            let decision = &f["decision"];
            add(
                "交付決定額",
                decision["amount"]
                    .as_i64()
                    .map(|_| yen_of(&decision["amount"])),
            );
            add(
                "文書番号",
                decision["notice_number"].as_str().map(str::to_owned),
            );
            add(
                "完了期限",
                decision["completion_deadline"]
                    .as_str()
                    .map(|_| date_of(&decision["completion_deadline"])),
            );
        }
        "AwardDecided" => {
            add("交付決定額", yen("amount"));
            // Empty since the grant carries the fiscal year's number (app/src/notice.rs).
            add(
                "文書番号",
                f["notice_number"]
                    .as_str()
                    .filter(|number| !number.is_empty())
                    .map(str::to_owned),
            );
        }
        "PaymentRecorded" => {
            let kind = match text(&f["kind"]) {
                "advance" => "概算払",
                "final" => "精算払",
                _ => "支払",
            };
            add(kind, yen("amount"));
            add(
                "支払日",
                f["paid_on"].as_str().map(|_| date_of(&f["paid_on"])),
            );
            add("支払済合計", yen("paid_total"));
        }
        "AmountFinalised" => {
            add("確定額", yen("finalised"));
            add("返還額", yen("refund_due"));
            add("支払残額", yen("payable"));
        }
        "RefundReceived" => {
            add("返還額", yen("amount"));
            add(
                "受領日",
                f["received_on"]
                    .as_str()
                    .map(|_| date_of(&f["received_on"])),
            );
        }
        "GrantCancelled" => add("返還命令額", yen("refund_amount")),
        "ChangeRequested" | "ChangeNotified" => {
            add("事業費（変更前）", yen("total_cost_before"));
            add("事業費（変更後）", yen("total_cost_after"));
        }
        "ChangeApproved" => {
            add("交付額（変更前）", yen("previous_amount"));
            add("交付額（変更後）", yen("decided_amount"));
        }
        "AwardAmended" => add("交付額", yen("new_amount")),
        "ChangeReserved" => {
            add("交付額（変更前）", yen("previous_amount"));
            add("交付額（変更後）", yen("new_amount"));
        }
        "ChangeReservationCancelled" => add("戻した額", yen("released")),
        "AdvanceRequested" | "AwardReleased" | "ApplicationAwarded" => add("金額", yen("amount")),
        "RunnerUpOfferAccepted" => add("繰上げ額", yen("remainder")),
        "PromotionOffered" | "PromotionAccepted" => add("打診額", yen("amount")),
        "DiscontinuationApproved" => add(
            "事業の終了日",
            f["discontinued_on"]
                .as_str()
                .map(|_| date_of(&f["discontinued_on"])),
        ),
        "ScoresheetSealed" => add("合計点", f["total"].as_u64().map(|t| t.to_string())),
        "ConflictDeclared" => add(
            "利害関係",
            f["conflict"]
                .as_bool()
                .map(|c| if c { "あり" } else { "なし" }.to_owned()),
        ),
        "GroupRegistered" => add("団体名", f["name"].as_str().map(str::to_owned)),
        _ => {}
    }
    if let Some(reason) = f["reason"].as_str().filter(|r| !r.is_empty()) {
        out.push(format!("理由：{reason}"));
    }
    out
}

/// One event in a list: what happened, its facts, and its type code.
fn summary(event: &Value) -> Markup {
    let event_type = text(&event["event_type"]);
    let facts = details(event_type, &event["payload"]);
    html! {
        strong { (event_label(event_type)) }
        @if !facts.is_empty() { " " span.facts { "（" (facts.join("、")) "）" } }
        // The event type as the export and the API name it, to cross-reference them.
        " " code.event-type { (event_type) }
    }
}

/// When, by which role, at which position.
fn stamp(event: &Value) -> Markup {
    html! {
        span.when {
            time datetime=(text(&event["recorded_at"])) { (instant_of(&event["recorded_at"])) }
            " ・ " (role_label(text(&event["metadata"]["actor_role"])))
            @if let Some(group) = event["metadata"]["on_behalf_of"].as_str() {
                "（団体 " code { "…" (log::short_id(group)) } " の代理）"
            }
            " ・ 位置 " (event["position"])
        }
    }
}

/// The link to a stream's timeline.
fn stream_path(aggregate_type: &str, aggregate_id: &str) -> String {
    format!(
        "/audit/streams/{}/{}",
        crate::web::api::encode(aggregate_type),
        crate::web::api::encode(aggregate_id)
    )
}

/// The verification of the hash chain as the API answered it.
fn verification_box(verification: &Value) -> Markup {
    let ok = verification["ok"].as_bool() == Some(true);
    html! {
        div.summary-box #verification role="status" {
            @if ok {
                p { strong { "改ざんは検出されませんでした。" } "（検査したイベント " (verification["events_checked"]) "件、署名付きツリーヘッド " (verification["heads_checked"]) "件と一致）" }
            } @else if verification["first_bad_position"].is_i64() {
                p.error { "ハッシュの連鎖が位置 " (verification["first_bad_position"]) " で一致しません。" }
            } @else {
                p.error { "ログが署名付きツリーヘッドと一致しません（" (verification["first_bad_index"]) " 番目のイベント以降が書き換えられています）。" }
            }
            p { "最新のハッシュ：" code { (text(&verification["head_hash"])) } }
            p { "署名付きツリーヘッド（どなたでも取得できます）：" code { "/api/v1/public/tree-heads" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_read_in_japanese_with_their_amounts_and_without_contact_details() {
        let finalised =
            json!({"AmountFinalised": {"finalised": 240000, "refund_due": 0, "payable": 11200}});
        assert_eq!(
            details("AmountFinalised", &finalised),
            vec!["確定額 ¥240,000", "返還額 ¥0", "支払残額 ¥11,200"]
        );
        let group = json!({"GroupRegistered": {"name": "みどりの会", "contact": {"phone": "0564-00-0000"}}});
        let shown = details("GroupRegistered", &group).join(" ");
        assert!(shown.contains("みどりの会") && !shown.contains("0564"));
        assert_eq!(event_label("GrantDecided"), "交付決定");
        assert_eq!(role_label("staff"), "職員");
    }
}
