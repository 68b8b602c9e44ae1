//! Stepping a lesson back (`,`). The engine is deterministic, so the moment
//! before the last step is the lesson replayed from its start on a fresh
//! runtime, with what changed the world meanwhile done again at the same
//! virtual instants; the dashboard's runtime then adopts the replayed state.

use crate::model::time::Millis;
use crate::runtime::Runtime;

use super::local::LocalSource;
use super::Action;

/// Opens the lesson again at its start, its calls made, paused.
pub type Rebuild = Box<dyn Fn() -> anyhow::Result<Runtime> + Send + Sync>;

/// What happened since the lesson's start that a replay must do again.
#[derive(Debug)]
pub struct History {
    /// Virtual time at the lesson's start.
    start: Millis,
    /// What happened, in order.
    log: Vec<Entry>,
}

#[derive(Debug, Clone)]
enum Entry {
    /// A step (`.`) landed here.
    Landed(Millis),
    /// Something changed the world.
    Did {
        at: Millis,
        action: Action,
        /// The lesson's own action (its index), or the learner's (`None`).
        lesson_action: Option<usize>,
    },
}

/// Where a step back goes: the first `keep` entries of the log, the clock at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Back {
    keep: usize,
    pub at: Millis,
}

impl History {
    pub fn new(start: Millis) -> History {
        History {
            start,
            log: Vec::new(),
        }
    }

    /// A step landed at `at`.
    pub fn landed(&mut self, at: Millis) {
        self.log.push(Entry::Landed(at));
    }

    /// `action` changed the world at `at` (the lesson's action `lesson_action`).
    pub fn did(&mut self, at: Millis, action: Action, lesson_action: Option<usize>) {
        self.log.push(Entry::Did {
            at,
            action,
            lesson_action,
        });
    }

    /// Where `,` goes from `now`: the moment the last step landed, as it
    /// landed (what the learner did after it undone); from that very moment,
    /// the step before; `None` at the start with nothing done. The lesson's
    /// own actions don't count as a change: they come again by themselves.
    pub fn back_from(&self, now: Millis) -> Option<Back> {
        let landings: Vec<(usize, Millis)> = self
            .log
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Entry::Landed(t) => Some((i + 1, *t)),
                Entry::Did { .. } => None,
            })
            .collect();
        let moved_since = |keep: usize, at: Millis| {
            now > at
                || self.log[keep..].iter().any(|e| {
                    matches!(
                        e,
                        Entry::Did {
                            lesson_action: None,
                            ..
                        }
                    )
                })
        };
        let mut candidates = landings.iter().rev().copied();
        let to = match candidates.next() {
            Some((keep, at)) if moved_since(keep, at) => (keep, at),
            Some(_) => candidates.next().unwrap_or((0, self.start)),
            None => (0, self.start),
        };
        (moved_since(to.0, to.1)).then_some(Back {
            keep: to.0,
            at: to.1,
        })
    }

    /// How many steps landed up to `back` (the step number shown after `,`).
    pub fn steps_to(&self, back: Back) -> usize {
        let landed = |e: &&Entry| matches!(e, Entry::Landed(_));
        self.log[..back.keep].iter().filter(landed).count()
    }

    /// Forgets what happened after `back`; the lesson actions still done.
    pub fn truncate(&mut self, back: Back) -> Vec<usize> {
        self.log.truncate(back.keep);
        self.log
            .iter()
            .filter_map(|e| match e {
                Entry::Did { lesson_action, .. } => *lesson_action,
                Entry::Landed(_) => None,
            })
            .collect()
    }

    /// The lesson at `back`: rebuilt from its start, what was done up to
    /// there done again at its instant, the clock moved to `back.at`.
    pub fn replay(&self, rebuild: &Rebuild, back: Back) -> anyhow::Result<Runtime> {
        let fresh = rebuild()?;
        let source = LocalSource::named(fresh.clone(), "replay");
        for e in &self.log[..back.keep] {
            if let Entry::Did { at, action, .. } = e {
                move_to(&fresh, *at);
                // An action that failed the first time fails the same way again.
                let _ = source.perform(action);
            }
        }
        move_to(&fresh, back.at);
        Ok(fresh)
    }
}

/// Moves `rt`'s virtual clock forward to `t`, processing what falls due.
fn move_to(rt: &Runtime, t: Millis) {
    let now = rt.clock_state().now;
    if t > now {
        rt.advance(t - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(b: Option<Back>) -> Option<Millis> {
        b.map(|b| b.at)
    }

    #[test]
    fn back_goes_to_where_the_last_step_landed_else_the_one_before() {
        let mut h = History::new(100);
        assert_eq!(h.back_from(100), None, "at the start");
        assert_eq!(
            at(h.back_from(150)),
            Some(100),
            "the clock ran from the start"
        );
        h.landed(200);
        h.landed(300);
        assert_eq!(at(h.back_from(300)), Some(200));
        assert_eq!(
            at(h.back_from(350)),
            Some(300),
            "the clock ran on after a step"
        );
        let back = h.back_from(300).expect("a step to go back to");
        assert_eq!(h.steps_to(back), 1);
    }

    #[test]
    fn what_the_learner_did_after_a_step_is_undone_first() {
        let mut h = History::new(0);
        h.did(5, Action::Pause(true), Some(1));
        h.landed(10);
        h.did(10, Action::Pause(true), Some(2));
        assert_eq!(at(h.back_from(10)), Some(0), "a lesson action is no change");
        h.did(10, Action::Step, None);
        let back = h.back_from(10).expect("the learner acted");
        assert_eq!((back.at, h.steps_to(back)), (10, 1), "back to the landing");
        // The lesson's action after the landing comes again by itself.
        assert_eq!(h.truncate(back), vec![1]);
        assert_eq!(at(h.back_from(10)), Some(0));
    }
}
