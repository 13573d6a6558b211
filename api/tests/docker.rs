//! The Docker deployment checked statically: no Docker engine runs here, so these tests read
//! `docker/compose.yaml`, `docker/Dockerfile` and the proxy config and check that they fit
//! together and fit the server (its settings, its port, its health endpoints).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml_ng::Value;

const RSDK_REPLICAS: [&str; 2] = ["rsdk-a", "rsdk-b"];
const EXPECTED_SERVICES: [&str; 7] = [
    "neo4j",
    "redis",
    "minio",
    "minio-init",
    "rsdk-a",
    "rsdk-b",
    "proxy",
];
const PROXY_HOST_PORT: u16 = 7878;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("api/ sits in the repository root")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = repository_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

#[derive(Debug, Deserialize)]
struct Compose {
    services: BTreeMap<String, Service>,
    #[serde(default)]
    volumes: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
struct Service {
    image: Option<String>,
    build: Option<Build>,
    #[serde(default)]
    environment: Environment,
    #[serde(default)]
    depends_on: DependsOn,
    healthcheck: Option<Healthcheck>,
    #[serde(default)]
    ports: Vec<Port>,
    #[serde(default)]
    volumes: Vec<String>,
    restart: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Build {
    Context(String),
    Detailed {
        context: String,
        dockerfile: Option<String>,
    },
}

/// `environment:` as a map or as a list of `KEY=VALUE`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Environment {
    Map(BTreeMap<String, Value>),
    List(Vec<String>),
}

impl Default for Environment {
    fn default() -> Self {
        Environment::Map(BTreeMap::new())
    }
}

impl Environment {
    fn variables(&self) -> BTreeMap<String, String> {
        match self {
            Environment::Map(map) => map
                .iter()
                .map(|(name, value)| {
                    let text = match value {
                        Value::String(text) => text.clone(),
                        Value::Null => String::new(),
                        other => serde_yaml_ng::to_string(other).expect("scalar").trim().to_owned(),
                    };
                    (name.clone(), text)
                })
                .collect(),
            Environment::List(items) => items
                .iter()
                .map(|item| {
                    let (name, value) = item.split_once('=').unwrap_or((item, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect(),
        }
    }
}

/// `depends_on:` as a list of names (meaning `service_started`) or a map with conditions.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, Dependency>),
}

impl Default for DependsOn {
    fn default() -> Self {
        DependsOn::List(Vec::new())
    }
}

#[derive(Debug, Deserialize)]
struct Dependency {
    condition: Option<String>,
}

impl DependsOn {
    fn conditions(&self) -> BTreeMap<String, String> {
        match self {
            DependsOn::List(names) => names
                .iter()
                .map(|name| (name.clone(), "service_started".to_owned()))
                .collect(),
            DependsOn::Map(map) => map
                .iter()
                .map(|(name, dependency)| {
                    let condition = dependency.condition.as_deref().unwrap_or("service_started");
                    (name.clone(), condition.to_owned())
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Healthcheck {
    test: Option<Value>,
    #[serde(default)]
    disable: bool,
}

impl Healthcheck {
    fn command(&self) -> String {
        match &self.test {
            Some(Value::Sequence(parts)) => parts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            Some(Value::String(text)) => text.clone(),
            _ => String::new(),
        }
    }
}

/// `ports:` in the short (`[IP:]HOST:CONTAINER`) or the long syntax.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Port {
    Short(String),
    Long {
        target: u16,
        published: Option<Value>,
        host_ip: Option<String>,
    },
}

impl Port {
    /// `(host ip, host port, container port)`; `None` when nothing is published on the host.
    fn published(&self) -> Option<(String, u16, u16)> {
        match self {
            Port::Short(text) => {
                let parts: Vec<&str> = text.split(':').collect();
                let number = |part: &str| part.split('/').next().and_then(|port| port.parse::<u16>().ok());
                match parts.as_slice() {
                    [host_ip, host, container] => {
                        Some(((*host_ip).to_owned(), number(host)?, number(container)?))
                    }
                    [host, container] => Some(("0.0.0.0".to_owned(), number(host)?, number(container)?)),
                    _ => None,
                }
            }
            Port::Long {
                target,
                published,
                host_ip,
            } => {
                let host = match published.as_ref()? {
                    Value::Number(number) => u16::try_from(number.as_u64()?).ok()?,
                    Value::String(text) => text.parse().ok()?,
                    _ => return None,
                };
                let ip = host_ip.clone().unwrap_or_else(|| "0.0.0.0".to_owned());
                Some((ip, host, *target))
            }
        }
    }
}

fn compose() -> Compose {
    serde_yaml_ng::from_str(&read("docker/compose.yaml")).expect("docker/compose.yaml is valid compose yaml")
}

/// Resolves compose's `${NAME:-default}` / `${NAME-default}` to the default, `$$` to `$`.
fn with_defaults(text: &str) -> String {
    let mut resolved = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        resolved.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            resolved.push('$');
            rest = escaped;
        } else if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}').expect("closed ${…} in compose.yaml");
            let expression = &inner[..end];
            let default = expression
                .split_once(":-")
                .or_else(|| expression.split_once('-'))
                .map_or("", |(_, default)| default);
            resolved.push_str(default);
            rest = &inner[end + 1..];
        } else {
            resolved.push('$');
            rest = after;
        }
    }
    resolved.push_str(rest);
    resolved
}

/// The settings the server reads: `api::config::ENV_VARS`, plus the `RSDK_*` names quoted in
/// `api/src/main.rs` (`RSDK_LOG` is read there, before the configuration loads).
fn settings_the_server_reads() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = api::config::ENV_VARS
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    let main = read("api/src/main.rs");
    for (index, _) in main.match_indices("\"RSDK_") {
        let name: String = main[index + 1..]
            .chars()
            .take_while(|character| {
                character.is_ascii_uppercase() || character.is_ascii_digit() || *character == '_'
            })
            .collect();
        names.insert(name);
    }
    names
}

/// The environment column of README.md's configuration table.
fn settings_the_readme_documents() -> BTreeSet<String> {
    let readme = read("README.md");
    let table = readme
        .split("## Configuration")
        .nth(1)
        .expect("README.md has a Configuration section");
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| line.split('|').nth(2))
        .map(|cell| cell.trim().trim_matches('`').to_owned())
        .filter(|cell| cell.starts_with("RSDK_"))
        .collect()
}

#[test]
fn compose_has_every_service_of_the_deployment() {
    let compose = compose();
    for name in EXPECTED_SERVICES {
        assert!(
            compose.services.contains_key(name),
            "docker/compose.yaml lacks service `{name}`"
        );
    }
    for name in ["neo4j", "redis", "minio", "minio-init", "proxy"] {
        assert!(
            compose.services[name].image.is_some(),
            "`{name}` should run a published image"
        );
    }
    assert!(
        compose.services["neo4j"]
            .image
            .as_deref()
            .is_some_and(|image| image.starts_with("neo4j:5")),
        "the engine speaks Bolt 4.4: Neo4j 5.x"
    );
}

#[test]
fn every_rsdk_replica_is_built_from_the_dockerfile_and_health_checked() {
    let compose = compose();
    for name in RSDK_REPLICAS {
        let service = &compose.services[name];
        match &service.build {
            Some(Build::Detailed { context, dockerfile }) => {
                assert_eq!(context, "..", "{name}: the build context is the repository root");
                assert_eq!(dockerfile.as_deref(), Some("docker/Dockerfile"), "{name}");
            }
            Some(Build::Context(context)) => {
                panic!("{name} builds `{context}` with its default Dockerfile, not docker/Dockerfile")
            }
            None => panic!("{name} should build docker/Dockerfile from the repository root"),
        }
        let healthcheck = service
            .healthcheck
            .as_ref()
            .unwrap_or_else(|| panic!("{name} has no healthcheck"));
        assert!(!healthcheck.disable, "{name}: healthcheck disabled");
        let command = healthcheck.command();
        assert!(
            command.contains("/readyz") || command.contains("/healthz"),
            "{name}: the healthcheck should hit /readyz or /healthz, runs `{command}`"
        );
    }
}

#[test]
fn replicas_point_at_the_scale_out_engines() {
    let compose = compose();
    for name in RSDK_REPLICAS {
        let environment = compose.services[name].environment.variables();
        let get = |key: &str| {
            environment
                .get(key)
                .map(|value| with_defaults(value))
                .unwrap_or_else(|| panic!("{name} does not set {key}"))
        };
        let graph = get("RSDK_GRAPH");
        let parsed = graph::engine::GraphUrl::parse(&graph)
            .unwrap_or_else(|error| panic!("{name}: RSDK_GRAPH is not a graph url: {error}"));
        assert!(
            matches!(parsed, graph::engine::GraphUrl::Neo4j(_)),
            "{name}: RSDK_GRAPH should name neo4j"
        );
        assert!(
            graph.contains("@neo4j:7687"),
            "{name}: RSDK_GRAPH should reach the neo4j service"
        );
        assert_eq!(get("RSDK_BLOBS"), "s3://rsdk/blobs", "{name}");
        assert_eq!(get("RSDK_REDIS"), "redis://redis:6379", "{name}");
        assert_eq!(get("RSDK_BIND"), "0.0.0.0:7878", "{name}");
        assert!(get("AWS_ENDPOINT_URL").starts_with("http://minio:"), "{name}");
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
            assert!(!get(key).is_empty(), "{name}: {key} is empty");
        }
    }
}

#[test]
fn depends_on_names_existing_services_and_waits_only_for_checked_health() {
    let compose = compose();
    for (name, service) in &compose.services {
        for (dependency, condition) in service.depends_on.conditions() {
            let target = compose
                .services
                .get(&dependency)
                .unwrap_or_else(|| panic!("{name} depends on `{dependency}`, which is not a service"));
            match condition.as_str() {
                "service_healthy" => assert!(
                    target.healthcheck.as_ref().is_some_and(|check| !check.disable),
                    "{name} waits for `{dependency}` to be healthy, but it has no healthcheck"
                ),
                "service_completed_successfully" => assert_eq!(
                    target.restart.as_deref(),
                    Some("no"),
                    "{name} waits for `{dependency}` to finish: it must be a one-shot (restart: \"no\")"
                ),
                "service_started" => {}
                other => panic!("{name} -> {dependency}: unknown condition `{other}`"),
            }
        }
    }
    for name in RSDK_REPLICAS {
        let conditions = compose.services[name].depends_on.conditions();
        for engine in ["neo4j", "redis", "minio"] {
            assert_eq!(
                conditions.get(engine).map(String::as_str),
                Some("service_healthy"),
                "{name} should wait for a healthy {engine}"
            );
        }
    }
}

#[test]
fn published_host_ports_do_not_collide_and_the_proxy_owns_7878() {
    let compose = compose();
    let mut owners: BTreeMap<u16, Vec<(String, String)>> = BTreeMap::new();
    for (name, service) in &compose.services {
        for port in &service.ports {
            let (ip, host, _) = port
                .published()
                .unwrap_or_else(|| panic!("{name}: cannot read port mapping {port:?}"));
            owners.entry(host).or_default().push((name.clone(), ip));
        }
    }
    for (port, users) in &owners {
        for (index, (first, first_ip)) in users.iter().enumerate() {
            for (second, second_ip) in &users[index + 1..] {
                let overlap = first_ip == second_ip || first_ip == "0.0.0.0" || second_ip == "0.0.0.0";
                assert!(
                    !overlap,
                    "host port {port} is published by both {first} and {second}"
                );
            }
        }
    }
    let proxy_ports: Vec<_> = compose.services["proxy"]
        .ports
        .iter()
        .filter_map(Port::published)
        .collect();
    assert!(
        proxy_ports.iter().any(|(_, host, _)| *host == PROXY_HOST_PORT),
        "the proxy should publish host port {PROXY_HOST_PORT}, has {proxy_ports:?}"
    );
    for name in RSDK_REPLICAS {
        assert!(
            compose.services[name].ports.is_empty(),
            "{name} is reached through the proxy only"
        );
    }
}

#[test]
fn the_proxy_config_balances_both_replicas_on_the_port_they_listen_on() {
    let compose = compose();
    let proxy = &compose.services["proxy"];
    let mounted = proxy
        .volumes
        .iter()
        .find_map(|volume| volume.strip_prefix("./").and_then(|rest| rest.split(':').next()))
        .expect("the proxy mounts its config file from docker/");
    let config = read(&format!("docker/{mounted}"));
    let bind = with_defaults(&compose.services["rsdk-a"].environment.variables()["RSDK_BIND"]);
    let replica_port = bind.rsplit(':').next().expect("RSDK_BIND has a port");
    for name in RSDK_REPLICAS {
        assert!(
            config.contains(&format!("server {name}:{replica_port}")),
            "docker/{mounted} should balance {name}:{replica_port}"
        );
    }
    let published = proxy
        .ports
        .iter()
        .filter_map(Port::published)
        .find(|(_, host, _)| *host == PROXY_HOST_PORT)
        .expect("the proxy publishes 7878");
    assert!(
        config.contains(&format!("listen {};", published.2)),
        "docker/{mounted} should listen on the container port compose publishes ({})",
        published.2
    );
}

#[test]
fn named_volumes_are_declared() {
    let compose = compose();
    for (name, service) in &compose.services {
        for volume in &service.volumes {
            let source = volume.split(':').next().unwrap_or_default();
            let is_bind_mount = source.starts_with('.') || source.starts_with('/') || source.starts_with('~');
            if !is_bind_mount {
                assert!(
                    compose.volumes.contains_key(source),
                    "{name} uses volume `{source}`, which the top-level `volumes:` does not declare"
                );
            }
        }
    }
}

#[test]
fn every_rsdk_variable_in_compose_is_a_setting_the_server_reads_and_documents() {
    let compose = compose();
    let read_by_server = settings_the_server_reads();
    let documented = settings_the_readme_documents();
    assert!(read_by_server.contains("RSDK_GRAPH"), "found {read_by_server:?}");
    assert!(documented.contains("RSDK_GRAPH"), "found {documented:?}");
    for (name, service) in &compose.services {
        for variable in service.environment.variables().keys() {
            if !variable.starts_with("RSDK_") {
                continue;
            }
            assert!(
                read_by_server.contains(variable),
                "{name} sets {variable}, which the server never reads (api::config::ENV_VARS)"
            );
            assert!(
                documented.contains(variable),
                "{name} sets {variable}, which README.md's configuration table does not document"
            );
        }
    }
}

/// Dockerfile instructions with their line continuations joined.
fn dockerfile_instructions() -> Vec<String> {
    let text = read("docker/Dockerfile");
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(continued) => {
                current.push_str(continued);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    instructions
}

#[test]
fn the_dockerfile_builds_rsdk_runs_it_unprivileged_and_exposes_the_compose_port() {
    let instructions = dockerfile_instructions();
    let has = |prefix: &str, needle: &str| {
        instructions
            .iter()
            .any(|instruction| instruction.starts_with(prefix) && instruction.contains(needle))
    };
    assert!(
        has("RUN", "cargo build") && has("RUN", "--package api") && has("RUN", "--bin rsdk"),
        "the Dockerfile should `cargo build --package api --bin rsdk`"
    );
    let bind = with_defaults(&compose().services["rsdk-a"].environment.variables()["RSDK_BIND"]);
    let port = bind.rsplit(':').next().expect("RSDK_BIND has a port");
    assert!(
        has("EXPOSE", port),
        "the Dockerfile should EXPOSE {port}, the port compose binds"
    );
    assert!(
        has("HEALTHCHECK", "/healthz"),
        "the Dockerfile should health-check /healthz"
    );
    assert!(
        has("ENTRYPOINT", "rsdk") && has("ENTRYPOINT", "serve"),
        "the entrypoint is `rsdk serve`"
    );
    let final_user = instructions
        .iter()
        .rev()
        .find_map(|instruction| instruction.strip_prefix("USER "))
        .expect("the Dockerfile switches to a non-root USER");
    let user = final_user.split(':').next().unwrap_or_default().trim();
    assert!(user != "root" && user != "0", "the image runs as root");
    assert!(
        instructions
            .iter()
            .filter(|instruction| instruction.starts_with("FROM "))
            .count()
            >= 2,
        "the build is multi-stage"
    );
}

#[test]
fn the_dockerfile_copies_only_files_that_exist() {
    for instruction in dockerfile_instructions() {
        let Some(arguments) = instruction.strip_prefix("COPY ") else {
            continue;
        };
        if arguments.contains("--from=") {
            continue;
        }
        let parts: Vec<&str> = arguments
            .split_whitespace()
            .filter(|part| !part.starts_with("--"))
            .collect();
        let sources = parts.split_last().map_or(&[][..], |(_, sources)| sources);
        for source in sources {
            let path = repository_root().join(source);
            assert!(
                path.exists(),
                "`{instruction}` copies {source}, which does not exist"
            );
        }
    }
}

#[test]
fn the_docker_build_context_leaves_out_local_state() {
    let ignored: BTreeSet<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.trim_end_matches('/').to_owned())
        .collect();
    for entry in ["target", "data", ".git", "**/node_modules"] {
        assert!(
            ignored.contains(entry),
            ".dockerignore should leave out {entry}, has {ignored:?}"
        );
    }
}

#[test]
fn with_defaults_resolves_compose_interpolation() {
    assert_eq!(
        with_defaults("neo4j://neo4j:${PW:-x}@neo4j:7687"),
        "neo4j://neo4j:x@neo4j:7687"
    );
    assert_eq!(with_defaults("$${HOME} ${A-b} ${C}"), "${HOME} b ");
}

/// `major.minor` of a version text such as `1.94` or `1.95.0`.
fn major_minor(text: &str) -> (u32, u32) {
    let mut parts = text.trim().trim_matches('"').split('.');
    let mut next = || parts.next().and_then(|part| part.parse().ok()).unwrap_or(0);
    (next(), next())
}

#[test]
fn the_dockerfile_toolchain_is_at_least_the_workspace_rust_version() {
    let manifest = read("Cargo.toml");
    let required = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("the workspace declares rust-version");
    let dockerfile = read("docker/Dockerfile");
    let image = dockerfile
        .lines()
        .find_map(|line| line.strip_prefix("ARG RUST_VERSION="))
        .expect("the Dockerfile takes RUST_VERSION");
    assert!(
        major_minor(image) >= major_minor(required),
        "the Dockerfile builds with Rust {image}, the workspace needs {required}"
    );
}
