//! What the dashboard reads and acts through (DESIGN.md "source/"): one
//! trait, [`Source`], with the embedded runtime behind it ([`local`]).
//!
//! A source may be slow and may fail: `load` and `act` return futures that
//! the dashboard runs off its own thread, and a failed load is an error the
//! dashboard shows while keeping the last good [`Data`]. Sources hand out only
//! the project's own types (the wire model, the state records' enums), never
//! the engine's.

pub mod aws;
pub mod lesson;
pub mod local;
pub mod replay;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use crate::model::*;

pub use crate::state::view::*;

/// A new deployment, as the form describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewDeployment {
    pub app: String,
    pub group: String,
    pub revision: RevisionLocation,
    pub config: Option<String>,
    pub description: Option<String>,
    /// `None`: the group's rollback settings; `Some(b)`: override.
    pub rollback_on_failure: Option<bool>,
}

impl NewDeployment {
    /// The CreateDeployment call the form stands for, whichever source sends
    /// it: blank fields fall back to the group's settings, and "roll back"
    /// means on failure and on a stop request.
    pub fn input(&self) -> CreateDeploymentInput {
        let auto_rollback = self
            .rollback_on_failure
            .map(|on| AutoRollbackConfiguration {
                enabled: Some(on),
                events: on.then(|| {
                    vec![
                        AutoRollbackEvent::DeploymentFailure,
                        AutoRollbackEvent::DeploymentStopOnRequest,
                    ]
                }),
            });
        let text = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
        };
        CreateDeploymentInput {
            application_name: Some(self.app.clone()),
            deployment_group_name: Some(self.group.clone()),
            revision: Some(self.revision.clone()),
            deployment_config_name: text(&self.config),
            description: text(&self.description),
            auto_rollback_configuration: auto_rollback,
            ..Default::default()
        }
    }
}

/// Everything the dashboard can ask a source to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Create(Box<NewDeployment>),
    Stop {
        id: String,
        rollback: bool,
    },
    /// In progress: stop and roll back; finished: redeploy the last good revision.
    RollBack {
        id: String,
    },
    /// ContinueDeployment: leave the Ready wait, or end the termination wait now.
    Continue {
        id: String,
        wait: DeploymentWaitType,
    },
    Pause(bool),
    Step,
    /// A lesson goes back to where its previous step landed.
    StepBack,
    Speed(f64),
    BreakHost {
        host: String,
    },
    SetAlarm {
        name: String,
        on: bool,
    },
    /// A Lambda or ECS deployment's running (or next) hook answers Failed.
    FailHook {
        id: String,
    },
    /// Points a simulated Lambda alias left on two versions (a deployment
    /// stopped without rollback) at one version again, so deployments to it
    /// can run.
    RepairAlias {
        function: String,
        alias: String,
    },
}

/// The kinds of [`Action`], without their arguments: what a key offers and
/// what `--read-only` decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Create,
    Stop,
    RollBack,
    Continue,
    Pause,
    Step,
    StepBack,
    Speed,
    BreakHost,
    SetAlarm,
    RepairAlias,
    FailHook,
}

impl ActionKind {
    /// The one list of what `--read-only` refuses: everything that changes
    /// deployments or the world. The clock is only the view's pace.
    pub fn changes_state(self) -> bool {
        !matches!(
            self,
            ActionKind::Pause | ActionKind::Step | ActionKind::StepBack | ActionKind::Speed
        )
    }

    /// Only the embedded engine has a clock and a world to break.
    pub fn local_only(self) -> bool {
        matches!(
            self,
            ActionKind::Pause
                | ActionKind::Step
                | ActionKind::StepBack
                | ActionKind::Speed
                | ActionKind::BreakHost
                | ActionKind::SetAlarm
                | ActionKind::RepairAlias
                | ActionKind::FailHook
        )
    }

    /// Only a lesson can go back: it replays itself from its start.
    pub fn lesson_only(self) -> bool {
        self == ActionKind::StepBack
    }

    /// What the action is called in messages ("break host could not be saved").
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Create => "create deployment",
            ActionKind::Stop => "stop deployment",
            ActionKind::RollBack => "roll back",
            ActionKind::Continue => "continue deployment",
            ActionKind::Pause => "pause clock",
            ActionKind::Step => "step clock",
            ActionKind::StepBack => "step back",
            ActionKind::Speed => "change speed",
            ActionKind::BreakHost => "break host",
            ActionKind::SetAlarm => "switch alarm",
            ActionKind::RepairAlias => "repair alias",
            ActionKind::FailHook => "fail hook",
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Create(_) => ActionKind::Create,
            Action::Stop { .. } => ActionKind::Stop,
            Action::RollBack { .. } => ActionKind::RollBack,
            Action::Continue { .. } => ActionKind::Continue,
            Action::Pause(_) => ActionKind::Pause,
            Action::Step => ActionKind::Step,
            Action::StepBack => ActionKind::StepBack,
            Action::Speed(_) => ActionKind::Speed,
            Action::BreakHost { .. } => ActionKind::BreakHost,
            Action::SetAlarm { .. } => ActionKind::SetAlarm,
            Action::RepairAlias { .. } => ActionKind::RepairAlias,
            Action::FailHook { .. } => ActionKind::FailHook,
        }
    }
}

/// The outcome of an action, as a line for the flash area.
pub type Outcome = Result<String, String>;

/// The outcome line of an action that created deployment `id` (a create, a
/// rollback that redeploys): every source words it so, and the dashboard
/// finds the ID in it with [`created_deployment`].
pub fn created_line(id: &str, more: &str) -> String {
    if more.is_empty() {
        format!("created {id}")
    } else {
        format!("created {id}: {more}")
    }
}

/// The deployment an outcome line says was created, if any.
pub fn created_deployment(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("created ")?;
    let id = rest.split(':').next().unwrap_or(rest).trim();
    (id.starts_with("d-") && id.len() > 2).then_some(id)
}

/// A future a source returns: it may take long; the dashboard never waits on it.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who a source is, for the header and the keys.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// The header's mode: the state file or endpoint.
    pub mode: String,
    /// The clock and the teaching keys (break host, alarms) apply.
    pub local: bool,
}

pub trait Source: Send + Sync {
    fn info(&self) -> SourceInfo;
    /// Reads what the request selects. May be slow and may fail; a failed
    /// load can simply be tried again.
    fn load(&self, req: Request) -> Pending<'_, anyhow::Result<Data>>;
    /// Performs an action; the outcome arrives when it is done.
    fn act(&self, action: Action) -> Pending<'_, Outcome>;
    /// Push notifications of change, when the source has them.
    fn changes(&self) -> Option<watch::Receiver<u64>>;
    /// Where a name or ID typed into `:` leads; the error says what was tried.
    fn find(&self, what: String) -> Pending<'_, Result<Place, String>> {
        Box::pin(async move { Err(format!("{what}: this source cannot look names up")) })
    }
    /// A failed hook's whole output, where the source can read it (`None`:
    /// it cannot; the diagnostics' log tail is all there is).
    fn script_output(&self, q: OutputQuery) -> Pending<'_, Result<Option<HookOutput>, String>> {
        let _ = q;
        Box::pin(async { Ok(None) })
    }
    /// Without push notifications: how long to wait before reading again.
    fn poll_interval(&self) -> Option<Duration> {
        None
    }
}

/// `1x`, `0.5x`, `1000x`.
pub fn format_speed(speed: f64) -> String {
    format!("{speed}x")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_input_leaves_blanks_to_the_group() {
        let nd = NewDeployment {
            app: "a".into(),
            group: "g".into(),
            config: Some("  ".into()),
            description: Some(" v2 ".into()),
            rollback_on_failure: Some(true),
            ..Default::default()
        };
        let input = nd.input();
        assert_eq!(input.deployment_config_name, None);
        assert_eq!(input.description.as_deref(), Some("v2"));
        let events = input
            .auto_rollback_configuration
            .and_then(|c| c.events)
            .expect("events");
        assert!(events.contains(&AutoRollbackEvent::DeploymentStopOnRequest));
        let nd = NewDeployment {
            rollback_on_failure: None,
            ..nd
        };
        assert_eq!(nd.input().auto_rollback_configuration, None);
    }

    #[test]
    fn read_only_refuses_what_changes_state() {
        assert!(ActionKind::Create.changes_state());
        assert!(ActionKind::BreakHost.changes_state());
        assert!(!ActionKind::Step.changes_state());
        assert!(ActionKind::SetAlarm.local_only());
        assert!(!ActionKind::Stop.local_only());
        assert!(ActionKind::RepairAlias.local_only());
        assert!(ActionKind::RepairAlias.changes_state());
        assert_eq!(ActionKind::RepairAlias.label(), "repair alias");
    }

    #[test]
    fn created_lines_name_their_deployment() {
        assert_eq!(
            created_deployment(&created_line("d-ABC", "")),
            Some("d-ABC")
        );
        let line = created_line("d-XYZ", "redeploys the revision of d-OLD");
        assert_eq!(created_deployment(&line), Some("d-XYZ"));
        assert_eq!(created_deployment("stop d-ABC: requested"), None);
    }

    #[test]
    fn speeds_print_plainly() {
        assert_eq!(format_speed(1.0), "1x");
        assert_eq!(format_speed(0.5), "0.5x");
        assert_eq!(format_speed(1000.0), "1000x");
    }
}
