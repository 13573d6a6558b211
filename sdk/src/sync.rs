//! `rsdk sync`: sends what runs left in the spool (an unreachable server, a crash, a finish
//! that timed out). Runs still owned by a live process (their lock is held) are left alone.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::client::Client;
use crate::config::ClientConfig;
use crate::error::Result;
use crate::run::drain;
use crate::spool::{self, RunSpool};

/// What a sync did to one run folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub project: String,
    /// The experiment's number, once created.
    pub number: Option<i64>,
    pub state: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything sent; the folder is gone.
    Sent,
    /// Everything sent but some operations were refused for good (see `failed.jsonl`).
    Refused(usize),
    /// A live process owns the run.
    InUse,
    /// The server could not take it now; the reason.
    Waiting(String),
}

/// Sends every run of the spool that no live process owns; `on_run` sees each outcome.
pub fn sync(config: &ClientConfig, mut on_run: impl FnMut(&RunOutcome)) -> Result<Vec<RunOutcome>> {
    let mut outcomes = Vec::new();
    for dir in spool::runs(&config.spool_dir)? {
        let outcome = match sync_run(config, &dir) {
            Ok(outcome) => outcome,
            // Its run finished and removed it after the listing: nothing is left to send.
            Err(_) if !dir.exists() => continue,
            Err(error) => return Err(error),
        };
        on_run(&outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn sync_run(config: &ClientConfig, dir: &Path) -> Result<RunOutcome> {
    let Some(spool) = RunSpool::open(dir)? else {
        return Ok(RunOutcome {
            dir: dir.to_owned(),
            project: String::new(),
            number: None,
            state: Outcome::InUse,
        });
    };
    let state = spool.state().clone();
    let client = Client::new(ClientConfig {
        server: state.server.clone(),
        ..config.clone()
    });
    let spool = Mutex::new(spool);
    let drained = drain(&client, &spool, None);
    let spool = spool
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let number = spool
        .state()
        .experiment
        .as_ref()
        .map(|experiment| experiment.number);
    let outcome = match drained {
        Err(error) => Outcome::Waiting(error.to_string()),
        Ok(_) => {
            let failures = spool.failures().len();
            if failures > 0 {
                Outcome::Refused(failures)
            } else {
                // Nobody holds the lock, so the run's process is gone: nothing more will come.
                let mut spool = spool;
                spool.set_finished()?;
                spool.remove_if_complete()?;
                return Ok(RunOutcome {
                    dir: dir.to_owned(),
                    project: state.project,
                    number,
                    state: Outcome::Sent,
                });
            }
        }
    };
    Ok(RunOutcome {
        dir: dir.to_owned(),
        project: state.project,
        number,
        state: outcome,
    })
}
