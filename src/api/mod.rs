//! The CodeDeploy JSON 1.1 API (axum). Thin: decode, call the runtime, encode.
//!
//! - [`protocol`]: the wire rules (target header, reply headers, error bodies);
//! - [`dispatch`]: operation → engine method, generated from the operation table;
//! - [`server`]: the route, the listener and graceful shutdown;
//! - [`faults`]: throttling and dropped connections on request, for testing clients.

pub mod dispatch;
pub mod faults;
pub mod protocol;
pub mod server;

pub use server::{bind, router, serve, serve_with};
