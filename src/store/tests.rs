use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use rusqlite::Connection;

use super::lock::lock_path;
use super::schema::{APPLICATION_ID, MIGRATIONS};
use super::*;
use crate::model::*;
use crate::state::archive::MemArchive;
use crate::state::fleet::{Behaviour, Fleet};

// ---------------------------------------------------------------- fixtures

fn meta(next_seq: u64) -> Meta {
    Meta {
        seed: 42,
        next_seq,
        next_event_seq: 7,
        next_id: 99,
        now: 1_700_000_000_123,
    }
}

fn fleet() -> Fleet {
    let mut durations = BTreeMap::new();
    // Not exactly representable in decimal: checks floats round-trip exactly.
    durations.insert("Install".to_string(), 0.1 + 0.2);
    durations.insert("AfterInstall".to_string(), 2.5);
    Fleet {
        defaults: Behaviour {
            durations,
            jitter: Some(0.2),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn app(id: &str, name: &str) -> ApplicationRecord {
    ApplicationRecord::new(
        id.into(),
        name.into(),
        ApplicationInfo {
            create_time: Some(Timestamp(1_000)),
            compute_platform: Some(ComputePlatform::Server),
            ..Default::default()
        },
        vec![Tag {
            key: Some("team".into()),
            value: Some("web".into()),
        }],
    )
}

fn group(app_id: &str, id: &str, name: &str) -> GroupRecord {
    let mut g = GroupRecord::new(
        id.into(),
        name.into(),
        app_id.into(),
        DeploymentGroupInfo {
            application_name: Some("web".into()),
            deployment_config_name: Some("CodeDeployDefault.OneAtATime".into()),
            ..Default::default()
        },
        vec![],
    );
    g.active = Some("d-AAAAAAAA1".into());
    g.queue = vec!["d-AAAAAAAA2".into()];
    g
}

fn config(name: &str) -> ConfigRecord {
    ConfigRecord::new(
        name.into(),
        DeploymentConfigInfo {
            deployment_config_id: Some("cfg-1".into()),
            minimum_healthy_hosts: Some(MinimumHealthyHosts {
                r#type: Some(MinimumHealthyHostsType::FleetPercent),
                value: Some(75),
            }),
            create_time: Some(Timestamp(2_000)),
            ..Default::default()
        },
    )
}

fn instance(name: &str) -> InstanceRecord {
    InstanceRecord::new(
        name.into(),
        InstanceInfo {
            iam_user_arn: Some("arn:aws:iam::123456789012:user/onprem".into()),
            register_time: Some(Timestamp(3_000)),
            ..Default::default()
        },
    )
}

fn revision(app_id: &str, key: &str) -> RevisionRecord {
    RevisionRecord {
        application_id: app_id.into(),
        key: key.into(),
        location: RevisionLocation {
            revision_type: Some(RevisionLocationType::S3),
            s3_location: Some(S3Location {
                bucket: Some("bucket".into()),
                key: Some(key.into()),
                bundle_type: Some(BundleType::Zip),
                ..Default::default()
            }),
            ..Default::default()
        },
        info: GenericRevisionInfo {
            description: Some("a revision".into()),
            deployment_groups: Some(vec!["prod".into()]),
            register_time: Some(Timestamp(4_000)),
            ..Default::default()
        },
    }
}

fn function(name: &str) -> FunctionRecord {
    let mut f = FunctionRecord {
        name: name.into(),
        ..Default::default()
    };
    f.aliases.insert(
        "live".into(),
        AliasRecord {
            version: "2".into(),
            additional_version: Some("3".into()),
            additional_weight: 10.0,
        },
    );
    f
}

fn service(cluster: &str, name: &str) -> ServiceRecord {
    ServiceRecord {
        cluster: cluster.into(),
        name: name.into(),
        desired_count: 2,
        target_groups: vec!["tg-1".into(), "tg-2".into()],
        production: "tg-1".into(),
        ..Default::default()
    }
}

fn run_state() -> RunState {
    RunState {
        start_due: Some(5_000),
        min_healthy: 2,
        max_down: 1,
        pending: vec![2, 3],
        stop: Some(StopRequest {
            code: ErrorCode::ManualStop,
            message: "stopped by user".into(),
            rollback: true,
        }),
        deadline: Some(3_600_000),
        deadline_passed: false,
        shift: Some(ShiftRun {
            hook: Some("hook-1".into()),
            schedule: vec![(1_000, 10.0), (61_000, 100.0)],
            weight: 10.0,
            ..Default::default()
        }),
        blue_green: Some(BlueGreenRun {
            phase: BlueGreenPhase::Reroute,
            allow: vec![0, 1],
            block: vec![2],
            ..Default::default()
        }),
        zonal: Some(ZonalRun {
            zones: vec![
                ZoneRun {
                    zone: Some("us-east-1a".into()),
                    max_down: 1,
                },
                ZoneRun {
                    zone: None,
                    max_down: 1,
                },
            ],
            current: 1,
            monitor_until: Some(9_000),
            first_monitor: 600_000,
            monitor: 300_000,
        }),
    }
}

fn deployment(
    id: &str,
    seq: u64,
    app_id: &str,
    group_id: &str,
    status: DeploymentStatus,
    active: bool,
) -> DeploymentRecord {
    let info = DeploymentInfo {
        application_name: Some("web".into()),
        deployment_group_name: Some("prod".into()),
        status: Some(status),
        create_time: Some(Timestamp(seq as i64 * 1_000)),
        external_id: Some(format!("ext-{}", seq % 3)),
        deployment_overview: Some(DeploymentOverview {
            pending: Some(1),
            succeeded: Some(2),
            ..Default::default()
        }),
        ..Default::default()
    };
    let run = active.then(run_state);
    let mut d = DeploymentRecord::new(id.into(), info, seq, app_id.into(), group_id.into(), run);
    d.hooks = vec![HookExecution {
        id: format!("hook-{seq}"),
        event: "BeforeAllowTraffic".into(),
        function: "CodeDeployHook_pre".into(),
        started: 1_000,
        status: LifecycleEventStatus::Succeeded,
        ended: Some(4_000),
        answered_by: Some("api".into()),
    }];
    d
}

fn target(deployment_id: &str, index: u32, target_id: &str) -> TargetRecord {
    TargetRecord {
        deployment_id: deployment_id.into(),
        target_id: target_id.into(),
        index,
        target: DeploymentTarget {
            deployment_target_type: Some(DeploymentTargetType::InstanceTarget),
            instance_target: Some(InstanceTarget {
                deployment_id: Some(deployment_id.into()),
                target_id: Some(target_id.into()),
                status: Some(TargetStatus::InProgress),
                lifecycle_events: Some(vec![LifecycleEvent {
                    lifecycle_event_name: Some("BeforeInstall".into()),
                    status: Some(LifecycleEventStatus::Succeeded),
                    start_time: Some(Timestamp(10_000)),
                    end_time: Some(Timestamp(12_500)),
                    diagnostics: Some(Diagnostics {
                        error_code: Some(LifecycleErrorCode::Success),
                        script_name: Some("".into()),
                        message: Some("Succeeded".into()),
                        log_tail: Some("".into()),
                    }),
                }]),
                ..Default::default()
            }),
            ..Default::default()
        },
        run: TargetRun {
            host: target_id.into(),
            event: 3,
            due: Some(20_000),
            fault: Some(Fault {
                event: crate::model::lifecycle_event::LifecycleEventName::AfterInstall,
                kind: FaultKind::Timeout,
            }),
            zone: Some("us-east-1b".into()),
            agent: true,
            scripts_log: Some("/hosts/i-1/scripts.log".into()),
        },
    }
}

fn host(id: &str) -> HostRecord {
    let mut groups = BTreeMap::new();
    groups.insert(
        "g-1".to_string(),
        HostGroupState {
            healthy: false,
            revision: Some("s3://bucket/key".into()),
            ..Default::default()
        },
    );
    HostRecord {
        id: id.into(),
        groups,
        next_fault: Some(FaultKind::Unresponsive),
        ..Default::default()
    }
}

fn alarm(name: &str, state: AlarmState) -> AlarmRecord {
    AlarmRecord {
        name: name.into(),
        state,
    }
}

fn event(seq: u64) -> EventRecord {
    EventRecord {
        seq,
        time: Timestamp(1_700_000_000_000 + seq as i64),
        deployment_id: Some("d-AAAAAAAA1".into()),
        target_id: Some("i-0001".into()),
        kind: EventKind::Notification,
        text: format!("event {seq}"),
        notification: Some(Notification {
            trigger_name: "t".into(),
            target_arn: "arn:aws:sns:us-east-1:123456789012:topic".into(),
            event: TriggerEventType::DeploymentStart,
            subject: "subject".into(),
            message: serde_json::json!({"deploymentId": "d-AAAAAAAA1", "n": [1, 2.5, null]}),
        }),
    }
}

/// One of every change kind (no deletions), and the snapshot it must load as.
fn everything() -> (Vec<Change>, Snapshot) {
    let d1 = deployment(
        "d-AAAAAAAA1",
        1,
        "a-1",
        "g-1",
        DeploymentStatus::InProgress,
        true,
    );
    let d2 = deployment(
        "d-AAAAAAAA2",
        2,
        "a-1",
        "g-1",
        DeploymentStatus::Succeeded,
        false,
    );
    let t1 = vec![
        target("d-AAAAAAAA1", 0, "i-0001"),
        target("d-AAAAAAAA1", 1, "i-0002"),
    ];
    let changes = vec![
        Change::Meta(meta(3)),
        Change::Fleet(fleet()),
        Change::Application(app("a-1", "web")),
        Change::Group(group("a-1", "g-1", "prod")),
        Change::Config(config("Half")),
        Change::Instance(instance("onprem-1")),
        Change::Revision(revision("a-1", "s3://bucket/key")),
        Change::Deployment(d1.clone()),
        Change::Deployment(d2.clone()),
        Change::Target(t1[1].clone()),
        Change::Target(t1[0].clone()),
        Change::Target(target("d-AAAAAAAA2", 0, "i-0001")),
        Change::Host(host("i-0001")),
        Change::Alarm(alarm("cpu", AlarmState::PollFailure)),
        Change::Function(function("orders")),
        Change::Service(service("main", "web")),
        Change::Event(event(1)),
        Change::Event(event(2)),
    ];
    let snapshot = Snapshot {
        meta: Some(meta(3)),
        fleet: Some(fleet()),
        applications: vec![app("a-1", "web")],
        groups: vec![group("a-1", "g-1", "prod")],
        configs: vec![config("Half")],
        instances: vec![instance("onprem-1")],
        hosts: vec![host("i-0001")],
        alarms: vec![alarm("cpu", AlarmState::PollFailure)],
        functions: vec![function("orders")],
        services: vec![service("main", "web")],
        active: vec![(d1, t1)],
    };
    (changes, snapshot)
}

fn everything_committed(store: &mut Store) -> Snapshot {
    let (changes, snapshot) = everything();
    store.commit(&changes).expect("commit");
    snapshot
}

fn all_deployments() -> DeploymentQuery {
    DeploymentQuery {
        limit: usize::MAX,
        ..Default::default()
    }
}

fn ids(rows: Vec<ListedDeployment>) -> Vec<String> {
    rows.into_iter().map(|r| r.id).collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

// ---------------------------------------------------------------- round trips

#[test]
fn every_change_kind_round_trips() {
    let mut store = Store::in_memory().expect("store");
    assert_eq!(store.load().expect("load"), Snapshot::default());
    let expected = everything_committed(&mut store);
    assert_eq!(store.load().expect("load"), expected);

    let (changes, _) = everything();
    let mut mem = MemArchive::default();
    mem.apply(&changes);
    for id in ["d-AAAAAAAA1", "d-AAAAAAAA2", "d-missing"] {
        assert_eq!(store.deployment(id), mem.deployment(id));
        assert_eq!(store.targets(id), mem.targets(id));
        for t in ["i-0001", "i-0002", "i-none"] {
            assert_eq!(store.target(id, t), mem.target(id, t));
        }
    }
    assert_eq!(
        store.revision("a-1", "s3://bucket/key").expect("revision"),
        Some(revision("a-1", "s3://bucket/key"))
    );
    assert_eq!(store.revision("a-1", "other"), Ok(None));
    assert_eq!(store.revisions("a-1"), mem.revisions("a-1"));
    assert_eq!(
        store.events(0, 10).expect("events"),
        vec![event(1), event(2)]
    );
    assert_eq!(store.events(1, 10).expect("events"), vec![event(2)]);
    assert_eq!(store.events(0, 1).expect("events"), vec![event(1)]);
    assert_eq!(store.events(2, 10).expect("events"), vec![]);
    assert_eq!(store.events(u64::MAX, 10).expect("events"), vec![]);
    assert_eq!(
        store.deployments(&all_deployments()),
        mem.deployments(&all_deployments())
    );
}

#[test]
fn upserts_replace_and_finishing_leaves_the_snapshot() {
    let mut store = Store::in_memory().expect("store");
    let expected = everything_committed(&mut store);
    let mut renamed = app("a-1", "web2");
    renamed.tags.clear();
    let mut finished = expected.active[0].0.clone();
    finished.run = None;
    finished.info.status = Some(DeploymentStatus::Failed);
    let mut retargeted = target("d-AAAAAAAA1", 1, "i-0009");
    retargeted.run.due = None;
    store
        .commit(&[
            Change::Application(renamed.clone()),
            Change::Deployment(finished.clone()),
            Change::Target(retargeted.clone()),
            Change::Alarm(alarm("cpu", AlarmState::Ok)),
            Change::Meta(meta(10)),
        ])
        .expect("commit");
    let loaded = store.load().expect("load");
    assert_eq!(loaded.applications, vec![renamed]);
    assert_eq!(loaded.alarms, vec![alarm("cpu", AlarmState::Ok)]);
    assert_eq!(loaded.meta, Some(meta(10)));
    assert!(
        loaded.active.is_empty(),
        "a finished deployment is not loaded"
    );
    assert_eq!(store.deployment("d-AAAAAAAA1"), Ok(Some(finished)));
    assert_eq!(
        store.target("d-AAAAAAAA1", "i-0009"),
        Ok(Some(retargeted.clone()))
    );
    assert_eq!(store.target("d-AAAAAAAA1", "i-0002"), Ok(None));
    let failed = DeploymentQuery {
        statuses: vec![DeploymentStatus::Failed],
        ..all_deployments()
    };
    assert_eq!(
        ids(store.deployments(&failed).expect("list")),
        ["d-AAAAAAAA1"]
    );
}

#[test]
fn application_delete_cascades() {
    let mut store = Store::in_memory().expect("store");
    everything_committed(&mut store);
    // A second application that must survive.
    store
        .commit(&[
            Change::Application(app("a-2", "api")),
            Change::Group(group("a-2", "g-2", "prod")),
            Change::Revision(revision("a-2", "k")),
            Change::Deployment(deployment(
                "d-BBBBBBBB1",
                5,
                "a-2",
                "g-2",
                DeploymentStatus::Created,
                true,
            )),
            Change::Target(target("d-BBBBBBBB1", 0, "i-0001")),
        ])
        .expect("commit");
    store
        .commit(&[Change::ApplicationDeleted {
            application_id: "a-1".into(),
        }])
        .expect("delete");
    let loaded = store.load().expect("load");
    assert_eq!(loaded.applications, vec![app("a-2", "api")]);
    assert_eq!(loaded.groups, vec![group("a-2", "g-2", "prod")]);
    assert_eq!(loaded.active.len(), 1);
    assert_eq!(loaded.active[0].0.id(), "d-BBBBBBBB1");
    assert_eq!(loaded.active[0].1.len(), 1);
    for id in ["d-AAAAAAAA1", "d-AAAAAAAA2"] {
        assert_eq!(store.deployment(id), Ok(None));
        assert_eq!(store.targets(id), Ok(vec![]));
    }
    assert_eq!(store.revisions("a-1"), Ok(vec![]));
    assert_eq!(store.revisions("a-2"), Ok(vec![revision("a-2", "k")]));
    assert_eq!(
        ids(store.deployments(&all_deployments()).expect("list")),
        ["d-BBBBBBBB1"]
    );
    // Not part of the application: kept.
    assert_eq!(loaded.configs.len(), 1);
    assert_eq!(loaded.hosts.len(), 1);
    assert_eq!(store.events(0, 10).expect("events").len(), 2);
    let count: i64 = store
        .conn
        .query_row("SELECT count(*) FROM targets", [], |r| r.get(0))
        .expect("count");
    assert_eq!(count, 1);
}

#[test]
fn group_delete_keeps_past_deployments_and_config_delete_removes_config() {
    let mut store = Store::in_memory().expect("store");
    everything_committed(&mut store);
    store
        .commit(&[
            Change::GroupDeleted {
                group_id: "g-1".into(),
            },
            Change::ConfigDeleted {
                name: "Half".into(),
            },
        ])
        .expect("commit");
    let loaded = store.load().expect("load");
    assert!(loaded.groups.is_empty());
    assert!(loaded.configs.is_empty());
    assert_eq!(loaded.applications.len(), 1);
    assert_eq!(loaded.active.len(), 1);
    let in_group = DeploymentQuery {
        group_id: Some("g-1".into()),
        ..all_deployments()
    };
    assert_eq!(
        ids(store.deployments(&in_group).expect("list")),
        ["d-AAAAAAAA2", "d-AAAAAAAA1"]
    );
}

#[test]
fn instance_delete_removes_only_that_instance() {
    let mut store = Store::in_memory().expect("store");
    everything_committed(&mut store);
    store
        .commit(&[Change::Instance(instance("onprem-2"))])
        .expect("commit");
    store
        .commit(&[Change::InstanceDeleted {
            name: "onprem-1".into(),
        }])
        .expect("commit");
    let loaded = store.load().expect("load");
    let names: Vec<&str> = loaded.instances.iter().map(|i| i.name()).collect();
    assert_eq!(names, ["onprem-2"]);
    assert_eq!(loaded.hosts.len(), 1, "the host's record is another table");
}

#[test]
fn a_step_is_all_or_nothing() {
    let mut store = Store::in_memory().expect("store");
    everything_committed(&mut store);
    let before = store.load().expect("load");
    let mut too_big = deployment(
        "d-CCCCCCCC1",
        1,
        "a-1",
        "g-1",
        DeploymentStatus::Created,
        true,
    );
    too_big.seq = u64::MAX;
    let err = store
        .commit(&[
            Change::Application(app("a-9", "late")),
            Change::Event(event(3)),
            Change::Deployment(too_big),
        ])
        .expect_err("seq beyond i64 must fail");
    assert!(matches!(err, StoreError::OutOfRange { .. }), "{err}");
    // Duplicate event seq: a constraint failure, also rolled back as a whole.
    let err = store
        .commit(&[
            Change::Application(app("a-9", "late")),
            Change::Event(event(2)),
        ])
        .expect_err("duplicate event");
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err}");
    assert_eq!(store.load().expect("load"), before);
    assert_eq!(store.events(0, 10).expect("events").len(), 2);
}

#[test]
fn deployment_queries_filter_like_mem_archive() {
    let mut store = Store::in_memory().expect("store");
    let mut changes = Vec::new();
    let statuses = DeploymentStatus::ALL;
    for seq in 1..=30u64 {
        let group = if seq % 2 == 0 { "g-1" } else { "g-2" };
        let status = statuses[seq as usize % statuses.len()].clone();
        let mut d = deployment(&format!("d-{seq:09}"), seq, "a-1", group, status, seq > 25);
        d.info.create_time = Some(Timestamp((seq as i64 / 3) * 1_000));
        if seq % 5 == 0 {
            d.info.external_id = None;
        }
        changes.push(Change::Deployment(d));
    }
    store.commit(&changes).expect("commit");
    let mut mem = MemArchive::default();
    mem.apply(&changes);
    let queries = [
        all_deployments(),
        DeploymentQuery {
            limit: 0,
            ..all_deployments()
        },
        DeploymentQuery {
            limit: 4,
            before_seq: Some(20),
            ..all_deployments()
        },
        DeploymentQuery {
            before_seq: Some(u64::MAX),
            ..all_deployments()
        },
        DeploymentQuery {
            group_id: Some("g-1".into()),
            created_from: Some(3_000),
            created_to: Some(6_000),
            ..all_deployments()
        },
        DeploymentQuery {
            external_id: Some("ext-1".into()),
            statuses: vec![DeploymentStatus::Succeeded, DeploymentStatus::Failed],
            ..all_deployments()
        },
        DeploymentQuery {
            statuses: vec![DeploymentStatus::Created, DeploymentStatus::Created],
            limit: 3,
            ..Default::default()
        },
    ];
    for q in &queries {
        assert_eq!(store.deployments(q), mem.deployments(q), "{q:?}");
    }
    // Inclusive bounds: createTime 3000 is seq 9, 10, 11.
    let exact = DeploymentQuery {
        created_from: Some(3_000),
        created_to: Some(3_000),
        ..all_deployments()
    };
    let rows = store.deployments(&exact).expect("list");
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [11, 10, 9]);
}

// ---------------------------------------------------------------- query plans

fn plan(store: &Store, sql: &str) -> String {
    explain(store, sql).expect("explain").join(" | ")
}

#[test]
fn queries_use_their_indexes() {
    let store = Store::in_memory().expect("store");
    let load = plan(&store, LOAD_ACTIVE_SQL);
    assert!(load.contains("deployments_active"), "{load}");
    assert!(!load.contains("TEMP B-TREE"), "{load}");

    let by_group = plan(
        &store,
        "SELECT id, seq FROM deployments WHERE 1 AND group_id = 'g' AND seq < 5 \
         ORDER BY seq DESC LIMIT 10",
    );
    assert!(by_group.contains("deployments_by_group"), "{by_group}");
    assert!(!by_group.contains("TEMP B-TREE"), "{by_group}");

    let by_external = plan(
        &store,
        "SELECT id, seq FROM deployments WHERE 1 AND external_id = 'e' ORDER BY seq DESC LIMIT 10",
    );
    assert!(
        by_external.contains("deployments_by_external_id"),
        "{by_external}"
    );
    assert!(!by_external.contains("TEMP B-TREE"), "{by_external}");

    let newest = plan(
        &store,
        "SELECT id, seq FROM deployments WHERE 1 AND seq < 5 ORDER BY seq DESC LIMIT 10",
    );
    assert!(newest.contains("USING INDEX"), "{newest}");
    assert!(!newest.contains("TEMP B-TREE"), "{newest}");

    let target = plan(
        &store,
        "SELECT idx, json FROM targets WHERE deployment_id = 'd' AND target_id = 't' \
         ORDER BY idx LIMIT 1",
    );
    assert!(target.contains("targets_by_target_id"), "{target}");

    let targets = plan(
        &store,
        "SELECT idx, json FROM targets WHERE deployment_id = 'd' ORDER BY idx",
    );
    assert!(targets.contains("USING INDEX"), "{targets}");
    assert!(!targets.contains("TEMP B-TREE"), "{targets}");
}

#[test]
fn load_never_reads_finished_deployments_revisions_or_events() {
    let mut store = Store::in_memory().expect("store");
    let expected = everything_committed(&mut store);
    // Make every row load must not read unreadable: if it did, it would fail.
    store
        .conn
        .execute_batch(
            "UPDATE deployments SET json = 'garbage' WHERE active = 0;
             UPDATE targets SET json = 'garbage' WHERE deployment_id = 'd-AAAAAAAA2';
             UPDATE revisions SET json = 'garbage';
             UPDATE events SET json = 'garbage';",
        )
        .expect("vandalise");
    assert_eq!(store.load().expect("load"), expected);
    // ...and reading them reports which record is broken.
    let err = store.deployment("d-AAAAAAAA2").expect_err("garbage");
    assert_eq!(err.exception, Exception::InternalFailure);
    assert!(err.message.contains("d-AAAAAAAA2"), "{}", err.message);
}

// ---------------------------------------------------------------- the file

#[test]
fn data_survives_reopen_and_parents_are_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a/b/c/state.db");
    let expected = {
        let mut store = Store::open(&path).expect("open");
        assert_eq!(store.path(), Some(path.as_path()));
        everything_committed(&mut store)
    };
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.load().expect("load"), expected);
    assert_eq!(store.events(0, 10).expect("events").len(), 2);
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let sync: i64 = store
        .conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("synchronous");
    assert_eq!(sync, 1, "NORMAL");
    let app_id: i32 = store
        .conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .expect("application_id");
    assert_eq!(app_id, APPLICATION_ID);
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version");
    assert_eq!(version, MIGRATIONS.len() as i64);
}

#[test]
fn committed_steps_survive_a_crash() {
    // A copy of the database and its WAL taken while the store is still open
    // (no checkpoint, no clean close) is what a kill -9 leaves behind.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let mut store = Store::open(&path).expect("open");
    let expected = everything_committed(&mut store);
    store.commit(&[Change::Event(event(3))]).expect("commit");
    let crashed = dir.path().join("crashed/state.db");
    std::fs::create_dir_all(dir.path().join("crashed")).expect("mkdir");
    std::fs::copy(&path, &crashed).expect("copy db");
    let wal = dir.path().join("state.db-wal");
    assert!(wal.exists(), "WAL mode keeps a -wal file while open");
    std::fs::copy(&wal, dir.path().join("crashed/state.db-wal")).expect("copy wal");
    let recovered = Store::open(&crashed).expect("open after crash");
    assert_eq!(recovered.load().expect("load"), expected);
    assert_eq!(recovered.events(0, 10).expect("events").len(), 3);
    drop(store);
}

#[test]
fn a_second_owner_is_refused_with_the_owners_pid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let first = Store::open(&path).expect("open");
    let err = Store::open(&path).expect_err("second open must fail");
    let message = err.to_string();
    match &err {
        StoreError::Locked {
            owner: Some(owner), ..
        } => {
            assert_eq!(owner.pid, std::process::id());
            assert!(owner.started.ends_with('Z'), "{}", owner.started);
        }
        other => panic!("expected Locked with owner, got {other:?}"),
    }
    assert!(
        message.contains(&format!("is in use by codedeck pid {}", std::process::id())),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    drop(first);
    // Dropping released the lock; the lock file itself stays (and is rewritten).
    let again = Store::open(&path).expect("reopen after drop");
    assert!(lock_path(&path).exists());
    drop(again);
}

#[test]
fn a_stale_lock_file_does_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let stale = r#"{"pid":999999,"started":"2001-01-01T00:00:00Z","command":"codedeck serve"}"#;
    std::fs::write(lock_path(&path), stale).expect("write stale lock");
    let store = Store::open(&path).expect("a lock file nobody holds is free");
    let text = std::fs::read_to_string(lock_path(&path)).expect("lock file");
    let owner: LockOwner = serde_json::from_str(&text).expect("owner json");
    assert_eq!(owner.pid, std::process::id());
    drop(store);
}

#[test]
fn a_non_sqlite_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in [
        (
            "notes.txt",
            b"these are my notes, not a database\n".to_vec(),
        ),
        ("short", b"SQLite".to_vec()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).expect("write");
        let err = Store::open(&path).expect_err("must refuse");
        assert!(matches!(err, StoreError::NotSqlite { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("is not a codedeck state file (not an SQLite database)"),
            "{message}"
        );
        assert!(message.contains(name), "{message}");
        assert_eq!(read(&path), content);
        assert!(!lock_path(&path).exists(), "no lock file left behind");
    }
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One with its own application_id, one with none but tables of its own,
    // one in WAL mode.
    for (name, setup) in [
        (
            "other-app.db",
            "PRAGMA application_id = 1234; CREATE TABLE t (x); INSERT INTO t VALUES (1);",
        ),
        ("plain.db", "CREATE TABLE t (x); INSERT INTO t VALUES (1);"),
        (
            "versioned.db",
            "PRAGMA user_version = 3; CREATE TABLE t (x);",
        ),
    ] {
        let path = dir.path().join(name);
        {
            let conn = Connection::open(&path).expect("create foreign db");
            conn.execute_batch(setup).expect("setup");
        }
        let before = read(&path);
        let err = Store::open(&path).expect_err("must refuse");
        assert!(matches!(err, StoreError::Foreign { .. }), "{name}: {err:?}");
        assert!(
            err.to_string()
                .contains("is an SQLite database that does not belong to codedeck"),
            "{err}"
        );
        assert_eq!(read(&path), before, "{name} changed");
        assert!(!lock_path(&path).exists(), "no lock file left behind");
    }
}

#[test]
fn an_empty_file_or_empty_database_becomes_a_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("write");
    let mut store = Store::open(&empty).expect("empty file is a new state file");
    let expected = everything_committed(&mut store);
    drop(store);
    assert_eq!(
        Store::open(&empty).expect("reopen").load().expect("load"),
        expected
    );

    let blank = dir.path().join("blank.db");
    Connection::open(&blank)
        .expect("create")
        .execute_batch("PRAGMA page_size = 4096; VACUUM;")
        .expect("materialise");
    assert!(read(&blank).starts_with(schema::SQLITE_HEADER));
    Store::open(&blank).expect("an empty SQLite database is a new state file");
}

#[test]
fn an_older_schema_is_migrated_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    // A file as the first schema version left it, with data in it.
    {
        let conn = Connection::open(&path).expect("sqlite");
        conn.execute_batch(MIGRATIONS[0]).expect("schema 1");
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
        ))
        .expect("stamp");
        conn.execute(
            "INSERT INTO alarms (name, json) VALUES ('cpu', ?1)",
            [serde_json::to_string(&alarm("cpu", AlarmState::Alarm)).expect("json")],
        )
        .expect("row");
    }
    let mut store = Store::open(&path).expect("open migrates");
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version");
    assert_eq!(version, MIGRATIONS.len() as i64);
    assert_eq!(
        store.load().expect("load").alarms,
        vec![alarm("cpu", AlarmState::Alarm)]
    );
    // Every table of the current schema is usable (its alarm "cpu" replaces
    // the migrated one).
    let expected = everything_committed(&mut store);
    assert_eq!(store.load().expect("load"), expected);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    drop(Store::open(&path).expect("open"));
    {
        let conn = Connection::open(&path).expect("sqlite");
        conn.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("bump");
    }
    let before = read(&path);
    let err = Store::open(&path).expect_err("newer schema");
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "was written by a newer codedeck (schema 99, this build knows {})",
            MIGRATIONS.len()
        )),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(read(&path), before);
}

#[test]
fn a_corrupt_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    {
        let mut store = Store::open(&path).expect("open");
        everything_committed(&mut store);
    }
    // Clean close checkpointed everything into the main file; wreck page 1
    // after the 100-byte header (the schema table's b-tree page).
    let mut bytes = read(&path);
    assert!(bytes.len() > 4096);
    bytes[100..4096].fill(0xA5);
    std::fs::write(&path, &bytes).expect("write");
    let err = Store::open(&path).expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("corrupt"), "{message}");
    assert_eq!(read(&path), bytes);
}

// ---------------------------------------------------------------- against MemArchive

#[derive(Debug, Clone)]
enum Op {
    Deploy {
        n: u8,
        app: u8,
        group: u8,
        status: Option<usize>,
        created: i64,
        external: Option<u8>,
        active: bool,
    },
    Target {
        n: u8,
        index: u32,
        target: u8,
    },
    DeleteApp(u8),
    Event,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            0u8..16,
            0u8..2,
            0u8..2,
            proptest::option::of(0usize..DeploymentStatus::ALL.len()),
            0i64..6,
            proptest::option::of(0u8..2),
            any::<bool>(),
        )
            .prop_map(|(n, app, group, status, created, external, active)| Op::Deploy {
                n,
                app,
                group,
                status,
                created,
                external,
                active,
            }),
        3 => (0u8..16, 0u32..3, 0u8..3).prop_map(|(n, index, target)| Op::Target { n, index, target }),
        1 => (0u8..2).prop_map(Op::DeleteApp),
        1 => Just(Op::Event),
    ]
}

fn query() -> impl Strategy<Value = DeploymentQuery> {
    (
        proptest::option::of(0u8..5),
        proptest::option::of(0u8..3),
        proptest::collection::vec(0usize..DeploymentStatus::ALL.len(), 0..3),
        proptest::option::of(0i64..7),
        proptest::option::of(0i64..7),
        proptest::option::of(0u64..20),
        proptest::option::of(0u64..20),
        0usize..20,
    )
        .prop_map(
            |(group, external, statuses, from, to, before, after, limit)| DeploymentQuery {
                group_id: group.map(|g| format!("g-{}-{}", g / 2, g % 2)),
                external_id: external.map(|e| format!("x-{e}")),
                statuses: statuses
                    .into_iter()
                    .map(|s| DeploymentStatus::ALL[s].clone())
                    .collect(),
                created_from: from.map(|t| t * 1_000),
                created_to: to.map(|t| t * 1_000),
                before_seq: before,
                after_seq: after,
                limit,
            },
        )
}

fn to_changes(ops: &[Op]) -> Vec<Vec<Change>> {
    let mut event_seq = 0;
    ops.chunks(3)
        .map(|step| {
            step.iter()
                .map(|op| match op {
                    Op::Deploy {
                        n,
                        app,
                        group,
                        status,
                        created,
                        external,
                        active,
                    } => {
                        let id = format!("d-{n:09}");
                        let app_id = format!("a-{app}");
                        let group_id = format!("g-{app}-{group}");
                        let mut d = deployment(
                            &id,
                            u64::from(*n) + 1,
                            &app_id,
                            &group_id,
                            DeploymentStatus::Created,
                            *active,
                        );
                        d.info.status = status.map(|s| DeploymentStatus::ALL[s].clone());
                        d.info.create_time = Some(Timestamp(created * 1_000));
                        d.info.external_id = external.map(|e| format!("x-{e}"));
                        Change::Deployment(d)
                    }
                    Op::Target {
                        n,
                        index,
                        target: t,
                    } => Change::Target(target(&format!("d-{n:09}"), *index, &format!("i-{t}"))),
                    Op::DeleteApp(a) => Change::ApplicationDeleted {
                        application_id: format!("a-{a}"),
                    },
                    Op::Event => {
                        event_seq += 1;
                        Change::Event(event(event_seq))
                    }
                })
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn archive_matches_mem_archive(
        ops in proptest::collection::vec(op(), 0..60),
        queries in proptest::collection::vec(query(), 1..12),
        after in 0u64..8,
        limit in 0usize..6,
    ) {
        let mut store = Store::in_memory().expect("store");
        let mut mem = MemArchive::default();
        for step in to_changes(&ops) {
            store.commit(&step).expect("commit");
            mem.apply(&step);
        }
        for q in &queries {
            prop_assert_eq!(store.deployments(q), mem.deployments(q), "{:?}", q);
        }
        for n in 0u8..16 {
            let id = format!("d-{n:09}");
            prop_assert_eq!(store.deployment(&id), mem.deployment(&id));
            prop_assert_eq!(store.targets(&id), mem.targets(&id));
            for t in 0..4 {
                let t = format!("i-{t}");
                prop_assert_eq!(store.target(&id, &t), mem.target(&id, &t));
            }
        }
        prop_assert_eq!(store.events(after, limit), mem.events(after, limit));

        // `load` returns exactly the unfinished deployments, in seq order,
        // with their targets.
        let mut active: Vec<&DeploymentRecord> =
            mem.deployments.values().filter(|d| d.run.is_some()).collect();
        active.sort_by_key(|d| d.seq);
        let expected: Vec<(DeploymentRecord, Vec<TargetRecord>)> = active
            .into_iter()
            .map(|d| (d.clone(), mem.targets(d.id()).expect("targets")))
            .collect();
        prop_assert_eq!(store.load().expect("load").active, expected);
    }
}

// ---------------------------------------------------------------- record keys

/// Every record key kept outside `info`: the table, its key column, the key
/// in `everything`, and the member of `info` the key is read from.
const KEYED: &[(&str, &str, &str, &str)] = &[
    ("applications", "application_id", "a-1", "applicationId"),
    ("applications", "application_id", "a-1", "applicationName"),
    ("groups", "group_id", "g-1", "deploymentGroupId"),
    ("groups", "group_id", "g-1", "deploymentGroupName"),
    ("configs", "name", "Half", "deploymentConfigName"),
    ("instances", "name", "onprem-1", "instanceName"),
    ("deployments", "id", "d-AAAAAAAA1", "deploymentId"),
];

#[test]
fn a_record_without_its_key_is_refused_naming_the_table() {
    for &(table, column, key, field) in KEYED {
        let mut store = Store::in_memory().expect("store");
        everything_committed(&mut store);
        let changed = store
            .conn
            .execute(
                &format!(
                    r#"UPDATE "{table}" SET json = json_remove(json, '$.info.{field}')
                       WHERE {column} = ?1"#
                ),
                [key],
            )
            .expect("remove the key");
        assert_eq!(changed, 1, "{table} {key}");
        let err = store.load().expect_err("a record without its key");
        let message = err.to_string();
        match err {
            StoreError::Decode {
                table: t, key: k, ..
            } => assert_eq!((t, k.as_str()), (table, key), "{message}"),
            other => panic!("{table}.{field}: not a decode error: {other:?}"),
        }
        assert!(
            message.contains(table) && message.contains(&format!("has no {field}")),
            "{message}"
        );
    }
}

fn json<T: serde::Serialize>(record: &T) -> serde_json::Value {
    serde_json::to_value(record).expect("encode")
}

#[test]
fn keyed_records_are_stored_as_before_and_round_trip() {
    // The keys are not stored twice: each record is the JSON its members
    // always made, and reads back equal.
    let d = deployment(
        "d-AAAAAAAA1",
        1,
        "a-1",
        "g-1",
        DeploymentStatus::InProgress,
        true,
    );
    let a = app("a-1", "web");
    let g = group("a-1", "g-1", "prod");
    let c = config("Half");
    let i = instance("onprem-1");
    assert_eq!(
        json(&a),
        serde_json::json!({"info": a.info, "tags": a.tags})
    );
    assert_eq!(
        json(&g),
        serde_json::json!({
            "application_id": g.application_id, "info": g.info, "tags": g.tags,
            "active": g.active, "queue": g.queue,
        })
    );
    assert_eq!(json(&c), serde_json::json!({"info": c.info}));
    assert_eq!(json(&i), serde_json::json!({"info": i.info}));
    assert_eq!(
        json(&d),
        serde_json::json!({
            "info": d.info, "seq": d.seq, "application_id": d.application_id,
            "group_id": d.group_id, "run": d.run, "hooks": d.hooks,
        })
    );
    assert_eq!(
        serde_json::from_value::<ApplicationRecord>(json(&a)).ok(),
        Some(a)
    );
    assert_eq!(
        serde_json::from_value::<GroupRecord>(json(&g)).ok(),
        Some(g)
    );
    assert_eq!(
        serde_json::from_value::<ConfigRecord>(json(&c)).ok(),
        Some(c)
    );
    assert_eq!(
        serde_json::from_value::<InstanceRecord>(json(&i)).ok(),
        Some(i)
    );
    assert_eq!(
        serde_json::from_value::<DeploymentRecord>(json(&d)).ok(),
        Some(d)
    );
}

#[test]
fn an_application_row_written_before_typed_keys_loads_and_stores_unchanged() {
    let mut store = Store::in_memory().expect("store");
    let stored = r#"{"info":{"applicationId":"a-9","applicationName":"legacy","computePlatform":"Server"},"tags":[]}"#;
    store
        .conn
        .execute(
            "INSERT INTO applications (application_id, name, json) VALUES ('a-9', 'legacy', ?1)",
            [stored],
        )
        .expect("insert");
    let loaded = store.load().expect("load").applications;
    assert_eq!(loaded.len(), 1);
    assert_eq!((loaded[0].id(), loaded[0].name()), ("a-9", "legacy"));
    store
        .commit(&[Change::Application(loaded[0].clone())])
        .expect("write back");
    let json: String = store
        .conn
        .query_row(
            "SELECT json FROM applications WHERE application_id = 'a-9'",
            [],
            |r| r.get(0),
        )
        .expect("row");
    let value = |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("json");
    assert_eq!(value(&json), value(stored));
}

/// A rollback's end rewrites the message of the finished deployment it rolled
/// back; the store and `MemArchive` apply it alike, and leave a deployment
/// without `rollbackInfo` (or one not stored) as it is.
#[test]
fn rollback_message_rewrites_a_finished_deployment_like_mem_archive() {
    let mut store = Store::in_memory().expect("store");
    let mut mem = MemArchive::default();
    let mut rolled = deployment(
        "d-AAAAAAAA1",
        1,
        "a-1",
        "g-1",
        DeploymentStatus::Failed,
        false,
    );
    rolled.info.rollback_info = Some(RollbackInfo {
        rollback_deployment_id: Some("d-AAAAAAAA2".into()),
        rollback_message: Some("Rollback in progress".into()),
        ..Default::default()
    });
    let plain = deployment(
        "d-AAAAAAAA3",
        3,
        "a-1",
        "g-1",
        DeploymentStatus::Failed,
        false,
    );
    let changes = [
        Change::Deployment(rolled.clone()),
        Change::Deployment(plain.clone()),
    ];
    store.commit(&changes).expect("commit");
    mem.apply(&changes);
    let messages =
        ["d-AAAAAAAA1", "d-AAAAAAAA3", "d-MISSING00"].map(|id| Change::RollbackMessage {
            deployment_id: id.into(),
            message: "Rollback succeeded".into(),
        });
    store.commit(&messages).expect("commit");
    mem.apply(&messages);
    let mut expected = rolled;
    expected.set_rollback_message("Rollback succeeded");
    assert_eq!(
        expected
            .info
            .rollback_info
            .as_ref()
            .and_then(|r| r.rollback_message.as_deref()),
        Some("Rollback succeeded")
    );
    for (id, want) in [
        ("d-AAAAAAAA1", Some(expected)),
        ("d-AAAAAAAA3", Some(plain)),
        ("d-MISSING00", None),
    ] {
        assert_eq!(store.deployment(id), Ok(want.clone()), "{id} in the store");
        assert_eq!(mem.deployment(id), Ok(want), "{id} in MemArchive");
    }
}
