//! Property tests of the engine's invariants over random fleets, configs and
//! operation sequences, driven at simulated speed through the SQLite store.

use codedeck::engine::{Engine, EngineOptions};
use codedeck::model::time::Millis;
use codedeck::model::*;
use codedeck::state::fleet::Fleet;
use codedeck::state::{AlarmState, Archive, DeploymentQuery, FaultKind};
use codedeck::store::Store;
use proptest::prelude::*;

const T0: Millis = 1_700_000_000_000;
const EVENTS: [&str; 7] = [
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
];
const CONFIGS: [&str; 5] = [
    "CodeDeployDefault.OneAtATime",
    "CodeDeployDefault.HalfAtATime",
    "CodeDeployDefault.AllAtOnce",
    "Count2",
    "Pct60",
];

#[derive(Debug, Clone)]
enum Op {
    Deploy { group: u8, rev: u8, config: u8 },
    Stop { group: u8, rollback: Option<bool> },
    Alarm(bool),
    Break(u8),
    Wait(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2u8, 0..4u8, 0..6u8).prop_map(|(group, rev, config)| Op::Deploy { group, rev, config }),
        1 => (0..2u8, prop::option::of(any::<bool>())).prop_map(|(group, rollback)| Op::Stop { group, rollback }),
        1 => any::<bool>().prop_map(Op::Alarm),
        1 => (0..8u8).prop_map(Op::Break),
        3 => (0..60_000u32).prop_map(Op::Wait),
    ]
}

/// A fleet of `faults.len()` web hosts; each fault is (kind 0..4, event index).
fn fleet(faults: &[(u8, u8)]) -> String {
    let mut s = String::new();
    for (i, (kind, ev)) in faults.iter().enumerate() {
        let fault = match kind {
            1 => format!("fail = \"{}\"", EVENTS[*ev as usize % 7]),
            // DownloadBundle and Install run no scripts: none can be missing;
            // their own fault is a full disk.
            2 => match EVENTS[*ev as usize % 7] {
                e @ ("DownloadBundle" | "Install") => format!("disk_full = \"{e}\""),
                e => format!("missing = \"{e}\""),
            },
            3 if i > 0 => "state = \"stopped\"".to_string(),
            _ => String::new(),
        };
        s.push_str(&format!(
            "[[instance]]\nid = \"i-{:017x}\"\ntags = {{ Name = \"web\" }}\n{fault}\n",
            i + 1
        ));
    }
    s
}

struct World {
    engine: Engine,
    store: Store,
    now: Millis,
}

impl World {
    fn new(fleet_toml: &str) -> World {
        let fleet = Fleet::parse(fleet_toml).unwrap();
        let mut store = Store::in_memory().unwrap();
        let mut engine = Engine::new(EngineOptions::default(), 7, fleet, T0);
        store.commit(&engine.take_changes()).unwrap();
        World {
            engine,
            store,
            now: T0,
        }
    }

    /// Timers due by now fire, then `f` runs; one commit for both.
    fn call<T>(&mut self, f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> T) -> T {
        self.engine.advance(self.now);
        let out = f(&mut self.engine, self.now, &self.store);
        let changes = self.engine.take_changes();
        self.store.commit(&changes).unwrap();
        out
    }

    /// Advances to `until` one due time at a time, checking invariants at each step.
    fn run_to(&mut self, until: Millis) {
        while let Some(due) = self.engine.next_due().filter(|d| *d <= until) {
            self.now = self.now.max(due);
            self.call(|_, _, _| ());
            check_invariants(&self.store);
        }
        self.now = self.now.max(until);
        self.call(|_, _, _| ());
    }

    /// Simulates a restart: the engine is rebuilt from what the store holds.
    fn reload(&mut self) {
        let snapshot = self.store.load().unwrap();
        self.engine = Engine::restore(EngineOptions::default(), snapshot, 0, None, self.now);
    }

    fn setup(&mut self) {
        self.call(|e, now, ar| {
            e.create_application(
                now,
                ar,
                CreateApplicationInput {
                    application_name: Some("a".into()),
                    ..Default::default()
                },
            )
            .unwrap();
            for (name, mhh) in [
                ("Count2", (MinimumHealthyHostsType::HostCount, 2)),
                ("Pct60", (MinimumHealthyHostsType::FleetPercent, 60)),
            ] {
                e.create_deployment_config(
                    now,
                    ar,
                    CreateDeploymentConfigInput {
                        deployment_config_name: Some(name.into()),
                        minimum_healthy_hosts: Some(MinimumHealthyHosts {
                            r#type: Some(mhh.0),
                            value: Some(mhh.1),
                        }),
                        ..Default::default()
                    },
                )
                .unwrap();
            }
            for (g, events) in [
                (
                    "g0",
                    vec![
                        AutoRollbackEvent::DeploymentFailure,
                        AutoRollbackEvent::DeploymentStopOnAlarm,
                    ],
                ),
                ("g1", vec![AutoRollbackEvent::DeploymentStopOnRequest]),
            ] {
                e.create_deployment_group(
                    now,
                    ar,
                    CreateDeploymentGroupInput {
                        application_name: Some("a".into()),
                        deployment_group_name: Some(g.into()),
                        service_role_arn: Some("arn:aws:iam::000000000000:role/r".into()),
                        ec2_tag_filters: Some(vec![EC2TagFilter {
                            key: Some("Name".into()),
                            value: Some("web".into()),
                            r#type: Some(EC2TagFilterType::KeyAndValue),
                        }]),
                        auto_rollback_configuration: Some(AutoRollbackConfiguration {
                            enabled: Some(true),
                            events: Some(events),
                        }),
                        alarm_configuration: Some(AlarmConfiguration {
                            enabled: Some(true),
                            ignore_poll_alarm_failure: Some(false),
                            alarms: Some(vec![Alarm {
                                name: Some("Errors".into()),
                            }]),
                        }),
                        ..Default::default()
                    },
                )
                .unwrap();
            }
        });
    }

    fn apply(&mut self, op: &Op) {
        match op.clone() {
            Op::Deploy { group, rev, config } => {
                self.call(|e, now, ar| {
                    let _ = e.create_deployment(
                        now,
                        ar,
                        CreateDeploymentInput {
                            application_name: Some("a".into()),
                            deployment_group_name: Some(format!("g{group}")),
                            revision: Some(RevisionLocation {
                                revision_type: Some(RevisionLocationType::S3),
                                s3_location: Some(S3Location {
                                    bucket: Some("b".into()),
                                    key: Some(format!("v{rev}.zip")),
                                    bundle_type: Some(BundleType::Zip),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            }),
                            deployment_config_name: CONFIGS
                                .get(config as usize)
                                .map(|c| c.to_string()),
                            ..Default::default()
                        },
                    );
                });
            }
            Op::Stop { group, rollback } => {
                let active: Vec<String> = self
                    .engine
                    .active_deployments()
                    .into_iter()
                    .filter(|d| d.deployment_group_name.as_deref() == Some(&format!("g{group}")))
                    .filter_map(|d| d.deployment_id)
                    .collect();
                if let Some(id) = active.first().cloned() {
                    self.call(|e, now, ar| {
                        let _ = e.stop_deployment(
                            now,
                            ar,
                            StopDeploymentInput {
                                deployment_id: Some(id),
                                auto_rollback_enabled: rollback,
                            },
                        );
                    });
                }
            }
            Op::Alarm(on) => self.call(|e, now, _| {
                e.set_alarm(
                    now,
                    "Errors",
                    if on {
                        AlarmState::Alarm
                    } else {
                        AlarmState::Ok
                    },
                )
                .unwrap()
            }),
            Op::Break(host) => {
                let ids = self.engine.host_ids();
                if let Some(h) = ids.get(host as usize % ids.len().max(1)).cloned() {
                    self.call(|e, now, _| e.break_host(now, &h, FaultKind::Fail).unwrap());
                }
            }
            Op::Wait(ms) => {
                let until = self.now + ms as Millis;
                self.run_to(until);
            }
        }
        check_invariants(&self.store);
    }

    fn finish(&mut self) {
        self.call(|e, now, _| e.set_alarm(now, "Errors", AlarmState::Ok).unwrap());
        while let Some(due) = self.engine.next_due() {
            self.run_to(due);
        }
    }

    /// Everything observable: every deployment and target, and the event log.
    fn history(&self) -> Vec<String> {
        let rows = self
            .store
            .deployments(&DeploymentQuery {
                limit: usize::MAX,
                ..Default::default()
            })
            .unwrap();
        let mut out = Vec::new();
        for row in rows {
            let d = self.store.deployment(&row.id).unwrap().unwrap();
            out.push(serde_json::to_string(&d.info).unwrap());
            for t in self.store.targets(&row.id).unwrap() {
                out.push(serde_json::to_string(&t.target).unwrap());
            }
        }
        for e in self.store.events(0, usize::MAX).unwrap() {
            out.push(format!("{}|{}|{}", e.seq, e.time.0, e.text));
        }
        out
    }
}

fn check_invariants(store: &Store) {
    let rows = store
        .deployments(&DeploymentQuery {
            limit: usize::MAX,
            ..Default::default()
        })
        .unwrap();
    let mut active_groups = std::collections::BTreeSet::new();
    let mut records = std::collections::BTreeMap::new();
    for row in rows {
        let d = store.deployment(&row.id).unwrap().unwrap();
        let status = d.status();
        if matches!(
            status,
            DeploymentStatus::InProgress | DeploymentStatus::Ready | DeploymentStatus::Baking
        ) {
            assert!(
                active_groups.insert(d.group_id.clone()),
                "two active deployments in group {}",
                d.group_id
            );
        }
        let o = d.info.deployment_overview.clone().unwrap_or_default();
        if let Some(run) = &d.run {
            let down = o.in_progress.unwrap_or(0) + o.failed.unwrap_or(0);
            assert!(
                down <= run.max_down.max(0),
                "{}: {down} down but at most {} allowed (min healthy {})",
                row.id,
                run.max_down,
                run.min_healthy
            );
        }
        if d.is_finished() {
            assert!(d.run.is_none());
            for t in store.targets(&row.id).unwrap() {
                let s = t.target.instance_target.and_then(|i| i.status).unwrap();
                assert!(
                    matches!(
                        s,
                        TargetStatus::Succeeded | TargetStatus::Failed | TargetStatus::Skipped
                    ),
                    "{}: finished with a {s} target",
                    row.id
                );
            }
        }
        records.insert(row.id.clone(), d);
    }
    for (id, d) in &records {
        let Some(rb) = &d.info.rollback_info else {
            continue;
        };
        if let Some(child) = &rb.rollback_deployment_id {
            let c = &records[child];
            assert_eq!(
                c.info
                    .rollback_info
                    .as_ref()
                    .and_then(|r| r.rollback_triggering_deployment_id.as_deref()),
                Some(id.as_str())
            );
        }
        if let Some(parent) = &rb.rollback_triggering_deployment_id {
            let p = &records[parent];
            assert_eq!(
                p.info
                    .rollback_info
                    .as_ref()
                    .and_then(|r| r.rollback_deployment_id.as_deref()),
                Some(id.as_str())
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_and_restart_equals_no_restart(
        faults in prop::collection::vec((0..4u8, 0..7u8), 1..8),
        ops in prop::collection::vec(op(), 1..25),
        reload_at in 0..25usize,
    ) {
        let fleet = fleet(&faults);
        let mut straight = World::new(&fleet);
        straight.setup();
        for op in &ops {
            straight.apply(op);
        }
        straight.finish();
        check_invariants(&straight.store);

        let mut restarted = World::new(&fleet);
        restarted.setup();
        for (i, op) in ops.iter().enumerate() {
            if i == reload_at {
                restarted.reload();
            }
            restarted.apply(op);
        }
        restarted.reload();
        restarted.finish();
        prop_assert_eq!(straight.history(), restarted.history());
    }
}
