//! A source over an engine on a fixed virtual clock: time moves only when
//! stepped. Deterministic, for snapshot tests, benchmarks and screenshots.

use tokio::sync::watch;

use super::read::{self, RowCache};
use super::*;
use crate::engine::world::Fleet;
use crate::engine::{ApiResult, Archive, Engine, EngineOptions, MemArchive};

/// 2023-11-14 22:13:20 UTC: where simulated worlds start.
pub const T0: Millis = 1_700_000_000_000;

pub struct SimSource {
    pub engine: Engine,
    pub archive: MemArchive,
    pub now: Millis,
    pub speed: f64,
    pub paused: bool,
}

impl SimSource {
    pub fn new(fleet: Fleet, seed: u64) -> SimSource {
        let mut sim = SimSource {
            engine: Engine::new(EngineOptions::default(), seed, fleet, T0),
            archive: MemArchive::default(),
            now: T0,
            speed: 1.0,
            paused: true,
        };
        sim.flush();
        sim
    }

    fn flush(&mut self) {
        let changes = self.engine.take_changes();
        self.archive.apply(&changes);
    }

    /// Runs an engine operation now and applies its changes.
    pub fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.engine.advance(self.now, &self.archive);
        let out = f(&mut self.engine, self.now, &self.archive);
        self.flush();
        out
    }

    /// Moves time forward by `ms`.
    pub fn advance(&mut self, ms: Millis) {
        self.now += ms;
        self.engine.advance(self.now, &self.archive);
        self.flush();
    }

    /// Jumps to the next timer; false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(due) = self.engine.next_due() else {
            return false;
        };
        self.now = self.now.max(due);
        self.engine.advance(self.now, &self.archive);
        self.flush();
        true
    }
}

impl Source for SimSource {
    fn mode(&self) -> String {
        "demo (simulated)".into()
    }

    fn load(&self, req: &Request) -> anyhow::Result<Data> {
        let mut cache = RowCache::new();
        let mut data = read::load(&self.engine, &self.archive, self.now, req, &mut cache)?;
        data.speed = self.speed;
        data.paused = self.paused;
        Ok(data)
    }

    fn act(&mut self, action: &Action) -> Outcome {
        match action {
            Action::Pause(p) => {
                self.paused = *p;
                Ok(String::new())
            }
            Action::Step => {
                self.step();
                Ok(String::new())
            }
            Action::Speed(s) => {
                self.speed = *s;
                Ok(String::new())
            }
            _ => {
                let now = self.now;
                self.engine.advance(now, &self.archive);
                let out = act::perform(&mut self.engine, now, &self.archive, action);
                self.flush();
                out
            }
        }
    }

    fn changes(&self) -> Option<watch::Receiver<u64>> {
        None
    }

    fn is_local(&self) -> bool {
        true
    }
}
