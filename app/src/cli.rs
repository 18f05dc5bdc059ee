//! The `grants` command line: `serve`, `migrate`, `user`, `demo`, `replay`, `restamp`, `audit`,
//! `export`, `personal-data` and `attachments sweep` (docs/operations.md).

use clap::{Parser, Subcommand};

use crate::accounts::{open_account, NewAccount};
use crate::config::{DatabaseConfig, ServeConfig};
use crate::db::Database;
use crate::startup::Application;
use crate::state::AppState;
use crate::store::{ActorRole, CommandMetadata};
use grants_domain::account::Role;
use grants_domain::UserId;

/// The command line as parsed.
#[derive(Parser, Debug)]
#[command(
    name = "grants",
    version,
    about = "市民公益活動事業費補助金: the grants service"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply pending migrations, then serve the HTTP API.
    Serve(Box<ServeConfig>),
    /// Apply pending migrations and exit.
    Migrate(DatabaseConfig),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Drop and rebuild read models from the log (all of them, or one).
    Replay {
        /// The database whose log is replayed.
        #[command(flatten)]
        database: DatabaseConfig,
        /// The projection to rebuild, e.g. `awards` or `audit_chain`.
        #[arg(long)]
        projection: Option<String>,
    },
    /// After restoring a logical dump (pg_dump) into another PostgreSQL cluster, and before serving:
    /// give the events this cluster's transaction ids, in the log's order, and rebuild every read
    /// model. Nothing to do on SQLite.
    Restamp(DatabaseConfig),
    /// Auditors' checks.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Export the log.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Personal data (issue 19, crypto-shredding).
    #[command(subcommand)]
    PersonalData(PersonalDataCommand),
    /// The store of attached files.
    #[command(subcommand)]
    Attachments(AttachmentsCommand),
}

/// `grants personal-data`: crypto-shredding at the end of a retention period.
#[derive(Subcommand, Debug)]
pub enum PersonalDataCommand {
    /// Erase a group's or an account's personal data at the end of its retention period: records
    /// `PersonalDataErased` and destroys the subject's key, so its sealed fields read 「削除済み」
    /// (an account can no longer sign in); every hash, signed head and proof still verifies.
    Erase {
        /// The database holding the log and the keys.
        #[command(flatten)]
        database: DatabaseConfig,
        /// The group whose contact details are erased.
        #[arg(long, conflicts_with = "account", required_unless_present = "account")]
        group: Option<grants_domain::GroupId>,
        /// The account whose address and name are erased.
        #[arg(long)]
        account: Option<UserId>,
    },
}

/// `grants attachments`: the store of attached files.
#[derive(Subcommand, Debug)]
pub enum AttachmentsCommand {
    /// Delete the stored files no event names (left by refused uploads or a crash) once they are
    /// older than the grace period; never a file the log names. Prints what it did as JSON.
    Sweep {
        /// The database whose log names the files kept.
        #[command(flatten)]
        database: DatabaseConfig,
        /// Where the files are stored (a directory or an S3-compatible bucket).
        #[command(flatten)]
        attachments: crate::config::AttachmentsConfig,
        /// Only files last written more than this many hours ago are deleted (at least 1).
        #[arg(long, default_value_t = 24)]
        grace_hours: u32,
        /// Count what would be deleted without deleting it.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `grants audit`: the auditors' checks and exports.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the hash chain and the Merkle tree over the log and compare them with the stored
    /// links and the signed tree heads, and check every attached file the log names (there and
    /// whole); exits 1 and names the first bad position or the bad files.
    Verify {
        /// The database whose log is verified.
        #[command(flatten)]
        database: DatabaseConfig,
        /// Where the attached files are stored, to check each one the log names.
        #[command(flatten)]
        attachments: crate::config::AttachmentsConfig,
        /// The signing key (GRANTS_TREE_HEAD_KEY) and older public keys
        /// (GRANTS_TREE_HEAD_TRUSTED_KEYS): every signed head must verify with one of them.
        /// Without any, signatures are not checked (`grants-verify` does, with the key you hold).
        #[command(flatten)]
        tree_heads: crate::config::TreeHeadConfig,
    },
    /// The log for the standalone verifier (`grants-verify export`), as JSON Lines on stdout: one
    /// line per event of the tree (docs/verification.md).
    Export {
        /// The database whose log is exported.
        #[command(flatten)]
        database: DatabaseConfig,
        /// Only the first this many events (default: every event in the tree).
        #[arg(long)]
        tree_size: Option<u64>,
    },
    /// Every signed tree head, as a JSON array on stdout (what `grants-verify` reads with --heads).
    Heads(DatabaseConfig),
    /// An application (and its grant) as it stood at an instant (RFC 3339).
    AsOf {
        /// The database to read.
        #[command(flatten)]
        database: DatabaseConfig,
        /// The application, by its id.
        application_id: grants_domain::ApplicationId,
        /// The instant, RFC 3339 with its offset (e.g. 2026-06-01T09:00:00+09:00).
        instant: String,
    },
}

/// `grants export`: the log as JSON Lines.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every event, in log order, as JSON Lines on stdout.
    Events(DatabaseConfig),
}

/// `grants demo`: demo data.
#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Seed a demo: a finished grant, a not-adopted application, an open call with applications.
    Seed(DatabaseConfig),
}

/// `grants user`: user accounts.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Open an account (the first staff account comes from here). The password is read from stdin.
    Add {
        /// The database the account is opened in.
        #[command(flatten)]
        database: DatabaseConfig,
        /// The new account's e-mail address (its sign-in name).
        #[arg(long)]
        email: String,
        /// applicant, reviewer, staff, auditor or coordinator.
        #[arg(long)]
        role: Role,
        /// The name shown in the service; defaults to the part of the e-mail before the @.
        #[arg(long)]
        name: Option<String>,
    },
}

/// Runs a parsed command line to its end (`serve` until shutdown).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => {
            let application = Application::build(&config).await?;
            if config.demo && crate::demo::log_is_empty(application.state()).await? {
                // The demo's staff seed it before anyone could enrol their second factor.
                let mut seeding = application.state().clone();
                seeding.require_staff_totp = false;
                println!("{}", crate::demo::seed(&seeding).await?);
            }
            application.run_until_stopped().await
        }
        Command::Replay {
            database,
            projection,
        } => {
            let state = connect(&database).await?;
            let runner = &state.projections;
            let names: Vec<String> = match projection {
                Some(name) => vec![name],
                None => runner.names().into_iter().map(str::to_owned).collect(),
            };
            for name in names {
                let events = runner.rebuild(&name).await?;
                println!("{name}: rebuilt from {events} events");
            }
            Ok(())
        }
        Command::Restamp(database) => {
            let state = connect(&database).await?;
            let Some(restamped) = grants_projections::restamp(&state.db).await? else {
                println!("SQLite: the log has no transaction ids, nothing to re-stamp");
                return Ok(());
            };
            println!(
                "{} events of {} transactions re-stamped",
                restamped.events, restamped.transactions
            );
            let runner = &state.projections;
            for name in runner.names() {
                let events = runner.rebuild(name).await?;
                println!("{name}: rebuilt from {events} events");
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify {
            database,
            attachments,
            tree_heads,
        }) => {
            let trusted = crate::tree_heads::configured_keys(&tree_heads)?;
            if trusted.is_empty() {
                eprintln!("no GRANTS_TREE_HEAD_KEY or GRANTS_TREE_HEAD_TRUSTED_KEYS: the heads' signatures are not checked");
            }
            let state = connect(&database).await?;
            state.projections.catch_up().await?;
            let verification = grants_projections::verify_signed(&state.db, &trusted).await?;
            let blobs = attachments.store(&database.database_url)?;
            let files = crate::audit::verify_attachments(&state.db, &blobs).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "ok": verification.ok && files.ok,
                    "chain": verification,
                    "attachments": files,
                }))?
            );
            if !verification.ok || !files.ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Attachments(AttachmentsCommand::Sweep {
            database,
            attachments,
            grace_hours,
            dry_run,
        }) => {
            let grace = time::Duration::hours(i64::from(grace_hours));
            if grace < crate::blob_sweep::MIN_GRACE {
                anyhow::bail!("--grace-hours must be at least 1: a younger file may belong to an upload in flight");
            }
            let state = connect(&database).await?;
            let blobs = attachments.store(&database.database_url)?;
            let report = crate::blob_sweep::sweep(
                &state.db,
                &blobs,
                time::OffsetDateTime::now_utc(),
                grace,
                dry_run,
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Audit(AuditCommand::Export {
            database,
            tree_size,
        }) => {
            let state = connect(&database).await?;
            state.projections.catch_up().await?;
            let pool = state.db.clone();
            let size = grants_projections::merkle_store::tree_size(&pool).await?;
            let size = tree_size.map_or(size, |asked| asked.min(size));
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let written = grants_projections::merkle_store::export(&pool, size, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            eprintln!("{written} events exported");
            Ok(())
        }
        Command::Audit(AuditCommand::Heads(database)) => {
            let state = connect(&database).await?;
            let pool = state.db.clone();
            let mut heads = Vec::new();
            loop {
                let after = heads
                    .last()
                    .map_or(0, |head: &grants_verifier::head::TreeHead| head.tree_size);
                let page = grants_projections::merkle_store::heads(&pool, after, 1000).await?;
                if page.is_empty() {
                    break;
                }
                heads.extend(page.into_iter().map(crate::tree_heads::shown));
            }
            println!("{}", serde_json::to_string_pretty(&heads)?);
            Ok(())
        }
        Command::Audit(AuditCommand::AsOf {
            database,
            application_id,
            instant,
        }) => {
            let state = connect(&database).await?;
            let at = crate::audit::parse_instant(&instant).ok_or_else(|| {
                anyhow::anyhow!("the instant must be RFC 3339, e.g. 2026-06-01T09:00:00+09:00")
            })?;
            let Some(found) = crate::audit::as_of(&state.db, application_id, at).await? else {
                anyhow::bail!("application {application_id} did not exist at {instant}");
            };
            let body = serde_json::json!({
                "as_of": instant,
                "application": crate::service::application_read::ApplicationRead::of(&found.application),
                "grant": found.grant.as_ref().map(|grant| crate::service::grants::read_of(&state, grant)),
            });
            println!("{}", serde_json::to_string_pretty(&body)?);
            Ok(())
        }
        Command::Export(ExportCommand::Events(database)) => {
            let state = connect(&database).await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let written = crate::audit::export_events(&state.db, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            eprintln!("{written} events exported");
            Ok(())
        }
        Command::Demo(DemoCommand::Seed(database)) => {
            let state = connect(&database).await?;
            println!("{}", crate::demo::seed(&state).await?);
            Ok(())
        }
        Command::Migrate(config) => {
            let db = Database::connect(&config.database_url).await?;
            db.migrate().await?;
            println!("migrations applied ({})", db.backend_name());
            Ok(())
        }
        Command::PersonalData(PersonalDataCommand::Erase {
            database,
            group,
            account,
        }) => erase_personal_data(&database, group, account).await,
        Command::User(UserCommand::Add {
            database,
            email,
            role,
            name,
        }) => add_user(&database, email, role, name).await,
    }
}

/// `grants user add`: opens an account with a password read from stdin (one line).
async fn add_user(
    database: &DatabaseConfig,
    email: String,
    role: Role,
    name: Option<String>,
) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let state = connect(database).await?;
    let display_name = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
    let metadata = CommandMetadata {
        attempt: None,
        actor_id: UserId::new(),
        actor_role: ActorRole::System,
        on_behalf_of: None,
        request_id: "cli:user-add".into(),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
    };
    let account = NewAccount {
        email,
        password,
        display_name,
        role,
        self_registered: false,
    };
    match open_account(&state, UserId::new(), account, &metadata).await {
        Ok((id, _)) => {
            println!("{id}");
            Ok(())
        }
        Err(error) => anyhow::bail!("{} / {}", error.detail_ja, error.detail_en),
    }
}

/// `grants personal-data erase`: the erasure staff make over HTTP, recorded as done by the system.
async fn erase_personal_data(
    database: &DatabaseConfig,
    group: Option<grants_domain::GroupId>,
    account: Option<UserId>,
) -> anyhow::Result<()> {
    let state = connect(database).await?;
    let metadata = CommandMetadata {
        attempt: None,
        actor_id: UserId::new(),
        actor_role: ActorRole::System,
        on_behalf_of: None,
        request_id: "cli:personal-data-erase".into(),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
    };
    let erased = match (group, account) {
        (Some(group), _) => crate::service::erasure::erase_group(&state, group, &metadata).await,
        (None, Some(account)) => {
            crate::service::erasure::erase_account(&state, account, &metadata).await
        }
        (None, None) => anyhow::bail!("name a --group or an --account"),
    };
    match erased {
        Ok(position) => {
            println!("erased; the erasure event is at position {position}");
            Ok(())
        }
        Err(error) => anyhow::bail!("{} / {}", error.detail_ja, error.detail_en),
    }
}

/// Connects and migrates, for commands that act on the store without serving.
async fn connect(database: &DatabaseConfig) -> anyhow::Result<AppState> {
    let db = Database::connect(&database.database_url).await?;
    db.migrate().await?;
    Ok(AppState::new(db))
}

#[cfg(test)]
mod definition_tests {
    use clap::CommandFactory;

    /// Clap checks a command's definition (unique argument ids, say) only when it parses in a debug
    /// build: every setting added must keep `grants serve` starting.
    #[test]
    fn the_command_line_is_well_defined() {
        super::Cli::command().debug_assert();
    }
}
