//! `codedeck lesson --check FILE`: a lesson file checked without a terminal,
//! every problem named with its line in the lesson file — the TOML, each
//! call (made on a scratch world, so it means what it means to the API),
//! every moment (statuses, the platform's event names, traffic percentages,
//! zones of the world) and every action (hosts and alarms that exist), and
//! the embedded fleet.

use serde::Deserialize;
use toml::Spanned;

use crate::model::lifecycle_event::{
    names, LifecycleEventName, ECS_EVENTS, LAMBDA_EVENTS, SERVER_IN_PLACE_LB,
};
use crate::source::lesson::{world_action, Lesson, When};
use crate::source::Action;
use crate::state::fleet::Fleet;

/// One problem, at a line of the lesson file (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Where the parts of a lesson file are.
#[derive(Deserialize)]
struct Spans {
    fleet: Spanned<String>,
    #[serde(rename = "call", default)]
    calls: Vec<CallSpan>,
    #[serde(rename = "caption", default)]
    captions: Vec<WhenSpan>,
    #[serde(rename = "action", default)]
    actions: Vec<ActionSpan>,
}

#[derive(Deserialize)]
struct CallSpan {
    operation: Spanned<String>,
}

#[derive(Deserialize)]
struct WhenSpan {
    when: Spanned<String>,
    #[serde(default)]
    focus: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct ActionSpan {
    when: Spanned<String>,
    #[serde(rename = "do")]
    act: Spanned<String>,
}

/// Checks a lesson file's text: the lesson, or every problem found.
pub fn check(text: &str) -> Result<Lesson, Vec<Problem>> {
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    let lesson: Lesson = toml::from_str(text).map_err(|e| vec![toml_problem(text, &e)])?;
    let spans: Spans = toml::from_str(text).map_err(|e| vec![toml_problem(text, &e)])?;
    let mut problems = Vec::new();
    let fleet = match Fleet::parse(&lesson.fleet) {
        Ok(f) => Some(f),
        Err(e) => {
            // The fleet's own lines count from the line after `fleet = '''`.
            let first = at(spans.fleet.span()) + 1;
            problems.push(fleet_problem(first, &e.to_string()));
            None
        }
    };
    let world = World::of(&lesson, fleet.as_ref());
    for c in &spans.captions {
        if let Err(m) = world.moment(c.when.get_ref()) {
            problems.push(Problem {
                line: at(c.when.span()),
                message: m,
            });
        }
        if let Some(f) = &c.focus {
            if let Err(m) = world.focus(f.get_ref()) {
                problems.push(Problem {
                    line: at(f.span()),
                    message: m,
                });
            }
        }
    }
    for a in &spans.actions {
        if let Err(m) = world.moment(a.when.get_ref()) {
            problems.push(Problem {
                line: at(a.when.span()),
                message: m,
            });
        }
        if let Err(m) = world.action(a.act.get_ref()) {
            problems.push(Problem {
                line: at(a.act.span()),
                message: m,
            });
        }
    }
    let lines: Vec<usize> = spans.calls.iter().map(|c| at(c.operation.span())).collect();
    if fleet.is_some() {
        problems.extend(call_problems(&lesson, &lines));
    }
    if problems.is_empty() {
        // Whatever the parts say, the whole must also parse as a lesson.
        Lesson::parse(text).map_err(|m| {
            vec![Problem {
                line: 1,
                message: m,
            }]
        })
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// The calls made on a scratch world: the first that fails, at its line.
fn call_problems(lesson: &Lesson, lines: &[usize]) -> Vec<Problem> {
    if !lesson
        .calls
        .iter()
        .any(|c| c.operation == "CreateDeployment")
    {
        let line = lines.last().copied().unwrap_or(1);
        return vec![Problem {
            line,
            message: "a lesson needs a CreateDeployment call".into(),
        }];
    }
    match super::start(
        lesson,
        None,
        crate::runtime::ClockStart::Fixed(crate::model::time::wall_now()),
    ) {
        Ok(started) => {
            let _ = started.runtime.shutdown();
            Vec::new()
        }
        Err(super::StartError::Call { index, message }) => vec![Problem {
            line: lines.get(index).copied().unwrap_or(1),
            message,
        }],
        Err(super::StartError::Other(e)) => vec![Problem {
            line: 1,
            message: format!("{e:#}"),
        }],
    }
}

/// What the lesson's world holds, for moments and actions to name.
struct World {
    /// The fleet parsed: its hosts, zones and alarms can be checked against.
    known: bool,
    platform: String,
    hosts: Vec<String>,
    zones: Vec<String>,
    alarms: Vec<String>,
}

impl World {
    fn of(lesson: &Lesson, fleet: Option<&Fleet>) -> World {
        let platform = lesson
            .calls
            .iter()
            .filter(|c| c.operation == "CreateApplication")
            .find_map(|c| c.input.get("computePlatform").and_then(|v| v.as_str()))
            .unwrap_or("Server")
            .to_string();
        let hosts = fleet.map(Fleet::hosts).unwrap_or_default();
        let mut zones: Vec<String> = hosts.iter().map(|h| h.availability_zone.clone()).collect();
        zones.sort();
        zones.dedup();
        World {
            known: fleet.is_some(),
            platform,
            hosts: hosts.into_iter().map(|h| h.id).collect(),
            zones,
            alarms: fleet
                .map(|f| f.alarms.iter().map(|a| a.name.clone()).collect())
                .unwrap_or_default(),
        }
    }

    fn events(&self) -> &'static [LifecycleEventName] {
        match self.platform.as_str() {
            "Lambda" => &LAMBDA_EVENTS,
            "ECS" => &ECS_EVENTS,
            _ => &SERVER_IN_PLACE_LB,
        }
    }

    /// Whether the lesson's `name` is one of the platform's events.
    fn has_event(&self, name: &str) -> bool {
        LifecycleEventName::parse_among(name, self.events()).is_ok()
    }

    /// A `when` that can happen in this world.
    fn moment(&self, text: &str) -> Result<(), String> {
        match When::parse(text)? {
            When::Event(name) if !self.has_event(&name) => Err(format!(
                "when = {text:?}: {name} is not a lifecycle event of a {} deployment; they are {}",
                self.platform,
                names(self.events())
            )),
            When::Traffic(p) if !(p > 0.0 && p <= 100.0) => Err(format!(
                "when = {text:?}: traffic takes a percent above 0 and at most 100"
            )),
            When::Traffic(_) if self.platform == "Server" => Err(format!(
                "when = {text:?}: traffic shifts in Lambda and ECS deployments only"
            )),
            When::Zone(z) if self.known && !self.zones.contains(&z) => Err(format!(
                "when = {text:?}: no host of the lesson's world is in {z}; its zones are {}",
                self.zones.join(", ")
            )),
            _ => Ok(()),
        }
    }

    /// A `focus` on a host of the world (and an event of the platform).
    fn focus(&self, text: &str) -> Result<(), String> {
        let Some((host, event)) = crate::source::lesson::parse_focus(text) else {
            return Err("focus = \"\": name a host, and optionally one of its events".into());
        };
        // Lambda and ECS targets are named by the deployment; only hosts are checked.
        if self.known && self.platform == "Server" && !self.hosts.contains(&host) {
            return Err(format!(
                "focus = {text:?}: no host {host} in the lesson's world; its hosts are {}",
                self.hosts.join(", ")
            ));
        }
        match event {
            Some(e) if !self.has_event(&e) => Err(format!(
                "focus = {text:?}: {e} is not a lifecycle event of a {} deployment",
                self.platform
            )),
            _ => Ok(()),
        }
    }

    /// A `do` that names what exists.
    fn action(&self, text: &str) -> Result<(), String> {
        match world_action(text)? {
            Action::BreakHost { host } if self.known && !self.hosts.contains(&host) => Err(format!(
                "do = {text:?}: no host {host} in the lesson's world; its hosts are {}",
                self.hosts.join(", ")
            )),
            Action::SetAlarm { name, .. } if self.known && !self.alarms.contains(&name) => Err(format!(
                "do = {text:?}: no alarm {name} in the lesson's world (declare it as [[alarm]] in the fleet){}",
                if self.alarms.is_empty() { String::new() } else { format!("; its alarms are {}", self.alarms.join(", ")) }
            )),
            _ => Ok(()),
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn toml_problem(text: &str, e: &toml::de::Error) -> Problem {
    let line = e.span().map_or(1, |s| line_of(text, s.start));
    Problem {
        line,
        message: e.message().to_string(),
    }
}

/// A fleet error whose `line N` counts inside the fleet string, moved to
/// the lesson file's lines, on one line (the TOML snippet is left out: its
/// gutter numbers the fleet's own lines).
fn fleet_problem(first: usize, message: &str) -> Problem {
    let inner = message
        .split("line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok());
    let line = inner.map_or(first, |n| first + n.saturating_sub(1));
    let words: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains('|') && !l.starts_with('^'))
        .collect();
    let mut text = words.join(": ");
    if let Some(n) = inner {
        text = text.replacen(&format!("line {n}"), &format!("line {line}"), 1);
    }
    Problem {
        line,
        message: format!("fleet: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::lesson::LESSONS;

    fn problems(text: &str) -> Vec<Problem> {
        check(text).err().unwrap_or_default()
    }

    fn batches() -> String {
        LESSONS[0].1.to_string()
    }

    #[test]
    fn every_shipped_lesson_passes() {
        for (name, text) in LESSONS {
            assert!(check(text).is_ok(), "{name}: {:?}", check(text).err());
        }
    }

    #[test]
    fn a_misspelt_event_is_named_at_its_line() {
        let text = batches().replace("when = \"event:Install\"", "when = \"event:Instal\"");
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        let line = text
            .lines()
            .position(|l| l.contains("event:Instal\""))
            .expect("line")
            + 1;
        assert_eq!(p[0].line, line);
        assert!(
            p[0].message
                .contains("Instal is not a lifecycle event of a Server deployment"),
            "{p:?}"
        );
        assert!(
            p[0].message.contains("ValidateService"),
            "lists the valid names: {p:?}"
        );
    }

    #[test]
    fn a_host_or_alarm_that_does_not_exist() {
        let text = format!("{}\n[[action]]\nwhen = \"start\"\ndo = \"break i-nonexistent\"\n[[action]]\nwhen = \"start\"\ndo = \"alarm Nope on\"\n", batches());
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("no host i-nonexistent"), "{p:?}");
        assert!(p[0].message.contains("i-0000000000000a001"), "{p:?}");
        assert!(p[1].message.contains("no alarm Nope"), "{p:?}");
        assert_eq!(p[0].line, text.lines().count() - 3);
    }

    #[test]
    fn statuses_traffic_and_zones() {
        for (when, says) in [
            ("status:Done", "expected start"),
            ("traffic:50", "Lambda and ECS deployments only"),
            (
                "zone:mars-1a",
                "no host of the lesson's world is in mars-1a",
            ),
        ] {
            let text =
                batches().replace("when = \"status:Succeeded\"", &format!("when = \"{when}\""));
            let p = problems(&text);
            assert_eq!(p.len(), 1, "{when}: {p:?}");
            assert!(p[0].message.contains(says), "{when}: {p:?}");
        }
    }

    #[test]
    fn a_fleet_error_is_at_its_line_in_the_lesson_file() {
        let text = batches().replace("fail = \"ValidateService\"", "fial = \"ValidateService\"");
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        let fleet_line = text
            .lines()
            .position(|l| l.starts_with("fleet = "))
            .expect("fleet")
            + 1;
        assert!(p[0].line > fleet_line, "{p:?}");
        assert!(p[0].message.starts_with("fleet: "), "{p:?}");
    }

    #[test]
    fn a_call_the_api_refuses_is_at_its_line() {
        let text = batches().replace(
            "CodeDeployDefault.HalfAtATime",
            "CodeDeployDefault.Sometimes",
        );
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        let line = text
            .lines()
            .position(|l| l.contains("CreateDeploymentGroup"))
            .expect("line")
            + 1;
        assert_eq!(p[0].line, line, "{p:?}");
        assert!(
            p[0].message.contains("DeploymentConfigDoesNotExist"),
            "{p:?}"
        );
        let typo = batches().replace("\"CreateApplication\"", "\"CreateApplicaton\"");
        assert!(
            problems(&typo)[0].message.contains("CreateApplicaton"),
            "{:?}",
            problems(&typo)
        );
    }

    #[test]
    fn a_focus_names_a_host_and_an_event_of_the_world() {
        let text = batches().replace(
            "focus = \"i-0000000000000a004 ValidateService\"",
            "focus = \"i-0000000000000a009 ValidateServic\"",
        );
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].message.contains("no host i-0000000000000a009"),
            "{p:?}"
        );
        let text = batches().replace(
            "focus = \"i-0000000000000a004 ValidateService\"",
            "focus = \"i-0000000000000a004 ValidateServic\"",
        );
        assert!(problems(&text)[0]
            .message
            .contains("ValidateServic is not a lifecycle event"));
    }

    #[test]
    fn bad_toml_is_at_its_line() {
        let text = batches().replace("speed = 4", "speed = ");
        let p = problems(&text);
        let line = batches()
            .lines()
            .position(|l| l == "speed = 4")
            .expect("line")
            + 1;
        assert_eq!(p[0].line, line, "{p:?}");
    }
}
