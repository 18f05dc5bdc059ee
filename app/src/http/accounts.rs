//! Accounts and sessions: register, sign in, sign out, staff creating accounts.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use grants_domain::account::Role;
use grants_domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answers::Created;
use super::caller::ClientAddr;
use super::context::CommandContext;
use super::error::ApiError;
use super::extract::Json;
use super::openapi as doc;
use super::AppState;
use crate::auth::{self, Actor};
use crate::policy::Staff;
use crate::service::{sessions, staff_accounts};

/// The body of `POST /api/v1/accounts`: a person registers their own applicant account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AccountRegistration)]
pub struct Registration {
    email: String,
    password: String,
    display_name: String,
}

/// `POST /api/v1/accounts`: an applicant registers themselves.
#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    operation_id = "accounts_register",
    tag = "accounts",
    summary = "申請者アカウントの登録 / register an applicant account",
    request_body = Registration,
    security(()),
    responses((status = 201, description = "the account", body = Created)),
)]
pub async fn register(
    State(state): State<AppState>,
    context: CommandContext,
    ClientAddr(client): ClientAddr,
    Json(body): Json<Registration>,
) -> Result<impl IntoResponse, ApiError> {
    let sign_up = sessions::SignUp {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
    };
    let (id, position) = sessions::sign_up(&state, &context, client, sign_up).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: id.as_uuid(),
            position,
        }),
    ))
}

/// The body of `POST /api/v1/users`: staff open a staff, reviewer or auditor account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    password: String,
    display_name: String,
    #[schema(value_type = doc::Role)]
    role: Role,
}

/// `POST /api/v1/users`: staff open staff, reviewer or auditor accounts.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "accounts_create_user",
    tag = "accounts",
    summary = "職員・審査委員・監査担当のアカウント作成 / staff create staff, reviewer or auditor accounts",
    request_body = NewUser,
    responses((status = 201, description = "the account", body = Created)),
)]
pub async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Json(body): Json<NewUser>,
) -> Result<impl IntoResponse, ApiError> {
    let user = staff_accounts::NewUser {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
        role: body.role,
    };
    let (id, position) = staff_accounts::create(&state, &context, &staff, user).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: id.as_uuid(),
            position,
        }),
    ))
}

/// The body of `POST /api/v1/sessions`: the e-mail address and password to sign in with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
    /// The second factor of an account that enrolled one (`crate::auth::totp`): the authenticator
    /// app's current code, or an unused recovery code.
    #[serde(default)]
    code: Option<String>,
}

/// The signed-in user, as a session names them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionUser {
    id: UserId,
    display_name: String,
    roles: Vec<Role>,
}

impl SessionUser {
    fn of(actor: &Actor) -> Self {
        SessionUser {
            id: actor.user_id,
            display_name: actor.display_name.clone(),
            roles: actor.roles.iter().copied().collect(),
        }
    }
}

/// A new session: send the token as `Authorization: Bearer <token>`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Session {
    token: String,
    user: SessionUser,
}

/// The session of the bearer token.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CurrentSession {
    user: SessionUser,
    /// Whether the account's e-mail address is verified (the link mailed on registration).
    email_verified: bool,
    /// Whether the service requires a verified address to submit an application.
    email_verification_required: bool,
}

/// `POST /api/v1/sessions`: sign in.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    operation_id = "accounts_sign_in",
    tag = "accounts",
    summary = "ログイン / sign in",
    request_body = Credentials,
    security(()),
    responses((status = 201, description = "a session: send the token as a bearer token", body = Session), (status = 401, description = "wrong e-mail address or password", body = doc::Problem, content_type = "application/problem+json")),
)]
pub async fn sign_in(
    State(state): State<AppState>,
    context: CommandContext,
    ClientAddr(client): ClientAddr,
    Json(body): Json<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let credentials = sessions::Credentials {
        email: &body.email,
        password: &body.password,
        code: body.code.as_deref(),
    };
    let (token, actor) = sessions::sign_in(&state, &context, client, credentials).await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            token,
            user: SessionUser::of(&actor),
        }),
    ))
}

/// `DELETE /api/v1/sessions/current`: sign out.
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/current",
    operation_id = "accounts_sign_out",
    tag = "accounts",
    summary = "ログアウト / sign out",
    responses((status = 204, description = "signed out")),
)]
pub async fn sign_out(
    State(state): State<AppState>,
    _actor: Actor,
    context: CommandContext,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let token = super::caller::bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    auth::sign_out(&state.db, &state.sessions, token, context.now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/sessions/current`: who the bearer token belongs to (the HTML pages ask this to show
/// each role its menu), and whether the account's address is verified and must be to submit.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/current",
    operation_id = "accounts_current_session",
    tag = "accounts",
    summary = "ログイン中の利用者 / the signed-in user",
    responses((status = 200, description = "the signed-in user", body = CurrentSession)),
)]
pub async fn current(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<impl IntoResponse, ApiError> {
    let email_verified = crate::accounts::load(&state, actor.user_id)
        .await?
        .is_some_and(|account| account.email_verified());
    Ok(Json(CurrentSession {
        user: SessionUser::of(&actor),
        email_verified,
        email_verification_required: state.require_verified_email,
    }))
}
