//! The `grants` command line: `serve`, `migrate` (more to come: `user`, `demo`, `replay`, `audit`,
//! `export`).

use clap::{Parser, Subcommand};

use crate::accounts::{open_account, NewAccount};
use crate::config::{DatabaseConfig, ServeConfig};
use crate::db::Database;
use crate::http::AppState;
use crate::startup::Application;
use crate::store::{ActorRole, CommandMetadata, Stores};
use grants_domain::account::Role;
use grants_domain::UserId;

#[derive(Parser, Debug)]
#[command(
    name = "grants",
    version,
    about = "市民公益活動事業費補助金: the grants service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply pending migrations, then serve the HTTP API.
    Serve(ServeConfig),
    /// Apply pending migrations and exit.
    Migrate(DatabaseConfig),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Seed a demo: a finished grant, a not-adopted application, an open call with applications.
    Seed(DatabaseConfig),
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Open an account (the first staff account comes from here). The password is read from stdin.
    Add {
        #[command(flatten)]
        database: DatabaseConfig,
        #[arg(long)]
        email: String,
        /// applicant, reviewer, staff or auditor.
        #[arg(long)]
        role: Role,
        /// The name shown in the service; defaults to the part of the e-mail before the @.
        #[arg(long)]
        name: Option<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => {
            let application = Application::build(&config).await?;
            if config.demo && crate::demo::log_is_empty(application.state()).await? {
                println!("{}", crate::demo::seed(application.state()).await?);
            }
            application.run_until_stopped().await
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
        actor_id: UserId::new(),
        actor_role: ActorRole::System,
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
    match open_account(&state, account, &metadata).await {
        Ok((id, _)) => {
            println!("{id}");
            Ok(())
        }
        Err(error) => anyhow::bail!("{} / {}", error.detail_ja, error.detail_en),
    }
}

/// Connects and migrates, for commands that act on the store without serving.
async fn connect(database: &DatabaseConfig) -> anyhow::Result<AppState> {
    let db = Database::connect(&database.database_url).await?;
    db.migrate().await?;
    Ok(AppState {
        stores: Stores::new(&db),
        db,
    })
}
