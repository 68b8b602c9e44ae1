//! Engine benchmarks (reference: issue "engine step at AWS's account limits").
//!
//! - `step_at_account_limits`: one engine step (advance to the next due time and
//!   collect the changes) while 1,000 deployments run concurrently, holding
//!   1,000 instances between them (AWS's per-account limits).
//! - `all_at_once_1000`: a 1,000-instance AllAtOnce deployment from
//!   CreateDeployment to Succeeded.

use std::time::{Duration, Instant};

use codedeck::engine::{Engine, EngineOptions};
use codedeck::model::time::Millis;
use codedeck::model::*;
use codedeck::state::fleet::Fleet;
use codedeck::state::{Archive, MemArchive};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const T0: Millis = 1_700_000_000_000;

fn fleet(n: usize, tag: impl Fn(usize) -> String) -> Fleet {
    let mut s = String::from("[defaults]\njitter = 0.5\n");
    for i in 0..n {
        s.push_str(&format!(
            "[[instance]]\nid = \"i-{:017x}\"\ntags = {{ Name = \"{}\" }}\n",
            i + 1,
            tag(i)
        ));
    }
    Fleet::parse(&s).expect("bench fleet")
}

fn group(e: &mut Engine, ar: &dyn Archive, name: &str, tag: &str, config: &str) {
    e.create_deployment_group(
        T0,
        ar,
        CreateDeploymentGroupInput {
            application_name: Some("bench".into()),
            deployment_group_name: Some(name.into()),
            service_role_arn: Some("arn:aws:iam::000000000000:role/r".into()),
            deployment_config_name: Some(config.into()),
            ec2_tag_filters: Some(vec![EC2TagFilter {
                key: Some("Name".into()),
                value: Some(tag.into()),
                r#type: Some(EC2TagFilterType::KeyAndValue),
            }]),
            ..Default::default()
        },
    )
    .expect("group");
}

fn deploy(e: &mut Engine, ar: &dyn Archive, group: &str) {
    e.create_deployment(
        T0,
        ar,
        CreateDeploymentInput {
            application_name: Some("bench".into()),
            deployment_group_name: Some(group.into()),
            revision: Some(RevisionLocation {
                revision_type: Some(RevisionLocationType::S3),
                s3_location: Some(S3Location {
                    bucket: Some("b".into()),
                    key: Some("app.zip".into()),
                    bundle_type: Some(BundleType::Zip),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .expect("deployment");
}

fn app(e: &mut Engine, ar: &dyn Archive) {
    e.create_application(
        T0,
        ar,
        CreateApplicationInput {
            application_name: Some("bench".into()),
            ..Default::default()
        },
    )
    .expect("app");
}

/// 1,000 groups of one instance each, each with a deployment in flight.
fn account_limits() -> Engine {
    let ar = MemArchive::default();
    let mut e = Engine::new(
        EngineOptions::default(),
        1,
        fleet(1000, |i| format!("h{i}")),
        T0,
    );
    app(&mut e, &ar);
    for i in 0..1000 {
        group(
            &mut e,
            &ar,
            &format!("g{i}"),
            &format!("h{i}"),
            "CodeDeployDefault.AllAtOnce",
        );
        deploy(&mut e, &ar, &format!("g{i}"));
    }
    e.take_changes();
    // Start them all, so every step below moves running instances.
    e.advance(T0);
    e.take_changes();
    e
}

fn step_at_account_limits(c: &mut Criterion) {
    c.bench_function("engine step, 1000 deployments x 1000 instances", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let mut e = account_limits();
                while done < iters {
                    let Some(due) = e.next_due() else { break };
                    let start = Instant::now();
                    e.advance(due);
                    let changes = e.take_changes();
                    total += start.elapsed();
                    std::hint::black_box(changes);
                    done += 1;
                }
            }
            total
        })
    });
}

fn all_at_once_1000(c: &mut Criterion) {
    c.bench_function("1000-instance AllAtOnce deployment, start to finish", |b| {
        b.iter_batched(
            || {
                let ar = MemArchive::default();
                let mut e = Engine::new(
                    EngineOptions::default(),
                    1,
                    fleet(1000, |_| "web".into()),
                    T0,
                );
                app(&mut e, &ar);
                group(&mut e, &ar, "web", "web", "CodeDeployDefault.AllAtOnce");
                e.take_changes();
                (e, ar)
            },
            |(mut e, mut ar)| {
                deploy(&mut e, &ar, "web");
                while let Some(due) = e.next_due() {
                    e.advance(due);
                    ar.apply(&e.take_changes());
                }
                assert!(!e.has_active());
                (e, ar)
            },
            BatchSize::PerIteration,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(10));
    targets = step_at_account_limits, all_at_once_1000
}
criterion_main!(benches);
