//! What the engine asks of a local host's agent (an [`EventOrder`]: run
//! this lifecycle event there) and what comes back (an [`EventReport`]):
//! data between the engine and the runtime's agent adapter, no rules.

use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::*;

/// "Run lifecycle event `event` of deployment `deployment_id` on local host
/// `host`": everything the agent needs that the engine knows.
#[derive(Debug, Clone, PartialEq)]
pub struct EventOrder {
    pub deployment_id: String,
    /// The target's index in the deployment.
    pub index: u32,
    pub host: String,
    /// The host's agent root, when the fleet names one (else the runtime's default).
    pub root: Option<String>,
    /// `files` go where the appspec says (else under the root's `fs/`).
    pub install_to_system: bool,
    pub event: LifecycleEventName,
    pub application_name: String,
    pub deployment_group_name: String,
    pub deployment_group_id: String,
    pub revision: Option<RevisionLocation>,
    pub file_exists_behavior: Option<FileExistsBehavior>,
}

/// How a local host's event ended, as its agent reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventReport {
    pub deployment_id: String,
    pub index: u32,
    pub event: LifecycleEventName,
    pub succeeded: bool,
    pub diagnostics: Diagnostics,
    /// The agent's `scripts.log` for this deployment on that host.
    pub scripts_log: Option<String>,
}

impl EventReport {
    /// The report of an event the agent could not finish: it failed with
    /// `message` (UnknownError), as the agent reports its own errors.
    pub fn failed(order: &EventOrder, message: &str) -> EventReport {
        EventReport {
            deployment_id: order.deployment_id.clone(),
            index: order.index,
            event: order.event,
            succeeded: false,
            diagnostics: Diagnostics {
                error_code: Some(LifecycleErrorCode::UnknownError),
                script_name: Some(String::new()),
                message: Some(message.to_string()),
                log_tail: Some(String::new()),
            },
            scripts_log: None,
        }
    }
}
