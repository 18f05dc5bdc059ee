//! An attached file as its readers see it, typed: the reads of applications, settlement reports and
//! change requests list their files with it, and an upload answers it. Its bytes are at `href`,
//! verified on every read (`crate::service::attachments::file`).

use grants_domain::attachment::{Attached, AttachmentKind, MediaType};
use grants_domain::{ApplicationId, AttachmentId, ChangeRequestId, Grant, GrantId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::attachments::Target;
use super::jst;

/// An attached file as its readers see it (its bytes at `href`, verified on every read).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRead {
    /// The attachment.
    pub id: AttachmentId,
    /// What the file is (見積書, 規約, 名簿, receipt, photo, ...).
    pub kind: AttachmentKind,
    /// The kind in Japanese (見積書).
    pub kind_ja: String,
    /// The file name the uploader gave.
    pub file_name: String,
    /// Judged from the content, never from the name.
    pub media_type: MediaType,
    /// In bytes (at most 10 MiB).
    pub size: u64,
    /// The content's SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    /// Who attached it.
    pub added_by: UserId,
    /// When it was attached, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub added_at: String,
    /// On a settlement report: the receipt number of the expense line this receipt proves, if the
    /// group named one (null if not); absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub receipt_number: Option<Option<String>>,
    /// On a settlement report: whether the group lets the public see this activity photo (only
    /// such photos ever appear in public outputs); absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// Where to download it.
    pub href: String,
    /// Present on the answer to an upload: the log position of its event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

impl AttachmentRead {
    /// A file of `target` (a report's with its line and whether it is public).
    pub fn of(target: Target, attached: &Attached) -> Self {
        let file = &attached.attachment;
        let (href, on_report) = match target {
            Target::Application(id) => (application_href(id), false),
            Target::Report(id) => (report_href(id), true),
            Target::Change(id, change) => (change_href(id, change), false),
        };
        AttachmentRead {
            id: file.id,
            kind: file.kind,
            kind_ja: file.kind.label_ja().to_owned(),
            file_name: file.file_name.as_str().to_owned(),
            media_type: file.media_type,
            size: file.size,
            sha256: file.sha256.as_str().to_owned(),
            added_by: attached.by,
            added_at: jst(attached.at),
            receipt_number: on_report.then(|| attached.receipt_number.clone()),
            public: on_report.then_some(attached.public),
            href: format!("{href}/{}", file.id),
            position: None,
        }
    }

    /// The files of an application.
    pub fn application_files(id: ApplicationId, files: &[Attached]) -> Vec<Self> {
        list(Target::Application(id), files)
    }

    /// The files of a grant's settlement report.
    pub fn report_files(grant: &Grant) -> Vec<Self> {
        list(Target::Report(grant.grant_id), &grant.report_attachments)
    }

    /// The files of one change request of a grant.
    pub fn change_files(grant: &Grant, change: ChangeRequestId) -> Vec<Self> {
        list(
            Target::Change(grant.grant_id, change),
            &grant.change_files(change),
        )
    }

    /// Whether the file is of `kind`.
    pub fn is(&self, kind: AttachmentKind) -> bool {
        self.kind == kind
    }
}

/// The files of `target`, in the order attached.
pub fn list(target: Target, files: &[Attached]) -> Vec<AttachmentRead> {
    files
        .iter()
        .map(|attached| AttachmentRead::of(target, attached))
        .collect()
}

fn application_href(id: ApplicationId) -> String {
    format!("/api/v1/applications/{id}/attachments")
}

fn report_href(id: GrantId) -> String {
    format!("/api/v1/grants/{id}/settlement-report/attachments")
}

fn change_href(id: GrantId, change: ChangeRequestId) -> String {
    format!("/api/v1/grants/{id}/change-requests/{change}/attachments")
}

#[cfg(test)]
mod tests {
    use super::*;
    use grants_domain::attachment::{Attachment, FileName, Sha256};
    use time::macros::datetime;

    fn attached() -> Attached {
        Attached::new(
            Attachment {
                id: AttachmentId::new(),
                kind: AttachmentKind::Receipt,
                file_name: FileName::new("領収書.pdf").unwrap(),
                media_type: MediaType::Pdf,
                size: 1234,
                sha256: Sha256::parse(&"ab".repeat(32)).unwrap(),
            },
            UserId::new(),
            datetime!(2026-06-01 01:00 UTC),
        )
    }

    #[test]
    fn only_a_report_file_carries_its_line_and_whether_it_is_public() {
        let grant = GrantId::new();
        let report =
            serde_json::to_value(AttachmentRead::of(Target::Report(grant), &attached())).unwrap();
        assert!(report["receipt_number"].is_null());
        assert_eq!(report.get("receipt_number"), Some(&serde_json::Value::Null));
        assert_eq!(report["public"], false);
        assert_eq!(report["added_at"], "2026-06-01T10:00:00+09:00");
        let application = serde_json::to_value(AttachmentRead::of(
            Target::Application(ApplicationId::new()),
            &attached(),
        ))
        .unwrap();
        assert_eq!(application.get("receipt_number"), None);
        assert_eq!(application.get("public"), None);
        assert!(application["href"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/applications/"));
    }
}
