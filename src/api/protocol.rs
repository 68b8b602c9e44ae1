//! The awsJson1_1 wire rules: target header, reply headers, error encoding.
//! (Reference: codedeploy.md §1.)

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::header::{HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::Response;
use serde::Serialize;

use crate::model::{Exception, Operation};
use crate::state::ApiError;

/// `X-Amz-Target: CodeDeploy_20141006.<Operation>`.
pub const TARGET_HEADER: &str = "x-amz-target";
pub const TARGET_PREFIX: &str = "CodeDeploy_20141006.";
pub const CONTENT_TYPE_JSON: &str = "application/x-amz-json-1.1";
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-amzn-requestid");
pub const ERROR_TYPE_HEADER: HeaderName = HeaderName::from_static("x-amzn-errortype");
/// Largest request body accepted (AWS's own limit for this protocol is similar).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// The operation an `X-Amz-Target` header names.
pub fn parse_target(headers: &HeaderMap) -> Result<Operation, ApiError> {
    let Some(value) = headers.get(TARGET_HEADER) else {
        return Err(ApiError::new(
            Exception::UnknownOperation,
            "Missing X-Amz-Target header",
        ));
    };
    let Ok(target) = value.to_str() else {
        return Err(ApiError::new(
            Exception::UnknownOperation,
            "X-Amz-Target header is not valid text",
        ));
    };
    let Some(name) = target.strip_prefix(TARGET_PREFIX) else {
        return Err(ApiError::new(
            Exception::UnknownOperation,
            format!("Unknown operation target {target:?}: expected {TARGET_PREFIX}<Operation>"),
        ));
    };
    operation(name).ok_or_else(|| {
        ApiError::new(
            Exception::UnknownOperation,
            format!("Unknown operation {name:?}"),
        )
    })
}

/// Operation by wire name (a hash lookup: `Operation::from_name` scans the list,
/// which showed up in the API's profile).
fn operation(name: &str) -> Option<Operation> {
    static BY_NAME: OnceLock<HashMap<&'static str, Operation>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| Operation::ALL.iter().map(|op| (op.name(), *op)).collect())
        .get(name)
        .copied()
}

/// HTTP status for an exception: 500 for InternalFailure, 400 for everything
/// else (the model gives no status, so the awsJson default of 400 applies).
pub fn status_of(exception: Exception) -> StatusCode {
    match exception {
        Exception::InternalFailure => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

thread_local! {
    /// Per-thread splitmix64 state, seeded once from the OS generator: request
    /// IDs need to be unique, not secret, and a syscall per reply shows up in
    /// the API's throughput.
    static REQUEST_ID_STATE: std::cell::Cell<u64> = std::cell::Cell::new({
        let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
        a ^ b.rotate_left(29)
    });
}

fn next_random() -> u64 {
    REQUEST_ID_STATE.with(|s| {
        let x = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set(x);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// A fresh `x-amzn-RequestId` value (UUID v4).
pub fn request_id() -> HeaderValue {
    let bits = (u128::from(next_random()) << 64) | u128::from(next_random());
    let uuid = uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid();
    let mut buf = uuid::Uuid::encode_buffer();
    let id = uuid.hyphenated().encode_lower(&mut buf);
    // A hyphenated UUID is always a valid header value.
    HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static(
        "00000000-0000-0000-0000-000000000000",
    ))
}

/// Every reply: status, JSON content type, request ID.
fn reply(status: StatusCode, body: Body) -> Response {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_JSON));
    h.insert(REQUEST_ID_HEADER, request_id());
    res
}

/// A successful reply; `body` is empty for operations without an output.
pub fn ok(body: bytes::Bytes) -> Response {
    reply(StatusCode::OK, Body::from(body))
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "__type")]
    kind: &'a str,
    message: &'a str,
}

/// `{"__type":"<ExceptionName>","message":"..."}`.
pub fn error_body(exception: Exception, message: &str) -> Vec<u8> {
    let body = ErrorBody {
        kind: exception.name(),
        message,
    };
    // Two strings always serialise.
    serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec())
}

/// An error reply with the status the exception calls for.
pub fn error(err: &ApiError) -> Response {
    error_with_status(status_of(err.exception), err)
}

/// An error reply with an explicit status (404, 405, 413...).
pub fn error_with_status(status: StatusCode, err: &ApiError) -> Response {
    let mut res = reply(status, Body::from(error_body(err.exception, &err.message)));
    res.headers_mut().insert(
        ERROR_TYPE_HEADER,
        HeaderValue::from_static(err.exception.name()),
    );
    res
}

/// 404 for any path but `/`.
pub fn not_found(path: &str) -> Response {
    error_with_status(
        StatusCode::NOT_FOUND,
        &ApiError::new(
            Exception::UnknownOperation,
            format!(
                "No resource at {path:?}: the CodeDeploy API is POST / with an X-Amz-Target header"
            ),
        ),
    )
}

/// 405 for anything but POST on `/`.
pub fn method_not_allowed(method: &str) -> Response {
    let mut res = error_with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        &ApiError::new(
            Exception::UnknownOperation,
            format!("Method {method} not allowed: the CodeDeploy API is POST / with an X-Amz-Target header"),
        ),
    );
    res.headers_mut()
        .insert(ALLOW, HeaderValue::from_static("POST"));
    res
}

/// 413 for a body over [`MAX_BODY`].
pub fn too_large() -> Response {
    error_with_status(
        StatusCode::PAYLOAD_TOO_LARGE,
        &ApiError::new(
            Exception::Serialization,
            format!("request body exceeds the {MAX_BODY} byte limit"),
        ),
    )
}

/// `GET /health`: the API is up and answering.
pub fn health() -> Response {
    let mut res = Response::new(Body::from("ok\n"));
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    res
}

/// A reply whose body breaks off: the client sees the connection drop
/// mid-response (an injected fault).
pub fn dropped() -> Response {
    let cut = futures_util::stream::iter([
        Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"__type\":")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection dropped",
        )),
    ]);
    let mut res = reply(StatusCode::OK, Body::from_stream(cut));
    res.headers_mut().remove(CONTENT_LENGTH);
    res
}

/// The last line of defence: a handler panicked.
pub fn panicked() -> Response {
    error(&ApiError::new(
        Exception::InternalFailure,
        "internal error while handling the request; see the server log",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(target: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(t) = target {
            h.insert(TARGET_HEADER, HeaderValue::from_str(t).expect("header"));
        }
        h
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target(&headers(Some("CodeDeploy_20141006.GetDeployment"))),
            Ok(Operation::GetDeployment)
        );
        for bad in [
            None,
            Some("CodeDeploy_20141006.Nope"),
            Some("Other.GetDeployment"),
        ] {
            let e = parse_target(&headers(bad)).expect_err("must fail");
            assert_eq!(e.exception, Exception::UnknownOperation);
        }
        for op in Operation::ALL {
            let target = format!("{TARGET_PREFIX}{}", op.name());
            assert_eq!(parse_target(&headers(Some(&target))), Ok(op));
        }
        let e = parse_target(&headers(None)).expect_err("must fail");
        assert_eq!(e.message, "Missing X-Amz-Target header");
    }

    #[test]
    fn error_bodies() {
        let body = error_body(Exception::DeploymentDoesNotExist, "no \"d-1\"");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["__type"], "DeploymentDoesNotExistException");
        assert_eq!(v["message"], "no \"d-1\"");
        assert_eq!(
            status_of(Exception::InternalFailure),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(status_of(Exception::Throttling), StatusCode::BAD_REQUEST);
    }
}
