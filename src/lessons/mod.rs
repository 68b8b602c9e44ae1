//! Setting a lesson up (`codedeck lesson`): a runtime in memory on the
//! lesson's world, paused, and the lesson's calls made through the API's own
//! dispatch, so they mean exactly what they mean to `aws deploy`.

pub mod check;

use anyhow::{anyhow, Context as _};

use crate::model::time::Millis;
use crate::model::Operation;
use crate::runtime::{ClockStart, Runtime, RuntimeOptions};
use crate::source::lesson::{Lesson, LessonSource, LESSONS};
use crate::source::local::LocalSource;
use crate::source::replay::Rebuild;
use crate::state::fleet::Fleet;

/// A lesson ready to watch.
pub struct Started {
    pub runtime: Runtime,
    /// The deployment the lesson follows (the last one its calls create).
    pub deployment: String,
    pub app: String,
    pub group_id: String,
}

/// The text of a shipped lesson by name, or of a lesson file by path.
pub fn text(name: &str) -> anyhow::Result<String> {
    match LESSONS.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => Ok(text.to_string()),
        None => std::fs::read_to_string(name).with_context(|| {
            let names: Vec<&str> = LESSONS.iter().map(|(n, _)| *n).collect();
            format!(
                "no lesson {name:?}: the lessons are {}, or give a lesson file's path",
                names.join(", ")
            )
        }),
    }
}

/// A shipped lesson by name, or a lesson file by path.
pub fn load(name: &str) -> anyhow::Result<Lesson> {
    Lesson::parse(&text(name)?).map_err(|e| anyhow!("lesson {name}: {e}"))
}

/// Why a lesson could not start: one of its calls (by index), or the rest.
#[derive(Debug)]
pub enum StartError {
    Call { index: usize, message: String },
    Other(anyhow::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Call { index, message } => write!(f, "call {}: {message}", index + 1),
            StartError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<anyhow::Error> for StartError {
    fn from(e: anyhow::Error) -> StartError {
        StartError::Other(e)
    }
}

/// A lesson on the dashboard: the source (which can step back) and where
/// the dashboard opens.
pub struct Opened {
    pub source: LessonSource,
    /// The runtime under the source (the dashboard's clock).
    pub runtime: Runtime,
    pub app: String,
    pub group_id: String,
    pub deployment: String,
}

/// Opens `lesson` paused at virtual time `origin` (its calls made) as the
/// dashboard's source named `mode`; stepping back replays it from there.
pub fn open(
    lesson: Lesson,
    speed: Option<f64>,
    origin: Millis,
    mode: &str,
) -> Result<Opened, StartError> {
    let started = start(&lesson, speed, ClockStart::Paused(origin))?;
    let again = lesson.clone();
    let rebuild: Rebuild = Box::new(move || {
        let replay = start(&again, speed, ClockStart::Fixed(origin));
        replay.map(|s| s.runtime).map_err(|e| anyhow!("{e}"))
    });
    let runtime = started.runtime.clone();
    let source = LessonSource::new(
        LocalSource::named(started.runtime, mode),
        lesson,
        started.deployment.clone(),
        rebuild,
    );
    Ok(Opened {
        source,
        runtime,
        app: started.app,
        group_id: started.group_id,
        deployment: started.deployment,
    })
}

/// Opens the lesson's world paused at its start (`clock`: where, and
/// whether it runs once resumed) and makes its calls.
pub fn start(
    lesson: &Lesson,
    speed: Option<f64>,
    clock: ClockStart,
) -> Result<Started, StartError> {
    let fleet = Fleet::parse(&lesson.fleet).map_err(|e| anyhow!("the lesson's fleet: {e}"))?;
    let runtime = Runtime::open(RuntimeOptions {
        seed: crate::demo::DEMO_SEED,
        fleet: Some(fleet),
        speed: speed.or(lesson.speed).unwrap_or(1.0),
        clock,
        ..RuntimeOptions::memory(1.0)
    })?;
    // Nothing moves until the learner steps or resumes.
    runtime.pause(true);
    let mut last = None;
    for (index, call) in lesson.calls.iter().enumerate() {
        let failed = |message: String| StartError::Call { index, message };
        let op = Operation::from_name(&call.operation).ok_or_else(|| {
            failed(format!(
                "{:?} is not a CodeDeploy operation",
                call.operation
            ))
        })?;
        let body = serde_json::to_vec(&call.input).map_err(|e| failed(e.to_string()))?;
        let reply = crate::api::dispatch::dispatch(&runtime, op, &body)
            .map_err(|e| failed(format!("{}: {e}", call.operation)))?;
        if op == Operation::CreateDeployment {
            let out: serde_json::Value =
                serde_json::from_slice(&reply).map_err(|e| failed(e.to_string()))?;
            let id = out["deploymentId"].as_str().map(String::from);
            let app = call.input.get("applicationName").and_then(|v| v.as_str());
            let group = call
                .input
                .get("deploymentGroupName")
                .and_then(|v| v.as_str());
            last = Some((id, app.map(String::from), group.map(String::from)));
        }
    }
    let Some((Some(deployment), Some(app), Some(group))) = last else {
        return Err(anyhow!(
            "the lesson's CreateDeployment call must name its application and group"
        )
        .into());
    };
    let group_id = runtime
        .read(|e, _, _| {
            let app = e.application(&app).map(|a| a.id().to_string());
            Ok(app.and_then(|a| {
                e.groups_of(&a)
                    .find(|g| g.name() == group)
                    .map(|g| g.id().to_string())
            }))
        })
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("the lesson's group {group} was not created"))?;
    Ok(Started {
        runtime,
        deployment,
        app,
        group_id,
    })
}
