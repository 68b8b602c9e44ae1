use super::*;

fn ready(action: DeploymentReadyAction, wait: Option<i32>) -> BlueGreenDeploymentConfiguration {
    BlueGreenDeploymentConfiguration {
        deployment_ready_option: Some(DeploymentReadyOption {
            action_on_timeout: Some(action),
            wait_time_in_minutes: wait,
        }),
        ..Default::default()
    }
}

#[test]
fn a_ready_wait_lasts_its_minutes_up_to_the_platforms_maximum() {
    let stop = |wait| ready(DeploymentReadyAction::StopDeployment, wait);
    let ec2 = |wait| ready_wait_minutes(Some(&stop(wait)), &ComputePlatform::Server);
    assert_eq!(ec2(Some(60)), 60);
    assert_eq!(ec2(Some(2880)), 2880);
    assert_eq!(ec2(Some(2881)), 2880, "capped at 48 hours");
    assert_eq!(ec2(Some(0)), 2880, "0: the maximum");
    assert_eq!(ec2(None), 2880, "none: the maximum");
    assert_eq!(ready_wait_minutes(None, &ComputePlatform::Server), 2880);
    let ecs = |wait| ready_wait_minutes(Some(&stop(wait)), &ComputePlatform::Ecs);
    assert_eq!(ecs(Some(6000)), 6000);
    assert_eq!(ecs(Some(0)), 7200, "120 hours");
    assert_eq!(ecs(Some(9000)), 7200);
    assert!(waits_ready(Some(&stop(Some(5)))));
    let go_on = ready(DeploymentReadyAction::ContinueDeployment, Some(5));
    assert!(!waits_ready(Some(&go_on)));
    assert!(!waits_ready(None));
}

#[test]
fn the_termination_wait_is_its_minutes_or_none() {
    let bg = |minutes| BlueGreenDeploymentConfiguration {
        terminate_blue_instances_on_deployment_success: Some(BlueInstanceTerminationOption {
            action: Some(InstanceAction::Terminate),
            termination_wait_time_in_minutes: minutes,
        }),
        ..Default::default()
    };
    assert_eq!(termination_wait_minutes(Some(&bg(Some(5)))), 5);
    assert_eq!(termination_wait_minutes(Some(&bg(Some(0)))), 0);
    assert_eq!(termination_wait_minutes(Some(&bg(None))), 0);
    assert_eq!(termination_wait_minutes(Some(&bg(Some(-3)))), 0);
    assert_eq!(termination_wait_minutes(None), 0);
    assert_eq!(wait_ends(1_000, 2), 1_000 + 2 * MINUTE);
}

fn event(name: &str, status: LifecycleEventStatus) -> LifecycleEvent {
    LifecycleEvent {
        lifecycle_event_name: Some(name.into()),
        status: Some(status),
        ..Default::default()
    }
}

#[test]
fn the_blue_green_phase_is_the_latest_an_event_started_in() {
    use LifecycleEventStatus as S;
    let phase = |status: DeploymentStatus, started: bool, events: &[LifecycleEvent]| {
        blue_green_phase(&status, started, events)
    };
    let running = DeploymentStatus::InProgress;
    assert_eq!(phase(running.clone(), false, &[]), BlueGreenPhase::Planned);
    let installing = [
        event("ApplicationStop", S::Succeeded),
        event("DownloadBundle", S::InProgress),
        event("BeforeAllowTraffic", S::Pending),
        event("BeforeBlockTraffic", S::Pending),
    ];
    assert_eq!(
        phase(running.clone(), false, &installing),
        BlueGreenPhase::Install
    );
    // A replacement that failed its install skips its Allow events: no reroute yet.
    let failed = [
        event("ValidateService", S::Failed),
        event("BeforeAllowTraffic", S::Skipped),
    ];
    assert_eq!(
        phase(running.clone(), false, &failed),
        BlueGreenPhase::Install
    );
    let rerouting = [
        event("ValidateService", S::Succeeded),
        event("BeforeAllowTraffic", S::InProgress),
        event("BeforeBlockTraffic", S::Pending),
    ];
    assert_eq!(
        phase(running.clone(), false, &rerouting),
        BlueGreenPhase::Reroute
    );
    let blocking = [
        event("AfterAllowTraffic", S::Succeeded),
        event("BeforeBlockTraffic", S::InProgress),
    ];
    assert_eq!(
        phase(running.clone(), false, &blocking),
        BlueGreenPhase::Block
    );
    assert_eq!(
        phase(running, true, &blocking),
        BlueGreenPhase::TerminationWait
    );
    assert_eq!(
        phase(DeploymentStatus::Ready, false, &installing),
        BlueGreenPhase::Ready
    );
    assert_eq!(
        phase_wait(BlueGreenPhase::Ready),
        Some(DeploymentWaitType::ReadyWait)
    );
    assert_eq!(
        phase_wait(BlueGreenPhase::TerminationWait),
        Some(DeploymentWaitType::TerminationWait)
    );
    assert_eq!(phase_wait(BlueGreenPhase::Reroute), None);
}

#[test]
fn the_side_taking_traffic_counts_for_health() {
    let (green, blue) = (Some(&TargetLabel::Green), Some(&TargetLabel::Blue));
    assert!(counts_for_health(None, false));
    assert!(counts_for_health(green, false));
    assert!(!counts_for_health(blue, false));
    // A rollback routes traffic back to the originals.
    assert!(counts_for_health(blue, true));
    assert!(!counts_for_health(green, true));
}

#[test]
fn hosts_wait_for_their_batch_until_they_run_an_event() {
    use LifecycleEventStatus as S;
    let installed = [
        event("ValidateService", S::Succeeded),
        event("BeforeAllowTraffic", S::Pending),
    ];
    assert!(waits_for_batch(&TargetStatus::Pending, &[]));
    assert!(waits_for_batch(&TargetStatus::InProgress, &installed));
    let rerouting = [event("BeforeAllowTraffic", S::InProgress)];
    assert!(!waits_for_batch(&TargetStatus::InProgress, &rerouting));
    assert!(!waits_for_batch(&TargetStatus::Ready, &installed));
    assert!(!waits_for_batch(&TargetStatus::Succeeded, &[]));
}

#[test]
fn traffic_steps_start_with_allow_traffic() {
    let routing = TrafficRoutingConfig {
        r#type: Some(TrafficRoutingType::TimeBasedCanary),
        time_based_canary: Some(TimeBasedCanary {
            canary_percentage: Some(10),
            canary_interval: Some(5),
        }),
        ..Default::default()
    };
    let mut allow = event("AllowTraffic", LifecycleEventStatus::InProgress);
    assert!(reported_traffic_schedule(Some(&routing), std::slice::from_ref(&allow)).is_empty());
    allow.start_time = Some(Timestamp(60_000));
    let steps = reported_traffic_schedule(Some(&routing), &[allow]);
    assert_eq!(steps, vec![(60_000, 10.0), (60_000 + 5 * MINUTE, 100.0)]);
    assert_eq!(steps_applied(&steps, 0.0), 0);
    assert_eq!(steps_applied(&steps, 10.0), 1);
    assert_eq!(steps_applied(&steps, 100.0), 2);
}

#[test]
fn no_platform_is_server() {
    assert_eq!(compute_platform(None), ComputePlatform::Server);
    assert_eq!(
        compute_platform(Some(&ComputePlatform::Ecs)),
        ComputePlatform::Ecs
    );
}
