//! One method per CodeDeploy operation, grouped by resource.

mod stubs;
