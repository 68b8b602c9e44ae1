//! Lambda and ECS hook executions: invoked, answered by the simulated
//! function, by PutLifecycleEventHookExecutionStatus, or by the one-hour timeout.

use super::*;

/// A hook waits at most this long for PutLifecycleEventHookExecutionStatus (§9.2).
pub const HOOK_TIMEOUT_MILLIS: Millis = 3600 * 1000;

/// What PutLifecycleEventHookExecutionStatus found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HookAnswer {
    Accepted,
    AlreadyCompleted,
    Unknown,
}

impl Engine {
    /// A hook event: invoke the appspec's function, or succeed when there is none.
    pub(super) fn begin_hook(&mut self, id: &str, event: LifecycleEventName, at: Millis) {
        let function = self
            .shift(id)
            .and_then(|s| s.hooks.get(event.as_str()).cloned());
        let Some(function) = function else {
            return self.end_shift_event(id, at, true, None);
        };
        let exec_id = self.new_uuid("hook");
        let external = self.shift(id).is_some_and(|s| s.external_hooks);
        let group_fail = self
            .active
            .get(id)
            .and_then(|a| self.groups.get(&a.rec.group_id))
            .and_then(|g| {
                tag_value(&g.tags, HOOK_FAIL_TAG).map(|v| v.eq_ignore_ascii_case(event.as_str()))
            })
            .unwrap_or(false);
        // A fault set from the dashboard wins, once.
        let taught = self.shift(id).is_some_and(|s| s.fail_next_hook);
        if let Some(s) = self.shift_mut(id).filter(|_| taught) {
            s.fail_next_hook = false;
        }
        let spec = self.fleet.functions.iter().find(|f| f.name == function);
        let outcome = if group_fail || taught {
            HookOutcome::Fail
        } else {
            spec.map(|f| f.outcome()).unwrap_or(HookOutcome::Succeed)
        };
        let secs = spec.and_then(|f| f.duration).unwrap_or(DEFAULT_HOOK_SECS);
        let answer = match (external && !taught, outcome) {
            (true, _) | (false, HookOutcome::Silent) => None,
            (false, o) => Some((
                at + (secs * 1000.0).round() as Millis,
                o == HookOutcome::Succeed,
            )),
        };
        let deadline = at + HOOK_TIMEOUT_MILLIS;
        if let Some(a) = self.active.get_mut(id) {
            a.rec.hooks.push(HookExecution {
                id: exec_id.clone(),
                event: event.to_string(),
                function: function.clone(),
                started: at,
                status: LifecycleEventStatus::InProgress,
                ended: None,
                answered_by: None,
            });
        }
        if let Some(s) = self.shift_mut(id) {
            s.hook = Some(exec_id.clone());
            s.hook_answer = answer;
            s.hook_deadline = Some(deadline);
        }
        let how = if external {
            "waiting for PutLifecycleEventHookExecutionStatus"
        } else {
            "invoked"
        };
        self.log(
            at,
            Some(id),
            None,
            EventKind::Target,
            format!("{event}: hook {function} {how} (lifecycleEventHookExecutionId {exec_id})"),
        );
        let due = answer.map(|(t, _)| t).unwrap_or(deadline).min(deadline);
        self.wake_at(id, Some(due));
    }

    /// The running hook answered (`by` = "api", "simulated" or "timeout").
    pub(super) fn answer_hook(&mut self, id: &str, ok: bool, by: &str, at: Millis) {
        let Some(exec_id) = self.shift_mut(id).and_then(|s| {
            s.hook_answer = None;
            s.hook_deadline = None;
            s.hook.take()
        }) else {
            return;
        };
        let mut function = String::new();
        if let Some(h) = self
            .active
            .get_mut(id)
            .and_then(|a| a.rec.hooks.iter_mut().find(|h| h.id == exec_id))
        {
            h.status = if ok {
                LifecycleEventStatus::Succeeded
            } else {
                LifecycleEventStatus::Failed
            };
            h.ended = Some(at);
            h.answered_by = Some(by.to_string());
            function = h.function.clone();
        }
        self.touch(id);
        let diagnostics = (!ok).then(|| Diagnostics {
            error_code: Some(if by == "timeout" {
                LifecycleErrorCode::ScriptTimedOut
            } else {
                LifecycleErrorCode::ScriptFailed
            }),
            script_name: Some(function.clone()),
            message: Some(if by == "timeout" {
                format!("The hook function {function} did not report a status within one hour.")
            } else {
                format!("The hook function {function} reported Failed (lifecycleEventHookExecutionId {exec_id}).")
            }),
            log_tail: Some(String::new()),
        });
        self.end_shift_event(id, at, ok, diagnostics);
    }

    /// PutLifecycleEventHookExecutionStatus on an active deployment.
    pub(crate) fn answer_hook_from_api(
        &mut self,
        id: &str,
        exec_id: &str,
        ok: bool,
        at: Millis,
    ) -> HookAnswer {
        let running = self.shift(id).and_then(|s| s.hook.clone());
        if running.as_deref() == Some(exec_id) {
            self.answer_hook(id, ok, "api", at);
            return HookAnswer::Accepted;
        }
        let known = self
            .active
            .get(id)
            .is_some_and(|a| a.rec.hooks.iter().any(|h| h.id == exec_id));
        if known {
            HookAnswer::AlreadyCompleted
        } else {
            HookAnswer::Unknown
        }
    }
}
