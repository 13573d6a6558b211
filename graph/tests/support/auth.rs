//! Runs every auth and audit method once, so the every-query-runs test covers `cypher/auth/`
//! and `cypher/audit/`.

use std::time::Duration;

use graph::model::{AuditFilter, NewApiToken, NewAuditEntry, NewProject, NewUser, Role};

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Exercise".into(),
        password: "exercise password".into(),
        site_admin: false,
    }
}

/// Users, teams, roles, tokens, refresh tokens, the audit log, export and erasure: every
/// auth and audit query runs at least once. Panics when a step misbehaves.
pub async fn exercise_auth_queries(graph: &graph::Graph) {
    let project = graph
        .create_project(NewProject {
            name: "auth_exercise".into(),
            ..NewProject::default()
        })
        .await
        .expect("project is created");
    let ada = graph
        .create_user(new_user("exercise-ada@example.org"))
        .await
        .expect("created");
    let bob = graph
        .create_user(new_user("exercise-bob@example.org"))
        .await
        .expect("created");
    assert!(graph.count_users().await.expect("counted") >= 2);
    graph.user(&ada.id).await.expect("read back");
    graph.users().await.expect("listed");
    graph
        .verify_password("exercise-ada@example.org", "exercise password")
        .await
        .expect("verified")
        .expect("the right password");
    graph.set_site_admin(&ada.id, true).await.expect("site admin");

    graph.create_team("exercise_team").await.expect("team");
    graph.team("exercise_team").await.expect("team read back");
    graph.teams().await.expect("teams listed");
    graph
        .set_team_member("exercise_team", &ada.id, Role::Researcher)
        .await
        .expect("member");
    graph
        .set_team_member("exercise_team", &bob.id, Role::Viewer)
        .await
        .expect("member");
    graph.team_members("exercise_team").await.expect("members");
    graph.user_memberships(&ada.id).await.expect("memberships");
    graph
        .give_project_to_team("exercise_team", "auth_exercise")
        .await
        .expect("owned");
    graph
        .set_project_role(&ada.id, "auth_exercise", Some(Role::Admin))
        .await
        .expect("override");
    assert_eq!(
        graph.project_role(&ada.id, &project.id).await.expect("role"),
        Some(Role::Admin)
    );
    assert_eq!(
        graph.project_role(&bob.id, &project.id).await.expect("role"),
        Some(Role::Viewer)
    );
    graph.projects_with_roles(&ada.id).await.expect("projects");
    let mut members: Vec<_> = graph
        .project_members("auth_exercise")
        .await
        .expect("members")
        .into_iter()
        .filter(|member| [&ada.id, &bob.id].contains(&&member.user_id))
        .map(|member| (member.user_id, member.role, member.teams, member.override_role))
        .collect();
    members.sort_by_key(|member| member.0 != ada.id);
    let team = |role| vec![("exercise_team".to_owned(), role)];
    assert_eq!(
        members,
        [
            (
                ada.id.clone(),
                Role::Admin,
                team(Role::Researcher),
                Some(Role::Admin)
            ),
            (bob.id.clone(), Role::Viewer, team(Role::Viewer), None),
        ],
        "the override wins over the team role"
    );
    graph
        .remove_team_member("exercise_team", &bob.id)
        .await
        .expect("removed");

    let (token, text) = graph
        .create_api_token(NewApiToken {
            user_id: ada.id.clone(),
            name: "exercise".into(),
            role: Role::Viewer,
            projects: Some(vec!["auth_exercise".into()]),
        })
        .await
        .expect("token");
    graph
        .authenticate_api_token(&text)
        .await
        .expect("authenticated")
        .expect("a live token");
    graph.api_tokens(&ada.id).await.expect("tokens");
    graph.revoke_api_token(&ada.id, &token.id).await.expect("revoked");

    let lifetime = Duration::from_secs(60);
    let first = graph
        .issue_refresh_token(&ada.id, lifetime)
        .await
        .expect("issued");
    graph
        .redeem_refresh_token(&first.refresh_token, lifetime)
        .await
        .expect("redeemed")
        .expect("rotated");
    let reused = graph
        .redeem_refresh_token(&first.refresh_token, lifetime)
        .await
        .expect("reuse runs");
    assert!(reused.is_none());
    let second = graph
        .issue_refresh_token(&ada.id, lifetime)
        .await
        .expect("issued");
    assert!(
        graph.session_active(&second.family).await.expect("checked"),
        "signed in"
    );
    graph
        .revoke_refresh_token(&second.refresh_token)
        .await
        .expect("logged out");
    assert!(
        !graph.session_active(&second.family).await.expect("checked"),
        "signed out"
    );
    graph
        .change_password(&ada.id, "another exercise password")
        .await
        .expect("changed");
    graph.set_user_disabled(&bob.id, true).await.expect("disabled");

    graph
        .append_audit(NewAuditEntry {
            actor: Some(ada.id.clone()),
            action: "exercise".into(),
            target: "project auth_exercise".into(),
            outcome: "ok".into(),
            summary: "{}".into(),
            request_id: "exercise".into(),
            client: "127.0.0.1".into(),
        })
        .await
        .expect("appended");
    graph
        .audit_log(AuditFilter {
            first: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("log");
    graph
        .audit_log(AuditFilter {
            actor: Some(ada.id.clone()),
            first: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("log by actor");
    assert_eq!(graph.count_audit_by_actor(&ada.id).await.expect("count"), 1);

    graph.export_user(&ada.id).await.expect("exported");
    graph.erase_user(&ada.id).await.expect("erased");
}
