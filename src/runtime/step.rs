//! One step: advance the engine to virtual now, apply an operation, commit
//! what changed to the store in one transaction.
//!
//! Locks, always taken in this order: `steps` (one step at a time, from start
//! to commit), `engine` (written while the step changes it), `writer` (the
//! state file's connection). A step drops the engine's lock before it
//! commits, so reads go on during the commit. They see the step's engine
//! state and, for what the engine no longer holds in memory, the last
//! commit (a deployment that just finished reads as it was until its commit
//! lands, never as missing). The step's own caller is answered only once
//! the commit landed (or failed: `InternalFailure`, the changes kept and
//! retried first by the next step), so an answer never claims more than the
//! file holds; a crash during a commit loses the step, including what reads
//! saw of it meanwhile.
//!
//! The next step waits on `steps`, not on the engine, so a commit never
//! holds up reads behind a second writer, and that step's archive reads see
//! every earlier commit.

use crate::engine::Engine;
use crate::model::time::Millis;
use crate::state::orders::EventOrder;
use crate::state::{Archive, Change};
use crate::store::Store;

use super::cache::{Cached, DeploymentCache};
use super::{agent_runner, bump, lock, read, wall_now, write, EmptyArchive, Inner};

/// The state file's connection and what it could not save yet.
pub(super) struct Writer {
    /// `None` once shut down (the file's lock is released).
    pub store: Option<Store>,
    /// Changes a failed commit left behind; retried, in order, before newer ones.
    pub pending: Vec<Change>,
    /// Sees each batch before it is committed; an error fails the commit
    /// (tests: a slow or failing disk).
    #[cfg(test)]
    pub before_commit: Hook,
}

/// What one step produced.
pub(super) struct Step {
    /// The virtual time the engine was advanced to.
    pub now: Millis,
    pub changed: bool,
    pub committed: bool,
    /// What the event log says happened in this step, in order.
    pub said: Vec<String>,
    /// Events for local hosts' agents, to start once the step is over.
    pub orders: Vec<EventOrder>,
}

impl Writer {
    pub fn new(store: Store) -> Writer {
        Writer {
            store: Some(store),
            pending: Vec::new(),
            #[cfg(test)]
            before_commit: None,
        }
    }

    /// The store as the step's operation reads it.
    fn archive(&self) -> &dyn Archive {
        match &self.store {
            Some(s) => s,
            None => &EmptyArchive,
        }
    }

    /// Commits `changes` after what earlier commits left pending, in one
    /// transaction; then the cache forgets what they touched.
    fn commit(&mut self, mut changes: Vec<Change>, cache: &DeploymentCache) -> Step {
        let mut step = Step {
            now: 0,
            changed: !changes.is_empty() || !self.pending.is_empty(),
            committed: true,
            said: changes
                .iter()
                .filter_map(|c| match c {
                    Change::Event(e) => Some(e.text.clone()),
                    _ => None,
                })
                .collect(),
            orders: Vec::new(),
        };
        if !step.changed {
            return step;
        }
        if !self.pending.is_empty() {
            let mut all = std::mem::take(&mut self.pending);
            all.append(&mut changes);
            changes = all;
        }
        #[cfg(test)]
        let hooked = before_commit(&mut self.before_commit, &changes);
        #[cfg(not(test))]
        let hooked: Result<(), String> = Ok(());
        let Some(store) = self.store.as_mut() else {
            // Shut down: nothing can be persisted any more.
            tracing::error!(
                "dropping {} change(s): the state file is closed",
                changes.len()
            );
            step.committed = false;
            return step;
        };
        let result = hooked.and_then(|()| store.commit(&changes).map_err(|e| e.to_string()));
        cache.invalidate(&changes);
        if let Err(e) = result {
            tracing::error!(
                "cannot commit {} change(s) to the state file (will retry): {e}",
                changes.len()
            );
            self.pending = changes;
            step.committed = false;
        }
        step
    }
}

#[cfg(test)]
type Hook = Option<Box<dyn FnMut(&[Change]) -> Result<(), String> + Send>>;

#[cfg(test)]
fn before_commit(hook: &mut Hook, changes: &[Change]) -> Result<(), String> {
    hook.as_mut().map_or(Ok(()), |hook| hook(changes))
}

impl Inner {
    /// Runs one step: jumps the clock to `jump` if asked, advances the engine
    /// to now, applies `f`, commits. `None` once shut down.
    pub(super) fn step<T>(
        &self,
        jump: Option<Millis>,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> T,
    ) -> Option<(T, Step)> {
        let _steps = lock(&self.steps);
        // Read after the wait for an earlier step, so this one is not stamped
        // before what reads answered meanwhile.
        let wall = wall_now();
        if self.is_closed() {
            return None;
        }
        if let Some(to) = jump {
            write(&self.clock).jump_to(wall, to);
        }
        Some(self.step_locked(wall, f))
    }

    /// [`Inner::step`] for a caller that holds `steps`.
    pub(super) fn step_locked<T>(
        &self,
        wall: Millis,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> T,
    ) -> (T, Step) {
        let mut engine = write(&self.engine);
        let mut writer = lock(&self.writer);
        let now = self.now_of(&engine, wall);
        let (out, changes, orders) = {
            let archive = Cached {
                store: writer.archive(),
                cache: &self.readers.cache,
            };
            engine.advance(now);
            let out = f(&mut engine, now, &archive);
            (out, engine.take_changes(), engine.take_orders())
        };
        // Reads go on from here while the commit is written.
        drop(engine);
        let mut step = writer.commit(changes, &self.readers.cache);
        step.now = now;
        step.orders = orders;
        (out, step)
    }
}

impl Inner {
    /// Advances to now and commits; true when something changed. With
    /// `only_if_due`, does nothing unless a timer has fallen due (a wake-up
    /// after a mutating call, which already advanced, costs no extra
    /// transaction) or a failed commit waits for its retry.
    pub(super) fn tick(self: &std::sync::Arc<Self>, only_if_due: bool) -> bool {
        let steps = lock(&self.steps);
        let wall = wall_now();
        if self.is_closed() {
            return false;
        }
        if only_if_due {
            let due = {
                let engine = read(&self.engine);
                let now = self.now_of(&engine, wall);
                engine.next_due().is_some_and(|d| d <= now)
            };
            if !due && lock(&self.writer).pending.is_empty() {
                return false;
            }
        }
        let ((), step) = self.step_locked(wall, |_, _, _| ());
        drop(steps);
        agent_runner::dispatch(self, step.orders);
        step.changed
    }

    /// The final commit, then the store's release: the state file's lock
    /// goes, and so do the read-only connections.
    pub(super) fn close(&self) -> anyhow::Result<()> {
        let _steps = lock(&self.steps);
        let wall = wall_now();
        if self.is_closed() {
            return Ok(());
        }
        let ((), step) = self.step_locked(wall, |_, _, _| ());
        let unsaved = {
            let mut writer = lock(&self.writer);
            self.closed
                .store(true, std::sync::atomic::Ordering::Release);
            writer.store = None;
            writer.pending.len()
        };
        self.readers.close();
        if step.changed {
            bump(self);
        }
        if !step.committed {
            anyhow::bail!("{unsaved} change(s) could not be saved to the state file");
        }
        Ok(())
    }
}
