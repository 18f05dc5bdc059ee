//! What every command handler needs besides its body: the request id, the idempotency key (with the
//! attempt the idempotency layer runs it as), the server's clock reading for this request, and the
//! fresh ids it creates things under.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use grants_domain::UserId;
use time::OffsetDateTime;

use super::error::ApiError;
use super::REQUEST_ID;
use crate::auth::Actor;
use crate::store::{ActorRole, Attempt, CommandMetadata, Executed, Loaded, Store};
use cqrs_es::Aggregate;
use grants_domain::Refusal;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The request's identity and the instant it was received.
#[derive(Clone, Debug)]
pub struct CommandContext {
    pub request_id: String,
    pub idempotency_key: Option<String>,
    pub now: OffsetDateTime,
    /// The execution of this request the idempotency layer runs (requests with a key only).
    pub attempt: Option<Attempt>,
}

impl CommandContext {
    pub fn metadata(&self, actor_id: UserId, role: ActorRole) -> CommandMetadata {
        CommandMetadata {
            actor_id,
            actor_role: role,
            request_id: self.request_id.clone(),
            idempotency_key: self.idempotency_key.clone(),
            recorded_at: self.now,
            attempt: self.attempt.clone(),
        }
    }

    /// A fresh id for something this request creates. Under an Idempotency-Key it is derived from
    /// the request's attempt, so that a resumed execution asks for the same aggregate the first one
    /// created (`store::attempt`); otherwise a new UUID v7.
    pub fn new_id<T: From<uuid::Uuid>>(&self) -> T {
        T::from(match &self.attempt {
            Some(attempt) => attempt.next_id(),
            None => uuid::Uuid::now_v7(),
        })
    }

    /// Metadata for a signed-in actor acting in `role`.
    pub fn metadata_for(&self, actor: &Actor, role: ActorRole) -> CommandMetadata {
        self.metadata(actor.user_id, role)
    }

    /// Runs `command` on the aggregate `id` as `actor` acting in `role`, with this request's
    /// metadata; a refusal becomes its problem+json answer.
    pub async fn run<A>(
        &self,
        store: &Store<A>,
        id: impl std::fmt::Display,
        command: A::Command,
        actor: &Actor,
        role: ActorRole,
    ) -> Result<Executed<A>, ApiError>
    where
        A: Aggregate<Services = ()> + Clone,
        A::Command: Clone,
        A::Error: Refusal,
    {
        let loaded = store.load_for_command(id).await?;
        self.run_loaded(store, loaded, command, actor, role).await
    }

    /// Like [`CommandContext::run`], for a command that starts a new aggregate under a fresh id
    /// (no load before the append: see [`Store::create`]).
    pub async fn create<A>(
        &self,
        store: &Store<A>,
        id: impl std::fmt::Display,
        command: A::Command,
        actor: &Actor,
        role: ActorRole,
    ) -> Result<Executed<A>, ApiError>
    where
        A: Aggregate<Services = ()> + Clone,
        A::Command: Clone,
        A::Error: Refusal,
    {
        self.run_loaded(store, Loaded::blank(id), command, actor, role)
            .await
    }

    /// Like [`CommandContext::run`], on the aggregate the handler already loaded to check who may
    /// act on it ([`Store::execute_loaded`]).
    pub async fn run_loaded<A>(
        &self,
        store: &Store<A>,
        loaded: Loaded<A>,
        command: A::Command,
        actor: &Actor,
        role: ActorRole,
    ) -> Result<Executed<A>, ApiError>
    where
        A: Aggregate<Services = ()> + Clone,
        A::Command: Clone,
        A::Error: Refusal,
    {
        let metadata = self.metadata_for(actor, role);
        Ok(store.execute_loaded(loaded, command, &metadata).await?)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CommandContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let idempotency_key = header(IDEMPOTENCY_KEY);
        if let Some(key) = &idempotency_key {
            if key.is_empty() || key.len() > 200 {
                return Err(ApiError::bad_request(
                    "Idempotency-Key は1〜200文字にしてください",
                    "the Idempotency-Key must have 1 to 200 characters",
                ));
            }
        }
        Ok(CommandContext {
            request_id: header(REQUEST_ID.as_str()).unwrap_or_default(),
            idempotency_key,
            now: OffsetDateTime::now_utc(),
            attempt: parts.extensions.get::<Attempt>().cloned(),
        })
    }
}
