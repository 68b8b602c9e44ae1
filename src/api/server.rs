//! The HTTP side: one route (`POST /`), `GET /health`, a listener, graceful
//! shutdown, and the faults a test may ask for.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, DATE};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use axum::serve::ListenerExt;
use axum::Router;
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;

use super::dispatch::dispatch;
use super::faults::{Fault, Faults};
use super::protocol::{self, MAX_BODY};
use crate::model::Exception;
use crate::runtime::Runtime;
use crate::state::ApiError;

/// How much of an oversized body is read (and thrown away) before answering
/// 413, so that a client still writing it gets the reply rather than a reset.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// How long open connections get to finish after shutdown is requested.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every request sees.
#[derive(Clone)]
struct Api {
    runtime: Runtime,
    faults: Arc<Faults>,
}

/// The application: every request goes through [`handle`].
pub fn router(runtime: Runtime) -> Router {
    router_with(runtime, Arc::new(Faults::default()))
}

fn router_with(runtime: Runtime, faults: Arc<Faults>) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(Api { runtime, faults })
        .layer(CatchPanicLayer::custom(|_| protocol::panicked()))
}

/// Every reply carries the virtual clock in `Date`, as AWS's carries its
/// own: clients read the server's time from it (`codedeck watch` measures
/// silences and waits by it, never by the local clock).
async fn handle(State(api): State<Api>, req: Request) -> Response {
    let runtime = api.runtime.clone();
    let mut reply = answer(api, req).await;
    if let Some(date) = http_date(runtime.clock_state().now) {
        reply.headers_mut().insert(DATE, date);
    }
    reply
}

thread_local! {
    /// The last second formatted, with its header: a busy server answers
    /// many requests within one second of virtual time.
    static LAST_DATE: std::cell::RefCell<Option<(i64, HeaderValue)>> =
        const { std::cell::RefCell::new(None) };
}

/// `now` as an HTTP date (whole seconds, as the header has).
fn http_date(now: i64) -> Option<HeaderValue> {
    let second = now.div_euclid(1000);
    LAST_DATE.with_borrow_mut(|last| {
        if let Some((_, v)) = last.as_ref().filter(|(s, _)| *s == second) {
            return Some(v.clone());
        }
        let text = aws_smithy_types::DateTime::from_secs(second)
            .fmt(aws_smithy_types::date_time::Format::HttpDate)
            .ok()?;
        let value = HeaderValue::from_str(&text).ok()?;
        *last = Some((second, value.clone()));
        Some(value)
    })
}

async fn answer(api: Api, req: Request) -> Response {
    if req.uri().path() == "/health" && req.method() == Method::GET {
        return protocol::health();
    }
    if req.uri().path() != "/" {
        return protocol::not_found(req.uri().path());
    }
    let runtime = api.runtime;
    if req.method() != Method::POST {
        return protocol::method_not_allowed(req.method().as_str());
    }
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return protocol::too_large();
    }
    let body = match read_body(body).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return protocol::too_large(),
        Err(e) => return protocol::error(&e),
    };
    let op = match protocol::parse_target(&parts.headers) {
        Ok(op) => op,
        Err(e) => return protocol::error(&e),
    };
    match api.faults.next(op.name()) {
        Fault::None => {}
        Fault::Throttle => {
            return protocol::error(&ApiError::new(Exception::Throttling, "Rate exceeded"));
        }
        Fault::Drop => return protocol::dropped(),
        Fault::Deny => {
            let message = format!(
                "User: arn:aws:sts::000000000000:assumed-role/codedeck/test is not authorized \
                 to perform: codedeploy:{} (denied by codedeck serve --deny)",
                op.name()
            );
            return protocol::error(&ApiError::new(Exception::AccessDenied, message));
        }
    }
    match dispatch(&runtime, op, &body) {
        Ok(out) => protocol::ok(out),
        Err(e) => protocol::error(&e),
    }
}

/// Reads the body; `None` when it is over [`MAX_BODY`] (after draining it).
async fn read_body(mut body: Body) -> Result<Option<Vec<u8>>, ApiError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::new(
                Exception::Serialization,
                format!("cannot read the request body: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.len());
        if seen > DRAIN_LIMIT {
            return Ok(None);
        }
        if seen <= MAX_BODY {
            buf.extend_from_slice(&data);
        } else if !buf.is_empty() {
            buf = Vec::new();
        }
    }
    Ok((seen <= MAX_BODY).then_some(buf))
}

/// Binds `addr`, turning the usual failures into one clear sentence.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            anyhow::anyhow!("address {addr} is already in use (is another codedeck running?)")
        }
        std::io::ErrorKind::AddrNotAvailable => {
            anyhow::anyhow!("cannot listen on {addr}: no such local address")
        }
        std::io::ErrorKind::PermissionDenied => {
            anyhow::anyhow!("cannot listen on {addr}: permission denied")
        }
        _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
    })
}

/// Serves the CodeDeploy API on `listener` until `shutdown` completes, then
/// stops accepting and lets open requests finish (for a few seconds at most).
/// The caller owns the runtime's shutdown (final commit, lock release).
pub async fn serve(
    listener: TcpListener,
    runtime: Runtime,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, runtime, Faults::default(), shutdown).await
}

/// [`serve`], with `faults` injected into a share of the requests.
pub async fn serve_with(
    listener: TcpListener,
    runtime: Runtime,
    faults: Faults,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {e}");
        }
    });
    let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(true);
    };
    let server = axum::serve(listener, router_with(runtime, Arc::new(faults)))
        .with_graceful_shutdown(signal)
        .into_future();
    let grace = async move {
        if stopping_rx.wait_for(|s| *s).await.is_err() {
            // The server finished on its own: never fire.
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        r = server => r.map_err(|e| anyhow::anyhow!("server error: {e}")),
        _ = grace => {
            tracing::warn!("connections still open {SHUTDOWN_GRACE:?} after shutdown; closing them");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_header_is_the_virtual_second() {
        let t = 1_700_000_000_000; // 2023-11-14T22:13:20Z
        let first = http_date(t + 250).expect("date");
        assert_eq!(first, "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(http_date(t + 999).expect("same second"), first);
        assert_eq!(
            http_date(t + 1000).expect("next second"),
            "Tue, 14 Nov 2023 22:13:21 GMT"
        );
        assert_eq!(
            http_date(t - 1).expect("the second before"),
            "Tue, 14 Nov 2023 22:13:19 GMT"
        );
    }
}
