//! Files handed in with an application (見積書, 規約, 名簿, 事業計画の資料), and later with a
//! settlement report or a change request: what may be attached, and how much.
//!
//! The service stores a file's bytes elsewhere (content-addressed by SHA-256) and records here only
//! what identifies them: `{attachment id, kind, file name, media type, size, sha256}`. The rules:
//! - a file is at most [`FILE_MAX_BYTES`] and not empty; its media type is one of [`MediaType`]
//!   (judged by the service from the content's first bytes, never from the name);
//! - an object holds at most [`PER_OBJECT_MAX`] files and [`OBJECT_TOTAL_MAX_BYTES`] in all, and the
//!   same content only once;
//! - a file's name is one line of at most [`FILE_NAME_MAX`] characters without a path;
//! - each kind belongs to one kind of object (a receipt to a settlement report, a quote to an
//!   application; "other" to any).
//!
//! Whether the object may still be changed is the owning aggregate's rule (an application while it
//! is a draft or returned for correction).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{AttachmentId, UserId};
use crate::refusal::{Refusal, RefusalKind};
use crate::text::{check_characters, ForbiddenCharacter, Lines};

/// The largest file accepted: 10 MiB.
pub const FILE_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// The most files one object holds.
pub const PER_OBJECT_MAX: usize = 20;
/// The most bytes one object's files hold together: 50 MiB.
pub const OBJECT_TOTAL_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// The longest file name, in characters.
pub const FILE_NAME_MAX: usize = 200;

/// What a file is, as the group names it when it attaches it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// 見積書: a quote for an expense line.
    Quote,
    /// 規約: the group's rules (eligibility rests on them).
    Rules,
    /// 名簿: the member list.
    MemberList,
    /// 事業計画の資料: material on the project plan.
    PlanMaterial,
    /// 領収書: a receipt (settlement reports).
    Receipt,
    /// 活動写真: a photo of the activity (settlement reports).
    ActivityPhoto,
    /// その他.
    Other,
}

/// The kinds of object a file may be attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachedTo {
    /// An application (交付申請).
    Application,
    /// A grant's settlement report (実績報告).
    SettlementReport,
    /// A grant's change request (変更承認申請).
    ChangeRequest,
}

impl AttachmentKind {
    /// Every kind, in the order a form lists them.
    pub const ALL: [AttachmentKind; 7] = [
        Self::Quote,
        Self::Rules,
        Self::MemberList,
        Self::PlanMaterial,
        Self::Receipt,
        Self::ActivityPhoto,
        Self::Other,
    ];

    /// The name in the HTTP contract (`quote`, `member_list`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quote => "quote",
            Self::Rules => "rules",
            Self::MemberList => "member_list",
            Self::PlanMaterial => "plan_material",
            Self::Receipt => "receipt",
            Self::ActivityPhoto => "activity_photo",
            Self::Other => "other",
        }
    }

    /// The kind named `name` in the HTTP contract.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The kind as the Japanese screens name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Quote => "見積書",
            Self::Rules => "規約",
            Self::MemberList => "名簿",
            Self::PlanMaterial => "事業計画の資料",
            Self::Receipt => "領収書",
            Self::ActivityPhoto => "活動写真",
            Self::Other => "その他",
        }
    }

    /// Whether a file of this kind belongs on `object`.
    pub fn fits(self, object: AttachedTo) -> bool {
        match self {
            Self::Other => true,
            Self::Quote => matches!(object, AttachedTo::Application | AttachedTo::ChangeRequest),
            Self::Rules | Self::MemberList | Self::PlanMaterial => {
                object == AttachedTo::Application
            }
            Self::Receipt | Self::ActivityPhoto => object == AttachedTo::SettlementReport,
        }
    }

    /// The kinds that belong on `object`, in the order a form lists them.
    pub fn for_object(object: AttachedTo) -> Vec<AttachmentKind> {
        Self::ALL
            .into_iter()
            .filter(|kind| kind.fits(object))
            .collect()
    }
}

/// The media types accepted: documents a city office opens without risk, and photos.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaType {
    /// PDF.
    #[serde(rename = "application/pdf")]
    Pdf,
    /// JPEG photo or scan.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// PNG image.
    #[serde(rename = "image/png")]
    Png,
    /// Plain text, UTF-8 (CSV included).
    #[serde(rename = "text/plain")]
    PlainText,
    /// Word document (.docx).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    Docx,
    /// Excel workbook (.xlsx).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx,
    /// PowerPoint presentation (.pptx).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.presentationml.presentation")]
    Pptx,
}

impl MediaType {
    /// Every accepted type, in the order a form lists them.
    pub const ALL: [MediaType; 7] = [
        Self::Pdf,
        Self::Jpeg,
        Self::Png,
        Self::PlainText,
        Self::Docx,
        Self::Xlsx,
        Self::Pptx,
    ];

    /// The MIME type (`application/pdf`).
    pub fn as_mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::PlainText => "text/plain",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
        }
    }

    /// The accepted type named `mime`, if it is one.
    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|media| media.as_mime() == mime)
    }

    /// A short name for people (`PDF`, `Excel`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::PlainText => "テキスト",
            Self::Docx => "Word",
            Self::Xlsx => "Excel",
            Self::Pptx => "PowerPoint",
        }
    }
}

/// A SHA-256 digest as 64 lowercase hexadecimal digits: the address of the file's bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(String);

impl Sha256 {
    /// The digest written as `hex`, if it is 64 lowercase hexadecimal digits.
    pub fn parse(hex: &str) -> Option<Self> {
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Sha256(hex.to_owned()))
    }

    /// The digest's 64 lowercase hexadecimal digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256 {
    type Error = String;
    fn try_from(hex: String) -> Result<Self, Self::Error> {
        Sha256::parse(&hex).ok_or_else(|| "a SHA-256 is 64 lowercase hex digits".to_owned())
    }
}

impl From<Sha256> for String {
    fn from(sha: Sha256) -> String {
        sha.0
    }
}

impl std::fmt::Display for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file's name as the group's computer called it: one line, no path, at most
/// [`FILE_NAME_MAX`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FileName(String);

impl FileName {
    /// The name, trimmed, if it is acceptable.
    pub fn new(name: &str) -> Result<Self, AttachmentError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AttachmentError::FileNameMissing);
        }
        let length = name.chars().count();
        if length > FILE_NAME_MAX {
            return Err(AttachmentError::FileNameTooLong {
                length,
                max: FILE_NAME_MAX,
            });
        }
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(AttachmentError::FileNameHasPath);
        }
        check_characters("file_name", name, Lines::One)?;
        Ok(FileName(name.to_owned()))
    }

    /// The name, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FileName {
    type Error = AttachmentError;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        FileName::new(&name)
    }
}

impl From<FileName> for String {
    fn from(name: FileName) -> String {
        name.0
    }
}

/// What identifies an attached file (its bytes are stored by `sha256`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The attachment's id, by which it is detached or downloaded.
    pub id: AttachmentId,
    /// What the file is, as the group named it.
    pub kind: AttachmentKind,
    /// The file's name on the group's computer, shown in lists.
    pub file_name: FileName,
    /// The media type, judged from the content's first bytes.
    pub media_type: MediaType,
    /// In bytes.
    pub size: u64,
    /// The digest of the bytes, which is where the store keeps them.
    pub sha256: Sha256,
}

/// A file as its object holds it: who attached it, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// The file.
    pub attachment: Attachment,
    /// The user who attached it.
    pub by: UserId,
    /// When it was attached (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// On a settlement report: the receipt number of the expense line a receipt proves.
    /// Defaulted: a snapshot from before it had none.
    #[serde(default)]
    pub receipt_number: Option<String>,
    /// On a settlement report: an activity photo the group lets the public see. Every other file
    /// stays out of public outputs. Defaulted, as above.
    #[serde(default)]
    pub public: bool,
}

impl Attached {
    /// A file attached by `by` at `at`, naming no expense line and not public.
    pub fn new(attachment: Attachment, by: UserId, at: OffsetDateTime) -> Self {
        Attached {
            attachment,
            by,
            at,
            receipt_number: None,
            public: false,
        }
    }
}

/// Whether a settlement report's file may name the expense line `receipt_number` (of the saved
/// report's `receipt_numbers`) and be `public`: only a receipt names a line, and one the saved
/// report has; only an activity photo (JPEG or PNG) may be public.
pub fn check_report_marks(
    file: &Attachment,
    receipt_number: Option<&str>,
    public: bool,
    receipt_numbers: &[&str],
) -> Result<(), AttachmentError> {
    if let Some(number) = receipt_number {
        if file.kind != AttachmentKind::Receipt {
            return Err(AttachmentError::LineOnlyForReceipt);
        }
        if !receipt_numbers.contains(&number) {
            return Err(AttachmentError::LineNotOnReport {
                receipt_number: number.to_owned(),
            });
        }
    }
    if public
        && (file.kind != AttachmentKind::ActivityPhoto
            || !matches!(file.media_type, MediaType::Jpeg | MediaType::Png))
    {
        return Err(AttachmentError::PublicOnlyForPhoto);
    }
    Ok(())
}

/// Refuses a file of `size` bytes: empty, or over [`FILE_MAX_BYTES`]. The service also calls it
/// while the upload streams in, to stop reading as soon as the limit is passed.
pub fn check_size(size: u64) -> Result<(), AttachmentError> {
    if size == 0 {
        Err(AttachmentError::EmptyFile)
    } else if size > FILE_MAX_BYTES {
        Err(AttachmentError::FileTooLarge {
            max: FILE_MAX_BYTES,
        })
    } else {
        Ok(())
    }
}

/// Whether `file` may join the files an object of kind `object` already holds (`held`).
pub fn check_room(
    object: AttachedTo,
    held: &[Attached],
    file: &Attachment,
) -> Result<(), AttachmentError> {
    if !file.kind.fits(object) {
        return Err(AttachmentError::KindNotForObject { kind: file.kind });
    }
    check_size(file.size)?;
    if held.iter().any(|one| one.attachment.id == file.id) {
        return Err(AttachmentError::AlreadyAttached);
    }
    if held.iter().any(|one| one.attachment.sha256 == file.sha256) {
        return Err(AttachmentError::SameContent);
    }
    if held.len() >= PER_OBJECT_MAX {
        return Err(AttachmentError::TooMany {
            max: PER_OBJECT_MAX,
        });
    }
    let total: u64 = held.iter().map(|one| one.attachment.size).sum::<u64>() + file.size;
    if total > OBJECT_TOTAL_MAX_BYTES {
        return Err(AttachmentError::TotalTooLarge {
            max: OBJECT_TOTAL_MAX_BYTES,
        });
    }
    Ok(())
}

/// Whether `id` is among the files held, for its removal.
pub fn check_held(held: &[Attached], id: AttachmentId) -> Result<(), AttachmentError> {
    if held.iter().any(|one| one.attachment.id == id) {
        Ok(())
    } else {
        Err(AttachmentError::NotFound)
    }
}

fn mib(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

/// A refused file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("a file may be at most {} MB", mib(*.max))]
    /// The file is larger than `FILE_MAX_BYTES`.
    FileTooLarge {
        /// The limit, in bytes.
        max: u64,
    },
    /// The file has no bytes.
    #[error("the file is empty")]
    EmptyFile,
    /// The content is not one of the accepted `MediaType`s.
    #[error("only PDF, JPEG, PNG, plain text (UTF-8) and Word, Excel or PowerPoint files are accepted; the type is judged from the content, not the name")]
    UnsupportedType,
    /// The name is empty after trimming.
    #[error("the file needs a name")]
    FileNameMissing,
    #[error("a file name may be at most {max} characters long (it has {length})")]
    /// The name is longer than `FILE_NAME_MAX` characters.
    FileNameTooLong {
        /// The name's length, in characters.
        length: usize,
        /// The limit, in characters.
        max: usize,
    },
    /// The name holds a `/` or `\`, or is `.` or `..`.
    #[error("a file name may not contain a path")]
    FileNameHasPath,
    /// The name holds a character a one-line field may not.
    #[error("{0}")]
    FileNameCharacter(#[from] ForbiddenCharacter),
    #[error("a file of kind {} does not belong here", .kind.as_str())]
    /// A file of this kind does not belong on this object (a receipt on an application, say).
    KindNotForObject {
        /// The kind the group gave.
        kind: AttachmentKind,
    },
    /// An attachment with this id is already on the object.
    #[error("this attachment is already attached")]
    AlreadyAttached,
    /// A file with the same bytes (SHA-256) is already on the object.
    #[error("the same file is already attached")]
    SameContent,
    #[error("at most {max} files may be attached")]
    /// The object already holds `PER_OBJECT_MAX` files.
    TooMany {
        /// The limit, in files.
        max: usize,
    },
    #[error("the attached files may hold at most {} MB together", mib(*.max))]
    /// The object's files would hold more than `OBJECT_TOTAL_MAX_BYTES` together.
    TotalTooLarge {
        /// The limit, in bytes.
        max: u64,
    },
    /// The object holds no attachment with this id.
    #[error("there is no such attachment")]
    NotFound,
    /// An expense line named for a file that is not a receipt.
    #[error("only a receipt names the expense line it proves")]
    LineOnlyForReceipt,
    #[error("the saved settlement report has no expense line with receipt number {receipt_number}; save the report first")]
    /// The receipt names an expense line the saved settlement report does not have.
    LineNotOnReport {
        /// The receipt number (領収書番号) given.
        receipt_number: String,
    },
    /// Making public a file that is not an activity photo in JPEG or PNG.
    #[error("only an activity photo (JPEG or PNG) may be made public")]
    PublicOnlyForPhoto,
}

impl Refusal for AttachmentError {
    fn code(&self) -> &'static str {
        match self {
            Self::FileTooLarge { .. } => "attachment.file_too_large",
            Self::EmptyFile => "attachment.empty_file",
            Self::UnsupportedType => "attachment.unsupported_type",
            Self::FileNameMissing => "attachment.file_name_missing",
            Self::FileNameTooLong { .. } => "attachment.file_name_too_long",
            Self::FileNameHasPath => "attachment.file_name_has_path",
            Self::FileNameCharacter(error) => error.code(),
            Self::KindNotForObject { .. } => "attachment.kind_not_for_object",
            Self::AlreadyAttached => "attachment.already_attached",
            Self::SameContent => "attachment.same_content",
            Self::TooMany { .. } => "attachment.too_many",
            Self::TotalTooLarge { .. } => "attachment.total_too_large",
            Self::NotFound => "attachment.not_found",
            Self::LineOnlyForReceipt => "attachment.line_only_for_receipt",
            Self::LineNotOnReport { .. } => "attachment.line_not_on_report",
            Self::PublicOnlyForPhoto => "attachment.public_only_for_photo",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::FileTooLarge { max } => {
                format!("ファイルは1件{}MBまでです", mib(*max))
            }
            Self::EmptyFile => "ファイルが空です".into(),
            Self::UnsupportedType => "添付できるのはPDF・JPEG・PNG・テキスト（UTF-8）・Word・Excel・PowerPointのファイルです（種類はファイル名ではなく内容で判定します）".into(),
            Self::FileNameMissing => "ファイル名がありません".into(),
            Self::FileNameTooLong { length, max } => {
                format!("ファイル名は{max}文字以内にしてください（現在{length}文字）")
            }
            Self::FileNameHasPath => "ファイル名にフォルダの区切り（/ や \\）は使えません".into(),
            Self::FileNameCharacter(error) => error.message_ja_as("ファイル名"),
            Self::KindNotForObject { kind } => {
                format!("「{}」はここには添付できません", kind.label_ja())
            }
            Self::AlreadyAttached => "この添付書類はすでに添付されています".into(),
            Self::SameContent => "同じファイルがすでに添付されています".into(),
            Self::TooMany { max } => format!("添付できるファイルは{max}件までです"),
            Self::TotalTooLarge { max } => {
                format!("添付ファイルは合計{}MBまでです", mib(*max))
            }
            Self::NotFound => "この添付書類はありません".into(),
            Self::LineOnlyForReceipt => "経費の行を指定できるのは領収書だけです".into(),
            Self::LineNotOnReport { receipt_number } => format!(
                "保存された実績報告に領収書番号「{receipt_number}」の支出がありません。先に実績報告を保存してください"
            ),
            Self::PublicOnlyForPhoto => {
                "公開できるのは活動写真（JPEG・PNG）だけです".into()
            }
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::TooMany { .. }
            | Self::TotalTooLarge { .. }
            | Self::SameContent
            | Self::KindNotForObject { .. }
            | Self::LineOnlyForReceipt
            | Self::LineNotOnReport { .. }
            | Self::PublicOnlyForPhoto => RefusalKind::Rule,
            Self::AlreadyAttached | Self::NotFound => RefusalKind::State,
            Self::FileNameCharacter(error) => error.kind(),
            Self::FileTooLarge { .. }
            | Self::EmptyFile
            | Self::UnsupportedType
            | Self::FileNameMissing
            | Self::FileNameTooLong { .. }
            | Self::FileNameHasPath => RefusalKind::Invalid,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::KindNotForObject { .. } => Some("kind"),
            Self::LineOnlyForReceipt | Self::LineNotOnReport { .. } => Some("receipt_number"),
            Self::PublicOnlyForPhoto => Some("public"),
            Self::NotFound | Self::AlreadyAttached => None,
            _ => Some("file"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(n: u128, size: u64) -> Attachment {
        Attachment {
            id: AttachmentId::from_uuid(uuid::Uuid::from_u128(n)),
            kind: AttachmentKind::Quote,
            file_name: FileName::new("見積書.pdf").unwrap(),
            media_type: MediaType::Pdf,
            size,
            sha256: Sha256::parse(&format!("{n:064x}")).unwrap(),
        }
    }

    fn held(files: Vec<Attachment>) -> Vec<Attached> {
        files
            .into_iter()
            .map(|attachment| {
                Attached::new(
                    attachment,
                    UserId::from_uuid(uuid::Uuid::from_u128(9)),
                    time::macros::datetime!(2026-05-20 15:00 +09:00),
                )
            })
            .collect()
    }

    #[test]
    fn a_file_over_ten_megabytes_or_empty_is_refused() {
        assert_eq!(check_size(FILE_MAX_BYTES), Ok(()));
        let refused = check_size(FILE_MAX_BYTES + 1).unwrap_err();
        assert_eq!(refused.code(), "attachment.file_too_large");
        assert_eq!(refused.message_ja(), "ファイルは1件10MBまでです");
        assert_eq!(check_size(0), Err(AttachmentError::EmptyFile));
    }

    #[test]
    fn an_object_holds_at_most_twenty_files_and_fifty_megabytes() {
        let twenty = held((1..=20).map(|n| file(n, 10)).collect());
        assert_eq!(
            check_room(AttachedTo::Application, &twenty, &file(21, 10)),
            Err(AttachmentError::TooMany { max: 20 })
        );
        let five = held((1..=5).map(|n| file(n, FILE_MAX_BYTES)).collect());
        let refused = check_room(AttachedTo::Application, &five, &file(6, 1)).unwrap_err();
        assert_eq!(refused.message_ja(), "添付ファイルは合計50MBまでです");
        let four = held((1..=4).map(|n| file(n, FILE_MAX_BYTES)).collect());
        assert_eq!(
            check_room(AttachedTo::Application, &four, &file(6, FILE_MAX_BYTES)),
            Ok(())
        );
    }

    #[test]
    fn the_same_content_is_attached_once() {
        let one = held(vec![file(1, 10)]);
        let mut again = file(2, 10);
        again.sha256 = file(1, 10).sha256;
        assert_eq!(
            check_room(AttachedTo::Application, &one, &again),
            Err(AttachmentError::SameContent)
        );
    }

    #[test]
    fn a_receipt_belongs_to_a_settlement_report_not_an_application() {
        let mut receipt = file(1, 10);
        receipt.kind = AttachmentKind::Receipt;
        let refused = check_room(AttachedTo::Application, &[], &receipt).unwrap_err();
        assert_eq!(refused.message_ja(), "「領収書」はここには添付できません");
        assert_eq!(
            check_room(AttachedTo::SettlementReport, &[], &receipt),
            Ok(())
        );
        assert_eq!(
            AttachmentKind::for_object(AttachedTo::Application),
            vec![
                AttachmentKind::Quote,
                AttachmentKind::Rules,
                AttachmentKind::MemberList,
                AttachmentKind::PlanMaterial,
                AttachmentKind::Other
            ]
        );
    }

    #[test]
    fn a_file_name_is_one_line_without_a_path() {
        assert_eq!(FileName::new("  規約.pdf ").unwrap().as_str(), "規約.pdf");
        assert_eq!(
            FileName::new("../etc/passwd"),
            Err(AttachmentError::FileNameHasPath)
        );
        assert_eq!(FileName::new(" "), Err(AttachmentError::FileNameMissing));
        assert!(matches!(
            FileName::new("a\u{202e}fdp.exe"),
            Err(AttachmentError::FileNameCharacter(_))
        ));
        assert!(matches!(
            FileName::new(&"あ".repeat(201)),
            Err(AttachmentError::FileNameTooLong { length: 201, .. })
        ));
    }

    #[test]
    fn a_digest_is_64_lowercase_hex_digits() {
        assert!(Sha256::parse(&"a".repeat(64)).is_some());
        assert!(Sha256::parse(&"A".repeat(64)).is_none());
        assert!(Sha256::parse("abc").is_none());
        let json = serde_json::to_string(&MediaType::Pdf).unwrap();
        assert_eq!(json, "\"application/pdf\"");
    }
}
