//! The Japanese mails: one template per kind of news, plain text, a subject and a body. Dates are
//! written in the era (令和8年4月1日, `EraDate`), instants in Japan Standard Time, amounts in yen
//! with separators (286,000円).

use grants_domain::fiscal_year::{jst_date, EraDate};
use grants_domain::reminder::Reminder;
use grants_domain::{Yen, JST};
use time::{Date, OffsetDateTime};

/// The kind of news a mail carries; its key is stored with the mail and is part of its identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// The group submitted its application (申請の受付).
    Submitted,
    /// The group submitted it again after a return for correction.
    Resubmitted,
    /// Staff returned the application for correction.
    Returned,
    /// The screening (形式審査) found the application eligible.
    ScreenedEligible,
    /// The screening found the application ineligible.
    ScreenedIneligible,
    /// The grant was decided (交付決定).
    Awarded,
    /// The application was not awarded (不交付).
    NotAwarded,
    /// The application is offered the round's remainder as runner-up (次点の打診).
    RunnerUpOffer,
    /// The application is offered promotion to an award (繰上げ採択).
    PromotionOffer,
    /// Staff recorded a payment to the group.
    PaymentRecorded,
    /// Staff approved a change request.
    ChangeApproved,
    /// Staff refused a change request.
    ChangeRejected,
    /// Staff returned the settlement report (実績報告) for correction.
    ReportReturned,
    /// The amount was finalised (額の確定).
    AmountFinalised,
    /// A refund is owed (返還).
    RefundDue,
    /// A reminder of a deadline (`grants_domain::reminder`), one template per reminder.
    Reminder(Reminder),
}

impl Template {
    /// The template's stable key, stored with each mail (`submitted`, `refund_due`, a reminder's
    /// key).
    pub fn key(self) -> &'static str {
        match self {
            Template::Submitted => "submitted",
            Template::Resubmitted => "resubmitted",
            Template::Returned => "returned",
            Template::ScreenedEligible => "screened_eligible",
            Template::ScreenedIneligible => "screened_ineligible",
            Template::Awarded => "awarded",
            Template::NotAwarded => "not_awarded",
            Template::RunnerUpOffer => "runner_up_offer",
            Template::PromotionOffer => "promotion_offer",
            Template::PaymentRecorded => "payment_recorded",
            Template::ChangeApproved => "change_approved",
            Template::ChangeRejected => "change_rejected",
            Template::ReportReturned => "report_returned",
            Template::AmountFinalised => "amount_finalised",
            Template::RefundDue => "refund_due",
            Template::Reminder(reminder) => reminder.key(),
        }
    }
}

/// What a template says, with the figures it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum News {
    /// The group submitted its application.
    Submitted {
        /// When it was submitted (UTC; the mail shows JST).
        at: OffsetDateTime,
    },
    /// The group submitted it again after a return.
    Resubmitted {
        /// When it was submitted again (UTC; the mail shows JST).
        at: OffsetDateTime,
    },
    /// Staff returned the application for correction.
    Returned {
        /// Staff's reason for the return.
        reason: String,
    },
    /// The screening found the application eligible.
    ScreenedEligible,
    /// The screening found the application ineligible.
    ScreenedIneligible {
        /// Staff's reason.
        reason: String,
    },
    /// The grant was decided (交付決定).
    Awarded {
        /// The decided amount, in integer yen.
        amount: Yen,
        /// The decision notice's document number (文書番号).
        notice_number: String,
        /// The decision day (JST).
        decided_on: Date,
        /// The day the project must be completed by (JST).
        completion_deadline: Date,
    },
    /// The application was not awarded (不交付).
    NotAwarded {
        /// Staff's reason.
        reason: String,
    },
    /// The round's remainder is offered to the application as runner-up (次点の打診).
    RunnerUpOffer {
        /// The remainder offered, in integer yen.
        remainder: Yen,
        /// The last JST day to answer, when the ranking set one.
        expires_on: Option<Date>,
    },
    /// The application is offered promotion to an award (繰上げ採択).
    PromotionOffer {
        /// The amount offered, in integer yen.
        amount: Yen,
        /// The last JST day to answer.
        expires_on: Date,
    },
    /// Staff recorded a payment to the group.
    PaymentRecorded {
        /// The amount paid, in integer yen.
        amount: Yen,
        /// The day it was paid (JST).
        paid_on: Date,
        /// True for an advance (概算払), false for the final payment (精算払).
        advance: bool,
        /// Everything paid on the grant so far, this payment included, in integer yen.
        paid_total: Yen,
    },
    /// Staff approved a change request.
    ChangeApproved {
        /// The decided amount after the change, in integer yen.
        decided_amount: Yen,
        /// The completion deadline after the change (JST).
        completion_deadline: Date,
    },
    /// Staff refused a change request.
    ChangeRejected {
        /// Staff's reason.
        reason: String,
    },
    /// Staff returned the settlement report for correction.
    ReportReturned {
        /// Staff's reason.
        reason: String,
    },
    /// The amount was finalised (額の確定).
    AmountFinalised {
        /// The finalised amount, in integer yen.
        finalised: Yen,
        /// What the city still pays, in integer yen.
        payable: Yen,
        /// What the group must refund, in integer yen.
        refund_due: Yen,
    },
    /// A refund is owed, after finalisation or a cancellation (取消).
    RefundDue {
        /// The refund owed, in integer yen.
        amount: Yen,
        /// Its due date (納期限, JST); `None` when the event recorded none.
        due_on: Option<Date>,
    },
    /// A deadline is near: `days_left` days to `due_on` (0 on the day); `amount` is the refund's.
    Reminder {
        /// Which reminder it is.
        reminder: Reminder,
        /// The deadline (JST).
        due_on: Date,
        /// Days left until `due_on`.
        days_left: i64,
        /// The refund's amount in integer yen, for a refund's reminder; else `None`.
        amount: Option<Yen>,
    },
}

impl News {
    /// The template that says this news.
    pub fn template(&self) -> Template {
        match self {
            News::Submitted { .. } => Template::Submitted,
            News::Resubmitted { .. } => Template::Resubmitted,
            News::Returned { .. } => Template::Returned,
            News::ScreenedEligible => Template::ScreenedEligible,
            News::ScreenedIneligible { .. } => Template::ScreenedIneligible,
            News::Awarded { .. } => Template::Awarded,
            News::NotAwarded { .. } => Template::NotAwarded,
            News::RunnerUpOffer { .. } => Template::RunnerUpOffer,
            News::PromotionOffer { .. } => Template::PromotionOffer,
            News::PaymentRecorded { .. } => Template::PaymentRecorded,
            News::ChangeApproved { .. } => Template::ChangeApproved,
            News::ChangeRejected { .. } => Template::ChangeRejected,
            News::ReportReturned { .. } => Template::ReportReturned,
            News::AmountFinalised { .. } => Template::AmountFinalised,
            News::RefundDue { .. } => Template::RefundDue,
            News::Reminder { reminder, .. } => Template::Reminder(*reminder),
        }
    }
}

/// Who and what a mail is about, and where to read more.
#[derive(Clone, Debug)]
pub struct Letter<'a> {
    /// The group's name (団体名).
    pub group_name: &'a str,
    /// The project's title.
    pub title: &'a str,
    /// The application's receipt number (受付番号).
    pub receipt_number: &'a str,
    /// The page of the application or grant, as an absolute URL.
    pub link: &'a str,
    /// The city's name as the mail signs it.
    pub city_name: &'a str,
    /// The division in charge and how to reach it, printed at the foot of the mail.
    pub contact: &'a crate::config::ContactConfig,
}

/// 286,000円.
pub fn yen(amount: Yen) -> String {
    amount.ja()
}

fn day(date: Date) -> String {
    EraDate(date).to_string()
}

/// 令和9年4月10日（あと3日）, or （本日） on the day.
fn day_and_days_left(date: Date, days_left: i64) -> String {
    if days_left <= 0 {
        format!("{}（本日）", day(date))
    } else {
        format!("{}（あと{days_left}日）", day(date))
    }
}

fn instant(at: OffsetDateTime) -> String {
    let local = at.to_offset(JST);
    format!(
        "{} {:02}時{:02}分",
        EraDate(jst_date(at)),
        local.hour(),
        local.minute()
    )
}

/// The subject and the body of the mail about `news`.
pub fn render(news: &News, letter: &Letter<'_>) -> (String, String) {
    let (headline, lines): (&str, Vec<String>) = match news {
        News::Submitted { at } => (
            "申請を受け付けました",
            vec![
                "次の申請を受け付けました。審査の結果はあらためてお知らせします。".into(),
                format!("受付日時：{}", instant(*at)),
            ],
        ),
        News::Resubmitted { at } => (
            "修正した申請を受け付けました",
            vec![
                "補正のうえ再提出された申請を受け付けました。".into(),
                format!("受付日時：{}", instant(*at)),
            ],
        ),
        News::Returned { reason } => (
            "申請書の補正をお願いします",
            vec![
                "次の理由により、申請書をお返ししました。内容を直して、もう一度提出してください。".into(),
                format!("補正の理由：{reason}"),
            ],
        ),
        News::ScreenedEligible => (
            "書類審査の結果のお知らせ（審査対象）",
            vec!["書類審査の結果、申請は審査会での審査の対象となりました。".into()],
        ),
        News::ScreenedIneligible { reason } => (
            "書類審査の結果のお知らせ（対象外）",
            vec![
                "書類審査の結果、申請は補助の対象外となりました。".into(),
                format!("理由：{reason}"),
            ],
        ),
        News::Awarded {
            amount,
            notice_number,
            decided_on,
            completion_deadline,
        } => (
            "補助金の交付決定のお知らせ",
            vec![
                "次のとおり補助金の交付を決定しました。".into(),
                format!("交付決定額：{}", yen(*amount)),
                format!("文書番号：{notice_number}"),
                format!("交付決定日：{}", day(*decided_on)),
                format!("事業の完了期限：{}", day(*completion_deadline)),
            ],
        ),
        News::NotAwarded { reason } => (
            "補助金の不交付決定のお知らせ",
            vec![
                "審査の結果、補助金を交付しないことに決定しました。".into(),
                format!("理由：{reason}"),
            ],
        ),
        News::RunnerUpOffer {
            remainder,
            expires_on,
        } => (
            "次点の申請への交付のお申し出",
            vec![
                "申請は次点となりました。予算の残額の範囲で交付を受けることができます。".into(),
                format!("交付できる額：{}", yen(*remainder)),
                match expires_on {
                    Some(date) => format!("お返事の期限：{}", day(*date)),
                    None => "お返事の期限：なし".into(),
                },
            ],
        ),
        News::PromotionOffer { amount, expires_on } => (
            "繰上げ採択のお申し出",
            vec![
                "予算に空きが出たため、申請を繰り上げて採択することができます。".into(),
                format!("交付できる額：{}", yen(*amount)),
                format!("お返事の期限：{}", day(*expires_on)),
            ],
        ),
        News::PaymentRecorded {
            amount,
            paid_on,
            advance,
            paid_total,
        } => (
            "補助金の支払いのお知らせ",
            vec![
                format!(
                    "補助金の{}を支払いました。",
                    if *advance { "概算払（前金）" } else { "精算払" }
                ),
                format!("支払額：{}", yen(*amount)),
                format!("支払日：{}", day(*paid_on)),
                format!("これまでの支払額の合計：{}", yen(*paid_total)),
            ],
        ),
        News::ChangeApproved {
            decided_amount,
            completion_deadline,
        } => (
            "変更承認のお知らせ",
            vec![
                "変更承認申請を承認しました。".into(),
                format!("変更後の交付決定額：{}", yen(*decided_amount)),
                format!("事業の完了期限：{}", day(*completion_deadline)),
            ],
        ),
        News::ChangeRejected { reason } => (
            "変更承認申請の結果のお知らせ（不承認）",
            vec![
                "変更承認申請を承認しないことに決定しました。".into(),
                format!("理由：{reason}"),
            ],
        ),
        News::ReportReturned { reason } => (
            "実績報告書の補正をお願いします",
            vec![
                "次の理由により、実績報告書をお返ししました。内容を直して、もう一度提出してください。"
                    .into(),
                format!("補正の理由：{reason}"),
            ],
        ),
        News::AmountFinalised {
            finalised,
            payable,
            refund_due,
        } => (
            "補助金の額の確定のお知らせ",
            vec![
                "実績報告書を受理し、補助金の額を確定しました。".into(),
                format!("確定額：{}", yen(*finalised)),
                format!("これからお支払いする額：{}", yen(*payable)),
                format!("ご返還いただく額：{}", yen(*refund_due)),
            ],
        ),
        News::RefundDue { amount, due_on } => (
            "補助金の返還のお願い",
            vec![
                "次の額の補助金を返還してください。納付書は別にお送りします。".into(),
                format!("返還額：{}", yen(*amount)),
                match due_on {
                    Some(date) => format!("納期限：{}", day(*date)),
                    None => "納期限：追ってお知らせします".into(),
                },
            ],
        ),
        News::Reminder {
            reminder,
            due_on,
            days_left,
            amount,
        } => reminder_text(*reminder, *due_on, *days_left, *amount),
    };
    let subject = format!("【{}】{}（{}）", letter.city_name, headline, letter.title);
    let mut body = format!("{} 御中\n\n", letter.group_name);
    for line in &lines {
        body.push_str(line);
        body.push('\n');
    }
    body.push('\n');
    body.push_str(&format!("事業名：{}\n", letter.title));
    body.push_str(&format!("受付番号：{}\n", letter.receipt_number));
    // The news that comes with an official notice (`grants_domain::document`) says where its PDF
    // is: the page links it.
    let more = match news {
        News::Awarded { .. }
        | News::NotAwarded { .. }
        | News::RunnerUpOffer { .. }
        | News::AmountFinalised { .. }
        | News::RefundDue { .. } => {
            "詳しくは次のページをご覧ください。通知書（PDF）もこのページからダウンロードできます。"
        }
        _ => "詳しくは次のページをご覧ください。",
    };
    body.push_str(&format!("\n{more}\n{}\n", letter.link));
    body.push_str(&signature(letter.city_name, letter.contact));
    (subject, body)
}

/// The invitation to join a group (issue 18): its subject and body, with the one-time link
/// (`crate::auth::invitation`), valid for `days` days.
pub fn invitation(
    group_name: &str,
    inviter: &str,
    link: &str,
    days: i64,
    city_name: &str,
    contact: &crate::config::ContactConfig,
) -> (String, String) {
    let subject = format!("【{city_name}】団体「{group_name}」への招待");
    let mut body = format!(
        "{inviter} さんから、{city_name}の補助金申請システムで団体「{group_name}」のメンバーに招待されました。\n\n\
         次のリンクを開き、このメールアドレスのアカウントでログイン（お持ちでない場合は新規登録）して、\
         招待を受けてください。リンクは{days}日間、一度だけ使えます。\n\n\
         {link}\n\n\
         お心当たりのない場合は、このメールを破棄してください。\n"
    );
    body.push_str(&signature(city_name, contact));
    (subject, body)
}

/// The foot of every mail the service sends: that it is not for replies, and where to ask (the
/// city's division, phone, address and hours, as the settings name them).
pub fn signature(city_name: &str, contact: &crate::config::ContactConfig) -> String {
    let mut foot =
        String::from("\n--\nこのメールは送信専用です。ご不明な点は次へお問い合わせください。\n");
    foot.push_str(&format!("{city_name} {}\n", contact.division));
    if !contact.phone.is_empty() {
        foot.push_str(&format!("電話 {}\n", contact.phone));
    }
    if !contact.email.is_empty() {
        foot.push_str(&format!("メール {}\n", contact.email));
    }
    if !contact.hours.is_empty() {
        foot.push_str(&format!("受付時間 {}\n", contact.hours));
    }
    foot
}

/// The headline and lines of a reminder.
fn reminder_text(
    reminder: Reminder,
    due_on: Date,
    days_left: i64,
    amount: Option<Yen>,
) -> (&'static str, Vec<String>) {
    let when = day_and_days_left(due_on, days_left);
    match reminder {
        Reminder::DraftClosing => (
            "申請書の提出期限が近づいています",
            vec![
                "作成中の申請書がまだ提出されていません。募集の締切までに提出してください。".into(),
                format!("提出できる最終日：{when}"),
                "締切の日時は公募のページでご確認ください。".into(),
            ],
        ),
        Reminder::ReportDueSoon => (
            "実績報告書の提出期限が近づいています",
            vec![
                "補助事業が終わりましたら、実績報告書を期限までに提出してください。".into(),
                format!("提出期限：{when}"),
            ],
        ),
        Reminder::ReportDueVerySoon => (
            "実績報告書の提出期限が迫っています",
            vec![
                "実績報告書の提出期限が迫っています。まだの場合は期限までに提出してください。"
                    .into(),
                format!("提出期限：{when}"),
                "期限を過ぎた報告には、遅れた理由の説明が必要になります。".into(),
            ],
        ),
        Reminder::RefundDue => (
            "補助金の返還の納期限が近づいています",
            vec![
                "補助金の返還の納期限が近づいています。納付書により納めてください。".into(),
                match amount {
                    Some(amount) => format!("返還額：{}", yen(amount)),
                    None => "返還額：納付書をご確認ください".into(),
                },
                format!("納期限：{when}"),
                "納期限を過ぎると、延滞金がかかることがあります。".into(),
            ],
        ),
        Reminder::RunnerUpOfferExpiring => (
            "次点の申請への交付のお申し出の回答期限が近づいています",
            vec![
                "予算の残額の範囲での交付のお申し出に、まだお返事をいただいていません。".into(),
                format!("お返事の期限：{when}"),
                "期限までにお返事がない場合、お申し出は効力を失います。".into(),
            ],
        ),
        Reminder::PromotionOfferExpiring => (
            "繰上げ採択のお申し出の回答期限が近づいています",
            vec![
                "繰上げ採択のお申し出に、まだお返事をいただいていません。".into(),
                format!("お返事の期限：{when}"),
                "期限までにお返事がない場合、お申し出は効力を失います。".into(),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn letter(contact: &crate::config::ContactConfig) -> Letter<'_> {
        Letter {
            group_name: "子ども食堂ひまわり",
            title: "夏休み子ども食堂",
            receipt_number: "0A12-9B7E-4D51",
            link: "http://127.0.0.1:8080/applications/x",
            city_name: "岡崎市",
            contact,
        }
    }

    #[test]
    fn a_submission_names_the_receipt_number_and_the_instant_in_japan() {
        let contact = crate::config::ContactConfig::default();
        let news = News::Submitted {
            at: datetime!(2026-05-31 15:30 UTC),
        };
        let (subject, body) = render(&news, &letter(&contact));
        assert_eq!(
            subject,
            "【岡崎市】申請を受け付けました（夏休み子ども食堂）"
        );
        assert!(body.contains("受付番号：0A12-9B7E-4D51"), "{body}");
        assert!(body.contains("受付日時：令和8年6月1日 00時30分"), "{body}");
        assert!(body.contains("市民協働推進課"), "{body}");
    }

    #[test]
    fn every_template_has_a_subject_and_names_the_project_and_its_receipt_number() {
        let contact = crate::config::ContactConfig::default();
        let yen = |n: i64| Yen::new(n).unwrap();
        let day = date!(2026 - 09 - 30);
        let at = datetime!(2026-05-01 01:00 UTC);
        let reason = || "理由の文".to_owned();
        let all = [
            News::Submitted { at },
            News::Resubmitted { at },
            News::Returned { reason: reason() },
            News::ScreenedEligible,
            News::ScreenedIneligible { reason: reason() },
            News::Awarded {
                amount: yen(200_000),
                notice_number: "令和8年度市協第1号".into(),
                decided_on: day,
                completion_deadline: day,
            },
            News::NotAwarded { reason: reason() },
            News::RunnerUpOffer {
                remainder: yen(123_000),
                expires_on: Some(day),
            },
            News::PromotionOffer {
                amount: yen(100_000),
                expires_on: day,
            },
            News::PaymentRecorded {
                amount: yen(160_000),
                paid_on: day,
                advance: true,
                paid_total: yen(160_000),
            },
            News::ChangeApproved {
                decided_amount: yen(180_000),
                completion_deadline: day,
            },
            News::ChangeRejected { reason: reason() },
            News::ReportReturned { reason: reason() },
            News::AmountFinalised {
                finalised: yen(165_000),
                payable: Yen::ZERO,
                refund_due: yen(63_800),
            },
            News::RefundDue {
                amount: yen(63_800),
                due_on: Some(day),
            },
            News::Reminder {
                reminder: Reminder::DraftClosing,
                due_on: day,
                days_left: 3,
                amount: None,
            },
            News::Reminder {
                reminder: Reminder::ReportDueSoon,
                due_on: day,
                days_left: 14,
                amount: None,
            },
            News::Reminder {
                reminder: Reminder::ReportDueVerySoon,
                due_on: day,
                days_left: 3,
                amount: None,
            },
            News::Reminder {
                reminder: Reminder::RefundDue,
                due_on: day,
                days_left: 7,
                amount: Some(yen(63_800)),
            },
            News::Reminder {
                reminder: Reminder::RunnerUpOfferExpiring,
                due_on: day,
                days_left: 2,
                amount: None,
            },
            News::Reminder {
                reminder: Reminder::PromotionOfferExpiring,
                due_on: day,
                days_left: 0,
                amount: None,
            },
        ];
        let mut keys = std::collections::BTreeSet::new();
        for news in &all {
            let (subject, body) = render(news, &letter(&contact));
            assert!(subject.starts_with("【岡崎市】"), "{subject}");
            assert!(subject.ends_with("（夏休み子ども食堂）"), "{subject}");
            assert!(body.contains("受付番号：0A12-9B7E-4D51"), "{body}");
            assert!(!body.contains("2026年"), "dates in the era: {body}");
            keys.insert(news.template().key());
        }
        assert_eq!(keys.len(), all.len(), "one key per template");
    }

    #[test]
    fn a_report_reminder_names_the_due_day_in_the_era_and_the_days_left() {
        let contact = crate::config::ContactConfig::default();
        let news = News::Reminder {
            reminder: Reminder::ReportDueVerySoon,
            due_on: date!(2027 - 04 - 10),
            days_left: 3,
            amount: None,
        };
        let (subject, body) = render(&news, &letter(&contact));
        assert!(
            subject.contains("実績報告書の提出期限が迫っています"),
            "{subject}"
        );
        assert!(
            body.contains("提出期限：令和9年4月10日（あと3日）"),
            "{body}"
        );
        let refund = News::Reminder {
            reminder: Reminder::RefundDue,
            due_on: date!(2027 - 04 - 30),
            days_left: 0,
            amount: Some(Yen::new(286_000).unwrap()),
        };
        let (_, body) = render(&refund, &letter(&contact));
        assert!(body.contains("返還額：286,000円"), "{body}");
        assert!(body.contains("納期限：令和9年4月30日（本日）"), "{body}");
    }

    #[test]
    fn a_refund_names_the_amount_in_yen_and_the_due_date_in_the_era() {
        let contact = crate::config::ContactConfig::default();
        let news = News::RefundDue {
            amount: Yen::new(12_345).unwrap(),
            due_on: Some(date!(2027 - 04 - 30)),
        };
        let (_, body) = render(&news, &letter(&contact));
        assert!(body.contains("返還額：12,345円"), "{body}");
        assert!(body.contains("納期限：令和9年4月30日"), "{body}");
        // A refund comes with its 返還命令書: the mail says where the PDF is.
        assert!(
            body.contains("通知書（PDF）もこのページからダウンロードできます"),
            "{body}"
        );
    }
}
