//! What one engine step hands the store ([`Change`]) and what the store hands
//! back at start ([`Snapshot`]).

use super::fleet::Fleet;
use super::records::*;

/// Everything the engine keeps in memory, as loaded from the store at start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub meta: Option<Meta>,
    /// The simulated world, stored apart from `meta` because it rarely changes.
    pub fleet: Option<Fleet>,
    pub applications: Vec<ApplicationRecord>,
    pub groups: Vec<GroupRecord>,
    pub configs: Vec<ConfigRecord>,
    pub instances: Vec<InstanceRecord>,
    pub hosts: Vec<HostRecord>,
    pub alarms: Vec<AlarmRecord>,
    pub functions: Vec<FunctionRecord>,
    pub services: Vec<ServiceRecord>,
    /// Deployments not yet finished, with their targets.
    pub active: Vec<(DeploymentRecord, Vec<TargetRecord>)>,
}

/// One record the engine touched during a step. The store applies a step's
/// changes in order, in one transaction.
// Changes live only for one step; boxing the large records would cost an
// allocation each for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Meta(Meta),
    /// The fleet file in use (written when it is first set or replaced).
    Fleet(Fleet),
    Application(ApplicationRecord),
    /// Removes the application with its groups, deployments, targets and revisions.
    ApplicationDeleted {
        application_id: String,
    },
    Group(GroupRecord),
    /// Removes the group; its past deployments stay readable.
    GroupDeleted {
        group_id: String,
    },
    Config(ConfigRecord),
    ConfigDeleted {
        name: String,
    },
    Instance(InstanceRecord),
    /// Removes an on-premises instance's record (CodeDeploy deletes a
    /// deregistered instance's record after 24 hours).
    InstanceDeleted {
        name: String,
    },
    Revision(RevisionRecord),
    Deployment(DeploymentRecord),
    /// A new `rollbackInfo.rollbackMessage` for a deployment that finished in
    /// an earlier step (its rollback ended): the engine keeps no finished
    /// deployment in memory and never reads one back on a timer path, so the
    /// store rewrites the stored record (a record without `rollbackInfo`, or
    /// none at all, is left as it is).
    RollbackMessage {
        deployment_id: String,
        message: String,
    },
    Target(TargetRecord),
    Host(HostRecord),
    Alarm(AlarmRecord),
    Function(FunctionRecord),
    Service(ServiceRecord),
    Event(EventRecord),
}
