//! The server's clock, read off each reply's `Date` header: what the watcher
//! stamps heartbeats with and measures silences against. Never the local
//! clock: a CI runner's may lag AWS's by minutes, and a sped-up codedeck's
//! virtual clock runs ahead of both.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_codedeploy::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_codedeploy::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_codedeploy::error::BoxError;
use aws_smithy_types::date_time::{DateTime, Format};

use crate::model::time::Millis;

/// The last `Date` a reply carried, and when it arrived.
#[derive(Debug, Clone, Default)]
pub struct ServerClock {
    last: Arc<Mutex<Option<(Millis, Instant)>>>,
}

impl ServerClock {
    /// The server's time now, as far as its last reply tells: that reply's
    /// `Date` plus the time since (`None` before any reply).
    pub fn now(&self) -> Option<Millis> {
        let last = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.map(|(at, seen)| at + seen.elapsed().as_millis() as Millis)
    }

    fn record(&self, date: &str) {
        let parsed = DateTime::from_str(date, Format::HttpDate).map(DateTime::to_millis);
        if let Ok(Ok(ms)) = parsed {
            *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((ms, Instant::now()));
        }
    }
}

impl Intercept for ServerClock {
    fn name(&self) -> &'static str {
        "codedeck::ServerClock"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            self.record(date);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_header_sets_the_clock() {
        let c = ServerClock::default();
        assert_eq!(c.now(), None);
        c.record("Tue, 29 Apr 2014 18:30:38 GMT");
        let now = c.now().expect("a time");
        assert!(
            (1_398_796_238_000..1_398_796_248_000).contains(&now),
            "{now}"
        );
        c.record("not a date");
        assert!(c.now().is_some_and(|n| n >= 1_398_796_238_000));
    }
}
