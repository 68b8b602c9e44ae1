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
    let mut lines = summary(d, t, m.data.now);
    lines.extend(super::traffic::lines(d, t, m.data.now));
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

fn summary(d: &Detail, t: Theme, now: Millis) -> Vec<Line<'static>> {
    let i = &d.info;
    let status = i.status.clone().unwrap_or(DeploymentStatus::Created);
    let word = status.as_str().to_string();
    let o = i.deployment_overview.clone().unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled(
            labelled(&word),
            t.status(&word).add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            "  {}/{}  {}  {}",
            i.application_name.as_deref().unwrap_or_default(),
            i.deployment_group_name.as_deref().unwrap_or_default(),
            theme::short_config(i.deployment_config_name.as_deref().unwrap_or_default()),
            revision_label(i.revision.as_ref()),
        )),
    ])];
    let n = |v: Option<i64>| v.unwrap_or(0);
    let mut counts = vec![Span::raw("Targets ")];
    counts.extend(progress(&o, 12, t).spans);
    counts.push(Span::raw(format!(
        " ✔ {} ✖ {} ◌ {} ◷ {} – {}",
        n(o.succeeded),
        n(o.failed),
        n(o.in_progress),
        n(o.pending),
        n(o.skipped)
    )));
    lines.push(Line::from(counts));
    if d.traffic.is_none() {
        lines.push(Line::from(health(d)));
    }
    lines.push(Line::from(format!(
        "Time    created {} · elapsed {} · by {}",
        theme::clock_time(i.create_time.map(|t| t.0).unwrap_or_default()),
        elapsed(i.start_time.map(|t| t.0), i.complete_time.map(|t| t.0), now),
        i.creator.as_ref().map(|c| c.as_str()).unwrap_or("-"),
    )));
    if let Some(r) = &i.rollback_info {
        lines.push(Line::from(rollback_line(r)));
    }
    if let Some(e) = &i.error_information {
        lines.push(Line::from(Span::styled(
            format!(
                "Error   {}: {}",
                e.code.as_ref().map(|c| c.as_str()).unwrap_or_default(),
                e.message.as_deref().unwrap_or_default()
            ),
            t.error(),
        )));
    }
    lines
}

/// Minimum healthy hosts, how many may be down at once, and the batch.
fn health(d: &Detail) -> String {
    let running = d
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::InProgress)
        .count();
    match (d.min_healthy, d.max_down) {
        (Some(min), Some(down)) => format!(
            "Health  min healthy {min}, at most {down} down at once · batch: {running} running, {} waiting{}",
            d.pending,
            if d.stopping { " · stopping" } else { "" }
        ),
        _ => format!("Health  finished · {} targets", d.targets.len()),
    }
}

fn rollback_line(r: &RollbackInfo) -> String {
    if let Some(id) = &r.rollback_deployment_id {
        return format!("Rollback  rolled back by {id}");
    }
    if let Some(id) = &r.rollback_triggering_deployment_id {
        return format!("Rollback  rolls back {id}");
    }
    format!(
        "Rollback  {}",
        r.rollback_message.as_deref().unwrap_or_default()
    )
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
    let bt = format!(" Blue · original[{}] ", blue.len());
    target_table(m, d, &green, gt, t, f, g);
    target_table(m, d, &blue, bt, t, f, b);
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
    let host_w: u16 = 22;
    let cell_w = if names.is_empty() {
        8
    } else {
        ((area.width.saturating_sub(host_w)) / names.len() as u16).clamp(2, 10)
    };
    let mut head = vec![Cell::from("TARGET")];
    head.extend(
        names
            .iter()
            .map(|n| Cell::from(theme::short_event(n).to_string())),
    );
    let mut widths = vec![Constraint::Length(host_w - 1)];
    widths.extend(names.iter().map(|_| Constraint::Length(cell_w - 1)));
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
        target_row(&d.targets[i], t, m.data.now, selected.then_some(m.event))
    });
    let table = Table::new(body, widths)
        .header(Row::new(head).style(t.title()))
        .block(Block::new().borders(Borders::TOP).title(title));
    f.render_widget(table, area);
}

fn target_row(tv: &TargetView, t: Theme, now: Millis, selected: Option<usize>) -> Row<'static> {
    let word = tv.status.as_str();
    let name = if tv.host.is_empty() { &tv.id } else { &tv.host };
    let mut cells = vec![Cell::from(Line::from(vec![
        Span::styled(glyph(word).to_string(), t.status(word)),
        Span::raw(format!(" {name}")),
    ]))];
    for (i, ev) in tv.events.iter().enumerate() {
        let w = ev.status.as_ref().map(|s| s.as_str()).unwrap_or("Pending");
        let mut style = t.status(w);
        if selected == Some(i) {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        cells.push(Cell::from(Span::styled(event_cell(ev, w, now), style)));
    }
    let row_style = if selected.is_some() {
        Style::new().add_modifier(Modifier::UNDERLINED)
    } else {
        Style::new()
    };
    Row::new(cells).style(row_style)
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
