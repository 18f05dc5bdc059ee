//! The service as a child process, for tests that must kill it (SIGKILL) or read what it logs.
//!
//! The child is the calling test binary itself, started again with only one ignored test selected;
//! that test calls [`serve_from_env`], which serves the database named in its environment and writes
//! its port to a file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use grants_app::config::{DatabaseConfig, ServeConfig};
use grants_app::startup::Application;

/// The body of the ignored server test: serve `GRANTS_CHILD_DATABASE_URL` until killed (or return at
/// once when run as an ordinary test).
pub async fn serve_from_env() {
    let Ok(url) = std::env::var("GRANTS_CHILD_DATABASE_URL") else {
        return;
    };
    let port_file = std::env::var("GRANTS_CHILD_PORT_FILE").expect("a port file");
    grants_app::telemetry::init_logging();
    let totp = crate::totp_config(&url);
    let config = ServeConfig {
        database: DatabaseConfig { database_url: url },
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
        mail: grants_app::config::MailConfig {
            // Set by a test that must see the child's mail (tests/mail.rs).
            smtp_url: std::env::var("GRANTS_CHILD_SMTP_URL").ok(),
            ..Default::default()
        },
        // A test's own directory, or one that children share (content-addressed, it may be).
        attachments: grants_app::config::AttachmentsConfig {
            attachments_dir: Some(
                std::env::var_os("GRANTS_CHILD_ATTACHMENTS_DIR")
                    .map(std::path::PathBuf::from)
                    .unwrap_or_else(|| std::env::temp_dir().join("grants-child-attachments")),
            ),
            ..Default::default()
        },
        clock: Default::default(),
        require_verified_email: false,
        require_staff_totp: false,
        totp,
    };
    let app = Application::build(&config)
        .await
        .expect("the service starts");
    std::fs::write(&port_file, app.port().to_string()).expect("the port is written");
    app.run_until_stopped().await.expect("the service serves");
}

/// A running child service.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `server_test` (the ignored test that calls [`serve_from_env`], named with its module,
    /// as in `crash::crash_test_server`) of the current test binary on `database_url`; its log
    /// (stderr) goes to `log` if given.
    pub async fn start(
        server_test: &str,
        database_url: &str,
        dir: &Path,
        log: Option<PathBuf>,
    ) -> Server {
        Self::start_with::<&str>(server_test, database_url, dir, log, &[]).await
    }

    /// [`Server::start`] with more environment for the child (`GRANTS_CHILD_SMTP_URL`,
    /// `GRANTS_CHILD_ATTACHMENTS_DIR`).
    pub async fn start_with<V: AsRef<std::ffi::OsStr>>(
        server_test: &str,
        database_url: &str,
        dir: &Path,
        log: Option<PathBuf>,
        env: &[(&str, V)],
    ) -> Server {
        let port_file = dir.join(format!("port-{}", uuid::Uuid::new_v4()));
        let stderr = match &log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("a log file")),
            None => Stdio::null(),
        };
        let child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([server_test, "--exact", "--ignored", "--nocapture"])
            .env("GRANTS_CHILD_DATABASE_URL", database_url)
            .env("GRANTS_CHILD_PORT_FILE", &port_file)
            .env("RUST_LOG", if log.is_some() { "debug" } else { "warn" })
            .envs(env.iter().map(|(name, value)| (*name, value)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the server process starts");
        let started = Instant::now();
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                if !port.is_empty() {
                    break port;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the server is reaped");
    }
}

/// A test that fails while its server runs must not leave the server behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in to the child service at `base`; answers the bearer token.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let answer: serde_json::Value = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .expect("the service answers")
        .json()
        .await
        .expect("a JSON answer");
    answer["token"].as_str().expect("a token").to_owned()
}
