//! Start-up: connect, migrate, build the router, bind. `Application::build` exposes the bound port so
//! tests can start the real service on port 0.

use tokio::net::TcpListener;

use crate::auth::limiter::{Allowance, SignUpLimiter, SIGN_UPS};
use crate::config::ServeConfig;
use crate::db::Database;
use crate::router::router;
use crate::state::AppState;

/// The service, built and bound to its port but not serving yet.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects to the database, applies pending migrations and binds the listener.
    pub async fn build(config: &ServeConfig) -> anyhow::Result<Self> {
        let db = Database::connect(&config.database.database_url).await?;
        db.migrate().await?;
        let blobs = config.attachments.store(&config.database.database_url)?;
        let totp_key =
            crate::auth::totp::SecretKey::from_config(&config.totp, &config.database.database_url)?;
        // Secrets stored in clear before sealing are sealed now, not when their owner next signs in.
        let sealed = crate::auth::totp::seal_clear_secrets(&db, &totp_key)
            .await
            .map_err(|error| anyhow::anyhow!("sealing the TOTP secrets: {error:?}"))?;
        if sealed > 0 {
            tracing::info!(sealed, "TOTP secrets stored in clear are now sealed");
        }
        let listener = TcpListener::bind(&config.listen).await?;
        Ok(Application {
            listener,
            state: AppState {
                city_name: config.city_name.clone(),
                surcharge: config.surcharge.terms(),
                notice_prefix: config.notice_prefix.clone(),
                contact: std::sync::Arc::new(config.contact.clone()),
                tree_heads: std::sync::Arc::new(crate::tree_heads::Signer::from_config(
                    &config.tree_heads,
                    config.demo,
                )?),
                mail: std::sync::Arc::new(config.mail.clone()),
                documents: std::sync::Arc::new(crate::documents::Documents::new(
                    &config.documents.mayor_title,
                    config.documents.document_font.clone(),
                )),
                clock: config.clock.clone(),
                require_verified_email: config.require_verified_email,
                require_staff_totp: config.require_staff_totp,
                totp_key: Some(std::sync::Arc::new(totp_key)),
                trusted_proxies: std::sync::Arc::new(config.trusted_proxies.clone()),
                sign_up_limiter: std::sync::Arc::new(SignUpLimiter::new(Allowance {
                    free: config.sign_ups_per_hour,
                    ..SIGN_UPS
                })),
                ..AppState::with_blobs(db, blobs)
            },
        })
    }

    /// The port the listener is bound to (the one picked when asked for port 0).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or(0)
    }

    /// The service's state (the demo seeds the log through it before serving).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, database = self.state.db.backend_name(), "serving");
        // The read models catch up from the log, and round decisions are followed up, in the
        // background for as long as the service serves.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let projections = std::sync::Arc::clone(&self.state.projections);
        let runner = tokio::spawn({
            let stopped = until_stopped(stopped.clone());
            async move { projections.run(stopped).await }
        });
        let follow_up = tokio::spawn(crate::follow_up::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let release = tokio::spawn(crate::process::release::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let change = tokio::spawn(crate::process::change::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let heads = tokio::spawn(crate::tree_heads::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let outbox = tokio::spawn(crate::mail::outbox::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let documents = tokio::spawn(crate::documents::issue::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let reminders = tokio::spawn(crate::mail::reminders::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let sender = tokio::spawn(crate::mail::sender::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        // PostgreSQL: the other instances' revocations of sessions (crate::auth::session_cache).
        let sessions = tokio::spawn(crate::auth::session_cache::listen(
            self.state.db.clone(),
            std::sync::Arc::clone(&self.state.sessions),
            until_stopped(stopped),
        ));
        let served = axum::serve(
            self.listener,
            router(self.state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        let _ = stop.send(true);
        let _ = runner.await;
        let _ = follow_up.await;
        let _ = release.await;
        let _ = change.await;
        let _ = heads.await;
        let _ = outbox.await;
        let _ = reminders.await;
        let _ = sender.await;
        let _ = documents.await;
        let _ = sessions.await;
        Ok(served?)
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
