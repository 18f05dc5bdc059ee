//! The grant's notices (`crate::document`): recording one issued.

use time::OffsetDateTime;

use crate::document::IssuedNotice;
use crate::ids::UserId;

use super::errors::GrantError;
use super::events::GrantEvent;
use super::Grant;

impl Grant {
    /// The notice issued for the event `source_sequence` of `source_type`, of `kind`, if any.
    pub fn notice_issued_for(
        &self,
        source_type: &str,
        source_sequence: i64,
        kind: crate::document::DocumentKind,
    ) -> Option<&IssuedNotice> {
        self.notices.iter().find(|notice| {
            notice.source_type == source_type
                && notice.source_sequence == source_sequence
                && notice.kind == kind
        })
    }

    /// The latest notice of `kind`.
    pub fn latest_notice(&self, kind: crate::document::DocumentKind) -> Option<&IssuedNotice> {
        self.notices.iter().rev().find(|notice| notice.kind == kind)
    }

    /// Records the notices one event called for; those already recorded for the same event and
    /// kind are not recorded again (the documents process may meet an event twice).
    pub(super) fn record_notices(
        &self,
        notices: Vec<IssuedNotice>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        if !self.is_decided() {
            return Err(GrantError::NotDecided);
        }
        Ok(notices
            .into_iter()
            .filter(|notice| {
                self.notice_issued_for(&notice.source_type, notice.source_sequence, notice.kind)
                    .is_none()
            })
            .map(|notice| GrantEvent::NoticeIssued { notice, by, at })
            .collect())
    }
}
