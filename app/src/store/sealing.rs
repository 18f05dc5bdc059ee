//! The event repository every store uses: cqrs-es's repository for the backend, with the personal
//! fields of events sealed on their way in and opened on their way out ([`crate::personal`]). It is
//! the one place where ciphertext becomes text: the domain, the pages and the read models (which
//! read only fields that are not personal) never see ciphertext.
//!
//! `stream_events` and `stream_all_events` (cqrs-es's query replay, which the service does not use)
//! pass the stored events through as they are, sealed. Snapshots are the aggregate's state, not
//! events: the group and the account, the aggregates with personal fields, are never snapshotted.

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use serde_json::Value;

use crate::personal::{self, Keys};

/// A repository whose events' personal fields are sealed in the log.
pub struct Sealing<R> {
    inner: R,
    keys: Keys,
}

impl<R> Sealing<R> {
    /// Wraps `inner`, sealing and opening with the data subjects' keys in `keys`.
    pub fn new(inner: R, keys: Keys) -> Self {
        Sealing { inner, keys }
    }
}

fn failure(error: personal::Error) -> PersistenceError {
    match error {
        // Kept as the sqlx error, so that the store tells an outage apart.
        personal::Error::Database(error) => PersistenceError::UnknownError(Box::new(error)),
        other => PersistenceError::UnknownError(Box::new(other)),
    }
}

impl<R> Sealing<R> {
    /// The repository it wraps, for a read cqrs-es's trait does not name (the events of several
    /// streams at once); what it reads goes through [`Sealing::opened`].
    pub(crate) fn inner(&self) -> &R {
        &self.inner
    }
}

impl<R: PersistedEventRepository> Sealing<R> {
    /// `events` with their personal fields opened.
    pub(crate) async fn opened(
        &self,
        events: Result<Vec<SerializedEvent>, PersistenceError>,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let mut events = events?;
        self.keys
            .open_events(&mut events)
            .await
            .map_err(|e| PersistenceError::UnknownError(Box::new(e)))?;
        Ok(events)
    }
}

impl<R: PersistedEventRepository> PersistedEventRepository for Sealing<R> {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.opened(self.inner.get_events::<A>(aggregate_id).await)
            .await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.opened(
            self.inner
                .get_last_events::<A>(aggregate_id, last_sequence)
                .await,
        )
        .await
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        self.inner.get_snapshot::<A>(aggregate_id).await
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if !events.iter().any(personal::has_personal_field) {
            return self.inner.persist::<A>(events, snapshot_update).await;
        }
        let mut sealed = events.to_vec();
        self.keys.seal_events(&mut sealed).await.map_err(failure)?;
        self.inner.persist::<A>(&sealed, snapshot_update).await
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        self.inner.stream_events::<A>(aggregate_id).await
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        self.inner.stream_all_events::<A>().await
    }
}
