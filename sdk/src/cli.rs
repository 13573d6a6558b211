//! The `rsdk` CLI's client commands (`login`, `projects`, `experiments list`, `restore`,
//! `env build`, `rerun`, `sync`, and in [`search`] `search`, `ask`, `reindex`). The server binary (`rsdk serve`) flattens [`Command`] into
//! its own command line; the Python package runs [`main_with`].

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

mod search;

use crate::api::{self, SearchKind};
use crate::client::Client;
use crate::code::{self, RestoreMode};
use crate::config::{self, ClientConfig, FileSettings, Overrides};
use crate::envbuild::{self, BuildOptions, EnvironmentSpec};
use crate::error::{Error, Result};
use crate::sync::{self, Outcome};

/// Where the server is and who is asking (each falls back to the environment, then the
/// config file).
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// Server url (default: RSDK_SERVER, else the config file, else http://127.0.0.1:7878).
    #[arg(long, global = true)]
    pub server: Option<String>,
    /// API token (default: RSDK_TOKEN, else the config file).
    #[arg(long, global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Client config file (default: RSDK_CONFIG, else ~/.config/rsdk/config.toml).
    #[arg(long = "client-config", global = true, value_name = "FILE")]
    pub client_config: Option<PathBuf>,
}

impl Connection {
    fn config(&self) -> Result<ClientConfig> {
        ClientConfig::resolve(&self.overrides())
    }

    fn overrides(&self) -> Overrides {
        Overrides {
            server: self.server.clone(),
            token: self.token.clone(),
            config_file: self.client_config.clone(),
        }
    }
}

/// Which experiment a command is about.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The experiment's number in its project (the "12" of `12_from_8_lr_sweep`).
    #[arg(long, short = 'e', value_name = "N")]
    pub experiment: i64,
    /// The project (default: RSDK_PROJECT).
    #[arg(long, short = 'p', env = "RSDK_PROJECT")]
    pub project: String,
}

/// How `env build` and `rerun` build the environment.
#[derive(Debug, Clone, Args)]
pub struct EnvOptions {
    /// Base the virtual environment on this interpreter instead of looking for the captured
    /// version.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Also look for packages in this folder of wheels (repeatable).
    #[arg(long = "find-links", value_name = "DIR")]
    pub find_links: Vec<PathBuf>,
    /// Install only from --find-links folders, without a package index.
    #[arg(long)]
    pub no_index: bool,
    /// Use venv + pip even when uv is installed.
    #[arg(long)]
    pub no_uv: bool,
}

impl EnvOptions {
    fn build_options(&self) -> BuildOptions {
        BuildOptions {
            find_links: self.find_links.clone(),
            no_index: self.no_index,
            python: self.python.clone(),
            use_uv: self.no_uv.then_some(false),
            progress: true,
        }
    }
}

/// The client commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Save a server url and an API token in the client config file (signing in with email
    /// and password creates a token).
    Login {
        #[command(flatten)]
        connection: Connection,
        /// Sign in with this email (the password is read from RSDK_PASSWORD or asked for).
        #[arg(long)]
        email: Option<String>,
    },
    /// List the projects you can see.
    Projects {
        #[command(flatten)]
        connection: Connection,
    },
    /// Experiments of a project.
    Experiments {
        #[command(subcommand)]
        command: ExperimentsCommand,
    },
    /// Rebuild the exact source tree of an experiment in a folder and verify every file
    /// against the captured hash manifest (the outcome is recorded on the server, where it
    /// counts in the confidence of the experiment's evidence).
    Restore {
        #[command(flatten)]
        target: Target,
        /// Folder to restore into; must be empty or missing (default ./PROJECT-N).
        #[arg(long, short = 'd')]
        dir: Option<PathBuf>,
        /// auto (every file when the snapshot stores them all, else git), git (base commit +
        /// patch + untracked files; needs the repository) or full.
        #[arg(long, default_value = "auto", value_parser = ["auto", "git", "full"])]
        mode: String,
        /// Repository (path or url) to check the base commit out of, for git mode (default:
        /// the captured remote).
        #[arg(long, value_name = "PATH_OR_URL")]
        repo: Option<String>,
        #[command(flatten)]
        connection: Connection,
    },
    /// Environments of experiments.
    Env {
        #[command(subcommand)]
        command: EnvCommand,
    },
    /// Restore an experiment, build its environment and run its captured command again; the
    /// new run records that it reruns the original.
    Rerun {
        #[command(flatten)]
        target: Target,
        /// Folder to restore into (default ./PROJECT-N-rerun).
        #[arg(long, short = 'd')]
        dir: Option<PathBuf>,
        /// Use this interpreter as it is instead of building a virtual environment.
        #[arg(long, value_name = "PATH", conflicts_with = "python")]
        interpreter: Option<PathBuf>,
        #[command(flatten)]
        env: EnvOptions,
        #[command(flatten)]
        connection: Connection,
    },
    /// Send what runs left in the local spool (an unreachable server, a crash).
    Sync {
        #[command(flatten)]
        connection: Connection,
    },
    /// Full-text search of experiments, hypotheses, features, artifacts and metrics.
    ///
    /// Prints one line a hit (kind, project, #number, title, and the best snippet with the
    /// matched words in [brackets]), then how many of all the matches it showed. Searches
    /// every project you can read unless --project names one.
    #[command(after_long_help = search::SEARCH_SYNTAX)]
    Search {
        /// What to look for (quote it when it has spaces or `"`); the syntax is below.
        query: String,
        /// Only this project (default: every project you can read).
        #[arg(long, short = 'p')]
        project: Option<String>,
        /// Only hits of this kind (repeatable, or comma-separated; default: every kind).
        #[arg(long = "kind", value_enum, value_delimiter = ',', value_name = "KIND")]
        kinds: Vec<SearchKind>,
        /// At most this many hits (1 to 100).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100))]
        limit: i64,
        /// Print the hits as JSON lines (as the server answers them) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        connection: Connection,
    },
    /// Ask a question about a project in plain language.
    ///
    /// Prints the answer's sentence and its rows as a table; how words were read (a
    /// corrected spelling, a metric's full name) goes to stderr as notes. A question it
    /// cannot answer gets a clarifying sentence and what to try instead, with exit status 2.
    #[command(after_long_help = search::ASK_EXAMPLES)]
    Ask {
        /// The question; its words may come unquoted (`rsdk ask best 3 runs by val_acc`).
        #[arg(required = true, value_name = "QUESTION")]
        question: Vec<String>,
        /// The project (default: RSDK_PROJECT).
        #[arg(long, short = 'p', env = "RSDK_PROJECT")]
        project: String,
        /// Print the whole answer as JSON (rows, interpretation, Cypher, suggestions).
        #[arg(long)]
        json: bool,
        /// Also print the named read-only Cypher statements that produced the answer, with
        /// their parameters.
        #[arg(long)]
        cypher: bool,
        #[command(flatten)]
        connection: Connection,
    },
    /// Rebuild the full-text search index from the graph.
    ///
    /// For an index that lost documents or predates a server upgrade; searches answer from
    /// the old index until the new one is committed. One project needs its admin role, every
    /// project a site admin.
    Reindex {
        /// Only this project (default: every project; needs a site admin).
        #[arg(long, short = 'p')]
        project: Option<String>,
        #[command(flatten)]
        connection: Connection,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExperimentsCommand {
    /// List a project's experiments by number.
    List {
        /// The project (default: RSDK_PROJECT).
        #[arg(long, short = 'p', env = "RSDK_PROJECT")]
        project: String,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        connection: Connection,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Create a virtual environment with the captured interpreter version (where available)
    /// and package versions (uv when installed, else venv + pip).
    Build {
        #[command(flatten)]
        target: Target,
        /// Where to create it (default ./.rsdk/venv).
        #[arg(long)]
        venv: Option<PathBuf>,
        #[command(flatten)]
        env: EnvOptions,
        #[command(flatten)]
        connection: Connection,
    },
}

/// The CLI of the Python package: the client commands alone.
#[derive(Debug, Parser)]
#[command(name = "rsdk", version, about = "rsdk — the client of a research-native experiment platform", long_about = None)]
struct ClientCli {
    #[command(subcommand)]
    command: Command,
}

/// Parses `argv` (program name first) and runs the command; answers the exit status.
pub fn main_with(argv: Vec<String>) -> i32 {
    match ClientCli::try_parse_from(argv) {
        Ok(cli) => exit_status(run(cli.command)),
        Err(error) => {
            let _ = error.print();
            error.exit_code()
        }
    }
}

/// Runs one command; prints its error the way a person can act on.
pub fn run_command(command: Command) -> ExitCode {
    ExitCode::from(u8::try_from(exit_status(run(command))).unwrap_or(1))
}

fn exit_status(result: Result<i32>) -> i32 {
    match result {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(hint) = hint(&error) {
                eprintln!("hint: {hint}");
            }
            1
        }
    }
}

fn hint(error: &Error) -> Option<&'static str> {
    match error {
        Error::Unreachable { .. } => {
            Some("is the server running? start it with `rsdk serve`, or pass --server URL")
        }
        Error::Server { code, operation, .. } if code == "UNAUTHENTICATED" && operation == "Login" => {
            Some("check the email and the password (read from RSDK_PASSWORD when it is set)")
        }
        Error::Server { code, operation, .. } if code == "VALIDATION" && operation == "Search" => {
            Some("see `rsdk search --help` for the query syntax")
        }
        Error::Server { code, operation, .. } if code == "VALIDATION" && operation == "Ask" => {
            Some("ask in a few words, e.g. `rsdk ask best 3 runs by val_acc`; `rsdk ask --help` has more")
        }
        Error::Server { code, operation, .. }
            if code == "NOT_FOUND"
                && ["Search", "Ask", "RebuildSearchIndex"].contains(&operation.as_str()) =>
        {
            Some("check the project's name: `rsdk projects` lists the projects you can see")
        }
        Error::Server { code, operation, .. } if code == "FORBIDDEN" && operation == "RebuildSearchIndex" => {
            Some("a project's index needs its admin role (--project P), every project's a site admin")
        }
        Error::Server { code, .. } if code == "UNAUTHENTICATED" => {
            Some("sign in with `rsdk login`, or pass --token / set RSDK_TOKEN")
        }
        Error::Server { code, .. } if code == "FORBIDDEN" => {
            Some("ask a project admin for the researcher role")
        }
        _ => None,
    }
}

fn run(command: Command) -> Result<i32> {
    match command {
        Command::Login { connection, email } => login(&connection, email.as_deref()),
        Command::Projects { connection } => projects(&connection),
        Command::Experiments {
            command:
                ExperimentsCommand::List {
                    project,
                    limit,
                    json,
                    connection,
                },
        } => list_experiments(&connection, &project, limit, json),
        Command::Restore {
            target,
            dir,
            mode,
            repo,
            connection,
        } => {
            let client = Client::new(connection.config()?);
            let dir =
                dir.unwrap_or_else(|| PathBuf::from(format!("{}-{}", target.project, target.experiment)));
            let verification = restore(&client, &target, &dir, &mode, repo.as_deref())?;
            Ok(i32::from(!verification))
        }
        Command::Env {
            command:
                EnvCommand::Build {
                    target,
                    venv,
                    env,
                    connection,
                },
        } => {
            let client = Client::new(connection.config()?);
            let venv = venv.unwrap_or_else(|| PathBuf::from(".rsdk").join("venv"));
            build_env(&client, &target, &venv, &env)?;
            Ok(0)
        }
        Command::Rerun {
            target,
            dir,
            interpreter,
            env,
            connection,
        } => {
            let config = connection.config()?;
            let dir = dir
                .unwrap_or_else(|| PathBuf::from(format!("{}-{}-rerun", target.project, target.experiment)));
            rerun(&config, &target, &dir, interpreter, &env)
        }
        Command::Sync { connection } => sync_spool(&connection),
        Command::Search {
            query,
            project,
            kinds,
            limit,
            json,
            connection,
        } => search::search(&connection, &query, project.as_deref(), &kinds, limit, json),
        Command::Ask {
            question,
            project,
            json,
            cypher,
            connection,
        } => search::ask(&connection, &project, &question.join(" "), json, cypher),
        Command::Reindex { project, connection } => search::reindex(&connection, project.as_deref()),
    }
}

fn login(connection: &Connection, email: Option<&str>) -> Result<i32> {
    let resolved = connection.config()?;
    let token = match email {
        Some(email) => {
            let password = match std::env::var("RSDK_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprint!("password for {email}: ");
                    let _ = std::io::stderr().flush();
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|error| Error::io("stdin", error))?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let session = Client::new(ClientConfig {
                token: None,
                ..resolved.clone()
            });
            let access = api::login(&session, email, &password)?;
            let signed_in = Client::new(ClientConfig {
                token: Some(access),
                ..resolved.clone()
            });
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this machine".into());
            api::create_api_token(&signed_in, &format!("rsdk CLI on {host}"), "RESEARCHER")?
        }
        None => resolved
            .token
            .clone()
            .ok_or_else(|| Error::invalid("token", "pass --token TOKEN or --email EMAIL to sign in"))?,
    };
    let client = Client::new(ClientConfig {
        token: Some(token.clone()),
        ..resolved.clone()
    });
    let me = api::whoami(&client)?;
    let path = connection
        .client_config
        .clone()
        .unwrap_or_else(config::config_path);
    let mut settings = config::read_settings(&path)?;
    settings = FileSettings {
        server: Some(resolved.server.clone()),
        token: Some(token),
        ..settings
    };
    config::write_settings(&path, &settings)?;
    println!(
        "signed in to {} as {}; settings saved in {}",
        resolved.server,
        me["email"].as_str().unwrap_or("?"),
        path.display()
    );
    Ok(0)
}

fn projects(connection: &Connection) -> Result<i32> {
    let client = Client::new(connection.config()?);
    let projects = api::projects(&client)?;
    if projects.is_empty() {
        println!("no projects yet: an Experiment(project=...) in a script creates one");
    }
    for project in projects {
        let description = project["description"].as_str().unwrap_or_default();
        let count = project["nextNumber"].as_i64().unwrap_or(1) - 1;
        println!(
            "{:<32} {:>5} experiments  {}",
            project["name"].as_str().unwrap_or("?"),
            count,
            description
        );
    }
    Ok(0)
}

fn list_experiments(connection: &Connection, project: &str, limit: i64, json: bool) -> Result<i32> {
    let client = Client::new(connection.config()?);
    let mut after: Option<String> = None;
    let mut shown = 0;
    let mut header = !json;
    while shown < limit {
        let (rows, next) = api::experiments(&client, project, after.as_deref(), (limit - shown).min(1000))?;
        // After the first answer, so that an error is not printed under a header.
        if std::mem::take(&mut header) {
            println!(
                "{:>5}  {:<10} {:>4}  {:>6}  {:<32} name",
                "#", "status", "%", "parent", "created"
            );
        }
        for row in &rows {
            if json {
                let line = serde_json::json!({
                    "number": row.number, "name": row.name, "status": row.status.to_lowercase(),
                    "progress": row.progress, "parent": row.parent.as_ref().map(|parent| parent.number),
                    "createdAt": row.created_at, "id": row.id,
                });
                println!("{line}");
            } else {
                let parent = row
                    .parent
                    .as_ref()
                    .map_or("-".into(), |parent| parent.number.to_string());
                println!(
                    "{:>5}  {:<10} {:>4}  {:>6}  {:<32} {}",
                    row.number,
                    row.status.to_lowercase(),
                    row.progress,
                    parent,
                    row.created_at,
                    row.name
                );
            }
        }
        shown += rows.len() as i64;
        match next {
            Some(cursor) if !rows.is_empty() => after = Some(cursor),
            _ => break,
        }
    }
    Ok(0)
}

fn spinner(message: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(message.into());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn counter(length: usize, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(length as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} [{elapsed}]") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_owned());
    bar
}

/// Restores experiment `target` into `dir`; answers whether every file verified.
fn restore(client: &Client, target: &Target, dir: &Path, mode: &str, repo: Option<&str>) -> Result<bool> {
    let experiment = api::experiment(client, &target.project, target.experiment)?;
    let download = spinner(format!(
        "downloading the code of experiment {} ({})",
        experiment.number, experiment.name
    ));
    let archive = api::restore_archive(client, &experiment.id, mode)?;
    let existed = dir.exists();
    let archive = code::extract(archive, dir, Some(&download))?;
    download.finish_and_clear();
    if archive.description.mode == RestoreMode::Git {
        let checkout = spinner("checking out the base commit and applying the patch");
        let rebuilt = code::rebuild_from_git(dir, &archive, repo);
        checkout.finish_and_clear();
        if let Err(error) = rebuilt {
            // The folder was empty or missing: leave it so, for the next try (with --repo).
            discard(dir, existed);
            return Err(error);
        }
    }
    let features = api::features(client, &target.project, target.experiment)?;
    write_features(dir, &features)?;
    let bar = counter(archive.manifest.len(), "verifying");
    let verification = code::verify(dir, &archive.manifest, Some(&bar))?;
    bar.finish_and_clear();
    println!(
        "restored experiment {} ({}) of project {} into {}",
        experiment.number,
        experiment.name,
        target.project,
        dir.display()
    );
    println!("{verification}");
    println!("features: {}", dir.join(FEATURES_PATH).display());
    // The outcome counts in the confidence of the experiment's evidence. A server that does
    // not take it (a viewer's token, say) does not fail the restore itself.
    let recorded = api::record_restore_check(
        client,
        &target.project,
        experiment.number,
        verification.ok(),
        &verification.to_string(),
    );
    if let Err(error) = recorded {
        eprintln!("note: the restore check was not recorded on the server: {error}");
    }
    Ok(verification.ok())
}

/// Removes what a failed restore extracted into `dir` (empty before it, or missing when
/// not `existed`). Best effort: the failure being reported matters more.
fn discard(dir: &Path, existed: bool) {
    if !existed {
        let _ = std::fs::remove_dir_all(dir);
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|file_type| file_type.is_dir());
        let _ = if is_dir {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
    }
}

/// Where a restore writes the experiment's full features.
pub const FEATURES_PATH: &str = ".rsdk/features.yaml";

fn write_features(dir: &Path, features: &Value) -> Result<()> {
    let path = dir.join(FEATURES_PATH);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, error))?;
    }
    let yaml = serde_yaml_ng::to_string(features).map_err(|error| Error::Internal(error.to_string()))?;
    std::fs::write(&path, yaml).map_err(|error| Error::io(&path, error))
}

fn environment(client: &Client, target: &Target) -> Result<Value> {
    api::environment(client, &target.project, target.experiment)?.ok_or_else(|| {
        Error::invalid(
            "experiment",
            format!(
                "experiment {} of {} has no environment record (it was not logged through the SDK)",
                target.experiment, target.project
            ),
        )
    })
}

fn build_env(client: &Client, target: &Target, venv: &Path, options: &EnvOptions) -> Result<envbuild::Built> {
    let record = environment(client, target)?;
    let spec: EnvironmentSpec = serde_json::from_value(record.clone())
        .map_err(|error| Error::Internal(format!("unexpected environment record: {error}")))?;
    let built = envbuild::build(&spec, venv, &options.build_options())?;
    if !built.interpreter_matches {
        eprintln!(
            "warning: the experiment ran on {}, the environment has {} (no matching interpreter found)",
            spec.interpreter, built.interpreter
        );
    }
    for (name, reason) in &built.skipped {
        eprintln!("skipped {name}: {reason}");
    }
    println!(
        "built {} with {} ({} package{}, {}); log: {}",
        built.venv.display(),
        built.interpreter,
        built.installed,
        if built.installed == 1 { "" } else { "s" },
        built.tool,
        built.log.display()
    );
    Ok(built)
}

fn rerun(
    config: &ClientConfig,
    target: &Target,
    dir: &Path,
    interpreter: Option<PathBuf>,
    options: &EnvOptions,
) -> Result<i32> {
    let client = Client::new(config.clone());
    let record = environment(&client, target)?;
    let command: Vec<String> = record["commandLine"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if command.is_empty() {
        return Err(Error::invalid(
            "experiment",
            format!("experiment {} recorded no command line to run", target.experiment),
        ));
    }
    if !restore(&client, target, dir, "auto", None)? {
        return Err(Error::Verification(format!(
            "the restored tree in {} differs from the manifest: not running it",
            dir.display()
        )));
    }
    let python = match interpreter {
        Some(python) => python,
        None => build_env(&client, target, &dir.join(".rsdk").join("venv"), options)?.python,
    };
    let (program, arguments) = program(&command, &python);
    let code_directory = record["codeDirectory"].as_str().unwrap_or_default();
    let working = if code_directory.is_empty() || code::path_problem(code_directory).is_some() {
        dir.to_owned()
    } else {
        dir.join(code_directory)
    };
    println!(
        "running {} in {}",
        shell_words(&program, &arguments),
        working.display()
    );
    let mut process = std::process::Command::new(&program);
    process.args(&arguments).current_dir(&working);
    if let Some(variables) = record["variables"].as_array() {
        for variable in variables {
            if let (Some(name), Some(value)) = (variable["name"].as_str(), variable["value"].as_str()) {
                process.env(name, value);
            }
        }
    }
    process
        .env("RSDK_RERUN_OF", target.experiment.to_string())
        .env("RSDK_PROJECT", &target.project)
        .env("RSDK_SERVER", &config.server);
    if let Some(token) = &config.token {
        process.env("RSDK_TOKEN", token);
    }
    let status = process.status().map_err(|error| Error::Command {
        program: program.display().to_string(),
        reason: format!("cannot start: {error}"),
    })?;
    let code = status.code().unwrap_or(1);
    println!(
        "the rerun of experiment {} exited with status {code}",
        target.experiment
    );
    Ok(code)
}

/// The program and arguments of a captured command line, its interpreter replaced by
/// `python` when it was one.
fn program(command: &[String], python: &Path) -> (PathBuf, Vec<String>) {
    let first = Path::new(&command[0]);
    let is_python = first
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("python"));
    if is_python {
        (python.to_owned(), command[1..].to_vec())
    } else if command[0].ends_with(".py") {
        (python.to_owned(), command.to_vec())
    } else {
        (first.to_owned(), command[1..].to_vec())
    }
}

fn shell_words(program: &Path, arguments: &[String]) -> String {
    std::iter::once(program.display().to_string())
        .chain(arguments.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn sync_spool(connection: &Connection) -> Result<i32> {
    let config = connection.config()?;
    let bar = spinner(format!("sending the spool in {}", config.spool_dir.display()));
    let mut waiting = 0;
    let outcomes = sync::sync(&config, |outcome| {
        let number = outcome
            .number
            .map_or("(not created yet)".into(), |number| format!("#{number}"));
        let line = match &outcome.state {
            Outcome::Sent => format!("sent {} {number}", outcome.project),
            Outcome::Refused(count) => format!(
                "{} {number}: the server refused {count} operations; see {}",
                outcome.project,
                outcome.dir.join("failed.jsonl").display()
            ),
            Outcome::InUse => format!(
                "{}: in use by a running script, left alone",
                outcome.dir.display()
            ),
            Outcome::Waiting(reason) => {
                waiting += 1;
                format!("{} {number}: not sent yet: {reason}", outcome.project)
            }
        };
        // println on the bar is dropped when stderr is not a terminal: print around it.
        bar.suspend(|| println!("{line}"));
    })?;
    bar.finish_and_clear();
    if outcomes.is_empty() {
        println!("the spool is empty: nothing to send");
    }
    Ok(i32::from(waiting > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_captured_interpreter_is_replaced() {
        let python = Path::new("/venv/bin/python");
        let command = vec![
            "/usr/bin/python3.11".to_owned(),
            "train.py".into(),
            "--lr".into(),
            "0.1".into(),
        ];
        assert_eq!(
            program(&command, python),
            (
                python.to_owned(),
                vec!["train.py".into(), "--lr".into(), "0.1".into()]
            )
        );
        let script = vec!["train.py".to_owned()];
        assert_eq!(
            program(&script, python),
            (python.to_owned(), vec!["train.py".into()])
        );
        let other = vec!["./run.sh".to_owned(), "x".into()];
        assert_eq!(
            program(&other, python),
            (PathBuf::from("./run.sh"), vec!["x".into()])
        );
    }

    #[test]
    fn usage_errors_name_what_is_missing() {
        assert_eq!(main_with(vec!["rsdk".into(), "restore".into()]), 2);
        assert_eq!(main_with(vec!["rsdk".into(), "--help".into()]), 0);
    }
}
