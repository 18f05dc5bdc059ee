//! Given/when/then tests of the group aggregate and of rule 1's eligibility checks.

use cqrs_es::test::TestFramework;
use cqrs_es::DomainEvent;
use time::macros::{date, datetime};
use time::OffsetDateTime;

use super::*;
use crate::RoundId;

type GroupTest = TestFramework<Group>;

const AT: OffsetDateTime = datetime!(2026-04-10 10:00 +09:00);

fn group_id() -> GroupId {
    GroupId::from_uuid(uuid::Uuid::from_u128(1))
}

fn founder() -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(10))
}

fn another_user() -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(11))
}

fn contact() -> ContactDetails {
    ContactDetails {
        representative_name: "岡崎 花子".into(),
        address: "愛知県岡崎市十王町2丁目9".into(),
        phone: "0564-23-0000".into(),
        email: "hanako@example.jp".into(),
    }
}

fn register() -> GroupCommand {
    let contact = contact();
    GroupCommand::Register {
        group_id: group_id(),
        by: founder(),
        name: "  川辺を守る会 ".into(),
        registration_number: "R8-001".into(),
        representative_name: contact.representative_name,
        address: contact.address,
        phone: contact.phone,
        email: contact.email,
        founded_on: date!(2019 - 06 - 01),
        member_count: 12,
        resident_member_count: 9,
        purpose: "乙川の河川敷の清掃と自然観察会".into(),
        at: AT,
    }
}

fn registered() -> GroupEvent {
    GroupEvent::GroupRegistered {
        group_id: group_id(),
        name: "川辺を守る会".into(),
        registration_number: "R8-001".into(),
        contact: contact(),
        founded_on: date!(2019 - 06 - 01),
        member_count: 12,
        resident_member_count: 9,
        purpose: "乙川の河川敷の清掃と自然観察会".into(),
        by: founder(),
        at: AT,
    }
}

fn founder_added() -> GroupEvent {
    GroupEvent::MemberAdded {
        user_id: founder(),
        by: founder(),
        at: AT,
    }
}

/// The registration command with some fields changed.
fn register_with(change: impl FnOnce(&mut GroupCommand)) -> GroupCommand {
    let mut command = register();
    change(&mut command);
    command
}

fn eligible() -> GroupStanding {
    GroupStanding {
        registered: true,
        member_count: 5,
        resident_member_count: 1,
        has_public_interest_purpose: true,
    }
}

// Rule 1, as a value check.

#[test]
fn a_registered_group_of_five_with_a_resident_and_a_purpose_is_eligible() {
    assert_eq!(eligible().check_eligible(), Ok(()));
}

#[test]
fn a_group_without_a_current_registration_is_not_eligible() {
    let standing = GroupStanding {
        registered: false,
        ..eligible()
    };
    assert_eq!(
        standing.check_eligible(),
        Err(GroupError::NoCurrentRegistration)
    );
}

#[test]
fn a_group_of_four_is_not_eligible() {
    let standing = GroupStanding {
        member_count: 4,
        ..eligible()
    };
    assert_eq!(
        standing.check_eligible(),
        Err(GroupError::TooFewMembers { count: 4, min: 5 })
    );
}

#[test]
fn a_group_without_a_resident_member_is_not_eligible() {
    let standing = GroupStanding {
        resident_member_count: 0,
        ..eligible()
    };
    assert_eq!(standing.check_eligible(), Err(GroupError::NoResidentMember));
}

#[test]
fn a_group_without_a_public_interest_purpose_is_not_eligible() {
    let standing = GroupStanding {
        has_public_interest_purpose: false,
        ..eligible()
    };
    assert_eq!(
        standing.check_eligible(),
        Err(GroupError::NoPublicInterestPurpose)
    );
}

#[test]
fn a_group_below_the_grant_limit_may_apply_and_one_at_it_may_not() {
    assert_eq!(check_grant_limit(2, 3), Ok(()));
    assert_eq!(
        check_grant_limit(3, 3),
        Err(GroupError::GrantLimitReached {
            prior_grants: 3,
            max: 3
        })
    );
}

#[test]
fn prior_grants_are_the_awards_of_the_same_course_from_other_rounds() {
    let (step_up_2025, step_up_2026, first_step) = (RoundId::new(), RoundId::new(), RoundId::new());
    let award = |round_id, course: &str| PriorAward {
        round_id,
        course: course.to_owned(),
    };
    let awards = [
        award(step_up_2025, "ステップアップ"),
        award(first_step, "はじめの一歩"),
        award(step_up_2026, "ステップアップ"),
    ];
    // Applying to a new step-up round: both step-up awards count, the first-step one does not.
    assert_eq!(
        prior_grant_count(&awards, "ステップアップ", RoundId::new()),
        2
    );
    // Within a round that already awarded the group, that award is not a prior one.
    assert_eq!(
        prior_grant_count(&awards, "ステップアップ", step_up_2026),
        1
    );
    assert_eq!(
        prior_grant_count(&awards, "はじめの一歩", RoundId::new()),
        1
    );
    assert_eq!(prior_grant_count(&[], "ステップアップ", RoundId::new()), 0);
}

// Registration.

#[test]
fn an_eligible_group_registers_and_its_registrant_becomes_the_first_member() {
    GroupTest::with(())
        .given_no_previous_events()
        .when(register())
        .then_expect_events(vec![registered(), founder_added()]);
}

#[test]
fn a_group_is_registered_only_once() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(register())
        .then_expect_error(GroupError::AlreadyRegistered);
}

#[test]
fn a_group_that_would_not_be_eligible_is_not_registered() {
    let four = register_with(|c| {
        if let GroupCommand::Register {
            member_count,
            resident_member_count,
            ..
        } = c
        {
            *member_count = 4;
            *resident_member_count = 4;
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(four)
        .then_expect_error(GroupError::TooFewMembers { count: 4, min: 5 });

    let no_resident = register_with(|c| {
        if let GroupCommand::Register {
            resident_member_count,
            ..
        } = c
        {
            *resident_member_count = 0;
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(no_resident)
        .then_expect_error(GroupError::NoResidentMember);

    let no_purpose = register_with(|c| {
        if let GroupCommand::Register { purpose, .. } = c {
            *purpose = "   ".into();
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(no_purpose)
        .then_expect_error(GroupError::NoPublicInterestPurpose);
}

#[test]
fn a_registration_without_a_representative_is_refused() {
    let command = register_with(|c| {
        if let GroupCommand::Register {
            representative_name,
            ..
        } = c
        {
            *representative_name = " \n".into();
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::EmptyText {
            field: "representative_name",
        });
}

#[test]
fn a_group_name_longer_than_its_limit_is_refused() {
    let command = register_with(|c| {
        if let GroupCommand::Register { name, .. } = c {
            *name = "会".repeat(registration::NAME_MAX + 1);
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::TextTooLong {
            field: "name",
            max: registration::NAME_MAX,
            length: registration::NAME_MAX + 1,
        });
}

#[test]
fn a_group_name_with_a_bidi_override_or_an_address_with_a_line_break_is_refused() {
    use crate::text::{ForbiddenCharacter, Lines};
    let command = register_with(|c| {
        if let GroupCommand::Register { name, .. } = c {
            *name = "みどりの\u{202E}会".into();
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::Text(ForbiddenCharacter {
            field: "name",
            character: '\u{202E}',
            lines: Lines::One,
        }));
    let command = register_with(|c| {
        if let GroupCommand::Register { address, .. } = c {
            *address = "市内本町\n1-2-3".into();
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::Text(ForbiddenCharacter {
            field: "address",
            character: '\n',
            lines: Lines::One,
        }));
}

#[test]
fn a_malformed_email_address_is_refused() {
    for bad in [
        "hanako",
        "hanako@",
        "@example.jp",
        "hanako@example",
        "ha nako@example.jp",
    ] {
        let command = register_with(|c| {
            if let GroupCommand::Register { email, .. } = c {
                *email = bad.into();
            }
        });
        GroupTest::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(GroupError::MalformedEmail);
    }
}

#[test]
fn a_founding_date_in_the_future_is_refused() {
    let command = register_with(|c| {
        if let GroupCommand::Register { founded_on, .. } = c {
            *founded_on = date!(2026 - 04 - 11);
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::FoundedInFuture);
}

#[test]
fn more_residents_than_members_is_refused() {
    let command = register_with(|c| {
        if let GroupCommand::Register {
            resident_member_count,
            ..
        } = c
        {
            *resident_member_count = 13;
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::ResidentsExceedMembers);
}

// Membership.

#[test]
fn a_member_adds_another_user() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::AddMember {
            user_id: another_user(),
            by: founder(),
            at: AT,
        })
        .then_expect_events(vec![GroupEvent::MemberAdded {
            user_id: another_user(),
            by: founder(),
            at: AT,
        }]);
}

#[test]
fn a_user_who_is_already_a_member_is_not_added_twice() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::AddMember {
            user_id: founder(),
            by: founder(),
            at: AT,
        })
        .then_expect_error(GroupError::AlreadyMember);
}

#[test]
fn members_cannot_be_added_to_an_unregistered_group() {
    GroupTest::with(())
        .given_no_previous_events()
        .when(GroupCommand::AddMember {
            user_id: another_user(),
            by: founder(),
            at: AT,
        })
        .then_expect_error(GroupError::NotRegistered);
}

#[test]
fn membership_counts_are_recorded_even_below_rule_1s_minimum() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::UpdateMembership {
            member_count: 4,
            resident_member_count: 0,
            by: founder(),
            at: AT,
        })
        .then_expect_events(vec![GroupEvent::MembershipUpdated {
            member_count: 4,
            resident_member_count: 0,
            by: founder(),
            at: AT,
        }]);
}

#[test]
fn a_membership_update_with_more_residents_than_members_is_refused() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::UpdateMembership {
            member_count: 5,
            resident_member_count: 6,
            by: founder(),
            at: AT,
        })
        .then_expect_error(GroupError::ResidentsExceedMembers);
}

// Deregistration.

#[test]
fn a_registered_group_is_deregistered_with_a_reason() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::Deregister {
            reason: "解散".into(),
            by: founder(),
            at: AT,
        })
        .then_expect_events(vec![GroupEvent::GroupDeregistered {
            reason: "解散".into(),
            by: founder(),
            at: AT,
        }]);
}

#[test]
fn a_deregistration_without_a_reason_is_refused() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::Deregister {
            reason: "".into(),
            by: founder(),
            at: AT,
        })
        .then_expect_error(GroupError::EmptyText { field: "reason" });
}

#[test]
fn a_deregistered_group_accepts_no_further_changes() {
    let deregistered = GroupEvent::GroupDeregistered {
        reason: "解散".into(),
        by: founder(),
        at: AT,
    };
    GroupTest::with(())
        .given(vec![registered(), founder_added(), deregistered])
        .when(GroupCommand::UpdateMembership {
            member_count: 10,
            resident_member_count: 3,
            by: founder(),
            at: AT,
        })
        .then_expect_error(GroupError::Deregistered);
}

// State the app reads.

fn replay(events: Vec<GroupEvent>) -> Group {
    let mut group = Group::default();
    for event in events {
        group.apply(event);
    }
    group
}

#[test]
fn the_standing_follows_registration_membership_and_deregistration() {
    let mut group = replay(vec![registered(), founder_added()]);
    assert!(group.is_member(founder()));
    assert!(!group.is_member(another_user()));
    assert_eq!(
        group.standing(),
        GroupStanding {
            registered: true,
            member_count: 12,
            resident_member_count: 9,
            has_public_interest_purpose: true,
        }
    );
    assert_eq!(group.standing().check_eligible(), Ok(()));

    group.apply(GroupEvent::MembershipUpdated {
        member_count: 4,
        resident_member_count: 1,
        by: founder(),
        at: AT,
    });
    assert_eq!(
        group.standing().check_eligible(),
        Err(GroupError::TooFewMembers { count: 4, min: 5 })
    );

    group.apply(GroupEvent::GroupDeregistered {
        reason: "解散".into(),
        by: founder(),
        at: AT,
    });
    assert!(!group.standing().registered);
    assert_eq!(group.deregistration_reason(), Some("解散"));
}

#[test]
fn the_contact_details_serialise_as_one_nested_object_that_projections_can_drop() {
    let json = serde_json::to_value(registered()).unwrap();
    let body = &json["GroupRegistered"];
    assert_eq!(body["contact"]["email"], "hanako@example.jp");
    for personal in ["representative_name", "address", "phone", "email"] {
        assert!(body.get(personal).is_none(), "{personal} outside contact");
    }
    // 2.0: the event store seals `contact` in the log (issue 19); the domain's value is plain.
    assert_eq!(registered().event_version(), "2.0");
    assert_eq!(registered().event_type(), "GroupRegistered");
}

#[test]
fn every_refusal_has_a_stable_code_and_rule_1_names_its_rule() {
    use crate::refusal::{Refusal, RefusalKind};
    let refusal = GroupError::TooFewMembers { count: 4, min: 5 };
    assert_eq!(refusal.code(), "group.too_few_members");
    assert!(!refusal.message_ja().contains("規則"));
    assert_eq!(refusal.kind(), RefusalKind::Rule);
    assert_eq!(GroupError::AlreadyRegistered.kind(), RefusalKind::State);
    assert_eq!(GroupError::MalformedEmail.kind(), RefusalKind::Invalid);
}

#[test]
fn a_registration_with_several_bad_fields_is_refused_with_each_of_them() {
    let command = register_with(|c| {
        if let GroupCommand::Register {
            registration_number,
            email,
            founded_on,
            purpose,
            ..
        } = c
        {
            *registration_number = "  ".into();
            *email = "hanako.example.jp".into();
            *founded_on = date!(2026 - 04 - 11);
            *purpose = "あ".repeat(registration::PURPOSE_MAX + 1);
        }
    });
    GroupTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GroupError::Several(vec![
            GroupError::EmptyText {
                field: "registration_number",
            },
            GroupError::MalformedEmail,
            GroupError::FoundedInFuture,
            GroupError::TextTooLong {
                field: "purpose",
                max: registration::PURPOSE_MAX,
                length: registration::PURPOSE_MAX + 1,
            },
        ]));
}

#[test]
fn an_unreadable_count_leaves_the_rules_about_it_unjudged() {
    let form = registration::RegistrationForm {
        name: "川辺を守る会".into(),
        registration_number: "R8-001".into(),
        representative_name: "岡崎 花子".into(),
        address: "岡崎市".into(),
        phone: "0564-23-0000".into(),
        email: "bad".into(),
        founded_on: None,
        member_count: None,
        resident_member_count: Some(3),
        purpose: "清掃".into(),
    };
    let refusal = registration::check_registration(&form, AT).unwrap_err();
    assert_eq!(refusal, GroupError::MalformedEmail);
    let each = crate::Refusal::each(&refusal);
    assert_eq!(each.len(), 1);
    assert_eq!(each[0].field, Some("email"));
}

// Erasure of personal data (issue 19).

#[test]
fn staff_erase_a_groups_personal_data_once() {
    let erased = GroupEvent::PersonalDataErased {
        by: another_user(),
        at: AT,
    };
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(GroupCommand::ErasePersonalData {
            by: another_user(),
            at: AT,
        })
        .then_expect_events(vec![erased.clone()]);
    GroupTest::with(())
        .given(vec![registered(), founder_added(), erased])
        .when(GroupCommand::ErasePersonalData {
            by: another_user(),
            at: AT,
        })
        .then_expect_error(GroupError::AlreadyErased);
}

#[test]
fn a_deregistered_groups_personal_data_may_be_erased_but_not_an_unknown_groups() {
    let deregistered = GroupEvent::GroupDeregistered {
        reason: "解散".into(),
        by: founder(),
        at: AT,
    };
    GroupTest::with(())
        .given(vec![registered(), founder_added(), deregistered])
        .when(GroupCommand::ErasePersonalData {
            by: another_user(),
            at: AT,
        })
        .then_expect_events(vec![GroupEvent::PersonalDataErased {
            by: another_user(),
            at: AT,
        }]);
    GroupTest::with(())
        .given_no_previous_events()
        .when(GroupCommand::ErasePersonalData {
            by: another_user(),
            at: AT,
        })
        .then_expect_error(GroupError::NotRegistered);
}

#[test]
fn after_erasure_every_contact_field_reads_as_erased_and_the_rest_stays() {
    let mut group = Group::default();
    for event in [
        registered(),
        founder_added(),
        GroupEvent::PersonalDataErased {
            by: another_user(),
            at: AT,
        },
    ] {
        group.apply(event);
    }
    assert_eq!(group.contact(), &ContactDetails::erased());
    assert_eq!(group.contact().email, "削除済み");
    assert!(group.personal_data_erased());
    assert!(group.standing().registered);
    assert_eq!(group.name(), "川辺を守る会");
    assert!(group.is_member(founder()));
    assert_eq!(registered().event_version(), "2.0");
}

// Several members: a representative, removal and handing over (issue 18).

fn third_user() -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(12))
}

fn added(user_id: UserId) -> GroupEvent {
    GroupEvent::MemberAdded {
        user_id,
        by: user_id,
        at: AT,
    }
}

/// A registered group of the founder (its representative) and another member.
fn two_members() -> Vec<GroupEvent> {
    vec![registered(), founder_added(), added(another_user())]
}

fn remove(user_id: UserId, by: UserId) -> GroupCommand {
    GroupCommand::RemoveMember {
        user_id,
        by,
        at: AT,
    }
}

fn hand_over(user_id: UserId, by: UserId) -> GroupCommand {
    GroupCommand::MakeRepresentative {
        user_id,
        by,
        at: AT,
    }
}

#[test]
fn the_registering_member_is_the_representative() {
    let group = replay(vec![registered(), founder_added()]);
    assert_eq!(group.representative(), Some(founder()));
    assert_eq!(Group::default().representative(), None);
}

#[test]
fn the_representative_removes_a_member_whose_access_ends() {
    let removed = GroupEvent::MemberRemoved {
        user_id: another_user(),
        by: founder(),
        at: AT,
    };
    GroupTest::with(())
        .given(two_members())
        .when(remove(another_user(), founder()))
        .then_expect_events(vec![removed.clone()]);
    let mut events = two_members();
    events.push(removed);
    let group = replay(events);
    assert!(!group.is_member(another_user()));
    assert!(group.is_member(founder()));
}

#[test]
fn given_two_members_only_the_representative_withdraws_an_invitation() {
    let group = replay(two_members());
    assert_eq!(group.check_invitation_withdrawal(founder()), Ok(()));
    assert_eq!(
        group.check_invitation_withdrawal(another_user()),
        Err(GroupError::NotRepresentative)
    );
    assert_eq!(
        group.check_invitation_withdrawal(third_user()),
        Err(GroupError::NotRepresentative),
        "nor anyone outside the group"
    );
}

#[test]
fn only_the_representative_removes_a_member_or_hands_over() {
    let mut events = two_members();
    events.push(added(third_user()));
    GroupTest::with(())
        .given(events.clone())
        .when(remove(third_user(), another_user()))
        .then_expect_error(GroupError::NotRepresentative);
    GroupTest::with(())
        .given(events)
        .when(hand_over(third_user(), another_user()))
        .then_expect_error(GroupError::NotRepresentative);
}

#[test]
fn the_representative_cannot_remove_themselves() {
    GroupTest::with(())
        .given(two_members())
        .when(remove(founder(), founder()))
        .then_expect_error(GroupError::RepresentativeCannotBeRemoved);
}

#[test]
fn the_last_member_cannot_be_removed() {
    GroupTest::with(())
        .given(vec![registered(), founder_added()])
        .when(remove(founder(), founder()))
        .then_expect_error(GroupError::LastMember);
}

#[test]
fn a_user_who_is_not_a_member_is_neither_removed_nor_made_representative() {
    GroupTest::with(())
        .given(two_members())
        .when(remove(third_user(), founder()))
        .then_expect_error(GroupError::NotAMember);
    GroupTest::with(())
        .given(two_members())
        .when(hand_over(third_user(), founder()))
        .then_expect_error(GroupError::NotAMember);
}

#[test]
fn the_representative_hands_the_role_to_another_member_who_then_may_remove_the_former() {
    let changed = GroupEvent::RepresentativeChanged {
        user_id: another_user(),
        by: founder(),
        at: AT,
    };
    GroupTest::with(())
        .given(two_members())
        .when(hand_over(another_user(), founder()))
        .then_expect_events(vec![changed.clone()]);
    let mut events = two_members();
    events.push(changed);
    GroupTest::with(())
        .given(events.clone())
        .when(remove(founder(), another_user()))
        .then_expect_events(vec![GroupEvent::MemberRemoved {
            user_id: founder(),
            by: another_user(),
            at: AT,
        }]);
    GroupTest::with(())
        .given(events.clone())
        .when(remove(another_user(), founder()))
        .then_expect_error(GroupError::NotRepresentative);
    GroupTest::with(())
        .given(events)
        .when(hand_over(another_user(), another_user()))
        .then_expect_error(GroupError::AlreadyRepresentative);
}

#[test]
fn a_removed_member_may_be_added_again() {
    let mut events = two_members();
    events.push(GroupEvent::MemberRemoved {
        user_id: another_user(),
        by: founder(),
        at: AT,
    });
    GroupTest::with(())
        .given(events)
        .when(GroupCommand::AddMember {
            user_id: another_user(),
            by: another_user(),
            at: AT,
        })
        .then_expect_events(vec![added(another_user())]);
}

#[test]
fn a_deregistered_or_erased_group_takes_no_member_and_no_invitation() {
    let deregistered = GroupEvent::GroupDeregistered {
        reason: "解散".into(),
        by: founder(),
        at: AT,
    };
    let erased = GroupEvent::PersonalDataErased {
        by: another_user(),
        at: AT,
    };
    let join = || GroupCommand::AddMember {
        user_id: third_user(),
        by: third_user(),
        at: AT,
    };
    GroupTest::with(())
        .given(vec![registered(), founder_added(), deregistered.clone()])
        .when(join())
        .then_expect_error(GroupError::Deregistered);
    GroupTest::with(())
        .given(vec![registered(), founder_added(), erased.clone()])
        .when(join())
        .then_expect_error(GroupError::Erased);
    GroupTest::with(())
        .given(vec![registered(), founder_added(), deregistered.clone()])
        .when(remove(founder(), founder()))
        .then_expect_error(GroupError::Deregistered);
    assert_eq!(
        replay(vec![registered(), founder_added(), erased]).check_invitation(),
        Err(GroupError::Erased)
    );
    assert_eq!(
        replay(vec![registered(), founder_added(), deregistered]).check_invitation(),
        Err(GroupError::Deregistered)
    );
    assert_eq!(replay(two_members()).check_invitation(), Ok(()));
}

#[test]
fn each_membership_refusal_names_its_rule_in_japanese_and_english() {
    use crate::refusal::Refusal;
    for (refusal, code, ja) in [
        (
            GroupError::NotRepresentative,
            "group.not_representative",
            "代表者だけ",
        ),
        (
            GroupError::RepresentativeCannotBeRemoved,
            "group.representative_cannot_be_removed",
            "代表者は削除できません",
        ),
        (
            GroupError::LastMember,
            "group.last_member",
            "最後のメンバー",
        ),
        (
            GroupError::NotAMember,
            "group.not_a_member",
            "メンバーではありません",
        ),
        (GroupError::Erased, "group.erased", "削除されている"),
        (
            GroupError::AlreadyRepresentative,
            "group.already_representative",
            "すでに団体の代表者",
        ),
    ] {
        assert_eq!(refusal.code(), code);
        assert!(
            refusal.message_ja().contains(ja),
            "{}",
            refusal.message_ja()
        );
        assert!(!refusal.message_en().is_empty());
    }
}

#[test]
fn the_new_membership_events_are_version_1_0() {
    for event in [
        GroupEvent::MemberRemoved {
            user_id: another_user(),
            by: founder(),
            at: AT,
        },
        GroupEvent::RepresentativeChanged {
            user_id: another_user(),
            by: founder(),
            at: AT,
        },
    ] {
        assert_eq!(event.event_version(), "1.0");
    }
}

// A coordinator (中間支援) with the group's consent (issue 18, item 5).

fn coordinator() -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(20))
}

fn consent(may_submit: bool, by: UserId) -> GroupCommand {
    GroupCommand::ConsentCoordinator {
        coordinator: coordinator(),
        is_coordinator: true,
        may_submit,
        by,
        at: AT,
    }
}

fn consented(may_submit: bool) -> GroupEvent {
    GroupEvent::CoordinatorConsented {
        coordinator: coordinator(),
        may_submit,
        by: founder(),
        at: AT,
    }
}

#[test]
fn the_representative_consents_to_a_coordinator_who_then_acts_for_the_group() {
    GroupTest::with(())
        .given(two_members())
        .when(consent(false, founder()))
        .then_expect_events(vec![consented(false)]);
    let mut events = two_members();
    events.push(consented(false));
    let group = replay(events);
    assert_eq!(
        group.acting(coordinator()),
        Some(Acting::Coordinator { may_submit: false })
    );
    assert_eq!(group.acting(another_user()), Some(Acting::Member));
    assert_eq!(group.acting(third_user()), None);
    assert!(
        !group.is_member(coordinator()),
        "a coordinator is not a member"
    );
}

#[test]
fn a_coordinator_submits_only_when_the_group_allowed_it() {
    let mut events = two_members();
    events.push(consented(false));
    assert_eq!(
        replay(events.clone()).check_submission(coordinator()),
        Err(GroupError::CoordinatorMayNotSubmit)
    );
    assert_eq!(replay(events.clone()).check_submission(founder()), Ok(()));
    assert_eq!(
        replay(events.clone()).check_submission(third_user()),
        Err(GroupError::NotAMember)
    );
    GroupTest::with(())
        .given(events.clone())
        .when(consent(true, founder()))
        .then_expect_events(vec![consented(true)]);
    events.push(consented(true));
    assert_eq!(replay(events).check_submission(coordinator()), Ok(()));
}

#[test]
fn only_the_representative_consents_and_only_to_a_coordinator_account() {
    GroupTest::with(())
        .given(two_members())
        .when(consent(false, another_user()))
        .then_expect_error(GroupError::NotRepresentative);
    GroupTest::with(())
        .given(two_members())
        .when(GroupCommand::ConsentCoordinator {
            coordinator: third_user(),
            is_coordinator: false,
            may_submit: false,
            by: founder(),
            at: AT,
        })
        .then_expect_error(GroupError::NotACoordinator);
    let mut events = two_members();
    events.push(consented(true));
    GroupTest::with(())
        .given(events)
        .when(consent(true, founder()))
        .then_expect_error(GroupError::ConsentUnchanged);
}

#[test]
fn a_withdrawn_consent_ends_the_coordinators_access() {
    let withdraw = |by| GroupCommand::WithdrawCoordinatorConsent {
        coordinator: coordinator(),
        by,
        at: AT,
    };
    let withdrawn = GroupEvent::CoordinatorConsentWithdrawn {
        coordinator: coordinator(),
        by: founder(),
        at: AT,
    };
    let mut events = two_members();
    events.push(consented(true));
    GroupTest::with(())
        .given(events.clone())
        .when(withdraw(another_user()))
        .then_expect_error(GroupError::NotRepresentative);
    GroupTest::with(())
        .given(events.clone())
        .when(withdraw(founder()))
        .then_expect_events(vec![withdrawn.clone()]);
    events.push(withdrawn);
    assert_eq!(replay(events.clone()).acting(coordinator()), None);
    GroupTest::with(())
        .given(events)
        .when(withdraw(founder()))
        .then_expect_error(GroupError::NoConsent);
}

#[test]
fn a_registration_reads_publicly_as_its_name_and_number_whatever_its_contact_holds() {
    let mut payload = serde_json::to_value(registered()).unwrap();
    // As the log holds a 2.0 event: the contact sealed, no longer a `ContactDetails`.
    payload["GroupRegistered"]["contact"] =
        serde_json::json!({"sealed": {"alg": "XChaCha20-Poly1305", "nonce": "", "ciphertext": ""}});
    let public: PublicGroupEvent = serde_json::from_value(payload).unwrap();
    let PublicGroupEvent::GroupRegistered {
        group_id: id,
        name,
        registration_number,
    } = public;
    assert_eq!(id, group_id());
    assert_eq!(name, "川辺を守る会");
    assert_eq!(registration_number, "R8-001");
}

/// Given a registered group, when every later kind of event is applied (members, the
/// representative, coordinators, membership figures, deregistration, erasure), then its name is
/// still the registration's: only `GroupRegistered` sets it, so a copy kept in memory has the log's
/// name whatever events came after (`service::load::group_name` reads it without asking the log).
#[test]
fn only_the_registration_sets_a_groups_name() {
    use cqrs_es::Aggregate;
    let later = vec![
        founder_added(),
        GroupEvent::MembershipUpdated {
            member_count: 20,
            resident_member_count: 15,
            by: founder(),
            at: AT,
        },
        GroupEvent::MemberAdded {
            user_id: another_user(),
            by: founder(),
            at: AT,
        },
        GroupEvent::RepresentativeChanged {
            user_id: another_user(),
            by: founder(),
            at: AT,
        },
        GroupEvent::MemberRemoved {
            user_id: founder(),
            by: another_user(),
            at: AT,
        },
        GroupEvent::CoordinatorConsented {
            coordinator: founder(),
            may_submit: true,
            by: another_user(),
            at: AT,
        },
        GroupEvent::CoordinatorConsentWithdrawn {
            coordinator: founder(),
            by: another_user(),
            at: AT,
        },
        GroupEvent::GroupDeregistered {
            reason: "解散".into(),
            by: another_user(),
            at: AT,
        },
        GroupEvent::PersonalDataErased {
            by: another_user(),
            at: AT,
        },
    ];
    // A new kind of event must be placed in `later` above: this match stops compiling without it.
    for event in &later {
        match event {
            GroupEvent::GroupRegistered { .. } => unreachable!("only the first event registers"),
            GroupEvent::MemberAdded { .. }
            | GroupEvent::MembershipUpdated { .. }
            | GroupEvent::GroupDeregistered { .. }
            | GroupEvent::MemberRemoved { .. }
            | GroupEvent::RepresentativeChanged { .. }
            | GroupEvent::CoordinatorConsented { .. }
            | GroupEvent::CoordinatorConsentWithdrawn { .. }
            | GroupEvent::PersonalDataErased { .. } => {}
        }
    }
    let mut group = Group::default();
    group.apply(registered());
    for event in later {
        group.apply(event);
        assert_eq!(group.name(), "川辺を守る会");
    }
}
