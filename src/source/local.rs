//! The embedded runtime as a source: reads under its lock, acts through the
//! same operations as the API, and pushes a change counter (no polling).

use std::sync::Mutex;

use tokio::sync::watch;

use super::read::{self, RowCache};
use super::*;
use crate::runtime::Runtime;

pub struct LocalSource {
    runtime: Runtime,
    cache: Mutex<RowCache>,
}

impl LocalSource {
    pub fn new(runtime: Runtime) -> LocalSource {
        LocalSource {
            runtime,
            cache: Mutex::new(RowCache::new()),
        }
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl Source for LocalSource {
    fn mode(&self) -> String {
        format!("local {}", self.runtime.location())
    }

    fn load(&self, req: &Request) -> anyhow::Result<Data> {
        let clock = self.runtime.clock_state();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let mut data = self
            .runtime
            .call(Operation::BatchGetDeployments, |e, now, ar| {
                Ok(read::load(e, ar, now, req, &mut cache))
            })
            .map_err(|e| anyhow::anyhow!("{}", e.message))??;
        data.speed = clock.speed;
        data.paused = clock.paused;
        Ok(data)
    }

    fn act(&mut self, action: &Action) -> Outcome {
        match action {
            Action::Pause(p) => {
                self.runtime.pause(*p);
                Ok(if *p { "paused" } else { "resumed" }.into())
            }
            Action::Step => Ok(match self.runtime.step() {
                Some(_) => "stepped to the next event".into(),
                None => "nothing is scheduled".into(),
            }),
            Action::Speed(s) => {
                self.runtime.set_speed(*s);
                Ok(format!("speed {}", crate::cli::format_speed(*s)))
            }
            _ => self
                .runtime
                .call(act::operation(action), |e, now, ar| {
                    Ok(act::perform(e, now, ar, action))
                })
                .map_err(|e| e.message)?,
        }
    }

    fn changes(&self) -> Option<watch::Receiver<u64>> {
        Some(self.runtime.subscribe())
    }

    fn is_local(&self) -> bool {
        true
    }
}
