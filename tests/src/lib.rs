//! Helpers for end-to-end tests: start the real service on port 0 against a fresh database and talk
//! to it over real HTTP on loopback.
//!
//! SQLite: a new file in a temporary directory per test. PostgreSQL: a new database with a random name
//! in the cluster named by `GRANTS_TEST_DATABASE_URL`, which `scripts/test` starts and exports. A
//! PostgreSQL test without that variable fails rather than silently skipping.

pub mod browser;
pub mod child;
pub mod cluster;
pub mod consistency;
pub mod documents;
pub mod process;
pub mod routes;
pub mod scenario;
pub mod smtp;

use grants_app::config::{DatabaseConfig, ServeConfig};
use grants_app::startup::Application;
use serde_json::Value;

/// The password every test account uses.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// The two event store backends every behaviour is tested on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running service and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    /// The service's attachment settings (a fresh directory unless the test chose S3).
    pub attachments: grants_app::config::AttachmentsConfig,
    /// The service's clock, which a test may move (`Clock::set`, `Clock::advance`); it reads the
    /// system's until moved.
    pub clock: grants_app::clock::Clock,
    _sqlite_dir: Option<tempfile::TempDir>,
    _attachments_dir: tempfile::TempDir,
}

/// An answer: the status and the JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

/// A fresh, empty database: a SQLite file in a new temporary directory (kept alive by the returned
/// guard), or a new PostgreSQL database with a random name.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let path = dir.path().join("grants.sqlite3");
            (path.to_string_lossy().into_owned(), Some(dir))
        }
        Backend::Postgres => (fresh_postgres_database().await, None),
    }
}

/// The metadata of a command a test runs on the stores directly, by `actor` in `role`, now.
pub fn metadata(
    actor: grants_domain::UserId,
    role: grants_app::store::ActorRole,
) -> grants_app::store::CommandMetadata {
    grants_app::store::CommandMetadata {
        attempt: None,
        actor_id: actor,
        actor_role: role,
        on_behalf_of: None,
        request_id: "test".into(),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with settings changed by `configure` (trusted proxies, throttles).
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let (database_url, sqlite_dir) = fresh_database(backend).await;
    let attachments_dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = ServeConfig {
        database: DatabaseConfig {
            database_url: database_url.clone(),
        },
        listen: "127.0.0.1:0".into(),
        demo: false,
        city_name: grants_app::state::DEFAULT_CITY_NAME.into(),
        trusted_proxies: Vec::new(),
        sign_ups_per_hour: grants_app::auth::limiter::SIGN_UPS.free,
        surcharge: Default::default(),
        notice_prefix: grants_domain::round::DEFAULT_PREFIX.into(),
        contact: Default::default(),
        tree_heads: Default::default(),
        documents: Default::default(),
        mail: Default::default(),
        attachments: grants_app::config::AttachmentsConfig {
            attachments_dir: Some(attachments_dir.path().to_owned()),
            attachments_s3_region: "us-east-1".into(),
            ..Default::default()
        },
        clock: grants_app::clock::Clock::settable(),
        // Off unless a test turns it on: the scenarios' applicants do not open their mail.
        require_verified_email: false,
        // Off unless a test turns it on: the scenarios' staff do not carry an authenticator.
        require_staff_totp: false,
        totp: totp_config(&database_url),
    };
    configure(&mut config);
    let app = Application::build(&config)
        .await
        .expect("the service starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        database_url,
        attachments: config.attachments.clone(),
        clock: config.clock.clone(),
        _sqlite_dir: sqlite_dir,
        _attachments_dir: attachments_dir,
    }
}

/// A second instance of the service on `first`'s database (and its store of files), with its own
/// caches, listener and background processes, as a second server behind a load balancer would be.
pub async fn spawn_second_instance(first: &TestApp) -> TestApp {
    spawn_second_instance_with(first, |_| {}).await
}

/// [`spawn_second_instance`] with settings changed by `configure` (as the first's were).
pub async fn spawn_second_instance_with(
    first: &TestApp,
    configure: impl FnOnce(&mut ServeConfig),
) -> TestApp {
    let attachments_dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = ServeConfig {
        database: DatabaseConfig {
            database_url: first.database_url.clone(),
        },
        listen: "127.0.0.1:0".into(),
        demo: false,
        city_name: grants_app::state::DEFAULT_CITY_NAME.into(),
        trusted_proxies: Vec::new(),
        sign_ups_per_hour: grants_app::auth::limiter::SIGN_UPS.free,
        surcharge: Default::default(),
        notice_prefix: grants_domain::round::DEFAULT_PREFIX.into(),
        contact: Default::default(),
        tree_heads: Default::default(),
        documents: Default::default(),
        mail: Default::default(),
        attachments: first.attachments.clone(),
        clock: first.clock.clone(),
        require_verified_email: false,
        require_staff_totp: false,
        totp: totp_config(&first.database_url),
    };
    configure(&mut config);
    let app = Application::build(&config)
        .await
        .expect("the second instance starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        database_url: first.database_url.clone(),
        attachments: config.attachments.clone(),
        clock: config.clock.clone(),
        _sqlite_dir: None,
        _attachments_dir: attachments_dir,
    }
}

/// The TOTP key a test service on `database_url` seals second factors with: on SQLite none, so the
/// service makes its key file beside the database (the embedded default, shared by every
/// instance and restart on that file); on PostgreSQL, whose default key file would be `data/`
/// under the tests' directory, [`TEST_TOTP_KEY`].
pub fn totp_config(database_url: &str) -> grants_app::config::TotpConfig {
    grants_app::config::TotpConfig {
        key: database_url
            .starts_with("postgres")
            .then(|| grants_app::auth::totp::SecretKey::parse(TEST_TOTP_KEY).expect("a key")),
    }
}

/// The TOTP key of the tests' PostgreSQL services (64 hex digits).
pub const TEST_TOTP_KEY: &str = "7465737473206f6e6c793a206e6f742061206b657920666f722070726f647563";

/// Creates a database with a random name in the test cluster and returns its URL.
async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let base = std::env::var("GRANTS_TEST_DATABASE_URL").expect(
        "GRANTS_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    );
    let name = format!("grants_test_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&base)
        .await
        .expect("the test PostgreSQL cluster answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .expect("a fresh test database");
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("a database URL ends in /dbname");
    format!("{prefix}/{name}")
}

impl TestApp {
    /// A client of a service already running at `address` on `database_url` (a child process of
    /// [`child::Server`]), for the scenario helpers.
    pub fn at(address: &str, database_url: &str) -> TestApp {
        TestApp {
            address: address.to_owned(),
            client: reqwest::Client::new(),
            database_url: database_url.to_owned(),
            // The child keeps its files where its own settings say; this client reads none.
            attachments: grants_app::config::AttachmentsConfig::default(),
            clock: grants_app::clock::Clock::system(),
            _sqlite_dir: None,
            _attachments_dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Answer {
        answer(self.client.get(self.url(path)).send().await).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        answer(self.client.post(self.url(path)).json(body).send().await).await
    }

    /// A request with a bearer token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        answer(request.send().await).await
    }

    /// Opens an account the way `grants user add` does (staff, reviewers and auditors cannot
    /// register themselves), then signs in over HTTP and returns the bearer token.
    pub async fn account_with_role(&self, role: &str, email: &str) -> String {
        use grants_app::accounts::{open_account, NewAccount};
        let db = grants_app::db::Database::connect(&self.database_url)
            .await
            .expect("the test database");
        let state = grants_app::http::AppState::new(db);
        let metadata = metadata(
            grants_domain::UserId::new(),
            grants_app::store::ActorRole::System,
        );
        let account = NewAccount {
            email: email.into(),
            password: TEST_PASSWORD.into(),
            display_name: format!("{role} {email}"),
            role: role.parse().expect("a role"),
            self_registered: false,
        };
        open_account(&state, grants_domain::UserId::new(), account, &metadata)
            .await
            .expect("the account opens");
        self.sign_in(email, TEST_PASSWORD).await
    }

    /// Registers an applicant over HTTP and signs in.
    pub async fn applicant(&self, email: &str) -> String {
        let answer = self
            .post_json(
                "/api/v1/accounts",
                &serde_json::json!({"email": email, "password": TEST_PASSWORD, "display_name": "申請 花子"}),
            )
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        self.sign_in(email, TEST_PASSWORD).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let answer = self
            .post_json(
                "/api/v1/sessions",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body["token"].as_str().expect("a token").to_owned()
    }

    /// Sends a raw body with a JSON content type, for malformed-input tests.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Answer {
        answer(
            self.client
                .post(self.url(path))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await,
        )
        .await
    }
}

async fn answer(response: reqwest::Result<reqwest::Response>) -> Answer {
    let response = response.expect("the service answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::spawn_app($crate::Backend::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::spawn_app($crate::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}
