//! The official documents (issue 17), on both backends: the 交付決定通知書 issued from the log with
//! its SHA-256 recorded, downloaded by the group and staff and read back with `pdftotext`
//! (poppler-utils, installed by `scripts/test`): the amount, the 文書番号, the group's name, the
//! date in the era and the mayor's title are there, and the bytes hash to what the log recorded;
//! the 交付申請書 rendered twice gives the same bytes; a cancellation issues its notice under the
//! decision's number, branched; a stranger reads nothing. And every kind of notice and form
//! rendered straight from the domain's values, read back the same way, twice identical.

use grants_app::documents::Documents;
use grants_domain::document::{
    AwardNotice, CancellationNotice, FinalisationNotice, Issuer, Letter, NonAwardNotice, Notice,
    RefundOrderNotice, RunnerUpOfferNotice,
};
use grants_domain::{FiscalYear, Yen};
use grants_tests::documents::{assert_says, download, issued, pdf_text};
use grants_tests::{spawn_app_with, Backend};
use reqwest::Method;
use serde_json::json;
use sha2::Digest;
use time::macros::date;

const MAYOR: &str = "岡崎市長";

async fn exercise(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.documents.mayor_title = MAYOR.into();
    })
    .await;
    let one = app.one_awarded_grant().await;
    let grant_path = format!("/api/v1/grants/{}", one.grant);
    let grant = app
        .call(Method::GET, &grant_path, &one.member, None, 200)
        .await;
    let number = grant["notice_number"].as_str().unwrap().to_owned();

    // The decision's notice is issued from the log, with its number and SHA-256.
    let documents = format!("{grant_path}/documents");
    let award = issued(&app, &documents, &one.member, "award_notice").await;
    assert_eq!(award["document_number"], number.as_str());
    assert_eq!(award["label_ja"], "交付決定通知書");
    let href = award["href"].as_str().unwrap();
    let (status, bytes, media) = download(&app, href, &one.member).await;
    assert_eq!(status, 200);
    assert_eq!(media, "application/pdf");
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        award["sha256"].as_str().unwrap(),
        "the downloaded notice is the one the log recorded"
    );
    assert_eq!(award["size"].as_u64(), Some(bytes.len() as u64));
    let text = pdf_text(&bytes);
    assert_says(
        &text,
        &[
            "交付決定通知書",
            "200,000円",
            &number,
            "みどりの会",
            "令和",
            MAYOR,
            "事業完了期限",
        ],
    );
    // Staff read the same bytes.
    let (status, staff_bytes, _) = download(&app, href, &one.cast.staff).await;
    assert_eq!(status, 200);
    assert_eq!(staff_bytes, bytes);

    // The application form is rendered on demand: twice, the same bytes.
    let application = grant["application_id"].as_str().unwrap();
    let form_path = format!("/api/v1/applications/{application}/documents/application_form");
    let (status, first, _) = download(&app, &form_path, &one.member).await;
    assert_eq!(status, 200);
    let (_, second, _) = download(&app, &form_path, &one.member).await;
    assert_eq!(first, second, "the same state gives the same bytes");
    assert_says(
        &pdf_text(&first),
        &["交付申請書", "みどりの会", "200,000円", MAYOR],
    );

    // A stranger reads neither the list nor a document; an unknown kind is a 404 problem.
    let stranger = app.applicant("stranger@example.jp").await;
    app.call(Method::GET, &documents, &stranger, None, 404)
        .await;
    let (status, _, _) = download(&app, href, &stranger).await;
    assert_eq!(status, 404);
    let unknown = app
        .call(
            Method::GET,
            &format!("{documents}/nonsense"),
            &one.member,
            None,
            404,
        )
        .await;
    assert_eq!(unknown["code"], "document.unknown");

    // A cancellation issues its notice under the decision's number, branched.
    app.call(
        Method::POST,
        &format!("{grant_path}/cancellation"),
        &one.cast.staff,
        Some(&json!({"reason": "事業が実施されなかったため", "refund_amount": 0})),
        200,
    )
    .await;
    let cancelled = issued(&app, &documents, &one.member, "cancellation_notice").await;
    assert_eq!(
        cancelled["document_number"],
        format!("{number}の2").as_str()
    );
    let (_, bytes, _) = download(&app, cancelled["href"].as_str().unwrap(), &one.member).await;
    assert_says(
        &pdf_text(&bytes),
        &[
            "交付決定取消通知書",
            "事業が実施されなかったため",
            &number,
            "審査請求",
        ],
    );
}

#[tokio::test]
async fn notices_from_the_log_sqlite() {
    exercise(Backend::Sqlite).await;
}

#[tokio::test]
async fn notices_from_the_log_postgres() {
    exercise(Backend::Postgres).await;
}

fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap()
}

/// Every kind of notice, as the domain would build it.
fn every_notice() -> Vec<(Notice, Vec<&'static str>)> {
    let year = FiscalYear::new(2026).unwrap();
    let group = "みどりの会".to_owned();
    let title = "子ども食堂の運営".to_owned();
    vec![
        (
            Notice::Award(AwardNotice {
                number: "令和8年度市協第1号".into(),
                dated: date!(2026 - 06 - 01),
                group_name: group.clone(),
                fiscal_year: year,
                course: "ステップアップ".into(),
                title: title.clone(),
                amount: yen(286_000),
                completion_deadline: date!(2027 - 02 - 28),
                conditions: String::new(),
                withdrawal_until: date!(2026 - 06 - 11),
            }),
            vec![
                "交付決定通知書",
                "286,000円",
                "令和8年度市協第1号",
                "令和8年6月1日",
                "令和9年2月28日",
            ],
        ),
        (
            Notice::NonAward(NonAwardNotice {
                number: "令和8年度市協第0A12-9B7E-4D51号".into(),
                dated: date!(2026 - 06 - 01),
                group_name: group.clone(),
                fiscal_year: year,
                title: title.clone(),
                receipt_number: "0A12-9B7E-4D51".into(),
                reason: None,
            }),
            vec![
                "不交付決定通知書",
                "令和8年度市協第0A12-9B7E-4D51号",
                "令和8年6月1日",
                "審査請求",
            ],
        ),
        (
            Notice::RunnerUpOffer(RunnerUpOfferNotice {
                number: "令和8年度市協第0A12-9B7E-4D51号".into(),
                dated: date!(2026 - 05 - 20),
                group_name: group.clone(),
                fiscal_year: year,
                title: title.clone(),
                receipt_number: "0A12-9B7E-4D51".into(),
                remainder: yen(123_000),
                answer_by: Some(date!(2026 - 05 - 27)),
            }),
            vec!["打診", "123,000円", "令和8年5月27日"],
        ),
        (
            Notice::Finalisation(FinalisationNotice {
                number: "令和8年度市協第1号の2".into(),
                dated: date!(2027 - 03 - 31),
                group_name: group.clone(),
                fiscal_year: year,
                title: title.clone(),
                decision_number: "令和8年度市協第1号".into(),
                decided_on: date!(2026 - 06 - 01),
                decided_amount: yen(286_000),
                finalised: yen(250_000),
                payable: yen(0),
                refund_due: yen(36_000),
            }),
            vec![
                "額の確定通知書",
                "250,000円",
                "36,000円",
                "令和8年度市協第1号の2",
                "令和9年3月31日",
            ],
        ),
        (
            Notice::RefundOrder(RefundOrderNotice {
                number: "令和8年度市協第1号の3".into(),
                dated: date!(2027 - 03 - 31),
                group_name: group.clone(),
                fiscal_year: year,
                title: title.clone(),
                decision_number: "令和8年度市協第1号".into(),
                decided_on: date!(2026 - 06 - 01),
                ground: grants_domain::document::RefundGround::Finalisation,
                amount: yen(36_000),
                due_on: Some(date!(2027 - 04 - 30)),
            }),
            vec!["返還命令書", "36,000円", "納期限", "令和9年4月30日"],
        ),
        (
            Notice::Cancellation(CancellationNotice {
                number: "令和8年度市協第1号の2".into(),
                dated: date!(2026 - 09 - 01),
                group_name: group,
                fiscal_year: year,
                title,
                decision_number: "令和8年度市協第1号".into(),
                decided_on: date!(2026 - 06 - 01),
                decided_amount: yen(286_000),
                reason: "事業が実施されなかったため".into(),
                refund_amount: yen(100_000),
            }),
            vec![
                "交付決定取消通知書",
                "100,000円",
                "事業が実施されなかったため",
            ],
        ),
    ]
}

#[test]
fn every_notice_renders_with_its_figures_and_the_same_bytes_twice() {
    let documents = Documents::default();
    let issuer = Issuer {
        mayor_title: MAYOR.into(),
    };
    for (notice, expected) in every_notice() {
        let letter: Letter = notice.letter(&issuer);
        let first = documents.render_now(&letter).unwrap();
        let second = documents.render_now(&letter).unwrap();
        assert_eq!(
            first,
            second,
            "{:?} renders the same bytes twice",
            notice.kind()
        );
        assert!(first.starts_with(b"%PDF-"));
        // docs/images/kofu-kettei-tsuchisho.png is made from the 交付決定通知書 written here:
        // GRANTS_SAMPLE_PDF_DIR=/tmp/pdf cargo test -p grants-tests --test documents every_notice
        // then pdftoppm -png -r 50 -singlefile /tmp/pdf/award_notice.pdf docs/images/kofu-kettei-tsuchisho
        if let Some(dir) = std::env::var_os("GRANTS_SAMPLE_PDF_DIR") {
            let path = std::path::Path::new(&dir).join(format!("{}.pdf", notice.kind().as_str()));
            std::fs::write(path, &first).unwrap();
        }
        let text = pdf_text(&first);
        assert_says(&text, &expected);
        assert_says(&text, &["みどりの会", MAYOR, "子ども食堂の運営"]);
    }
}
