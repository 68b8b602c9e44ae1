//! Input validation (reference §14), as pure functions: each failure answers
//! with the exact AWS exception and a message naming the member and value.
//! One file per kind of input; every check is re-exported here.

mod config_settings;
mod deployment_options;
mod group_members;
mod group_settings;
mod list_filters;
mod names;
mod revision_locations;
mod tagging;

pub use config_settings::*;
pub use deployment_options::*;
pub use group_members::*;
pub use group_settings::*;
pub use list_filters::*;
pub use names::*;
pub use revision_locations::*;
pub use tagging::*;

#[cfg(test)]
use crate::{model::Exception, state::error::ApiResult};

/// The exception a validation answers (tests).
#[cfg(test)]
fn exc<T: std::fmt::Debug>(r: ApiResult<T>) -> Exception {
    r.unwrap_err().exception
}
