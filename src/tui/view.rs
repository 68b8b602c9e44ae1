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
use super::widgets::{elapsed, progress, window, wrap_words};
use super::{popup, timeline};
use crate::model::time::Millis;
use crate::source::DeploymentRow;

pub fn view(m: &Model, f: &mut Frame) {
    let t = Theme { color: m.color };
    let area = f.area();
    // Short terminals give the main pane the rows first; `L` still enlarges.
    let log_h = match area.height {
        0..20 => 0,
        20..30 if m.log_height == LOG_HEIGHT => LOG_HEIGHT - 2,
        _ => m.log_height,
    };
    let mut head_lines = header_lines(m, t, area.width);
    head_lines.extend(caption_lines(m, t, area.width));
    let next_lines = if area.height >= 30 { 2 } else { 1 };
    head_lines.extend(next_step_lines(m, t, area.width, next_lines));
    let explain_lines = explanation_lines(m, t, area.width);
    let [head, main, log, explain, foot] = Layout::vertical([
        Constraint::Length(head_lines.len() as u16),
        Constraint::Min(3),
        Constraint::Length(log_h),
        Constraint::Length(explain_lines.len() as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head_lines), head);
    match m.screen {
        Screen::Apps => apps(m, t, f, main),
        Screen::Groups => groups(m, t, f, main),
        Screen::Deployments => deployments(m, t, f, main),
        Screen::Timeline => timeline::draw(m, t, f, main),
    }
    if log_h > 0 {
        event_log(m, t, f, log);
    }
    f.render_widget(Paragraph::new(explain_lines), explain);
    footer(m, t, f, foot);
    popup::draw(m, t, f, area);
}

/// A lesson's caption under the header, wrapped, at most three lines.
fn caption_lines(m: &Model, t: Theme, width: u16) -> Vec<Line<'static>> {
    let Some(caption) = &m.data.caption else {
        return Vec::new();
    };
    let style = t.fg(Color::Magenta).add_modifier(Modifier::BOLD);
    wrap_words(caption, (width as usize).saturating_sub(3), 3)
        .into_iter()
        .enumerate()
        .map(|(k, l)| {
            let mark = if k == 0 { " ▶ " } else { "   " };
            Line::from(Span::styled(format!("{mark}{l}"), style))
        })
        .collect()
}

/// While paused: what `.` will do, in at most `most` lines.
fn next_step_lines(m: &Model, t: Theme, width: u16, most: usize) -> Vec<Line<'static>> {
    let Some(next) = m.data.next_step.as_ref().filter(|_| m.data.paused) else {
        return Vec::new();
    };
    let text = next_step_text(next, m.data.now, open_place(m).as_deref());
    wrap_words(&text, (width as usize).saturating_sub(3), most)
        .into_iter()
        .enumerate()
        .map(|(k, l)| {
            let mark = if k == 0 { " ⏭ " } else { "   " };
            Line::from(vec![
                Span::styled(mark, t.title()),
                Span::styled(l, t.fg(Color::Cyan)),
            ])
        })
        .collect()
}

/// The application/group on screen (`web-shop/prod`), if one is open.
pub fn open_place(m: &Model) -> Option<String> {
    let app = m.app.as_ref()?;
    let group = m.focused_group()?;
    Some(format!("{app}/{}", group.name))
}

/// `next +12s: i-0a1 Install Succeeded; …`, a long wait said as such. Lines
/// about a deployment elsewhere than `here` (the open application/group)
/// name where it is: `checkout-fn/live: AllowTraffic: …`.
pub fn next_step_text(
    next: &crate::state::view::NextStep,
    now: Millis,
    here: Option<&str>,
) -> String {
    let wait = next.due - now;
    let mut parts: Vec<String> = Vec::new();
    let mut last: Option<&str> = here;
    for (k, line) in next.said.iter().enumerate() {
        let place = next.places.get(k).and_then(|p| p.as_deref());
        match place {
            Some(p) if Some(p) != last => parts.push(format!("{p}: {line}")),
            _ => parts.push(line.clone()),
        }
        if place.is_some() {
            last = place;
        }
    }
    let what = if parts.is_empty() {
        "a timer fires (nothing to report)".to_string()
    } else {
        parts.join("; ")
    };
    if wait >= super::update::LONG_STEP {
        let words = crate::model::time::duration_words(wait);
        format!("next: a {words} wait, then {what}")
    } else {
        format!("next +{}: {what}", crate::model::time::duration_words(wait))
    }
}

/// The spinner shown while a read is slow.
const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

/// The header: who is read, the API, warnings, and the clock on the right.
/// Its pieces wrap onto a second line rather than run into each other.
fn header_lines(m: &Model, t: Theme, width: u16) -> Vec<Line<'static>> {
    let mut items: Vec<Vec<Span<'static>>> = vec![vec![
        Span::styled(" codedeck ", t.title().add_modifier(Modifier::REVERSED)),
        Span::raw(format!(" {}", m.mode)),
    ]];
    let api = match &m.api {
        ApiStatus::Serving(a) => Some(Span::raw(format!("API http://{a}"))),
        ApiStatus::Off => Some(Span::styled("API off", t.dim())),
        ApiStatus::Busy(a) => Some(Span::styled(format!("API off: {a} busy"), t.error())),
        ApiStatus::Remote => None,
    };
    items.extend(api.map(|a| vec![a]));
    if m.read_only {
        items.push(vec![Span::styled("READ-ONLY", t.title())]);
    }
    if let Some(frame) = m.spinner {
        let turn = SPINNER[frame % SPINNER.len()];
        items.push(vec![Span::styled(format!("{turn} reading"), t.dim())]);
    }
    if let Some(e) = &m.load_error {
        items.push(vec![Span::styled(format!("⚠ {e}"), t.error())]);
    }
    if let Some(s) = &m.data.status {
        items.extend(source_status(s, t));
    }
    // The date goes first when space is short.
    let fits = |right: &[Span]| {
        let w = |s: &[Span]| s.iter().map(|x| x.width()).sum::<usize>();
        items.iter().map(|i| w(i) + 3).sum::<usize>() + w(right) <= width as usize
    };
    let with_date = clock_spans(m, t, true);
    let clock = if fits(&with_date) {
        with_date
    } else {
        clock_spans(m, t, false)
    };
    wrap_items(items, clock, width)
}

/// The time (virtual, moving with the clock) and the clock's state.
fn clock_spans(m: &Model, t: Theme, date: bool) -> Vec<Span<'static>> {
    let now = m.now();
    let speed = crate::source::format_speed(m.data.speed);
    let state = if !m.local {
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
    let day = if date {
        format!("{} ", theme::date(now))
    } else {
        String::new()
    };
    vec![
        Span::raw(format!("{day}{} ", theme::clock_time(now))),
        state,
    ]
}

/// Lays out unbreakable `items` separated by ` │ ` over as many lines as they
/// need (at most two, the rest cut at an item boundary), `right` aligned to
/// the right of the last line (or on a line of its own).
fn wrap_items(
    items: Vec<Vec<Span<'static>>>,
    right: Vec<Span<'static>>,
    width: u16,
) -> Vec<Line<'static>> {
    let width = width as usize;
    let w = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    let right_w = w(&right);
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    for item in items {
        let cur = lines.last_mut().map_or(0, |l| w(l));
        let sep = if cur == 0 { 0 } else { 3 };
        if cur > 0 && cur + sep + w(&item) > width {
            if lines.len() == 2 {
                break;
            }
            lines.push(vec![Span::raw(" ")]);
        }
        let line = lines.last_mut().expect("a line");
        if w(line) > 1 {
            line.push(Span::raw(" │ "));
        }
        line.extend(item);
    }
    let last = lines.last().map_or(0, |l| w(l));
    if last + right_w > width && lines.len() < 2 {
        lines.push(Vec::new());
    }
    let last_line = lines.last_mut().expect("a line");
    let pad = width.saturating_sub(w(last_line) + right_w);
    last_line.push(Span::raw(" ".repeat(pad)));
    last_line.extend(right);
    lines.into_iter().map(Line::from).collect()
}

/// A polling source's health: calls per minute, backoff, staleness, error.
fn source_status(s: &crate::source::SourceStatus, t: Theme) -> Vec<Vec<Span<'static>>> {
    let mut items = vec![vec![Span::styled(
        format!("{} calls/min", s.calls_per_minute),
        t.dim(),
    )]];
    if let Some((secs, why)) = &s.backoff {
        items.push(vec![Span::styled(
            format!("backing off {secs} s ({why})"),
            t.error(),
        )]);
    }
    if let Some(since) = s.stale_since {
        items.push(vec![Span::styled(
            format!("stale since {}", theme::clock_time(since)),
            t.error(),
        )]);
        if let Some(e) = &s.last_error {
            items.push(vec![Span::styled(format!("⚠ {e}"), t.error())]);
        }
    } else if let Some(e) = &s.last_error {
        items.push(vec![Span::styled(format!("last error: {e}"), t.dim())]);
    }
    items
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

/// The LAST column: the newest deployment's glyph, status and age
/// (`✖ Failed 3m`), `-` before the first.
fn last_cell(last: Option<&crate::source::LastRow>, now: Millis, t: Theme) -> Line<'static> {
    let Some(l) = last else {
        return Line::from(Span::styled("-", t.dim()));
    };
    let word = l.status.as_str();
    Line::from(vec![
        Span::styled(labelled(word), t.status(word)),
        Span::styled(format!(" {}", theme::age(now - l.at)), t.dim()),
    ])
}

/// The LAST column's width: `◌ InProgress 59m`.
const LAST_W: u16 = 17;

fn apps(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let now = m.now();
    let rows = window(m.apps, m.data.apps.len(), area).map(|i| {
        let a = &m.data.apps[i];
        Row::new(vec![
            Cell::from(a.name.clone()),
            Cell::from(last_cell(a.last.as_ref(), now, t)),
            Cell::from(a.platform.as_str().to_string()),
            Cell::from(a.groups.to_string()),
        ])
        .style(row_style(t, m, i == m.apps.selected))
    });
    let table = Table::new(
        rows,
        [
            Constraint::Fill(2),
            Constraint::Length(LAST_W),
            Constraint::Length(10),
            Constraint::Length(7),
        ],
    )
    .header(Row::new(["APPLICATION", "LAST", "PLATFORM", "GROUPS"]).style(t.title()))
    .block(block(m, format!(" Applications[{}] ", m.data.apps.len())));
    f.render_widget(table, area);
    if m.data.apps.is_empty() {
        let hint = match &m.api {
            ApiStatus::Serving(a) => format!(
                "No applications yet. Create one with the API: aws deploy create-application --endpoint-url http://{a} --application-name my-app"
            ),
            ApiStatus::Remote => "No applications in this account and region.".to_string(),
            _ => "No applications yet. Serve the API (drop --no-api) or use `codedeck serve` to create some.".to_string(),
        };
        empty(f, area, &hint);
    }
}

fn groups(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let now = m.now();
    // Narrow screens say configs the short way (`Canary 10%/5m`) and leave
    // RUNNING to the LAST column, so alarm states keep their room.
    let narrow = area.width < 100;
    let config = |c: &str| {
        if area.width < 120 {
            theme::config_short(c)
        } else {
            theme::config_label(c)
        }
    };
    let rows = window(m.groups, m.data.groups.len(), area).map(|i| {
        let g = &m.data.groups[i];
        let mut cells = vec![
            Cell::from(g.name.clone()),
            Cell::from(last_cell(g.last.as_ref(), now, t)),
            Cell::from(config(&g.config)),
            Cell::from(g.queued.to_string()),
            Cell::from(alarm_states(m, &g.alarms, t)),
        ];
        if !narrow {
            cells.insert(
                3,
                Cell::from(g.active.clone().unwrap_or_else(|| "-".into())),
            );
        }
        Row::new(cells).style(row_style(t, m, i == m.groups.selected))
    });
    let mut widths = vec![
        Constraint::Fill(2),
        Constraint::Length(LAST_W),
        Constraint::Fill(2),
        Constraint::Length(6),
        Constraint::Fill(2),
    ];
    let mut head = vec!["GROUP", "LAST", "CONFIG", "QUEUED", "ALARMS"];
    if !narrow {
        widths.insert(3, Constraint::Length(12));
        head.insert(3, "RUNNING");
    }
    let app = m.app.clone().unwrap_or_default();
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(t.title()))
        .block(block(
            m,
            format!(" Groups({app})[{}] ", m.data.groups.len()),
        ));
    f.render_widget(table, area);
}

/// `HighErrorRate OK`, `Latency ALARM`, `Errors no data`: each alarm with its state.
fn alarm_states(m: &Model, names: &[String], t: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(", "));
        }
        let state = m
            .data
            .alarms
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s);
        let (word, style) = match state {
            Some(crate::state::AlarmState::Ok) => ("OK", t.fg(Color::Green)),
            Some(crate::state::AlarmState::Alarm) => ("ALARM", t.error()),
            Some(crate::state::AlarmState::PollFailure) | None => ("no data", t.dim()),
        };
        spans.push(Span::raw(format!("{name} ")));
        spans.push(Span::styled(word, style));
    }
    Line::from(spans)
}

/// Width of the WHERE column of a list across applications.
const WHERE_W: u16 = 24;

fn deployments(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let now = m.now();
    let shape = RowShape::of(area.width, m.across.is_some());
    let rows = window(m.list, m.visible.len(), area).filter_map(|i| {
        let r = m.data.deployments.get(m.visible.index(i)?)?;
        let row = deployment_row(r, t, now, &shape);
        Some(row.style(row_style(t, m, i == m.list.selected)))
    });
    let (widths, head) = shape.columns();
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(t.title()))
        .block(block(m, list_title(m)));
    f.render_widget(table, area);
    if m.data.deployments.is_empty() {
        let text = match m.across {
            Some(a) => format!("No {} deployments in any application.", a.word()),
            None => "No deployments in this group yet: press n to create one.".into(),
        };
        empty(f, area, &text);
    }
}

/// `Deployments(web-shop/prod)[4] </failed>`, `Deployments(failed · every application)[2]`.
fn list_title(m: &Model) -> String {
    let mut title = match m.across {
        Some(a) => format!(
            " Deployments({} · every application)[{}] ",
            a.word(),
            m.visible.len()
        ),
        None => {
            let group = m
                .group_id
                .as_ref()
                .and_then(|id| m.data.groups.iter().find(|g| &g.id == id))
                .map(|g| g.name.clone())
                .unwrap_or_default();
            format!(
                " Deployments({}/{group})[{}] ",
                m.app.clone().unwrap_or_default(),
                m.visible.len()
            )
        }
    };
    if !m.filter.is_empty() || m.filtering {
        title.push_str(&format!("</{}> ", m.filter));
    }
    title
}

/// How a list's rows are laid out.
struct RowShape {
    /// With the creator.
    wide: bool,
    /// Across applications: where it is, in this width (instead of the config).
    place_w: Option<usize>,
    /// With the progress bar.
    bar: bool,
    /// The third column's width (CONFIG or WHERE).
    third: u16,
    rev_w: usize,
}

impl RowShape {
    /// The layout for `width` cells. Across applications, WHERE (app/group)
    /// takes CONFIG's place, and on a narrow screen PROGRESS's too.
    fn of(width: u16, across: bool) -> RowShape {
        let wide = width >= 110;
        let bar = !across || wide;
        let third = match (across, wide) {
            (false, _) => 14,
            (true, true) => WHERE_W,
            (true, false) => 18,
        };
        // What is left for the revision once the fixed columns and gaps are laid.
        let fixed: u16 =
            13 + 11 + third + 8 + 7 + 5 + if bar { 11 } else { 0 } + if wide { 19 } else { 0 };
        RowShape {
            wide,
            place_w: across.then_some(third as usize),
            bar,
            third,
            rev_w: width.saturating_sub(fixed) as usize,
        }
    }

    /// The columns' widths and headings, in the rows' order.
    fn columns(&self) -> (Vec<Constraint>, Vec<&'static str>) {
        let mut widths = vec![
            Constraint::Length(13),
            Constraint::Length(11),
            Constraint::Length(self.third),
            Constraint::Fill(1),
            Constraint::Length(8),
            Constraint::Length(7),
        ];
        let third = if self.place_w.is_some() {
            "WHERE"
        } else {
            "CONFIG"
        };
        let mut head = vec!["STATUS", "ID", third, "REVISION", "CREATED", "ELAPSED"];
        if self.bar {
            widths.insert(3, Constraint::Length(10));
            head.insert(3, "PROGRESS");
        }
        if self.wide {
            let at = head.len() - 2;
            widths.insert(at, Constraint::Length(18));
            head.insert(at, "CREATOR");
        }
        (widths, head)
    }
}

fn deployment_row(r: &DeploymentRow, t: Theme, now: Millis, s: &RowShape) -> Row<'static> {
    let word = r.status.as_str();
    let rev = theme::middle_ellipsis(theme::revision_short(&r.revision), s.rev_w);
    let third = match s.place_w {
        Some(w) => theme::middle_ellipsis(&r.place, w),
        None => theme::config_short(&r.config),
    };
    let mut cells = vec![
        Cell::from(Span::styled(labelled(word), t.status(word))),
        Cell::from(r.id.clone()),
        Cell::from(third),
        Cell::from(rev),
        Cell::from(theme::clock_time(r.created)),
        Cell::from(elapsed(r.started, r.completed, now)),
    ];
    if s.bar {
        cells.insert(3, Cell::from(progress(&r.overview, 10, t)));
    }
    if s.wide {
        let at = cells.len() - 2;
        cells.insert(at, Cell::from(r.creator.clone()));
    }
    Row::new(cells)
}

fn empty(f: &mut Frame, area: Rect, text: &str) {
    if area.height < 4 {
        return;
    }
    let width = area.width.saturating_sub(2);
    let lines: Vec<Line> = wrap_words(text, width as usize, 3)
        .into_iter()
        .map(|l| Line::from(l.trim_start().to_string()))
        .collect();
    let h = (lines.len() as u16).min(area.height.saturating_sub(3));
    let r = Rect::new(area.x + 1, area.y + 3, width, h);
    f.render_widget(Paragraph::new(lines), r);
}

fn event_log(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let style = if m.pane == Pane::Log {
        t.title()
    } else {
        Style::new()
    };
    let entries = m.log_entries();
    let scope = m.log_scope().map(|s| format!("({s})")).unwrap_or_default();
    let title = Span::styled(format!(" Events{scope}[{}] ", entries.len()), style);
    let block = Block::new().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let h = inner.height as usize;
    // Newest at the bottom; the cursor scrolls back when the log pane has focus.
    let end = if m.pane == Pane::Log {
        (m.log.selected + 1).min(entries.len())
    } else {
        entries.len()
    };
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = entries[start..end]
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let cursor = m.pane == Pane::Log && start + k == m.log.selected;
            let mark = match e.kind {
                crate::state::EventKind::Notification => Span::styled("✉ ", t.fg(Color::Magenta)),
                crate::state::EventKind::World => Span::styled("⚑ ", t.fg(Color::Yellow)),
                _ => Span::raw("  "),
            };
            let room = (inner.width as usize).saturating_sub(11);
            let text = wrap_words(&e.text, room, 1).join("");
            let line = Line::from(vec![
                Span::styled(theme::clock_time(e.time), t.dim()),
                Span::raw(" "),
                mark,
                Span::raw(text),
            ]);
            if cursor {
                line.style(t.selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The line above the keys: a message, a problem, or what the selection
/// means; wrapped onto a second line when it is long.
fn explanation_lines(m: &Model, t: Theme, width: u16) -> Vec<Line<'static>> {
    let (text, style) = match (&m.flash, &m.data.problem) {
        (Some((text, true)), _) => (format!("✖ {text}"), t.error()),
        (Some((text, false)), _) => (format!("✔ {text}"), t.fg(Color::Green)),
        (None, Some(problem)) => (format!("⚠ {problem}"), t.error()),
        (None, None) => (explain_text(m), t.dim()),
    };
    wrap_words(text.trim_start(), (width as usize).saturating_sub(1), 2)
        .into_iter()
        .map(|l| Line::from(Span::styled(format!(" {}", l.trim_start()), style)))
        .collect()
}

/// The selected lifecycle event's or status's explanation.
pub fn explain_text(m: &Model) -> String {
    if m.screen == Screen::Timeline {
        if let Some(ev) = m.selected_event() {
            let name = ev.lifecycle_event_name.clone().unwrap_or_default();
            let platform = crate::model::rules::compute_platform(
                m.data
                    .detail
                    .as_ref()
                    .and_then(|d| d.info.compute_platform.as_ref()),
            );
            let text = crate::model::explain::explain(&platform, &name);
            return format!("{name}: {text}");
        }
        if let Some(d) = m.data.detail.as_ref() {
            if let Some(s) = d.info.status.as_ref() {
                let platform =
                    crate::model::rules::compute_platform(d.info.compute_platform.as_ref());
                return theme::explain_status(s, &platform).to_string();
            }
        }
    }
    if m.screen == Screen::Deployments {
        if let Some(r) = m.selected_row() {
            let platform =
                crate::model::rules::compute_platform(m.focused_group().map(|g| &g.platform));
            return theme::explain_status(&r.status, &platform).to_string();
        }
    }
    match m.screen {
        Screen::Apps => "An application names what you deploy, on Server, Lambda or ECS. LAST: the worst of its groups' newest deployments.".into(),
        Screen::Groups => "A deployment group: the targets, the config (how many at once), rollback and alarms. LAST: its newest deployment.".into(),
        _ => String::new(),
    }
}

/// The `:` command line in the footer's place: what was typed, and what
/// Tab offered or what may be typed.
fn prompt_line(p: &Prompt, t: Theme) -> Line<'static> {
    let hint = if !p.offered.is_empty() {
        p.offered.join("  ")
    } else if p.text.is_empty() {
        "application, app/group, d-… or instance ID, failed, running · Tab · ↑ · esc".into()
    } else {
        "Tab completes · ↑ earlier · Enter goes · esc cancels".into()
    };
    Line::from(vec![
        Span::styled(" :", t.title()),
        Span::raw(format!("{}█", p.text)),
        Span::styled(format!("  {hint}"), t.dim()),
    ])
}

fn footer(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    if let Some(p) = &m.prompt {
        f.render_widget(Paragraph::new(prompt_line(p, t)), area);
        return;
    }
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
        Hint::Lists => matches!(m.screen, Screen::Apps | Screen::Groups),
        Hint::Deployments => matches!(m.screen, Screen::Deployments | Screen::Timeline),
        Hint::Timeline => m.screen == Screen::Timeline,
        Hint::Wait => m.wait_to_continue().is_some(),
        Hint::Host => m.local && (m.selected_host().is_some() || m.hook_deployment().is_some()),
        Hint::Alias => m.local && m.split_alias().is_some(),
        Hint::Local => m.local,
        Hint::Lesson => m.in_lesson(),
        Hint::Never => false,
    };
    // As many keys as the width holds, in the keymap's order.
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for b in KEYMAP
        .iter()
        .filter(|b| shown(b.hint) && !(m.read_only && b.changes()))
    {
        let key = b.label.split(", ").next().unwrap_or(b.label);
        let word = match b.command {
            super::keymap::Command::Pause if m.data.paused => "resume",
            super::keymap::Command::BreakHost if m.hook_deployment().is_some() => "fail hook",
            _ => b.short,
        };
        let w = key.chars().count() + word.chars().count() + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(key.to_string(), t.title()));
        spans.push(Span::styled(format!(" {word}  "), t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
