// Whether a sign-in (a refresh-token family) still stands: every token of the family, revoked
// or not. Logout and refresh-token reuse revoke the whole family.
MATCH (t:RefreshToken {family: $family})
RETURN t.revoked AS revoked
