//! Users, teams, roles, tokens and the audit log, the same on every engine: each test below
//! runs on graphdblite, on FalkorDB and (with `RSDK_TEST_NEO4J`) on Neo4j.

mod support;

support::on_every_engine!(
    emails_are_normalised_and_a_duplicate_is_a_conflict,
    bad_user_input_is_refused_with_the_rule_and_stores_nothing,
    verify_password_accepts_only_the_right_password_of_an_enabled_user,
    changing_the_password_raises_token_version_and_ends_sessions,
    teams_are_unique_and_list_their_members,
    project_role_comes_from_the_override_else_the_best_team_else_none,
    projects_with_roles_lists_every_project_the_user_reaches_by_name,
    api_tokens_authenticate_only_with_their_secret_until_revoked,
    only_the_owner_revokes_an_api_token_and_disabled_users_tokens_stop,
    refresh_tokens_rotate_and_a_reused_one_revokes_the_family,
    racing_redemptions_of_one_refresh_token_give_one_grant_and_end_the_family,
    expired_and_logged_out_refresh_tokens_are_refused,
    audit_entries_come_newest_first_and_filter_by_actor_action_and_time,
    export_contains_the_users_own_data_and_no_one_elses,
    erasure_removes_personal_data_everywhere_and_keeps_the_audit_trail,
);

use std::time::Duration;

use graph::ids::UserId;
use graph::model::{AuditFilter, NewApiToken, NewAuditEntry, NewUser, Role, User};
use graph::Graph;
use support::{project, TestGraph};

const PASSWORD: &str = "correct horse battery staple";
const HOUR: Duration = Duration::from_secs(3600);

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: format!("Name of {email}"),
        password: PASSWORD.into(),
        site_admin: false,
    }
}

async fn user(graph: &Graph, email: &str) -> User {
    graph.create_user(new_user(email)).await.expect("user is created")
}

fn token_for(user: &UserId, projects: Option<Vec<String>>) -> NewApiToken {
    NewApiToken {
        user_id: user.clone(),
        name: "laptop".into(),
        role: Role::Researcher,
        projects,
    }
}

fn audit(actor: Option<&UserId>, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.cloned(),
        action: action.into(),
        target: "project vit".into(),
        outcome: "ok".into(),
        summary: "{}".into(),
        request_id: format!("request-{action}"),
        client: "127.0.0.1".into(),
    }
}

fn field_of(error: &graph::Error) -> &str {
    match error {
        graph::Error::Invalid { field, .. } | graph::Error::Conflict { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn emails_are_normalised_and_a_duplicate_is_a_conflict(t: TestGraph) {
    let ada = user(&t.graph, "  Ada@Example.ORG ").await;
    assert_eq!(ada.email, "ada@example.org");
    assert_eq!(ada.token_version, 1);
    assert!(!ada.disabled && !ada.site_admin);
    assert_eq!(t.graph.user(&ada.id).await.expect("read back"), ada);

    let error = t
        .graph
        .create_user(new_user("ADA@example.org"))
        .await
        .expect_err("duplicate");
    assert_eq!(error.code(), "CONFLICT");
    assert_eq!(field_of(&error), "email");
    assert_eq!(t.graph.count_users().await.expect("count"), 1);

    user(&t.graph, "bob@example.org").await;
    let emails: Vec<_> = t
        .graph
        .users()
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(emails, ["ada@example.org", "bob@example.org"]);
    let missing = t.graph.user(&UserId("nobody".into())).await.expect_err("missing");
    assert_eq!(missing.code(), "NOT_FOUND");
}

async fn bad_user_input_is_refused_with_the_rule_and_stores_nothing(t: TestGraph) {
    let weak = NewUser {
        password: "too short".into(),
        ..new_user("ada@example.org")
    };
    let error = t.graph.create_user(weak).await.expect_err("weak password");
    assert_eq!(error.code(), "VALIDATION");
    assert_eq!(field_of(&error), "password");
    assert!(error.to_string().contains("at least 12"), "{error}");

    for email in ["ada", "a@b@c.org", "@example.org", "ada@"] {
        let error = t.graph.create_user(new_user(email)).await.expect_err(email);
        assert_eq!(field_of(&error), "email", "{email}");
    }
    for display_name in ["", "bell\u{7}", &"n".repeat(101)] {
        let input = NewUser {
            display_name: display_name.into(),
            ..new_user("ada@example.org")
        };
        let error = t.graph.create_user(input).await.expect_err(display_name);
        assert_eq!(field_of(&error), "displayName");
    }
    assert_eq!(t.graph.count_users().await.expect("count"), 0);
}

async fn verify_password_accepts_only_the_right_password_of_an_enabled_user(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let verified = t
        .graph
        .verify_password(" ADA@example.org", PASSWORD)
        .await
        .expect("runs");
    assert_eq!(verified, Some(ada.clone()));
    let wrong = t
        .graph
        .verify_password("ada@example.org", "not the password at all")
        .await
        .expect("runs");
    assert_eq!(wrong, None);
    let unknown = t
        .graph
        .verify_password("nobody@example.org", PASSWORD)
        .await
        .expect("runs");
    assert_eq!(unknown, None);

    let disabled = t.graph.set_user_disabled(&ada.id, true).await.expect("disabled");
    assert!(disabled.disabled);
    assert_eq!(disabled.token_version, ada.token_version + 1);
    let refused = t
        .graph
        .verify_password("ada@example.org", PASSWORD)
        .await
        .expect("runs");
    assert_eq!(refused, None, "a disabled user cannot sign in");
    let enabled = t.graph.set_user_disabled(&ada.id, false).await.expect("enabled");
    assert_eq!(enabled.token_version, ada.token_version + 2);
    assert!(t
        .graph
        .verify_password("ada@example.org", PASSWORD)
        .await
        .expect("runs")
        .is_some());
}

async fn changing_the_password_raises_token_version_and_ends_sessions(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let session = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");

    let error = t
        .graph
        .change_password(&ada.id, "short")
        .await
        .expect_err("weak password");
    assert_eq!(field_of(&error), "password");
    let changed = t
        .graph
        .change_password(&ada.id, "a brand new passphrase")
        .await
        .expect("changed");
    assert_eq!(changed.token_version, ada.token_version + 1);
    assert!(t
        .graph
        .verify_password("ada@example.org", PASSWORD)
        .await
        .expect("runs")
        .is_none());
    assert!(t
        .graph
        .verify_password("ada@example.org", "a brand new passphrase")
        .await
        .expect("runs")
        .is_some());
    let redeemed = t
        .graph
        .redeem_refresh_token(&session.refresh_token, HOUR)
        .await
        .expect("runs");
    assert!(redeemed.is_none(), "a password change ends every session");
    let missing = t
        .graph
        .change_password(&UserId("nobody".into()), "a brand new passphrase")
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), "NOT_FOUND");
}

async fn teams_are_unique_and_list_their_members(t: TestGraph) {
    let team = t.graph.create_team("vision").await.expect("created");
    assert_eq!(t.graph.team("vision").await.expect("read back"), team);
    let duplicate = t.graph.create_team("vision").await.expect_err("duplicate");
    assert_eq!(duplicate.code(), "CONFLICT");
    assert_eq!(field_of(&duplicate), "name");
    let invalid = t.graph.create_team("vision team").await.expect_err("invalid");
    assert_eq!(field_of(&invalid), "name");
    t.graph.create_team("audio").await.expect("created");
    let names: Vec<_> = t
        .graph
        .teams()
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["audio", "vision"]);

    let ada = user(&t.graph, "ada@example.org").await;
    let bob = user(&t.graph, "bob@example.org").await;
    t.graph
        .set_team_member("vision", &bob.id, Role::Viewer)
        .await
        .expect("member");
    t.graph
        .set_team_member("vision", &ada.id, Role::Viewer)
        .await
        .expect("member");
    t.graph
        .set_team_member("vision", &ada.id, Role::Admin)
        .await
        .expect("role changed");
    let members = t.graph.team_members("vision").await.expect("members");
    let listed: Vec<_> = members.iter().map(|m| (m.user.email.as_str(), m.role)).collect();
    assert_eq!(
        listed,
        [
            ("ada@example.org", Role::Admin),
            ("bob@example.org", Role::Viewer)
        ]
    );
    let memberships = t.graph.user_memberships(&ada.id).await.expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].team, team);

    t.graph
        .remove_team_member("vision", &bob.id)
        .await
        .expect("removed");
    assert_eq!(t.graph.team_members("vision").await.expect("members").len(), 1);
    let missing = t
        .graph
        .set_team_member("nope", &ada.id, Role::Viewer)
        .await
        .expect_err("no team");
    assert_eq!(missing.code(), "NOT_FOUND");
}

async fn project_role_comes_from_the_override_else_the_best_team_else_none(t: TestGraph) {
    project(&t.graph, "vit").await;
    let vit = t.graph.project("vit").await.expect("project").id;
    let ada = user(&t.graph, "ada@example.org").await;
    assert_eq!(t.graph.project_role(&ada.id, &vit).await.expect("role"), None);

    for team in ["vision", "platform"] {
        t.graph.create_team(team).await.expect("team");
        t.graph.give_project_to_team(team, "vit").await.expect("owned");
    }
    t.graph
        .give_project_to_team("vision", "vit")
        .await
        .expect("owning twice is fine");
    t.graph
        .set_team_member("vision", &ada.id, Role::Viewer)
        .await
        .expect("member");
    assert_eq!(
        t.graph.project_role(&ada.id, &vit).await.expect("role"),
        Some(Role::Viewer)
    );
    t.graph
        .set_team_member("platform", &ada.id, Role::Researcher)
        .await
        .expect("member");
    assert_eq!(
        t.graph.project_role(&ada.id, &vit).await.expect("role"),
        Some(Role::Researcher),
        "the highest team role wins"
    );

    t.graph
        .set_project_role(&ada.id, "vit", Some(Role::Viewer))
        .await
        .expect("override");
    assert_eq!(
        t.graph.project_role(&ada.id, &vit).await.expect("role"),
        Some(Role::Viewer),
        "an override wins, even downwards"
    );
    t.graph
        .set_project_role(&ada.id, "vit", Some(Role::Admin))
        .await
        .expect("override");
    assert_eq!(
        t.graph.project_role(&ada.id, &vit).await.expect("role"),
        Some(Role::Admin)
    );
    t.graph
        .set_project_role(&ada.id, "vit", None)
        .await
        .expect("override removed");
    assert_eq!(
        t.graph.project_role(&ada.id, &vit).await.expect("role"),
        Some(Role::Researcher)
    );

    let missing = t
        .graph
        .set_project_role(&ada.id, "nope", Some(Role::Admin))
        .await
        .expect_err("no project");
    assert_eq!(missing.code(), "NOT_FOUND");
}

async fn projects_with_roles_lists_every_project_the_user_reaches_by_name(t: TestGraph) {
    for name in ["zeta", "alpha", "mid", "hidden"] {
        project(&t.graph, name).await;
    }
    let ada = user(&t.graph, "ada@example.org").await;
    t.graph.create_team("vision").await.expect("team");
    t.graph
        .give_project_to_team("vision", "zeta")
        .await
        .expect("owned");
    t.graph
        .give_project_to_team("vision", "mid")
        .await
        .expect("owned");
    t.graph
        .set_team_member("vision", &ada.id, Role::Researcher)
        .await
        .expect("member");
    t.graph
        .set_project_role(&ada.id, "alpha", Some(Role::Viewer))
        .await
        .expect("override");
    t.graph
        .set_project_role(&ada.id, "mid", Some(Role::Admin))
        .await
        .expect("override");

    let reached: Vec<_> = t
        .graph
        .projects_with_roles(&ada.id)
        .await
        .expect("projects")
        .into_iter()
        .map(|(project, role)| (project.name, role))
        .collect();
    assert_eq!(
        reached,
        [
            ("alpha".to_owned(), Role::Viewer),
            ("mid".to_owned(), Role::Admin),
            ("zeta".to_owned(), Role::Researcher),
        ]
    );
}

async fn api_tokens_authenticate_only_with_their_secret_until_revoked(t: TestGraph) {
    project(&t.graph, "vit").await;
    let ada = user(&t.graph, "ada@example.org").await;
    let missing_project = t
        .graph
        .create_api_token(token_for(&ada.id, Some(vec!["nope".into()])))
        .await
        .expect_err("unknown project");
    assert!(
        matches!(&missing_project, graph::Error::NotFound { entity: "project", id } if id == "nope"),
        "{missing_project:?}"
    );

    let (token, text) = t
        .graph
        .create_api_token(token_for(&ada.id, Some(vec!["vit".into()])))
        .await
        .expect("created");
    let parts: Vec<_> = text.split('_').collect();
    assert_eq!(parts.len(), 3, "{text}");
    assert_eq!(parts[0], "rsdk");
    assert_eq!(parts[1], token.id);
    assert_eq!(token.id.len(), 16);
    assert_eq!(
        token.projects,
        Some(vec![t.graph.project("vit").await.expect("vit").id])
    );
    assert_eq!(token.last_used_at, None);

    let (found, owner) = t
        .graph
        .authenticate_api_token(&text)
        .await
        .expect("runs")
        .expect("authenticates");
    assert_eq!(owner, ada);
    assert_eq!(found.id, token.id);
    assert!(found.last_used_at.is_some(), "the first use is recorded");
    let listed = t.graph.api_tokens(&ada.id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, found.last_used_at);

    let secret = parts[2];
    let mut flipped = secret.to_owned();
    let last = if secret.ends_with('0') { "1" } else { "0" };
    flipped.replace_range(secret.len() - 1.., last);
    let wrong_secret = format!("rsdk_{}_{flipped}", token.id);
    let tampered_id = format!("rsdk_{}_{secret}", "0".repeat(16));
    for bad in [
        wrong_secret.as_str(),
        tampered_id.as_str(),
        "rsdk_nothing",
        "",
        &text[..text.len() - 1],
        &format!("{text}0"),
    ] {
        assert!(
            t.graph.authenticate_api_token(bad).await.expect("runs").is_none(),
            "{bad}"
        );
    }

    let revoked = t
        .graph
        .revoke_api_token(&ada.id, &token.id)
        .await
        .expect("revoked");
    assert!(revoked.revoked);
    assert!(t
        .graph
        .authenticate_api_token(&text)
        .await
        .expect("runs")
        .is_none());

    let (all, _) = t
        .graph
        .create_api_token(token_for(&ada.id, None))
        .await
        .expect("created");
    assert_eq!(all.projects, None);
    let empty_name = NewApiToken {
        name: String::new(),
        ..token_for(&ada.id, None)
    };
    let error = t.graph.create_api_token(empty_name).await.expect_err("no name");
    assert_eq!(field_of(&error), "name");
}

async fn only_the_owner_revokes_an_api_token_and_disabled_users_tokens_stop(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let bob = user(&t.graph, "bob@example.org").await;
    let (token, text) = t
        .graph
        .create_api_token(token_for(&ada.id, None))
        .await
        .expect("created");

    let error = t
        .graph
        .revoke_api_token(&bob.id, &token.id)
        .await
        .expect_err("not bob's");
    assert_eq!(error.code(), "NOT_FOUND");
    assert!(t.graph.api_tokens(&bob.id).await.expect("list").is_empty());
    assert!(t
        .graph
        .authenticate_api_token(&text)
        .await
        .expect("runs")
        .is_some());

    t.graph.set_user_disabled(&ada.id, true).await.expect("disabled");
    assert!(t
        .graph
        .authenticate_api_token(&text)
        .await
        .expect("runs")
        .is_none());
    t.graph.set_user_disabled(&ada.id, false).await.expect("enabled");
    assert!(t
        .graph
        .authenticate_api_token(&text)
        .await
        .expect("runs")
        .is_some());
}

async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let first = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");
    assert!(first.refresh_token.starts_with("rsdk_refresh_"));
    assert_eq!(first.user, ada);

    let second = t
        .graph
        .redeem_refresh_token(&first.refresh_token, HOUR)
        .await
        .expect("runs")
        .expect("rotated");
    assert_eq!(second.family, first.family);
    assert_ne!(second.refresh_token, first.refresh_token);
    let third = t
        .graph
        .redeem_refresh_token(&second.refresh_token, HOUR)
        .await
        .expect("runs")
        .expect("rotated again");

    // The first token is presented again (stolen and replayed): refused, and the sign-in's
    // newest token dies with it.
    let replay = t
        .graph
        .redeem_refresh_token(&first.refresh_token, HOUR)
        .await
        .expect("runs");
    assert!(replay.is_none());
    let after_replay = t
        .graph
        .redeem_refresh_token(&third.refresh_token, HOUR)
        .await
        .expect("runs");
    assert!(after_replay.is_none(), "reuse revokes the whole family");

    let other_session = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");
    assert_ne!(other_session.family, first.family);
    assert!(
        t.graph
            .redeem_refresh_token(&other_session.refresh_token, HOUR)
            .await
            .expect("runs")
            .is_some(),
        "another sign-in is untouched"
    );
}

async fn racing_redemptions_of_one_refresh_token_give_one_grant_and_end_the_family(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let session = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");
    let redemptions: Vec<_> = (0..2)
        .map(|_| {
            let graph = t.graph.clone();
            let text = session.refresh_token.clone();
            tokio::spawn(async move { graph.redeem_refresh_token(&text, HOUR).await })
        })
        .collect();
    let mut grants = Vec::new();
    for redemption in redemptions {
        if let Some(grant) = redemption.await.expect("joins").expect("runs") {
            grants.push(grant);
        }
    }
    assert_eq!(grants.len(), 1, "exactly one redemption wins");
    let after = t
        .graph
        .redeem_refresh_token(&grants[0].refresh_token, HOUR)
        .await
        .expect("runs");
    assert!(after.is_none(), "the second presentation revoked the family");
}

async fn expired_and_logged_out_refresh_tokens_are_refused(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let short = t
        .graph
        .issue_refresh_token(&ada.id, Duration::from_millis(1))
        .await
        .expect("issued");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(t
        .graph
        .redeem_refresh_token(&short.refresh_token, HOUR)
        .await
        .expect("runs")
        .is_none());

    let session = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");
    let next = t
        .graph
        .redeem_refresh_token(&session.refresh_token, HOUR)
        .await
        .expect("runs")
        .expect("rotated");
    t.graph
        .revoke_refresh_token(&next.refresh_token)
        .await
        .expect("logged out");
    assert!(t
        .graph
        .redeem_refresh_token(&next.refresh_token, HOUR)
        .await
        .expect("runs")
        .is_none());
    t.graph
        .revoke_refresh_token("rsdk_refresh_unknown")
        .await
        .expect("an unknown token is fine");
    let forged = format!("rsdk_refresh_{}_{}", "ab".repeat(8), "cd".repeat(32));
    t.graph
        .revoke_refresh_token(&forged)
        .await
        .expect("an unknown token is fine");

    let disabled_session = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");
    t.graph.set_user_disabled(&ada.id, true).await.expect("disabled");
    assert!(t
        .graph
        .redeem_refresh_token(&disabled_session.refresh_token, HOUR)
        .await
        .expect("runs")
        .is_none());
    let error = t
        .graph
        .issue_refresh_token(&ada.id, HOUR)
        .await
        .expect_err("disabled");
    assert_eq!(field_of(&error), "user");
}

async fn audit_entries_come_newest_first_and_filter_by_actor_action_and_time(t: TestGraph) {
    let ada = user(&t.graph, "ada@example.org").await;
    let bob = user(&t.graph, "bob@example.org").await;
    let first = t
        .graph
        .append_audit(audit(Some(&ada.id), "login"))
        .await
        .expect("appended");
    let second = t
        .graph
        .append_audit(audit(Some(&bob.id), "createExperiment"))
        .await
        .expect("appended");
    let third = t
        .graph
        .append_audit(audit(Some(&ada.id), "createExperiment"))
        .await
        .expect("appended");
    let anonymous = t
        .graph
        .append_audit(audit(None, "login"))
        .await
        .expect("appended");
    assert_eq!(anonymous.actor, None);
    assert_eq!(first.actor.as_ref(), Some(&ada.id));

    let ids = |entries: Vec<graph::model::AuditEntry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let all = t
        .graph
        .audit_log(AuditFilter {
            first: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("log");
    assert_eq!(all[0], anonymous);
    assert_eq!(
        ids(all),
        [
            anonymous.id.as_str(),
            third.id.as_str(),
            second.id.as_str(),
            first.id.as_str()
        ]
    );

    let adas = t
        .graph
        .audit_log(AuditFilter {
            actor: Some(ada.id.clone()),
            first: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("log");
    assert_eq!(ids(adas), [third.id.as_str(), first.id.as_str()]);
    let logins = t
        .graph
        .audit_log(AuditFilter {
            action: Some("login".into()),
            first: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("log");
    assert_eq!(ids(logins), [anonymous.id.as_str(), first.id.as_str()]);
    let since_second = t
        .graph
        .audit_log(AuditFilter {
            since: Some(second.at),
            until: Some(third.at),
            first: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("log");
    assert!(since_second.iter().all(|e| e.at >= second.at && e.at <= third.at));
    assert!(since_second.iter().any(|e| e.id == third.id));
    let newest = t
        .graph
        .audit_log(AuditFilter {
            first: 1,
            ..AuditFilter::default()
        })
        .await
        .expect("log");
    assert_eq!(ids(newest), [anonymous.id.as_str()]);
    for first in [0, 1001] {
        let error = t
            .graph
            .audit_log(AuditFilter {
                first,
                ..AuditFilter::default()
            })
            .await
            .expect_err("out of range");
        assert_eq!(field_of(&error), "first");
    }
    assert_eq!(t.graph.count_audit_by_actor(&ada.id).await.expect("count"), 2);
    assert_eq!(t.graph.count_audit_by_actor(&bob.id).await.expect("count"), 1);
}

async fn export_contains_the_users_own_data_and_no_one_elses(t: TestGraph) {
    project(&t.graph, "vit").await;
    let ada = user(&t.graph, "ada@example.org").await;
    let bob = user(&t.graph, "bob@example.org").await;
    t.graph.create_team("vision").await.expect("team");
    t.graph
        .set_team_member("vision", &ada.id, Role::Researcher)
        .await
        .expect("member");
    t.graph
        .set_team_member("vision", &bob.id, Role::Admin)
        .await
        .expect("member");
    t.graph
        .set_project_role(&ada.id, "vit", Some(Role::Admin))
        .await
        .expect("override");
    t.graph
        .set_project_role(&bob.id, "vit", Some(Role::Viewer))
        .await
        .expect("override");
    let (ada_token, ada_text) = t
        .graph
        .create_api_token(token_for(&ada.id, None))
        .await
        .expect("token");
    let (bob_token, _) = t
        .graph
        .create_api_token(token_for(&bob.id, None))
        .await
        .expect("token");
    let ada_entry = t
        .graph
        .append_audit(audit(Some(&ada.id), "login"))
        .await
        .expect("appended");
    let bob_entry = t
        .graph
        .append_audit(audit(Some(&bob.id), "login"))
        .await
        .expect("appended");

    let export = t.graph.export_user(&ada.id).await.expect("exported");
    assert_eq!(export["user"]["email"], "ada@example.org");
    assert_eq!(export["user"]["displayName"], ada.display_name);
    assert_eq!(
        export["memberships"],
        serde_json::json!([{"team": "vision", "role": "researcher"}])
    );
    assert_eq!(
        export["projectRoles"],
        serde_json::json!([{"project": "vit", "role": "admin"}])
    );
    assert_eq!(export["apiTokens"].as_array().map(Vec::len), Some(1));
    assert_eq!(export["apiTokens"][0]["id"], ada_token.id.as_str());
    assert_eq!(export["auditEntries"].as_array().map(Vec::len), Some(1));
    assert_eq!(export["auditEntries"][0]["id"], ada_entry.id.as_str());

    let text = export.to_string();
    let secret = ada_text.rsplit('_').next().expect("secret");
    for foreign in [
        "bob@example.org",
        bob.display_name.as_str(),
        bob.id.as_str(),
        bob_token.id.as_str(),
        bob_entry.id.as_str(),
        secret,
        "argon2",
    ] {
        assert!(!text.contains(foreign), "the export contains `{foreign}`: {text}");
    }
}

async fn erasure_removes_personal_data_everywhere_and_keeps_the_audit_trail(t: TestGraph) {
    project(&t.graph, "vit").await;
    let ada = user(&t.graph, "ada@example.org").await;
    user(&t.graph, "bob@example.org").await;
    t.graph.create_team("vision").await.expect("team");
    t.graph
        .give_project_to_team("vision", "vit")
        .await
        .expect("owned");
    t.graph
        .set_team_member("vision", &ada.id, Role::Admin)
        .await
        .expect("member");
    t.graph
        .set_project_role(&ada.id, "vit", Some(Role::Admin))
        .await
        .expect("override");
    let (_, token_text) = t
        .graph
        .create_api_token(token_for(&ada.id, None))
        .await
        .expect("token");
    let session = t.graph.issue_refresh_token(&ada.id, HOUR).await.expect("issued");
    t.graph
        .append_audit(audit(Some(&ada.id), "login"))
        .await
        .expect("appended");
    t.graph
        .append_audit(audit(Some(&ada.id), "createExperiment"))
        .await
        .expect("appended");
    let audit_count = t.graph.count_audit_by_actor(&ada.id).await.expect("count");

    t.graph.erase_user(&ada.id).await.expect("erased");

    let erased = t
        .graph
        .user(&ada.id)
        .await
        .expect("the pseudonymous record stays");
    assert_eq!(erased.email, format!("erased-{}@erased.invalid", ada.id));
    assert_eq!(erased.display_name, "erased user");
    assert!(erased.disabled);
    assert!(erased.token_version > ada.token_version);
    let personal = [ada.email.as_str(), ada.display_name.as_str()];
    let everything = format!(
        "{:?} {:?} {}",
        t.graph.users().await.expect("users"),
        t.graph.team_members("vision").await.expect("members"),
        t.graph.export_user(&ada.id).await.expect("export"),
    );
    for data in personal {
        assert!(
            !everything.contains(data),
            "`{data}` is still readable: {everything}"
        );
    }
    assert!(t.graph.team_members("vision").await.expect("members").is_empty());
    assert!(t.graph.api_tokens(&ada.id).await.expect("tokens").is_empty());
    assert!(t
        .graph
        .projects_with_roles(&ada.id)
        .await
        .expect("roles")
        .is_empty());
    assert!(t
        .graph
        .authenticate_api_token(&token_text)
        .await
        .expect("runs")
        .is_none());
    assert!(t
        .graph
        .redeem_refresh_token(&session.refresh_token, HOUR)
        .await
        .expect("runs")
        .is_none());
    assert!(t
        .graph
        .verify_password("ada@example.org", PASSWORD)
        .await
        .expect("runs")
        .is_none());
    let erased_email = erased.email.clone();
    assert!(t
        .graph
        .verify_password(&erased_email, "")
        .await
        .expect("runs")
        .is_none());
    let still_disabled = t.graph.set_user_disabled(&ada.id, false).await.expect("runs");
    assert!(still_disabled.disabled, "an erased user cannot be enabled again");

    assert_eq!(
        t.graph.count_audit_by_actor(&ada.id).await.expect("count"),
        audit_count
    );
    // The address is free again: a new account is a different person to the graph.
    let again = user(&t.graph, "ada@example.org").await;
    assert_ne!(again.id, ada.id);
}
