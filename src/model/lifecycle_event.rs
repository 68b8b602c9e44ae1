//! Lifecycle event names (reference §7): the one list of them, the order each
//! kind of target runs them in, and who runs each. Strings stay at the edges
//! (the wire's `lifecycleEventName`, the fleet file, lessons, CLI flags) and
//! are parsed here once.

use std::fmt;
use std::str::FromStr;

/// A lifecycle event CodeDeploy reports for a target. `Start` and `End`
/// appear only in the documentation's diagrams, never in `lifecycleEvents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LifecycleEventName {
    ApplicationStop,
    DownloadBundle,
    BeforeInstall,
    Install,
    AfterInstall,
    ApplicationStart,
    ValidateService,
    BeforeBlockTraffic,
    BlockTraffic,
    AfterBlockTraffic,
    BeforeAllowTraffic,
    AllowTraffic,
    AfterAllowTraffic,
    AllowTestTraffic,
    AfterAllowTestTraffic,
}

use LifecycleEventName::*;

impl LifecycleEventName {
    /// Every name, the EC2/on-premises ones first in their order behind a
    /// load balancer, then the two only ECS has.
    pub const ALL: [LifecycleEventName; 15] = {
        // SERVER_IN_PLACE_LB is written once; ALL extends it.
        let mut all = [AllowTestTraffic; 15];
        let mut i = 0;
        while i < SERVER_IN_PLACE_LB.len() {
            all[i] = SERVER_IN_PLACE_LB[i];
            i += 1;
        }
        all[14] = AfterAllowTestTraffic;
        all
    };

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStop => "ApplicationStop",
            DownloadBundle => "DownloadBundle",
            BeforeInstall => "BeforeInstall",
            Install => "Install",
            AfterInstall => "AfterInstall",
            ApplicationStart => "ApplicationStart",
            ValidateService => "ValidateService",
            BeforeBlockTraffic => "BeforeBlockTraffic",
            BlockTraffic => "BlockTraffic",
            AfterBlockTraffic => "AfterBlockTraffic",
            BeforeAllowTraffic => "BeforeAllowTraffic",
            AllowTraffic => "AllowTraffic",
            AfterAllowTraffic => "AfterAllowTraffic",
            AllowTestTraffic => "AllowTestTraffic",
            AfterAllowTestTraffic => "AfterAllowTestTraffic",
        }
    }

    /// Parses `name` as one of `valid` (a platform's order), with an error
    /// that lists them.
    pub fn parse_among(name: &str, valid: &[LifecycleEventName]) -> Result<Self, UnknownEvent> {
        valid
            .iter()
            .copied()
            .find(|e| e.as_str() == name)
            .ok_or_else(|| UnknownEvent {
                name: name.to_string(),
                valid: valid.to_vec(),
            })
    }

    /// The reserved events, which run no appspec scripts: the agent's
    /// DownloadBundle and Install, the service's BlockTraffic and
    /// AllowTraffic (reference §7.1, "reserved").
    pub fn is_reserved(self) -> bool {
        matches!(self, DownloadBundle | Install | BlockTraffic | AllowTraffic)
    }

    /// True for the events that run appspec scripts (the hooks).
    pub fn runs_scripts(self) -> bool {
        !self.is_reserved()
    }

    /// True for the events a host's CodeDeploy agent runs (hooks,
    /// DownloadBundle, Install); the service (the load balancer) runs
    /// BlockTraffic and AllowTraffic itself.
    pub fn agent_runs(self) -> bool {
        !matches!(self, BlockTraffic | AllowTraffic)
    }

    /// True for the hooks that run the last successful install's scripts,
    /// not this revision's: the only ones that may come before
    /// DownloadBundle, and those `ignoreApplicationStopFailures` forgives.
    pub fn runs_last_revision(self) -> bool {
        FROM_LAST_INSTALL.contains(&self)
    }
}

impl fmt::Display for LifecycleEventName {
    /// Pads like the name would (`{:<20}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Compares with a wire name: `event == "Install"`.
impl PartialEq<&str> for LifecycleEventName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Stored as its wire name ("ApplicationStop"), as the state file always had it.
impl serde::Serialize for LifecycleEventName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for LifecycleEventName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for LifecycleEventName {
    type Err = UnknownEvent;

    /// Any platform's event; `parse_among` narrows to one platform's.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_among(s, &Self::ALL)
    }
}

/// A name that is not a lifecycle event (of the platform asked about).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lifecycle event {name:?} (expected one of {})", names(valid))]
pub struct UnknownEvent {
    pub name: String,
    pub valid: Vec<LifecycleEventName>,
}

/// `events` as a comma-separated list of their names.
pub fn names(events: &[LifecycleEventName]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// EC2/on-premises in-place without a load balancer (7 events).
pub const SERVER_IN_PLACE: [LifecycleEventName; 7] = [
    ApplicationStop,
    DownloadBundle,
    BeforeInstall,
    Install,
    AfterInstall,
    ApplicationStart,
    ValidateService,
];

/// EC2/on-premises in-place behind a load balancer (13 events); every
/// event an EC2/on-premises host can run.
pub const SERVER_IN_PLACE_LB: [LifecycleEventName; 13] = [
    BeforeBlockTraffic,
    BlockTraffic,
    AfterBlockTraffic,
    ApplicationStop,
    DownloadBundle,
    BeforeInstall,
    Install,
    AfterInstall,
    ApplicationStart,
    ValidateService,
    BeforeAllowTraffic,
    AllowTraffic,
    AfterAllowTraffic,
];

/// EC2 blue/green replacement (Green) instances: install, then allow traffic (10 events).
pub const SERVER_BLUE_GREEN_GREEN: [LifecycleEventName; 10] = [
    ApplicationStop,
    DownloadBundle,
    BeforeInstall,
    Install,
    AfterInstall,
    ApplicationStart,
    ValidateService,
    BeforeAllowTraffic,
    AllowTraffic,
    AfterAllowTraffic,
];

/// EC2 blue/green original (Blue) instances: block traffic (3 events); in a
/// rollback the replacement instances run these.
pub const SERVER_BLUE_GREEN_BLUE: [LifecycleEventName; 3] =
    [BeforeBlockTraffic, BlockTraffic, AfterBlockTraffic];

/// EC2 blue/green rollback: the original instances take traffic back (3 events).
pub const SERVER_BLUE_GREEN_ALLOW: [LifecycleEventName; 3] =
    [BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic];

/// Lambda target events (§7.3).
pub const LAMBDA_EVENTS: [LifecycleEventName; 3] =
    [BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic];

/// ECS target events (§7.4).
pub const ECS_EVENTS: [LifecycleEventName; 8] = [
    BeforeInstall,
    Install,
    AfterInstall,
    AllowTestTraffic,
    AfterAllowTestTraffic,
    BeforeAllowTraffic,
    AllowTraffic,
    AfterAllowTraffic,
];

/// The lifecycle events a Lambda appspec may hook (reference §13.6).
pub const LAMBDA_HOOKS: [LifecycleEventName; 2] = [BeforeAllowTraffic, AfterAllowTraffic];

/// The lifecycle events an ECS appspec may hook (reference §13.6).
pub const ECS_HOOKS: [LifecycleEventName; 5] = [
    BeforeInstall,
    AfterInstall,
    AfterAllowTestTraffic,
    BeforeAllowTraffic,
    AfterAllowTraffic,
];

/// The hooks that run from the last successful install (reference §13.5),
/// in the order a target behind a load balancer runs them.
pub const FROM_LAST_INSTALL: [LifecycleEventName; 3] =
    [ApplicationStop, BeforeBlockTraffic, AfterBlockTraffic];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for e in LifecycleEventName::ALL {
            assert_eq!(e.as_str().parse::<LifecycleEventName>(), Ok(e));
            assert_eq!(e.to_string(), e.as_str());
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let err = LifecycleEventName::parse_among("Validate", &SERVER_IN_PLACE).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown lifecycle event \"Validate\" (expected one of ApplicationStop, \
             DownloadBundle, BeforeInstall, Install, AfterInstall, ApplicationStart, ValidateService)"
        );
        // A real event of another platform is not one of this platform's.
        assert!(LifecycleEventName::parse_among("AllowTestTraffic", &SERVER_IN_PLACE_LB).is_err());
        assert!("allowtraffic".parse::<LifecycleEventName>().is_err());
    }

    #[test]
    fn who_runs_what() {
        let scripts: Vec<_> = SERVER_IN_PLACE_LB
            .iter()
            .filter(|e| !e.runs_scripts())
            .collect();
        assert_eq!(
            scripts,
            [&BlockTraffic, &DownloadBundle, &Install, &AllowTraffic]
        );
        let service: Vec<_> = LifecycleEventName::ALL
            .iter()
            .filter(|e| !e.agent_runs())
            .collect();
        assert_eq!(service, [&BlockTraffic, &AllowTraffic]);
        assert!(ApplicationStop.runs_last_revision() && !BeforeInstall.runs_last_revision());
    }

    #[test]
    fn serde_uses_the_wire_name() {
        let json = serde_json::to_string(&ValidateService).expect("serializes");
        assert_eq!(json, "\"ValidateService\"");
        let back: LifecycleEventName = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, ValidateService);
        let err = serde_json::from_str::<LifecycleEventName>("\"Validate\"").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unknown lifecycle event \"Validate\" (expected one of BeforeBlockTraffic"
            ),
            "{err}"
        );
    }

    #[test]
    fn every_platform_order_is_drawn_from_all() {
        let orders: [&[LifecycleEventName]; 7] = [
            &SERVER_IN_PLACE,
            &SERVER_IN_PLACE_LB,
            &SERVER_BLUE_GREEN_GREEN,
            &SERVER_BLUE_GREEN_BLUE,
            &SERVER_BLUE_GREEN_ALLOW,
            &LAMBDA_EVENTS,
            &ECS_EVENTS,
        ];
        for order in orders {
            assert!(order.iter().all(|e| LifecycleEventName::ALL.contains(e)));
        }
        assert_eq!(&LifecycleEventName::ALL[..13], &SERVER_IN_PLACE_LB);
    }
}
