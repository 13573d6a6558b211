//! The authorization matrix (RELIABILITY.md, Authorization): every query and mutation of
//! `schema.graphql` and every REST route, run as each kind of principal against a world of two
//! teams, and checked against the one permission policy (`api/src/auth/policy.rs`).
//!
//! - Allowed cells get no UNAUTHENTICATED/FORBIDDEN error (only the codes a row tolerates).
//! - Refused cells get the code the policy implies, no data, leave the database unchanged
//!   (probed before and after), and a project the caller may not read answers exactly like a
//!   missing one.
//! - Every response body is kept and searched at the end for canary secrets: passwords, hash
//!   texts, other users' emails, API token texts outside the response that created them.
//!
//! Subscriptions run over `/graphql/ws` as each principal too (see [`subscription_matrix`]).
//!
//! Token handling over HTTP (expired, tampered, `alg: none`, revoked, scoped, reused refresh
//! tokens, password change, logout, disabled users) has its own test and server.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use support::TestServer;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
const FORBIDDEN: &str = "FORBIDDEN";
const NOT_FOUND: &str = "NOT_FOUND";

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Who {
    Anonymous,
    AlphaViewer,
    AlphaResearcher,
    AlphaAdmin,
    /// A researcher of team beta: a member of another team.
    BetaResearcher,
    /// Signed in, in no team and with no role anywhere.
    Outsider,
    /// A site admin signed in with a password (an access token, not an API token).
    SiteAdmin,
    /// Not a principal of the matrix: an alpha viewer that cells act on instead of anonymous.
    Pawn,
    /// The first administrator's API token: builds the world and probes the database.
    Bootstrap,
}

/// The principals of the matrix; every operation and route runs as each.
const PRINCIPALS: [Who; 7] = [
    Who::Anonymous,
    Who::AlphaViewer,
    Who::AlphaResearcher,
    Who::AlphaAdmin,
    Who::BetaResearcher,
    Who::Outsider,
    Who::SiteAdmin,
];

/// A role on a project, ordered like the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Viewer,
    Researcher,
    Admin,
}

impl Who {
    fn slug(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::AlphaViewer => "alpha-viewer",
            Who::AlphaResearcher => "alpha-researcher",
            Who::AlphaAdmin => "alpha-admin",
            Who::BetaResearcher => "beta-researcher",
            Who::Outsider => "outsider",
            Who::SiteAdmin => "site-admin",
            Who::Pawn => "pawn",
            Who::Bootstrap => "bootstrap",
        }
    }

    /// The role on `alpha-proj` the policy gives (a site admin is admin of every project).
    fn alpha_role(self) -> Option<Role> {
        match self {
            Who::AlphaViewer | Who::Pawn => Some(Role::Viewer),
            Who::AlphaResearcher => Some(Role::Researcher),
            Who::AlphaAdmin | Who::SiteAdmin | Who::Bootstrap => Some(Role::Admin),
            Who::Anonymous | Who::BetaResearcher | Who::Outsider => None,
        }
    }

    fn is_site_admin(self) -> bool {
        matches!(self, Who::SiteAdmin | Who::Bootstrap)
    }
}

/// What the policy says about one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    Refused(&'static str),
}

fn anyone(_: Who) -> Expect {
    Expect::Allowed
}

fn signed_in(who: Who) -> Expect {
    match who {
        Who::Anonymous => Expect::Refused(UNAUTHENTICATED),
        _ => Expect::Allowed,
    }
}

fn on_alpha(who: Who, needed: Role) -> Expect {
    if who == Who::Anonymous {
        return Expect::Refused(UNAUTHENTICATED);
    }
    match who.alpha_role() {
        None => Expect::Refused(NOT_FOUND),
        Some(role) if role >= needed => Expect::Allowed,
        Some(_) => Expect::Refused(FORBIDDEN),
    }
}

fn alpha_viewer(who: Who) -> Expect {
    on_alpha(who, Role::Viewer)
}

fn alpha_researcher(who: Who) -> Expect {
    on_alpha(who, Role::Researcher)
}

fn alpha_admin(who: Who) -> Expect {
    on_alpha(who, Role::Admin)
}

fn site_admin(who: Who) -> Expect {
    match who {
        Who::Anonymous => Expect::Refused(UNAUTHENTICATED),
        who if who.is_site_admin() => Expect::Allowed,
        _ => Expect::Refused(FORBIDDEN),
    }
}

/// A project of team alpha: its researchers and admins, and site admins.
fn alpha_team_writer(who: Who) -> Expect {
    match who {
        Who::Anonymous => Expect::Refused(UNAUTHENTICATED),
        Who::AlphaResearcher | Who::AlphaAdmin | Who::SiteAdmin => Expect::Allowed,
        _ => Expect::Refused(FORBIDDEN),
    }
}

/// Revoking an API token of one's own. The outsider can own none (with no role anywhere the
/// policy lets them grant nothing), so their cell tries the pawn's token: another user's
/// token answers like a missing one.
fn own_token(who: Who) -> Expect {
    match who {
        Who::Anonymous => Expect::Refused(UNAUTHENTICATED),
        Who::Outsider => Expect::Refused(NOT_FOUND),
        _ => Expect::Allowed,
    }
}

/// The principal itself, or the pawn for anonymous (who is nobody to act on).
fn self_or_pawn(who: Who) -> Who {
    match who {
        Who::Anonymous => Who::Pawn,
        who => who,
    }
}

/// Whose API token a `revokeApiToken` cell names (see [`own_token`]).
fn token_owner(who: Who) -> Who {
    match who {
        Who::Anonymous | Who::Outsider => Who::Pawn,
        who => who,
    }
}

fn bootstrap(_: Who) -> Who {
    Who::Bootstrap
}

/// A read, run before and after a refused cell, whose answer at `pointer` must not change.
#[derive(Debug, Clone, Copy)]
struct Probe {
    /// Who runs the probe, given the cell's principal.
    run_as: fn(Who) -> Who,
    document: fn(&World, Who) -> String,
    pointer: &'static str,
}

/// One row of the matrix: an operation of the schema and what the policy says about it.
#[derive(Debug, Clone, Copy)]
struct Operation {
    name: &'static str,
    expect: fn(Who) -> Expect,
    /// Error codes an allowed cell may still answer (the operation's own refusal), see `note`.
    tolerated: &'static [&'static str],
    note: &'static str,
    document: fn(&World, Who) -> String,
    probe: Option<Probe>,
}

/// A GraphQL string literal.
fn literal(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// Experiments of `alpha-proj` that belong to one principal's cells, so no cell depends on
/// another having run.
#[derive(Debug, Clone, Copy, Default)]
struct OwnExperiments {
    /// Target of `updateExperiment` and `updateExperimentFeatures`.
    update: i64,
    /// A child of #1, made a root by `reparentExperiment`.
    reparent: i64,
    /// A child of #1 that `addMergeParent` gives the merge parent #3.
    merge_add: i64,
    /// A child of #1 with merge parent #3, which `removeMergeParent` removes.
    merge_remove: i64,
}

#[derive(Debug, Clone, Default)]
struct Account {
    id: String,
    email: String,
    password: String,
    /// The current refresh token of the session the matrix signs in with.
    refresh: String,
    /// A throwaway API token of theirs (id), for `revokeApiToken`.
    throwaway_token: String,
}

/// One response body, and to whom it went.
#[derive(Debug)]
struct Exchange {
    who: Who,
    label: String,
    body: String,
}

/// The running server, the accounts and objects made through the API, and every response.
struct World {
    server: TestServer,
    clients: HashMap<Who, reqwest::Client>,
    /// The bearer credential of each signed-in principal (its access token).
    tokens: HashMap<Who, String>,
    accounts: HashMap<Who, Account>,
    /// Users that cells act on: `erase`, `disable`, `member`, `sessions`.
    victims: HashMap<&'static str, Account>,
    own: HashMap<Who, OwnExperiments>,
    /// Refresh tokens of throwaway sessions, one per `logout` cell.
    logout_sessions: HashMap<Who, String>,
    /// A throwaway session that the anonymous `refreshSession` cell trades.
    anonymous_refresh: String,
    /// Texts that only readers of `alpha-proj` may ever see: its id, its experiments' ids
    /// and names, a feature value.
    alpha_secrets: Vec<String>,
    passwords: Vec<String>,
    /// API token texts and the index (in `transcript`) of the response that created each.
    api_tokens: Vec<(String, Option<usize>)>,
    transcript: Vec<Exchange>,
    stored_blob: String,
    /// A hypothesis of `alpha-proj` (about `lr`, linked to #1 and #2) that the hypothesis
    /// cells read, edit, link and override.
    hypothesis: String,
}

impl World {
    fn client(&self, who: Who) -> &reqwest::Client {
        match who {
            Who::Anonymous => &self.server.anonymous,
            Who::Bootstrap => &self.server.client,
            who => self.clients.get(&who).expect("the principal is signed in"),
        }
    }

    fn account(&self, who: Who) -> &Account {
        self.accounts.get(&who).expect("an account")
    }

    fn id(&self, who: Who) -> &str {
        &self.account(who).id
    }

    fn own(&self, who: Who) -> OwnExperiments {
        self.own.get(&who).copied().expect("the principal's experiments")
    }

    fn victim(&self, name: &str) -> &Account {
        self.victims.get(name).expect("a victim")
    }

    fn record(&mut self, who: Who, label: &str, body: &str) -> usize {
        self.transcript.push(Exchange {
            who,
            label: label.to_owned(),
            body: body.to_owned(),
        });
        self.transcript.len() - 1
    }

    /// Posts one GraphQL document as `who`, records the answer and returns it with its
    /// index in the transcript.
    async fn post_indexed(&mut self, who: Who, label: &str, document: &str) -> (Value, usize) {
        let response = self
            .client(who)
            .post(format!("{}/graphql", self.server.url))
            .json(&json!({ "query": document }))
            .send()
            .await
            .expect("the request is sent");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let index = self.record(who, label, &text);
        assert_eq!(status, 200, "{label} as {who:?}: GraphQL answers 200: {text}");
        (serde_json::from_str(&text).expect("a JSON body"), index)
    }

    async fn post(&mut self, who: Who, label: &str, document: &str) -> Value {
        self.post_indexed(who, label, document).await.0
    }

    /// Runs a set-up step that must succeed; returns its `data`.
    async fn ok(&mut self, who: Who, document: &str) -> Value {
        let body = self.post(who, "set-up", document).await;
        assert!(
            body.get("errors").is_none(),
            "set-up step failed: {document}: {body}"
        );
        body["data"].clone()
    }

    async fn create_user(&mut self, slug: &str, site_admin: bool) -> Account {
        let email = format!("{slug}@matrix.test");
        let password = format!("pw-{slug}-Canary-7f3k2q");
        let document = format!(
            "mutation {{ createUser(input: {{email: {}, displayName: {}, password: {}, siteAdmin: {site_admin}}}) {{ id }} }}",
            literal(&email),
            literal(&format!("Matrix {slug}")),
            literal(&password),
        );
        let data = self.ok(Who::Bootstrap, &document).await;
        self.passwords.push(password.clone());
        Account {
            id: data["createUser"]["id"].as_str().expect("an id").to_owned(),
            email,
            password,
            ..Account::default()
        }
    }

    /// Signs `account` in (as an anonymous caller): its access and refresh tokens.
    async fn login(&mut self, account: &Account) -> (String, String) {
        let document = format!(
            "mutation {{ login(email: {}, password: {}) {{ accessToken refreshToken user {{ id }} }} }}",
            literal(&account.email),
            literal(&account.password)
        );
        let data = self.ok(Who::Anonymous, &document).await;
        let session = &data["login"];
        (
            session["accessToken"]
                .as_str()
                .expect("an access token")
                .to_owned(),
            session["refreshToken"]
                .as_str()
                .expect("a refresh token")
                .to_owned(),
        )
    }

    async fn create_experiment(
        &mut self,
        project: &str,
        name: &str,
        parent: Option<i64>,
        features: &str,
    ) -> i64 {
        let parent = parent.map_or("null".to_owned(), |number| number.to_string());
        let document = format!(
            "mutation {{ createExperiment(input: {{project: {}, name: {}, parentNumber: {parent}, features: {}}}) {{ id number name }} }}",
            literal(project),
            literal(name),
            literal(features)
        );
        let data = self.ok(Who::Bootstrap, &document).await;
        let created = &data["createExperiment"];
        if project == "alpha-proj" {
            self.alpha_secrets
                .push(created["id"].as_str().expect("an id").to_owned());
            self.alpha_secrets.push(name.to_owned());
        }
        created["number"].as_i64().expect("a number")
    }

    async fn put_blob(&mut self, who: Who, content: &[u8]) -> (u16, String) {
        let digest = hex::encode(Sha256::digest(content));
        let response = self
            .client(who)
            .put(format!("{}/api/v1/blobs/{digest}", self.server.url))
            .body(content.to_vec())
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        self.record(who, "PUT /api/v1/blobs", &text);
        (status, digest)
    }

    /// Sends a request to an experiment-files route of alpha #1 (`suffix` after
    /// `/api/v1/experiments/{id}`) and answers the status.
    async fn files_status(
        &mut self,
        who: Who,
        method: reqwest::Method,
        suffix: &str,
        request: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> u16 {
        let experiment = self
            .ok(
                Who::Bootstrap,
                "{ experiment(project: \"alpha-proj\", number: 1) { id } }",
            )
            .await;
        let id = experiment["experiment"]["id"].as_str().expect("an id").to_owned();
        let url = format!("{}/api/v1/experiments/{id}{suffix}", self.server.url);
        let response = request(self.client(who).request(method.clone(), url))
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        self.record(who, &format!("{method} {suffix}"), &text);
        status
    }

    /// Uploads and commits `path` with `content` to alpha #1 as `who`: the statuses of the
    /// plan, the content upload and the commit.
    async fn upload_file(&mut self, who: Who, path: &str, content: &str) -> [u16; 3] {
        let hash = hex::encode(Sha256::digest(content.as_bytes()));
        let manifest =
            json!({ "files": [{ "path": path, "size": content.len(), "hash": hash, "mime": "text/plain" }] });
        let plan = self
            .files_status(who, reqwest::Method::POST, "/files/plan", |request| {
                request.json(&manifest)
            })
            .await;
        let put = self
            .files_status(
                who,
                reqwest::Method::PUT,
                &format!("/files/content?path={path}"),
                |request| {
                    request
                        .header("x-rsdk-sha256", hash.as_str())
                        .header("content-type", "text/plain")
                        .body(content.to_owned())
                },
            )
            .await;
        let commit = self
            .files_status(who, reqwest::Method::POST, "/files/commit", |request| {
                request.json(&manifest)
            })
            .await;
        [plan, put, commit]
    }

    /// Plans, uploads and records a one-file `tarball` code snapshot of alpha #1 as `who`:
    /// the statuses of the three requests.
    async fn upload_code(&mut self, who: Who, path: &str) -> [u16; 3] {
        let content = format!("# {path}\n");
        let hash = hex::encode(Sha256::digest(content.as_bytes()));
        let file = json!({ "path": path, "size": content.len(), "hash": hash });
        let plan = self
            .files_status(who, reqwest::Method::POST, "/code/plan", |request| {
                request.json(&json!({ "files": [file] }))
            })
            .await;
        let put = self
            .files_status(
                who,
                reqwest::Method::PUT,
                &format!("/code/content?path={path}"),
                |request| {
                    request
                        .header("x-rsdk-sha256", hash.as_str())
                        .body(content.clone())
                },
            )
            .await;
        let snapshot = json!({
            "format": "tarball",
            "files": [{ "path": path, "size": content.len(), "hash": hash, "stored": true }],
        });
        let record = self
            .files_status(who, reqwest::Method::POST, "/code", |request| {
                request.json(&snapshot)
            })
            .await;
        [plan, put, record]
    }

    async fn blob_status(&mut self, who: Who, method: reqwest::Method, digest: &str) -> u16 {
        let response = self
            .client(who)
            .request(
                method.clone(),
                format!("{}/api/v1/blobs/{digest}", self.server.url),
            )
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        self.record(who, &format!("{method} /api/v1/blobs"), &text);
        status
    }
}

/// Builds the world through the API as the first administrator: two teams, their members,
/// `alpha-proj` and `beta-proj` with experiments, and every principal signed in once.
async fn build_world() -> World {
    let server = support::start().await;
    let mut world = World {
        api_tokens: vec![(server.admin_token.clone(), None)],
        server,
        clients: HashMap::new(),
        tokens: HashMap::new(),
        accounts: HashMap::new(),
        victims: HashMap::new(),
        own: HashMap::new(),
        logout_sessions: HashMap::new(),
        anonymous_refresh: String::new(),
        alpha_secrets: vec!["aurora-recipe-canary".to_owned()],
        passwords: Vec::new(),
        transcript: Vec::new(),
        stored_blob: String::new(),
        hypothesis: String::new(),
    };

    for who in PRINCIPALS.into_iter().chain([Who::Pawn]) {
        if who == Who::Anonymous {
            continue;
        }
        let account = world.create_user(who.slug(), who == Who::SiteAdmin).await;
        world.accounts.insert(who, account);
    }
    for victim in ["erase", "disable", "member", "sessions"] {
        let account = world.create_user(&format!("victim-{victim}"), false).await;
        world.victims.insert(victim, account);
    }

    world
        .ok(
            Who::Bootstrap,
            "mutation { a: createTeam(name: \"alpha\") { id } b: createTeam(name: \"beta\") { id } }",
        )
        .await;
    let memberships = [
        ("alpha", world.id(Who::AlphaAdmin).to_owned(), "ADMIN"),
        ("alpha", world.id(Who::AlphaResearcher).to_owned(), "RESEARCHER"),
        ("alpha", world.id(Who::AlphaViewer).to_owned(), "VIEWER"),
        ("alpha", world.id(Who::Pawn).to_owned(), "VIEWER"),
        ("alpha", world.victim("member").id.clone(), "VIEWER"),
        ("beta", world.id(Who::BetaResearcher).to_owned(), "RESEARCHER"),
    ];
    for (team, user, role) in memberships {
        let document = format!(
            "mutation {{ setTeamMember(team: \"{team}\", userId: {}, role: {role}) }}",
            literal(&user)
        );
        world.ok(Who::Bootstrap, &document).await;
    }

    for (project, team) in [
        ("alpha-proj", "alpha"),
        ("beta-proj", "beta"),
        ("gift-proj", "alpha"),
    ] {
        let document = format!(
            "mutation {{ createProject(input: {{name: \"{project}\", team: \"{team}\", description: \"{project} of {team}\"}}) {{ id }} }}"
        );
        let data = world.ok(Who::Bootstrap, &document).await;
        if project == "alpha-proj" {
            let id = data["createProject"]["id"].as_str().expect("an id").to_owned();
            world.alpha_secrets.push(id);
        }
    }

    let base = world
        .create_experiment(
            "alpha-proj",
            "aurora-base",
            None,
            "{\"lr\": 0.1, \"recipe\": \"aurora-recipe-canary\"}",
        )
        .await;
    let child = world
        .create_experiment(
            "alpha-proj",
            "aurora-child",
            Some(base),
            "{\"lr\": 0.01, \"recipe\": \"aurora-recipe-canary\"}",
        )
        .await;
    let side = world
        .create_experiment("alpha-proj", "aurora-side", None, "{\"lr\": 0.3, \"depth\": 12}")
        .await;
    assert_eq!(
        (base, child, side),
        (1, 2, 3),
        "the documents below name these numbers"
    );
    world
        .ok(
            Who::Bootstrap,
            "mutation { recordEnvironment(project: \"alpha-proj\", number: 1, environment: \
             {interpreter: \"aurora-interpreter-canary\", platform: \"linux\", workingDirectory: \"/aurora\"}) \
             { recordedAt } }",
        )
        .await;
    world.alpha_secrets.push("aurora-interpreter-canary".to_owned());
    world
        .ok(
            Who::Bootstrap,
            "mutation { recordRestoreCheck(project: \"alpha-proj\", number: 1, verified: true, \
             detail: \"aurora-restore-canary\") { verified } }",
        )
        .await;
    world.alpha_secrets.push("aurora-restore-canary".to_owned());
    let code = world.upload_code(Who::Bootstrap, "aurora-code-canary.py").await;
    assert_eq!(
        code,
        [200, 201, 200],
        "the bootstrap admin records a code snapshot"
    );
    world.alpha_secrets.push("aurora-code-canary.py".to_owned());
    let hypothesis = world
        .ok(
            Who::Bootstrap,
            "mutation { createHypothesis(input: {project: \"alpha-proj\", title: \"aurora-hypothesis-canary\", about: [\"lr\"]}) { id } }",
        )
        .await;
    world.hypothesis = hypothesis["createHypothesis"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    world.alpha_secrets.push("aurora-hypothesis-canary".to_owned());
    let document = format!(
        "mutation {{ linkExperiments(id: {}, numbers: [1, 2]) {{ id }} }}",
        literal(&world.hypothesis)
    );
    world.ok(Who::Bootstrap, &document).await;
    // Settle its evidence now (PROPOSED becomes TESTING: #1 and #2 stay planned), so the
    // background recomputation the link queued cannot change what the probes read mid-matrix.
    let document = format!(
        "mutation {{ recomputeEvidence(id: {}) {{ effectiveStatus }} }}",
        literal(&world.hypothesis)
    );
    world.ok(Who::Bootstrap, &document).await;
    for who in PRINCIPALS {
        let slug = who.slug();
        let features = "{\"lr\": 0.02}";
        let own = OwnExperiments {
            update: world
                .create_experiment("alpha-proj", &format!("aurora-{slug}-update"), Some(1), features)
                .await,
            reparent: world
                .create_experiment(
                    "alpha-proj",
                    &format!("aurora-{slug}-reparent"),
                    Some(1),
                    features,
                )
                .await,
            merge_add: world
                .create_experiment(
                    "alpha-proj",
                    &format!("aurora-{slug}-merge-add"),
                    Some(1),
                    features,
                )
                .await,
            merge_remove: world
                .create_experiment(
                    "alpha-proj",
                    &format!("aurora-{slug}-merge-remove"),
                    Some(1),
                    features,
                )
                .await,
        };
        let document = format!(
            "mutation {{ addMergeParent(project: \"alpha-proj\", number: {}, parentNumber: 3) {{ number }} }}",
            own.merge_remove
        );
        world.ok(Who::Bootstrap, &document).await;
        world.own.insert(who, own);
    }
    world
        .create_experiment("beta-proj", "borealis-base", None, "{\"lr\": 0.5}")
        .await;
    world
        .create_experiment("beta-proj", "borealis-child", Some(1), "{\"lr\": 0.05}")
        .await;

    for who in PRINCIPALS.into_iter().chain([Who::Pawn]) {
        if who == Who::Anonymous {
            continue;
        }
        let account = world.account(who).clone();
        let (access, refresh) = world.login(&account).await;
        world.clients.insert(who, support::client_with_token(&access));
        world.tokens.insert(who, access.clone());
        world.accounts.get_mut(&who).expect("an account").refresh = refresh;
        // Everyone with some role may make a viewer token; the outsider has none to grant.
        if who != Who::Outsider {
            let (body, index) = world
                .post_indexed(
                    who,
                    "set-up",
                    "mutation { createApiToken(name: \"throwaway\", role: VIEWER) { token apiToken { id } } }",
                )
                .await;
            assert!(body.get("errors").is_none(), "{who:?} makes a token: {body}");
            let created = &body["data"]["createApiToken"];
            let text = created["token"].as_str().expect("a token").to_owned();
            world.api_tokens.push((text, Some(index)));
            world.accounts.get_mut(&who).expect("an account").throwaway_token =
                created["apiToken"]["id"].as_str().expect("an id").to_owned();
        }
    }
    let sessions = world.victim("sessions").clone();
    for who in PRINCIPALS {
        let (_, refresh) = world.login(&sessions).await;
        world.logout_sessions.insert(who, refresh);
    }
    world.anonymous_refresh = world.login(&sessions).await.1;

    let (status, digest) = world
        .put_blob(Who::Bootstrap, b"a blob everyone signed in may read")
        .await;
    assert_eq!(status, 201, "the set-up blob is stored");
    world.stored_blob = digest;
    world
}

/// Every query and mutation with a document that targets `alpha-proj` (or the fitting
/// object), what the policy allows, and how a refused cell is shown to change nothing.
fn operations() -> Vec<Operation> {
    let experiments_probe = Probe {
        run_as: bootstrap,
        document: |_, _| {
            "{ experiments(project: \"alpha-proj\", first: 1000) { edges { node { id name } } } }".into()
        },
        pointer: "/data/experiments",
    };
    let users_probe = Probe {
        run_as: bootstrap,
        document: |_, _| "{ users { id email disabled siteAdmin } }".into(),
        pointer: "/data/users",
    };
    let update_probe = Probe {
        run_as: bootstrap,
        document: |w, who| {
            format!(
                "{{ experiment(project: \"alpha-proj\", number: {}) {{ status progress notes tags featuresFull featuresDiff }} }}",
                w.own(who).update
            )
        },
        pointer: "/data/experiment",
    };
    let hypothesis_probe = Probe {
        run_as: bootstrap,
        document: |w, _| {
            format!(
                "{{ hypothesis(id: {}) {{ title description status override {{ reason }} about baseline {{ kind }} experiments {{ number }} updatedAt }} }}",
                literal(&w.hypothesis)
            )
        },
        pointer: "/data/hypothesis",
    };
    vec![
        // ---- queries ----
        Operation {
            name: "project",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ project(name: \"alpha-proj\") { id name description nextNumber } }".into(),
            probe: None,
        },
        Operation {
            name: "projects",
            expect: signed_in,
            tolerated: &[],
            note: "lists only readable projects: checked by the alpha-secrets rule",
            document: |_, _| "{ projects { id name description } }".into(),
            probe: None,
        },
        Operation {
            name: "experiment",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ experiment(project: \"alpha-proj\", number: 2) { id name featuresFull parent { id name } \
                 evidence { hypothesis { id title } contribution } } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "experiments",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ experiments(project: \"alpha-proj\", first: 100) { edges { node { id name } } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "featureDiff",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ featureDiff(project: \"alpha-proj\", a: 2, b: 3) { path op before after } }".into()
            },
            probe: None,
        },
        Operation {
            name: "mergePreview",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ mergePreview(project: \"alpha-proj\", a: 2, b: 3) { base merged clean conflicts { path ours theirs } } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "dag",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ dag(project: \"alpha-proj\") { nodes { number name } edges { from to kind } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "kanban",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ kanban(project: \"alpha-proj\") { status experiments { id name } } }".into(),
            probe: None,
        },
        // ---- metric reads ----
        Operation {
            name: "series",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ series(project: \"alpha-proj\", number: 1, metric: \"loss\") { metric steps values } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "metricsTable",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ metricsTable(project: \"alpha-proj\") { total rows { number name cells { value } } } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "compareMetric",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ compareMetric(project: \"alpha-proj\", metric: \"loss\", numbers: [1, 2]) { number value } }".into()
            },
            probe: None,
        },
        Operation {
            name: "metricTrends",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ metricTrends(project: \"alpha-proj\", metric: \"loss\") { number value } }".into()
            },
            probe: None,
        },
        Operation {
            name: "paretoFront",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ paretoFront(project: \"alpha-proj\", metrics: [\"loss\", \"accuracy\"]) { number name } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "metricConfigs",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ metricConfigs(project: \"alpha-proj\") { name direction } }".into(),
            probe: None,
        },
        Operation {
            name: "deadJobs",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, _| "{ deadJobs(first: 10) { id kind status lastError } }".into(),
            probe: None,
        },
        Operation {
            name: "me",
            expect: signed_in,
            tolerated: &[],
            note: "self",
            document: |_, _| "{ me { id email displayName siteAdmin } }".into(),
            probe: None,
        },
        Operation {
            name: "users",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, _| "{ users { id email displayName } }".into(),
            probe: None,
        },
        Operation {
            name: "teams",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, _| "{ teams { id name } }".into(),
            probe: None,
        },
        Operation {
            name: "teamMembers",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, _| "{ teamMembers(team: \"alpha\") { role user { id email } } }".into(),
            probe: None,
        },
        Operation {
            name: "projectMembers",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ projectMembers(project: \"alpha-proj\") { person { id displayName } role teams { team role } overrideRole } }".into()
            },
            probe: None,
        },
        Operation {
            name: "apiTokens",
            expect: signed_in,
            tolerated: &[],
            note: "self",
            document: |_, _| "{ apiTokens { id name role projectIds revoked } }".into(),
            probe: None,
        },
        Operation {
            name: "auditLog",
            expect: site_admin,
            tolerated: &[],
            note: "its summaries are searched for passwords like every other response",
            document: |_, _| "{ auditLog(first: 1000) { actor action target outcome summary } }".into(),
            probe: None,
        },
        Operation {
            name: "exportMyData",
            expect: signed_in,
            tolerated: &[],
            note: "self",
            document: |_, _| "{ exportMyData }".into(),
            probe: None,
        },
        // ---- mutations: projects and experiments ----
        Operation {
            name: "createProject",
            expect: alpha_team_writer,
            tolerated: &[],
            note: "a project of team alpha (mass assignment: `team` names a team one is no writer of)",
            document: |_, who| {
                format!(
                    "mutation {{ createProject(input: {{name: \"made-by-{}\", team: \"alpha\"}}) {{ id name }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ projects { name } }".into(),
                pointer: "/data/projects",
            }),
        },
        Operation {
            name: "updateProject",
            expect: alpha_admin,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ updateProject(name: \"alpha-proj\", input: {{description: \"edited by {}\"}}) {{ name description }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| {
                    "{ project(name: \"alpha-proj\") { description namingPattern parentFromName missingParentMakesRoot ignoredFeaturePaths environmentVariables } }"
                        .into()
                },
                pointer: "/data/project",
            }),
        },
        Operation {
            name: "files",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ files(project: \"alpha-proj\", number: 1) { against entries { path status } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "fileHistory",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ fileHistory(project: \"alpha-proj\", number: 1, path: \"config.yaml\") { version hash } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "fileDiff",
            expect: alpha_viewer,
            tolerated: &["NOT_FOUND"],
            note: "diffs a path neither side has: allowed cells get past the policy to NOT_FOUND",
            document: |_, _| {
                "{ fileDiff(project: \"alpha-proj\", left: 1, right: 1, path: \"none.txt\") { binary } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "codeSnapshot",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ codeSnapshot(project: \"alpha-proj\", number: 1) { format fileCount } }".into()
            },
            probe: None,
        },
        Operation {
            name: "codeTree",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ codeTree(project: \"alpha-proj\", number: 1) { against entries { path status } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "codeDiff",
            expect: alpha_viewer,
            tolerated: &["NOT_FOUND"],
            note: "diffs a path neither snapshot has: allowed cells get past the policy to NOT_FOUND",
            document: |_, _| {
                "{ codeDiff(project: \"alpha-proj\", left: 1, right: 1, path: \"none.py\") { text } }".into()
            },
            probe: None,
        },
        Operation {
            name: "capturePolicies",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ capturePolicies(project: \"alpha-proj\") { name include } }".into(),
            probe: None,
        },
        Operation {
            name: "setCapturePolicy",
            expect: alpha_admin,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ setCapturePolicy(project: \"alpha-proj\", policy: {{name: \"p-{}\", include: [\"**\"], exclude: [], maxFileBytes: 1000, maxExperimentBytes: 10000}}) {{ name }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ capturePolicies(project: \"alpha-proj\") { name } }".into(),
                pointer: "/data/capturePolicies",
            }),
        },
        Operation {
            name: "removeCapturePolicy",
            expect: alpha_admin,
            tolerated: &["NOT_FOUND"],
            note: "removes a policy that does not exist: allowed cells get past the policy to NOT_FOUND",
            document: |_, who| {
                format!(
                    "mutation {{ removeCapturePolicy(project: \"alpha-proj\", name: \"never-{}\") }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ capturePolicies(project: \"alpha-proj\") { name } }".into(),
                pointer: "/data/capturePolicies",
            }),
        },
        Operation {
            name: "collectFileGarbage",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, _| "mutation { collectFileGarbage { deleted kept } }".into(),
            probe: None,
        },
        Operation {
            name: "environment",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ environment(project: \"alpha-proj\", number: 1) { interpreter packages { name } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "environmentDiff",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ environmentDiff(project: \"alpha-proj\", number: 1, against: 1) { against left { interpreter } changedFields } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "restoreCheck",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ restoreCheck(project: \"alpha-proj\", number: 1) { verified detail checkedAt } }".into()
            },
            probe: None,
        },
        Operation {
            name: "recordRestoreCheck",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ recordRestoreCheck(project: \"alpha-proj\", number: {}, verified: true, detail: \"checked by {}\") {{ verified }} }}",
                    w.own(who).update,
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |w, who| {
                    format!(
                        "{{ restoreCheck(project: \"alpha-proj\", number: {}) {{ detail }} }}",
                        w.own(who).update
                    )
                },
                pointer: "/data/restoreCheck",
            }),
        },
        Operation {
            name: "recordEnvironment",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ recordEnvironment(project: \"alpha-proj\", number: {}, environment: {{interpreter: \"CPython by {}\", platform: \"linux\", workingDirectory: \"/\", variables: [{{name: \"OMP_NUM_THREADS\", value: \"8\"}}]}}) {{ interpreter variables {{ name }} }} }}",
                    w.own(who).update,
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |w, who| {
                    format!(
                        "{{ environment(project: \"alpha-proj\", number: {}) {{ interpreter recordedAt }} }}",
                        w.own(who).update
                    )
                },
                pointer: "/data/environment",
            }),
        },
        Operation {
            name: "setMetricConfig",
            expect: alpha_admin,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ setMetricConfig(project: \"alpha-proj\", config: {{name: \"score-{}\", direction: MAXIMIZE, aggregation: BEST}}) {{ name }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ metricConfigs(project: \"alpha-proj\") { name } }".into(),
                pointer: "/data/metricConfigs",
            }),
        },
        Operation {
            name: "removeMetricConfig",
            expect: alpha_admin,
            tolerated: &["NOT_FOUND"],
            note: "removes a metric that is not configured: allowed cells get past the policy to NOT_FOUND",
            document: |_, who| {
                format!(
                    "mutation {{ removeMetricConfig(project: \"alpha-proj\", name: \"never-{}\") }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ metricConfigs(project: \"alpha-proj\") { name } }".into(),
                pointer: "/data/metricConfigs",
            }),
        },
        Operation {
            name: "createExperiment",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ createExperiment(input: {{project: \"alpha-proj\", name: \"aurora-new-{}\", parentNumber: 1}}) {{ id number name }} }}",
                    who.slug()
                )
            },
            probe: Some(experiments_probe),
        },
        Operation {
            name: "updateExperiment",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ updateExperiment(project: \"alpha-proj\", number: {}, input: {{notes: \"noted by {}\", progress: 40, tags: [\"t\"]}}) {{ number notes }} }}",
                    w.own(who).update,
                    who.slug()
                )
            },
            probe: Some(update_probe),
        },
        Operation {
            name: "updateExperimentFeatures",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ updateExperimentFeatures(project: \"alpha-proj\", number: {}, features: \"{{\\\"lr\\\": 0.7}}\") {{ number featuresFull }} }}",
                    w.own(who).update
                )
            },
            probe: Some(update_probe),
        },
        Operation {
            name: "reparentExperiment",
            expect: alpha_researcher,
            tolerated: &[],
            note: "makes the principal's own child of #1 a root",
            document: |w, who| {
                format!(
                    "mutation {{ reparentExperiment(project: \"alpha-proj\", number: {}, parentNumber: null) {{ number parent {{ number }} }} }}",
                    w.own(who).reparent
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |w, who| parents_of(w.own(who).reparent),
                pointer: "/data/experiment",
            }),
        },
        Operation {
            name: "addMergeParent",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ addMergeParent(project: \"alpha-proj\", number: {}, parentNumber: 3) {{ number parents {{ number }} }} }}",
                    w.own(who).merge_add
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |w, who| parents_of(w.own(who).merge_add),
                pointer: "/data/experiment",
            }),
        },
        Operation {
            name: "removeMergeParent",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ removeMergeParent(project: \"alpha-proj\", number: {}, parentNumber: 3) {{ number parents {{ number }} }} }}",
                    w.own(who).merge_remove
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |w, who| parents_of(w.own(who).merge_remove),
                pointer: "/data/experiment",
            }),
        },
        // ---- hypotheses ----
        Operation {
            name: "hypotheses",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ hypotheses(project: \"alpha-proj\", first: 100) { edges { node { id title status } } } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "hypothesis",
            expect: alpha_viewer,
            tolerated: &[],
            note: "by id: an unreadable project's hypothesis answers NOT_FOUND like a missing one",
            document: |w, _| {
                format!(
                    "{{ hypothesis(id: {}) {{ title about author {{ displayName }} experiments {{ number name }} \
                     evidence {{ score effectiveStatus explanation units {{ experiment }} contributions {{ experiment }} }} \
                     timeline {{ score status }} }} }}",
                    literal(&w.hypothesis)
                )
            },
            probe: None,
        },
        Operation {
            name: "hypothesisSuggestions",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |w, _| {
                format!(
                    "{{ hypothesisSuggestions(id: {}) {{ number name }} }}",
                    literal(&w.hypothesis)
                )
            },
            probe: None,
        },
        Operation {
            name: "search",
            expect: alpha_viewer,
            tolerated: &[],
            note: "without `project` it searches every readable project: checked by the alpha-secrets rule",
            document: |_, _| {
                "{ search(query: \"alpha*\", project: \"alpha-proj\") { total hits { kind title snippets { html } } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "ask",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ ask(project: \"alpha-proj\", question: \"which runs are planned\") { answered sentence rows cypher { name } } }"
                    .into()
            },
            probe: None,
        },
        Operation {
            name: "experimentSummary",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ experimentSummary(project: \"alpha-proj\", number: 2) { sentences } }".into(),
            probe: None,
        },
        Operation {
            name: "featureEffects",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| {
                "{ featureEffects(project: \"alpha-proj\", metric: \"loss\") { metric effects { path changes } } }".into()
            },
            probe: None,
        },
        Operation {
            name: "recommendations",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ recommendations(project: \"alpha-proj\") { kind action reason } }".into(),
            probe: None,
        },
        Operation {
            name: "suggestedHypotheses",
            expect: alpha_viewer,
            tolerated: &[],
            note: "",
            document: |_, _| "{ suggestedHypotheses(project: \"alpha-proj\") { key title } }".into(),
            probe: None,
        },
        Operation {
            name: "createHypothesis",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ createHypothesis(input: {{project: \"alpha-proj\", title: \"made by {}\", about: [\"depth\"]}}) {{ id title }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| {
                    "{ hypotheses(project: \"alpha-proj\", first: 1000) { edges { node { id title } } } }"
                        .into()
                },
                pointer: "/data/hypotheses",
            }),
        },
        Operation {
            name: "updateHypothesis",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ updateHypothesis(id: {}, input: {{description: \"edited by {}\"}}) {{ id description }} }}",
                    literal(&w.hypothesis),
                    who.slug()
                )
            },
            probe: Some(hypothesis_probe),
        },
        Operation {
            name: "linkExperiments",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, who| {
                format!(
                    "mutation {{ linkExperiments(id: {}, numbers: [{}]) {{ experiments {{ number }} }} }}",
                    literal(&w.hypothesis),
                    w.own(who).update
                )
            },
            probe: Some(hypothesis_probe),
        },
        Operation {
            name: "unlinkExperiments",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, _| {
                format!(
                    "mutation {{ unlinkExperiments(id: {}, numbers: [2]) {{ experiments {{ number }} }} }}",
                    literal(&w.hypothesis)
                )
            },
            probe: Some(hypothesis_probe),
        },
        Operation {
            name: "overrideHypothesisStatus",
            expect: alpha_researcher,
            tolerated: &[],
            note: "researchers judge hypotheses: an override is an edit, kept with its author and reason",
            document: |w, who| {
                format!(
                    "mutation {{ overrideHypothesisStatus(id: {}, status: SUPPORTED, reason: \"checked by {}\") {{ status }} }}",
                    literal(&w.hypothesis),
                    who.slug()
                )
            },
            probe: Some(hypothesis_probe),
        },
        Operation {
            name: "clearHypothesisOverride",
            expect: alpha_researcher,
            tolerated: &[],
            note: "",
            document: |w, _| {
                format!(
                    "mutation {{ clearHypothesisOverride(id: {}) {{ status }} }}",
                    literal(&w.hypothesis)
                )
            },
            probe: Some(hypothesis_probe),
        },
        Operation {
            name: "recomputeEvidence",
            expect: alpha_researcher,
            tolerated: &[],
            note: "a write (it stores a result and a timeline point); no probe: the background \
                   recomputations the matrix's links queue write the same records at any time",
            document: |w, _| {
                format!(
                    "mutation {{ recomputeEvidence(id: {}) {{ score effectiveStatus explanation }} }}",
                    literal(&w.hypothesis)
                )
            },
            probe: None,
        },
        Operation {
            name: "acceptSuggestedHypothesis",
            expect: alpha_researcher,
            tolerated: &["VALIDATION"],
            note: "nothing is suggested in this world: researchers get past the policy to VALIDATION \
                   on `key`",
            document: |_, _| {
                "mutation { acceptSuggestedHypothesis(project: \"alpha-proj\", key: \"loss|depth|3\") { id } }".into()
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| {
                    "{ hypotheses(project: \"alpha-proj\", first: 1000) { edges { node { id title } } } }"
                        .into()
                },
                pointer: "/data/hypotheses",
            }),
        },
        Operation {
            name: "dismissSuggestedHypothesis",
            expect: alpha_researcher,
            tolerated: &[],
            note: "no probe: a dismissal only hides a suggestion, and none is offered in this world",
            document: |_, who| {
                format!(
                    "mutation {{ dismissSuggestedHypothesis(project: \"alpha-proj\", key: \"loss|depth|{}\") }}",
                    who.slug()
                )
            },
            probe: None,
        },
        Operation {
            name: "rebuildSearchIndex",
            expect: alpha_admin,
            tolerated: &[],
            note: "one project's admins; without `project` (every project) site admins only",
            document: |_, _| "mutation { rebuildSearchIndex(project: \"alpha-proj\") }".into(),
            probe: None,
        },
        Operation {
            name: "retryDeadJob",
            expect: site_admin,
            tolerated: &[NOT_FOUND, "CONFLICT"],
            note: "no job is dead here: the site admin gets past the policy to NOT_FOUND",
            document: |_, _| "mutation { retryDeadJob(id: \"no-such-job\") { id status } }".into(),
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ deadJobs(first: 1000) { id status attempts } }".into(),
                pointer: "/data/deadJobs",
            }),
        },
        // ---- mutations: sessions (self) ----
        Operation {
            name: "login",
            expect: anyone,
            tolerated: &[],
            note: "self: each signs in as themselves, anonymous as a throwaway user",
            document: |w, who| {
                let account = match who {
                    Who::Anonymous => w.victim("sessions"),
                    who => w.account(who),
                };
                format!(
                    "mutation {{ login(email: {}, password: {}) {{ accessToken refreshToken user {{ id }} }} }}",
                    literal(&account.email),
                    literal(&account.password)
                )
            },
            probe: None,
        },
        Operation {
            name: "refreshSession",
            expect: anyone,
            tolerated: &[],
            note: "the refresh token is the credential: each trades their own session's",
            document: |w, who| {
                let token = match who {
                    Who::Anonymous => &w.anonymous_refresh,
                    who => &w.account(who).refresh,
                };
                format!(
                    "mutation {{ refreshSession(refreshToken: {}) {{ accessToken refreshToken user {{ id }} }} }}",
                    literal(token)
                )
            },
            probe: None,
        },
        Operation {
            name: "logout",
            expect: anyone,
            tolerated: &[],
            note: "the refresh token is the credential: each ends a throwaway session",
            document: |w, who| {
                format!(
                    "mutation {{ logout(refreshToken: {}) }}",
                    literal(w.logout_sessions.get(&who).expect("a session"))
                )
            },
            probe: None,
        },
        Operation {
            name: "changePassword",
            expect: signed_in,
            tolerated: &["VALIDATION"],
            note: "self; with a wrong current password so no principal's session ends: allowed \
                   cells get past the policy to VALIDATION (a real change is in the token test)",
            document: |_, _| {
                "mutation { changePassword(currentPassword: \"not-the-password-Canary-1\", newPassword: \"never-stored-Canary-2\") { id } }"
                    .into()
            },
            probe: None,
        },
        // ---- mutations: users and teams (site admins) ----
        Operation {
            name: "createUser",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ createUser(input: {{email: \"new-{0}@matrix.test\", displayName: \"New {0}\", password: \"pw-new-{0}-Canary-9x\"}}) {{ id }} }}",
                    who.slug()
                )
            },
            probe: Some(users_probe),
        },
        Operation {
            name: "setUserDisabled",
            expect: site_admin,
            tolerated: &[],
            note: "on a throwaway user",
            document: |w, _| {
                format!(
                    "mutation {{ setUserDisabled(userId: {}, disabled: true) {{ id disabled }} }}",
                    literal(&w.victim("disable").id)
                )
            },
            probe: Some(users_probe),
        },
        Operation {
            name: "setSiteAdmin",
            expect: site_admin,
            tolerated: &[],
            note: "mass assignment: each tries to make themselves a site admin",
            document: |w, who| {
                format!(
                    "mutation {{ setSiteAdmin(userId: {}, siteAdmin: true) {{ id siteAdmin }} }}",
                    literal(w.id(self_or_pawn(who)))
                )
            },
            probe: Some(users_probe),
        },
        Operation {
            name: "eraseUser",
            expect: site_admin,
            tolerated: &[],
            note: "on a throwaway user",
            document: |w, _| {
                format!(
                    "mutation {{ eraseUser(userId: {}) }}",
                    literal(&w.victim("erase").id)
                )
            },
            probe: Some(users_probe),
        },
        Operation {
            name: "createTeam",
            expect: site_admin,
            tolerated: &[],
            note: "",
            document: |_, who| {
                format!(
                    "mutation {{ createTeam(name: \"team-{}\") {{ id name }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ teams { name } }".into(),
                pointer: "/data/teams",
            }),
        },
        Operation {
            name: "setTeamMember",
            expect: site_admin,
            tolerated: &[],
            note: "mass assignment: each tries to make themselves an admin of team alpha",
            document: |w, who| {
                format!(
                    "mutation {{ setTeamMember(team: \"alpha\", userId: {}, role: ADMIN) }}",
                    literal(w.id(self_or_pawn(who)))
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ teamMembers(team: \"alpha\") { role user { id } } }".into(),
                pointer: "/data/teamMembers",
            }),
        },
        Operation {
            name: "removeTeamMember",
            expect: site_admin,
            tolerated: &[],
            note: "on a throwaway member of alpha",
            document: |w, _| {
                format!(
                    "mutation {{ removeTeamMember(team: \"alpha\", userId: {}) }}",
                    literal(&w.victim("member").id)
                )
            },
            probe: Some(Probe {
                run_as: bootstrap,
                document: |_, _| "{ teamMembers(team: \"alpha\") { role user { id } } }".into(),
                pointer: "/data/teamMembers",
            }),
        },
        Operation {
            name: "giveProjectToTeam",
            expect: site_admin,
            tolerated: &[],
            note: "mass assignment: gives alpha's gift-proj to team beta (probed as beta's researcher)",
            document: |_, _| "mutation { giveProjectToTeam(team: \"beta\", project: \"gift-proj\") }".into(),
            probe: Some(Probe {
                run_as: |_| Who::BetaResearcher,
                document: |_, _| "{ projects { name } }".into(),
                pointer: "/data/projects",
            }),
        },
        Operation {
            name: "setProjectRole",
            expect: alpha_admin,
            tolerated: &[],
            note: "mass assignment: each tries to make themselves admin of alpha-proj",
            document: |w, who| {
                format!(
                    "mutation {{ setProjectRole(project: \"alpha-proj\", userId: {}, role: ADMIN) }}",
                    literal(w.id(self_or_pawn(who)))
                )
            },
            probe: Some(Probe {
                run_as: self_or_pawn,
                document: |_, _| "{ exportMyData }".into(),
                pointer: "/data/exportMyData/projectRoles",
            }),
        },
        // ---- mutations: API tokens (self) ----
        Operation {
            name: "createApiToken",
            expect: alpha_viewer,
            tolerated: &[],
            note: "a viewer token scoped to alpha-proj: needs the viewer role there",
            document: |_, who| {
                format!(
                    "mutation {{ createApiToken(name: \"matrix-{}\", role: VIEWER, projects: [\"alpha-proj\"]) {{ token apiToken {{ id projectIds }} }} }}",
                    who.slug()
                )
            },
            probe: Some(Probe {
                run_as: self_or_pawn,
                document: |_, _| "{ apiTokens { id revoked } }".into(),
                pointer: "/data/apiTokens",
            }),
        },
        Operation {
            name: "revokeApiToken",
            expect: own_token,
            tolerated: &[],
            note: "self: each revokes a throwaway token of their own (see own_token)",
            document: |w, who| {
                format!(
                    "mutation {{ revokeApiToken(id: {}) {{ id revoked }} }}",
                    literal(&w.account(token_owner(who)).throwaway_token)
                )
            },
            probe: Some(Probe {
                run_as: token_owner,
                document: |_, _| "{ apiTokens { id revoked } }".into(),
                pointer: "/data/apiTokens",
            }),
        },
    ]
}

fn parents_of(number: i64) -> String {
    format!("{{ experiment(project: \"alpha-proj\", number: {number}) {{ parent {{ number }} parents {{ number }} }} }}")
}

/// The field names of `type NAME { … }` in an SDL text (descriptions skipped).
fn root_fields(sdl: &str, type_name: &str) -> BTreeSet<String> {
    let opening = format!("type {type_name} {{");
    let mut lines = sdl.lines().skip_while(|line| line.trim() != opening).skip(1);
    let mut fields = BTreeSet::new();
    let mut in_description = false;
    for line in lines.by_ref() {
        let line = line.trim();
        if line == "}" {
            return fields;
        }
        if let Some(rest) = line.strip_prefix("\"\"\"") {
            let closes_on_same_line = rest.ends_with("\"\"\"");
            if !closes_on_same_line {
                in_description = !in_description;
            }
            continue;
        }
        if in_description || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        fields.insert(name);
    }
    panic!("schema.graphql has no complete `{opening}` block");
}

/// The error codes of a GraphQL response.
fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .unwrap_or("(no code)")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one cell and returns the problems found (none when it matches the policy).
async fn run_cell(world: &mut World, operation: &Operation, who: Who) -> Vec<String> {
    let expected = (operation.expect)(who);
    let document = (operation.document)(world, who);
    let label = format!("{} as {who:?}", operation.name);
    let probe = match (expected, operation.probe) {
        (Expect::Refused(_), Some(probe)) => {
            let run_as = (probe.run_as)(who);
            let probe_document = (probe.document)(world, who);
            let before = world.post(run_as, "probe", &probe_document).await;
            Some((run_as, probe_document, probe.pointer, before))
        }
        _ => None,
    };
    let (body, index) = world.post_indexed(who, &label, &document).await;
    let text = world.transcript[index].body.clone();
    let codes = codes(&body);
    let field = &body["data"][operation.name];
    let mut problems = Vec::new();
    match expected {
        Expect::Allowed => {
            let refused = codes
                .iter()
                .any(|code| code == UNAUTHENTICATED || code == FORBIDDEN);
            let untolerated = codes
                .iter()
                .any(|code| !operation.tolerated.contains(&code.as_str()));
            if refused || untolerated {
                problems.push(format!(
                    "{label}: the policy allows it, the server answered {body}"
                ));
            } else if codes.is_empty() && field.is_null() {
                problems.push(format!("{label}: allowed, but no data: {body}"));
            }
        }
        Expect::Refused(code) => {
            if codes.first().map(String::as_str) != Some(code) {
                problems.push(format!(
                    "{label}: the policy refuses it with {code}, the server answered {body}"
                ));
            }
            if !field.is_null() {
                problems.push(format!("{label}: refused, yet data came back: {body}"));
            }
            if code == NOT_FOUND && document.contains("alpha-proj") {
                let ghost = document.replace("alpha-proj", "ghost-proj");
                let missing = world
                    .post(who, &format!("{label} (missing project)"), &ghost)
                    .await;
                let forbidden = body.to_string();
                let missing = missing.to_string().replace("ghost-proj", "alpha-proj");
                if missing != forbidden {
                    problems.push(format!(
                        "{label}: a forbidden project answers unlike a missing one:\n  forbidden {body}\n  missing   {missing}"
                    ));
                }
            }
        }
    }
    if who.alpha_role().is_none() {
        for secret in &world.alpha_secrets {
            if text.contains(secret.as_str()) {
                problems.push(format!(
                    "{label}: the answer holds alpha-proj's {secret:?}: {text}"
                ));
            }
        }
    }
    if let Some((run_as, probe_document, pointer, before)) = probe {
        let after = world.post(run_as, "probe", &probe_document).await;
        let (before, after) = (before.pointer(pointer), after.pointer(pointer));
        if before.is_none() || before != after {
            problems.push(format!(
                "{label}: refused, yet the database changed ({probe_document} as {run_as:?}): {before:?} -> {after:?}"
            ));
        }
    }
    if expected == Expect::Allowed && codes.is_empty() {
        remember_what_an_allowed_cell_made(world, operation.name, who, index, &body);
    }
    problems
}

/// Keeps what allowed cells create that later checks need: new API token texts (which may
/// appear in no other response), new alpha experiments (secrets), rotated refresh tokens.
fn remember_what_an_allowed_cell_made(
    world: &mut World,
    operation: &str,
    who: Who,
    index: usize,
    body: &Value,
) {
    let data = &body["data"][operation];
    match operation {
        "createApiToken" => {
            let token = data["token"].as_str().expect("a token text").to_owned();
            world.api_tokens.push((token, Some(index)));
        }
        "createExperiment" => {
            world
                .alpha_secrets
                .push(data["id"].as_str().expect("an id").to_owned());
            world
                .alpha_secrets
                .push(data["name"].as_str().expect("a name").to_owned());
        }
        "refreshSession" if who != Who::Anonymous => {
            let refresh = data["refreshToken"].as_str().expect("a refresh token").to_owned();
            world.accounts.get_mut(&who).expect("an account").refresh = refresh;
        }
        _ => {}
    }
}

/// Reads an event stream for at most `duration`.
async fn drain(response: &mut reqwest::Response, duration: Duration) -> String {
    let deadline = tokio::time::Instant::now() + duration;
    let mut text = String::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

/// The REST routes as every principal; returns the number of cells and the problems.
async fn rest_matrix(world: &mut World) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut stored_anyway = Vec::new();
    let mut cells = 0;
    let mut check = |label: String, status: u16, allowed: &[u16]| {
        cells += 1;
        if !allowed.contains(&status) {
            problems.push(format!("{label}: expected {allowed:?}, got {status}"));
        }
    };
    for who in PRINCIPALS {
        // Health for everyone; the operator's metrics and the audit export for site admins.
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/audit.jsonl"] {
            let response = world
                .client(who)
                .get(format!("{}{path}", world.server.url))
                .send()
                .await
                .expect("the request is sent");
            let status = response.status().as_u16();
            let text = response.text().await.expect("a body");
            world.record(who, path, &text);
            let expected: &[u16] = match (path, who) {
                ("/healthz" | "/readyz", _) => &[200],
                (_, Who::Anonymous) => &[401],
                (_, who) if who.is_site_admin() => &[200],
                _ => &[403],
            };
            check(format!("GET {path} as {who:?}"), status, expected);
        }

        let response = world
            .client(who)
            .get(format!("{}/api/v1/events", world.server.url))
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        let expected: &[u16] = if who == Who::Anonymous { &[401] } else { &[200] };
        if status != 200 {
            let text = response.text().await.expect("a body");
            world.record(who, "GET /api/v1/events", &text);
        }
        check(format!("GET /api/v1/events as {who:?}"), status, expected);

        let response = world
            .client(who)
            .post(format!("{}/api/v1/ask", world.server.url))
            .json(&json!({"project": "alpha-proj", "question": "which runs are planned"}))
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        world.record(who, "POST /api/v1/ask", &text);
        let expected: &[u16] = match who {
            Who::Anonymous => &[401],
            Who::BetaResearcher | Who::Outsider => &[404],
            _ => &[200],
        };
        check(format!("POST /api/v1/ask as {who:?}"), status, expected);

        let content = format!("a blob uploaded by {}", who.slug());
        let (status, digest) = world.put_blob(who, content.as_bytes()).await;
        let expected: &[u16] = match who {
            Who::Anonymous => &[401],
            Who::AlphaViewer | Who::Outsider => &[403],
            _ => &[201, 200],
        };
        check(format!("PUT /api/v1/blobs as {who:?}"), status, expected);
        if status != 201 && status != 200 {
            let stored = world
                .blob_status(Who::Bootstrap, reqwest::Method::HEAD, &digest)
                .await;
            if stored != 404 {
                stored_anyway.push(format!(
                    "PUT /api/v1/blobs as {who:?}: refused, yet the blob is stored"
                ));
            }
        }

        let digest = world.stored_blob.clone();
        let expected: &[u16] = if who == Who::Anonymous { &[401] } else { &[200] };
        for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
            let status = world.blob_status(who, method.clone(), &digest).await;
            check(format!("{method} /api/v1/blobs as {who:?}"), status, expected);
        }
    }
    // Experiment files of alpha #1: a shared file first, then each principal's own upload.
    let shared = world.upload_file(Who::Bootstrap, "shared.txt", "read me").await;
    assert_eq!(shared, [200, 201, 200], "the bootstrap admin uploads a file");
    let status_of = |expect: Expect, allowed: u16| -> u16 {
        match expect {
            Expect::Allowed => allowed,
            Expect::Refused(UNAUTHENTICATED) => 401,
            Expect::Refused(NOT_FOUND) => 404,
            Expect::Refused(_) => 403,
        }
    };
    for who in PRINCIPALS {
        let [plan, put, commit] = world
            .upload_file(
                who,
                &format!("own-{}.txt", who.slug()),
                &format!("by {}", who.slug()),
            )
            .await;
        let writer = alpha_researcher(who);
        check(
            format!("POST files/plan as {who:?}"),
            plan,
            &[status_of(writer, 200)],
        );
        check(
            format!("PUT files/content as {who:?}"),
            put,
            &[status_of(writer, 201)],
        );
        check(
            format!("POST files/commit as {who:?}"),
            commit,
            &[status_of(writer, 200)],
        );
        let [plan, put, record] = world.upload_code(who, &format!("own-{}.py", who.slug())).await;
        check(
            format!("POST code/plan as {who:?}"),
            plan,
            &[status_of(writer, 200)],
        );
        check(
            format!("PUT code/content as {who:?}"),
            put,
            &[status_of(writer, 201)],
        );
        check(format!("POST code as {who:?}"), record, &[status_of(writer, 200)]);
        let tarball = world
            .files_status(who, reqwest::Method::PUT, "/code.tar", |request| {
                request.body(
                    ingest::files::write_tar(Vec::new(), [("a.py".to_owned(), b"x".to_vec())])
                        .expect("a tar"),
                )
            })
            .await;
        check(
            format!("PUT code.tar as {who:?}"),
            tarball,
            &[status_of(writer, 200)],
        );
        let reader = alpha_viewer(who);
        for suffix in ["/tree/shared.txt", "/tree.tar", "/code/restore"] {
            let status = world
                .files_status(who, reqwest::Method::GET, suffix, |request| request)
                .await;
            check(
                format!("GET {suffix} as {who:?}"),
                status,
                &[status_of(reader, 200)],
            );
        }
    }
    problems.extend(stored_anyway);
    (cells, problems)
}

/// Opens an event stream for every signed-in principal, makes one alpha and one beta
/// experiment, and checks who heard of which.
async fn events_reach_only_readers(world: &mut World) -> Vec<String> {
    let mut streams = Vec::new();
    for who in PRINCIPALS.into_iter().filter(|who| *who != Who::Anonymous) {
        let response = world
            .client(who)
            .get(format!("{}/api/v1/events", world.server.url))
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(response.status(), 200, "{who:?} subscribes");
        streams.push((who, response));
    }
    world
        .create_experiment("alpha-proj", "aurora-event", Some(1), "{\"lr\": 0.9}")
        .await;
    world
        .create_experiment("beta-proj", "borealis-event", Some(1), "{\"lr\": 0.9}")
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut problems = Vec::new();
    for (who, mut response) in streams {
        let text = drain(&mut response, Duration::from_millis(300)).await;
        world.record(who, "GET /api/v1/events (stream)", &text);
        let hears_alpha = who.alpha_role().is_some();
        let hears_beta = matches!(who, Who::BetaResearcher | Who::SiteAdmin);
        if text.contains("alpha-proj") != hears_alpha {
            problems.push(format!(
                "events as {who:?}: alpha-proj events expected {hears_alpha}: {text:?}"
            ));
        }
        if text.contains("beta-proj") != hears_beta {
            problems.push(format!(
                "events as {who:?}: beta-proj events expected {hears_beta}: {text:?}"
            ));
        }
    }
    problems
}

/// A root field of `SubscriptionRoot`, run over `/graphql/ws` by [`subscription_matrix`].
#[derive(Debug, Clone, Copy)]
struct Subscription {
    name: &'static str,
    expect: fn(Who) -> Expect,
    document: &'static str,
}

/// Every subscription, with a document on `alpha-proj`.
fn subscriptions() -> Vec<Subscription> {
    vec![
        Subscription {
            name: "metricPoints",
            expect: alpha_viewer,
            document: "subscription { metricPoints(project: \"alpha-proj\", number: 1) { chunkSequence points { metric step value } } }",
        },
        Subscription {
            name: "projectEvents",
            expect: alpha_viewer,
            document: "subscription { projectEvents(project: \"alpha-proj\") { kind number lastStep metrics } }",
        },
    ]
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message as JSON, or, when the server closed the connection, its close
/// reason as `{"closed": REASON}`; `None` when nothing came within `wait`.
async fn receive(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next()).await.ok()?;
        match next {
            Some(Ok(Message::Text(text))) => {
                return Some(serde_json::from_str(&text).expect("a JSON message"));
            }
            Some(Ok(Message::Close(frame))) => {
                let reason = frame.map(|frame| frame.reason.to_string()).unwrap_or_default();
                return Some(json!({ "closed": reason }));
            }
            None | Some(Err(_)) => return Some(json!({ "closed": "" })),
            Some(Ok(_)) => continue,
        }
    }
}

/// A `graphql-transport-ws` connection after `connection_init` with `who`'s credential (none
/// for anonymous); the `connection_ack`, or the refusal, comes back as the second value.
async fn open_socket(world: &World, who: Who) -> (Socket, Value) {
    let url = format!("{}/graphql/ws", world.server.url.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("a WebSocket request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the server upgrades the connection");
    let payload = match who {
        Who::Anonymous => json!({}),
        Who::Bootstrap => json!({ "Authorization": format!("Bearer {}", world.server.admin_token) }),
        who => json!({ "Authorization": format!("Bearer {}", world.tokens.get(&who).expect("a token")) }),
    };
    let init = json!({ "type": "connection_init", "payload": payload });
    socket
        .send(Message::text(init.to_string()))
        .await
        .expect("connection_init is sent");
    let answer = receive(&mut socket, Duration::from_secs(10))
        .await
        .unwrap_or(Value::Null);
    (socket, answer)
}

async fn send_subscribe(socket: &mut Socket, id: &str, document: &str) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": document } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("subscribe is sent");
}

/// One cell of the subscription matrix while it runs.
struct SubscriptionCell {
    subscription: Subscription,
    who: Who,
    socket: Option<Socket>,
    /// The first answer: a `next` (data or errors), or `{"closed": REASON}`.
    answer: Option<Value>,
}

/// The error code of a subscription's first answer: the first GraphQL error's, or the one a
/// refused connection names (`CODE: message`).
fn subscription_code(answer: &Value) -> Option<String> {
    if let Some(reason) = answer["closed"].as_str() {
        return Some(reason.split(':').next().unwrap_or_default().to_owned());
    }
    codes(&answer["payload"]).first().cloned()
}

/// Every subscription as every principal over `/graphql/ws`: each opens a connection (an
/// anonymous one is refused at `connection_init`) and subscribes on `alpha-proj`; metric
/// chunks are then posted to alpha #1, which both subscriptions report, until every cell
/// has answered. Allowed cells get data; refused ones the policy's code and no data, and a
/// project they may not read answers like a missing one. Returns cells and problems.
async fn subscription_matrix(world: &mut World, subscriptions: &[Subscription]) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut cells = Vec::new();
    for subscription in subscriptions {
        for who in PRINCIPALS {
            let (mut socket, acknowledged) = open_socket(world, who).await;
            let cell = if acknowledged["type"] == "connection_ack" {
                send_subscribe(&mut socket, subscription.name, subscription.document).await;
                SubscriptionCell {
                    subscription: *subscription,
                    who,
                    socket: Some(socket),
                    answer: None,
                }
            } else {
                SubscriptionCell {
                    subscription: *subscription,
                    who,
                    socket: None,
                    answer: Some(acknowledged),
                }
            };
            cells.push(cell);
        }
    }

    let experiment = world
        .ok(
            Who::Bootstrap,
            "{ experiment(project: \"alpha-proj\", number: 1) { id } }",
        )
        .await;
    let experiment = experiment["experiment"]["id"].as_str().expect("an id").to_owned();
    for round in 0..50 {
        if cells.iter().all(|cell| cell.answer.is_some()) {
            break;
        }
        let chunk = json!({ "chunkId": format!("matrix-{round}"), "points": [{ "metric": "loss", "step": round, "value": 0.5 }] });
        let response = world
            .client(Who::Bootstrap)
            .post(format!(
                "{}/api/v1/experiments/{experiment}/metrics",
                world.server.url
            ))
            .json(&chunk)
            .send()
            .await
            .expect("the chunk is sent");
        assert_eq!(response.status(), 201, "the matrix's chunk is stored");
        for cell in cells.iter_mut().filter(|cell| cell.answer.is_none()) {
            let socket = cell.socket.as_mut().expect("an open connection");
            cell.answer = receive(socket, Duration::from_millis(100)).await;
        }
    }

    let count = cells.len();
    for cell in &mut cells {
        let name = cell.subscription.name;
        let who = cell.who;
        let label = format!("{name} as {who:?} (subscription)");
        let answer = cell.answer.take().unwrap_or(Value::Null);
        let text = answer.to_string();
        world.record(who, &label, &text);
        let data = &answer["payload"]["data"][name];
        let code = subscription_code(&answer);
        match (cell.subscription.expect)(who) {
            Expect::Allowed => {
                if answer["type"] != "next" || code.is_some() || data.is_null() {
                    problems.push(format!(
                        "{label}: the policy allows it, the server answered {text}"
                    ));
                }
            }
            Expect::Refused(expected) => {
                if code.as_deref() != Some(expected) || !data.is_null() {
                    problems.push(format!(
                        "{label}: the policy refuses it with {expected}, the server answered {text}"
                    ));
                }
                if let (NOT_FOUND, Some(socket)) = (expected, cell.socket.as_mut()) {
                    let ghost = cell.subscription.document.replace("alpha-proj", "ghost-proj");
                    while receive(socket, Duration::from_millis(50)).await.is_some() {}
                    send_subscribe(socket, name, &ghost).await;
                    let missing = receive(socket, Duration::from_secs(10))
                        .await
                        .unwrap_or(Value::Null)
                        .to_string()
                        .replace("ghost-proj", "alpha-proj");
                    if missing != text {
                        problems.push(format!(
                            "{label}: a forbidden project answers unlike a missing one:\n  forbidden {text}\n  missing   {missing}"
                        ));
                    }
                }
            }
        }
        if who.alpha_role().is_none() {
            for secret in &world.alpha_secrets {
                if text.contains(secret.as_str()) {
                    problems.push(format!(
                        "{label}: the answer holds alpha-proj's {secret:?}: {text}"
                    ));
                }
            }
        }
    }
    (count, problems)
}

/// Canary secrets in every response of the run: passwords, hash texts, other users' emails
/// (to anyone but a site admin), API token texts outside the response that created them.
fn leaks(world: &World) -> Vec<String> {
    let mut emails: Vec<(Who, String)> = world
        .accounts
        .iter()
        .map(|(who, account)| (*who, account.email.clone()))
        .collect();
    emails.extend(
        world
            .victims
            .values()
            .map(|account| (Who::Bootstrap, account.email.clone())),
    );
    emails.push((Who::Bootstrap, "admin@localhost".to_owned()));
    let mut found = Vec::new();
    for (index, exchange) in world.transcript.iter().enumerate() {
        let place = format!("{} (to {:?})", exchange.label, exchange.who);
        for password in &world.passwords {
            if exchange.body.contains(password.as_str()) {
                found.push(format!("{place}: holds the password {password:?}"));
            }
        }
        for hash in [
            "secret_hash",
            "password_hash",
            "secretHash",
            "passwordHash",
            "$argon2id$",
        ] {
            if exchange.body.contains(hash) {
                found.push(format!("{place}: holds {hash:?}"));
            }
        }
        if !exchange.who.is_site_admin() {
            for (owner, email) in &emails {
                if *owner != exchange.who && exchange.body.contains(email.as_str()) {
                    found.push(format!("{place}: holds another user's email {email}"));
                }
            }
        }
        for (token, made_by) in &world.api_tokens {
            if *made_by != Some(index) && exchange.body.contains(token.as_str()) {
                found.push(format!("{place}: holds an API token text"));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_operation_and_route_obeys_the_policy_for_every_principal() {
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
        .expect("schema.graphql is readable");
    let mut in_schema = root_fields(&sdl, "QueryRoot");
    in_schema.extend(root_fields(&sdl, "MutationRoot"));
    let subscriptions = subscriptions();
    let subscriptions_in_table: BTreeSet<String> = subscriptions
        .iter()
        .map(|subscription| subscription.name.to_owned())
        .collect();
    assert_eq!(
        subscriptions_in_table,
        root_fields(&sdl, "SubscriptionRoot"),
        "the subscription table must list exactly the schema's subscriptions"
    );
    let operations = operations();
    let in_table: BTreeSet<String> = operations
        .iter()
        .map(|operation| operation.name.to_owned())
        .collect();
    assert_eq!(
        operations.len(),
        in_table.len(),
        "an operation is in the table twice"
    );
    let missing: Vec<_> = in_schema.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&in_schema).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the matrix table must list exactly the schema's operations: missing {missing:?}, no longer in the schema {stale:?}"
    );

    let mut world = build_world().await;
    let mut problems = Vec::new();
    let mut cells = 0;
    for operation in &operations {
        for who in PRINCIPALS {
            problems.extend(run_cell(&mut world, operation, who).await);
            cells += 1;
        }
    }
    let (rest_cells, rest_problems) = rest_matrix(&mut world).await;
    problems.extend(rest_problems);
    let (subscription_cells, subscription_problems) = subscription_matrix(&mut world, &subscriptions).await;
    problems.extend(subscription_problems);
    problems.extend(events_reach_only_readers(&mut world).await);

    let leaks = leaks(&world);
    let routes = rest_cells / PRINCIPALS.len();
    println!(
        "authorization matrix: {} operations + {} subscriptions + {routes} routes x {} principals = {} cells, {} responses searched, {} leaks",
        operations.len(),
        subscriptions.len(),
        PRINCIPALS.len(),
        cells + rest_cells + subscription_cells,
        world.transcript.len(),
        leaks.len()
    );
    for operation in operations.iter().filter(|operation| !operation.note.is_empty()) {
        println!("  {}: {}", operation.name, operation.note);
    }
    assert!(cells + rest_cells >= (operations.len() + routes) * PRINCIPALS.len());
    assert_eq!(subscription_cells, subscriptions.len() * PRINCIPALS.len());
    assert!(
        problems.is_empty(),
        "{} cells disagree with the policy:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(leaks.is_empty(), "canary secrets leaked:\n{}", leaks.join("\n"));
}

/// Posts `{ query }` with `client`; the HTTP status and the body.
async fn post_graphql(client: &reqwest::Client, url: &str, document: &str) -> (u16, Value) {
    let response = client
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": document }))
        .send()
        .await
        .expect("the request is sent");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// `data` of an operation that must succeed.
async fn ok_as(client: &reqwest::Client, url: &str, document: &str) -> Value {
    let (status, body) = post_graphql(client, url, document).await;
    assert_eq!(status, 200, "{document}: {body}");
    assert!(body.get("errors").is_none(), "{document}: {body}");
    body["data"].clone()
}

/// The first error code of an operation that must fail inside GraphQL (HTTP 200).
async fn code_as(client: &reqwest::Client, url: &str, document: &str) -> String {
    let (status, body) = post_graphql(client, url, document).await;
    assert_eq!(status, 200, "{document}: {body}");
    codes(&body)
        .first()
        .cloned()
        .unwrap_or_else(|| format!("no error: {body}"))
}

/// Asserts that `token` is refused at the door: 401 for GraphQL and for the event stream.
async fn assert_refused_at_the_door(url: &str, token: &str, why: &str) {
    let client = support::client_with_token(token);
    let (status, body) = post_graphql(&client, url, "{ me { id } }").await;
    assert_eq!(status, 401, "{why}: POST /graphql answers 401: {body}");
    assert_eq!(body["code"], UNAUTHENTICATED, "{why}: {body}");
    let events = client
        .get(format!("{url}/api/v1/events"))
        .send()
        .await
        .expect("the request is sent");
    assert_eq!(events.status(), 401, "{why}: GET /api/v1/events answers 401");
}

/// A signed-in session: access and refresh token.
async fn login_as(url: &str, email: &str, password: &str) -> (String, String) {
    let document = format!(
        "mutation {{ login(email: {}, password: {}) {{ accessToken refreshToken }} }}",
        literal(email),
        literal(password)
    );
    let data = ok_as(&reqwest::Client::new(), url, &document).await;
    (
        data["login"]["accessToken"]
            .as_str()
            .expect("an access token")
            .to_owned(),
        data["login"]["refreshToken"]
            .as_str()
            .expect("a refresh token")
            .to_owned(),
    )
}

fn refresh_document(refresh: &str) -> String {
    format!(
        "mutation {{ refreshSession(refreshToken: {}) {{ accessToken refreshToken }} }}",
        literal(refresh)
    )
}

/// An HS256 token over `claims` with `secret`, with an optional key id.
fn sign(claims: &Value, secret: &str, kid: Option<&str>) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a token is signed")
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn bad_expired_revoked_and_replaced_tokens_are_refused() {
    const SECRET: &str = "authorization-matrix-secret-0123456789abcdef";
    let server = support::start_with(|config| {
        config.auth_secret = Some(api::config::Secret(SECRET.to_owned()));
    })
    .await;
    let url = server.url.clone();
    let admin = &server.client;
    let password = "pw-tess-Canary-4k2m9x";
    let created = ok_as(
        admin,
        &url,
        &format!(
            "mutation {{ createUser(input: {{email: \"tess@tokens.test\", displayName: \"Tess\", password: {}}}) {{ id }} }}",
            literal(password)
        ),
    )
    .await;
    let tess_id = created["createUser"]["id"].as_str().expect("an id").to_owned();
    for project in ["alpha-proj", "beta-proj"] {
        ok_as(
            admin,
            &url,
            &format!("mutation {{ createProject(input: {{name: \"{project}\"}}) {{ id }} }}"),
        )
        .await;
        ok_as(
            admin,
            &url,
            &format!(
                "mutation {{ setProjectRole(project: \"{project}\", userId: {}, role: RESEARCHER) }}",
                literal(&tess_id)
            ),
        )
        .await;
    }
    let (access, refresh) = login_as(&url, "tess@tokens.test", password).await;
    let tess = support::client_with_token(&access);
    ok_as(&tess, &url, "{ me { id } }").await;

    // Forged access tokens: the claims of a real one, re-signed or altered.
    let parts: Vec<&str> = access.split('.').collect();
    assert_eq!(parts.len(), 3, "an access token is a JWT");
    let payload = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .expect("a base64url payload")
    };
    let claims: Value = serde_json::from_slice(&payload).expect("JSON claims");
    let now = chrono::Utc::now().timestamp();
    let mut fresh = claims.clone();
    fresh["exp"] = json!(now + 600);
    let forged_like_the_server = sign(&fresh, SECRET, None);
    ok_as(
        &support::client_with_token(&forged_like_the_server),
        &url,
        "{ me { id } }",
    )
    .await;

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    assert_refused_at_the_door(&url, &sign(&expired, SECRET, None), "an expired token").await;

    let mut tampered_claims = claims.clone();
    tampered_claims["exp"] = json!(now + 3600);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64url(tampered_claims.to_string().as_bytes()),
        parts[2]
    );
    assert_refused_at_the_door(&url, &tampered, "a tampered payload").await;

    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(fresh.to_string().as_bytes())
    );
    assert_refused_at_the_door(&url, &unsigned, "alg: none").await;
    assert_refused_at_the_door(
        &url,
        &sign(&fresh, SECRET, Some("other-key")),
        "an unknown key id",
    )
    .await;
    assert_refused_at_the_door(
        &url,
        &sign(&fresh, "another-secret-0123456789abcdef-0123456789", None),
        "another key",
    )
    .await;
    let mut no_exp = fresh.clone();
    no_exp.as_object_mut().expect("claims").remove("exp");
    assert_refused_at_the_door(&url, &sign(&no_exp, SECRET, None), "no exp").await;

    // A revoked API token.
    let made = ok_as(
        &tess,
        &url,
        "mutation { createApiToken(name: \"ci\", role: RESEARCHER) { token apiToken { id } } }",
    )
    .await;
    let api_token = made["createApiToken"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let api_token_id = made["createApiToken"]["apiToken"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    ok_as(&support::client_with_token(&api_token), &url, "{ me { id } }").await;
    ok_as(
        &tess,
        &url,
        &format!(
            "mutation {{ revokeApiToken(id: {}) {{ revoked }} }}",
            literal(&api_token_id)
        ),
    )
    .await;
    assert_refused_at_the_door(&url, &api_token, "a revoked API token").await;

    // An API token scoped to beta-proj sees no alpha-proj, exactly as if it did not exist.
    let made = ok_as(
        &tess,
        &url,
        "mutation { createApiToken(name: \"beta only\", role: VIEWER, projects: [\"beta-proj\"]) { token } }",
    )
    .await;
    let scoped = support::client_with_token(made["createApiToken"]["token"].as_str().expect("a token"));
    ok_as(&scoped, &url, "{ project(name: \"beta-proj\") { name } }").await;
    ok_as(&tess, &url, "{ project(name: \"alpha-proj\") { name } }").await;
    let (_, forbidden) = post_graphql(&scoped, &url, "{ project(name: \"alpha-proj\") { name } }").await;
    let (_, missing) = post_graphql(&scoped, &url, "{ project(name: \"ghost-proj\") { name } }").await;
    assert_eq!(codes(&forbidden), [NOT_FOUND], "{forbidden}");
    assert_eq!(
        forbidden.to_string(),
        missing.to_string().replace("ghost-proj", "alpha-proj"),
        "a project outside the token's scope answers like a missing one"
    );
    let create_in_beta =
        "mutation { createExperiment(input: {project: \"beta-proj\", name: \"capped\"}) { id } }";
    assert_eq!(
        code_as(&scoped, &url, create_in_beta).await,
        FORBIDDEN,
        "the token's role caps its user"
    );

    // A site admin's scoped token is no site admin, and is scoped too.
    let made = ok_as(
        admin,
        &url,
        "mutation { createApiToken(name: \"admin beta only\", role: ADMIN, projects: [\"beta-proj\"]) { token } }",
    )
    .await;
    let admin_scoped = support::client_with_token(made["createApiToken"]["token"].as_str().expect("a token"));
    assert_eq!(code_as(&admin_scoped, &url, "{ users { id } }").await, FORBIDDEN);
    assert_eq!(
        code_as(&admin_scoped, &url, "{ project(name: \"alpha-proj\") { name } }").await,
        NOT_FOUND
    );

    // A spent refresh token presented again ends its whole family.
    let anonymous = reqwest::Client::new();
    let next = ok_as(&anonymous, &url, &refresh_document(&refresh)).await;
    let newer = next["refreshSession"]["refreshToken"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    assert_eq!(
        code_as(&anonymous, &url, &refresh_document(&refresh)).await,
        UNAUTHENTICATED
    );
    assert_eq!(
        code_as(&anonymous, &url, &refresh_document(&newer)).await,
        UNAUTHENTICATED,
        "the newer refresh token of a reused family stops working too"
    );

    // Logout ends the session's refresh token.
    let (_, logout_refresh) = login_as(&url, "tess@tokens.test", password).await;
    let logged_out = ok_as(
        &anonymous,
        &url,
        &format!(
            "mutation {{ logout(refreshToken: {}) }}",
            literal(&logout_refresh)
        ),
    )
    .await;
    assert_eq!(logged_out["logout"], true);
    assert_eq!(
        code_as(&anonymous, &url, &refresh_document(&logout_refresh)).await,
        UNAUTHENTICATED
    );

    // After a password change, older access and refresh tokens are refused.
    let (old_access, old_refresh) = login_as(&url, "tess@tokens.test", password).await;
    let new_password = "pw-tess-new-Canary-8d3n1v";
    ok_as(
        &support::client_with_token(&old_access),
        &url,
        &format!(
            "mutation {{ changePassword(currentPassword: {}, newPassword: {}) {{ id }} }}",
            literal(password),
            literal(new_password)
        ),
    )
    .await;
    assert_refused_at_the_door(
        &url,
        &old_access,
        "an access token older than the password change",
    )
    .await;
    assert_refused_at_the_door(&url, &access, "the first access token, after the password change").await;
    assert_eq!(
        code_as(&anonymous, &url, &refresh_document(&old_refresh)).await,
        UNAUTHENTICATED
    );
    let (access, _) = login_as(&url, "tess@tokens.test", new_password).await;
    ok_as(&support::client_with_token(&access), &url, "{ me { id } }").await;

    // A disabled user's access and API tokens are refused.
    let made = ok_as(
        &support::client_with_token(&access),
        &url,
        "mutation { createApiToken(name: \"before disabling\", role: VIEWER) { token } }",
    )
    .await;
    let api_token = made["createApiToken"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    ok_as(
        admin,
        &url,
        &format!(
            "mutation {{ setUserDisabled(userId: {}, disabled: true) {{ id }} }}",
            literal(&tess_id)
        ),
    )
    .await;
    assert_refused_at_the_door(&url, &access, "a disabled user's access token").await;
    assert_refused_at_the_door(&url, &api_token, "a disabled user's API token").await;
}

/// RELIABILITY.md (Authentication): "Logout ...: old tokens rejected within 1 s". Access
/// tokens carry their sign-in (`sid`), which logout revokes.
#[tokio::test]
async fn logout_ends_the_sessions_access_token_within_a_second() {
    let server = support::start().await;
    let password = "pw-lou-Canary-3h8s1z";
    ok_as(
        &server.client,
        &server.url,
        &format!(
            "mutation {{ createUser(input: {{email: \"lou@tokens.test\", displayName: \"Lou\", password: {}}}) {{ id }} }}",
            literal(password)
        ),
    )
    .await;
    let (access, refresh) = login_as(&server.url, "lou@tokens.test", password).await;
    ok_as(&support::client_with_token(&access), &server.url, "{ me { id } }").await;
    ok_as(
        &reqwest::Client::new(),
        &server.url,
        &format!("mutation {{ logout(refreshToken: {}) }}", literal(&refresh)),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_refused_at_the_door(&server.url, &access, "the access token of a logged-out session").await;
}
