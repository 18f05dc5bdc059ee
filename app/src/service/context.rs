//! What every command needs besides its input: the request id, the idempotency key (with the
//! attempt the idempotency layer runs it as), the clock reading for this request, and the fresh ids
//! it creates things under. Each adapter builds one per request (`crate::http::context` from the
//! headers).

use cqrs_es::Aggregate;
use grants_domain::group::Acting;
use grants_domain::{Refusal, UserId};
use time::OffsetDateTime;

use super::ServiceError;
use crate::auth::Actor;
use crate::store::{ActorRole, Attempt, CommandMetadata, Executed, Loaded, Store};

/// The request's identity and the instant it was received.
#[derive(Clone, Debug)]
pub struct CommandContext {
    /// The request's id (`x-request-id`), recorded in each event's metadata.
    pub request_id: String,
    /// The caller's `Idempotency-Key` (or a form's one-time key), if it sent one.
    pub idempotency_key: Option<String>,
    /// The instant the request was received (UTC): what the command reads as now.
    pub now: OffsetDateTime,
    /// The execution of this request the idempotency layer runs (requests with a key only).
    pub attempt: Option<Attempt>,
}

impl CommandContext {
    /// The context of a command with no request id and no idempotency key behind it (a page's
    /// one-time link, a form without a key), run at `now`.
    pub fn at(now: OffsetDateTime) -> Self {
        CommandContext {
            request_id: String::new(),
            idempotency_key: None,
            now,
            attempt: None,
        }
    }

    /// The metadata the command's events carry: this request, `actor_id` acting as `role`.
    pub fn metadata(&self, actor_id: UserId, role: ActorRole) -> CommandMetadata {
        CommandMetadata {
            actor_id,
            actor_role: role,
            on_behalf_of: None,
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

    /// Metadata for an actor acting for `group` as `acting`: a member acts as an applicant; a
    /// coordinator (中間支援) as a coordinator, on behalf of the group (`on_behalf_of`).
    pub fn metadata_acting(
        &self,
        actor: &Actor,
        acting: Acting,
        group: grants_domain::GroupId,
    ) -> CommandMetadata {
        match acting {
            Acting::Member => self.metadata_for(actor, ActorRole::Applicant),
            Acting::Coordinator { .. } => CommandMetadata {
                on_behalf_of: Some(group.to_string()),
                ..self.metadata_for(actor, ActorRole::Coordinator)
            },
        }
    }

    /// Runs `command` on the aggregate `id` as `actor` acting in `role`, with this request's
    /// metadata; a refusal becomes a [`ServiceError`].
    pub async fn run<A>(
        &self,
        store: &Store<A>,
        id: impl std::fmt::Display,
        command: A::Command,
        actor: &Actor,
        role: ActorRole,
    ) -> Result<Executed<A>, ServiceError>
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
    ) -> Result<Executed<A>, ServiceError>
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
    ) -> Result<Executed<A>, ServiceError>
    where
        A: Aggregate<Services = ()> + Clone,
        A::Command: Clone,
        A::Error: Refusal,
    {
        let metadata = self.metadata_for(actor, role);
        self.run_loaded_with(store, loaded, command, &metadata)
            .await
    }

    /// Like [`CommandContext::run_loaded`], with metadata already made (see
    /// [`CommandContext::metadata_acting`]).
    pub async fn run_loaded_with<A>(
        &self,
        store: &Store<A>,
        loaded: Loaded<A>,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Executed<A>, ServiceError>
    where
        A: Aggregate<Services = ()> + Clone,
        A::Command: Clone,
        A::Error: Refusal,
    {
        Ok(store.execute_loaded(loaded, command, metadata).await?)
    }
}
