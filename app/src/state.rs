//! What every handler and command reaches: the database, the event stores and the read models.

use std::sync::Arc;
use std::time::Duration;

use grants_projections::applications::Applications;
use grants_projections::directory::Directory;
use grants_projections::grant_ledger::GrantLedger;
use grants_projections::year_figures::YearFigures;
use grants_projections::{AuditChain, Awards, EventLog, Feed, LogPool, Runner, WriteGate};

use crate::db::Database;
use crate::store::Stores;

/// How often the projection runner looks for new events when it has nothing to do.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// What every handler and process reaches: the database, the event stores, the read models and the
/// services' settings.
#[derive(Clone)]
pub struct AppState {
    /// The database: PostgreSQL or SQLite.
    pub db: Database,
    /// The event store of each aggregate.
    pub stores: Stores,
    /// The read models, advanced from the log by [`Runner::run`] while the service serves.
    pub projections: Arc<Runner>,
    /// The log's recent stretch, read once for every process manager of this instance
    /// ([`grants_projections::feed`]).
    pub feed: Arc<Feed>,
    /// Slows down repeated failed sign-ins.
    pub sign_in_limiter: Arc<crate::auth::limiter::SignInLimiter>,
    /// Slows down many password reset requests (`crate::auth::reset`).
    pub reset_limiter: Arc<crate::auth::reset::ResetLimiter>,
    /// Slows down many invitations from one group (`crate::auth::invitation`).
    pub invitation_limiter: Arc<crate::auth::invitation::InvitationLimiter>,
    /// Slows down many sign-ups from one address.
    pub sign_up_limiter: Arc<crate::auth::limiter::SignUpLimiter>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`crate::auth::client`).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Request counters for `/metrics`.
    pub metrics: Arc<crate::telemetry::Metrics>,
    /// The city that funds the grants and publishes the open data (360Giving publisher name).
    pub city_name: String,
    /// The city's 加算金・延滞金 terms for refunds ordered by cancellation.
    pub surcharge: grants_domain::grant::SurchargeTerms,
    /// The prefix of the city's notice numbers (`令和8年度{prefix}第1号`, app/src/notice.rs).
    pub notice_prefix: String,
    /// The city's contact for the programme, at the foot of every page.
    pub contact: Arc<crate::config::ContactConfig>,
    /// Signs heads of the Merkle tree over the log (`crate::tree_heads`).
    pub tree_heads: Arc<crate::tree_heads::Signer>,
    /// Where the outbox's mails go, who sends them, and the service's address in them.
    pub mail: Arc<crate::config::MailConfig>,
    /// Attached files' bytes (`crate::blobs`), and the issued notices' PDFs.
    pub blobs: crate::blobs::BlobStore,
    /// The mayor's title and the font of the official documents (`crate::documents`).
    pub documents: Arc<crate::documents::Documents>,
    /// Whether an applicant must have verified the account's e-mail address to submit
    /// (`crate::auth::verification`).
    pub require_verified_email: bool,
    /// Whether staff and auditors must enrol a second factor first (`crate::auth::totp`).
    pub require_staff_totp: bool,
    /// The key the TOTP secrets are sealed with (`crate::auth::totp`); none in a state built in
    /// code for tools that never touch a second factor ([`AppState::totp_key`] refuses then).
    pub totp_key: Option<Arc<crate::auth::totp::SecretKey>>,
    /// The clock (`crate::clock`): the system's unless a test set another.
    pub clock: crate::clock::Clock,
    /// Sessions served from memory for a short while (`crate::auth::session_cache`).
    pub sessions: Arc<crate::auth::session_cache::SessionCache>,
    /// The round events this process's handlers followed up at once (`crate::follow_up`).
    pub followed_at_once: Arc<crate::follow_up::FollowedAtOnce>,
}

/// The funder's name when none is configured: the city whose programme the demo follows.
pub const DEFAULT_CITY_NAME: &str = "岡崎市";

impl AppState {
    /// The state over `db`, without a store of attached files (tools that run commands only);
    /// the service sets one with [`AppState::with_blobs`].
    pub fn new(db: Database) -> Self {
        Self::with_blobs(db, crate::blobs::BlobStore::unconfigured())
    }

    /// The state over `db`, with attached files in `blobs`.
    pub fn with_blobs(db: Database, blobs: crate::blobs::BlobStore) -> Self {
        // On SQLite the event store's appends and the read models' steps take turns at one gate.
        let gate = WriteGate::for_pool(&db);
        AppState {
            stores: Stores::with_gate(&db, gate.clone()),
            projections: Arc::new(projection_runner(db.clone()).write_gate(gate)),
            feed: Arc::new(Feed::new(EventLog::new(db.clone()))),
            metrics: Arc::default(),
            sign_in_limiter: Arc::default(),
            sign_up_limiter: Arc::default(),
            reset_limiter: Arc::default(),
            invitation_limiter: Arc::default(),
            trusted_proxies: Arc::default(),
            city_name: DEFAULT_CITY_NAME.to_owned(),
            surcharge: Default::default(),
            notice_prefix: grants_domain::round::DEFAULT_PREFIX.to_owned(),
            contact: Arc::default(),
            tree_heads: Arc::default(),
            mail: Arc::default(),
            blobs,
            documents: Arc::default(),
            clock: crate::clock::Clock::system(),
            require_verified_email: false,
            require_staff_totp: false,
            totp_key: None,
            sessions: crate::auth::session_cache::SessionCache::new(&db),
            followed_at_once: Arc::default(),
            db,
        }
    }
}

impl AppState {
    /// The key of the TOTP secrets; an internal error in a state built without one.
    pub fn totp_key(&self) -> Result<&crate::auth::totp::SecretKey, crate::service::ServiceError> {
        self.totp_key.as_deref().ok_or_else(|| {
            crate::service::ServiceError::internal("this service was built without a TOTP key")
        })
    }
}

/// Every read model of the service, in one runner.
pub fn projection_runner(pool: LogPool) -> Runner {
    Runner::new(pool)
        .with(Awards)
        .with(AuditChain)
        .with(Applications)
        .with(GrantLedger)
        .with(Directory)
        .with(YearFigures)
        .with(grants_projections::work_items::WorkItems)
        .poll_interval(POLL_INTERVAL)
}
