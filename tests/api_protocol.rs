//! The JSON 1.1 wire protocol, raw (reqwest) and through the real AWS SDK.

use std::net::SocketAddr;

use codedeck::runtime::{Runtime, RuntimeOptions};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;

const CT: &str = "application/x-amz-json-1.1";

struct Server {
    addr: SocketAddr,
    url: String,
    runtime: Runtime,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    async fn start() -> Server {
        let runtime = Runtime::open(RuntimeOptions::memory(1000.0)).expect("runtime");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(codedeck::api::serve(listener, runtime.clone(), async {
            let _ = rx.await;
        }));
        Server {
            addr,
            url: format!("http://{addr}/"),
            runtime,
            stop: Some(tx),
            task: Some(task),
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("serve");
        }
        self.runtime.shutdown().expect("shutdown");
    }

    async fn post(&self, target: Option<&str>, body: impl Into<reqwest::Body>) -> Reply {
        let mut req = reqwest::Client::new()
            .post(&self.url)
            .header("content-type", CT)
            // Any signature is accepted and ignored.
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/codedeploy/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000",
            )
            .header("x-amz-date", "20250101T000000Z")
            .body(body);
        if let Some(t) = target {
            req = req.header("x-amz-target", t);
        }
        Reply::from(req.send().await.expect("send")).await
    }

    async fn op(&self, op: &str, body: &str) -> Reply {
        self.post(Some(&format!("CodeDeploy_20141006.{op}")), body.to_string())
            .await
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    async fn from(res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.bytes().await.expect("body").to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "reply is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The common reply headers: JSON 1.1 content type and a UUID request ID.
    fn assert_common_headers(&self) {
        assert_eq!(self.header("content-type"), Some(CT));
        let id = self.header("x-amzn-requestid").expect("x-amzn-RequestId");
        let parsed = uuid::Uuid::parse_str(id).expect("request id is a UUID");
        assert_eq!(parsed.get_version_num(), 4);
    }

    /// An error reply with this status and `__type`.
    fn assert_error(&self, status: u16, kind: &str) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self.assert_common_headers();
        let v = self.json();
        assert_eq!(v["__type"], kind, "body: {v}");
        assert_eq!(self.header("x-amzn-errortype"), Some(kind));
        v["message"]
            .as_str()
            .expect("message is a string")
            .to_string()
    }
}

#[tokio::test]
async fn missing_target_header() {
    let s = Server::start().await;
    let r = s.post(None, "{}").await;
    let msg = r.assert_error(400, "UnknownOperationException");
    assert_eq!(msg, "Missing X-Amz-Target header");
    s.stop().await;
}

#[tokio::test]
async fn unknown_operation_and_wrong_prefix() {
    let s = Server::start().await;
    let r = s
        .post(Some("CodeDeploy_20141006.LaunchRockets"), "{}")
        .await;
    let msg = r.assert_error(400, "UnknownOperationException");
    assert!(msg.contains("LaunchRockets"), "{msg}");
    let r = s.post(Some("DynamoDB_20120810.ListTables"), "{}").await;
    r.assert_error(400, "UnknownOperationException");
    let r = s.post(Some("GetDeployment"), "{}").await;
    r.assert_error(400, "UnknownOperationException");
    s.stop().await;
}

#[tokio::test]
async fn malformed_json() {
    let s = Server::start().await;
    let r = s.op("CreateApplication", "{\"applicationName\": ").await;
    r.assert_error(400, "SerializationException");
    let r = s.op("GetDeployment", "[1, 2]").await;
    r.assert_error(400, "SerializationException");
    let r = s.op("GetDeployment", "not json at all").await;
    r.assert_error(400, "SerializationException");
    s.stop().await;
}

#[tokio::test]
async fn wrong_member_type() {
    let s = Server::start().await;
    let r = s.op("CreateApplication", r#"{"applicationName": 5}"#).await;
    let msg = r.assert_error(400, "SerializationException");
    assert!(msg.contains("invalid type"), "{msg}");
    let r = s
        .op("BatchGetDeployments", r#"{"deploymentIds": "d-1"}"#)
        .await;
    r.assert_error(400, "SerializationException");
    s.stop().await;
}

#[tokio::test]
async fn oversized_body() {
    let s = Server::start().await;
    let mut big = String::from("{\"description\":\"");
    big.push_str(&"x".repeat(3 * 1024 * 1024));
    big.push_str("\"}");
    let r = s
        .post(Some("CodeDeploy_20141006.CreateDeployment"), big)
        .await;
    let msg = r.assert_error(413, "SerializationException");
    assert!(msg.contains("request body exceeds"), "{msg}");
    // A body just under the limit is read (and then judged on its content).
    let mut ok = String::from("{\"applicationName\":\"");
    ok.push_str(&"a".repeat(1024 * 1024));
    ok.push_str("\"}");
    let r = s.post(Some("CodeDeploy_20141006.GetApplication"), ok).await;
    assert_ne!(r.status.as_u16(), 413);
    r.assert_common_headers();
    s.stop().await;
}

#[tokio::test]
async fn other_methods_and_paths_answer_json() {
    let s = Server::start().await;
    let client = reqwest::Client::new();
    let r = Reply::from(client.get(&s.url).send().await.expect("get")).await;
    r.assert_error(405, "UnknownOperationException");
    assert_eq!(r.header("allow"), Some("POST"));
    let r = Reply::from(
        client
            .post(format!("http://{}/nope", s.addr))
            .header("x-amz-target", "CodeDeploy_20141006.ListApplications")
            .body("{}")
            .send()
            .await
            .expect("post"),
    )
    .await;
    r.assert_error(404, "UnknownOperationException");
    let r = Reply::from(client.put(&s.url).body("{}").send().await.expect("put")).await;
    r.assert_error(405, "UnknownOperationException");
    s.stop().await;
}

#[tokio::test]
async fn modeled_error_and_request_ids() {
    let s = Server::start().await;
    let a = s
        .op("GetApplication", r#"{"applicationName":"nope"}"#)
        .await;
    a.assert_error(400, "ApplicationDoesNotExistException");
    let b = s
        .op("GetApplication", r#"{"applicationName":"nope"}"#)
        .await;
    b.assert_error(400, "ApplicationDoesNotExistException");
    assert_ne!(
        a.header("x-amzn-requestid"),
        b.header("x-amzn-requestid"),
        "a fresh request ID per reply"
    );
    s.stop().await;
}

#[tokio::test]
async fn success_reply_headers_and_empty_request_body() {
    let s = Server::start().await;
    // An empty body counts as `{}`.
    let r = s.op("ListDeploymentConfigs", "").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.assert_common_headers();
    let v = r.json();
    let names: Vec<&str> = v["deploymentConfigsList"]
        .as_array()
        .expect("deploymentConfigsList")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(names.contains(&"CodeDeployDefault.OneAtATime"), "{v}");
    s.stop().await;
}

#[tokio::test]
async fn no_output_operation_answers_an_empty_body() {
    let s = Server::start().await;
    let r = s
        .op(
            "CreateApplication",
            r#"{"applicationName":"empty-body","computePlatform":"Server"}"#,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(r.json()["applicationId"].is_string());
    let r = s
        .op(
            "UpdateApplication",
            r#"{"applicationName":"empty-body","newApplicationName":"still-empty"}"#,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.assert_common_headers();
    assert!(
        r.body.is_empty(),
        "body: {:?}",
        String::from_utf8_lossy(&r.body)
    );
    let r = s
        .op("DeleteApplication", r#"{"applicationName":"still-empty"}"#)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    s.stop().await;
}

fn sdk_client(addr: SocketAddr) -> aws_sdk_codedeploy::Client {
    use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_codedeploy::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(format!("http://{addr}"))
        .build();
    aws_sdk_codedeploy::Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_reads_predefined_deployment_configs() {
    let s = Server::start().await;
    let client = sdk_client(s.addr);
    let list = client
        .list_deployment_configs()
        .send()
        .await
        .expect("ListDeploymentConfigs");
    let names = list.deployment_configs_list();
    assert!(
        names.iter().any(|n| n == "CodeDeployDefault.OneAtATime"),
        "{names:?}"
    );
    let got = client
        .get_deployment_config()
        .deployment_config_name("CodeDeployDefault.OneAtATime")
        .send()
        .await
        .expect("GetDeploymentConfig");
    let info = got.deployment_config_info().expect("deploymentConfigInfo");
    assert_eq!(
        info.deployment_config_name(),
        Some("CodeDeployDefault.OneAtATime")
    );
    let mhh = info.minimum_healthy_hosts().expect("minimumHealthyHosts");
    assert_eq!(mhh.value(), 1);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_sees_modeled_errors() {
    let s = Server::start().await;
    let client = sdk_client(s.addr);
    let err = client
        .get_application()
        .application_name("does-not-exist")
        .send()
        .await
        .expect_err("no such application");
    let service = err.into_service_error();
    assert!(
        service.is_application_does_not_exist_exception(),
        "{service:?}"
    );
    s.stop().await;
}
