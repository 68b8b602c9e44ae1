//! Rolling a blue/green deployment back: the roles swap, the originals take
//! traffic back and the replacements are blocked (reference §7.2).

use super::plan::Hosts;
use crate::engine::lifecycle;
use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

impl Engine {
    /// Called as a rollback deployment is created: remembers which hosts were the
    /// original and which the replacement instances, for the swap.
    pub(crate) fn plan_blue_green_rollback(&mut self, from: &str, rollback: &str) {
        let Some(a) = self.active.get(from) else {
            return;
        };
        let hosts = |label: TargetLabel| -> Vec<String> {
            a.targets
                .iter()
                .filter(|t| {
                    t.target
                        .instance_target
                        .as_ref()
                        .and_then(|i| i.instance_label.as_ref())
                        == Some(&label)
                })
                .map(|t| t.run.host.clone())
                .collect()
        };
        let info = &a.rec.info;
        let blue_green = info
            .deployment_style
            .as_ref()
            .and_then(|s| s.deployment_type.as_ref())
            == Some(&DeploymentType::BlueGreen);
        let server =
            rules::compute_platform(info.compute_platform.as_ref()) == ComputePlatform::Server;
        if !(blue_green && server) {
            return;
        }
        let roles = BlueGreenRoles {
            originals: hosts(TargetLabel::Blue),
            replacements: hosts(TargetLabel::Green),
        };
        if let Some(run) = self
            .active
            .get_mut(rollback)
            .and_then(|a| a.rec.run.as_mut())
        {
            run.blue_green = Some(BlueGreenRun {
                rollback_of: Some(roles),
                ..Default::default()
            });
        }
        self.touch(rollback);
    }

    /// A rollback of a blue/green deployment: the originals take traffic back,
    /// then the replacements are blocked (reference §7.2).
    pub(super) fn start_blue_green_rollback(
        &mut self,
        id: &str,
        group: &GroupRecord,
        roles: BlueGreenRoles,
        at: Millis,
    ) {
        let exists = |h: &String| self.fleet_hosts.contains_key(h);
        // The failed deployment may have ended before it resolved either fleet
        // (no replacement found, nothing to copy): traffic never left the group's
        // instances, and they are the originals to route it back to.
        let originals: Vec<String> = if roles.originals.is_empty() && roles.replacements.is_empty()
        {
            self.group_candidates(group)
                .into_iter()
                .filter(|c| !c.on_premises)
                .map(|c| c.id)
                .collect()
        } else {
            roles.originals.clone()
        };
        let originals: Vec<String> = originals.into_iter().filter(|h| exists(h)).collect();
        let replacements: Vec<String> = roles
            .replacements
            .iter()
            .filter(|h| exists(h))
            .cloned()
            .collect();
        if originals.is_empty() {
            return self.bg_fail(id, at, ErrorCode::NoInstances, "The rollback failed because none of the original instances exist any more: traffic cannot be routed back to them.".into());
        }
        let ok = self.plan_sides(
            id,
            Hosts::new(
                &originals,
                &lifecycle::SERVER_BLUE_GREEN_ALLOW,
                TargetLabel::Blue,
            ),
            Hosts::new(
                &replacements,
                &lifecycle::SERVER_BLUE_GREEN_BLUE,
                TargetLabel::Green,
            ),
            BlueGreenRun {
                rollback_of: Some(roles),
                ..Default::default()
            },
            at,
        );
        if ok {
            self.begin_reroute(id, at);
            self.pump_blue_green(id, at);
        }
    }
}
