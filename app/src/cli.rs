//! The `grants` command line: `serve`, `migrate` (more to come: `user`, `demo`, `replay`, `audit`,
//! `export`).

use clap::{Parser, Subcommand};

use crate::config::{DatabaseConfig, ServeConfig};
use crate::db::Database;
use crate::startup::Application;

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
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => Application::build(&config).await?.run_until_stopped().await,
        Command::Migrate(config) => {
            let db = Database::connect(&config.database_url).await?;
            db.migrate().await?;
            println!("migrations applied ({})", db.backend_name());
            Ok(())
        }
    }
}
