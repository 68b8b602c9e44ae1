//! Performing the dashboard's deployment and world actions on an engine, the
//! same operations the API runs, so the same rules apply.

use super::{Action, NewDeployment, Outcome};
use crate::engine::{AlarmState, ApiError, Archive, Engine, FaultKind};
use crate::model::time::Millis;
use crate::model::*;

/// The operation an action runs as (the runtime commits mutating ones).
pub fn operation(action: &Action) -> Operation {
    match action {
        Action::Create(_) | Action::RollBack { .. } => Operation::CreateDeployment,
        Action::Continue { .. } => Operation::ContinueDeployment,
        _ => Operation::StopDeployment,
    }
}

/// Runs a deployment or world action; clock actions are the caller's.
pub fn perform(engine: &mut Engine, now: Millis, ar: &dyn Archive, action: &Action) -> Outcome {
    let fail = |e: ApiError| format!("{}: {}", e.exception.name(), e.message);
    match action {
        Action::Create(nd) => create(engine, now, ar, nd).map_err(fail),
        Action::Stop { id, rollback } => stop(engine, now, ar, id, *rollback).map_err(fail),
        Action::RollBack { id } => roll_back(engine, now, ar, id).map_err(fail),
        Action::Continue { id, wait } => engine
            .continue_deployment(
                now,
                ar,
                ContinueDeploymentInput {
                    deployment_id: Some(id.clone()),
                    deployment_wait_type: Some(wait.clone()),
                },
            )
            .map(|()| match wait {
                DeploymentWaitType::TerminationWait => format!("{id}: originals removed now"),
                _ => format!("{id} continues: traffic reroutes"),
            })
            .map_err(fail),
        Action::BreakHost { host } => engine
            .break_host(now, host, FaultKind::Fail)
            .map(|()| format!("{host} will fail its next lifecycle event"))
            .map_err(fail),
        Action::SetAlarm { name, on } => {
            let state = if *on {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            };
            engine
                .set_alarm(now, ar, name, state)
                .map(|()| format!("alarm {name} is now {}", if *on { "ALARM" } else { "OK" }))
                .map_err(fail)
        }
        Action::Pause(_) | Action::Step | Action::Speed(_) => Ok(String::new()),
    }
}

fn create(
    engine: &mut Engine,
    now: Millis,
    ar: &dyn Archive,
    nd: &NewDeployment,
) -> Result<String, ApiError> {
    let auto_rollback = nd.rollback_on_failure.map(|on| AutoRollbackConfiguration {
        enabled: Some(on),
        events: on.then(|| {
            vec![
                AutoRollbackEvent::DeploymentFailure,
                AutoRollbackEvent::DeploymentStopOnRequest,
            ]
        }),
    });
    let out = engine.create_deployment(
        now,
        ar,
        CreateDeploymentInput {
            application_name: Some(nd.app.clone()),
            deployment_group_name: Some(nd.group.clone()),
            revision: Some(nd.revision.clone()),
            deployment_config_name: nd.config.clone().filter(|c| !c.is_empty()),
            description: nd.description.clone().filter(|d| !d.is_empty()),
            auto_rollback_configuration: auto_rollback,
            ..Default::default()
        },
    )?;
    Ok(format!("created {}", out.deployment_id.unwrap_or_default()))
}

fn stop(
    engine: &mut Engine,
    now: Millis,
    ar: &dyn Archive,
    id: &str,
    rollback: bool,
) -> Result<String, ApiError> {
    let out = engine.stop_deployment(
        now,
        ar,
        StopDeploymentInput {
            deployment_id: Some(id.to_string()),
            auto_rollback_enabled: Some(rollback),
        },
    )?;
    Ok(format!(
        "stop {id}: {}",
        out.status_message.unwrap_or_default()
    ))
}

/// In progress: stop with rollback. Finished: redeploy the group's last
/// successful revision as a new deployment.
fn roll_back(
    engine: &mut Engine,
    now: Millis,
    ar: &dyn Archive,
    id: &str,
) -> Result<String, ApiError> {
    let rec = engine.deployment_record(ar, Some(id))?;
    if !rec.is_finished() {
        return stop(engine, now, ar, id, true);
    }
    let group = engine.groups.get(&rec.group_id).ok_or_else(|| {
        ApiError::new(
            Exception::DeploymentGroupDoesNotExist,
            "The deployment group no longer exists.",
        )
    })?;
    let last_good = group
        .info
        .last_successful_deployment
        .as_ref()
        .and_then(|l| l.deployment_id.clone())
        .ok_or_else(|| {
            ApiError::new(
                Exception::RevisionRequired,
                "The group has no successful deployment to roll back to.",
            )
        })?;
    let good = engine.deployment_record(ar, Some(&last_good))?;
    let revision = good.info.revision.clone().ok_or_else(|| {
        ApiError::new(
            Exception::RevisionRequired,
            "The last good deployment has no revision.",
        )
    })?;
    let nd = NewDeployment {
        app: rec.info.application_name.clone().unwrap_or_default(),
        group: rec.info.deployment_group_name.clone().unwrap_or_default(),
        revision,
        description: Some(format!("Roll back to the revision of {last_good}")),
        ..Default::default()
    };
    create(engine, now, ar, &nd)
}
