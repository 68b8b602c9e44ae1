//! codedeck: a terminal dashboard with a faithful local AWS CodeDeploy engine.

pub mod engine;
pub mod model;
pub mod store;
pub mod runtime;
pub mod api;
pub mod cli;
