//! The dashboard's actions on the embedded runtime: each one write, labelled
//! as what it is, calling the engine method the API calls for the same thing.

use crate::model::*;
use crate::runtime::Runtime;
use crate::source::{created_line, format_speed, Action, Outcome};
use crate::state::RolledBack;
use crate::state::{AlarmState, ApiResult, FaultKind};

/// `+12s: i-0a1 Install succeeded; d-ABC succeeded` (the first few lines).
fn stepped(r: &crate::runtime::StepReport) -> String {
    let moved = format!("+{}", crate::model::time::duration_words(r.moved));
    if r.said.is_empty() {
        return format!("{moved}: nothing to report (a timer fired)");
    }
    let shown: Vec<&str> = r.said.iter().take(3).map(String::as_str).collect();
    let more = r.said.len().saturating_sub(3);
    let tail = if more > 0 {
        format!(" (+{more} more)")
    } else {
        String::new()
    };
    format!("{moved}: {}{tail}", shown.join("; "))
}

/// Performs `action`; the line for the flash area.
pub(super) fn perform(rt: &Runtime, action: &Action) -> Outcome {
    match action {
        Action::Pause(_) | Action::Step | Action::StepBack | Action::Speed(_) => clock(rt, action),
        Action::Create(_)
        | Action::Stop { .. }
        | Action::RollBack { .. }
        | Action::Continue { .. } => deployment(rt, action),
        _ => world(rt, action),
    }
}

/// An API error as the flash line says it.
fn done(r: ApiResult<String>) -> Outcome {
    r.map_err(|e| format!("{}: {}", e.exception.name(), e.message))
}

/// The clock: the view's pace, nothing written.
fn clock(rt: &Runtime, action: &Action) -> Outcome {
    match action {
        Action::Pause(p) => {
            rt.pause(*p);
            Ok(if *p { "paused" } else { "resumed" }.into())
        }
        Action::Step => Ok(match rt.step_report() {
            Some(r) => stepped(&r),
            None => "nothing is scheduled: the clock has nothing to step to".into(),
        }),
        Action::StepBack => {
            Err("stepping back replays a lesson from its start: it is for `codedeck lesson`".into())
        }
        Action::Speed(s) => {
            rt.set_speed(*s);
            Ok(format!("speed {}", format_speed(*s)))
        }
        _ => misrouted(action),
    }
}

/// What the API's deployment operations do, through the same engine methods.
fn deployment(rt: &Runtime, action: &Action) -> Outcome {
    let label = action.kind().label();
    match action {
        Action::Create(nd) => done(rt.write(label, |e, now, ar| {
            let out = e.create_deployment(now, ar, nd.input())?;
            Ok(created_line(
                out.deployment_id.as_deref().unwrap_or("?"),
                "",
            ))
        })),
        Action::Stop { id, rollback } => done(rt.write(label, |e, now, ar| {
            let input = StopDeploymentInput {
                deployment_id: Some(id.clone()),
                auto_rollback_enabled: Some(*rollback),
            };
            let out = e.stop_deployment(now, ar, input)?;
            Ok(format!(
                "stop {id}: {}",
                out.status_message.as_deref().unwrap_or("requested")
            ))
        })),
        Action::RollBack { id } => done(rt.write(label, |e, now, ar| {
            Ok(match e.roll_back(now, ar, id)? {
                RolledBack::Stopping(message) => format!("stop {id}: {message}"),
                RolledBack::Redeployed { id: new, source } => {
                    created_line(&new, &format!("redeploys the revision of {source}"))
                }
            })
        })),
        Action::Continue { id, wait } => done(rt.write(label, |e, now, ar| {
            let input = ContinueDeploymentInput {
                deployment_id: Some(id.clone()),
                deployment_wait_type: Some(wait.clone()),
            };
            e.continue_deployment(now, ar, input)?;
            Ok(match wait {
                DeploymentWaitType::TerminationWait => format!("{id}: originals removed now"),
                _ => format!("{id} continues: traffic reroutes"),
            })
        })),
        _ => misrouted(action),
    }
}

/// The teaching world: faults, alarms, aliases.
fn world(rt: &Runtime, action: &Action) -> Outcome {
    let label = action.kind().label();
    match action {
        Action::BreakHost { host } => done(rt.write(label, |e, now, _| {
            e.break_host(now, host, FaultKind::Fail)?;
            Ok(format!("{host} will fail its next lifecycle event"))
        })),
        Action::SetAlarm { name, on } => done(rt.write(label, |e, now, _| {
            let state = if *on {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            };
            e.set_alarm(now, name, state)?;
            Ok(format!(
                "alarm {name} is now {}",
                if *on { "ALARM" } else { "OK" }
            ))
        })),
        Action::FailHook { id } => done(rt.write(label, |e, now, _| e.fail_next_hook(now, id))),
        Action::RepairAlias { function, alias } => done(rt.write(label, |e, now, _| {
            let version = e.repair_alias(now, function, alias)?;
            Ok(format!(
                "alias {function}:{alias} repaired: version {version} only"
            ))
        })),
        _ => misrouted(action),
    }
}

/// `perform` sent `action` to the wrong group (a bug, said rather than hidden).
fn misrouted(action: &Action) -> Outcome {
    Err(format!("{}: not handled here", action.kind().label()))
}
