//! Registering a group (`/groups/new`): the caller becomes its first member.

use crate::web::form::PageForm;
use axum::extract::State;
use axum::response::Response;
use grants_domain::group::registration::{self as group_limits, RegistrationForm};
use grants_domain::group::{MIN_MEMBERS, MIN_RESIDENT_MEMBERS};
use maud::html;

use super::with_session;
use crate::policy::Applicant;
use crate::service::groups;
use crate::web::command::PageCommand;
use crate::web::form::{count_field, date_field, guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, redirect};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, form_guard, page_with_status, Input};
use crate::web::Web;

/// The form's fields in order: the registration's own list.
const GROUP_FIELDS: &[&str] = &grants_domain::group::registration::FIELDS;

fn group_page(visitor: &Visitor, state: &FormState) -> Response {
    let body = html! {
        p { "申請できるのは、構成員が" (MIN_MEMBERS) "人以上で、そのうち市内在住の方が" (MIN_RESIDENT_MEMBERS) "人以上いる、公益的な活動を目的とする団体です。登録したあなたが団体の構成員になります。" }
        (error_summary(state))
        form.stack method="post" action="/groups/new" {
            (form_guard(visitor, state))
            (Input::text("name", "団体名").required().max(group_limits::NAME_MAX).render(state))
            (Input::text("registration_number", "市民活動団体の登録番号").required().max(group_limits::REGISTRATION_NUMBER_MAX).render(state))
            (Input::text("representative_name", "代表者氏名").required().max(group_limits::REPRESENTATIVE_NAME_MAX).render(state))
            (Input::text("address", "所在地").required().max(group_limits::ADDRESS_MAX).render(state))
            (Input::text("phone", "電話番号").kind("tel").required().max(group_limits::PHONE_MAX).autocomplete("tel").render(state))
            (Input::text("email", "団体の連絡先メールアドレス").kind("email").required().max(group_limits::EMAIL_MAX).render(state))
            (Input::text("founded_on", "設立日").kind("date").required().render(state))
            (Input::text("member_count", "構成員数（人）").kind("number").required().render(state))
            (Input::text("resident_member_count", "うち市内在住の構成員数（人）").kind("number").required().render(state))
            (Input::text("purpose", "活動目的").required().max(group_limits::PURPOSE_MAX).textarea(state))
            div.actions { button type="submit" { "団体を登録する" } }
        }
    };
    let status = state.status();
    page_with_status(status, visitor, "団体の登録", body)
}

pub(super) async fn new_group(visitor: Visitor) -> Response {
    if visitor.token().is_none() {
        return login_then("/groups/new");
    }
    group_page(&visitor, &FormState::new(FormData::default()))
}

pub(super) async fn register_group(
    State(web): State<Web>,
    visitor: Visitor,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => return group_page(&visitor, &state),
    };
    let registration = RegistrationForm {
        name: form.get("name").to_owned(),
        registration_number: form.get("registration_number").to_owned(),
        representative_name: form.get("representative_name").to_owned(),
        address: form.get("address").to_owned(),
        phone: form.get("phone").to_owned(),
        email: form.get("email").to_owned(),
        founded_on: date_field(form.get("founded_on")).ok(),
        member_count: count_field(form.get("member_count")),
        resident_member_count: count_field(form.get("resident_member_count")),
        purpose: form.get("purpose").to_owned(),
    };
    let state = &web.state;
    let command = PageCommand {
        path: "/groups/new",
        form: &form,
        step: "group",
    };
    let registered = web
        .once(&token, command, |actor, context| async move {
            let input = groups::Registration::read(registration, context.now)?;
            groups::register(state, &context, &Applicant::admit(actor)?, input).await?;
            Ok(())
        })
        .await;
    let response = match registered {
        Ok(()) => redirect("/my"),
        Err(problem) => {
            let errors = Errors::placed(&problem, GROUP_FIELDS, &[]);
            group_page(&visitor, &FormState::new(form.typed()).with_errors(errors))
        }
    };
    with_session(response, &visitor, again)
}
