//! Talking to CodeDeploy: the SDK client built from `aws-config`'s default
//! chain, and what a failed call means for whoever watches (reference §17):
//! throttling and server errors are retried later, never the deployment's
//! result; missing credentials and permissions say what to do.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_codedeploy::config::Credentials;
use aws_sdk_codedeploy::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_codedeploy::Client;

/// Where and as whom to call CodeDeploy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Another CodeDeploy endpoint: a codedeck, LocalStack, a proxy.
    pub endpoint_url: Option<String>,
    /// Fixed test credentials instead of the default chain (a local codedeck,
    /// which accepts any signature).
    pub test_credentials: bool,
    /// Fastest poll while something changes (never below 2 s against AWS).
    pub poll: Option<Duration>,
}

/// The address `--local` means.
pub const LOCAL_ENDPOINT: &str = "http://127.0.0.1:4599";

/// Whom the client talks to, for the header.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub region: String,
    /// The custom endpoint, when not AWS itself.
    pub url: Option<String>,
    pub profile: Option<String>,
}

/// The shared AWS configuration: profile, region, credentials, and with
/// `codedeploy_endpoint` the `--endpoint-url` (which, as in the AWS CLI,
/// applies to CodeDeploy only: other services take theirs from
/// `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`). Fails only on what no
/// retry can fix: no region.
pub async fn shared_config(
    opts: &AwsOptions,
    codedeploy_endpoint: bool,
) -> anyhow::Result<aws_config::SdkConfig> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = opts.endpoint_url.as_ref().filter(|_| codedeploy_endpoint) {
        loader = loader.endpoint_url(u);
    }
    if opts.test_credentials {
        loader = loader
            .credentials_provider(Credentials::new("test", "test", None, None, "codedeck"))
            .region(Region::new(
                opts.region.clone().unwrap_or_else(|| "us-east-1".into()),
            ));
    }
    let shared = loader.load().await;
    if shared.region().is_none() {
        anyhow::bail!(
            "no AWS region: pass --region, set AWS_REGION, or give your profile a region \
             (aws configure set region us-east-1)"
        );
    }
    Ok(shared)
}

/// Builds the CodeDeploy client.
pub async fn connect(
    opts: &AwsOptions,
    clock: &super::server_clock::ServerClock,
) -> anyhow::Result<(Client, Endpoint)> {
    let shared = shared_config(opts, true).await?;
    let region = shared
        .region()
        .map(|r| r.to_string())
        .ok_or_else(|| anyhow::anyhow!("no AWS region"))?;
    let config = aws_sdk_codedeploy::config::Builder::from(&shared)
        // One quick retry inside a call; longer waits are the poller's backoff.
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .interceptor(clock.clone())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(10))
                .operation_timeout(Duration::from_secs(25))
                .build(),
        )
        .build();
    let url = opts.endpoint_url.clone().or_else(|| {
        // AWS_ENDPOINT_URL(_CODEDEPLOY) also redirect the SDK; name them.
        ["AWS_ENDPOINT_URL_CODEDEPLOY", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
    });
    let profile = opts
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|s| !s.is_empty()));
    Ok((
        Client::from_conf(config),
        Endpoint {
            region,
            url,
            profile,
        },
    ))
}

/// What went wrong with one call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// ThrottlingException: slow down and try again.
    Throttled(String),
    /// A 5xx answer, a dropped connection, a timeout: try again later.
    Unavailable(String),
    /// No or expired credentials.
    Credentials(String),
    /// The credentials lack the permission for this operation.
    AccessDenied {
        operation: &'static str,
        message: String,
    },
    /// The endpoint does not implement this operation (a partial emulator).
    Unsupported {
        operation: &'static str,
        message: String,
    },
    /// An answer about the request itself (a deployment that does not exist).
    Service { code: String, message: String },
}

impl CallError {
    /// Worth trying again after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(self, CallError::Throttled(_) | CallError::Unavailable(_))
    }

    pub fn is_throttling(&self) -> bool {
        matches!(self, CallError::Throttled(_))
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Throttled(m) => write!(f, "throttled by CodeDeploy ({m})"),
            CallError::Unavailable(m) => write!(f, "CodeDeploy unreachable: {m}"),
            CallError::Credentials(m) => write!(
                f,
                "no valid AWS credentials ({m}): run `aws sso login` for an SSO profile, \
                 or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ),
            CallError::AccessDenied { operation, message } => write!(
                f,
                "access denied: the credentials lack codedeploy:{operation} ({message})"
            ),
            CallError::Unsupported { operation, message } => {
                write!(f, "the endpoint does not support {operation} ({message})")
            }
            CallError::Service { code, message } => write!(f, "{code}: {message}"),
        }
    }
}

impl std::error::Error for CallError {}

const THROTTLING: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];
const CREDENTIALS: &[&str] = &[
    "ExpiredTokenException",
    "ExpiredToken",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
];
const DENIED: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
];
const UNSUPPORTED: &[&str] = &[
    "UnknownOperationException",
    "InvalidAction",
    "NotImplemented",
    "NotImplementedException",
];

/// Classifies a failed SDK call of `operation`.
pub fn classify<E>(operation: &'static str, err: &SdkError<E>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = || one_line(&DisplayErrorContext(err).to_string());
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = ctx.err().code().unwrap_or("").to_string();
            let message = ctx.err().message().unwrap_or("").to_string();
            let said = if message.is_empty() {
                code.clone()
            } else {
                message.clone()
            };
            if THROTTLING.contains(&code.as_str()) || status == 429 {
                CallError::Throttled(said)
            } else if CREDENTIALS.contains(&code.as_str()) {
                CallError::Credentials(said)
            } else if DENIED.contains(&code.as_str()) || status == 403 {
                CallError::AccessDenied {
                    operation,
                    message: said,
                }
            } else if UNSUPPORTED.contains(&code.as_str()) || status == 404 || status == 501 {
                CallError::Unsupported {
                    operation,
                    message: said,
                }
            } else if status >= 500 {
                CallError::Unavailable(format!("HTTP {status} {said}"))
            } else if code.is_empty() {
                CallError::Unsupported {
                    operation,
                    message: format!("HTTP {status} without an error code"),
                }
            } else {
                CallError::Service { code, message }
            }
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            let text = detail();
            if text.to_lowercase().contains("credential") {
                CallError::Credentials(text)
            } else {
                CallError::Unavailable(text)
            }
        }
        SdkError::TimeoutError(_) => CallError::Unavailable("timed out".into()),
        SdkError::ResponseError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let body = ctx.raw().body().bytes().unwrap_or_default();
            // A web page instead of a JSON error: a partial emulator that
            // does not implement the operation (moto answers 500 with HTML).
            // A gateway's page (502-504) is an outage, not a missing operation.
            let page = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
            if page && matches!(status, 400 | 404 | 405 | 500 | 501) {
                CallError::Unsupported {
                    operation,
                    message: format!(
                        "HTTP {status} with a web page instead of a CodeDeploy answer"
                    ),
                }
            } else {
                CallError::Unavailable(detail())
            }
        }
        _ => CallError::Unavailable(detail()),
    }
}

/// Error chains print over several lines; the header has one.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
