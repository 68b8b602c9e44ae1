//! The dashboard, Elm style (DESIGN.md "tui/"): a [`Model`], [`Msg`]s,
//! [`update()`] turning input into intent, [`view()`] drawing from the model
//! only, and an app loop that alone acts on the [`crate::source::Source`],
//! whose reads run off the UI thread (`loader`).

pub mod animation;
pub mod app;
pub mod harness;
pub mod keymap;
mod loader;
pub mod model;
mod popup;
pub mod popup_keys;
mod prompt;
pub mod screenshot;
pub mod theme;
mod timeline;
pub mod tour;
mod traffic;
pub mod update;
pub mod view;
mod widgets;

pub use model::{ApiStatus, Cmd, Model, Msg};
pub use update::update;
pub use view::view;
