//! Why the group aggregate refuses a command, and rule 1's refusals that the application reuses.

use crate::refusal::{joined_en, joined_ja, FieldRefusal, Refusal, RefusalKind};
use crate::text::ForbiddenCharacter;

/// A refused group command, or a group that rule 1 does not admit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupError {
    /// `Register` on a group that is registered already (or was, and was deregistered).
    #[error("this group is already registered")]
    AlreadyRegistered,
    /// The command needs a registered group and there is none.
    #[error("this group has not been registered")]
    NotRegistered,
    /// The group's registration ended; it takes no further change but an erasure.
    #[error("this group has been deregistered")]
    Deregistered,
    /// A required text of the form (or a reason) is empty after trimming.
    #[error("the {field} may not be empty")]
    EmptyText {
        /// The field's name in the HTTP contract (`name`, `phone`, `reason`, ...).
        field: &'static str,
    },
    /// A text is over its limit (the `*_MAX` constants of `registration`).
    #[error("the {field} may be at most {max} characters long (it has {length})")]
    TextTooLong {
        /// The field's name in the HTTP contract.
        field: &'static str,
        /// The field's limit, in characters.
        max: usize,
        /// The text's length, in characters.
        length: usize,
    },
    /// A text holds a character the service does not accept.
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),
    /// The group's e-mail address is not shaped `local@domain.tld`.
    #[error("the e-mail address is not of the form name@example.jp")]
    MalformedEmail,
    /// The founding date is after today (JST).
    #[error("the founding date may not lie in the future")]
    FoundedInFuture,
    /// More members resident in the city than members.
    #[error("the number of resident members may not exceed the number of members")]
    ResidentsExceedMembers,
    /// The account to add is a member already.
    #[error("this user is already a member of the group")]
    AlreadyMember,
    /// The group's personal data was erased already.
    #[error("this group's personal data has already been erased")]
    AlreadyErased,
    /// The group's personal data was erased, so it takes no new member or invitation.
    #[error("this group's personal data has been erased; no member can be invited or added")]
    Erased,
    /// The account named (or the caller) is not one of the group's member accounts.
    #[error("this user is not a member of the group")]
    NotAMember,
    /// A membership act (removal, handover, coordinator consent, withdrawing invitations) by
    /// someone other than the representative.
    #[error("only the group's representative may remove a member or hand over the role")]
    NotRepresentative,
    /// The representative tried to remove itself; it hands the role over first.
    #[error("the representative cannot be removed; hand the role to another member first")]
    RepresentativeCannotBeRemoved,
    /// Removing the group's only member account.
    #[error("the group's last member cannot be removed")]
    LastMember,
    /// The role is handed to the member who holds it already.
    #[error("this member is already the group's representative")]
    AlreadyRepresentative,
    /// Consent for an account that does not hold the coordinator role.
    #[error("this account is not a coordinator (中間支援)")]
    NotACoordinator,
    /// The consent asked for is the one the group already gave.
    #[error("the group has already consented to this coordinator on these terms")]
    ConsentUnchanged,
    /// Withdrawing a consent the group never gave (or already withdrew).
    #[error("the group has not consented to this coordinator")]
    NoConsent,
    /// A coordinator submitting for a group that allowed it only to read and edit.
    #[error("the group has not allowed this coordinator to submit on its behalf")]
    CoordinatorMayNotSubmit,
    /// Rule 1: the group is not registered now (never, or deregistered).
    #[error("only groups with a current registration may apply")]
    NoCurrentRegistration,
    /// Rule 1: fewer members than `MIN_MEMBERS`.
    #[error("a group needs at least {min} members to apply (it has {count})")]
    TooFewMembers {
        /// The group's members.
        count: u32,
        /// The fewest allowed (`MIN_MEMBERS`).
        min: u32,
    },
    /// Rule 1: no member lives in the city.
    #[error("a group needs at least one member resident in the city to apply")]
    NoResidentMember,
    /// Rule 1: the group states no public-interest purpose.
    #[error("a group needs a public-interest purpose to apply")]
    NoPublicInterestPurpose,
    /// Rule 1: the group already had as many grants in the course as the round allows per group.
    #[error(
        "the group already had {prior_grants} grants; the round allows at most {max} per group"
    )]
    GrantLimitReached {
        /// The group's earlier grants in the course (`prior_grant_count`).
        prior_grants: u32,
        /// The round's most grants per group.
        max: u32,
    },
    /// The refusals of several fields of one form, found at once (never fewer than two).
    #[error("{}", joined_en(.0))]
    Several(Vec<GroupError>),
}

/// The Japanese name of a group field, for messages.
fn field_ja(field: &str) -> &'static str {
    match field {
        "name" => "団体名",
        "registration_number" => "登録番号",
        "representative_name" => "代表者氏名",
        "address" => "所在地",
        "phone" => "電話番号",
        "email" => "メールアドレス",
        "purpose" => "活動目的",
        "reason" => "理由",
        _ => "入力項目",
    }
}

impl Refusal for GroupError {
    fn code(&self) -> &'static str {
        match self {
            Self::AlreadyRegistered => "group.already_registered",
            Self::NotRegistered => "group.not_registered",
            Self::Deregistered => "group.deregistered",
            Self::EmptyText { .. } => "group.empty_text",
            Self::TextTooLong { .. } => "group.text_too_long",
            Self::Text(error) => error.code(),
            Self::MalformedEmail => "group.malformed_email",
            Self::FoundedInFuture => "group.founded_in_future",
            Self::ResidentsExceedMembers => "group.residents_exceed_members",
            Self::AlreadyMember => "group.already_member",
            Self::AlreadyErased => "group.already_erased",
            Self::Erased => "group.erased",
            Self::NotAMember => "group.not_a_member",
            Self::NotRepresentative => "group.not_representative",
            Self::RepresentativeCannotBeRemoved => "group.representative_cannot_be_removed",
            Self::LastMember => "group.last_member",
            Self::AlreadyRepresentative => "group.already_representative",
            Self::NotACoordinator => "group.not_a_coordinator",
            Self::ConsentUnchanged => "group.consent_unchanged",
            Self::NoConsent => "group.no_consent",
            Self::CoordinatorMayNotSubmit => "group.coordinator_may_not_submit",
            Self::NoCurrentRegistration => "group.no_current_registration",
            Self::TooFewMembers { .. } => "group.too_few_members",
            Self::NoResidentMember => "group.no_resident_member",
            Self::NoPublicInterestPurpose => "group.no_public_interest_purpose",
            Self::GrantLimitReached { .. } => "group.grant_limit_reached",
            Self::Several(all) => all.first().map_or("group.invalid", Refusal::code),
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::AlreadyRegistered => "この団体はすでに登録されています".into(),
            Self::NotRegistered => "この団体は登録されていません".into(),
            Self::Deregistered => "この団体は登録を抹消されています".into(),
            Self::EmptyText { field } => format!("{}を入力してください", field_ja(field)),
            Self::Text(error) => error.message_ja_as(field_ja(error.field)),
            Self::TextTooLong { field, max, length } => format!(
                "{}は{max}文字以内で入力してください（現在{length}文字）",
                field_ja(field)
            ),
            Self::MalformedEmail => "メールアドレスの形式が正しくありません".into(),
            Self::FoundedInFuture => "設立日に未来の日付は指定できません".into(),
            Self::ResidentsExceedMembers => "市内在住の構成員数が構成員数を超えています".into(),
            Self::AlreadyMember => "この利用者はすでに団体のメンバーです".into(),
            Self::AlreadyErased => "この団体の個人情報はすでに削除されています".into(),
            Self::Erased => {
                "この団体の個人情報は削除されているため、メンバーを招待・追加できません".into()
            }
            Self::NotAMember => "この利用者は団体のメンバーではありません".into(),
            Self::NotRepresentative => {
                "メンバーの削除と代表者の交代は、団体の代表者だけが行えます".into()
            }
            Self::RepresentativeCannotBeRemoved => {
                "代表者は削除できません。先に代表者を他のメンバーに交代してください".into()
            }
            Self::LastMember => "団体の最後のメンバーは削除できません".into(),
            Self::AlreadyRepresentative => "このメンバーはすでに団体の代表者です".into(),
            Self::NotACoordinator => {
                "このアカウントは中間支援（コーディネーター）のアカウントではありません".into()
            }
            Self::ConsentUnchanged => {
                "このコーディネーターにはすでに同じ内容で同意しています".into()
            }
            Self::NoConsent => "団体はこのコーディネーターに同意していません".into(),
            Self::CoordinatorMayNotSubmit => {
                "団体はこのコーディネーターに提出を認めていません。提出は団体のメンバーが行ってください".into()
            }
            Self::NoCurrentRegistration => {
                "登録が有効な団体のみ申請できます".into()
            }
            Self::TooFewMembers { count, min } => format!(
                "申請には構成員が{min}人以上必要です（現在{count}人）"
            ),
            Self::NoResidentMember => {
                "申請には市内在住の構成員が1人以上必要です".into()
            }
            Self::NoPublicInterestPurpose => {
                "申請には公益的な活動目的が必要です".into()
            }
            Self::GrantLimitReached { prior_grants, max } => format!(
                "この団体はすでに{prior_grants}回交付を受けており、1団体あたりの上限{max}回に達しています"
            ),
            Self::Several(all) => joined_ja(all),
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::AlreadyRegistered
            | Self::NotRegistered
            | Self::Deregistered
            | Self::AlreadyMember
            | Self::AlreadyErased
            | Self::Erased
            | Self::NotAMember
            | Self::AlreadyRepresentative
            | Self::ConsentUnchanged
            | Self::NoConsent => RefusalKind::State,
            Self::NotRepresentative
            | Self::RepresentativeCannotBeRemoved
            | Self::LastMember
            | Self::NotACoordinator
            | Self::CoordinatorMayNotSubmit => RefusalKind::Rule,
            Self::EmptyText { .. }
            | Self::TextTooLong { .. }
            | Self::Text(_)
            | Self::MalformedEmail
            | Self::FoundedInFuture
            | Self::ResidentsExceedMembers => RefusalKind::Invalid,
            Self::NoCurrentRegistration
            | Self::TooFewMembers { .. }
            | Self::NoResidentMember
            | Self::NoPublicInterestPurpose
            | Self::GrantLimitReached { .. } => RefusalKind::Rule,
            Self::Several(all) => all.first().map_or(RefusalKind::Invalid, Refusal::kind),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::EmptyText { field } | Self::TextTooLong { field, .. } => Some(field),
            Self::Text(error) => error.field(),
            Self::MalformedEmail => Some("email"),
            Self::FoundedInFuture => Some("founded_on"),
            Self::ResidentsExceedMembers | Self::NoResidentMember => Some("resident_member_count"),
            Self::TooFewMembers { .. } => Some("member_count"),
            Self::NoPublicInterestPurpose => Some("purpose"),
            Self::Several(all) => all.first().and_then(Refusal::field),
            _ => None,
        }
    }

    fn each(&self) -> Vec<FieldRefusal> {
        match self {
            Self::Several(all) => all.iter().flat_map(Refusal::each).collect(),
            one => vec![FieldRefusal::of(one)],
        }
    }
}
