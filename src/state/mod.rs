//! The records the engine keeps and the store persists (deployments, targets,
//! groups, the fleet), the changes a step produces and the errors operations
//! answer with, and what one dashboard screen reads (`view`): data, no
//! CodeDeploy rules (DESIGN.md "state/"). Everything above the engine reads
//! these types without importing the engine.

pub mod archive;
pub mod change;
pub mod error;
pub mod fleet;
mod fleet_file;
pub mod narrate;
pub mod orders;
pub mod records;
pub mod rng;
pub mod view;

pub use archive::{Archive, DeploymentQuery, ListedDeployment, MemArchive};
pub use change::{Change, Snapshot};
pub use error::{err, ApiError, ApiResult};
pub use records::*;
