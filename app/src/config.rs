//! The service's configuration, from flags or the environment (api.md: `--database-url` /
//! `DATABASE_URL`, `--listen` / `GRANTS_LISTEN`), in one place.

use clap::Args;

/// The SQLite file used when no database URL is given; created on first start.
pub const DEFAULT_DATABASE_URL: &str = "data/grants.sqlite3";

#[derive(Args, Clone, Debug)]
pub struct DatabaseConfig {
    /// `postgres://...` for PostgreSQL, or a SQLite file path (the embedded default).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
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
    #[command(flatten)]
    pub surcharge: SurchargeConfig,
}

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
