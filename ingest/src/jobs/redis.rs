//! Redis dispatch: job ids in one list (`PREFIX:jobs:ready`) that the workers of every
//! replica pop from.
//!
//! The list is only a doorbell: losing it (a Redis restart without persistence) loses no
//! job, because the graph holds every record and the sweep dispatches queued, due jobs
//! again. A short-lived marker key per dispatched id (`PREFIX:jobs:dispatched:ID`, set with
//! `NX`) keeps the sweeps of several replicas from piling copies of one id into the list.

use std::time::Duration;

use ::redis::aio::{ConnectionManager, MultiplexedConnection};
use ::redis::{AsyncConnectionConfig, Client, Script};
use async_trait::async_trait;
use graph::model::JobId;
use tracing::debug;

use super::dispatch::{Dispatcher, Receiver};
use crate::error::Result;
use crate::events::{fast_failing_manager, redis_client, redis_unavailable};

/// How long a dispatch may take before Redis counts as down.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// How long an id counts as "already in the list". Past it, a sweep may push it again
/// (harmless: a second claim finds the job taken).
const MARKER_TTL_SECONDS: u64 = 60;

/// Pushes the id unless its marker is set; sets the marker with a TTL.
const DISPATCH_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('LPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
";

/// Dispatches through a Redis list.
#[derive(Debug, Clone)]
pub(crate) struct RedisDispatcher {
    client: Client,
    connection: ConnectionManager,
    keys: Keys,
}

#[derive(Debug, Clone)]
struct Keys {
    ready: String,
    marker_prefix: String,
}

impl Keys {
    fn marker(&self, id: &str) -> String {
        format!("{}{id}", self.marker_prefix)
    }
}

impl RedisDispatcher {
    /// A dispatcher on `url` under `prefix`; connects lazily, so Redis may be down now.
    pub(crate) fn new(url: &str, prefix: &str) -> Result<Self> {
        let client = redis_client(url)?;
        let connection = fast_failing_manager(&client)?;
        Ok(Self {
            client,
            connection,
            keys: Keys {
                ready: format!("{prefix}:jobs:ready"),
                marker_prefix: format!("{prefix}:jobs:dispatched:"),
            },
        })
    }
}

#[async_trait]
impl Dispatcher for RedisDispatcher {
    async fn dispatch(&self, id: &JobId) -> Result<()> {
        let script = Script::new(DISPATCH_SCRIPT);
        let mut invocation = script.key(self.keys.marker(id.as_str()));
        invocation
            .key(&self.keys.ready)
            .arg(id.as_str())
            .arg(MARKER_TTL_SECONDS);
        let mut connection = self.connection.clone();
        match tokio::time::timeout(COMMAND_TIMEOUT, invocation.invoke_async::<i64>(&mut connection)).await {
            Ok(Ok(_pushed)) => Ok(()),
            Ok(Err(error)) => Err(redis_unavailable(format!("cannot dispatch job {id}: {error}"))),
            Err(_) => Err(redis_unavailable(format!(
                "cannot dispatch job {id}: redis did not answer in time"
            ))),
        }
    }

    fn receiver(&self) -> Box<dyn Receiver> {
        Box::new(RedisReceiver {
            client: self.client.clone(),
            keys: self.keys.clone(),
            connection: None,
        })
    }
}

/// One worker's connection: a blocking pop holds a connection, so each worker has its own.
struct RedisReceiver {
    client: Client,
    keys: Keys,
    connection: Option<MultiplexedConnection>,
}

impl RedisReceiver {
    async fn connection(&mut self, wait: Duration) -> Result<&mut MultiplexedConnection> {
        if self.connection.is_none() {
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(COMMAND_TIMEOUT))
                .set_response_timeout(Some(wait + COMMAND_TIMEOUT));
            let connection = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(|error| redis_unavailable(format!("cannot connect a job worker: {error}")))?;
            self.connection = Some(connection);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| redis_unavailable("no connection"))
    }
}

#[async_trait]
impl Receiver for RedisReceiver {
    async fn next(&mut self, wait: Duration) -> Result<Option<JobId>> {
        let ready = self.keys.ready.clone();
        let connection = self.connection(wait).await?;
        let popped: ::redis::RedisResult<Option<(String, String)>> = ::redis::cmd("BRPOP")
            .arg(&ready)
            .arg(wait.as_secs_f64())
            .query_async(connection)
            .await;
        let id = match popped {
            Ok(Some((_list, id))) => id,
            Ok(None) => return Ok(None),
            Err(error) => {
                self.connection = None;
                return Err(redis_unavailable(format!("cannot take a job id: {error}")));
            }
        };
        // Best effort: should this fail, the marker expires on its own.
        let marker = self.keys.marker(&id);
        if let Ok(connection) = self.connection(wait).await {
            let deleted: ::redis::RedisResult<i64> =
                ::redis::cmd("DEL").arg(&marker).query_async(connection).await;
            if let Err(error) = deleted {
                debug!(job = %id, %error, "cannot clear a dispatch marker; it expires");
            }
        }
        Ok(Some(JobId(id)))
    }
}
