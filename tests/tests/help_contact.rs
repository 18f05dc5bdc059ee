//! The city's contact (お問い合わせ先) at the foot of every page, from the settings (issue 15
//! finding 10): the division and hours by default, the phone and e-mail once configured.

use grants_app::config::ContactConfig;
use grants_tests::browser::Browser;
use grants_tests::{spawn_app, spawn_app_with, Backend};

async fn contact_shown(backend: Backend) {
    let plain = spawn_app(backend).await;
    let page = Browser::new(&plain).get("/").await;
    assert!(page.html.contains("お問い合わせ先"), "{}", page.html);
    assert!(page.html.contains("市民協働推進課"));
    assert!(page.html.contains("受付時間"));
    assert!(!page.html.contains("tel:"), "no phone unless configured");

    let configured = spawn_app_with(backend, |config| {
        config.contact = ContactConfig {
            phone: "0564-23-6000".into(),
            email: "kyodo@city.example.jp".into(),
            ..ContactConfig::default()
        }
    })
    .await;
    let browser = Browser::new(&configured);
    for path in ["/", "/login", "/register", "/awards"] {
        let page = browser.get(path).await;
        assert!(page.html.contains("href=\"tel:0564236000\""), "{path}");
        assert!(page.html.contains("0564-23-6000"), "{path}");
        assert!(page.html.contains("mailto:kyodo@city.example.jp"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_is_at_the_foot_of_every_page_on_sqlite() {
    contact_shown(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_is_at_the_foot_of_every_page_on_postgres() {
    contact_shown(Backend::Postgres).await;
}
