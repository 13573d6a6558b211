//! Who is calling: read from the `Authorization` header once per request.

use graph::model::{ApiToken, User};
use graph::Graph;

use super::jwt::AccessTokens;

/// The caller of a request.
#[derive(Debug, Clone)]
pub enum Principal {
    /// No credentials: may only sign in.
    Anonymous,
    /// A signed-in user, through an access token or (with `token`) an API token.
    User {
        user: Box<User>,
        /// The API token used, whose role and project scope cap what the user may do.
        token: Option<Box<ApiToken>>,
    },
}

/// Prefix of API token texts (`rsdk_<id>_<secret>`).
pub const API_TOKEN_PREFIX: &str = "rsdk_";

impl Principal {
    /// Reads the `Authorization` header: none is anonymous; `Bearer rsdk_…` an API token;
    /// any other bearer an access token. Bad, expired or revoked credentials are
    /// `Unauthenticated`, never silently anonymous.
    pub async fn authenticate(
        header: Option<&str>,
        graph: &Graph,
        access_tokens: &AccessTokens,
    ) -> graph::Result<Self> {
        let Some(header) = header else {
            return Ok(Principal::Anonymous);
        };
        let refused = |reason: &str| graph::Error::Unauthenticated(reason.to_owned());
        let Some(credential) = header.strip_prefix("Bearer ").map(str::trim) else {
            return Err(refused("use `Authorization: Bearer <token>`"));
        };
        if credential.starts_with(API_TOKEN_PREFIX) {
            return match graph.authenticate_api_token(credential).await? {
                Some((token, user)) => Ok(Principal::User {
                    user: Box::new(user),
                    token: Some(Box::new(token)),
                }),
                None => Err(refused("the API token is invalid or revoked; create a new one")),
            };
        }
        let claims = access_tokens.verify(credential)?;
        let user = match graph.user(&claims.user).await {
            Ok(user) => user,
            Err(graph::Error::NotFound { .. }) => return Err(refused("the access token's user is gone")),
            Err(other) => return Err(other),
        };
        if user.disabled
            || user.token_version != claims.token_version
            || !graph.session_active(&claims.session).await?
        {
            return Err(refused("the access token was revoked; sign in again"));
        }
        Ok(Principal::User {
            user: Box::new(user),
            token: None,
        })
    }

    /// The user's id, for the audit log.
    pub fn user_id(&self) -> Option<&graph::ids::UserId> {
        match self {
            Principal::Anonymous => None,
            Principal::User { user, .. } => Some(&user.id),
        }
    }
}
