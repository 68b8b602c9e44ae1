//! Operation → engine method, generated from `crate::for_each_operation!`:
//! decode the input, call the runtime, encode the output.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::*;
use crate::runtime::Runtime;
use crate::state::{ApiError, ApiResult};

/// Decodes a request body; an empty body is `{}`.
fn decode<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ApiError::new(Exception::Serialization, e.to_string()))
}

/// Encodes an output; operations without an output shape answer an empty body.
fn encode<T: Serialize>(op: Operation, out: &T) -> ApiResult<Vec<u8>> {
    if !op.has_output() {
        return Ok(Vec::new());
    }
    serde_json::to_vec(out).map_err(|e| {
        tracing::error!("cannot encode the {} reply: {e}", op.name());
        ApiError::new(Exception::InternalFailure, "cannot encode the reply")
    })
}

/// GetDeployment of a finished deployment the runtime has cached: the reply
/// encoded the first time, shared since. `None` sends the request down the
/// ordinary path (which answers errors, and caches the record for next time).
fn finished_reply(runtime: &Runtime, body: &[u8]) -> Option<ApiResult<Bytes>> {
    let input: GetDeploymentInput = decode(body).ok()?;
    let id = input.deployment_id?;
    runtime.finished_get_deployment(&id, |out| encode(Operation::GetDeployment, out))
}

/// Every modeled (non-common) exception an operation answers must be one the
/// model declares for it. Debug builds assert it, so tests catch the engine
/// answering an undeclared exception; release builds log it.
pub fn check_declared(op: Operation, err: &ApiError) {
    let ok = err.exception.is_common() || op.errors().contains(&err.exception);
    debug_assert!(
        ok,
        "{} answered {}, which the model does not declare for it ({})",
        op.name(),
        err.exception.name(),
        err.message
    );
    if !ok {
        tracing::warn!(
            "{} answered {}, which the model does not declare for it",
            op.name(),
            err.exception.name()
        );
    }
}

/// One call through the runtime's read or write entry point, as the
/// operation table declares.
macro_rules! invoke {
    (read, $rt:expr, $op:expr, $method:ident, $input:expr) => {
        $rt.read(|engine, now, ar| engine.$method(now, ar, $input))
    };
    (write, $rt:expr, $op:expr, $method:ident, $input:expr) => {
        $rt.write($op.name(), |engine, now, ar| {
            engine.$method(now, ar, $input)
        })
    };
}

macro_rules! dispatch_table {
    ($($op:ident => $kind:ident $method:ident($input:ident) -> $output:ty;)*) => {
        /// Runs `op` with a JSON `body`; the reply body on success.
        pub fn dispatch(runtime: &Runtime, op: Operation, body: &[u8]) -> ApiResult<Bytes> {
            if op == Operation::GetDeployment {
                if let Some(reply) = finished_reply(runtime, body) {
                    return reply;
                }
            }
            let result = match op {
                $(
                    Operation::$op => decode::<$input>(body).and_then(|input| {
                        let out: $output = invoke!($kind, runtime, op, $method, input)?;
                        encode(op, &out).map(Bytes::from)
                    }),
                )*
            };
            if let Err(e) = &result {
                check_declared(op, e);
            }
            result
        }
    };
}

crate::for_each_operation!(dispatch_table);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_is_an_empty_object() {
        let v: ListApplicationsInput = decode(b"").expect("empty");
        assert_eq!(v, ListApplicationsInput::default());
        let v: ListApplicationsInput = decode(b" \n").expect("blank");
        assert_eq!(v, ListApplicationsInput::default());
    }

    #[test]
    fn wrong_member_type_is_a_serialization_error() {
        let e = decode::<CreateApplicationInput>(br#"{"applicationName": 5}"#).expect_err("bad");
        assert_eq!(e.exception, Exception::Serialization);
        assert!(e.message.contains("invalid type"), "{}", e.message);
    }

    #[test]
    fn no_output_operations_answer_nothing() {
        assert_eq!(encode(Operation::ContinueDeployment, &()), Ok(Vec::new()));
        assert_eq!(
            encode(Operation::TagResource, &TagResourceOutput::default()),
            Ok(b"{}".to_vec())
        );
    }

    #[test]
    fn every_operation_dispatches() {
        let rt = Runtime::open(crate::runtime::RuntimeOptions::memory(1.0)).expect("runtime");
        for op in Operation::ALL {
            // Every operation is served: a reply, or an error the operation
            // declares (or the common ones every operation may answer) —
            // never InternalFailure, which is what a missing arm would say.
            if let Err(e) = dispatch(&rt, op, b"{}") {
                assert_ne!(
                    e.exception,
                    Exception::InternalFailure,
                    "{}: {}",
                    op.name(),
                    e.message
                );
                assert!(
                    op.errors().contains(&e.exception) || e.exception.is_common(),
                    "{} answered {} ({}), which it does not declare",
                    op.name(),
                    e.exception.name(),
                    e.message
                );
            }
        }
    }
}
