//! The write lock: writes that read before they write (number assignment, cycle checks,
//! feature recomputation) hold it, so two of them never interleave.
//!
//! One process on the embedded engine needs only [`LocalWriteLock`]. Several `rsdk serve`
//! replicas sharing a server engine use [`RedisWriteLock`]: a lease in Redis
//! (`SET key token NX PX ttl`, released by a script that deletes only its own token), taken
//! after the process-local lock so one replica queues its own writers locally. A replica
//! that dies holding the lease blocks the others for at most the lease's time to live.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, Result};

/// How long a held lease lasts if its holder dies; writes take milliseconds.
const LEASE: Duration = Duration::from_secs(30);
/// How long a writer waits for the lease before giving up with a retryable error.
const WAIT: Duration = Duration::from_secs(30);

/// Serializes the read-then-write operations of the domain.
#[async_trait]
pub trait WriteLock: Send + Sync + std::fmt::Debug {
    /// Waits for the lock; it is released when the guard drops.
    async fn acquire(&self) -> Result<WriteGuard>;
}

/// Holds the write lock until dropped.
#[derive(Debug)]
pub struct WriteGuard {
    // Fields drop in order: the lease's release is under way before local writers go on.
    _lease: Option<Lease>,
    _local: OwnedMutexGuard<()>,
}

/// The lock of one process.
#[derive(Debug, Clone, Default)]
pub struct LocalWriteLock(Arc<Mutex<()>>);

#[async_trait]
impl WriteLock for LocalWriteLock {
    async fn acquire(&self) -> Result<WriteGuard> {
        Ok(WriteGuard {
            _local: self.0.clone().lock_owned().await,
            _lease: None,
        })
    }
}

/// A lock shared by every replica through a Redis key.
#[derive(Clone)]
pub struct RedisWriteLock {
    local: LocalWriteLock,
    connection: ConnectionManager,
    key: String,
    address: String,
}

impl std::fmt::Debug for RedisWriteLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisWriteLock").field("key", &self.key).finish()
    }
}

impl RedisWriteLock {
    /// Connects to the Redis at `redis_url`; `key` names the lock (one per graph).
    pub async fn connect(redis_url: &str, key: impl Into<String>) -> Result<Self> {
        let address = redis_url
            .rsplit_once('@')
            .map_or(redis_url, |(_, host)| host)
            .to_owned();
        let unavailable = |error: redis::RedisError| {
            Error::Unavailable(format!("redis for the write lock at {address}: {error}"))
        };
        let client = redis::Client::open(redis_url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2);
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unavailable)?;
        Ok(Self {
            local: LocalWriteLock::default(),
            connection,
            key: key.into(),
            address,
        })
    }

    /// One attempt at the lease. A connection lost on the way (a Redis restart) is retried
    /// once on the reconnected manager; if the first `SET` did land, the key holds our token.
    async fn try_take(&self, connection: &mut ConnectionManager, token: &str) -> Result<bool> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply: redis::RedisResult<Option<String>> = redis::cmd("SET")
                .arg(&self.key)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(LEASE.as_millis() as u64)
                .query_async(connection)
                .await;
            match reply {
                Ok(taken) => {
                    if taken.is_some() {
                        return Ok(true);
                    }
                    if attempt == 1 {
                        return Ok(false);
                    }
                    let holder: Option<String> = redis::cmd("GET")
                        .arg(&self.key)
                        .query_async(connection)
                        .await
                        .map_err(|e| self.unavailable(&e))?;
                    return Ok(holder.as_deref() == Some(token));
                }
                Err(error) if attempt == 1 && is_connection_error(&error) => continue,
                Err(error) => return Err(self.unavailable(&error)),
            }
        }
    }

    fn unavailable(&self, error: &redis::RedisError) -> Error {
        Error::Unavailable(format!("redis for the write lock at {}: {error}", self.address))
    }
}

#[async_trait]
impl WriteLock for RedisWriteLock {
    async fn acquire(&self) -> Result<WriteGuard> {
        let local = self.local.0.clone().lock_owned().await;
        let token = lease_token();
        let deadline = Instant::now() + WAIT;
        let mut connection = self.connection.clone();
        let mut pause = Duration::from_millis(2);
        loop {
            let taken = self.try_take(&mut connection, &token).await?;
            if taken {
                return Ok(WriteGuard {
                    _local: local,
                    _lease: Some(Lease {
                        connection: self.connection.clone(),
                        key: self.key.clone(),
                        token,
                    }),
                });
            }
            if Instant::now() >= deadline {
                return Err(Error::Unavailable(format!(
                    "the graph write lock `{}` stayed busy for {}s; try again",
                    self.key,
                    WAIT.as_secs()
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// Whether the command failed because the connection did (worth one retry).
pub(crate) fn is_connection_error(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
}

/// A lease held in Redis, released (only if still ours) when dropped.
struct Lease {
    connection: ConnectionManager,
    key: String,
    token: String,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("key", &self.key).finish()
    }
}

const RELEASE: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

impl Drop for Lease {
    fn drop(&mut self) {
        let mut connection = self.connection.clone();
        let key = std::mem::take(&mut self.key);
        let token = std::mem::take(&mut self.token);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // no runtime left: the lease expires by itself
        };
        runtime.spawn(async move {
            let released: redis::RedisResult<i64> = redis::Script::new(RELEASE)
                .key(&key)
                .arg(&token)
                .invoke_async(&mut connection)
                .await;
            if let Err(error) = released {
                tracing::warn!(%error, key, "write lock not released; it expires by itself");
            }
        });
    }
}

/// A token unique to this lease (process id, time and a counter).
fn lease_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
