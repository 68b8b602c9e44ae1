//! The CodeDeploy agent of codedeck's local hosts and of `codedeck local`:
//! one implementation that runs a lifecycle event for real on this machine
//! (reference §13): DownloadBundle finds the bundle under a local S3 or
//! GitHub root and unpacks it safely, Install copies the appspec's `files`,
//! the hooks run the revision's scripts. It is an adapter: it performs
//! effects (files, processes) and knows the agent's rules, and it depends on
//! nothing above `model` (the runtime feeds its results back to the engine).

mod appspec;
mod bundle;
mod hooks;
mod install;
mod layout;
pub mod order;
mod unpack;
mod users;

use std::path::{Path, PathBuf};

pub use appspec::{parse as parse_appspec, AppSpec, DEFAULT_TIMEOUT_SECS};
pub use bundle::{resolve, Bundle, BundleKind, Roots};
pub use layout::{ongoing_marker, Layout};

use crate::model::rules::AGENT_RESTART_MESSAGE;
use crate::model::{FileExistsBehavior, LifecycleErrorCode};

/// What the agent reports after an agent restart (re-exported for callers).
pub const RESTART_MESSAGE: &str = AGENT_RESTART_MESSAGE;

/// Bounds on what a bundle may do to this machine.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes a bundle may unpack to (archive bombs are refused).
    pub max_unpacked_bytes: u64,
    /// Entries a bundle may hold.
    pub max_entries: u64,
    /// Revisions kept per deployment group (the agent's `max_revisions`).
    pub max_revisions: usize,
    /// Bytes of newest output sent with a failure (the API's 4 KB).
    pub log_tail_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_unpacked_bytes: 2 << 30,
            max_entries: 200_000,
            max_revisions: 5,
            log_tail_bytes: 4096,
        }
    }
}

/// One lifecycle event to run on one host.
#[derive(Debug, Clone)]
pub struct EventJob {
    /// The host's root: `deployment-root/` and `fs/` live under it.
    pub root: PathBuf,
    pub deployment_id: String,
    pub application_name: String,
    pub deployment_group_name: String,
    pub deployment_group_id: String,
    pub event: String,
    /// The bundle, or why it could not be found (fails DownloadBundle).
    pub bundle: Result<Bundle, String>,
    pub appspec_filename: Option<String>,
    pub file_exists_behavior: Option<FileExistsBehavior>,
    /// `files` go where the appspec says instead of under `<root>/fs/`.
    pub install_to_system: bool,
    pub limits: Limits,
}

/// How the event ended, in the agent's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct EventResult {
    pub succeeded: bool,
    pub error_code: Option<LifecycleErrorCode>,
    pub script_name: Option<String>,
    pub message: String,
    pub log_tail: String,
    pub scripts_log: Option<PathBuf>,
}

/// A failed step: the diagnostics without the log tail.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: LifecycleErrorCode,
    pub script: String,
    pub message: String,
}

impl Failure {
    fn agent(message: String) -> Failure {
        Failure {
            code: LifecycleErrorCode::UnknownError,
            script: String::new(),
            message,
        }
    }
}

use crate::model::lifecycle_event::LifecycleEventName;

/// Runs one lifecycle event of `job` on its host.
pub async fn run_event(job: EventJob) -> EventResult {
    let layout = Layout::new(&job.root, &job.deployment_group_id, &job.deployment_id);
    let marker = ongoing_marker(&job.root, &job.deployment_id);
    let _ = marker.parent().map(std::fs::create_dir_all);
    let _ = std::fs::write(&marker, &job.event);
    let mut log = hooks::ScriptLog::open(
        &layout.scripts_log(),
        &layout.deployments_log(),
        &job.deployment_id,
        job.limits.log_tail_bytes,
    );
    // The job's name is parsed here once: the model's event, or a hook
    // only the appspec names.
    let named = job.event.parse::<LifecycleEventName>().ok();
    let outcome = match named {
        Some(LifecycleEventName::DownloadBundle) => {
            blocking(job.clone(), layout.clone(), download).await
        }
        Some(LifecycleEventName::Install) => {
            blocking(job.clone(), layout.clone(), install_event).await
        }
        _ => {
            let from_last = named.is_some_and(LifecycleEventName::runs_last_revision);
            run_hooks(&job, from_last, &layout, &mut log).await
        }
    };
    let _ = std::fs::remove_file(&marker);
    let scripts_log = layout.scripts_log().exists().then(|| layout.scripts_log());
    match outcome {
        Ok(()) => EventResult {
            succeeded: true,
            error_code: Some(LifecycleErrorCode::Success),
            script_name: None,
            message: "Succeeded: ".into(),
            log_tail: String::new(),
            scripts_log,
        },
        Err(f) => EventResult {
            succeeded: false,
            error_code: Some(f.code),
            script_name: Some(f.script),
            message: f.message,
            log_tail: log.tail(),
            scripts_log,
        },
    }
}

/// Runs file work off the async threads.
async fn blocking(
    job: EventJob,
    layout: Layout,
    f: fn(&EventJob, &Layout) -> Result<(), Failure>,
) -> Result<(), Failure> {
    tokio::task::spawn_blocking(move || f(&job, &layout))
        .await
        .unwrap_or_else(|e| {
            Err(Failure::agent(format!(
                "The agent stopped unexpectedly: {e}"
            )))
        })
}

/// DownloadBundle: prune old revisions, fetch the bundle into `bundle.tar`,
/// check its eTag, unpack it into `deployment-archive/`.
fn download(job: &EventJob, layout: &Layout) -> Result<(), Failure> {
    let bundle = job.bundle.clone().map_err(Failure::agent)?;
    layout.prune(job.limits.max_revisions);
    let dir = layout.deployment_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::agent(format!("Cannot create {}: {e}", dir.display())))?;
    let archive = layout.archive();
    if archive.exists() {
        std::fs::remove_dir_all(&archive)
            .map_err(|e| Failure::agent(format!("Cannot clear {}: {e}", archive.display())))?;
    }
    let source = if bundle.kind == BundleKind::Directory {
        bundle.path.clone()
    } else {
        let to = layout.bundle_file();
        // A hard link where the roots share a file system: the bundle is
        // never written to, and a 50 MB copy per host is disk time.
        let _ = std::fs::remove_file(&to);
        let linked = std::fs::hard_link(&bundle.path, &to);
        linked
            .or_else(|_| std::fs::copy(&bundle.path, &to).map(|_| ()))
            .map_err(|e| {
                Failure::agent(format!(
                    "Cannot copy the bundle {} to {}: {e}",
                    bundle.path.display(),
                    to.display()
                ))
            })?;
        to
    };
    if let Some(etag) = bundle
        .expected_etag
        .as_deref()
        .filter(|_| bundle.kind != BundleKind::Directory)
    {
        bundle::check_etag(&source, etag).map_err(Failure::agent)?;
    }
    unpack::unpack(&source, &bundle.kind, &archive, &job.limits).map_err(Failure::agent)?;
    let recent = layout.most_recent_install();
    let _ = recent.parent().map(std::fs::create_dir_all);
    std::fs::write(&recent, dir.display().to_string())
        .map_err(|e| Failure::agent(format!("Cannot write {}: {e}", recent.display())))
}

fn install_event(job: &EventJob, layout: &Layout) -> Result<(), Failure> {
    let spec = appspec::load(&layout.archive(), job.appspec_filename.as_deref())
        .map_err(Failure::agent)?;
    install::install(
        layout,
        &spec,
        job.file_exists_behavior.clone(),
        job.install_to_system,
    )
    .map_err(Failure::agent)
}

/// A hook event: the scripts the appspec lists for it, from this revision
/// or, `from_last` (ApplicationStop and the BlockTraffic hooks), the last
/// installed one.
async fn run_hooks(
    job: &EventJob,
    from_last: bool,
    layout: &Layout,
    log: &mut hooks::ScriptLog,
) -> Result<(), Failure> {
    let archive = if from_last {
        // No earlier install: nothing to stop, as on a fresh instance.
        match layout
            .last_install_dir()
            .map(|d| d.join("deployment-archive"))
        {
            Some(a) if a.is_dir() => a,
            _ => return Ok(()),
        }
    } else {
        layout.archive()
    };
    let spec = appspec::load(&archive, job.appspec_filename.as_deref()).map_err(Failure::agent)?;
    let Some(scripts) = spec.hooks.get(&job.event).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    log.line(&format!("LifecycleEvent - {}", job.event));
    let env = hooks::ScriptEnv {
        vars: environment(job, layout),
    };
    hooks::run_scripts(scripts, &archive, &env, log).await
}

/// The agent's variables, the bundle's, and where `files` went.
fn environment(job: &EventJob, layout: &Layout) -> Vec<(String, String)> {
    let mut vars = vec![
        ("LIFECYCLE_EVENT".to_string(), job.event.clone()),
        ("DEPLOYMENT_ID".to_string(), job.deployment_id.clone()),
        ("APPLICATION_NAME".to_string(), job.application_name.clone()),
        (
            "DEPLOYMENT_GROUP_NAME".to_string(),
            job.deployment_group_name.clone(),
        ),
        (
            "DEPLOYMENT_GROUP_ID".to_string(),
            job.deployment_group_id.clone(),
        ),
    ];
    if let Ok(b) = &job.bundle {
        vars.extend(b.env.iter().cloned());
    }
    // codedeck's own: scripts that write where `files` went use it, so a
    // local host keeps to its root unless it installs to the system.
    let fs_root: &Path = &if job.install_to_system {
        PathBuf::from("/")
    } else {
        layout.fs_root()
    };
    vars.push((
        "CODEDECK_FS_ROOT".to_string(),
        fs_root.display().to_string(),
    ));
    vars
}
