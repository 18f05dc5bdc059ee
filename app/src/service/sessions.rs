//! Signing up and signing in. Signing up opens an applicant's own account (throttled per client)
//! and mails the link that proves its address; signing in checks the password, then the second
//! factor of an account that enrolled one, with the sign-in throttle counting failures per address
//! and per client. The JSON API (`POST /api/v1/accounts`, `POST /api/v1/sessions`) and the pages
//! are its adapters.

use std::net::IpAddr;
use std::time::Instant;

use grants_domain::account::Role;
use grants_domain::UserId;

use super::{CommandContext, ErrorKind, ServiceError};
use crate::accounts::{open_account, NewAccount};
use crate::auth::{self, Actor};
use crate::state::AppState;
use crate::store::{ActorRole, Position};

/// What a person types to open their own account.
pub struct SignUp {
    /// The address to sign in with; the account's e-mail is verified by a mailed link.
    pub email: String,
    /// The password as typed (checked against the password rules, then hashed).
    pub password: String,
    /// The name the account shows.
    pub display_name: String,
}

/// An applicant opens their own account; answers its id and the log position of its opening. The
/// link that proves the address is mailed when the service requires proved addresses (otherwise
/// on request only).
pub async fn sign_up(
    state: &AppState,
    context: &CommandContext,
    client: Option<IpAddr>,
    sign_up: SignUp,
) -> Result<(UserId, Position), ServiceError> {
    state
        .sign_up_limiter
        .attempt(client, Instant::now())
        .map_err(ServiceError::too_many_sign_ups)?;
    let user_id: UserId = context.new_id();
    let metadata = context.metadata(user_id, ActorRole::Applicant);
    let account = NewAccount {
        email: sign_up.email,
        password: sign_up.password,
        display_name: sign_up.display_name,
        role: Role::Applicant,
        self_registered: true,
    };
    // The address as stored (lower case), or none when it is malformed (then `open_account`
    // refuses it).
    let email = grants_domain::account::EmailAddress::parse(&account.email)
        .map(|email| email.as_str().to_owned())
        .unwrap_or_default();
    let display_name = account.display_name.trim().to_owned();
    let (id, position) = open_account(state, user_id, account, &metadata).await?;
    if state.require_verified_email {
        auth::verification::send_link(state, id, &email, &display_name).await?;
    }
    Ok((id, position))
}

/// What a person typed to sign in.
pub struct Credentials<'a> {
    /// The address as typed.
    pub email: &'a str,
    /// The password as typed.
    pub password: &'a str,
    /// The authenticator app's current code or an unused recovery code (an enrolled account's).
    pub code: Option<&'a str>,
}

/// Opens a session for the credentials; answers its token and the signed-in actor. A wrong
/// password or code counts against the throttle; the session a password opened is ended when
/// the second factor is missing or wrong.
pub async fn sign_in(
    state: &AppState,
    context: &CommandContext,
    client: Option<IpAddr>,
    credentials: Credentials<'_>,
) -> Result<(String, Actor), ServiceError> {
    let email = credentials.email;
    let limiter = &state.sign_in_limiter;
    limiter
        .check(email, client, Instant::now())
        .map_err(ServiceError::too_many_attempts)?;
    let signed_in = auth::sign_in(&state.db, email, credentials.password, context.now).await?;
    let Some((token, actor)) = signed_in else {
        limiter.record_failure(email, client, Instant::now());
        return Err(ServiceError::new(
            ErrorKind::NotSignedIn,
            "auth.bad_credentials",
            "メールアドレスまたはパスワードが正しくありません",
            "wrong e-mail address or password",
        ));
    };
    if auth::totp::enrolled(&state.db, actor.user_id).await? {
        let code = credentials.code.filter(|code| !code.trim().is_empty());
        let passed = match code {
            None => Err(auth::totp::code_required()),
            Some(code) => {
                let key = state.totp_key()?;
                let now = state.clock.now();
                if auth::totp::verify(&state.db, key, actor.user_id, code, now).await? {
                    Ok(())
                } else {
                    limiter.record_failure(email, client, Instant::now());
                    Err(auth::totp::bad_code())
                }
            }
        };
        if let Err(refused) = passed {
            // The session the password opened is not handed out: it ends here.
            auth::sign_out(&state.db, &state.sessions, &token, context.now).await?;
            return Err(refused);
        }
    }
    limiter.record_success(email, client);
    Ok((token, actor))
}
