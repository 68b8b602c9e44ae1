//! What each lifecycle event does, in plain words: the dashboard's
//! explanation line and the teaching texts.

/// A short explanation of a lifecycle event, for people learning the lifecycle.
pub fn explain(event: &str) -> &'static str {
    match event {
        "BeforeBlockTraffic" => "Runs before the instance is taken out of the load balancer, using the scripts of the last successful revision.",
        "BlockTraffic" => "CodeDeploy deregisters the instance from the load balancer so it stops receiving traffic. No scripts run here.",
        "AfterBlockTraffic" => "Runs once the instance no longer receives traffic, with the last successful revision's scripts.",
        "ApplicationStop" => "Stops the running application with the previous revision's scripts. Skipped silently on a first install.",
        "DownloadBundle" => "The agent copies the revision bundle to the instance and unpacks it. No scripts run here.",
        "BeforeInstall" => "Runs before files are copied: decrypt files, back up the current version, prepare directories.",
        "Install" => "The agent copies the files named in the appspec's files section into place. No scripts run here.",
        "AfterInstall" => "Runs after the files are in place: configure the application, change permissions.",
        "ApplicationStart" => "Starts the services stopped during ApplicationStop.",
        "ValidateService" => "The last hook of an install: check that the new version works before traffic returns.",
        "BeforeAllowTraffic" => "Runs before the instance goes back behind the load balancer (Lambda/ECS: before traffic shifts).",
        "AllowTraffic" => "CodeDeploy registers the instance with the load balancer again (Lambda/ECS: shifts traffic). No scripts run here.",
        "AfterAllowTraffic" => "Runs after the instance serves traffic again (Lambda/ECS: after all traffic has moved).",
        _ => "",
    }
}
