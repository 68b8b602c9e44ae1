//! The embedded runtime as a source: reads through the runtime's read view
//! (`Runtime::screen`), acts
//! through `Runtime::write` with the same engine methods the API calls (so
//! the same rules apply), and pushes a change counter (no polling).

mod act;

use std::sync::Mutex;

use tokio::sync::watch;

use super::*;
use crate::runtime::{Runtime, ScreenCache};

pub struct LocalSource {
    runtime: Runtime,
    mode: String,
    cache: Mutex<ScreenCache>,
}

impl LocalSource {
    /// The header names the state file.
    pub fn new(runtime: Runtime) -> LocalSource {
        let mode = format!("local {}", runtime.location());
        LocalSource::named(runtime, mode)
    }

    /// The header says `mode` (the demo, a lesson).
    pub fn named(runtime: Runtime, mode: impl Into<String>) -> LocalSource {
        LocalSource {
            runtime,
            mode: mode.into(),
            cache: Mutex::new(ScreenCache::default()),
        }
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Performs `action` now (what `act` resolves to).
    pub fn perform(&self, action: &Action) -> Outcome {
        act::perform(&self.runtime, action)
    }

    /// Reads what `req` selects now (what `load` resolves to).
    pub fn read(&self, req: &Request) -> anyhow::Result<Data> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        self.runtime
            .screen(req, &mut cache)
            .map_err(|e| anyhow::anyhow!("{}", e.message))
    }
}

impl Source for LocalSource {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            mode: self.mode.clone(),
            local: true,
        }
    }

    fn load(&self, req: Request) -> Pending<'_, anyhow::Result<Data>> {
        Box::pin(async move { self.read(&req) })
    }

    fn act(&self, action: Action) -> Pending<'_, Outcome> {
        Box::pin(async move { act::perform(&self.runtime, &action) })
    }

    fn changes(&self) -> Option<watch::Receiver<u64>> {
        Some(self.runtime.subscribe())
    }

    fn find(&self, what: String) -> Pending<'_, Result<Place, String>> {
        Box::pin(async move { self.runtime.find(&what) })
    }
}
