//! Signing in: the password, then the second factor of an account that enrolled one, with the
//! sign-in throttle counting failures per address and per client. The JSON API's `POST
//! /api/v1/sessions` and the sign-in page are its adapters.

use std::net::IpAddr;
use std::time::Instant;

use super::{CommandContext, ErrorKind, ServiceError};
use crate::auth::{self, Actor};
use crate::state::AppState;

/// What a person typed to sign in.
pub struct Credentials<'a> {
    pub email: &'a str,
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
