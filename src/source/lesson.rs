//! Lessons: a small world, CodeDeploy calls that set a deployment going, and
//! captions that say what to watch as it moves (`codedeck lesson NAME`). A
//! lesson is a TOML file (`assets/lessons/*.toml`) a teacher can copy and
//! change. [`LessonSource`] is the embedded runtime with the lesson on top:
//! it adds the caption of the moment to each read, and performs the lesson's
//! world actions (an alarm fires, a host breaks) when their moment comes.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::Deserialize;
use tokio::sync::watch;

use super::local::LocalSource;
use super::replay::{History, Rebuild};
use super::*;

/// A lesson file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub title: String,
    /// What the lesson shows, before anything runs.
    pub intro: String,
    /// The world, in the fleet file's format.
    pub fleet: String,
    /// Virtual seconds per wall second once resumed (default 1).
    pub speed: Option<f64>,
    /// CodeDeploy calls that set the lesson up, in order, with their inputs in
    /// the API's JSON shape (as `aws deploy ... --cli-input-json` takes them).
    #[serde(rename = "call", default)]
    pub calls: Vec<Call>,
    /// What to say, by the moment it applies to (the last one that holds wins).
    #[serde(rename = "caption", default)]
    pub captions: Vec<Caption>,
    /// What happens to the world, once, when its moment first comes.
    #[serde(rename = "action", default)]
    pub actions: Vec<WorldAction>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub operation: String,
    #[serde(default = "empty_input")]
    pub input: toml::Value,
}

fn empty_input() -> toml::Value {
    toml::Value::Table(Default::default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caption {
    pub when: String,
    pub text: String,
    /// What the caption talks about, `HOST` or `HOST EVENT`: the cursor
    /// moves there when it shows, so "press l" opens the right event.
    #[serde(default)]
    pub focus: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldAction {
    pub when: String,
    /// `alarm NAME on`, `alarm NAME off`, `break HOST`.
    #[serde(rename = "do")]
    pub act: String,
}

/// A moment of the lesson's deployment.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// Before any lifecycle event has ended (it may be queued, or starting).
    Start,
    /// The deployment has this status.
    Status(DeploymentStatus),
    /// A target runs this lifecycle event now.
    Event(String),
    /// It was rolled back (its rollback deployment exists).
    Rollback,
    /// At least this share of traffic is on the replacement (Lambda, ECS).
    Traffic(f64),
    /// The deployment waits: `ready` or `termination`.
    Wait(DeploymentWaitType),
    /// A zonal deployment deploys to this Availability Zone now.
    Zone(String),
    /// A zonal deployment watches the zone it just deployed (monitor wait).
    ZoneMonitor,
}

impl When {
    pub fn parse(text: &str) -> Result<When, String> {
        let (kind, arg) = text.split_once(':').unwrap_or((text, ""));
        match (kind.trim(), arg.trim()) {
            ("start", "") => Ok(When::Start),
            ("rollback", "") => Ok(When::Rollback),
            ("status", s) if DeploymentStatus::parse(s).is_known() => {
                Ok(When::Status(DeploymentStatus::parse(s)))
            }
            ("event", e) if !e.is_empty() => Ok(When::Event(e.to_string())),
            ("wait", "ready") => Ok(When::Wait(DeploymentWaitType::ReadyWait)),
            ("wait", "termination") => Ok(When::Wait(DeploymentWaitType::TerminationWait)),
            ("zone", "monitor") => Ok(When::ZoneMonitor),
            ("zone", z) if !z.is_empty() => Ok(When::Zone(z.to_string())),
            ("traffic", p) => p
                .trim_end_matches('%')
                .parse()
                .map(When::Traffic)
                .map_err(|_| format!("{text:?}: traffic takes a percent, e.g. traffic:10")),
            _ => Err(format!(
                "{text:?}: expected start, status:<Status>, event:<LifecycleEvent>, rollback, traffic:<percent>, wait:ready|termination, zone:<zone> or zone:monitor"
            )),
        }
    }

    /// Whether the deployment `d` is at this moment.
    pub fn holds(&self, d: &Detail) -> bool {
        let status = d.info.status.clone().unwrap_or(DeploymentStatus::Created);
        match self {
            When::Start => {
                !status.is_final()
                    && d.targets
                        .iter()
                        .all(|t| t.events.iter().all(|e| e.end_time.is_none()))
            }
            When::Status(s) => *s == status,
            When::Event(name) => d.targets.iter().any(|t| {
                t.events.iter().any(|e| {
                    e.lifecycle_event_name.as_deref() == Some(name.as_str())
                        && e.status == Some(LifecycleEventStatus::InProgress)
                })
            }),
            When::Rollback => d
                .info
                .rollback_info
                .as_ref()
                .is_some_and(|r| r.rollback_deployment_id.is_some()),
            When::Traffic(p) => d.traffic.as_ref().is_some_and(|t| t.weight >= *p),
            When::Wait(kind) => {
                let wait = d
                    .traffic
                    .as_ref()
                    .and_then(|t| t.wait.as_ref())
                    .or_else(|| d.blue_green.as_ref().and_then(|b| b.wait.as_ref()));
                wait.is_some_and(|w| &w.kind == kind)
            }
            When::Zone(name) => d
                .zone
                .as_ref()
                .is_some_and(|z| &z.zone == name && z.monitor_until.is_none()),
            When::ZoneMonitor => d.zone.as_ref().is_some_and(|z| z.monitor_until.is_some()),
        }
    }
}

impl Lesson {
    /// Parses a lesson file, checking every moment and action it names.
    pub fn parse(text: &str) -> Result<Lesson, String> {
        let lesson: Lesson = toml::from_str(text).map_err(|e| e.to_string())?;
        crate::state::fleet::Fleet::parse(&lesson.fleet).map_err(|e| format!("fleet: {e}"))?;
        for c in &lesson.captions {
            When::parse(&c.when)?;
        }
        for a in &lesson.actions {
            When::parse(&a.when)?;
            world_action(&a.act)?;
        }
        for c in &lesson.calls {
            if Operation::from_name(&c.operation).is_none() {
                return Err(format!(
                    "call {:?}: not a CodeDeploy operation",
                    c.operation
                ));
            }
        }
        if !lesson
            .calls
            .iter()
            .any(|c| c.operation == "CreateDeployment")
        {
            return Err("a lesson needs a CreateDeployment call".into());
        }
        Ok(lesson)
    }

    /// The caption for the deployment as it stands: the last that holds.
    pub fn caption(&self, d: Option<&Detail>) -> String {
        self.current(d)
            .map_or_else(|| self.intro.clone(), |c| c.text.clone())
    }

    /// The caption that holds for the deployment as it stands (the last).
    pub fn current(&self, d: Option<&Detail>) -> Option<&Caption> {
        let d = d?;
        self.captions
            .iter()
            .rev()
            .find(|c| When::parse(&c.when).is_ok_and(|w| w.holds(d)))
    }
}

/// `HOST` or `HOST EVENT` of a caption's `focus`.
pub fn parse_focus(text: &str) -> Option<(String, Option<String>)> {
    let mut words = text.split_whitespace();
    let host = words.next()?.to_string();
    Some((host, words.next().map(String::from)))
}

/// `alarm NAME on|off` or `break HOST` as an action.
pub fn world_action(text: &str) -> Result<Action, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["alarm", name, "on"] => Ok(Action::SetAlarm {
            name: name.to_string(),
            on: true,
        }),
        ["alarm", name, "off"] => Ok(Action::SetAlarm {
            name: name.to_string(),
            on: false,
        }),
        ["break", host] => Ok(Action::BreakHost {
            host: host.to_string(),
        }),
        _ => Err(format!(
            "{text:?}: expected `alarm NAME on|off` or `break HOST`"
        )),
    }
}

/// The lessons codedeck ships, by name (the files in `assets/lessons/`).
pub const LESSONS: [(&str, &str); 7] = [
    ("batches", include_str!("../../assets/lessons/batches.toml")),
    (
        "rollback",
        include_str!("../../assets/lessons/rollback.toml"),
    ),
    ("alarm", include_str!("../../assets/lessons/alarm.toml")),
    ("canary", include_str!("../../assets/lessons/canary.toml")),
    (
        "ecs-ready",
        include_str!("../../assets/lessons/ecs-ready.toml"),
    ),
    (
        "blue-green",
        include_str!("../../assets/lessons/blue-green.toml"),
    ),
    ("zones", include_str!("../../assets/lessons/zones.toml")),
];

/// The embedded runtime with a lesson on top.
pub struct LessonSource {
    inner: LocalSource,
    lesson: Lesson,
    deployment: String,
    /// The actions done (by index): each happens once.
    done: Mutex<BTreeSet<usize>>,
    /// What a step back replays.
    history: Mutex<History>,
    rebuild: Rebuild,
}

impl LessonSource {
    /// `deployment`: the one the lesson is about; `rebuild` opens the lesson
    /// again at its start (the state `inner` is in now), for stepping back.
    pub fn new(
        inner: LocalSource,
        lesson: Lesson,
        deployment: String,
        rebuild: Rebuild,
    ) -> LessonSource {
        let start = inner.runtime().clock_state().now;
        LessonSource {
            inner,
            lesson,
            deployment,
            done: Mutex::new(BTreeSet::new()),
            history: Mutex::new(History::new(start)),
            rebuild,
        }
    }

    /// Performs `action` at once (tests and tools without a loop).
    pub fn perform_for_test(&self, action: Action) -> Outcome {
        self.perform(action)
    }

    /// Performs `action`, keeping what a step back must replay.
    fn perform(&self, action: Action) -> Outcome {
        if action == Action::StepBack {
            return self.step_back();
        }
        let before = self.inner.runtime().clock_state().now;
        let out = self.inner.perform(&action);
        let now = self.inner.runtime().clock_state().now;
        let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        match action.kind() {
            // A step with nothing to step to is no step to go back over.
            ActionKind::Step if now > before => history.landed(now),
            ActionKind::Step => {}
            k if k.changes_state() && out.is_ok() => history.did(now, action, None),
            _ => {}
        }
        out
    }

    /// `,`: the lesson as it was where its previous step landed, replayed
    /// from its start; the clock keeps its speed and pauses there.
    fn step_back(&self) -> Outcome {
        let rt = self.inner.runtime();
        let clock = rt.clock_state();
        let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        let Some(back) = history.back_from(clock.now) else {
            return Err("this is the lesson's start: there is no step before it".into());
        };
        let fresh = history
            .replay(&self.rebuild, back)
            .map_err(|e| format!("cannot replay the lesson: {e:#}"))?;
        rt.adopt(&fresh)
            .map_err(|e| format!("cannot step back: {e:#}"))?;
        rt.set_speed(clock.speed);
        rt.pause(true);
        // `fresh` now holds the state left behind.
        if let Err(e) = fresh.shutdown() {
            tracing::debug!("closing the replaced lesson state: {e:#}");
        }
        let steps = history.steps_to(back);
        let kept = history.truncate(back);
        // Reads take `done` then `history`: never the other way round.
        drop(history);
        *self.done.lock().unwrap_or_else(|p| p.into_inner()) = kept.into_iter().collect();
        let went = crate::model::time::duration_words(clock.now - back.at);
        Ok(match steps {
            0 => format!("-{went}: back at the lesson's start"),
            n => format!("-{went}: back at step {n}"),
        })
    }

    /// Reads, adds the caption, and performs the actions whose moment came.
    fn read(&self, req: &Request) -> anyhow::Result<Data> {
        let mut data = self.inner.read(req)?;
        let own = Request {
            deployment: Some(self.deployment.clone()),
            ..Default::default()
        };
        let detail = self.inner.read(&own)?.detail;
        if let Some(d) = &detail {
            self.act_on(d);
        }
        let caption = self.lesson.caption(detail.as_ref());
        data.caption = Some(format!("{}: {caption}", self.lesson.title));
        data.focus = self
            .lesson
            .current(detail.as_ref())
            .and_then(|c| c.focus.as_deref())
            .and_then(parse_focus);
        Ok(data)
    }

    fn act_on(&self, d: &Detail) {
        let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
        for (i, a) in self.lesson.actions.iter().enumerate() {
            if done.contains(&i) || !When::parse(&a.when).is_ok_and(|w| w.holds(d)) {
                continue;
            }
            done.insert(i);
            if let Ok(action) = world_action(&a.act) {
                // A failed world action shows in the event log; the lesson goes on.
                let _ = self.inner.perform(&action);
                let now = self.inner.runtime().clock_state().now;
                let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
                history.did(now, action, Some(i));
            }
        }
    }
}

impl Source for LessonSource {
    fn info(&self) -> SourceInfo {
        self.inner.info()
    }

    fn load(&self, req: Request) -> Pending<'_, anyhow::Result<Data>> {
        Box::pin(async move { self.read(&req) })
    }

    fn act(&self, action: Action) -> Pending<'_, Outcome> {
        Box::pin(async move { self.perform(action) })
    }

    fn changes(&self) -> Option<watch::Receiver<u64>> {
        self.inner.changes()
    }

    fn find(&self, what: String) -> Pending<'_, Result<Place, String>> {
        self.inner.find(what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_lesson_parses() {
        for (name, text) in LESSONS {
            let lesson = Lesson::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!lesson.captions.is_empty(), "{name} has captions");
        }
    }

    #[test]
    fn moments_parse_and_say_what_is_wrong() {
        assert_eq!(When::parse("start"), Ok(When::Start));
        assert_eq!(
            When::parse("status:Failed"),
            Ok(When::Status(DeploymentStatus::Failed))
        );
        assert_eq!(
            When::parse("event:Install"),
            Ok(When::Event("Install".into()))
        );
        assert_eq!(When::parse("traffic:10%"), Ok(When::Traffic(10.0)));
        assert!(When::parse("status:Teleporting").is_err());
        assert!(When::parse("soon").is_err());
        assert!(world_action("alarm Errors on").is_ok());
        assert!(world_action("explode").is_err());
    }
}
