//! An in-process codedeck API server for integration tests: a memory runtime
//! behind `codedeck::api::serve` on an ephemeral port, an AWS SDK client
//! pointed at it, and raw JSON 1.1 requests for what the SDK cannot send;
//! the values (`builders`), set-up calls (`calls`) and pagination checks
//! (`pages`) the API tests share.
#![allow(dead_code)]

mod builders;
mod calls;
mod pages;

// Each test binary uses a part of what these hold.
#[allow(unused_imports)]
pub use {builders::*, calls::*, pages::*};

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codedeploy::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_codedeploy::types::{DeploymentInfo, DeploymentStatus};
use codedeck::runtime::{Runtime, RuntimeOptions};
use serde_json::Value;
use tokio::sync::oneshot;

pub const CT: &str = "application/x-amz-json-1.1";
pub const ROLE: &str = "arn:aws:iam::000000000000:role/CodeDeployServiceRole";
pub const ACCOUNT: &str = "000000000000";

/// A running server; call [`ApiServer::stop`] at the end of a test.
pub struct ApiServer {
    pub addr: SocketAddr,
    pub url: String,
    pub runtime: Runtime,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    http: reqwest::Client,
}

/// A raw reply.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub status: u16,
    pub body: String,
}

impl RawReply {
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Object(Default::default());
        }
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("reply is not JSON ({e}): {:?}", self.body))
    }

    /// The `__type` of an error reply.
    pub fn error_type(&self) -> String {
        self.json()["__type"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl ApiServer {
    /// The sample fleet at speed 1000 (virtual seconds per wall second).
    pub async fn start() -> ApiServer {
        ApiServer::start_with(RuntimeOptions::memory(1000.0)).await
    }

    pub async fn start_with(opts: RuntimeOptions) -> ApiServer {
        let runtime = Runtime::open(opts).expect("runtime");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(codedeck::api::serve(listener, runtime.clone(), async {
            let _ = rx.await;
        }));
        ApiServer {
            addr,
            url: format!("http://{addr}/"),
            runtime,
            stop: Some(tx),
            task: Some(task),
            http: reqwest::Client::new(),
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("serve");
        }
        self.runtime.shutdown().expect("shutdown");
    }

    /// An AWS SDK client for this server.
    pub fn client(&self) -> aws_sdk_codedeploy::Client {
        let config = aws_sdk_codedeploy::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .build();
        aws_sdk_codedeploy::Client::from_conf(config)
    }

    /// Sends `body` as operation `op` (JSON 1.1) and returns the raw reply.
    pub async fn raw(&self, op: &str, body: &str) -> RawReply {
        let res = self
            .http
            .post(&self.url)
            .header("content-type", CT)
            .header("x-amz-target", format!("CodeDeploy_20141006.{op}"))
            .body(body.to_string())
            .send()
            .await
            .expect("send");
        let status = res.status().as_u16();
        let body = res.text().await.expect("body");
        RawReply { status, body }
    }

    /// Like [`ApiServer::raw`] but with a JSON value; panics unless HTTP 200.
    pub async fn ok(&self, op: &str, body: Value) -> Value {
        let r = self.raw(op, &body.to_string()).await;
        assert_eq!(r.status, 200, "{op} {body}: {}", r.body);
        r.json()
    }

    /// Polls GetDeployment until the deployment is Succeeded, Failed or Stopped
    /// (at most 30 s of wall time).
    pub async fn wait_deployment(
        &self,
        client: &aws_sdk_codedeploy::Client,
        id: &str,
    ) -> DeploymentInfo {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let info = deployment_info(client, id).await;
            if matches!(
                info.status(),
                Some(
                    DeploymentStatus::Succeeded
                        | DeploymentStatus::Failed
                        | DeploymentStatus::Stopped
                )
            ) {
                return info;
            }
            assert!(
                Instant::now() < deadline,
                "deployment {id} did not finish within 30 s: {info:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Polls GetDeployment until `pred` holds (at most 30 s of wall time).
    pub async fn wait_until(
        &self,
        client: &aws_sdk_codedeploy::Client,
        id: &str,
        what: &str,
        pred: impl Fn(&DeploymentInfo) -> bool,
    ) -> DeploymentInfo {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let info = deployment_info(client, id).await;
            if pred(&info) {
                return info;
            }
            assert!(
                Instant::now() < deadline,
                "deployment {id}: {what} did not happen within 30 s: {info:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// GetDeployment's `deploymentInfo` for `id`.
pub async fn deployment_info(client: &aws_sdk_codedeploy::Client, id: &str) -> DeploymentInfo {
    client
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .expect("GetDeployment")
        .deployment_info
        .expect("deploymentInfo")
}

/// The error code (`__type`) of a failed SDK call; panics if the call succeeded
/// or failed without reaching the service.
pub fn code<T: std::fmt::Debug, E, R>(r: Result<T, SdkError<E, R>>) -> String
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => match e.code() {
            Some(c) => c.to_string(),
            None => panic!("error without a code: {e:?}"),
        },
    }
}

/// Asserts that a failed SDK call answered `expected` (the `__type`).
#[track_caller]
pub fn assert_code<T: std::fmt::Debug, E, R>(r: Result<T, SdkError<E, R>>, expected: &str)
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let got = code(r);
    assert_eq!(got, expected);
}
