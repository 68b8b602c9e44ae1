//! Carries out the engine's orders for local hosts: each one becomes an
//! `agent::EventJob` (the host's root, the bundle found under the S3 or
//! GitHub root), runs on tokio off the engine's lock, at most
//! [`AgentOptions::parallel`] at a time, and its result goes back to the
//! engine as an input through [`Runtime::write`].

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, Weak};

use tokio::runtime::Handle;
use tokio::sync::Semaphore;

use super::{Inner, Runtime, StateLocation};
use crate::agent::{self, EventJob, EventResult, Roots};
use crate::model::{Diagnostics, LifecycleErrorCode};
use crate::state::orders::{EventOrder, EventReport};

/// How local hosts run.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// Where S3 revisions are found (`<dir>/<bucket>/<key>`); the fleet's
    /// `s3_root` when `None`.
    pub s3_root: Option<PathBuf>,
    /// Where GitHub revisions are found; the fleet's `github_root` when `None`.
    pub github_root: Option<PathBuf>,
    /// Events running at once, over all local hosts.
    pub parallel: usize,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            s3_root: None,
            github_root: None,
            parallel: 16,
        }
    }
}

/// The runtime's side of local hosts.
pub(super) struct Agents {
    options: AgentOptions,
    permits: Arc<Semaphore>,
    /// Where hosts without a `root` in the fleet keep theirs: `<dir>/<host>`.
    hosts_dir: PathBuf,
    /// Where jobs run: the tokio runtime the runtime was opened in, else
    /// one of its own, made when a first order comes from a plain thread.
    opened_in: Option<Handle>,
    own: OnceLock<Option<OwnRuntime>>,
}

/// A small tokio runtime for the agents of a runtime opened outside tokio;
/// shut down in the background, since it may be dropped on a tokio thread.
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Agents {
    pub(super) fn new(options: AgentOptions, state: &StateLocation) -> Agents {
        let hosts_dir = match state {
            StateLocation::Path(p) => p
                .parent()
                .map(|d| d.join("hosts"))
                .unwrap_or_else(|| PathBuf::from("hosts")),
            // DECISION: an in-memory world keeps its hosts in the temporary
            // directory, one folder per process.
            StateLocation::Memory => {
                std::env::temp_dir().join(format!("codedeck-hosts-{}", std::process::id()))
            }
        };
        Agents {
            permits: Arc::new(Semaphore::new(options.parallel.max(1))),
            options,
            hosts_dir,
            opened_in: Handle::try_current().ok(),
            own: OnceLock::new(),
        }
    }

    fn handle(&self) -> Option<Handle> {
        if let Some(h) = Handle::try_current()
            .ok()
            .or_else(|| self.opened_in.clone())
        {
            return Some(h);
        }
        let own = self.own.get_or_init(|| {
            let built = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("codedeck-agent")
                .enable_all()
                .build();
            match built {
                Ok(rt) => Some(OwnRuntime(Some(rt))),
                Err(e) => {
                    tracing::error!("cannot start the local hosts' runtime: {e}");
                    None
                }
            }
        });
        own.as_ref()
            .and_then(|o| o.0.as_ref())
            .map(|rt| rt.handle().clone())
    }
}

/// Starts the jobs for `orders` (after the step that issued them committed).
pub(super) fn dispatch(inner: &Arc<Inner>, orders: Vec<EventOrder>) {
    if orders.is_empty() {
        return;
    }
    let Some(handle) = inner.agents.handle() else {
        // Nothing can run the scripts: say so on the timeline.
        let rt = Runtime {
            inner: inner.clone(),
        };
        for order in orders {
            let msg =
                "codedeck could not start the runtime that runs local hosts' scripts; see its log";
            report(&rt, EventReport::failed(&order, msg));
        }
        return;
    };
    let roots = roots(inner);
    for order in orders {
        let job = job(&inner.agents, &roots, &order);
        let permits = inner.agents.permits.clone();
        let weak = Arc::downgrade(inner);
        handle.spawn(run(weak, permits, order, job));
    }
}

async fn run(inner: Weak<Inner>, permits: Arc<Semaphore>, order: EventOrder, job: EventJob) {
    let result = match permits.acquire_owned().await {
        Ok(_permit) => agent::run_event(job).await,
        Err(_) => return,
    };
    let Some(inner) = inner.upgrade() else { return };
    report(&Runtime { inner }, to_report(&order, result));
}

/// Hands a report to the engine; one nothing waits for (the deployment was
/// stopped and ended meanwhile) is only logged.
fn report(rt: &Runtime, report: EventReport) {
    let what = format!(
        "{} {} on target {}",
        report.event, report.deployment_id, report.index
    );
    if let Err(e) = rt.write("agent report", |e, now, _| e.agent_event_done(now, report)) {
        tracing::info!("agent report for {what} not taken: {}", e.message);
    }
}

/// The bundle roots: the command line's, else the fleet file's.
fn roots(inner: &Inner) -> Roots {
    let (s3, github) = {
        let engine = super::read(&inner.engine);
        let fleet = engine.fleet();
        (fleet.s3_root.clone(), fleet.github_root.clone())
    };
    let opts = &inner.agents.options;
    Roots {
        s3: opts.s3_root.clone().or(s3.map(PathBuf::from)),
        github: opts.github_root.clone().or(github.map(PathBuf::from)),
    }
}

fn job(agents: &Agents, roots: &Roots, order: &EventOrder) -> EventJob {
    let root = match &order.root {
        Some(r) => PathBuf::from(r),
        None => agents.hosts_dir.join(&order.host),
    };
    let bundle = match &order.revision {
        Some(rev) => agent::resolve(rev, roots),
        None => Err("The deployment has no revision to download.".to_string()),
    };
    EventJob {
        root,
        deployment_id: order.deployment_id.clone(),
        application_name: order.application_name.clone(),
        deployment_group_name: order.deployment_group_name.clone(),
        deployment_group_id: order.deployment_group_id.clone(),
        // The agent takes names, as AWS's does: it also runs hooks only an
        // appspec names (`codedeck local --events`).
        event: order.event.to_string(),
        bundle,
        appspec_filename: None,
        file_exists_behavior: order.file_exists_behavior.clone(),
        install_to_system: order.install_to_system,
        limits: Default::default(),
    }
}

fn to_report(order: &EventOrder, r: EventResult) -> EventReport {
    let code = match (&r.error_code, r.succeeded) {
        (Some(c), _) => c.clone(),
        (None, true) => LifecycleErrorCode::Success,
        (None, false) => LifecycleErrorCode::UnknownError,
    };
    EventReport {
        deployment_id: order.deployment_id.clone(),
        index: order.index,
        event: order.event,
        succeeded: r.succeeded,
        diagnostics: Diagnostics {
            error_code: Some(code),
            script_name: Some(r.script_name.unwrap_or_default()),
            message: Some(r.message),
            log_tail: Some(r.log_tail),
        },
        scripts_log: r.scripts_log.map(|p| p.display().to_string()),
    }
}
