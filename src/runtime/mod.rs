//! The shell around the engine (DESIGN.md "runtime/"): owns the [`Engine`], the
//! [`Store`] and the [`VirtualClock`], ticks virtual time on tokio, and
//! publishes a version number every time state changes.
//!
//! Every step follows the same order: read virtual "now", let the engine
//! advance to it, apply the operation, drain the engine's changes and commit
//! them to the store in one transaction (step.rs). Operations take
//! microseconds, so the locks are plain `std::sync` ones, never held across
//! an `.await`.
//!
//! Two entry points, and the caller says which it needs: [`Runtime::read`]
//! lends `&Engine` and neither advances nor commits (the ticker keeps the
//! engine current, so reads stay cheap); [`Runtime::write`] lends `&mut Engine`
//! under a label naming the action, advances, and commits what changed.
//! The engine sits behind a read-write lock and a step releases it before its
//! commit, so reads wait neither for each other nor for a commit; what they
//! read of the archive comes from the cache or their own connection
//! (readers.rs).

mod agent_runner;
mod cache;
pub mod clock;
mod find;
mod readers;
mod screen;
mod step;
#[cfg(test)]
mod tests;
mod ticker;

pub use agent_runner::AgentOptions;
pub use screen::{ScreenCache, EVENT_LIMIT, LIST_LIMIT};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use anyhow::Context as _;
use bytes::Bytes;
use tokio::sync::{watch, Notify};

use crate::engine::{Engine, EngineOptions};
use crate::model::time::Millis;
use crate::model::{Exception, GetDeploymentOutput};
use crate::state::fleet::Fleet;
use crate::state::orders::EventOrder;
use crate::state::{
    ApiError, ApiResult, Archive, DeploymentQuery, DeploymentRecord, EventRecord, ListedDeployment,
    RevisionRecord, TargetRecord,
};
use crate::store::Store;
use cache::Cached;
use clock::VirtualClock;
use readers::Readers;
use step::Writer;

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// A state file (created if missing), owned by this process while open.
    Path(PathBuf),
    /// A private in-memory database: nothing survives the process.
    Memory,
}

impl std::fmt::Display for StateLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateLocation::Path(p) => write!(f, "{}", p.display()),
            StateLocation::Memory => f.write_str(":memory:"),
        }
    }
}

/// How to open a [`Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    pub state: StateLocation,
    /// Seed for a new state file; an existing file keeps the seed it was made with.
    pub seed: u64,
    /// Replaces the fleet stored in the state file (a new file gets the sample fleet if `None`).
    pub fleet: Option<Fleet>,
    /// Virtual seconds per wall second.
    pub speed: f64,
    /// Answer `DeploymentLimitExceededException` instead of queueing a second deployment.
    pub strict: bool,
    /// Where virtual time starts and whether it follows the wall clock.
    pub clock: ClockStart,
    /// How local hosts run their scripts.
    pub agent: AgentOptions,
}

/// How the virtual clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockStart {
    /// At the later of the persisted engine time and the wall clock, running.
    #[default]
    Wall,
    /// Running, this many milliseconds ahead of the wall clock (behind when
    /// negative, for a state file with no history): tests of clients whose
    /// clock disagrees with the server's.
    Offset(Millis),
    /// Paused at this instant: time moves only by [`Runtime::step`] and
    /// [`Runtime::advance`] (snapshots, screenshots, benchmarks, a lesson's
    /// replays).
    Fixed(Millis),
    /// Paused at this instant, running at its speed once resumed (lessons,
    /// whose replays must start where the lesson did).
    Paused(Millis),
}

impl RuntimeOptions {
    /// An in-memory runtime with the sample fleet at `speed`.
    pub fn memory(speed: f64) -> RuntimeOptions {
        RuntimeOptions {
            state: StateLocation::Memory,
            seed: 0,
            fleet: None,
            speed,
            strict: false,
            clock: ClockStart::Wall,
            agent: AgentOptions::default(),
        }
    }

    /// An in-memory runtime paused at `start` with the sample fleet.
    pub fn fixed(start: Millis) -> RuntimeOptions {
        RuntimeOptions {
            clock: ClockStart::Fixed(start),
            ..RuntimeOptions::memory(1.0)
        }
    }
}

/// What one step of the clock did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// The virtual time stepped to.
    pub now: Millis,
    /// How far virtual time moved.
    pub moved: Millis,
    /// The event log's lines for the step.
    pub said: Vec<String>,
}

/// What the dashboard shows about the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockState {
    pub speed: f64,
    pub paused: bool,
    /// Current virtual time (epoch milliseconds).
    pub now: Millis,
}

pub use crate::model::time::wall_now;

/// A cheap, cloneable handle on the running engine.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("state", &self.inner.location)
            .finish()
    }
}

pub(crate) struct Inner {
    /// Held by a step from start to commit (step.rs): taken first.
    steps: Mutex<()>,
    engine: RwLock<Engine>,
    /// Taken alone, for a few arithmetic operations.
    clock: RwLock<VirtualClock>,
    /// The state file's connection: taken after `engine`.
    writer: Mutex<Writer>,
    /// What reads of the archive go through.
    readers: Readers,
    /// Set by the final commit; reads answer `InternalFailure` from then on.
    closed: AtomicBool,
    /// Wakes the ticker: new timers, clock changes, shutdown.
    wake: Arc<Notify>,
    version: watch::Sender<u64>,
    location: StateLocation,
    /// Runs local hosts' events.
    agents: agent_runner::Agents,
}

impl Inner {
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Virtual now: the clock's reading, never behind what `engine` has seen.
    fn now_of(&self, engine: &Engine, wall: Millis) -> Millis {
        read(&self.clock).now(wall).max(engine.now())
    }
}

impl Runtime {
    /// Opens the store, loads it and restores the engine. Virtual time starts
    /// at the later of the persisted engine time and the wall clock, so it
    /// never goes backwards. Inside a tokio runtime this also starts the
    /// ticker; without one, time only moves on mutating calls and `tick()`.
    pub fn open(opts: RuntimeOptions) -> anyhow::Result<Runtime> {
        let wall = wall_now();
        let (engine, store, clock, orders) = restore(&opts, wall)?;
        let (version, _) = watch::channel(0u64);
        let runtime = Runtime {
            inner: Arc::new(Inner {
                steps: Mutex::new(()),
                engine: RwLock::new(engine),
                clock: RwLock::new(clock),
                readers: Readers::new(store.path()),
                writer: Mutex::new(Writer::new(store)),
                closed: AtomicBool::new(false),
                wake: Arc::new(Notify::new()),
                version,
                agents: agent_runner::Agents::new(opts.agent.clone(), &opts.state),
                location: opts.state,
            }),
        };
        let ticks = !matches!(opts.clock, ClockStart::Fixed(_));
        match tokio::runtime::Handle::try_current() {
            Ok(_) if !ticks => {}
            Ok(handle) => {
                handle.spawn(ticker::run(
                    Arc::downgrade(&runtime.inner),
                    runtime.inner.wake.clone(),
                ));
            }
            Err(_) => tracing::debug!("no tokio runtime: the clock ticks only on calls"),
        }
        agent_runner::dispatch(&runtime.inner, orders);
        Ok(runtime)
    }

    /// Where the state lives.
    pub fn location(&self) -> &StateLocation {
        &self.inner.location
    }

    /// The state file's path (`None` in memory).
    pub fn state_path(&self) -> Option<&Path> {
        match &self.inner.location {
            StateLocation::Path(p) => Some(p),
            StateLocation::Memory => None,
        }
    }

    /// Reads the engine and its archive at the current virtual time: no
    /// advance, no commit. After shutdown it answers `InternalFailure`.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let wall = wall_now();
        let inner = &*self.inner;
        if inner.is_closed() {
            return Err(shutting_down());
        }
        let engine = read(&inner.engine);
        let now = inner.now_of(&engine, wall);
        let source = inner.readers.source(&inner.writer);
        let archive = Cached {
            store: &source,
            cache: &inner.readers.cache,
        };
        f(&engine, now, &archive)
    }

    /// GetDeployment's reply for finished deployment `id`, as `encode` makes
    /// it of the output: made once and kept with the cached record (and
    /// forgotten with it when a commit changes the deployment). `None` when
    /// the record is not cached: the caller reads it with [`Self::read`],
    /// which caches it. Polling a finished deployment then costs neither the
    /// engine's lock nor a copy.
    pub fn finished_get_deployment(
        &self,
        id: &str,
        encode: impl FnOnce(&GetDeploymentOutput) -> ApiResult<Vec<u8>>,
    ) -> Option<ApiResult<Bytes>> {
        if self.inner.is_closed() {
            return None;
        }
        self.inner.readers.cache.reply(id, |rec| {
            encode(&crate::engine::get_deployment_output(rec.clone()))
        })
    }

    /// Changes the engine: advances it to now, runs `f`, and commits what
    /// changed in one transaction before answering. `label` names the action
    /// ("CreateDeployment", "break host") in the error a failed commit answers
    /// (`InternalFailure`).
    pub fn write<T>(
        &self,
        label: &str,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let Some((result, mut step)) = self.inner.step(None, f) else {
            return Err(shutting_down());
        };
        self.after_step(&mut step);
        if !step.committed {
            return Err(ApiError::new(
                Exception::InternalFailure,
                format!("{label} could not be saved to the state file; see the server log"),
            ));
        }
        result
    }

    /// New timers may be earlier than what the ticker sleeps for; subscribers
    /// hear of what changed.
    fn after_step(&self, step: &mut step::Step) {
        self.inner.wake.notify_one();
        if step.changed {
            self.bump();
        }
        agent_runner::dispatch(&self.inner, std::mem::take(&mut step.orders));
    }

    /// Advances to the current virtual time and commits (what the ticker does).
    pub fn tick(&self) {
        if self.inner.tick(false) {
            self.bump();
        }
    }

    fn bump(&self) {
        bump(&self.inner);
    }

    /// Notified (with a new number) after every committed change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.version.subscribe()
    }

    /// The current change counter.
    pub fn version(&self) -> u64 {
        *self.inner.version.borrow()
    }

    /// The clock as the dashboard shows it.
    pub fn clock_state(&self) -> ClockState {
        let wall = wall_now();
        let clock = *read(&self.inner.clock);
        let engine_now = read(&self.inner.engine).now();
        ClockState {
            speed: clock.speed(),
            paused: clock.is_paused(),
            now: clock.now(wall).max(engine_now),
        }
    }

    /// Pauses or resumes virtual time.
    pub fn pause(&self, paused: bool) {
        let wall = wall_now();
        write(&self.inner.clock).set_paused(wall, paused);
        self.clock_changed();
    }

    /// Changes the clock speed (virtual seconds per wall second).
    pub fn set_speed(&self, speed: f64) {
        let wall = wall_now();
        write(&self.inner.clock).set_speed(wall, speed);
        self.clock_changed();
    }

    /// Jumps virtual time to the next pending wake-up and processes it.
    /// Returns the new virtual time, or `None` when nothing is scheduled.
    pub fn step(&self) -> Option<Millis> {
        self.step_report().map(|r| r.now)
    }

    /// [`Runtime::step`], saying what happened: how far time moved and the
    /// event log's lines for the step.
    /// A step that changes nothing on screen is folded into the next, so one
    /// step is one visible change (as the paused preview says).
    pub fn step_report(&self) -> Option<StepReport> {
        let from = self.clock_state().now;
        let mut now = from;
        let mut said = Vec::new();
        for _ in 0..screen::FOLD {
            let seen = self.read(|e, _, ar| Ok((e.next_due(), screen::running(e, ar))));
            let Ok((Some(due), before)) = seen else {
                break;
            };
            let (at, log) = self.jump(due);
            now = at;
            said = log;
            // Shut down meanwhile: the log's lines are all there is to say.
            let Ok(after) = self.read(|e, _, ar| Ok(screen::running(e, ar))) else {
                break;
            };
            said.extend(
                screen::narrated(&before, &after)
                    .into_iter()
                    .map(|(t, _)| t),
            );
            if !said.is_empty() {
                break;
            }
        }
        (now != from || !said.is_empty()).then_some(StepReport {
            now,
            moved: now - from,
            said,
        })
    }

    /// Moves virtual time forward by `ms` (a paused clock included) and
    /// processes what fell due; the new virtual time.
    pub fn advance(&self, ms: Millis) -> Millis {
        let target = self.clock_state().now.saturating_add(ms.max(0));
        self.jump_to(target)
    }

    fn jump_to(&self, to: Millis) -> Millis {
        self.jump(to).0
    }

    fn jump(&self, to: Millis) -> (Millis, Vec<String>) {
        let Some(((), mut step)) = self.inner.step(Some(to), |_, _, _| ()) else {
            return (self.clock_state().now, Vec::new());
        };
        self.after_step(&mut step);
        (step.now, std::mem::take(&mut step.said))
    }

    /// Takes `other`'s whole state (engine, state file, clock) in place of
    /// this one's, which `other` keeps: a lesson stepping back replays itself
    /// on a fresh runtime, and the dashboard's runtime (its ticker, its
    /// subscribers) goes on with the replayed state. Virtual time may go back.
    /// Both must be in memory: a state file's readers stay on their file.
    pub fn adopt(&self, other: &Runtime) -> anyhow::Result<()> {
        let memory = |r: &Runtime| r.inner.location == StateLocation::Memory;
        if !memory(self) || !memory(other) {
            anyhow::bail!("only an in-memory runtime can take another's state");
        }
        {
            // The steps' order (step.rs): steps, engine, writer; `other` is
            // private to the caller, so taking both never deadlocks.
            let _mine = lock(&self.inner.steps);
            let _theirs = lock(&other.inner.steps);
            std::mem::swap(
                &mut *write(&self.inner.engine),
                &mut *write(&other.inner.engine),
            );
            std::mem::swap(
                &mut *lock(&self.inner.writer),
                &mut *lock(&other.inner.writer),
            );
            std::mem::swap(
                &mut *write(&self.inner.clock),
                &mut *write(&other.inner.clock),
            );
            // Finished deployments read from the state left behind.
            self.inner.readers.cache.clear();
            other.inner.readers.cache.clear();
        }
        self.clock_changed();
        Ok(())
    }

    fn clock_changed(&self) {
        self.inner.wake.notify_one();
        // The clock is part of what subscribers display.
        self.bump();
    }

    /// Final commit, then closes the store (releasing the state file's lock)
    /// and stops the ticker. Later calls answer `InternalFailure`.
    pub fn shutdown(&self) -> anyhow::Result<()> {
        let result = self.inner.close();
        self.inner.wake.notify_one();
        result
    }
}

/// Opens the store, restores the engine from it and starts the clock; the
/// agents' orders the catch-up produced.
fn restore(
    opts: &RuntimeOptions,
    wall: Millis,
) -> anyhow::Result<(Engine, Store, VirtualClock, Vec<EventOrder>)> {
    let mut store = match &opts.state {
        StateLocation::Path(path) => Store::open(path)?,
        StateLocation::Memory => Store::in_memory().context("cannot create the in-memory state")?,
    };
    let snapshot = store.load()?;
    let engine_opts = EngineOptions {
        strict: opts.strict,
        ..EngineOptions::default()
    };
    let origin = match opts.clock {
        ClockStart::Wall => wall,
        ClockStart::Offset(ms) => wall + ms,
        ClockStart::Fixed(at) | ClockStart::Paused(at) => at,
    };
    let mut engine = Engine::restore(engine_opts, snapshot, opts.seed, opts.fleet.clone(), origin);
    let start = engine.now().max(origin);
    let mut clock = VirtualClock::new(start, wall, opts.speed);
    if matches!(opts.clock, ClockStart::Fixed(_) | ClockStart::Paused(_)) {
        clock.set_paused(wall, true);
    }
    // Catch up on anything that fell due while the file was closed, fail
    // what local hosts were running when the process died (no agent runs
    // it any more), and persist the meta of a new file straight away.
    engine.advance(start);
    engine.fail_interrupted_agent_events(start);
    let orders = engine.take_orders();
    let changes = engine.take_changes();
    if !changes.is_empty() {
        store
            .commit(&changes)
            .with_context(|| format!("cannot write the state file {}", opts.state))?;
    }
    Ok((engine, store, clock, orders))
}

/// The archive after shutdown: holds nothing.
struct EmptyArchive;

impl Archive for EmptyArchive {
    fn deployment(&self, _: &str) -> ApiResult<Option<DeploymentRecord>> {
        Ok(None)
    }
    fn targets(&self, _: &str) -> ApiResult<Vec<TargetRecord>> {
        Ok(Vec::new())
    }
    fn target(&self, _: &str, _: &str) -> ApiResult<Option<TargetRecord>> {
        Ok(None)
    }
    fn deployments(&self, _: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>> {
        Ok(Vec::new())
    }
    fn revision(&self, _: &str, _: &str) -> ApiResult<Option<RevisionRecord>> {
        Ok(None)
    }
    fn revisions(&self, _: &str) -> ApiResult<Vec<RevisionRecord>> {
        Ok(Vec::new())
    }
    fn events(&self, _: u64, _: usize) -> ApiResult<Vec<EventRecord>> {
        Ok(Vec::new())
    }
}

fn shutting_down() -> ApiError {
    ApiError::new(Exception::InternalFailure, "codedeck is shutting down")
}

// A panic while holding a lock (caught by the API's last line of defence)
// poisons it; the state is still the best there is, so carry on with it
// rather than failing every later call.

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| {
        tracing::error!("a previous operation panicked; continuing with the state as is");
        m.clear_poison();
        poisoned.into_inner()
    })
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|poisoned| {
        tracing::error!("a previous operation panicked; continuing with the state as is");
        l.clear_poison();
        poisoned.into_inner()
    })
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|poisoned| {
        tracing::error!("a previous operation panicked; continuing with the state as is");
        l.clear_poison();
        poisoned.into_inner()
    })
}

fn bump(inner: &Inner) {
    inner.version.send_modify(|v| *v = v.wrapping_add(1));
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::error!("closing the state file: {e:#}");
        }
        // Lets the ticker notice that the runtime is gone.
        self.wake.notify_one();
    }
}
