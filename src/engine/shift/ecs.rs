//! The simulated ECS service of a deployment: target group pair, listeners
//! and task sets.

use super::*;
use crate::state::fleet::ServiceSpec;

// ECSTaskSet.status (ECS API reference, TaskSet): the task set serving
// production traffic; one not serving it; one being deleted (its tasks stop,
// its targets are deregistered). The replacement becomes PRIMARY, and the
// original ACTIVE, when it takes all production traffic (the end of
// AllowTraffic); a rollback makes the original PRIMARY again and deletes the
// replacement (reference §11: traffic is rerouted to the original task set).
pub(super) const PRIMARY: &str = "PRIMARY";
pub(super) const ACTIVE: &str = "ACTIVE";
pub(super) const DRAINING: &str = "DRAINING";

/// The group's target group pair (or a simulated one named after the
/// service), and whether it has a test listener.
fn target_group_pair(group: &GroupRecord, service: &str) -> (Vec<String>, bool) {
    let pair = group
        .info
        .load_balancer_info
        .as_ref()
        .and_then(|lb| lb.target_group_pair_info_list.as_ref())
        .and_then(|l| l.first().cloned());
    let groups: Vec<String> = pair
        .as_ref()
        .and_then(|p| p.target_groups.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.name)
        .collect();
    let groups = if groups.len() == 2 {
        groups
    } else {
        vec![format!("{service}-tg-1"), format!("{service}-tg-2")]
    };
    let has_test = pair
        .as_ref()
        .and_then(|p| p.test_traffic_route.as_ref())
        .and_then(|r| r.listener_arns.as_ref())
        .is_some_and(|l| !l.is_empty());
    (groups, has_test)
}

/// A simulated service as first seen: the fleet file's settings, or two tasks
/// of `<name>:1`, in one PRIMARY task set behind the first target group.
fn new_service(
    spec: Option<&ServiceSpec>,
    cluster: &str,
    name: &str,
    groups: &[String],
) -> ServiceRecord {
    let count = spec.and_then(|f| f.desired_count).unwrap_or(2);
    let definition = spec
        .and_then(|f| f.task_definition.clone())
        .unwrap_or_else(|| format!("{name}:1"));
    ServiceRecord {
        cluster: cluster.to_string(),
        name: name.to_string(),
        desired_count: count,
        task_sets: vec![TaskSetRecord {
            task_definition: definition,
            info: ECSTaskSet {
                identifer: Some(format!(
                    "ecs-svc/{:019}",
                    rng::mix(count as u64 ^ 0xec5) % 10u64.pow(19)
                )),
                desired_count: Some(count),
                pending_count: Some(0),
                running_count: Some(count),
                status: Some(PRIMARY.into()),
                traffic_weight: Some(100.0),
                target_group: Some(TargetGroupInfo {
                    name: Some(groups[0].clone()),
                }),
                task_set_label: Some(TargetLabel::Blue),
            },
        }],
        target_groups: groups.to_vec(),
        production: groups[0].clone(),
        test: None,
    }
}

/// The deployment's one target: the service `key`, its task sets, all events pending.
fn ecs_target_record(
    id: &str,
    key: String,
    arn: String,
    sets: Vec<ECSTaskSet>,
    at: Millis,
) -> TargetRecord {
    TargetRecord {
        deployment_id: id.to_string(),
        target_id: key.clone(),
        index: 0,
        target: DeploymentTarget {
            deployment_target_type: Some(DeploymentTargetType::ECSTarget),
            ecs_target: Some(ECSTarget {
                deployment_id: Some(id.to_string()),
                target_id: Some(key.clone()),
                target_arn: Some(arn),
                last_updated_at: Some(Timestamp(at)),
                lifecycle_events: Some(pending_events(&ECS_EVENTS)),
                status: Some(TargetStatus::InProgress),
                task_sets_info: Some(sets),
            }),
            ..Default::default()
        },
        run: TargetRun {
            host: key,
            ..Default::default()
        },
    }
}

impl Engine {
    /// The ECS service a group deploys to, created on first use (unless the
    /// fleet declares it), with its target group pair and listeners.
    pub(super) fn ecs_target(
        &mut self,
        id: &str,
        group: &GroupRecord,
        s: &EcsSpec,
        at: Millis,
    ) -> Result<TargetRecord, (ErrorCode, String)> {
        let Some(svc) = group.info.ecs_services.iter().flatten().next() else {
            return Err((
                ErrorCode::InvalidEcsService,
                "The deployment group names no ECS service.".into(),
            ));
        };
        let (Some(cluster), Some(name)) = (svc.cluster_name.clone(), svc.service_name.clone())
        else {
            return Err((
                ErrorCode::InvalidEcsService,
                "The deployment group's ECS service has no clusterName or serviceName.".into(),
            ));
        };
        let (groups, has_test) = target_group_pair(group, &name);
        let key = format!("{cluster}:{name}");
        let sets = self.prepare_service(&cluster, &name, &groups, has_test);
        if sets.is_empty() {
            return Err((
                ErrorCode::InvalidEcsService,
                format!("ECS service {key} has no task set serving production."),
            ));
        }
        let _ = &s.task_definition;
        self.dirty.services.insert(key.clone());
        let arn = format!(
            "arn:aws:ecs:{}:{}:service/{cluster}/{name}",
            self.opts.region, self.opts.account
        );
        Ok(ecs_target_record(id, key, arn, sets, at))
    }

    /// Makes the simulated service ready for a deployment: created if new,
    /// routed to the group's target groups, with only its production task set,
    /// labelled Blue and taking all traffic. Returns the task sets.
    fn prepare_service(
        &mut self,
        cluster: &str,
        name: &str,
        groups: &[String],
        has_test: bool,
    ) -> Vec<ECSTaskSet> {
        let key = format!("{cluster}:{name}");
        let spec = self
            .fleet
            .services
            .iter()
            .find(|f| f.cluster == cluster && f.name == name)
            .cloned();
        let service = self
            .services
            .entry(key)
            .or_insert_with(|| new_service(spec.as_ref(), cluster, name, groups));
        // A group's own target group pair wins over the simulated one.
        if service.target_groups != groups
            && groups
                .iter()
                .any(|g| !g.ends_with("-tg-1") && !g.ends_with("-tg-2"))
        {
            service.target_groups = groups.to_vec();
            service.production = groups[0].clone();
            for set in service.task_sets.iter_mut() {
                set.info.target_group = Some(TargetGroupInfo {
                    name: Some(groups[0].clone()),
                });
            }
        }
        service.test = has_test.then(|| service.production.clone());
        // Only the task set that serves production is the original.
        service
            .task_sets
            .retain(|t| t.info.status.as_deref() == Some(PRIMARY));
        for set in service.task_sets.iter_mut() {
            set.info.task_set_label = Some(TargetLabel::Blue);
            set.info.traffic_weight = Some(100.0);
        }
        service.task_sets.iter().map(|t| t.info.clone()).collect()
    }

    pub(super) fn has_test_listener(&self, id: &str) -> bool {
        let Some(key) = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.target_id.clone())
        else {
            return false;
        };
        self.services.get(&key).is_some_and(|s| s.test.is_some())
    }

    /// ECS Install: the replacement task set, behind the other target group.
    pub(super) fn create_green_task_set(&mut self, id: &str, at: Millis) {
        let Some(t) = self.active.get(id).and_then(|a| a.targets.first()) else {
            return;
        };
        let key = t.target_id.clone();
        let Some(svc) = self.services.get(&key).cloned() else {
            return;
        };
        let definition = self
            .active
            .get(id)
            .and_then(|a| a.rec.info.revision.clone())
            .and_then(|r| revision_text(&r, &self.fleet).ok())
            .and_then(|text| appspec::ecs(&text).ok())
            .map(|s| s.task_definition)
            .unwrap_or_default();
        let other = svc
            .target_groups
            .iter()
            .find(|g| **g != svc.production)
            .cloned()
            .unwrap_or_default();
        let bits = self.next_bits("task-set");
        let green = TaskSetRecord {
            task_definition: definition,
            info: ECSTaskSet {
                identifer: Some(format!("ecs-svc/{:019}", bits % 10u64.pow(19))),
                desired_count: Some(svc.desired_count),
                pending_count: Some(0),
                running_count: Some(svc.desired_count),
                status: Some(ACTIVE.into()),
                traffic_weight: Some(0.0),
                target_group: Some(TargetGroupInfo { name: Some(other) }),
                task_set_label: Some(TargetLabel::Green),
            },
        };
        if let Some(s) = self.services.get_mut(&key) {
            s.task_sets.push(green.clone());
            self.dirty.services.insert(key);
        }
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            if let Some(e) = t.target.ecs_target.as_mut() {
                e.task_sets_info
                    .get_or_insert_with(Vec::new)
                    .push(green.info);
            }
            t.touch(at);
        }
        self.touch_target_of(id, 0);
    }

    pub(super) fn move_test_listener(&mut self, id: &str) {
        let Some(key) = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.target_id.clone())
        else {
            return;
        };
        if let Some(svc) = self.services.get_mut(&key) {
            let green = svc
                .task_sets
                .iter()
                .find(|t| t.info.task_set_label == Some(TargetLabel::Green))
                .and_then(|t| t.info.target_group.as_ref()?.name.clone());
            if green.is_some() {
                svc.test = green;
                self.dirty.services.insert(key);
            }
        }
    }

    /// The service of an ECS deployment (`cluster:service`), from its target.
    pub(super) fn service_key(&self, id: &str) -> Option<String> {
        let t = self.active.get(id)?.targets.first()?;
        t.target.ecs_target.as_ref()?;
        Some(t.target_id.clone())
    }

    /// True when the deployment created a replacement (Green) task set: every
    /// ECS deployment but a rollback, which reroutes to the original.
    pub(super) fn has_replacement(&self, id: &str) -> bool {
        self.active
            .get(id)
            .and_then(|a| a.targets.first())
            .and_then(|t| t.target.ecs_target.as_ref())
            .and_then(|e| e.task_sets_info.as_ref())
            .is_some_and(|sets| {
                sets.iter()
                    .any(|s| s.task_set_label == Some(TargetLabel::Green))
            })
    }

    /// Copies the service's task sets into the deployment's target, so the two
    /// never disagree. A task set the service no longer has was deleted: the
    /// target keeps it as it went, DRAINING, with no tasks and no traffic.
    pub(super) fn mirror_task_sets(&mut self, id: &str, at: Millis) {
        let Some(key) = self.service_key(id) else {
            return;
        };
        let now: Vec<ECSTaskSet> = self
            .services
            .get(&key)
            .map(|s| s.task_sets.iter().map(|t| t.info.clone()).collect())
            .unwrap_or_default();
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            let sets = t
                .target
                .ecs_target
                .iter_mut()
                .flat_map(|e| e.task_sets_info.iter_mut().flatten());
            for set in sets {
                match now.iter().find(|n| n.identifer == set.identifer) {
                    Some(n) => *set = n.clone(),
                    None => {
                        set.status = Some(DRAINING.into());
                        set.desired_count = Some(0);
                        set.pending_count = Some(0);
                        set.running_count = Some(0);
                        set.traffic_weight = Some(0.0);
                    }
                }
            }
            t.touch(at);
        }
        self.dirty.services.insert(key);
        self.touch_target_of(id, 0);
    }
}
