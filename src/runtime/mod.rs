//! The shell around the engine (DESIGN.md "runtime/"): owns the [`Engine`], the
//! [`Store`] and the [`VirtualClock`] behind one mutex, ticks virtual time on
//! tokio, and publishes a version number every time state changes.
//!
//! Every step follows the same order: read virtual "now", let the engine
//! advance to it, apply the operation, drain the engine's changes and commit
//! them to the store in one transaction. Operations take microseconds, so the
//! lock is a plain `std::sync::Mutex`, never held across an `.await`.
//!
//! Two entry points, and the caller says which it needs: [`Runtime::read`]
//! lends `&Engine` and neither advances nor commits (the ticker keeps the
//! engine current, so reads stay cheap); [`Runtime::write`] lends `&mut Engine`
//! under a label naming the action, advances, and commits what changed.

mod agent_runner;
mod cache;
pub mod clock;
mod find;
mod screen;
mod ticker;

pub use agent_runner::AgentOptions;
pub use screen::{ScreenCache, EVENT_LIMIT, LIST_LIMIT};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context as _;
use tokio::sync::{watch, Notify};

use crate::engine::{Engine, EngineOptions};
use crate::model::time::Millis;
use crate::model::Exception;
use crate::state::fleet::Fleet;
use crate::state::{
    ApiError, ApiResult, Archive, Change, DeploymentQuery, DeploymentRecord, EventRecord,
    ListedDeployment, RevisionRecord, TargetRecord,
};
use crate::store::Store;
use cache::{Cached, DeploymentCache};
use clock::VirtualClock;

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
    state: Mutex<State>,
    /// Wakes the ticker: new timers, clock changes, shutdown.
    wake: Arc<Notify>,
    version: watch::Sender<u64>,
    location: StateLocation,
    /// Runs local hosts' events.
    agents: agent_runner::Agents,
}

struct State {
    engine: Engine,
    /// `None` once shut down (the lock is released).
    store: Option<Store>,
    clock: VirtualClock,
    /// Changes a failed commit left behind; retried, in order, before newer ones.
    pending: Vec<Change>,
    /// Finished deployments recently read from the store.
    cache: DeploymentCache,
}

/// What one step produced.
struct Step {
    changed: bool,
    committed: bool,
    /// What the event log says happened in this step, in order.
    said: Vec<String>,
    /// Events for local hosts' agents, to start once the lock is released.
    orders: Vec<crate::state::orders::EventOrder>,
}

impl State {
    /// Virtual now: the clock's reading, never behind what the engine has seen.
    fn now(&self, wall: Millis) -> Millis {
        self.clock.now(wall).max(self.engine.now())
    }

    /// The engine and the archive it reads through (the store behind the
    /// cache; an empty archive once shut down).
    fn parts(&mut self) -> (&mut Engine, Cached<'_>) {
        let State {
            engine,
            store,
            cache,
            ..
        } = self;
        let store: &dyn Archive = match store {
            Some(s) => s,
            None => &EMPTY_ARCHIVE,
        };
        (engine, Cached { store, cache })
    }

    /// Advances the engine to `now`.
    fn advance(&mut self, now: Millis) {
        self.engine.advance(now);
    }

    /// Drains the engine's changes and commits them in one transaction.
    fn commit(&mut self) -> Step {
        let orders = self.engine.take_orders();
        let mut step = self.commit_changes();
        step.orders = orders;
        step
    }

    fn commit_changes(&mut self) -> Step {
        let mut changes = self.engine.take_changes();
        if changes.is_empty() && self.pending.is_empty() {
            return Step {
                changed: false,
                committed: true,
                said: Vec::new(),
                orders: Vec::new(),
            };
        }
        let said: Vec<String> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Event(e) => Some(e.text.clone()),
                _ => None,
            })
            .collect();
        if !self.pending.is_empty() {
            let mut all = std::mem::take(&mut self.pending);
            all.append(&mut changes);
            changes = all;
        }
        let Some(store) = self.store.as_mut() else {
            // Shut down: nothing can be persisted any more.
            tracing::error!(
                "dropping {} change(s): the state file is closed",
                changes.len()
            );
            return Step {
                changed: true,
                committed: false,
                said,
                orders: Vec::new(),
            };
        };
        self.cache.invalidate(&changes);
        match store.commit(&changes) {
            Ok(()) => Step {
                changed: true,
                committed: true,
                said,
                orders: Vec::new(),
            },
            Err(e) => {
                tracing::error!(
                    "cannot commit {} change(s) to the state file (will retry): {e}",
                    changes.len()
                );
                self.pending = changes;
                Step {
                    changed: true,
                    committed: false,
                    said,
                    orders: Vec::new(),
                }
            }
        }
    }
}

impl Runtime {
    /// Opens the store, loads it and restores the engine. Virtual time starts
    /// at the later of the persisted engine time and the wall clock, so it
    /// never goes backwards. Inside a tokio runtime this also starts the
    /// ticker; without one, time only moves on mutating calls and `tick()`.
    pub fn open(opts: RuntimeOptions) -> anyhow::Result<Runtime> {
        let store = match &opts.state {
            StateLocation::Path(path) => Store::open(path)?,
            StateLocation::Memory => {
                Store::in_memory().context("cannot create the in-memory state")?
            }
        };
        let snapshot = store.load()?;
        let wall = wall_now();
        let engine_opts = EngineOptions {
            strict: opts.strict,
            ..EngineOptions::default()
        };
        let origin = match opts.clock {
            ClockStart::Wall => wall,
            ClockStart::Offset(ms) => wall + ms,
            ClockStart::Fixed(at) | ClockStart::Paused(at) => at,
        };
        let engine = Engine::restore(engine_opts, snapshot, opts.seed, opts.fleet, origin);
        let start = engine.now().max(origin);
        let mut clock = VirtualClock::new(start, wall, opts.speed);
        if matches!(opts.clock, ClockStart::Fixed(_) | ClockStart::Paused(_)) {
            clock.set_paused(wall, true);
        }
        let mut state = State {
            engine,
            store: Some(store),
            clock,
            pending: Vec::new(),
            cache: DeploymentCache::default(),
        };
        // Catch up on anything that fell due while the file was closed, fail
        // what local hosts were running when the process died (no agent runs
        // it any more), and persist the meta of a new file straight away.
        state.advance(start);
        state.engine.fail_interrupted_agent_events(start);
        let orders = state.engine.take_orders();
        let changes = state.engine.take_changes();
        if !changes.is_empty() {
            if let Some(store) = state.store.as_mut() {
                store
                    .commit(&changes)
                    .with_context(|| format!("cannot write the state file {}", opts.state))?;
            }
        }
        let (version, _) = watch::channel(0u64);
        let runtime = Runtime {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
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

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.inner)
    }

    /// Reads the engine and its archive at the current virtual time: no
    /// advance, no commit. After shutdown it answers `InternalFailure`.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let wall = wall_now();
        let mut guard = self.lock();
        let st = &mut *guard;
        if st.store.is_none() {
            return Err(shutting_down());
        }
        let now = st.now(wall);
        let (engine, archive) = st.parts();
        f(engine, now, &archive)
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
        let wall = wall_now();
        let mut guard = self.lock();
        let st = &mut *guard;
        if st.store.is_none() {
            return Err(shutting_down());
        }
        let now = st.now(wall);
        st.advance(now);
        let result = {
            let (engine, archive) = st.parts();
            f(engine, now, &archive)
        };
        let mut step = st.commit();
        drop(guard);
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
    fn after_step(&self, step: &mut Step) {
        self.inner.wake.notify_one();
        if step.changed {
            self.bump();
        }
        agent_runner::dispatch(&self.inner, std::mem::take(&mut step.orders));
    }

    /// Advances to the current virtual time and commits (what the ticker does).
    pub fn tick(&self) {
        if tick(&self.inner, false) {
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
        let st = self.lock();
        ClockState {
            speed: st.clock.speed(),
            paused: st.clock.is_paused(),
            now: st.now(wall),
        }
    }

    /// Pauses or resumes virtual time.
    pub fn pause(&self, paused: bool) {
        let wall = wall_now();
        self.lock().clock.set_paused(wall, paused);
        self.clock_changed();
    }

    /// Changes the clock speed (virtual seconds per wall second).
    pub fn set_speed(&self, speed: f64) {
        let wall = wall_now();
        self.lock().clock.set_speed(wall, speed);
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
        let from = self.lock().now(wall_now());
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
        let wall = wall_now();
        let mut st = self.lock();
        st.clock.jump_to(wall, to);
        let now = st.now(wall);
        st.advance(now);
        let mut step = st.commit();
        drop(st);
        self.after_step(&mut step);
        (now, step.said)
    }

    /// Takes `other`'s whole state (engine, store, clock) in place of this
    /// one's, which `other` keeps: a lesson stepping back replays itself on a
    /// fresh runtime, and the dashboard's runtime (its ticker, its
    /// subscribers) goes on with the replayed state. Virtual time may go back.
    pub fn adopt(&self, other: &Runtime) {
        {
            let mut mine = self.lock();
            let mut theirs = other.lock();
            std::mem::swap(&mut *mine, &mut *theirs);
        }
        self.clock_changed();
    }

    fn clock_changed(&self) {
        self.inner.wake.notify_one();
        // The clock is part of what subscribers display.
        self.bump();
    }

    /// Final commit, then closes the store (releasing the state file's lock)
    /// and stops the ticker. Later calls answer `InternalFailure`.
    pub fn shutdown(&self) -> anyhow::Result<()> {
        let result = close(&self.inner);
        self.inner.wake.notify_one();
        result
    }
}

static EMPTY_ARCHIVE: EmptyArchive = EmptyArchive;

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

/// Locks the state. A panic while holding the lock (caught by the API's last
/// line of defence) poisons it; the state is still the best there is, so
/// carry on with it rather than failing every later call.
fn lock(inner: &Inner) -> MutexGuard<'_, State> {
    inner.state.lock().unwrap_or_else(|poisoned| {
        tracing::error!("a previous operation panicked; continuing with the engine state as is");
        inner.state.clear_poison();
        poisoned.into_inner()
    })
}

fn bump(inner: &Inner) {
    inner.version.send_modify(|v| *v = v.wrapping_add(1));
}

/// Advances to now and commits; true when something changed. With
/// `only_if_due`, does nothing unless a timer has fallen due (a wake-up after a
/// mutating call, which already advanced, costs no extra transaction).
fn tick(inner: &Arc<Inner>, only_if_due: bool) -> bool {
    let wall = wall_now();
    let mut st = lock(inner);
    if st.store.is_none() {
        return false;
    }
    let now = st.now(wall);
    let due = st.engine.next_due().is_some_and(|d| d <= now);
    if only_if_due && !due && st.pending.is_empty() {
        return false;
    }
    st.advance(now);
    let step = st.commit();
    drop(st);
    agent_runner::dispatch(inner, step.orders);
    step.changed
}

/// Final commit and store release.
fn close(inner: &Inner) -> anyhow::Result<()> {
    let wall = wall_now();
    let mut st = lock(inner);
    if st.store.is_none() {
        return Ok(());
    }
    let now = st.now(wall);
    st.advance(now);
    let step = st.commit();
    let unsaved = st.pending.len();
    st.store = None;
    st.cache.clear();
    drop(st);
    if step.changed {
        bump(inner);
    }
    if !step.committed {
        anyhow::bail!("{unsaved} change(s) could not be saved to the state file");
    }
    Ok(())
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Err(e) = close(self) {
            tracing::error!("closing the state file: {e:#}");
        }
        // Lets the ticker notice that the runtime is gone.
        self.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_runtime_opens_and_shuts_down() {
        let rt = Runtime::open(RuntimeOptions::memory(10.0)).expect("open");
        let before = rt.clock_state();
        assert!(!before.paused);
        rt.pause(true);
        let a = rt.clock_state().now;
        let b = rt.clock_state().now;
        assert_eq!(a, b, "paused clock does not move");
        rt.shutdown().expect("shutdown");
        let r = rt.read(|_, _, _| Ok(()));
        assert_eq!(r.map_err(|e| e.exception), Err(Exception::InternalFailure));
    }

    #[test]
    fn state_file_is_single_owner_and_released_on_shutdown() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let opts = RuntimeOptions {
            state: StateLocation::Path(path.clone()),
            seed: 7,
            fleet: None,
            speed: 1.0,
            strict: false,
            clock: ClockStart::Wall,
            agent: AgentOptions::default(),
        };
        let first = Runtime::open(opts.clone()).expect("open");
        let second = Runtime::open(opts.clone());
        let msg = format!("{:#}", second.expect_err("second open must fail"));
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
        first.shutdown().expect("shutdown");
        let reopened = Runtime::open(RuntimeOptions { seed: 99, ..opts }).expect("reopen");
        assert_eq!(
            reopened.read(|e, _, _| Ok(e.seed())).expect("read"),
            7,
            "the seed is persisted"
        );
    }

    #[test]
    fn virtual_time_never_goes_backwards_across_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let opts = RuntimeOptions {
            state: StateLocation::Path(path),
            seed: 1,
            fleet: None,
            speed: 1000.0,
            strict: false,
            clock: ClockStart::Wall,
            agent: AgentOptions::default(),
        };
        let rt = Runtime::open(opts.clone()).expect("open");
        std::thread::sleep(std::time::Duration::from_millis(5));
        rt.tick();
        let reached = rt.read(|e, _, _| Ok(e.now())).expect("read");
        drop(rt);
        let rt = Runtime::open(RuntimeOptions { speed: 1.0, ..opts }).expect("reopen");
        assert!(rt.clock_state().now >= reached);
    }
}
