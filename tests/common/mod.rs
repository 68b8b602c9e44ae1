//! A simulated-time harness over the engine and an in-memory archive: no
//! sleeps, no I/O; time moves only when a test says so.
#![allow(dead_code)]

use codedeck::engine::{Engine, EngineOptions};
use codedeck::model::time::Millis;
use codedeck::model::*;
use codedeck::runtime::Runtime;
use codedeck::state::fleet::Fleet;
use codedeck::state::{ApiResult, Archive, Change, MemArchive};

pub mod scenarios;

pub const T0: Millis = 1_700_000_000_000;
pub const ROLE: &str = "arn:aws:iam::000000000000:role/codedeploy-role";

pub struct Sim {
    pub engine: Engine,
    pub ar: MemArchive,
    pub now: Millis,
    /// Every change committed so far, in order (the "history").
    pub history: Vec<Change>,
}

impl Sim {
    pub fn new(fleet: &str) -> Sim {
        Sim::with_options(fleet, EngineOptions::default())
    }

    pub fn with_options(fleet: &str, opts: EngineOptions) -> Sim {
        let fleet = Fleet::parse(fleet).expect("test fleet parses");
        let engine = Engine::new(opts, 42, fleet, T0);
        let mut sim = Sim {
            engine,
            ar: MemArchive::default(),
            now: T0,
            history: vec![],
        };
        sim.flush();
        sim
    }

    pub fn flush(&mut self) {
        let changes = self.engine.take_changes();
        self.ar.apply(&changes);
        self.history.extend(changes);
    }

    /// Runs one operation at the current virtual time, as the runtime does.
    pub fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.engine.advance(self.now);
        let out = f(&mut self.engine, self.now, &self.ar);
        self.flush();
        out
    }

    /// Moves virtual time forward by `ms`, processing every timer on the way.
    pub fn tick(&mut self, ms: Millis) {
        self.now += ms;
        self.engine.advance(self.now);
        self.flush();
    }

    /// Processes timers one due time at a time until nothing is left (or a limit),
    /// calling `each` after every step.
    pub fn run_with(&mut self, mut each: impl FnMut(&Sim)) {
        for _ in 0..1_000_000 {
            let Some(due) = self.engine.next_due() else {
                return;
            };
            self.now = self.now.max(due);
            self.engine.advance(self.now);
            self.flush();
            each(self);
        }
        panic!("simulation did not settle");
    }

    pub fn run(&mut self) {
        self.run_with(|_| {});
    }

    pub fn info(&mut self, id: &str) -> DeploymentInfo {
        self.call(|e, now, ar| {
            e.get_deployment(
                now,
                ar,
                GetDeploymentInput {
                    deployment_id: Some(id.into()),
                },
            )
        })
        .expect("get deployment")
        .deployment_info
        .expect("deployment info")
    }

    pub fn status(&mut self, id: &str) -> DeploymentStatus {
        self.info(id).status.expect("status")
    }

    pub fn targets(&mut self, id: &str) -> Vec<InstanceTarget> {
        let ids = self
            .call(|e, now, ar| {
                e.list_deployment_targets(
                    now,
                    ar,
                    ListDeploymentTargetsInput {
                        deployment_id: Some(id.into()),
                        ..Default::default()
                    },
                )
            })
            .expect("list targets")
            .target_ids
            .unwrap_or_default();
        ids.iter()
            .map(|t| {
                self.deployment_target(id, t)
                    .instance_target
                    .expect("instance target")
            })
            .collect()
    }

    /// GetDeploymentTarget of one target.
    pub fn deployment_target(&mut self, id: &str, target: &str) -> DeploymentTarget {
        self.call(|e, now, ar| {
            e.get_deployment_target(
                now,
                ar,
                GetDeploymentTargetInput {
                    deployment_id: Some(id.into()),
                    target_id: Some(target.into()),
                },
            )
        })
        .expect("get target")
        .deployment_target
        .expect("deployment target")
    }

    /// Events of the log so far, as text.
    pub fn log_lines(&self) -> Vec<String> {
        self.ar.events.iter().map(|e| e.text.clone()).collect()
    }
}

/// What runs engine operations at its current virtual time: the simulator,
/// or a runtime (whose API a test may serve). Scenario builders take either.
pub trait Calls {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T>;

    fn app(&mut self, name: &str, platform: &str) {
        self.call(|e, now, ar| {
            e.create_application(
                now,
                ar,
                CreateApplicationInput {
                    application_name: Some(name.into()),
                    compute_platform: Some(ComputePlatform::parse(platform)),
                    tags: None,
                },
            )
        })
        .expect("create application");
    }

    fn group(
        &mut self,
        app: &str,
        name: &str,
        tweak: impl FnOnce(&mut CreateDeploymentGroupInput),
    ) -> ApiResult<String> {
        let mut input = CreateDeploymentGroupInput {
            application_name: Some(app.into()),
            deployment_group_name: Some(name.into()),
            service_role_arn: Some(ROLE.into()),
            ..Default::default()
        };
        tweak(&mut input);
        self.call(|e, now, ar| e.create_deployment_group(now, ar, input))
            .map(|o| o.deployment_group_id.unwrap_or_default())
    }

    fn web_group(&mut self, app: &str, name: &str, config: Option<&str>) -> String {
        self.group(app, name, |g| {
            g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
            g.deployment_config_name = config.map(str::to_string);
        })
        .expect("create group")
    }

    fn deploy(
        &mut self,
        app: &str,
        group: &str,
        key: &str,
        tweak: impl FnOnce(&mut CreateDeploymentInput),
    ) -> ApiResult<String> {
        let mut input = CreateDeploymentInput {
            application_name: Some(app.into()),
            deployment_group_name: Some(group.into()),
            revision: Some(s3(key)),
            ..Default::default()
        };
        tweak(&mut input);
        self.call(|e, now, ar| e.create_deployment(now, ar, input))
            .map(|o| o.deployment_id.unwrap_or_default())
    }
}

impl Calls for Sim {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        Sim::call(self, f)
    }
}

impl Calls for Runtime {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.write("test", f)
    }
}

pub fn tag_filter(key: &str, value: &str) -> EC2TagFilter {
    EC2TagFilter {
        key: Some(key.into()),
        value: Some(value.into()),
        r#type: Some(EC2TagFilterType::KeyAndValue),
    }
}

pub fn s3(key: &str) -> RevisionLocation {
    RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some("my-artifacts".into()),
            key: Some(key.into()),
            bundle_type: Some(BundleType::Zip),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn statuses(targets: &[InstanceTarget]) -> Vec<String> {
    targets
        .iter()
        .map(|t| t.status.as_ref().map(|s| s.to_string()).unwrap_or_default())
        .collect()
}

pub fn event_names(t: &InstanceTarget) -> Vec<String> {
    t.lifecycle_events
        .iter()
        .flatten()
        .filter_map(|e| e.lifecycle_event_name.clone())
        .collect()
}

/// A fleet of `n` hosts tagged Name=web, with extra TOML per host index.
pub fn web_fleet(n: usize, extra: impl Fn(usize) -> String) -> String {
    let mut s = String::from("[defaults]\njitter = 0.0\n");
    for i in 0..n {
        s.push_str(&format!(
            "[[instance]]\nid = \"i-{:017x}\"\ntags = {{ Name = \"web\" }}\n{}\n",
            i + 1,
            extra(i)
        ));
    }
    s
}
