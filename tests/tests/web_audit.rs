//! The auditor's pages over real HTTP, on both backends: the log filtered by stream type and by a
//! JST time range, one application's history as a timeline in Japanese (without the group's
//! contact details), the state as of an instant before the award and now, the verification of the
//! hash chain; an applicant is refused by the API's policy.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use time::OffsetDateTime;

/// A JST `datetime-local` value with seconds, as a browser sends it.
fn jst_local(instant: OffsetDateTime) -> String {
    let local = instant.to_offset(grants_domain::JST);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    )
}

on_both_backends!(
    the_auditor_filters_the_log_reads_a_timeline_a_past_state_and_the_verification,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, SHORT_WINDOW))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let (application, _) = app
            .eligible_application(
                &cast,
                &member,
                &round,
                &group,
                &form(412_345, 30_000, 286_000),
            )
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        app.close_and_rank(&cast, &round).await;
        // An instant between the screening and the award, whole seconds apart from both.
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let before_award = jst_local(OffsetDateTime::now_utc());
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let grant = app.award(&cast, &round, &application, 286_000).await;

        app.account_with_role("auditor", "auditor@example.jp").await;
        let auditor = Browser::new(&app);
        auditor.sign_in("auditor@example.jp").await;

        // The log with the verification of the chain.
        let log = auditor.get("/audit").await;
        assert_eq!(log.status, 200, "{}", log.html);
        assert!(log.html.contains("id=\"verification\""));
        assert!(log.html.contains("href=\"/account/totp\""));
        assert!(log.html.contains("改ざんは検出されませんでした"));
        assert!(log.html.contains("公募の開始"));
        assert!(log.html.contains("交付決定"));

        // By stream type: only grant events.
        let grants = auditor.get("/audit?aggregate_type=grant").await;
        assert_eq!(grants.status, 200);
        assert!(grants.html.contains("交付決定"));
        assert!(grants
            .html
            .contains(&format!("/audit/streams/grant/{grant}")));
        // Objects are named by the end of their id (the start is the time it was made), the
        // full id in the link's title.
        assert!(grants.html.contains(&format!("title=\"{grant}\"")));
        assert!(grants
            .html
            .contains(&format!("<code>…{}</code>", &grant[grant.len() - 8..])));
        assert!(!grants.html.contains("公募の開始"), "no round events");

        // By time range: the application's events after the instant are the award alone.
        let since = auditor
            .get(&format!(
                "/audit?aggregate_type=application&from={before_award}"
            ))
            .await;
        assert_eq!(since.status, 200, "{}", since.html);
        assert!(since.html.contains("交付決定"), "{}", since.html);
        assert!(!since.html.contains("申請書の提出"));
        // The range goes to the API: nothing of the grant's before the award; a reversed range is
        // the API's refusal, shown beside the field it names.
        let until = auditor
            .get(&format!("/audit?aggregate_type=grant&until={before_award}"))
            .await;
        assert_eq!(until.status, 200, "{}", until.html);
        assert!(until.html.contains("<tbody></tbody>"), "{}", until.html);
        assert!(until.html.contains("条件に合うもの 0件"), "{}", until.html);
        let reversed = auditor
            .get(&format!(
                "/audit?from={before_award}&until=2020-01-01T00:00"
            ))
            .await;
        assert_eq!(reversed.status, 422, "{}", reversed.html);
        assert!(
            reversed.html.contains("id=\"e-until\""),
            "{}",
            reversed.html
        );
        let bad = auditor.get("/audit?from=きのう").await;
        assert_eq!(bad.status, 422);
        assert!(bad.html.contains("id=\"e-from\""));
        assert_eq!(bad.input("from").as_deref(), Some("きのう"));
        // Every field's rule at once, each beside its field, and what was typed kept.
        let both = auditor
            .get("/audit?aggregate_type=invoice&from=きのう&until=あした")
            .await;
        assert_eq!(both.status, 422);
        for field in ["aggregate_type", "from", "until"] {
            assert!(both.html.contains(&format!("id=\"e-{field}\"")), "{field}");
        }
        assert_eq!(both.input("until").as_deref(), Some("あした"));

        // By stream id: the application's timeline, in Japanese, in JST, with the roles.
        let timeline = auditor
            .get(&format!(
                "/audit?aggregate_type=application&aggregate_id={application}"
            ))
            .await;
        assert_eq!(timeline.status, 200);
        assert!(
            timeline
                .url
                .ends_with(&format!("/audit/streams/application/{application}")),
            "{}",
            timeline.url
        );
        for expected in [
            "申請書の作成（下書き）",
            "申請書の提出",
            "申請額 ¥286,000",
            "形式審査：適格",
            "交付決定",
            "申請者",
            "職員",
            "id=\"timeline\"",
        ] {
            assert!(timeline.html.contains(expected), "{expected}");
        }
        assert!(timeline
            .html
            .contains(&format!("/audit/streams/grant/{grant}")));
        let year = OffsetDateTime::now_utc()
            .to_offset(grants_domain::JST)
            .year();
        assert!(timeline.html.contains(&format!("{year}年")));

        // The group's history names the group but not its representative or contact details.
        let group_timeline = auditor.get(&format!("/audit/streams/group/{group}")).await;
        assert_eq!(group_timeline.status, 200);
        assert!(group_timeline.html.contains("みどりの会"));
        for personal in ["代表 太郎", "0564-00-0000", "group@example.jp", "市内本町"] {
            assert!(!group_timeline.html.contains(personal), "{personal}");
        }

        // The state as of the instant before the award, and now.
        let then = auditor
            .get(&format!(
                "/audit/as-of?application_id={application}&at={before_award}"
            ))
            .await;
        assert_eq!(then.status, 200, "{}", then.html);
        assert!(then.html.contains("この時点では交付決定されていません"));
        let now = auditor
            .get(&format!("/audit/as-of?application_id={application}&at="))
            .await;
        assert_eq!(now.status, 200);
        assert!(now.html.contains("¥286,000"));
        assert!(now.html.contains(&format!("/audit/streams/grant/{grant}")));
        let unreadable = auditor
            .get(&format!(
                "/audit/as-of?application_id={application}&at=昨日"
            ))
            .await;
        assert_eq!(unreadable.status, 422);
        assert!(unreadable.html.contains("id=\"e-at\""));
        assert!(unreadable.html.contains("RFC 3339"));
        let unknown = auditor
            .get(&format!("/audit/as-of?application_id={grant}"))
            .await;
        assert_eq!(unknown.status, 422);
        assert!(unknown.html.contains("id=\"e-application_id\""));

        // An applicant is refused by the audit API.
        let applicant = Browser::new(&app);
        applicant.sign_in("member@example.jp").await;
        let refused = applicant.get("/audit").await;
        assert_eq!(refused.status, 403);
        let refused = applicant
            .get(&format!("/audit/streams/application/{application}"))
            .await;
        assert_eq!(refused.status, 403);
    }
);
