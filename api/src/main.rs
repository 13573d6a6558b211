//! `rsdk`: run the server, print the GraphQL schema, and the client commands (`restore`,
//! `rerun`, `sync`, ...) that the Python package's `rsdk` also has.

use std::path::PathBuf;

use api::config::{Config, Secret};
use clap::{Parser, Subcommand};
use graph::engine::GraphUrl;

/// The graph engine allocates per row and per statement; mimalloc serves that pattern
/// faster than the system allocator (creation rate +9 % in `make bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (`mi_option_purge_delay` in mimalloc.h).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc's `allow_thp` option (`mi_option_allow_thp` in mimalloc.h).
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

/// Sets mimalloc's options for a long-running server, each unless its `MIMALLOC_*` environment
/// variable sets it (mimalloc reads those at load, before `main`):
/// - `MIMALLOC_PURGE_DELAY=0`: memory a burst freed (a compaction, a large read) goes back to
///   the system at once. By default mimalloc waits, and a thread that then goes idle (most of
///   tokio's blocking pool) never gets round to it: the soak's resident memory stayed at its
///   peak (640 MiB at 150 s, 371 MiB once idle) instead of following the working set (346 MiB
///   peak, 261 MiB idle with the option), at no cost to acknowledgement latency.
/// - `MIMALLOC_ALLOW_THP=0`: no transparent huge pages. With them (Linux's `madvise` mode, which
///   mimalloc opts into) memory is committed and purged 2 MiB at a time, so a huge page that
///   holds one live object stays resident: without them the 10-minute soak's peak fell from
///   365 to 233 MiB and its last minute's median from 311 to 217 MiB (bench/RESULTS.md, tenth
///   session). The process flag covers what mimalloc mapped before `main`.
#[allow(unsafe_code)]
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists (options are
        // not thread-safe); 15 is the option's number in the mimalloc (v3) that
        // libmimalloc-sys builds.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: as above; 43 is `allow_thp`'s number there.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ALLOW_THP, 0) };
        #[cfg(target_os = "linux")]
        if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
            eprintln!("rsdk: cannot turn transparent huge pages off ({error}); memory use may be higher");
        }
    }
}

/// rsdk — a research-native experiment platform.
#[derive(Debug, Parser)]
#[command(name = "rsdk", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (GraphQL at /graphql, GraphiQL in a browser at the same address).
    Serve {
        /// Configuration file (default: ./rsdk.toml when present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to listen on, e.g. 127.0.0.1:7878 (overrides RSDK_BIND).
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
        /// Data directory of the embedded engine (overrides RSDK_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Graph engine url, e.g. embedded:./data/graph.db (overrides RSDK_GRAPH).
        #[arg(long)]
        graph: Option<String>,
        /// Blob store url, e.g. file:./data/blobs or s3://bucket/prefix (overrides RSDK_BLOBS).
        #[arg(long)]
        blobs: Option<String>,
        /// Redis url for events, jobs and the shared write lock, e.g. redis://127.0.0.1:6379
        /// (overrides RSDK_REDIS).
        #[arg(long)]
        redis: Option<String>,
    },
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
    #[command(flatten)]
    Client(sdk::cli::Command),
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return interrupt.await.unwrap_or_default(),
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
    tracing::info!("shutting down: draining in-flight requests");
}

fn main() -> anyhow::Result<std::process::ExitCode> {
    tune_allocator();
    match Cli::parse().command {
        // The client commands are blocking and need no runtime.
        Command::Client(command) => Ok(sdk::cli::run_command(command)),
        command => {
            server(command)?;
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

fn server(command: Command) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RSDK_LOG").unwrap_or_else(|_| "info".into()),
        )
        .init();
    match command {
        Command::Client(_) => Ok(()),
        Command::Schema => {
            print!("{}", api::graphql::sdl());
            Ok(())
        }
        Command::Serve {
            config,
            bind,
            data_dir,
            graph,
            blobs,
            redis,
        } => {
            let mut settings = Config::load(config.as_deref())?;
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            if let Some(data_dir) = data_dir {
                settings.data_dir = data_dir;
            }
            if let Some(graph) = graph {
                settings.graph = Some(Secret(graph));
            }
            if let Some(blobs) = blobs {
                settings.blobs = Some(blobs);
            }
            if let Some(redis) = redis {
                settings.redis = Some(Secret(redis));
            }
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .max_blocking_threads(settings.blocking_threads)
                .build()?
                .block_on(serve(settings))
        }
    }
}

/// Serves with `settings` until a shutdown signal.
async fn serve(settings: Config) -> anyhow::Result<()> {
    let (address, serving) = api::server::start(&settings, shutdown_signal()).await?;
    let graph = GraphUrl::parse(&settings.graph_url())?.redacted();
    tracing::info!(%address, %graph, "rsdk serving: GraphQL and GraphiQL at http://{address}/graphql");
    serving.await?;
    Ok(())
}
