//! The service's configuration, from flags or the environment (api.md: `--database-url` /
//! `DATABASE_URL`, `--listen` / `GRANTS_LISTEN`), in one place.

use clap::Args;

/// The SQLite file used when no database URL is given; created on first start.
pub const DEFAULT_DATABASE_URL: &str = "data/grants.sqlite3";

/// Where the event log and the read models are: PostgreSQL or a SQLite file.
#[derive(Args, Clone, Debug)]
pub struct DatabaseConfig {
    /// `postgres://...` for PostgreSQL, or a SQLite file path (the embedded default).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// The settings of `grants serve`.
#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    /// The database to serve from.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, env = "GRANTS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Seed the demo data first if the event log is empty (see `grants demo seed`).
    #[arg(long)]
    pub demo: bool,
    /// The funding city, named as publisher of the open data (360Giving).
    #[arg(long, env = "GRANTS_CITY_NAME", default_value = crate::state::DEFAULT_CITY_NAME)]
    pub city_name: String,
    /// A reverse proxy (address or network) whose `X-Forwarded-For` names the client; repeat it or
    /// separate with commas. Without one, the header is ignored.
    #[arg(long = "trusted-proxy", env = "GRANTS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::auth::client::parse_trusted_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Sign-ups allowed per client address and hour before each further one must wait.
    #[arg(long, env = "GRANTS_SIGN_UPS_PER_HOUR", default_value_t = crate::auth::limiter::SIGN_UPS.free)]
    pub sign_ups_per_hour: u32,
    /// The refund surcharges' terms (加算金・延滞金).
    #[command(flatten)]
    pub surcharge: SurchargeConfig,
    /// The prefix of the city's notice numbers (交付決定通知書の文書番号), as in 令和8年度市協第1号:
    /// 1 to 10 characters, no digit or space.
    #[arg(long, env = "GRANTS_NOTICE_PREFIX", default_value = grants_domain::round::DEFAULT_PREFIX, value_parser = parse_notice_prefix)]
    pub notice_prefix: String,
    /// Where citizens ask about the programme, shown at the foot of every page.
    #[command(flatten)]
    pub contact: ContactConfig,
    /// The signed tree heads over the audit log (docs/verification.md).
    #[command(flatten)]
    pub tree_heads: TreeHeadConfig,
    /// Where the mails of the outbox go (app/src/mail).
    #[command(flatten)]
    pub mail: MailConfig,
    /// Where attached files are stored.
    #[command(flatten)]
    pub attachments: AttachmentsConfig,
    /// Whether an applicant must verify the account's e-mail address (the link mailed on
    /// registration) before submitting an application; `--require-verified-email=false` to allow.
    #[arg(long, env = "GRANTS_REQUIRE_VERIFIED_EMAIL", default_value_t = true, action = clap::ArgAction::Set)]
    pub require_verified_email: bool,
    /// Whether staff and auditors must enrol a TOTP second factor (`/account/totp`) before they can
    /// do anything else; `--require-staff-totp=false` to let them work without.
    #[arg(long, env = "GRANTS_REQUIRE_STAFF_TOTP", default_value_t = true, action = clap::ArgAction::Set)]
    pub require_staff_totp: bool,
    /// The key the TOTP secrets are encrypted with at rest.
    #[command(flatten)]
    pub totp: TotpConfig,
    /// The clock the service reads the day from (the system's; tests set a settable one).
    #[arg(skip)]
    pub clock: crate::clock::Clock,
    /// The official documents (PDF notices).
    #[command(flatten)]
    pub documents: DocumentsConfig,
}

/// The key that encrypts the second factors' TOTP secrets at rest (`crate::auth::totp`).
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct TotpConfig {
    /// 32 bytes as 64 hex digits or base64. Keep it out of the database and give every instance
    /// the same one. Without it, the key in `totp.key` beside the SQLite file (`data/totp.key` with
    /// PostgreSQL) is used, made on first start.
    #[arg(id = "totp_key", value_name = "KEY", long = "totp-key", env = "GRANTS_TOTP_KEY", hide_env_values = true, value_parser = crate::auth::totp::SecretKey::parse)]
    pub key: Option<crate::auth::totp::SecretKey>,
}

impl TotpConfig {
    /// The key file used when no key is given: `totp.key` in the data directory.
    pub fn key_file(database_url: &str) -> std::path::PathBuf {
        data_directory(database_url).join("totp.key")
    }
}

/// The directory of the service's own files: the SQLite file's, or `data` with PostgreSQL.
pub fn data_directory(database_url: &str) -> std::path::PathBuf {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return std::path::PathBuf::from("data");
    }
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .unwrap_or(database_url);
    std::path::Path::new(path)
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .to_owned()
}

/// The official documents (`crate::documents`): who signs them and the font they embed.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct DocumentsConfig {
    /// The mayor's title, the issuer of every notice (交付決定通知書 and the others).
    #[arg(long = "mayor-title", env = "GRANTS_MAYOR_TITLE", default_value = grants_domain::document::DEFAULT_MAYOR_TITLE)]
    pub mayor_title: String,
    /// The TrueType font the PDFs embed (subset), read at start of the first document; a
    /// fixed-pitch Japanese font. Debian: package fonts-ipafont-mincho.
    #[arg(long = "document-font", env = "GRANTS_DOCUMENT_FONT", default_value = crate::documents::DEFAULT_FONT)]
    pub document_font: std::path::PathBuf,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        DocumentsConfig {
            mayor_title: grants_domain::document::DEFAULT_MAYOR_TITLE.to_owned(),
            document_font: crate::documents::DEFAULT_FONT.into(),
        }
    }
}

/// Where attached files' bytes are stored (`crate::blobs`): a directory (the default, beside the
/// SQLite file) or, with a bucket named, S3-compatible object storage.
#[derive(Args, Clone, Debug, Default)]
pub struct AttachmentsConfig {
    /// The directory of attached files; default `attachments` beside the SQLite file (or
    /// `data/attachments` with PostgreSQL). With a bucket, where uploads are spooled.
    #[arg(long, env = "GRANTS_ATTACHMENTS_DIR")]
    pub attachments_dir: Option<std::path::PathBuf>,
    /// Store attached files in this S3-compatible bucket instead of the directory.
    #[arg(long, env = "GRANTS_ATTACHMENTS_S3_BUCKET")]
    pub attachments_s3_bucket: Option<String>,
    /// The S3-compatible server (`http://127.0.0.1:9000`); AWS's when not given.
    #[arg(long, env = "GRANTS_ATTACHMENTS_S3_ENDPOINT")]
    pub attachments_s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    pub attachments_s3_region: String,
    /// The access key (else the machine's AWS credentials are used).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub attachments_s3_access_key_id: Option<String>,
    /// The secret access key that goes with the access key id.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub attachments_s3_secret_access_key: Option<String>,
}

impl AttachmentsConfig {
    /// The directory: as given, else `attachments` beside the SQLite file, else `data/attachments`.
    pub fn directory(&self, database_url: &str) -> std::path::PathBuf {
        if let Some(dir) = &self.attachments_dir {
            return dir.clone();
        }
        data_directory(database_url).join("attachments")
    }

    /// The store these settings name.
    pub fn store(&self, database_url: &str) -> anyhow::Result<crate::blobs::BlobStore> {
        let dir = self.directory(database_url);
        Ok(match &self.attachments_s3_bucket {
            Some(bucket) => crate::blobs::BlobStore::s3(
                &crate::blobs::S3Settings {
                    bucket: bucket.clone(),
                    region: self.attachments_s3_region.clone(),
                    endpoint: self.attachments_s3_endpoint.clone(),
                    access_key_id: self.attachments_s3_access_key_id.clone(),
                    secret_access_key: self.attachments_s3_secret_access_key.clone(),
                },
                dir.join("tmp"),
            )?,
            None => crate::blobs::BlobStore::directory(dir)?,
        })
    }
}

/// How the service signs heads of the Merkle tree over its log.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct TreeHeadConfig {
    /// The Ed25519 signing key: its 32-byte seed as 64 hex digits. Keep it out of the database
    /// (whoever can write there must not be able to sign). Without one the service signs with a key
    /// made at start, which auditors cannot keep from one run to the next; `--demo` uses the
    /// published development key.
    #[arg(
        long = "tree-head-key",
        env = "GRANTS_TREE_HEAD_KEY",
        hide_env_values = true
    )]
    pub key: Option<String>,
    /// Sign a head once this many events were added since the last one...
    #[arg(long = "tree-head-every-events", env = "GRANTS_TREE_HEAD_EVERY_EVENTS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub every_events: u64,
    /// ...or once this many seconds passed since the last one with at least one event added.
    #[arg(long = "tree-head-every-seconds", env = "GRANTS_TREE_HEAD_EVERY_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub every_seconds: u64,
    /// Public keys (64 hex digits each, comma-separated) that signed heads before the key was
    /// changed: `grants audit verify` and the audit API check every head's signature against the
    /// current key and these.
    #[arg(
        long = "tree-head-trusted-keys",
        env = "GRANTS_TREE_HEAD_TRUSTED_KEYS",
        value_delimiter = ','
    )]
    pub trusted_keys: Vec<String>,
}

impl Default for TreeHeadConfig {
    fn default() -> Self {
        TreeHeadConfig {
            key: None,
            every_events: 1000,
            every_seconds: 60,
            trusted_keys: Vec::new(),
        }
    }
}

/// Where the outbox's mails go: over SMTP when `smtp_url` is set, otherwise written as `.eml` files
/// to `mail_dir` (the embedded default, `data/mail`). With neither (only when built in code, as the
/// tests do), mails stay pending in the outbox.
#[derive(clap::Args, Clone, Debug, PartialEq, Eq)]
pub struct MailConfig {
    /// The SMTP server: `smtp://host:25` (no TLS, for a relay on loopback), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`; user and password may go in the URL.
    #[arg(long, env = "GRANTS_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The directory that receives one `.eml` file per mail when no SMTP server is set.
    #[arg(long, env = "GRANTS_MAIL_DIR", default_value = DEFAULT_MAIL_DIR)]
    pub mail_dir: Option<std::path::PathBuf>,
    /// The sender of the mails (`From`).
    #[arg(long, env = "GRANTS_MAIL_FROM", default_value = DEFAULT_MAIL_FROM)]
    pub mail_from: String,
    /// The address of the service as citizens reach it, for the links in the mails.
    #[arg(long, env = "GRANTS_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
}

impl Default for MailConfig {
    /// No delivery: mails stay pending (the tests that send set a server).
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            mail_dir: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
        }
    }
}

/// Where mails are written when no SMTP server is configured.
pub const DEFAULT_MAIL_DIR: &str = "data/mail";
/// The sender when none is configured.
pub const DEFAULT_MAIL_FROM: &str = "grants@localhost";
/// The service's address in mails when none is configured.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The city's 加算金・延滞金 settings for refunds ordered by cancellation (適正化法 第19条;
/// `grants_domain::grant::SurchargeTerms`, whose defaults these are).
#[derive(Args, Clone, Debug)]
pub struct SurchargeConfig {
    /// 加算金's yearly rate, an exact fraction ("219/2000" is 10.95%).
    #[arg(
        long,
        env = "GRANTS_ADDITIONAL_CHARGE_RATE",
        default_value = "219/2000"
    )]
    pub additional_charge_rate: grants_domain::Ratio,
    /// 延滞金's yearly rate, an exact fraction ("219/2000" is 10.95%).
    #[arg(long, env = "GRANTS_LATE_CHARGE_RATE", default_value = "219/2000")]
    pub late_charge_rate: grants_domain::Ratio,
    /// The days the yearly rates are divided by, leap years included (365, as 適正化法施行令 counts).
    #[arg(long, env = "GRANTS_CHARGE_DAYS_PER_YEAR", default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub charge_days_per_year: u32,
}

impl Default for SurchargeConfig {
    fn default() -> Self {
        let terms = grants_domain::grant::SurchargeTerms::default();
        Self {
            additional_charge_rate: terms.additional_rate,
            late_charge_rate: terms.late_rate,
            charge_days_per_year: terms.days_per_year,
        }
    }
}

/// The city's contact for the programme (問い合わせ先), shown at the foot of every page. An empty
/// phone number or address is left out.
#[derive(clap::Args, Clone, Debug, PartialEq, Eq)]
pub struct ContactConfig {
    /// The division in charge.
    #[arg(long = "contact-division", env = "GRANTS_CONTACT_DIVISION", default_value = DEFAULT_DIVISION)]
    pub division: String,
    /// Its telephone number.
    #[arg(
        long = "contact-phone",
        env = "GRANTS_CONTACT_PHONE",
        default_value = ""
    )]
    pub phone: String,
    /// Its e-mail address.
    #[arg(
        long = "contact-email",
        env = "GRANTS_CONTACT_EMAIL",
        default_value = ""
    )]
    pub email: String,
    /// When it answers.
    #[arg(long = "contact-hours", env = "GRANTS_CONTACT_HOURS", default_value = DEFAULT_HOURS)]
    pub hours: String,
}

/// The division named when none is configured.
pub const DEFAULT_DIVISION: &str = "市民協働推進課";
/// The hours named when none are configured: a city office's.
pub const DEFAULT_HOURS: &str = "平日 午前8時30分から午後5時15分まで（祝日・年末年始を除く）";

impl Default for ContactConfig {
    fn default() -> Self {
        ContactConfig {
            division: DEFAULT_DIVISION.to_owned(),
            phone: String::new(),
            email: String::new(),
            hours: DEFAULT_HOURS.to_owned(),
        }
    }
}

impl SurchargeConfig {
    /// The terms a refund order records.
    pub fn terms(&self) -> grants_domain::grant::SurchargeTerms {
        grants_domain::grant::SurchargeTerms {
            additional_rate: self.additional_charge_rate,
            late_rate: self.late_charge_rate,
            days_per_year: self.charge_days_per_year,
        }
    }
}

fn parse_notice_prefix(prefix: &str) -> Result<String, String> {
    if grants_domain::round::valid_prefix(prefix) {
        Ok(prefix.to_owned())
    } else {
        Err("1 to 10 characters, no digit or space (for example 市協)".to_owned())
    }
}
