//! Lambda, ECS and EC2 blue/green extras of the timeline: the weight bar, the
//! shifting schedule with a countdown, the hook executions with their IDs, and
//! the wait a deployment is in.

use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};

use super::theme::{self, glyph, Theme};
use crate::model::time::Millis;
use crate::model::DeploymentWaitType;
use crate::source::{BlueGreenView, Detail, TrafficView, WaitView, ZoneView};
use crate::state::{BlueGreenPhase, HookExecution};

/// Width of the weight bar in cells.
const BAR: usize = 30;
/// Most hook executions listed (the newest).
const HOOKS_SHOWN: usize = 3;

/// The lines the summary block gains for this deployment.
pub fn lines(d: &Detail, t: Theme, now: Millis, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(tv) = &d.traffic {
        out.push(weight_bar(tv, t));
        let over = d.info.status.as_ref().is_some_and(|s| s.is_final());
        out.push(schedule(tv, t, now, over));
        if let Some(w) = &tv.wait {
            out.push(wait_line(w, t, now, "task set"));
        }
        out.extend(hooks(&d.hooks, t, width as usize));
        let finished = d.info.status.as_ref().is_some_and(|s| s.is_final());
        if let Some((function, alias)) = tv.alias.as_ref().filter(|_| tv.alias_split && finished) {
            out.push(Line::from(Span::styled(
                format!("Alias   {function}:{alias} is left on two versions: deployments to it fail · R repairs it"),
                t.fg(Color::Yellow),
            )));
        }
    }
    if let Some(z) = &d.zone {
        out.push(zone_line(z, t, now));
    }
    if let Some(bg) = &d.blue_green {
        out.push(phase_line(bg));
        if let Some(w) = &bg.wait {
            out.push(wait_line(w, t, now, "instances"));
        }
    }
    out
}

/// `Traffic version 1 90% ▒▒▒▒▒▒▒▒████ 10% version 2`: the original on the
/// left, the replacement on the right (shapes differ, so it reads without colour).
fn weight_bar(tv: &TrafficView, t: Theme) -> Line<'static> {
    let w = tv.weight.clamp(0.0, 100.0);
    let new = ((w / 100.0) * BAR as f64).round() as usize;
    let mut spans = vec![
        Span::raw("Traffic "),
        Span::styled(tv.original.clone(), t.fg(Color::Blue)),
        Span::raw(format!(" {} ", percent(100.0 - w))),
        Span::styled("▒".repeat(BAR - new), t.fg(Color::Blue)),
        Span::styled("█".repeat(new), t.fg(Color::Green)),
        Span::raw(format!(" {} ", percent(w))),
        Span::styled(tv.replacement.clone(), t.fg(Color::Green)),
    ];
    if tv.restored {
        spans.push(Span::styled(
            " · rolled back to the original",
            t.fg(Color::Yellow),
        ));
    }
    Line::from(spans)
}

fn percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// `Shifts ✔ 22:18:40 10% ◷ 22:23:40 100% · next in 3m12s`; on a
/// deployment that is `over`, the steps never taken are skipped and nothing
/// counts down.
fn schedule(tv: &TrafficView, t: Theme, now: Millis, over: bool) -> Line<'static> {
    let mut spans = vec![Span::raw("Shifts  ")];
    if tv.steps.is_empty() {
        spans.push(Span::styled("start when AllowTraffic starts", t.dim()));
        return Line::from(spans);
    }
    for (i, (at, w)) in tv.steps.iter().enumerate() {
        let word = match (i < tv.applied, over) {
            (true, _) => "Succeeded",
            (false, true) => "Skipped",
            (false, false) => "Pending",
        };
        spans.push(Span::styled(
            format!(
                "{} {} {} ",
                glyph(word),
                theme::clock_time(*at),
                percent(*w)
            ),
            t.status(word),
        ));
    }
    if let Some((at, _)) = tv.steps.get(tv.applied) {
        if !tv.restored && !over {
            spans.push(Span::styled(
                format!("· next shift in {}", theme::duration(at - now)),
                t.title(),
            ));
        }
    }
    Line::from(spans)
}

/// The hook executions, newest last, with the full ID a user answers with
/// `aws deploy put-lifecycle-event-hook-execution-status` (shortened when the
/// line would not fit: `y` copies it whole).
fn hooks(list: &[HookExecution], t: Theme, width: usize) -> Vec<Line<'static>> {
    let skip = list.len().saturating_sub(HOOKS_SHOWN);
    list.iter()
        .skip(skip)
        .map(|h| {
            let word = h.status.as_str();
            let mut by = h
                .answered_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_else(|| " waiting for an answer".into());
            let rest = format!(" {} → {}", h.event, h.function);
            let full = 10 + h.id.chars().count() + rest.chars().count() + by.chars().count();
            let id = if full > width {
                format!("{}…", h.id.chars().take(8).collect::<String>())
            } else {
                h.id.clone()
            };
            // Still too wide: who answered goes before the event and function
            // are cut (the glyph says how it ended).
            if 10 + id.chars().count() + rest.chars().count() + by.chars().count() > width {
                by.clear();
            }
            Line::from(vec![
                Span::raw("Hook    "),
                Span::styled(format!("{} ", glyph(word)), t.status(word)),
                Span::styled(id, t.title()),
                Span::raw(rest),
                Span::styled(by, t.dim()),
            ])
        })
        .collect()
}

/// `Zone    us-east-1b · watched, next zone in 2m00s`.
fn zone_line(z: &ZoneView, t: Theme, now: Millis) -> Line<'static> {
    let mut spans = vec![
        Span::raw("Zone    "),
        Span::styled(z.zone.clone(), t.title()),
    ];
    spans.push(Span::raw(match z.monitor_until {
        Some(until) => format!(
            " deployed · monitor wait: next zone in {}",
            theme::duration(until - now)
        ),
        None => " deploying (one Availability Zone at a time)".to_string(),
    }));
    Line::from(spans)
}

fn phase_line(bg: &BlueGreenView) -> Line<'static> {
    let what = match bg.phase {
        BlueGreenPhase::Planned => "planned",
        BlueGreenPhase::Install => "installing on the replacement (Green) instances",
        BlueGreenPhase::Ready => "replacement installed, traffic not rerouted yet",
        BlueGreenPhase::Reroute if bg.rollback => {
            "rerouting traffic back to the original instances"
        }
        BlueGreenPhase::Reroute => "rerouting traffic to the replacement instances",
        BlueGreenPhase::Block if bg.rollback => "blocking traffic to the replacement instances",
        BlueGreenPhase::Block => "blocking traffic to the original (Blue) instances",
        BlueGreenPhase::TerminationWait => "traffic rerouted; originals wait for termination",
    };
    Line::from(format!("Phase   {what}"))
}

/// `Wait    Ready: C continues · stops by itself in 1h59m`.
fn wait_line(w: &WaitView, t: Theme, now: Millis, originals: &str) -> Line<'static> {
    let left = w.until.map(|u| theme::duration(u - now));
    let text = match (&w.kind, left) {
        (DeploymentWaitType::TerminationWait, Some(left)) => format!(
            "Wait    termination: original {originals} removed in {left} · C removes them now"
        ),
        (DeploymentWaitType::TerminationWait, None) => format!(
            "Wait    termination: original {originals} removed when the wait ends · C removes them now"
        ),
        (_, Some(left)) => {
            format!("Wait    Ready: press C to reroute traffic · stops by itself in {left}")
        }
        (_, None) => "Wait    Ready: press C to reroute traffic".to_string(),
    };
    Line::from(Span::styled(
        text,
        t.fg(Color::Magenta).add_modifier(Modifier::BOLD),
    ))
}
