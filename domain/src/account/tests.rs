//! The account rules as given/when/then.

use cqrs_es::test::TestFramework;
use cqrs_es::DomainEvent;
use time::macros::datetime;
use time::OffsetDateTime;

use super::*;

const AT: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);

fn registered(user_id: UserId, role: Role) -> AccountEvent {
    AccountEvent::AccountRegistered {
        user_id,
        email: EmailAddress::parse("Hanako@Example.jp").unwrap(),
        display_name: "花子".into(),
        role,
        at: AT,
    }
}

fn register(user_id: UserId, role: Role, self_registered: bool) -> AccountCommand {
    AccountCommand::Register {
        user_id,
        email: EmailAddress::parse("Hanako@Example.jp").unwrap(),
        display_name: " 花子 ".into(),
        role,
        self_registered,
        at: AT,
    }
}

#[test]
fn an_applicant_registers_themselves() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given_no_previous_events()
        .when(register(user, Role::Applicant, true))
        .then_expect_events(vec![registered(user, Role::Applicant)]);
}

#[test]
fn nobody_registers_themselves_as_staff() {
    TestFramework::<Account>::with(())
        .given_no_previous_events()
        .when(register(UserId::new(), Role::Staff, true))
        .then_expect_error(AccountError::SelfRegistrationIsForApplicants);
}

#[test]
fn staff_open_a_reviewer_account() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given_no_previous_events()
        .when(register(user, Role::Reviewer, false))
        .then_expect_events(vec![registered(user, Role::Reviewer)]);
}

#[test]
fn an_account_is_registered_once() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(register(user, Role::Applicant, true))
        .then_expect_error(AccountError::AlreadyRegistered);
}

#[test]
fn a_role_is_granted_once() {
    let user = UserId::new();
    let staff = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(AccountCommand::GrantRole {
            role: Role::Reviewer,
            by: staff,
            at: AT,
        })
        .then_expect_events(vec![AccountEvent::RoleGranted {
            user_id: user,
            role: Role::Reviewer,
            by: staff,
            at: AT,
        }]);
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(AccountCommand::GrantRole {
            role: Role::Applicant,
            by: staff,
            at: AT,
        })
        .then_expect_error(AccountError::RoleAlreadyHeld(Role::Applicant));
}

#[test]
fn email_addresses_are_compared_case_insensitively() {
    assert_eq!(
        EmailAddress::parse(" Hanako@Example.JP ").unwrap(),
        EmailAddress::parse("hanako@example.jp").unwrap()
    );
    for bad in [
        "",
        "hanako",
        "@example.jp",
        "hanako@example",
        "ha nako@example.jp",
        "a@b@c.jp",
    ] {
        assert_eq!(
            EmailAddress::parse(bad),
            Err(AccountError::BadEmail),
            "{bad}"
        );
    }
}

fn verify(address: &str) -> AccountCommand {
    AccountCommand::VerifyEmail {
        email: EmailAddress::parse(address).unwrap(),
        at: AT,
    }
}

#[test]
fn given_a_registered_account_when_its_address_is_verified_then_it_records_the_address() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(verify("hanako@example.jp"))
        .then_expect_events(vec![AccountEvent::EmailVerified {
            user_id: user,
            email: EmailAddress::parse("hanako@example.jp").unwrap(),
            at: AT,
        }]);
}

#[test]
fn given_a_verified_address_when_it_is_verified_again_then_it_is_refused() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![
            registered(user, Role::Applicant),
            AccountEvent::EmailVerified {
                user_id: user,
                email: EmailAddress::parse("hanako@example.jp").unwrap(),
                at: AT,
            },
        ])
        .when(verify("hanako@example.jp"))
        .then_expect_error(AccountError::AlreadyVerified);
}

#[test]
fn given_an_account_when_a_link_for_another_address_is_used_then_it_is_refused() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(verify("someone-else@example.jp"))
        .then_expect_error(AccountError::VerificationForAnotherAddress);
}

#[test]
fn a_new_account_is_not_verified_until_its_address_is() {
    let user = UserId::new();
    let mut account = Account::default();
    account.apply(registered(user, Role::Applicant));
    assert!(!account.email_verified());
    account.apply(AccountEvent::EmailVerified {
        user_id: user,
        email: EmailAddress::parse("hanako@example.jp").unwrap(),
        at: AT,
    });
    assert!(account.email_verified());
}

// Erasure of personal data (issue 19).

fn erased(user_id: UserId, by: UserId) -> AccountEvent {
    AccountEvent::PersonalDataErased {
        user_id,
        by,
        at: AT,
    }
}

#[test]
fn given_an_account_when_staff_erase_its_personal_data_then_it_is_recorded_once() {
    let (user, staff) = (UserId::new(), UserId::new());
    let erase = AccountCommand::ErasePersonalData { by: staff, at: AT };
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(erase.clone())
        .then_expect_events(vec![erased(user, staff)]);
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant), erased(user, staff)])
        .when(erase.clone())
        .then_expect_error(AccountError::AlreadyErased);
    TestFramework::<Account>::with(())
        .given_no_previous_events()
        .when(erase)
        .then_expect_error(AccountError::NotRegistered);
}

#[test]
fn after_erasure_the_address_and_name_read_erased_and_the_roles_stay() {
    let user = UserId::new();
    let mut account = Account::default();
    for event in [
        registered(user, Role::Applicant),
        AccountEvent::EmailVerified {
            user_id: user,
            email: EmailAddress::parse("hanako@example.jp").unwrap(),
            at: AT,
        },
        erased(user, UserId::new()),
    ] {
        account.apply(event);
    }
    assert_eq!(account.email.as_ref().unwrap().as_str(), "削除済み");
    assert!(account.email.as_ref().unwrap().is_erased());
    assert_eq!(account.display_name, "削除済み");
    assert!(!account.email_verified());
    assert!(account.roles.contains(&Role::Applicant));
    // Nobody can type the erased value in as an address; the store's erased field still loads.
    assert_eq!(EmailAddress::parse("削除済み"), Err(AccountError::BadEmail));
    assert_eq!(
        serde_json::from_value::<EmailAddress>(serde_json::json!("削除済み")).unwrap(),
        EmailAddress::erased()
    );
    assert_eq!(registered(user, Role::Applicant).event_version(), "2.0");
}

#[test]
fn given_an_erased_account_when_its_old_address_is_verified_then_it_is_refused() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![
            registered(user, Role::Applicant),
            erased(user, UserId::new()),
        ])
        .when(verify("hanako@example.jp"))
        .then_expect_error(AccountError::VerificationForAnotherAddress);
}

// The second factor (issue 18, item 4).

#[test]
fn given_an_account_when_its_owner_confirms_a_second_factor_then_it_is_recorded() {
    let user = UserId::new();
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Staff)])
        .when(AccountCommand::EnrolSecondFactor { at: AT })
        .then_expect_events(vec![AccountEvent::SecondFactorEnrolled {
            user_id: user,
            at: AT,
        }]);
}

#[test]
fn given_an_enrolled_colleague_when_staff_reset_the_factor_then_it_is_recorded_and_never_by_its_owner(
) {
    let (user, staff) = (UserId::new(), UserId::new());
    let reset = |enrolled, by| AccountCommand::ResetSecondFactor {
        enrolled,
        by,
        at: AT,
    };
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Staff)])
        .when(reset(true, staff))
        .then_expect_events(vec![AccountEvent::SecondFactorReset {
            user_id: user,
            by: staff,
            at: AT,
        }]);
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Staff)])
        .when(reset(true, user))
        .then_expect_error(AccountError::OwnSecondFactor);
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Staff)])
        .when(reset(false, staff))
        .then_expect_error(AccountError::NoSecondFactor);
}

// The password reset by a mailed link (issue 18, item 4).

#[test]
fn given_an_account_when_its_mailed_reset_link_is_used_then_the_reset_is_recorded_without_a_secret()
{
    let user = UserId::new();
    let reset = AccountCommand::ResetPassword {
        how: PasswordResetMethod::MailedLink,
        at: AT,
    };
    let event = AccountEvent::PasswordReset {
        user_id: user,
        how: PasswordResetMethod::MailedLink,
        at: AT,
    };
    TestFramework::<Account>::with(())
        .given(vec![registered(user, Role::Applicant)])
        .when(reset.clone())
        .then_expect_events(vec![event.clone()]);
    assert_eq!(event.event_type(), "PasswordReset");
    assert_eq!(event.event_version(), "1.0");
    let body = serde_json::to_value(&event).unwrap();
    assert_eq!(
        body["PasswordReset"],
        serde_json::json!({"user_id": user, "how": "mailed_link", "at": "2026-04-01T00:00:00Z"})
    );
    TestFramework::<Account>::with(())
        .given_no_previous_events()
        .when(reset.clone())
        .then_expect_error(AccountError::NotRegistered);
    TestFramework::<Account>::with(())
        .given(vec![
            registered(user, Role::Applicant),
            erased(user, UserId::new()),
        ])
        .when(reset)
        .then_expect_error(AccountError::AlreadyErased);
}

/// Given every role's code, when it is read back, then it is that role; given a code of no role,
/// the refusal names every role there is, in both languages (the coordinator included).
#[test]
fn a_role_code_reads_back_and_an_unknown_one_lists_every_role() {
    use crate::refusal::Refusal as _;
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
    }
    let refusal = "chair".parse::<Role>().unwrap_err();
    assert_eq!(refusal, AccountError::UnknownRole("chair".into()));
    for role in Role::ALL {
        assert!(refusal.to_string().contains(role.as_str()), "{refusal}");
        assert!(refusal.message_ja().contains(role.as_str()));
    }
}
