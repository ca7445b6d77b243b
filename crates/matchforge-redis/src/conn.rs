//! The connection: commands and scripts, with the retry rules.
//!
//! * A **read** is retried after a connection failure (up to the configured
//!   number of times): reading twice changes nothing.
//! * A **replayable write** is retried too, with the script's replay flag
//!   set: each such script recognises the state its own earlier success would
//!   have left (the same ticket waiting, the same lobby or party stored at
//!   the new version) and reports success instead of a conflict. Whether the
//!   lost attempt ran or not, and even if it runs late, the state ends the
//!   same and nothing is applied twice.
//! * A **once** write (cancel, expire) is never retried: a lost reply leaves
//!   the caller an error saying the outcome is unknown, but never a
//!   half-written state, because every write is one atomic script.

use std::sync::LazyLock;
use std::time::Duration;

use matchforge_core::{Error, Result};
use redis::aio::ConnectionManager;
use redis::{Cmd, ErrorKind, RedisError, Script, ServerErrorKind, Value};

use crate::BACKEND;
use crate::config::RedisConfig;

/// The scripts, loaded on first use (EVALSHA, with SCRIPT LOAD on NOSCRIPT).
pub(crate) struct Scripts {
    pub(crate) enqueue: Script,
    pub(crate) commit: Script,
    pub(crate) remove: Script,
    pub(crate) update_lobby: Script,
    pub(crate) save_party: Script,
    pub(crate) delete_party: Script,
    pub(crate) read: Script,
    pub(crate) purge: Script,
}

macro_rules! writing_script {
    ($file:literal) => {
        Script::new(concat!(
            include_str!("scripts/prelude.lua"),
            include_str!(concat!("scripts/", $file))
        ))
    };
}

pub(crate) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    enqueue: writing_script!("enqueue.lua"),
    commit: writing_script!("commit.lua"),
    remove: writing_script!("remove.lua"),
    update_lobby: writing_script!("update_lobby.lua"),
    save_party: writing_script!("save_party.lua"),
    delete_party: writing_script!("delete_party.lua"),
    read: Script::new(include_str!("scripts/read.lua")),
    purge: Script::new(include_str!("scripts/purge.lua")),
});

/// Whether a failed call may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and replayable writes.
    Safe,
    /// Writes whose lost reply cannot be recognised afterwards.
    Never,
}

/// A shared, reconnecting connection to one Redis server.
#[derive(Clone)]
pub(crate) struct Connection {
    manager: ConnectionManager,
    retries: u32,
    retry_delay: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("retries", &self.retries)
            .field("retry_delay", &self.retry_delay)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects (the first connection is made now, so a wrong URL or a
    /// stopped server fails here).
    pub(crate) async fn open(config: &RedisConfig) -> crate::Result<Self> {
        let connect_error = |source| crate::Error::Connect {
            url: config.redacted_url(),
            source,
        };
        let client = redis::Client::open(config.url()).map_err(connect_error)?;
        let manager_config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connection_timeout()))
            .set_response_timeout(Some(config.response_timeout()))
            .set_number_of_retries(config.retries() as usize)
            .set_min_delay(config.retry_delay());
        let manager = ConnectionManager::new_with_config(client, manager_config)
            .await
            .map_err(connect_error)?;
        Ok(Self {
            manager,
            retries: config.retries(),
            retry_delay: config.retry_delay(),
        })
    }

    /// Sends a command, retrying it after connection failures.
    pub(crate) async fn read(&self, what: &'static str, cmd: &Cmd) -> Result<Value> {
        self.run(what, Retry::Safe, |_| cmd.clone(), None).await
    }

    /// Runs `script` with KEYS[1] = `route` and the arguments `head(replay)`
    /// then `body` (the head carries the replay flag of writing scripts).
    pub(crate) async fn script(
        &self,
        what: &'static str,
        retry: Retry,
        script: &Script,
        route: &str,
        head: impl Fn(bool) -> Vec<String>,
        body: &[String],
    ) -> Result<Value> {
        let build = |replay: bool| {
            let mut cmd = redis::cmd("EVALSHA");
            cmd.arg(script.get_hash()).arg(1).arg(route);
            for arg in head(replay) {
                cmd.arg(arg);
            }
            for arg in body {
                cmd.arg(arg.as_str());
            }
            cmd
        };
        self.run(what, retry, build, Some(script)).await
    }

    async fn run(
        &self,
        what: &'static str,
        retry: Retry,
        build: impl Fn(bool) -> Cmd,
        script: Option<&Script>,
    ) -> Result<Value> {
        let mut attempt: u32 = 0;
        let mut loaded = false;
        loop {
            let mut conn = self.manager.clone();
            let cmd = build(attempt > 0);
            let error = match cmd.query_async::<Value>(&mut conn).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if let Some(script) = script
                && !loaded
                && error.kind() == ErrorKind::Server(ServerErrorKind::NoScript)
            {
                // The server restarted or flushed its script cache: the
                // script did not run; load it and send the call again.
                loaded = true;
                if let Err(e) = script.prepare_invoke().load_async(&mut conn).await {
                    return Err(failure(what, e, attempt, retry));
                }
                continue;
            }
            if retry == Retry::Safe && is_connection_failure(&error) && attempt < self.retries {
                let pause = self.retry_delay * 2u32.saturating_pow(attempt);
                tracing::warn!(call = what, attempt = attempt + 1, error = %error,
                    "redis connection failure; retrying");
                tokio::time::sleep(pause).await;
                attempt += 1;
                continue;
            }
            return Err(failure(what, error, attempt, retry));
        }
    }
}

/// A failure of the connection rather than an answer from Redis.
fn is_connection_failure(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_unrecoverable_error()
}

fn failure(what: &'static str, error: RedisError, attempts: u32, retry: Retry) -> Error {
    let message = if !is_connection_failure(&error) {
        format!("redis refused {what}")
    } else if retry == Retry::Never {
        format!(
            "{what}: the connection failed and the outcome is unknown: the call took full \
             effect or none (it is one atomic script); read the state back before retrying"
        )
    } else {
        format!(
            "{what}: the connection failed ({attempts} retries); the call took full effect \
             or none, and repeating it is safe"
        )
    };
    tracing::error!(call = what, error = %error, "{message}");
    Error::backend(BACKEND, message, error)
}
