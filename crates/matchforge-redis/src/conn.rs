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

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::Poll;
use std::time::Duration;

use matchforge_core::{Error, Result};
use redis::aio::ConnectionManager;
use redis::{Cmd, ErrorKind, RedisError, RedisResult, Script, ServerErrorKind, Value};

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
        let build = |replay: bool| script_call(script, route, &head(replay), body);
        self.run(what, retry, build, Some(script)).await
    }

    /// Runs a replayable writing `script` once per body of `bodies`, in
    /// order, pipelined: each call is queued on the connection as soon as its
    /// body is made, so Redis runs one part while the next is being encoded.
    /// Redis runs the calls of one connection in the order they were sent. A
    /// part whose first attempt fails is loaded or retried (as
    /// [`script`](Self::script) would) after the earlier parts are settled,
    /// in order; the parts sent after a dropped connection go over the new
    /// one, so they may run before a retried earlier part. Returns one reply
    /// per body.
    pub(crate) async fn script_parts(
        &self,
        what: &'static str,
        script: &Script,
        route: &str,
        head: impl Fn(bool) -> Vec<String>,
        bodies: impl Iterator<Item = Vec<String>>,
    ) -> Vec<Result<Value>> {
        type Reply = Pin<Box<dyn Future<Output = RedisResult<Value>> + Send>>;
        let first_head = head(false);
        let mut sent: Vec<(Vec<String>, Poll<RedisResult<Value>>, Reply)> = Vec::new();
        for body in bodies {
            let cmd = script_call(script, route, &first_head, &body);
            let mut conn = self.manager.clone();
            let mut reply: Reply = Box::pin(async move { cmd.query_async(&mut conn).await });
            // The first poll puts the request in the connection's queue
            // (a FIFO channel), which fixes the order the parts run in.
            let early = poll_fn(|cx| Poll::Ready(reply.as_mut().poll(cx))).await;
            sent.push((body, early, reply));
            // Lets the connection's task write it before the next part is
            // encoded (on a current-thread runtime it would wait otherwise).
            tokio::task::yield_now().await;
        }
        let mut out = Vec::with_capacity(sent.len());
        for (body, early, reply) in sent {
            let first = match early {
                Poll::Ready(first) => first,
                Poll::Pending => reply.await,
            };
            let build = |replay: bool| script_call(script, route, &head(replay), &body);
            out.push(
                self.settle(what, Retry::Safe, &build, Some(script), first)
                    .await,
            );
        }
        out
    }

    async fn run(
        &self,
        what: &'static str,
        retry: Retry,
        build: impl Fn(bool) -> Cmd,
        script: Option<&Script>,
    ) -> Result<Value> {
        let first = build(false)
            .query_async::<Value>(&mut self.manager.clone())
            .await;
        self.settle(what, retry, &build, script, first).await
    }

    /// Finishes a call whose first attempt gave `first`: loads a script the
    /// server does not have and sends the call again, and retries after a
    /// connection failure when `retry` allows (with the replay flag).
    async fn settle(
        &self,
        what: &'static str,
        retry: Retry,
        build: &impl Fn(bool) -> Cmd,
        script: Option<&Script>,
        first: RedisResult<Value>,
    ) -> Result<Value> {
        let mut attempt: u32 = 0;
        let mut loaded = false;
        let mut result = first;
        loop {
            let error = match result {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let mut conn = self.manager.clone();
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
            } else if retry == Retry::Safe
                && is_connection_failure(&error)
                && attempt < self.retries
            {
                let pause = self.retry_delay * 2u32.saturating_pow(attempt);
                tracing::warn!(call = what, attempt = attempt + 1, error = %error,
                    "redis connection failure; retrying");
                tokio::time::sleep(pause).await;
                attempt += 1;
            } else {
                return Err(failure(what, error, attempt, retry));
            }
            result = build(attempt > 0).query_async::<Value>(&mut conn).await;
        }
    }
}

/// `EVALSHA <script> 1 <route> <head...> <body...>`.
fn script_call(script: &Script, route: &str, head: &[String], body: &[String]) -> Cmd {
    let mut cmd = redis::cmd("EVALSHA");
    cmd.arg(script.get_hash()).arg(1).arg(route);
    for arg in head.iter().chain(body) {
        cmd.arg(arg.as_str());
    }
    cmd
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
