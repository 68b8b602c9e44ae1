//! A failed hook's whole output, from CloudWatch Logs: the CodeDeploy agent's
//! deployment log (`…/deployment-logs/codedeploy-agent-deployments.log`),
//! shipped by the CloudWatch agent one stream per instance. Its lines are the
//! agent's: `[d-XXXX]YYYY-MM-DD HH:MM:SS LifecycleEvent - ValidateService`,
//! `… Script - scripts/validate.sh`, `… [stdout]text`, `… [stderr]text` (the
//! format codedeck's local hosts write too). The API's `logTail` keeps only
//! the last 4 KB; the first error is usually earlier.

use aws_sdk_cloudwatchlogs::Client;

use super::client::{classify, shared_config, AwsOptions, CallError};
use crate::model::time::Millis;

/// Lines printed before "N more lines".
pub const LIMIT: usize = 500;

/// Events asked for per call (the API's most).
const PAGE: i32 = 10_000;

/// Pages read at most: a runaway stream cannot hold the watch up.
const MAX_PAGES: usize = 20;

/// Reads one log group.
pub struct ScriptLogs {
    client: Client,
    group: String,
}

/// What the log holds of one event of one deployment on one host.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    /// The event's lines (its `Script -` lines and output), up to [`LIMIT`].
    pub lines: Vec<String>,
    /// Lines past the limit.
    pub more: usize,
}

/// Why there is no output to show: one line, never a failed watch.
#[derive(Debug, Clone, PartialEq)]
pub enum LogsError {
    NoGroup(String),
    NoStream { group: String, stream: String },
    Nothing { group: String, stream: String },
    Denied(String),
    Other(String),
}

impl std::fmt::Display for LogsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogsError::NoGroup(g) => write!(
                f,
                "no CloudWatch Logs group {g}: check --logs-group and that the CloudWatch agent ships the deployment log"
            ),
            LogsError::NoStream { group, stream } => {
                write!(f, "no log stream {stream} in {group}: has the CloudWatch agent run on it?")
            }
            LogsError::Nothing { group, stream } => {
                write!(f, "no lines of this event in {group}/{stream} (not shipped yet?)")
            }
            LogsError::Denied(m) => write!(
                f,
                "access denied: the credentials lack logs:FilterLogEvents ({m})"
            ),
            LogsError::Other(m) => write!(f, "cannot read CloudWatch Logs: {m}"),
        }
    }
}

impl ScriptLogs {
    /// A reader of `group` with the watch's profile, region and credentials;
    /// the endpoint is CloudWatch Logs' own (`AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`
    /// or `AWS_ENDPOINT_URL`), never CodeDeploy's `--endpoint-url`.
    pub async fn connect(opts: &AwsOptions, group: &str) -> anyhow::Result<ScriptLogs> {
        let shared = shared_config(opts, false).await?;
        Ok(ScriptLogs {
            client: Client::new(&shared),
            group: group.to_string(),
        })
    }

    pub fn group(&self) -> &str {
        &self.group
    }

    /// The output of `event` of `deployment` on the host whose stream is
    /// `stream`, from `since` (the deployment's start).
    pub async fn output(
        &self,
        stream: &str,
        deployment: &str,
        event: &str,
        since: Millis,
    ) -> Result<Output, LogsError> {
        let messages = self.messages(stream, deployment, since).await?;
        let out = section(&messages, deployment, event);
        if out.lines.is_empty() {
            return Err(LogsError::Nothing {
                group: self.group.clone(),
                stream: stream.to_string(),
            });
        }
        Ok(out)
    }

    /// Every message of the stream that names the deployment, oldest first.
    async fn messages(
        &self,
        stream: &str,
        deployment: &str,
        since: Millis,
    ) -> Result<Vec<String>, LogsError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let call = self
                .client
                .filter_log_events()
                .log_group_name(&self.group)
                .log_stream_names(stream)
                .start_time(since)
                .filter_pattern(format!("\"[{deployment}]\""))
                .limit(PAGE)
                .set_next_token(token.take())
                .send()
                .await;
            let page = call.map_err(|e| self.error(stream, classify("FilterLogEvents", &e)))?;
            out.extend(
                page.events()
                    .iter()
                    .filter_map(|e| e.message().map(String::from)),
            );
            match page.next_token() {
                Some(t) if !page.events().is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    fn error(&self, stream: &str, e: CallError) -> LogsError {
        match e {
            CallError::AccessDenied { message, .. } => LogsError::Denied(message),
            CallError::Service { code, message } if code == "ResourceNotFoundException" => {
                if message.contains("stream") {
                    LogsError::NoStream {
                        group: self.group.clone(),
                        stream: stream.to_string(),
                    }
                } else {
                    LogsError::NoGroup(self.group.clone())
                }
            }
            other => LogsError::Other(other.to_string()),
        }
    }
}

/// The lines of `event` in `deployment`'s part of the agent's log: from its
/// `LifecycleEvent - <event>` line to the next event, without the prefix
/// and timestamp; the last run of it if the log holds several (a retry).
pub fn section(messages: &[String], deployment: &str, event: &str) -> Output {
    let prefix = format!("[{deployment}]");
    let mut lines: Vec<String> = Vec::new();
    let mut inside = false;
    for m in messages.iter().flat_map(|m| m.lines()) {
        let Some(rest) = m.strip_prefix(&prefix) else {
            continue;
        };
        // `YYYY-MM-DD HH:MM:SS ` then the text.
        let text = rest.get(20..).unwrap_or("");
        if let Some(name) = text.strip_prefix("LifecycleEvent - ") {
            inside = name.trim() == event;
            if inside {
                lines.clear();
            }
            continue;
        }
        if inside {
            lines.push(text.to_string());
        }
    }
    let more = lines.len().saturating_sub(LIMIT);
    lines.truncate(LIMIT);
    Output { lines, more }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_the_event_of_this_deployment() {
        let m = log(&[
            "[d-OTHER]2026-12-06 10:00:00 LifecycleEvent - ValidateService",
            "[d-OTHER]2026-12-06 10:00:01 [stdout]not mine",
            "[d-MINE]2026-12-06 10:01:00 LifecycleEvent - ApplicationStart",
            "[d-MINE]2026-12-06 10:01:01 [stdout]started",
            "[d-MINE]2026-12-06 10:02:00 LifecycleEvent - ValidateService",
            "[d-MINE]2026-12-06 10:02:00 Script - scripts/validate.sh",
            "[d-MINE]2026-12-06 10:02:01 [stdout]MARKER first",
            "[d-OTHER]2026-12-06 10:02:01 [stdout]interleaved, not mine",
            "[d-MINE]2026-12-06 10:02:02 [stderr]boom",
        ]);
        let out = section(&m, "d-MINE", "ValidateService");
        assert_eq!(
            out.lines,
            vec![
                "Script - scripts/validate.sh",
                "[stdout]MARKER first",
                "[stderr]boom"
            ]
        );
        assert_eq!(out.more, 0);
        assert!(section(&m, "d-MINE", "Install").lines.is_empty());
    }

    #[test]
    fn past_the_limit_it_counts() {
        let mut m = log(&["[d-A]2026-12-06 10:00:00 LifecycleEvent - AfterInstall"]);
        m.extend((0..LIMIT + 7).map(|i| format!("[d-A]2026-12-06 10:00:01 [stdout]{i}")));
        let out = section(&m, "d-A", "AfterInstall");
        assert_eq!(out.lines.len(), LIMIT);
        assert_eq!(out.more, 7);
    }
}
