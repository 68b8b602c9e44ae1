//! codedeck: a terminal dashboard with a faithful local AWS CodeDeploy engine.

pub mod agent;
pub mod api;
pub mod cli;
pub mod demo;
pub mod engine;
pub mod lessons;
pub mod model;
pub mod runtime;
pub mod source;
pub mod state;
pub mod store;
pub mod tui;
pub mod watch;
