//! Accounts and sessions: register, sign in, sign out, staff creating accounts.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use grants_domain::account::Role;
use grants_domain::UserId;
use serde::Deserialize;
use serde_json::json;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::Json;
use super::AppState;
use crate::accounts::{open_account, NewAccount};
use crate::auth::{self, Actor};
use crate::store::ActorRole;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    email: String,
    password: String,
    display_name: String,
}

/// `POST /api/v1/accounts`: an applicant registers themselves.
pub async fn register(
    State(state): State<AppState>,
    context: CommandContext,
    Json(body): Json<Registration>,
) -> Result<impl IntoResponse, ApiError> {
    let user_id = UserId::new();
    let metadata = context.metadata(user_id, ActorRole::Applicant);
    let account = NewAccount {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
        role: Role::Applicant,
        self_registered: true,
    };
    let (id, position) = open_account(&state, account, &metadata).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "position": position })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    password: String,
    display_name: String,
    role: Role,
}

/// `POST /api/v1/users`: staff open staff, reviewer or auditor accounts.
pub async fn create_user(
    State(state): State<AppState>,
    actor: Actor,
    context: CommandContext,
    Json(body): Json<NewUser>,
) -> Result<impl IntoResponse, ApiError> {
    actor.require(Role::Staff)?;
    let metadata = context.metadata_for(&actor, ActorRole::Staff);
    let account = NewAccount {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
        role: body.role,
        self_registered: false,
    };
    let (id, position) = open_account(&state, account, &metadata).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "position": position })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

/// `POST /api/v1/sessions`: sign in.
pub async fn sign_in(
    State(state): State<AppState>,
    context: CommandContext,
    Json(body): Json<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let Some((token, actor)) =
        auth::sign_in(&state.db, &body.email, &body.password, context.now).await?
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "auth.bad_credentials",
            "メールアドレスまたはパスワードが正しくありません",
            "wrong e-mail address or password",
        ));
    };
    let roles: Vec<&str> = actor.roles.iter().map(|role| role.as_str()).collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "user": { "id": actor.user_id, "display_name": actor.display_name, "roles": roles },
        })),
    ))
}

/// `DELETE /api/v1/sessions/current`: sign out.
pub async fn sign_out(
    State(state): State<AppState>,
    _actor: Actor,
    context: CommandContext,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let token = auth::bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    auth::sign_out(&state.db, token, context.now).await?;
    Ok(StatusCode::NO_CONTENT)
}
