//! A PostgreSQL cluster of a test's own, for tests that restart the server under the service (the
//! fault suite): the shared cluster of `scripts/test` serves every other test at the same time and
//! runs with durability off, so it can neither be restarted nor be trusted across a crash.
//!
//! This one runs with PostgreSQL's defaults (fsync and synchronous commit on), listens on a free
//! loopback port and lives in a temporary directory that is removed when it is dropped. The server
//! binaries are found in `GRANTS_PG_BIN` (exported by `scripts/test`) or under
//! `/usr/lib/postgresql/*/bin`; as root, the server runs as the `postgres` OS user.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running private cluster.
pub struct PrivateCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    run_as: Vec<String>,
    pub port: u16,
}

fn server_binaries() -> PathBuf {
    if let Ok(bin) = std::env::var("GRANTS_PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect(
            "PostgreSQL's server binaries under /usr/lib/postgresql (scripts/test installs them)",
        )
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("an initdb under /usr/lib/postgresql")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PrivateCluster {
    /// Creates and starts a cluster (a few seconds).
    pub fn start() -> PrivateCluster {
        let bin = server_binaries();
        let dir = tempfile::Builder::new()
            .prefix("grants-faults-pg.")
            .tempdir_in("/tmp")
            .expect("a temporary directory");
        let run_as = if is_root() {
            let status = Command::new("chown")
                .args(["postgres:", &dir.path().to_string_lossy()])
                .status()
                .expect("chown");
            assert!(status.success(), "the postgres OS user owns the cluster");
            vec![
                "runuser".to_owned(),
                "-u".to_owned(),
                "postgres".to_owned(),
                "--".to_owned(),
            ]
        } else {
            Vec::new()
        };
        let cluster = PrivateCluster {
            bin,
            dir,
            run_as,
            port: free_port(),
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                &format!("--pgdata={}", data.display()),
                "--username=grants",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        let socket_dir = cluster.dir.path().display().to_string();
        let config = format!(
            "listen_addresses = '127.0.0.1'\nunix_socket_directories = '{socket_dir}'\nport = {}\nmax_connections = 100\n",
            cluster.port
        );
        cluster.append_config(&config);
        cluster.pg_ctl(&["start", "-w", "-t", "60"]);
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn append_config(&self, text: &str) {
        use std::io::Write;
        let path = self.data().join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("postgresql.conf");
        file.write_all(text.as_bytes())
            .expect("the settings are written");
    }

    /// A command running one of the server's programs, as the cluster's OS user.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match self.run_as.split_first() {
            Some((first, rest)) => {
                let mut command = Command::new(first);
                command.args(rest).arg(&program);
                command
            }
            None => Command::new(&program),
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let output = self
            .command(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("a PostgreSQL program runs");
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = format!("--pgdata={}", self.data().display());
        let log = format!("--log={}", self.log().display());
        let mut all = vec![data.as_str(), log.as_str()];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    /// The server's log.
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The URL of database `name` (superuser `grants`).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://grants@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name` and answers its URL.
    pub async fn create_database(&self, name: &str) -> String {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("the private cluster answers");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("the database is created");
        self.url(name)
    }

    /// Restarts the server the way a crash does (`-m immediate`: no checkpoint, every connection
    /// cut) or an operator does (`-m fast`), and waits until it accepts connections again.
    pub fn restart(&self, mode: &str) {
        self.pg_ctl(&["restart", "-m", mode, "-w", "-t", "60"]);
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = format!("--pgdata={}", self.data().display());
        let _ = self
            .command("pg_ctl")
            .args([data.as_str(), "stop", "-m", "immediate", "-w", "-t", "30"])
            .output();
    }
}
