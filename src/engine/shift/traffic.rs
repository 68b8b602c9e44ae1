//! Traffic shifting: the schedule of a config, weights on the alias or task
//! sets, and putting traffic back on rollback.

use super::ecs::{ACTIVE, PRIMARY};
use super::*;
pub use crate::model::rules::traffic_schedule;

impl Engine {
    pub(super) fn begin_traffic(&mut self, id: &str, at: Millis) {
        let config = self
            .active
            .get(id)
            .and_then(|a| a.rec.info.deployment_config_name.clone())
            .and_then(|n| self.config_info(&n));
        // A rollback finds traffic already back on the original (the failed or
        // stopped deployment rerouted it as it ended): nothing is left to shift
        // by degrees, so its AllowTraffic completes at once. AWS documents the
        // rollback as "rerouting traffic to the original", not as a new shift.
        let routing = match self.is_rollback(id) {
            true => None,
            false => config.and_then(|c| c.traffic_routing_config),
        };
        let schedule = traffic_schedule(routing.as_ref(), at);
        if let Some(s) = self.shift_mut(id) {
            s.schedule = schedule;
            s.step = 0;
        }
        self.traffic_step(id, at);
    }

    /// Applies the traffic step due at `at`; the last one ends AllowTraffic.
    pub(super) fn traffic_step(&mut self, id: &str, at: Millis) {
        let Some(shift) = self.shift(id).cloned() else {
            return;
        };
        let Some(&(when, weight)) = shift.schedule.get(shift.step) else {
            return self.end_shift_event(id, at, true, None);
        };
        if when > at {
            return self.wake_at(id, Some(when));
        }
        // An ECS rollback has no replacement: production stays on the original.
        let moves = !self.is_ecs(id) || self.has_replacement(id);
        if let Some(s) = self.shift_mut(id) {
            s.step += 1;
            if moves {
                s.weight = weight;
            }
        }
        self.set_weight(id, weight, at);
        let note = match moves {
            true => format!("AllowTraffic: {weight}% of traffic on the new version"),
            false => "AllowTraffic: production traffic stays on the original task set".into(),
        };
        self.log(at, Some(id), None, EventKind::Target, note);
        let next = self.shift(id).and_then(|s| s.schedule.get(s.step).copied());
        match next {
            Some((when, _)) => self.wake_at(id, Some(when)),
            // ECS: the production listener's rules are switched and the load
            // balancer moves its connections, which takes the fleet's
            // AllowTraffic time (our decision; the reference gives none), so
            // AllowTraffic is a step of its own, not an instant.
            None if self.is_ecs(id) && moves => {
                let allow = LifecycleEventName::AllowTraffic;
                let bits = rng::draw(self.meta.seed, &[id, allow.as_str()]);
                let d = self.fleet.defaults.duration_millis(allow, bits);
                self.wake_at(id, Some(at + d.max(1)));
            }
            None => self.end_shift_event(id, at, true, None),
        }
    }

    /// Moves `weight` percent of traffic to the new version or task set.
    pub(super) fn set_weight(&mut self, id: &str, weight: f64, at: Millis) {
        let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) else {
            return;
        };
        t.touch(at);
        if let Some(info) = t
            .target
            .lambda_target
            .as_mut()
            .and_then(|l| l.lambda_function_info.as_mut())
        {
            info.target_version_weight = Some(weight);
            let (name, alias) = (
                info.function_name.clone().unwrap_or_default(),
                info.function_alias.clone().unwrap_or_default(),
            );
            let target = info.target_version.clone().unwrap_or_default();
            if let Some(a) = self
                .functions
                .get_mut(&name)
                .and_then(|f| f.aliases.get_mut(&alias))
            {
                // An alias already on the target version has nothing to shift
                // (a rollback redeploying the version traffic is back on).
                if weight >= 100.0 || a.version == target {
                    *a = AliasRecord {
                        version: target,
                        additional_version: None,
                        additional_weight: 0.0,
                    };
                } else {
                    a.additional_version = Some(target);
                    a.additional_weight = weight;
                }
                self.dirty.functions.insert(name);
            }
        }
        self.touch_target_of(id, 0);
        if self.is_ecs(id) {
            self.set_ecs_weights(id, weight, at);
        }
    }

    /// ECS: the production listener's weights between the task sets; at 100 %
    /// the replacement serves production (PRIMARY) and the original is left
    /// running without traffic (ACTIVE) until the termination wait ends.
    pub(super) fn set_ecs_weights(&mut self, id: &str, weight: f64, at: Millis) {
        let Some(key) = self.service_key(id) else {
            return;
        };
        let Some(svc) = self.services.get_mut(&key) else {
            return;
        };
        let green = |s: &TaskSetRecord| s.info.task_set_label == Some(TargetLabel::Green);
        // A rollback has no replacement: traffic already is on the original.
        if !svc.task_sets.iter().any(green) {
            return;
        }
        let all_moved = weight >= 100.0;
        for set in svc.task_sets.iter_mut() {
            let (w, serving) = if green(set) {
                (weight, all_moved)
            } else {
                (100.0 - weight, !all_moved)
            };
            set.info.traffic_weight = Some(w);
            set.info.status = Some(if serving { PRIMARY } else { ACTIVE }.into());
            if serving {
                if let Some(tg) = set.info.target_group.as_ref().and_then(|g| g.name.clone()) {
                    svc.production = tg;
                }
            }
        }
        self.mirror_task_sets(id, at);
    }

    /// Rollback: the alias points at CurrentVersion again; ECS production
    /// traffic returns to the original task set and the replacement goes.
    pub(super) fn restore_traffic(&mut self, id: &str, at: Millis) {
        if let Some(s) = self.shift_mut(id) {
            s.restored = true;
            s.weight = 0.0;
        }
        if self.is_ecs(id) {
            self.restore_task_sets(id, at);
            return self.log(
                at,
                Some(id),
                None,
                EventKind::Target,
                "rollback: production traffic is back on the original task set".into(),
            );
        }
        let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) else {
            return;
        };
        t.touch(at);
        let Some(info) = t
            .target
            .lambda_target
            .as_mut()
            .and_then(|l| l.lambda_function_info.as_mut())
        else {
            return;
        };
        info.target_version_weight = Some(0.0);
        let (Some(name), Some(alias), Some(current)) = (
            info.function_name.clone(),
            info.function_alias.clone(),
            info.current_version.clone(),
        ) else {
            return;
        };
        if let Some(a) = self
            .functions
            .get_mut(&name)
            .and_then(|f| f.aliases.get_mut(&alias))
        {
            *a = AliasRecord {
                version: current,
                additional_version: None,
                additional_weight: 0.0,
            };
            self.dirty.functions.insert(name.clone());
        }
        self.touch_target_of(id, 0);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Target,
            format!("rollback: alias {name}:{alias} points at its original version again"),
        );
    }

    /// ECS rollback: the replacement task set is deleted, the original serves
    /// production (and test) traffic again, as PRIMARY.
    fn restore_task_sets(&mut self, id: &str, at: Millis) {
        let Some(key) = self.service_key(id) else {
            return;
        };
        if let Some(svc) = self.services.get_mut(&key) {
            svc.task_sets
                .retain(|s| s.info.task_set_label != Some(TargetLabel::Green));
            for set in svc.task_sets.iter_mut() {
                set.info.traffic_weight = Some(100.0);
                set.info.status = Some(PRIMARY.into());
            }
            let original = svc
                .task_sets
                .first()
                .and_then(|s| s.info.target_group.as_ref())
                .and_then(|g| g.name.clone());
            if let Some(tg) = original {
                svc.production = tg.clone();
                if svc.test.is_some() {
                    svc.test = Some(tg);
                }
            }
        }
        self.mirror_task_sets(id, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::MINUTE;

    fn routing(kind: TrafficRoutingType, p: i32, i: i32) -> TrafficRoutingConfig {
        TrafficRoutingConfig {
            r#type: Some(kind.clone()),
            time_based_canary: (kind == TrafficRoutingType::TimeBasedCanary).then_some(
                TimeBasedCanary {
                    canary_percentage: Some(p),
                    canary_interval: Some(i),
                },
            ),
            time_based_linear: (kind == TrafficRoutingType::TimeBasedLinear).then_some(
                TimeBasedLinear {
                    linear_percentage: Some(p),
                    linear_interval: Some(i),
                },
            ),
        }
    }

    #[test]
    fn schedules() {
        assert_eq!(traffic_schedule(None, 5), vec![(5, 100.0)]);
        let canary = routing(TrafficRoutingType::TimeBasedCanary, 10, 5);
        assert_eq!(
            traffic_schedule(Some(&canary), 0),
            vec![(0, 10.0), (5 * MINUTE, 100.0)]
        );
        let linear = routing(TrafficRoutingType::TimeBasedLinear, 10, 1);
        let steps = traffic_schedule(Some(&linear), 0);
        assert_eq!(steps.len(), 10);
        assert_eq!(steps[0], (0, 10.0));
        assert_eq!(steps[9], (9 * MINUTE, 100.0));
        let uneven = routing(TrafficRoutingType::TimeBasedLinear, 30, 2);
        assert_eq!(
            traffic_schedule(Some(&uneven), 0),
            vec![
                (0, 30.0),
                (2 * MINUTE, 60.0),
                (4 * MINUTE, 90.0),
                (6 * MINUTE, 100.0)
            ]
        );
    }
}
