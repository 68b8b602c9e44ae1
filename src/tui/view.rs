//! `view()`: draws the whole screen from the model, nothing else. Lists build
//! rows only for what is visible, so 10,000 deployments cost what 30 do.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::keymap::{Hint, KEYMAP};
use super::model::*;
use super::theme::{self, labelled, Theme};
use super::widgets::{elapsed, progress, window};
use super::{popup, timeline};
use crate::model::time::Millis;
use crate::source::DeploymentRow;

pub fn view(m: &Model, f: &mut Frame) {
    let t = Theme { color: m.color };
    let area = f.area();
    let log_h = if area.height >= 20 { 6 } else { 0 };
    let [head, main, log, explain, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(log_h),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header(m, t, f, head);
    match m.screen {
        Screen::Apps => apps(m, t, f, main),
        Screen::Groups => groups(m, t, f, main),
        Screen::Deployments => deployments(m, t, f, main),
        Screen::Timeline => timeline::draw(m, t, f, main),
    }
    if log_h > 0 {
        event_log(m, t, f, log);
    }
    explanation(m, t, f, explain);
    footer(m, t, f, foot);
    popup::draw(m, t, f, area);
}

/// The spinner shown while a read is slow.
const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

fn header(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    // Narrow terminals drop the date and the scheme rather than overlap.
    let wide = area.width >= 100;
    let api = match &m.api {
        ApiStatus::Serving(a) if wide => Span::raw(format!("API http://{a}")),
        ApiStatus::Serving(a) => Span::raw(format!("API {a}")),
        ApiStatus::Off => Span::styled("API off", t.dim()),
        ApiStatus::Busy(a) => Span::styled(format!("API off: {a} busy"), t.error()),
        ApiStatus::Remote => Span::raw(""),
    };
    let sep = if m.api == ApiStatus::Remote {
        ""
    } else {
        " │ "
    };
    let mut left = vec![
        Span::styled(" codedeck ", t.title().add_modifier(Modifier::REVERSED)),
        Span::raw(format!(" {}{sep}", m.mode)),
        api,
    ];
    if let Some(s) = &m.data.status {
        left.extend(source_status(s, t));
    }
    if m.read_only {
        left.push(Span::styled(" │ READ-ONLY", t.title()));
    }
    if let Some(frame) = m.spinner {
        let turn = SPINNER[frame % SPINNER.len()];
        left.push(Span::styled(format!(" │ {turn} reading"), t.dim()));
    }
    if let Some(e) = &m.load_error {
        left.push(Span::styled(format!(" │ ⚠ {e}"), t.error()));
    }
    let now = m.data.now;
    let speed = crate::source::format_speed(m.data.speed);
    let clock = if !m.local {
        // AWS runs on the wall clock: there is no speed to show.
        Span::raw("")
    } else if m.data.paused {
        Span::styled(
            format!(" ⏸ PAUSED {speed} "),
            t.selected().add_modifier(Modifier::BOLD),
        )
    } else {
        Span::styled(format!(" ▶ {speed} "), t.title())
    };
    let date = if wide {
        format!("{} ", theme::date(now))
    } else {
        String::new()
    };
    let right = Line::from(vec![
        Span::raw(format!("{date}{} ", theme::clock_time(now))),
        clock,
    ]);
    let rw = right.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(rw)]).areas(area);
    f.render_widget(Paragraph::new(Line::from(left)), l);
    f.render_widget(Paragraph::new(right), r);
}

/// A polling source's health: calls per minute, backoff, staleness, error.
fn source_status(s: &crate::source::SourceStatus, t: Theme) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(
        format!(" │ {} calls/min", s.calls_per_minute),
        t.dim(),
    )];
    if let Some((secs, why)) = &s.backoff {
        spans.push(Span::styled(
            format!(" │ backing off {secs} s ({why})"),
            t.error(),
        ));
    }
    if let Some(since) = s.stale_since {
        spans.push(Span::styled(
            format!(" │ stale since {}", theme::clock_time(since)),
            t.error(),
        ));
        if let Some(e) = &s.last_error {
            spans.push(Span::styled(format!(" │ ⚠ {e}"), t.error()));
        }
    } else if let Some(e) = &s.last_error {
        spans.push(Span::styled(format!(" │ last error: {e}"), t.dim()));
    }
    spans
}

/// A table's block: `Title(scope)[count] </filter>`, bold when focused.
fn block(m: &Model, title: String) -> Block<'static> {
    let style = if m.pane == Pane::Main {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, style))
}

fn row_style(t: Theme, m: &Model, selected: bool) -> Style {
    if selected && m.pane == Pane::Main {
        t.selected()
    } else {
        Style::new()
    }
}

fn apps(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let rows = window(m.apps, m.data.apps.len(), area).map(|i| {
        let a = &m.data.apps[i];
        Row::new(vec![
            Cell::from(a.name.clone()),
            Cell::from(a.platform.as_str().to_string()),
            Cell::from(a.groups.to_string()),
        ])
        .style(row_style(t, m, i == m.apps.selected))
    });
    let table = Table::new(
        rows,
        [
            Constraint::Fill(2),
            Constraint::Length(10),
            Constraint::Length(7),
        ],
    )
    .header(Row::new(["APPLICATION", "PLATFORM", "GROUPS"]).style(t.title()))
    .block(block(m, format!(" Applications[{}] ", m.data.apps.len())));
    f.render_widget(table, area);
    if m.data.apps.is_empty() {
        empty(f, area, "No applications yet. Create one with the API, e.g. aws deploy create-application --endpoint-url http://127.0.0.1:4599 ...");
    }
}

fn groups(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let rows = window(m.groups, m.data.groups.len(), area).map(|i| {
        let g = &m.data.groups[i];
        Row::new(vec![
            Cell::from(g.name.clone()),
            Cell::from(theme::short_config(&g.config).to_string()),
            Cell::from(g.active.clone().unwrap_or_else(|| "-".into())),
            Cell::from(g.queued.to_string()),
            Cell::from(g.alarms.join(",")),
        ])
        .style(row_style(t, m, i == m.groups.selected))
    });
    let widths = [
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(12),
        Constraint::Length(6),
        Constraint::Fill(2),
    ];
    let app = m.app.clone().unwrap_or_default();
    let table = Table::new(rows, widths)
        .header(Row::new(["GROUP", "CONFIG", "RUNNING", "QUEUED", "ALARMS"]).style(t.title()))
        .block(block(
            m,
            format!(" Groups({app})[{}] ", m.data.groups.len()),
        ));
    f.render_widget(table, area);
}

fn deployments(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let wide = area.width >= 110;
    let now = m.data.now;
    let rows = window(m.list, m.visible.len(), area).filter_map(|i| {
        let r = m.data.deployments.get(m.visible.index(i)?)?;
        Some(deployment_row(r, t, now, wide).style(row_style(t, m, i == m.list.selected)))
    });
    let mut widths = vec![
        Constraint::Length(13),
        Constraint::Length(11),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(7),
    ];
    let mut head = vec![
        "STATUS", "ID", "CONFIG", "PROGRESS", "REVISION", "CREATED", "ELAPSED",
    ];
    if wide {
        widths.insert(5, Constraint::Length(18));
        head.insert(5, "CREATOR");
    }
    let group = m
        .group_id
        .as_ref()
        .and_then(|id| m.data.groups.iter().find(|g| &g.id == id))
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let mut title = format!(
        " Deployments({}/{group})[{}] ",
        m.app.clone().unwrap_or_default(),
        m.visible.len()
    );
    if !m.filter.is_empty() || m.filtering {
        title.push_str(&format!("</{}> ", m.filter));
    }
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(t.title()))
        .block(block(m, title));
    f.render_widget(table, area);
    if m.data.deployments.is_empty() {
        empty(
            f,
            area,
            "No deployments in this group yet: press n to create one.",
        );
    }
}

fn deployment_row(r: &DeploymentRow, t: Theme, now: Millis, wide: bool) -> Row<'static> {
    let word = r.status.as_str();
    let mut cells = vec![
        Cell::from(Span::styled(labelled(word), t.status(word))),
        Cell::from(r.id.clone()),
        Cell::from(theme::short_config(&r.config).to_string()),
        Cell::from(progress(&r.overview, 10, t)),
        Cell::from(r.revision.clone()),
        Cell::from(theme::clock_time(r.created)),
        Cell::from(elapsed(r.started, r.completed, now)),
    ];
    if wide {
        cells.insert(5, Cell::from(r.creator.clone()));
    }
    Row::new(cells)
}

fn empty(f: &mut Frame, area: Rect, text: &str) {
    if area.height < 4 {
        return;
    }
    let r = Rect::new(area.x + 1, area.y + 3, area.width.saturating_sub(2), 1);
    f.render_widget(Paragraph::new(text.to_string()), r);
}

fn event_log(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let style = if m.pane == Pane::Log {
        t.title()
    } else {
        Style::new()
    };
    let title = Span::styled(format!(" Events[{}] ", m.events.len()), style);
    let block = Block::new().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let h = inner.height as usize;
    // Newest at the bottom; the cursor scrolls back when the log pane has focus.
    let end = if m.pane == Pane::Log {
        (m.log.selected + 1).min(m.events.len())
    } else {
        m.events.len()
    };
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = m.events[start..end]
        .iter()
        .map(|e| {
            let mark = match e.kind {
                crate::state::EventKind::Notification => Span::styled("✉ ", t.fg(Color::Magenta)),
                crate::state::EventKind::World => Span::styled("⚑ ", t.fg(Color::Yellow)),
                _ => Span::raw("  "),
            };
            Line::from(vec![
                Span::styled(theme::clock_time(e.time), t.dim()),
                Span::raw(" "),
                mark,
                Span::raw(e.text.clone()),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn explanation(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let line = match (&m.flash, &m.data.problem) {
        (Some((text, true)), _) => Line::from(Span::styled(format!(" ✖ {text}"), t.error())),
        (Some((text, false)), _) => {
            Line::from(Span::styled(format!(" ✔ {text}"), t.fg(Color::Green)))
        }
        (None, Some(problem)) => Line::from(Span::styled(format!(" ⚠ {problem}"), t.error())),
        (None, None) => Line::from(Span::styled(format!(" {}", explain_text(m)), t.dim())),
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The selected lifecycle event's or status's explanation.
pub fn explain_text(m: &Model) -> String {
    if m.screen == Screen::Timeline {
        if let Some(ev) = m.selected_event() {
            let name = ev.lifecycle_event_name.clone().unwrap_or_default();
            return format!("{name}: {}", crate::model::explain::explain(&name));
        }
        if let Some(s) = m.data.detail.as_ref().and_then(|d| d.info.status.as_ref()) {
            return theme::explain_status(s).to_string();
        }
    }
    if m.screen == Screen::Deployments {
        if let Some(r) = m.selected_row() {
            return theme::explain_status(&r.status).to_string();
        }
    }
    match m.screen {
        Screen::Apps => "An application names what you deploy; its compute platform is Server, Lambda or ECS.".into(),
        Screen::Groups => "A deployment group: the targets, the config (how many at once) and the rollback and alarm settings.".into(),
        _ => String::new(),
    }
}

fn footer(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    if m.filtering {
        let line = Line::from(vec![
            Span::styled(" /", t.title()),
            Span::raw(format!("{}█", m.filter)),
            Span::styled(
                "  Enter apply · esc clear · status:failed creator:user",
                t.dim(),
            ),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    let shown = |h: Hint| match h {
        Hint::Always => true,
        Hint::Deployments => matches!(m.screen, Screen::Deployments | Screen::Timeline),
        Hint::Timeline => m.screen == Screen::Timeline,
        Hint::Never => false,
    };
    let mut spans = vec![Span::raw(" ")];
    for b in KEYMAP
        .iter()
        .filter(|b| shown(b.hint) && !(m.read_only && b.changes()))
    {
        let key = b.label.split(", ").next().unwrap_or(b.label);
        spans.push(Span::styled(key.to_string(), t.title()));
        spans.push(Span::styled(format!(" {}  ", b.short), t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
