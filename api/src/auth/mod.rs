//! Who is calling and what they may do: access tokens (JWT) and API tokens, the principal of
//! a request, the one permission [`policy`], sign-in rate limits, the audit trail and the
//! first-start bootstrap.

pub mod audit;
pub mod bootstrap;
pub mod caller;
pub mod jwt;
pub mod limiter;
pub mod policy;
pub mod principal;
pub mod watch;

pub use audit::{AuditTrail, RequestMeta};
pub use caller::Caller;
pub use jwt::AccessTokens;
pub use limiter::LoginLimiter;
pub use principal::Principal;
pub use watch::AccessWatch;
