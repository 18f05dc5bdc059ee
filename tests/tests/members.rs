//! A group with several member accounts (issue 18, item 4), end to end against the SMTP sink that
//! `scripts/test` starts, on both backends: a member invites an address, the invitation arrives
//! once, its link adds the invited address's account once (another account, a used link, an
//! expired one on the service's clock and an unknown one are refused with their rule); the
//! representative removes a member, whose access to the group's application ends at once (404),
//! and hands the role over; the pages list, invite, hand over and remove, and the link lands on a
//! page that accepts.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::smtp::{app_mailing_to_the_sink, fresh_address, mails_to, wait_for_mails};
use grants_tests::{Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// Every invitation link mailed to `address`: (group id, token).
fn links_to(address: &str) -> Vec<(String, String)> {
    mails_to(address)
        .iter()
        .filter_map(|mail| mail["body"].as_str())
        .filter_map(|body| {
            let start = body.find("/groups/")? + "/groups/".len();
            let rest = &body[start..];
            let (group, rest) = rest.split_once("/join?token=")?;
            Some((group.to_owned(), rest[..64].to_owned()))
        })
        .collect()
}

/// Invites `address` to `group` as `token`'s caller and returns the token of the one new mail.
async fn invite(app: &TestApp, token: &str, group: &str, address: &str) -> String {
    let before = links_to(address);
    let sent = app
        .call(
            Method::POST,
            &format!("/api/v1/groups/{group}/members/invitations"),
            token,
            Some(&json!({"email": address})),
            202,
        )
        .await;
    assert_eq!(sent["email"], address);
    wait_for_mails(address, before.len() + 1).await;
    links_to(address)
        .into_iter()
        .find(|link| !before.contains(link))
        .map(|(linked, token)| {
            assert_eq!(linked, group);
            token
        })
        .expect("a new invitation link")
}

async fn accept(app: &TestApp, token: &str, group: &str, link: &str) -> grants_tests::Answer {
    app.send(
        Method::POST,
        &format!("/api/v1/groups/{group}/members/invitations/accept"),
        Some(token),
        Some(&json!({"token": link})),
    )
    .await
}

async fn members(app: &TestApp, token: &str, group: &str) -> Value {
    app.call(
        Method::GET,
        &format!("/api/v1/groups/{group}/members"),
        token,
        None,
        200,
    )
    .await
}

async fn status_of(app: &TestApp, token: &str, path: &str) -> u16 {
    app.send(Method::GET, path, Some(token), None).await.status
}

async fn a_group_invites_removes_and_hands_over(backend: Backend) {
    let app = app_mailing_to_the_sink(backend).await;
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, time::Duration::days(10)))
        .await;
    let (alice, bob, carol, dave) = (
        fresh_address("alice"),
        fresh_address("bob"),
        fresh_address("carol"),
        fresh_address("dave"),
    );
    let alice_token = app.applicant(&alice).await;
    let group = app.register_group(&alice_token, "川辺を守る会").await;
    let application = app
        .draft(&alice_token, &round, &group, &form(100_000, 0, 100_000))
        .await;
    let application_path = format!("/api/v1/applications/{application}");

    // The registering member is the representative.
    let listed = members(&app, &alice_token, &group).await;
    assert_eq!(listed["members"].as_array().unwrap().len(), 1);
    assert_eq!(listed["members"][0]["representative"], true);

    // Alice invites Bob: one mail with the link, and the invitation is listed as open.
    let link = invite(&app, &alice_token, &group, &bob).await;
    let mail = &mails_to(&bob)[0];
    assert!(
        mail["subject"].as_str().unwrap().contains("川辺を守る会"),
        "{mail}"
    );
    assert!(
        mail["body"].as_str().unwrap().contains(&format!(
            "https://grants.example.jp/groups/{group}/join?token="
        )),
        "{mail}"
    );
    assert_eq!(
        members(&app, &alice_token, &group).await["invitations"][0]["email"],
        bob
    );

    // Bob, with an account of his own, sees nothing of the group before he accepts.
    let bob_token = app.applicant(&bob).await;
    assert_eq!(status_of(&app, &bob_token, &application_path).await, 404);
    // Carol cannot use Bob's link; an unknown link is refused.
    let carol_token = app.applicant(&carol).await;
    let other = accept(&app, &carol_token, &group, &link).await;
    assert_eq!(other.status, 422, "{:?}", other.body);
    assert_eq!(other.body["code"], "group.invitation_other_address");
    let unknown = accept(&app, &bob_token, &group, &"0".repeat(64)).await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.body["code"], "group.invitation_unknown");

    // Bob accepts: a member, who reads the application; the link works once.
    let accepted = accept(&app, &bob_token, &group, &link).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    assert_eq!(status_of(&app, &bob_token, &application_path).await, 200);
    let again = accept(&app, &bob_token, &group, &link).await;
    assert_eq!(again.status, 410, "{:?}", again.body);
    assert_eq!(again.body["code"], "group.invitation_used");
    assert_eq!(mails_to(&bob).len(), 1, "one invitation, one mail");
    let listed = members(&app, &bob_token, &group).await;
    assert_eq!(listed["members"].as_array().unwrap().len(), 2);
    assert!(listed["invitations"].as_array().unwrap().is_empty());
    let alice_id = listed["representative"].as_str().unwrap().to_owned();
    let bob_id = listed["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["representative"] == false)
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Bob is not the representative: he removes nobody.
    let refused = app
        .send(
            Method::DELETE,
            &format!("/api/v1/groups/{group}/members/{alice_id}"),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "group.not_representative");
    assert!(refused.body["detail_ja"]
        .as_str()
        .unwrap()
        .contains("代表者だけ"));

    // An expired link: Dave's, accepted 7 days and a minute later on the service's clock.
    let daves = invite(&app, &alice_token, &group, &dave).await;
    let dave_token = app.applicant(&dave).await;
    app.clock
        .advance(time::Duration::days(7) + time::Duration::minutes(1));
    let expired = accept(&app, &dave_token, &group, &daves).await;
    app.clock
        .advance(-(time::Duration::days(7) + time::Duration::minutes(1)));
    assert_eq!(expired.status, 410, "{:?}", expired.body);
    assert_eq!(expired.body["code"], "group.invitation_expired");
    assert_eq!(status_of(&app, &dave_token, &application_path).await, 404);
    // Erasing Dave's account deletes the invitation addressed to him.
    let invitations_to = |address: String| {
        let url = app.database_url.clone();
        async move {
            let db = grants_app::db::Database::connect(&url).await.unwrap();
            grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM group_invitations WHERE email = $1",
            )
            .bind(&address)
            .fetch_one(pool)
            .await
            .unwrap())
        }
    };
    assert_eq!(invitations_to(dave.clone()).await, 1);
    let dave_id = app
        .call(
            Method::GET,
            "/api/v1/sessions/current",
            &dave_token,
            None,
            200,
        )
        .await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(
        Method::POST,
        &format!("/api/v1/users/{dave_id}/personal-data/erasure"),
        &cast.staff,
        None,
        200,
    )
    .await;
    assert_eq!(invitations_to(dave.clone()).await, 0);

    // Alice removes Bob: his access ends at once, and the group leaves his list.
    app.call(
        Method::DELETE,
        &format!("/api/v1/groups/{group}/members/{bob_id}"),
        &alice_token,
        None,
        200,
    )
    .await;
    assert_eq!(status_of(&app, &bob_token, &application_path).await, 404);
    assert_eq!(
        status_of(&app, &bob_token, &format!("/api/v1/groups/{group}")).await,
        404
    );
    let bobs_groups = app
        .call(Method::GET, "/api/v1/groups", &bob_token, None, 200)
        .await;
    assert!(bobs_groups.as_array().unwrap().is_empty(), "{bobs_groups}");
    // The last member cannot be removed.
    let last = app
        .send(
            Method::DELETE,
            &format!("/api/v1/groups/{group}/members/{alice_id}"),
            Some(&alice_token),
            None,
        )
        .await;
    assert_eq!(last.status, 422, "{:?}", last.body);
    assert_eq!(last.body["code"], "group.last_member");

    // In a browser: Carol is invited from the members' page, lands on the link's page and
    // accepts; Alice hands her the role there, and Carol removes Alice.
    let alice_browser = Browser::new(&app);
    alice_browser.sign_in(&alice).await;
    let page = alice_browser.get(&format!("/groups/{group}/members")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("代表者"), "{}", page.html);
    let sent = alice_browser
        .post(
            &format!("/groups/{group}/members/invite"),
            &[
                ("_csrf", &page.csrf()),
                ("_form", &page.form_id()),
                ("email", &carol),
            ],
        )
        .await;
    assert!(sent.html.contains(&carol), "{}", sent.html);
    wait_for_mails(&carol, 1).await;
    let (_, carols) = links_to(&carol).pop().expect("Carol's link");
    let carol_browser = Browser::new(&app);
    carol_browser.sign_in(&carol).await;
    let landing = carol_browser
        .get(&format!("/groups/{group}/join?token={carols}"))
        .await;
    assert!(landing.html.contains("団体への招待"), "{}", landing.html);
    let joined = carol_browser
        .post(
            &format!("/groups/{group}/join"),
            &[
                ("_csrf", &landing.csrf()),
                ("_form", &landing.form_id()),
                ("token", &carols),
            ],
        )
        .await;
    assert!(
        joined.html.contains("メンバーになりました"),
        "{}",
        joined.html
    );
    assert_eq!(status_of(&app, &carol_token, &application_path).await, 200);
    let carol_id = members(&app, &alice_token, &group).await["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["representative"] == false)
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = alice_browser.get(&format!("/groups/{group}/members")).await;
    let handed = alice_browser
        .post(
            &format!("/groups/{group}/members/{carol_id}/representative"),
            &[("_csrf", &page.csrf()), ("_form", &page.form_id())],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.html);
    assert_eq!(
        members(&app, &alice_token, &group).await["representative"],
        carol_id.as_str()
    );
    let page = carol_browser.get(&format!("/groups/{group}/members")).await;
    let removed = carol_browser
        .post(
            &format!("/groups/{group}/members/{alice_id}/remove"),
            &[("_csrf", &page.csrf()), ("_form", &page.form_id())],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.html);
    assert_eq!(status_of(&app, &alice_token, &application_path).await, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_invites_removes_and_hands_over_sqlite() {
    a_group_invites_removes_and_hands_over(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_invites_removes_and_hands_over_postgres() {
    a_group_invites_removes_and_hands_over(Backend::Postgres).await;
}

async fn withdraw(app: &TestApp, token: &str, group: &str, address: &str) -> grants_tests::Answer {
    app.send(
        Method::POST,
        &format!("/api/v1/groups/{group}/members/invitations/withdraw"),
        Some(token),
        Some(&json!({"email": address})),
    )
    .await
}

/// An open invitation is withdrawn by the representative or staff (never another member, an
/// auditor or a stranger); its link then says so, and it leaves the list. On the members' page the
/// representative has a button per open invitation; another member has none.
async fn an_open_invitation_is_withdrawn(backend: Backend) {
    let app = app_mailing_to_the_sink(backend).await;
    let (alice, bob, erin, frank, gina) = (
        fresh_address("alice"),
        fresh_address("bob"),
        fresh_address("erin"),
        fresh_address("frank"),
        fresh_address("gina"),
    );
    let alice_token = app.applicant(&alice).await;
    let group = app.register_group(&alice_token, "川辺を守る会").await;
    let bob_token = app.applicant(&bob).await;
    let bobs = invite(&app, &alice_token, &group, &bob).await;
    assert_eq!(accept(&app, &bob_token, &group, &bobs).await.status, 200);
    let erins = invite(&app, &alice_token, &group, &erin).await;

    // Bob is a member but not the representative; an auditor changes nothing; a stranger is
    // told the group does not exist.
    let not_rep = withdraw(&app, &bob_token, &group, &erin).await;
    assert_eq!(not_rep.status, 422, "{:?}", not_rep.body);
    assert_eq!(not_rep.body["code"], "group.not_representative");
    let auditor = app
        .account_with_role("auditor", &fresh_address("auditor"))
        .await;
    assert_eq!(withdraw(&app, &auditor, &group, &erin).await.status, 403);
    let stranger = app.applicant(&fresh_address("stranger")).await;
    assert_eq!(withdraw(&app, &stranger, &group, &erin).await.status, 404);
    assert_eq!(
        members(&app, &alice_token, &group).await["invitations"][0]["email"],
        erin
    );

    // Alice withdraws it (the address as typed, in another case): it leaves the list, and the
    // link, even for the invited address's account, says it was withdrawn.
    let done = withdraw(&app, &alice_token, &group, &erin.to_uppercase()).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["withdrawn"], 1);
    assert_eq!(
        members(&app, &alice_token, &group).await["invitations"],
        json!([])
    );
    let erin_token = app.applicant(&erin).await;
    let gone = accept(&app, &erin_token, &group, &erins).await;
    assert_eq!(gone.status, 410, "{:?}", gone.body);
    assert_eq!(gone.body["code"], "group.invitation_withdrawn");
    let again = withdraw(&app, &alice_token, &group, &erin).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.body["code"], "group.no_open_invitation");

    // Staff withdraw one too.
    let franks = invite(&app, &alice_token, &group, &frank).await;
    let staff = app
        .account_with_role("staff", &fresh_address("staff"))
        .await;
    assert_eq!(withdraw(&app, &staff, &group, &frank).await.status, 200);
    let frank_token = app.applicant(&frank).await;
    assert_eq!(
        accept(&app, &frank_token, &group, &franks).await.status,
        410
    );

    // On the page: Bob sees the open invitation without a button; Alice withdraws it.
    invite(&app, &alice_token, &group, &gina).await;
    let bob_browser = Browser::new(&app);
    bob_browser.sign_in(&bob).await;
    let bobs_page = bob_browser.get(&format!("/groups/{group}/members")).await;
    assert!(bobs_page.html.contains(&gina), "{}", bobs_page.html);
    assert!(
        !bobs_page.html.contains("招待を取り消す"),
        "{}",
        bobs_page.html
    );
    let alice_browser = Browser::new(&app);
    alice_browser.sign_in(&alice).await;
    let page = alice_browser.get(&format!("/groups/{group}/members")).await;
    assert!(page.html.contains("招待を取り消す"), "{}", page.html);
    let withdrawn = withdraw_on_page(&alice_browser, &page, &group, &gina).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.html);
    assert!(
        withdrawn.html.contains("招待を取り消しました"),
        "{}",
        withdrawn.html
    );
    assert!(!withdrawn.html.contains(&gina), "{}", withdrawn.html);
    // Nothing left to withdraw: the rule, in Japanese, on the page.
    let page = alice_browser.get(&format!("/groups/{group}/members")).await;
    let refused = withdraw_on_page(&alice_browser, &page, &group, &gina).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(
        refused.html.contains("招待中のリンクはありません"),
        "{}",
        refused.html
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_invitation_is_withdrawn_sqlite() {
    an_open_invitation_is_withdrawn(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_invitation_is_withdrawn_postgres() {
    an_open_invitation_is_withdrawn(Backend::Postgres).await;
}

/// Posts the members' page's withdrawal of the invitation to `email`, with `page`'s form guard.
async fn withdraw_on_page(
    browser: &Browser<'_>,
    page: &grants_tests::browser::Page,
    group: &str,
    email: &str,
) -> grants_tests::browser::Page {
    browser
        .post(
            &format!("/groups/{group}/members/invitations/withdraw"),
            &[
                ("_csrf", &page.csrf()),
                ("_form", &page.form_id()),
                ("invited_email", email),
            ],
        )
        .await
}
