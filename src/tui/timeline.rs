//! The selected deployment: a summary block above a timeline with one row per
//! target and one cell per lifecycle event, the running one with live time.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::model::*;
use super::theme::{self, glyph, labelled, Theme};
use super::widgets::{elapsed, progress, window};
use crate::model::labels::revision_label;
use crate::model::time::Millis;
use crate::model::*;
use crate::source::{Detail, TargetView};

pub fn draw(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let Some(d) = m.data.detail.as_ref() else {
        let id = m.deployment.clone().unwrap_or_default();
        f.render_widget(Paragraph::new(format!(" Loading {id}…")), area);
        return;
    };
    let mut lines = summary(d, t, m.now(), area.width);
    lines.extend(super::traffic::lines(d, t, m.now(), area.width));
    let h = (lines.len() as u16 + 1).min(area.height.saturating_sub(3));
    let [top, bottom] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(area);
    let title = format!(
        " Deployment({}) ",
        d.info.deployment_id.as_deref().unwrap_or_default()
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, t.title()));
    f.render_widget(Paragraph::new(lines).block(block), top);
    targets(m, d, t, f, bottom);
}

fn summary(d: &Detail, t: Theme, now: Millis, width: u16) -> Vec<Line<'static>> {
    let i = &d.info;
    let status = i.status.clone().unwrap_or(DeploymentStatus::Created);
    let word = status.as_str().to_string();
    let mut lines = vec![Line::from(vec![
        Span::styled(
            labelled(&word),
            t.status(&word).add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            "  {}/{}  {}  {}",
            i.application_name.as_deref().unwrap_or_default(),
            i.deployment_group_name.as_deref().unwrap_or_default(),
            theme::config_label(i.deployment_config_name.as_deref().unwrap_or_default()),
            revision_label(i.revision.as_ref()),
        )),
    ])];
    // Counted from the rows below, so the numbers and the rows agree.
    let o = tally(&d.targets);
    let n = |v: Option<i64>| v.unwrap_or(0);
    let mut counts = vec![Span::raw("Targets ")];
    counts.extend(progress(&o, 12, t).spans);
    counts.push(Span::raw(format!(
        " ✔ {} ✖ {} ◌ {} ⏸ {} ◷ {} – {}",
        n(o.succeeded),
        n(o.failed),
        n(o.in_progress),
        n(o.ready),
        n(o.pending),
        n(o.skipped)
    )));
    lines.push(Line::from(counts));
    let texts = long_texts(d);
    let text = |label: &str| texts.iter().find(|(l, _)| *l == label).map(|(_, t)| t);
    if let Some(why) = text("Why") {
        lines.extend(labelled_lines("Why", why, width, 2, t.status(&word)));
    } else if d.traffic.is_none() {
        lines.push(Line::from(health(d)));
    }
    lines.push(Line::from(format!(
        "Time    created {} · elapsed {} · by {}",
        theme::clock_time(i.create_time.map(|t| t.0).unwrap_or_default()),
        elapsed(i.start_time.map(|t| t.0), i.complete_time.map(|t| t.0), now),
        i.creator.as_ref().map(|c| c.as_str()).unwrap_or("-"),
    )));
    for (label, most, style) in [
        ("About", 1, Style::new()),
        ("Rollback", 2, Style::new()),
        ("Error", 3, t.error()),
    ] {
        if let Some(text) = text(label) {
            lines.extend(labelled_lines(label, text, width, most, style));
        }
    }
    lines
}

/// The summary's texts that may run long, by label: why it ended, its
/// description, its rollback and its error. The summary wraps them into a
/// few lines; the details popup (`l`) shows them whole.
pub(super) fn long_texts(d: &Detail) -> Vec<(&'static str, String)> {
    let i = &d.info;
    let mut out = Vec::new();
    if let Some(why) = why(d) {
        out.push(("Why", why));
    }
    if let Some(about) = i.description.as_ref().filter(|d| !d.is_empty()) {
        out.push(("About", about.clone()));
    }
    if let Some(r) = &i.rollback_info {
        out.push(("Rollback", rollback_text(r)));
    }
    if let Some(e) = &i.error_information {
        let text = format!(
            "{}: {}",
            e.code.as_ref().map(|c| c.as_str()).unwrap_or_default(),
            e.message.as_deref().unwrap_or_default()
        );
        out.push(("Error", text));
    }
    out
}

/// What a cut summary line ends with: where to read it whole.
const CUT: &str = "… l: whole";

/// `Label   text`, wrapped between words under the label, at most `most`
/// lines; text left over ends the last line with [`CUT`].
fn labelled_lines(
    label: &str,
    text: &str,
    width: u16,
    most: usize,
    style: Style,
) -> Vec<Line<'static>> {
    let indent = (label.chars().count() + 2).max(8);
    let room = (width as usize).saturating_sub(indent);
    let mut parts = super::widgets::wrap_words(text, room, most);
    if let Some(last) = parts.last_mut().filter(|l| l.ends_with('…')) {
        let keep = room.saturating_sub(CUT.chars().count());
        let head: String = last.chars().take(keep).collect();
        *last = format!("{}{CUT}", head.trim_end());
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(k, part)| {
            let head = if k == 0 {
                format!("{label:<indent$}")
            } else {
                " ".repeat(indent)
            };
            Line::from(Span::styled(format!("{head}{part}"), style))
        })
        .collect()
}

/// Targets by status, as their rows show them.
fn tally(targets: &[TargetView]) -> DeploymentOverview {
    let count = |f: &dyn Fn(&TargetStatus) -> bool| {
        Some(targets.iter().filter(|t| f(&t.status)).count() as i64)
    };
    DeploymentOverview {
        succeeded: count(&|s| *s == TargetStatus::Succeeded),
        failed: count(&|s| *s == TargetStatus::Failed),
        in_progress: count(&|s| *s == TargetStatus::InProgress),
        ready: count(&|s| *s == TargetStatus::Ready),
        skipped: count(&|s| *s == TargetStatus::Skipped),
        pending: count(&|s| {
            matches!(
                s,
                TargetStatus::Pending | TargetStatus::Unknown | TargetStatus::UnknownValue(_)
            )
        }),
    }
}

/// Why a finished deployment ended as it did: the health arithmetic for
/// EC2/on-premises, the error for the rest.
fn why(d: &Detail) -> Option<String> {
    let status = d.info.status.clone()?;
    if !status.is_final() {
        return None;
    }
    // The engine (and AWS, sometimes) says why in the status messages.
    if let Some(said) = d
        .info
        .deployment_status_messages
        .as_ref()
        .and_then(|m| m.last())
        .filter(|m| !m.is_empty())
    {
        return Some(said.clone());
    }
    let error = d.info.error_information.as_ref();
    let code = error.and_then(|e| e.code.clone());
    let rollback = crate::model::rules::is_rollback(&d.info);
    let hosts: Vec<&TargetView> = d
        .targets
        .iter()
        .filter(|t| crate::model::rules::counts_for_health(t.label.as_ref(), rollback))
        .collect();
    if d.traffic.is_none() && !hosts.is_empty() {
        let n = hosts.len() as i64;
        let failed = hosts
            .iter()
            .filter(|t| t.status == TargetStatus::Failed)
            .count() as i64;
        let healthy = n - failed;
        let config = d.info.deployment_config_name.as_deref().unwrap_or("-");
        let mhh = d
            .config
            .as_ref()
            .and_then(|c| c.minimum_healthy_hosts.as_ref());
        let (min, _) = crate::model::rules::health_limits(mhh, n);
        if status == DeploymentStatus::Succeeded {
            return Some(format!(
                "Succeeded: {healthy} of {n} hosts healthy, minimum {min} ({})",
                theme::config_label(config)
            ));
        }
        if code == Some(ErrorCode::HealthConstraints) {
            let left = hosts
                .iter()
                .filter(|t| t.status == TargetStatus::Skipped)
                .count();
            return Some(if left > 0 {
                // It stopped before the rest: one more host down would break the minimum.
                format!(
                    "{status}: HEALTH_CONSTRAINTS, {failed} failed and {left} not deployed: one more host down would leave {} healthy < minimum {min}",
                    healthy - 1
                )
            } else {
                format!("{status}: HEALTH_CONSTRAINTS, {failed} failed, {healthy} healthy < minimum {min}")
            });
        }
    }
    let first = |m: &str| {
        m.split(". ")
            .next()
            .unwrap_or(m)
            .trim_end_matches('.')
            .to_string()
    };
    Some(match (error, &status) {
        (Some(e), _) => format!(
            "{status}: {}: {}",
            e.code.as_ref().map_or("-", |c| c.as_str()),
            first(e.message.as_deref().unwrap_or(""))
        ),
        (None, DeploymentStatus::Succeeded) => match &d.traffic {
            Some(tv) => format!("Succeeded: all traffic on {}", tv.replacement),
            None => "Succeeded".into(),
        },
        (None, _) => status.to_string(),
    })
}

/// Minimum healthy hosts, how many may be down at once, and the batch: the
/// targets running a lifecycle event now (the `◌` cells below), so a
/// blue/green reroute counts the hosts it reroutes, not every replacement.
fn health(d: &Detail) -> String {
    let running = d
        .targets
        .iter()
        .filter(|t| {
            t.events
                .iter()
                .any(|e| e.status == Some(LifecycleEventStatus::InProgress))
        })
        .count();
    match (d.min_healthy, d.max_down) {
        (Some(min), Some(down)) => format!(
            "Health  min healthy {min}, at most {down} down at once · batch: {running} running, {} waiting{}",
            d.pending,
            if d.stopping { " · stopping" } else { "" }
        ),
        // The limits count the targets, which CodeDeploy picks at the start.
        _ if d.info.status.as_ref().is_some_and(|s| !s.has_started()) => {
            "Health  not started: the targets are picked when it starts".to_string()
        }
        _ => format!("Health  finished · {} targets", d.targets.len()),
    }
}

fn rollback_text(r: &RollbackInfo) -> String {
    if let Some(id) = &r.rollback_deployment_id {
        return format!("rolled back by {id} (o opens it)");
    }
    if let Some(id) = &r.rollback_triggering_deployment_id {
        return format!("rolls back {id} (o opens it)");
    }
    r.rollback_message.clone().unwrap_or_default()
}

/// The target rows: one table, or for EC2 blue/green the replacement (Green)
/// and original (Blue) hosts side by side (stacked when the screen is narrow).
fn targets(m: &Model, d: &Detail, t: Theme, f: &mut Frame, area: Rect) {
    let all: Vec<usize> = (0..d.targets.len()).collect();
    if !d.targets.iter().any(|tv| tv.label.is_some()) {
        let title = format!(" Targets[{}] ", all.len());
        return target_table(m, d, &all, title, t, f, area);
    }
    let side = |l: TargetLabel| -> Vec<usize> {
        all.iter()
            .copied()
            .filter(|&i| d.targets[i].label.as_ref() == Some(&l))
            .collect()
    };
    let (green, blue) = (side(TargetLabel::Green), side(TargetLabel::Blue));
    let [g, b] = if area.width >= 120 {
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(44)]).areas(area)
    } else {
        Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(area)
    };
    let gt = format!(" Green · replacement[{}] ", green.len());
    // The originals the termination wait removed, as the rows' hosts say.
    let gone = blue
        .iter()
        .filter(|&&i| d.targets[i].terminated.is_some())
        .count();
    let bt = match gone {
        0 => format!(" Blue · original[{}] ", blue.len()),
        n => format!(" Blue · original[{}] · {n} terminated ", blue.len()),
    };
    target_table(m, d, &green, gt, t, f, g);
    target_table(m, d, &blue, bt, t, f, b);
}

/// Cell widths of a target table: the target column first (an ID is shown
/// whole whenever the table can hold it), then the batch column, then the
/// lifecycle events share what is left.
struct Widths {
    name: u16,
    batch: bool,
    cell: u16,
}

/// Widths for targets named `names` (longest first matters) and `events`
/// event columns in `width` cells (one cell of spacing between columns).
fn widths(names: &[&str], events: usize, batch: bool, width: u16) -> Widths {
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    // "◷ " before the name; never narrower than the header.
    let want = (longest as u16 + 2).max(6);
    let batch_w = if batch { 3 } else { 0 };
    // Each event column keeps at least its glyph (and a space before it).
    let floor = events as u16 * 3;
    let name = want.min(width.saturating_sub(batch_w + floor)).max(6);
    let left = width.saturating_sub(name + batch_w);
    let cell = if events == 0 {
        8
    } else {
        (left / events as u16).clamp(3, 10) - 1
    };
    Widths { name, batch, cell }
}

/// What a target is called on its row: its host, else its ID.
fn target_name(tv: &TargetView) -> &str {
    if tv.host.is_empty() {
        &tv.id
    } else {
        &tv.host
    }
}

/// A table of the targets at `rows` (indexes into `d.targets`).
fn target_table(
    m: &Model,
    d: &Detail,
    rows: &[usize],
    title: String,
    t: Theme,
    f: &mut Frame,
    area: Rect,
) {
    let names: Vec<String> = rows
        .iter()
        .map(|&i| &d.targets[i])
        .max_by_key(|t| t.events.len())
        .map(|t| {
            t.events
                .iter()
                .map(|e| e.lifecycle_event_name.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    // In-place deployments run in batches: targets that started together.
    // Blue/green (labelled hosts) and traffic shifting do not: no column,
    // running or finished.
    let in_place = d.traffic.is_none() && !d.targets.iter().any(|tv| tv.label.is_some());
    let batches = in_place.then(|| batches(d));
    let shown: Vec<&str> = rows.iter().map(|&i| target_name(&d.targets[i])).collect();
    let w = widths(&shown, names.len(), batches.is_some(), area.width);
    let mut head = vec![Cell::from("TARGET")];
    if w.batch {
        head.push(Cell::from("B"));
    }
    head.extend(
        names
            .iter()
            .map(|n| Cell::from(theme::short_event(n).to_string())),
    );
    let mut widths = vec![Constraint::Length(w.name)];
    if w.batch {
        widths.push(Constraint::Length(2));
    }
    widths.extend(names.iter().map(|_| Constraint::Length(w.cell)));
    // The cursor within this table, if the selected target is in it.
    let cursor = Cursor {
        selected: rows
            .iter()
            .position(|&i| i == m.target.selected)
            .unwrap_or(0),
        offset: 0,
    };
    let body = window(cursor, rows.len(), area).map(|k| {
        let i = rows[k];
        let selected = i == m.target.selected && m.pane == Pane::Main;
        let batch = batches.as_ref().map(|b| b[i]);
        let cells = RowCells {
            name_w: w.name,
            selected: selected.then_some(m.event),
            batch,
        };
        target_row(&d.targets[i], t, m.now(), cells)
    });
    let title = scroll_title(title, cursor, rows.len(), area);
    let table = Table::new(body, widths)
        .header(Row::new(head).style(t.title()))
        .block(Block::new().borders(Borders::TOP).title(title));
    f.render_widget(table, area);
}

/// Rows that do not fit are said to be there; the cursor scrolls to them.
fn scroll_title(title: String, cursor: Cursor, rows: usize, area: Rect) -> String {
    let page = area.height.saturating_sub(2) as usize;
    if page == 0 && rows > 0 {
        format!("{title}· {rows} not shown: a taller terminal shows them ")
    } else if rows > page {
        let shown = window(cursor, rows, area);
        format!(
            "{title}· {}-{} of {rows}, j/k scrolls ",
            shown.start + 1,
            shown.end
        )
    } else {
        title
    }
}

/// How one target row is drawn: the target column's width, the event under
/// the cursor (on the selected row), the batch (in-place deployments).
struct RowCells {
    name_w: u16,
    selected: Option<usize>,
    batch: Option<Option<usize>>,
}

fn target_row(tv: &TargetView, t: Theme, now: Millis, c: RowCells) -> Row<'static> {
    let word = tv.status.as_str();
    // Whole, or shortened in the middle where it shows: never cut silently.
    let name = theme::middle_ellipsis(target_name(tv), c.name_w.saturating_sub(2) as usize);
    let mut cells = vec![Cell::from(Line::from(vec![
        Span::styled(glyph(word).to_string(), t.status(word)),
        Span::raw(format!(" {name}")),
    ]))];
    if let Some(b) = c.batch {
        let label = b.map_or("-".to_string(), |n| n.to_string());
        cells.push(Cell::from(Span::styled(label, t.dim())));
    }
    for (i, ev) in tv.events.iter().enumerate() {
        let w = ev.status.as_ref().map(|s| s.as_str()).unwrap_or("Pending");
        let mut style = t.status(w);
        if c.selected == Some(i) {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        cells.push(Cell::from(Span::styled(event_cell(ev, w, now), style)));
    }
    let row_style = if c.selected.is_some() {
        Style::new().add_modifier(Modifier::UNDERLINED)
    } else {
        Style::new()
    };
    Row::new(cells).style(row_style)
}

/// The batch of each target (1, 2, ...): targets whose first lifecycle event
/// started at the same time ran together; `None` for those not started.
fn batches(d: &Detail) -> Vec<Option<usize>> {
    let start = |tv: &TargetView| tv.events.iter().filter_map(|e| e.start_time).min();
    let mut starts: Vec<_> = d.targets.iter().filter_map(start).collect();
    starts.sort();
    starts.dedup();
    d.targets
        .iter()
        .map(|tv| {
            start(tv)
                .and_then(|s| starts.iter().position(|x| *x == s))
                .map(|i| i + 1)
        })
        .collect()
}

/// `✔ 4s`, `◌ 12s` (live), `◷`.
fn event_cell(ev: &LifecycleEvent, word: &str, now: Millis) -> String {
    let start = ev.start_time.map(|t| t.0);
    let end = ev.end_time.map(|t| t.0);
    match (start, end, word) {
        (Some(s), Some(e), _) => format!("{} {}", glyph(word), theme::duration(e - s)),
        (Some(s), None, "InProgress") => format!("{} {}", glyph(word), theme::duration(now - s)),
        _ => glyph(word).to_string(),
    }
}
