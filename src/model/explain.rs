//! What each lifecycle event does, in plain words, for its compute platform:
//! the dashboard's explanation line and the teaching texts. The same event
//! name means different things on EC2/on-premises, Lambda and ECS.

use super::lifecycle_event::LifecycleEventName::{self, *};
use super::ComputePlatform;

/// A short explanation of `event` on `platform`, for people learning the
/// lifecycle; empty for an event the platform does not have.
pub fn explain(platform: &ComputePlatform, event: &str) -> &'static str {
    let Ok(event) = event.parse() else {
        return "";
    };
    match platform {
        ComputePlatform::Lambda => lambda(event),
        ComputePlatform::Ecs => ecs(event),
        _ => server(event),
    }
}

fn server(event: LifecycleEventName) -> &'static str {
    match event {
        BeforeBlockTraffic => "Runs before the instance is taken out of the load balancer, using the scripts of the last successful revision.",
        BlockTraffic => "CodeDeploy deregisters the instance from the load balancer so it stops receiving traffic. No scripts run here.",
        AfterBlockTraffic => "Runs once the instance no longer receives traffic, with the last successful revision's scripts.",
        ApplicationStop => "Stops the running application with the previous revision's scripts. Skipped silently on a first install.",
        DownloadBundle => "The agent copies the revision bundle to the instance and unpacks it. No scripts run here.",
        BeforeInstall => "Runs before files are copied: decrypt files, back up the current version, prepare directories.",
        Install => "The agent copies the files named in the appspec's files section into place. No scripts run here.",
        AfterInstall => "Runs after the files are in place: configure the application, change permissions.",
        ApplicationStart => "Starts the services stopped during ApplicationStop.",
        ValidateService => "The last hook of an install: check that the new version works before traffic returns.",
        BeforeAllowTraffic => "Runs before the instance goes back behind the load balancer.",
        AllowTraffic => "CodeDeploy registers the instance with the load balancer again. No scripts run here.",
        AfterAllowTraffic => "Runs after the instance serves traffic again.",
        _ => "",
    }
}

fn lambda(event: LifecycleEventName) -> &'static str {
    match event {
        BeforeAllowTraffic => "Runs the hook function before any traffic moves: check the new version while the alias still points at the old one.",
        AllowTraffic => "CodeDeploy shifts the alias's traffic to the new version, all at once or by the config's canary or linear steps. No hook runs here.",
        AfterAllowTraffic => "Runs the hook function after all traffic is on the new version: check it under real load.",
        _ => "",
    }
}

fn ecs(event: LifecycleEventName) -> &'static str {
    match event {
        BeforeInstall => "Runs the hook function before the replacement task set is created.",
        Install => "CodeDeploy creates the replacement (green) task set from the new task definition; it takes no production traffic yet.",
        AfterInstall => "Runs the hook function once the replacement task set is running.",
        AllowTestTraffic => "CodeDeploy points the test listener at the replacement task set, so tests can reach it. Production traffic stays on the original.",
        AfterAllowTestTraffic => "Runs the hook function while the test listener reaches the replacement: run tests against it.",
        BeforeAllowTraffic => "Runs the hook function before production traffic moves to the replacement task set.",
        AllowTraffic => "CodeDeploy moves production traffic from the original to the replacement task set, at once or in the config's steps. No hook runs here.",
        AfterAllowTraffic => "Runs the hook function after all production traffic is on the replacement task set.",
        _ => "",
    }
}
