//! Building blocks for end-to-end scenarios, in the words of the API: open a round, register a group,
//! draft and submit, score, rank, decide. Each step asserts the status it expects, so a scenario reads
//! like domain.md's process and fails at the step that broke.

use reqwest::Method;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::{TestApp, TEST_PASSWORD};

/// An instant relative to now, as the API takes it.
pub fn instant(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap()
}

/// Today on the Japanese calendar, as "YYYY-MM-DD".
pub fn today_jst() -> String {
    grants_domain::fiscal_year::jst_date(OffsetDateTime::now_utc()).to_string()
}

/// The fiscal year we are in, on the Japanese calendar.
pub fn this_fiscal_year() -> i32 {
    grants_domain::FiscalYear::of_instant(OffsetDateTime::now_utc()).year()
}

/// The last day of this fiscal year: a completion deadline every decision today accepts.
pub fn fiscal_year_end() -> String {
    format!("{}-03-31", this_fiscal_year() + 1)
}

/// Five criteria of 0 to 10 points: 公益性・市民性・発展性・実現性・自立性.
pub fn five_criteria() -> Value {
    let keys = [
        ("public_benefit", "公益性"),
        ("civic", "市民性"),
        ("growth", "発展性"),
        ("feasibility", "実現性"),
        ("independence", "自立性"),
    ];
    Value::Array(
        keys.iter()
            .map(|(key, label)| json!({"key": key, "label": label, "min": 0, "max": 10}))
            .collect(),
    )
}

/// A window that closes soon after a test has set up a few applications in it, even on a loaded
/// machine ([`TestApp::close_and_rank`] waits for exactly its end, not a fixed time).
pub const SHORT_WINDOW: Duration = Duration::seconds(6);

/// The step-up course of domain.md's demo configuration, open from an hour ago until `closes_in`.
pub fn step_up_round(budget: i64, closes_in: Duration) -> Value {
    json!({
        "fiscal_year": this_fiscal_year(),
        "course": "ステップアップ",
        "title": "市民公益活動事業費補助金（ステップアップ）",
        "description": "市民が主体となって行う公益的な活動を支援します。",
        "budget": budget,
        "cap": 500_000,
        "floor": 0,
        "rate_schedule": ["1/1", "3/4", "1/2"],
        "rounding_unit": 1_000,
        "max_grants_per_group": 3,
        "opens_at": instant(Duration::hours(-1)),
        "closes_at": instant(closes_in),
        "criteria": five_criteria(),
        "pass_ratio": "7/10",
        "advance_cap_ratio": "4/5",
        "change_threshold_ratio": "1/5",
        "settlement_days": 30,
    })
}

/// A registrable group with the given name.
pub fn group(name: &str) -> Value {
    json!({
        "name": name, "registration_number": "市民活動-0042", "representative_name": "代表 太郎",
        "address": "市内本町1-2-3", "phone": "0564-00-0000", "email": "group@example.jp",
        "founded_on": "2019-05-01", "member_count": 12, "resident_member_count": 8,
        "purpose": "公園の緑化と子どもの自然体験",
    })
}

/// An application form: one eligible expense line, one project income line.
pub fn form(eligible_expenses: i64, project_income: i64, requested: i64) -> Value {
    json!({
        "title": "こども自然教室",
        "summary": "市内の公園で月1回の自然観察会を開く。",
        "purpose": "子どもが身近な自然に親しむ機会をつくる。",
        "beneficiaries": "市内の小学生とその保護者",
        "period": {"start": today_jst(), "end": fiscal_year_end()},
        "budget": {
            "income": [{"kind": "project_income", "description": "参加費", "amount": project_income}],
            "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": eligible_expenses}],
        },
        "requested_amount": requested,
    })
}

/// A sheet over the five criteria adding up to `total` (0 to 50), spread as evenly as it goes.
pub fn scores_totalling(total: u32) -> Value {
    let keys = [
        "public_benefit",
        "civic",
        "growth",
        "feasibility",
        "independence",
    ];
    let scores: serde_json::Map<String, Value> = (0u32..)
        .zip(keys)
        .map(|(n, key)| {
            let extra = u32::from(n >= 5 - total % 5);
            (key.to_owned(), json!(total / 5 + extra))
        })
        .collect();
    json!({"scores": scores, "comment": "計画が具体的"})
}

/// The people of a scenario, signed in.
pub struct Cast {
    pub staff: String,
    pub reviewers: Vec<(String, String)>,
}

impl TestApp {
    /// Signs in a staff member and opens `reviewers` reviewer accounts (id, token).
    pub async fn cast(&self, reviewers: usize) -> Cast {
        let staff = self
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        let mut opened = Vec::new();
        for n in 0..reviewers {
            let email = format!("reviewer{n}@example.jp");
            let body = json!({"email": email, "password": TEST_PASSWORD, "display_name": format!("委員{n}"), "role": "reviewer"});
            let user = self
                .call(Method::POST, "/api/v1/users", &staff, Some(&body), 201)
                .await;
            let token = self.sign_in(&email, TEST_PASSWORD).await;
            opened.push((user["id"].as_str().unwrap().to_owned(), token));
        }
        Cast {
            staff,
            reviewers: opened,
        }
    }

    /// Staff open a coordinator's account (中間支援) with `email`; its id.
    pub async fn coordinator_account(&self, staff: &str, email: &str, name: &str) -> String {
        let body = json!({"email": email, "password": TEST_PASSWORD, "display_name": name,
            "role": "coordinator"});
        let opened = self
            .call(Method::POST, "/api/v1/users", staff, Some(&body), 201)
            .await;
        opened["id"].as_str().unwrap().to_owned()
    }

    /// The user id of the account signed in with `token`.
    pub async fn user_id(&self, token: &str) -> grants_domain::UserId {
        let current = self
            .call(Method::GET, "/api/v1/sessions/current", token, None, 200)
            .await;
        current["user"]["id"].as_str().unwrap().parse().unwrap()
    }

    /// A call that must answer `expected`; returns the body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        expected: u16,
    ) -> Value {
        let answer = self.send(method.clone(), path, Some(token), body).await;
        assert_eq!(
            answer.status, expected,
            "{method} {path}: {:?}",
            answer.body
        );
        answer.body
    }

    /// Opens a round and appoints every reviewer of the cast; returns the round id.
    ///
    /// The settings' window is written against the system clock ([`instant`]); when the test has
    /// moved the service's clock on ([`TestApp::until_closed`]), the window moves on with it.
    pub async fn open_round(&self, cast: &Cast, settings: &Value) -> String {
        let settings = self.on_service_clock(settings);
        let round = self
            .call(
                Method::POST,
                "/api/v1/rounds",
                &cast.staff,
                Some(&settings),
                201,
            )
            .await;
        let id = round["id"].as_str().unwrap().to_owned();
        for (reviewer, _) in &cast.reviewers {
            let body = json!({"reviewer_id": reviewer});
            self.call(
                Method::POST,
                &format!("/api/v1/rounds/{id}/committee"),
                &cast.staff,
                Some(&body),
                200,
            )
            .await;
        }
        id
    }

    /// `settings` with `opens_at` and `closes_at` moved by as much as the service's clock is ahead
    /// of the system's.
    pub fn on_service_clock(&self, settings: &Value) -> Value {
        let lead = self.clock.now() - OffsetDateTime::now_utc();
        let mut settings = settings.clone();
        if lead < Duration::seconds(1) {
            return settings;
        }
        for field in ["opens_at", "closes_at"] {
            if let Some(at) = settings[field]
                .as_str()
                .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())
            {
                settings[field] = json!((at + lead).format(&Rfc3339).unwrap());
            }
        }
        settings
    }

    /// Registers a group as `member`; returns its id.
    pub async fn register_group(&self, member: &str, name: &str) -> String {
        let created = self
            .call(
                Method::POST,
                "/api/v1/groups",
                member,
                Some(&group(name)),
                201,
            )
            .await;
        created["id"].as_str().unwrap().to_owned()
    }

    /// Starts `group`'s draft of `form` in `round`; returns its id.
    pub async fn draft(&self, member: &str, round: &str, group: &str, form: &Value) -> String {
        let started = self.start_draft(member, round, group, form).await;
        started["id"].as_str().unwrap().to_owned()
    }

    /// [`TestApp::draft`], answering the whole read of the started draft.
    pub async fn start_draft(&self, member: &str, round: &str, group: &str, form: &Value) -> Value {
        let mut draft = form.clone();
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);
        self.call(
            Method::POST,
            "/api/v1/applications",
            member,
            Some(&draft),
            201,
        )
        .await
    }

    /// Drafts, submits and has staff screen an application eligible; returns its id and max amount.
    pub async fn eligible_application(
        &self,
        cast: &Cast,
        member: &str,
        round: &str,
        group: &str,
        form: &Value,
    ) -> (String, i64) {
        let started = self.start_draft(member, round, group, form).await;
        let id = started["id"].as_str().unwrap().to_owned();
        self.call(
            Method::POST,
            &format!("/api/v1/applications/{id}/submit"),
            member,
            None,
            200,
        )
        .await;
        let screening = json!({"outcome": "eligible"});
        self.call(
            Method::POST,
            &format!("/api/v1/applications/{id}/screening"),
            &cast.staff,
            Some(&screening),
            200,
        )
        .await;
        (id, started["max_amount"].as_i64().unwrap())
    }

    /// Every reviewer declares no conflict (or a conflict, for those in `conflicted`), gives the
    /// sheet total in `totals` and seals.
    pub async fn score(
        &self,
        cast: &Cast,
        application: &str,
        totals: &[u32],
        conflicted: &[usize],
    ) {
        let path = format!("/api/v1/applications/{application}");
        for (n, (_, reviewer)) in cast.reviewers.iter().enumerate() {
            let conflict = conflicted.contains(&n);
            let declaration = json!({"conflict": conflict, "note": ""});
            self.call(
                Method::POST,
                &format!("{path}/conflict-declaration"),
                reviewer,
                Some(&declaration),
                200,
            )
            .await;
            if !conflict {
                self.call(
                    Method::PUT,
                    &format!("{path}/my-review"),
                    reviewer,
                    Some(&scores_totalling(totals[n])),
                    200,
                )
                .await;
                self.call(
                    Method::POST,
                    &format!("{path}/my-review/submit"),
                    reviewer,
                    None,
                    200,
                )
                .await;
            }
        }
    }

    /// Moves the service's clock past the round's window (its `closes_at`, read by `staff`), or,
    /// for a service in another process whose clock cannot be moved, waits for it to close.
    pub async fn until_closed(&self, staff: &str, round: &str) {
        let read = self
            .call(
                Method::GET,
                &format!("/api/v1/rounds/{round}"),
                staff,
                None,
                200,
            )
            .await;
        let closes_at =
            OffsetDateTime::parse(read["closes_at"].as_str().unwrap(), &Rfc3339).unwrap();
        let left = closes_at - self.clock.now() + Duration::milliseconds(50);
        if !left.is_positive() {
            return;
        }
        if self.clock.is_settable() {
            self.clock.advance(left);
        } else {
            tokio::time::sleep(left.unsigned_abs()).await;
        }
    }

    /// Waits for the round's window to close (its `closes_at`, not a fixed time: setting a round up
    /// takes longer on a loaded machine), closes scoring and fixes the ranking; returns the ranking.
    pub async fn close_and_rank(&self, cast: &Cast, round: &str) -> Value {
        self.until_closed(&cast.staff, round).await;
        self.call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/scoring/close"),
            &cast.staff,
            None,
            200,
        )
        .await;
        self.call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/ranking"),
            &cast.staff,
            None,
            200,
        )
        .await
    }

    /// Staff award `amount` to an application; returns the grant id.
    pub async fn award(&self, cast: &Cast, round: &str, application: &str, amount: i64) -> String {
        let body = json!({"awards": [{"application_id": application, "amount": amount, "conditions": "成果報告会を開くこと", "completion_deadline": fiscal_year_end()}]});
        let decided = self
            .call(
                Method::POST,
                &format!("/api/v1/rounds/{round}/decisions"),
                &cast.staff,
                Some(&body),
                200,
            )
            .await;
        decided["grants"][0]["grant_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A step-up round of ¥1,000,000 whose one application (¥200,000, group みどりの会) is awarded
    /// in full: the shortest way to a decided grant.
    pub async fn one_awarded_grant(&self) -> OneGrant {
        let cast = self.cast(1).await;
        let round = self
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let member = self.applicant("member@example.jp").await;
        let group = self.register_group(&member, "みどりの会").await;
        let (application, _) = self
            .eligible_application(&cast, &member, &round, &group, &form(200_000, 0, 200_000))
            .await;
        self.score(&cast, &application, &[45], &[]).await;
        self.close_and_rank(&cast, &round).await;
        let grant = self.award(&cast, &round, &application, 200_000).await;
        OneGrant {
            cast,
            round,
            member,
            grant,
        }
    }
}

/// What [`TestApp::one_awarded_grant`] made.
pub struct OneGrant {
    pub cast: Cast,
    pub round: String,
    /// The group member's token.
    pub member: String,
    pub grant: String,
}
