//! Why an account command is refused.

use super::Role;
use crate::refusal::{Refusal, RefusalKind};
use crate::text::ForbiddenCharacter;

/// Why an account command is refused; the app maps each to a problem+json via `Refusal`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AccountError {
    /// The account is registered already (its user id has events).
    #[error("this account already exists")]
    AlreadyRegistered,
    /// The command needs a registered account and there is none.
    #[error("no such account")]
    NotRegistered,
    /// A self-registration asked for a role other than applicant.
    #[error("a self-registered account can only be an applicant account")]
    SelfRegistrationIsForApplicants,
    /// The role to grant is one the account already holds.
    #[error("the account already holds the role {0:?}")]
    RoleAlreadyHeld(Role),
    /// The address is not plausibly an e-mail address (see `EmailAddress::parse`).
    #[error("the e-mail address is not valid")]
    BadEmail,
    /// The display name is empty or longer than `DISPLAY_NAME_MAX_CHARS` characters after trimming.
    #[error("the display name must have 1 to 100 characters")]
    BadDisplayName,
    /// The role code names no role.
    #[error("there is no role {0:?}; use one of {codes}", codes = Role::codes())]
    UnknownRole(String),
    /// The display name holds a character the service does not accept.
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),
    /// The account's current address is verified already.
    #[error("the e-mail address is already verified")]
    AlreadyVerified,
    /// The verification link was for an address the account no longer has (or its data is erased).
    #[error("the link was mailed to an address the account no longer has")]
    VerificationForAnotherAddress,
    /// The account's personal data was erased already, so there is nothing to erase or reset.
    #[error("this account's personal data has already been erased")]
    AlreadyErased,
    /// A second factor reset was asked for an account that has not confirmed one.
    #[error("the account has no second factor to reset")]
    NoSecondFactor,
    /// A staff member tried to reset their own second factor.
    #[error("a second factor is reset by another staff member, never by its owner")]
    OwnSecondFactor,
}

impl Refusal for AccountError {
    fn code(&self) -> &'static str {
        match self {
            Self::AlreadyRegistered => "account.already_registered",
            Self::NotRegistered => "account.not_registered",
            Self::SelfRegistrationIsForApplicants => "account.self_registration_applicants_only",
            Self::RoleAlreadyHeld(_) => "account.role_already_held",
            Self::BadEmail => "account.bad_email",
            Self::BadDisplayName => "account.bad_display_name",
            Self::UnknownRole(_) => "account.unknown_role",
            Self::Text(error) => error.code(),
            Self::AlreadyVerified => "account.email_already_verified",
            Self::VerificationForAnotherAddress => "account.verification_for_another_address",
            Self::AlreadyErased => "account.already_erased",
            Self::NoSecondFactor => "account.no_second_factor",
            Self::OwnSecondFactor => "account.own_second_factor",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::AlreadyRegistered => "このアカウントは既に登録されています".into(),
            Self::NotRegistered => "アカウントが見つかりません".into(),
            Self::SelfRegistrationIsForApplicants => {
                "自分で登録できるのは申請者アカウントのみです".into()
            }
            Self::RoleAlreadyHeld(role) => {
                format!(
                    "このアカウントは既に「{}」の役割を持っています",
                    role.label_ja()
                )
            }
            Self::BadEmail => "メールアドレスの形式が正しくありません".into(),
            Self::BadDisplayName => "表示名は1〜100文字で入力してください".into(),
            Self::Text(error) => error.message_ja_as("表示名"),
            Self::AlreadyVerified => "このメールアドレスは既に確認済みです".into(),
            Self::VerificationForAnotherAddress => {
                "このリンクは、現在のメールアドレスとは別のアドレスに送ったものです".into()
            }
            Self::AlreadyErased => "このアカウントの個人情報はすでに削除されています".into(),
            Self::NoSecondFactor => "このアカウントには解除する2段階認証がありません".into(),
            Self::OwnSecondFactor => {
                "自分の2段階認証は解除できません。ほかの職員に解除を依頼してください".into()
            }
            Self::UnknownRole(role) => {
                format!("役割「{role}」はありません（{} のいずれか）", Role::codes())
            }
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::AlreadyRegistered
            | Self::NotRegistered
            | Self::RoleAlreadyHeld(_)
            | Self::AlreadyVerified
            | Self::VerificationForAnotherAddress
            | Self::AlreadyErased
            | Self::NoSecondFactor => RefusalKind::State,
            Self::SelfRegistrationIsForApplicants | Self::OwnSecondFactor => RefusalKind::Rule,
            Self::BadEmail | Self::BadDisplayName | Self::UnknownRole(_) | Self::Text(_) => {
                RefusalKind::Invalid
            }
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::AlreadyRegistered | Self::BadEmail => Some("email"),
            Self::BadDisplayName => Some("display_name"),
            Self::UnknownRole(_) => Some("role"),
            Self::Text(error) => error.field(),
            _ => None,
        }
    }
}
