//! CodeDeploy through `aws-sdk-codedeploy` as a source: the dashboard on AWS
//! (or any CodeDeploy endpoint: another codedeck, LocalStack), and what
//! `codedeck watch` reads. Polling costs what changes (`fetch`), failures back
//! off and show in the header (`health`), SDK types become model types in one
//! place (`convert`).

mod act;
pub mod client;
mod convert;
pub mod fetch;
pub mod health;
pub mod logs;
pub mod server_clock;

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_codedeploy::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_codedeploy::Client;
use tokio::sync::watch;

use super::*;
pub use client::{AwsOptions, CallError, Endpoint, LOCAL_ENDPOINT};
use fetch::Cache;
use health::Health;

pub struct AwsSource {
    client: Client,
    endpoint: Endpoint,
    cache: tokio::sync::Mutex<Cache>,
    health: Mutex<Health>,
    account: Mutex<Option<String>>,
    clock: server_clock::ServerClock,
    /// Where failed hooks' whole output is read (`--logs-group`).
    logs: Option<logs::ScriptLogs>,
}

impl AwsSource {
    /// Connects (reads the configuration; no call is made yet).
    pub async fn connect(opts: &AwsOptions) -> anyhow::Result<AwsSource> {
        let clock = server_clock::ServerClock::default();
        let (client, endpoint) = client::connect(opts, &clock).await?;
        let floor = if endpoint.url.is_some() {
            health::ENDPOINT_FLOOR
        } else {
            health::AWS_FLOOR
        };
        let base = opts.poll.unwrap_or(health::AWS_FLOOR).max(floor);
        Ok(AwsSource {
            client,
            endpoint,
            cache: tokio::sync::Mutex::new(Cache::default()),
            health: Mutex::new(Health::new(base)),
            account: Mutex::new(None),
            clock,
            logs: None,
        })
    }

    /// Reads failed hooks' whole output from this CloudWatch Logs group.
    pub fn with_logs(mut self, logs: logs::ScriptLogs) -> AwsSource {
        self.logs = Some(logs);
        self
    }

    /// The server's time now, from its replies' `Date` headers (`None`
    /// before the first reply).
    pub fn server_now(&self) -> Option<crate::model::time::Millis> {
        self.clock.now()
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One SDK call, counted, its failure classified.
    pub(crate) async fn call<T, E>(
        &self,
        operation: &'static str,
        send: impl Future<Output = Result<T, SdkError<E>>>,
    ) -> Result<T, CallError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.health().called(operation);
        send.await.map_err(|e| client::classify(operation, &e))
    }

    fn note(&self, e: &CallError) {
        self.health().note(e);
    }

    fn set_account(&self, account: String) {
        *self.account.lock().unwrap_or_else(|p| p.into_inner()) = Some(account);
    }

    /// API calls made since the source was created.
    pub fn total_calls(&self) -> u64 {
        self.health().total_calls()
    }

    /// API calls made since the source was created, by operation.
    pub fn calls_by_operation(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.health().calls_by_operation()
    }

    /// API calls made in the last minute.
    pub fn calls_per_minute(&self) -> usize {
        self.health().calls_per_minute()
    }

    /// The status for the header now.
    pub fn status(&self) -> SourceStatus {
        let label = self.label();
        SourceStatus {
            label,
            ..self.health().status()
        }
    }

    /// Reads a screen; on a failure the endpoint may recover from, the last
    /// good screen of the same selection with the failure in its status.
    async fn load_now(&self, req: Request) -> anyhow::Result<Data> {
        let mut cache = self.cache.lock().await;
        if self.health().backing_off() {
            if let Some(data) = self.stale(&cache, &req) {
                return Ok(data);
            }
        }
        let before = cache.log.len();
        match self.screen(&mut cache, &req).await {
            Ok(mut data) => {
                let changed = cache.log.len() != before || !data.deployments.active.is_empty();
                self.health().succeeded(changed);
                data.status = Some(self.status());
                cache.last = Some((req, data.clone()));
                Ok(data)
            }
            Err(e) => {
                self.health().failed(&e, crate::runtime::wall_now());
                match self.stale(&cache, &req) {
                    Some(data) if e.is_transient() => Ok(data),
                    _ => Err(e.into()),
                }
            }
        }
    }

    /// The last good screen for this selection, with the current status.
    fn stale(&self, cache: &Cache, req: &Request) -> Option<Data> {
        let (last_req, data) = cache.last.as_ref()?;
        if !last_req.same_selection(req) {
            return None;
        }
        let mut data = data.clone();
        data.events.clear();
        data.status = Some(self.status());
        Some(data)
    }

    /// One deployment's timeline (what `codedeck watch` follows).
    pub async fn deployment(&self, id: &str) -> Result<Detail, CallError> {
        let mut cache = self.cache.lock().await;
        let result = self.detail(&mut cache, id).await;
        match &result {
            Ok(d) => {
                let running = d.info.status.as_ref().is_some_and(|s| !s.is_final());
                self.health().succeeded(running);
            }
            Err(e) => self.health().failed(e, crate::runtime::wall_now()),
        }
        result
    }

    /// How long the poller waits before the next read.
    pub fn next_poll(&self) -> Duration {
        self.health().next_poll()
    }

    /// The header's `aws <account or endpoint> <region>`.
    fn label(&self) -> String {
        let account = self
            .account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let who = match (&self.endpoint.url, account, &self.endpoint.profile) {
            (Some(url), _, _) => url.clone(),
            (None, Some(account), _) => account,
            (None, None, Some(profile)) => format!("profile {profile}"),
            (None, None, None) => "default credentials".into(),
        };
        format!("aws {who} {}", self.endpoint.region)
    }
}

impl Source for AwsSource {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            mode: self.label(),
            local: false,
        }
    }

    fn load(&self, req: Request) -> Pending<'_, anyhow::Result<Data>> {
        Box::pin(self.load_now(req))
    }

    fn act(&self, action: Action) -> Pending<'_, Outcome> {
        Box::pin(async move { self.perform(action).await })
    }

    fn changes(&self) -> Option<watch::Receiver<u64>> {
        None
    }

    fn poll_interval(&self) -> Option<Duration> {
        Some(self.next_poll())
    }

    fn find(&self, what: String) -> Pending<'_, Result<Place, String>> {
        Box::pin(async move { self.find_place(&what).await })
    }

    fn script_output(&self, q: OutputQuery) -> Pending<'_, Result<Option<HookOutput>, String>> {
        Box::pin(async move {
            let Some(logs) = &self.logs else {
                return Ok(None);
            };
            // A hook runs an hour at most: its output is no older than that.
            let since = q.at - 2 * 3_600_000;
            let out = logs
                .output(&q.target, &q.deployment, &q.event, since)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Some(HookOutput {
                source: format!("{}/{}", logs.group(), q.target),
                lines: out.lines,
                more: out.more,
            }))
        })
    }
}
