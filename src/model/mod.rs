//! The CodeDeploy resources as serde types with their wire names.
//!
//! `shapes`, `enums`, `exceptions` and `operations` are generated from the botocore
//! model (tools/gen_model.py); this module adds the hand-written pieces: time,
//! identifiers, what statuses mean, lifecycle event explanations and the
//! `wire_enum!` macro.

pub mod configs;
pub mod enums;
pub mod exceptions;
pub mod explain;
pub mod ids;
pub mod labels;
pub mod lifecycle_event;
pub mod operations;
pub mod rules;
pub mod shapes;
mod status;
pub mod time;

pub use enums::*;
pub use exceptions::Exception;
pub use operations::Operation;
pub use shapes::*;
pub use time::Timestamp;

/// A string enum with an `UnknownValue` catch-all, so that a value outside the
/// model still parses and validation can name the precise exception.
#[macro_export]
macro_rules! wire_enum {
    ($name:ident { $($variant:ident => $wire:literal),* $(,)? }) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)*
            UnknownValue(std::string::String),
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::UnknownValue(s) => s.as_str(),
                }
            }

            pub fn parse(s: &str) -> $name {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::UnknownValue(other.to_string()),
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::UnknownValue(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}
pub use wire_enum;
