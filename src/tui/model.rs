//! The dashboard's state: everything `view()` draws from, nothing else.

use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::model::*;
use crate::source::{Action, Data, DeploymentList, DeploymentRow, EventRow, Outcome, Request};

/// Input to `update()`.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Fresh data from the source.
    Data(Box<Data>),
    /// An action finished.
    Done(Outcome),
    /// A read failed: the last good data stays on screen.
    LoadFailed(String),
}

/// What `update()` asks the app loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Act(Action),
    /// The selection changed: read again.
    Reload,
    Copy(String),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Apps,
    Groups,
    Deployments,
    Timeline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Main,
    Log,
}

/// The API server as the header shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiStatus {
    Serving(String),
    Off,
    Busy(String),
    /// A remote source: there is no local API to speak of.
    Remote,
}

/// A list's cursor and scroll position.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` within `len` rows, keeping the selection in a page of `page` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.scroll(page);
    }

    pub fn clamp(&mut self, len: usize, page: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        self.scroll(page);
    }

    fn scroll(&mut self, page: usize) {
        self.offset = visible_offset(*self, page);
    }
}

/// The first visible row for a cursor in a page of `page` rows.
pub fn visible_offset(c: Cursor, page: usize) -> usize {
    let page = page.max(1);
    if c.selected < c.offset {
        c.selected
    } else if c.selected >= c.offset + page {
        c.selected + 1 - page
    } else {
        c.offset
    }
}

/// A question before a change; the default answer is Cancel.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub body: String,
    pub action: Action,
    /// The button naming the action, e.g. "Stop d-ABC123XYZ".
    pub button: String,
    /// False: Cancel is focused.
    pub on_action: bool,
    /// Stop only: the "roll back" toggle.
    pub rollback: Option<bool>,
}

/// The create-deployment form.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub app: String,
    pub groups: Vec<String>,
    pub group: usize,
    pub revision: String,
    /// The revision the form opened with, used whole while `revision` still names it.
    pub base: Option<RevisionLocation>,
    pub config: String,
    pub description: String,
    /// 0: the group's setting, 1: roll back on failure, 2: never.
    pub rollback: usize,
    pub field: usize,
    pub error: Option<String>,
}

pub const FORM_FIELDS: [&str; 7] = [
    "Group",
    "Revision",
    "Config override",
    "Description",
    "Rollback",
    "Cancel",
    "Create",
];
pub const ROLLBACK_CHOICES: [&str; 3] = ["group setting", "on failure or stop", "never"];

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help,
    Confirm(Box<Confirm>),
    Form(Box<Form>),
    Diagnostics,
}

pub struct Model {
    pub screen: Screen,
    pub pane: Pane,
    pub data: Data,
    /// The selection by identity, so reloads keep it.
    pub app: Option<String>,
    pub group_id: Option<String>,
    pub deployment: Option<String>,
    pub apps: Cursor,
    pub groups: Cursor,
    pub list: Cursor,
    pub target: Cursor,
    /// Selected lifecycle event column on the timeline.
    pub event: usize,
    pub log: Cursor,
    /// The deployments that pass the filter.
    pub visible: Visible,
    pub filter: String,
    pub filtering: bool,
    pub popup: Option<Popup>,
    pub flash: Option<(String, bool)>,
    /// The last read failed: the error, shown in the header until a read succeeds.
    pub load_error: Option<String>,
    /// A read is slow: the spinner's frame.
    pub spinner: Option<usize>,
    pub events: Vec<EventRow>,
    pub last_event: u64,
    pub mode: String,
    pub api: ApiStatus,
    pub read_only: bool,
    pub local: bool,
    pub color: bool,
    pub size: (u16, u16),
    pub quit: bool,
}

/// Which deployments pass the filter, as indexes into the list. The
/// finished part is filtered once per (rows, filter) and shared after that, so
/// a refresh costs the unfinished rows only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visible {
    /// Indexes of unfinished rows that pass.
    active: Vec<usize>,
    /// Indexes into the finished rows that pass; `None`: all of them.
    finished: Option<Arc<Vec<usize>>>,
    finished_len: usize,
    /// How many unfinished rows precede the finished ones.
    offset: usize,
    /// What `finished` was computed from (held, so it is the same rows).
    rows: Arc<Vec<DeploymentRow>>,
    filter: String,
}

impl Visible {
    /// Filters `list` with `keep`; reuses the finished part when neither the
    /// finished rows nor the filter changed.
    pub fn compute(
        &mut self,
        list: &DeploymentList,
        filter: &str,
        keep: impl Fn(&DeploymentRow) -> bool,
    ) {
        let offset = list.active.len();
        self.active = (0..offset).filter(|i| keep(&list.active[*i])).collect();
        if !Arc::ptr_eq(&self.rows, &list.finished) || self.filter != filter {
            self.finished = (!filter.is_empty()).then(|| {
                Arc::new(
                    (0..list.finished.len())
                        .filter(|i| keep(&list.finished[*i]))
                        .collect(),
                )
            });
            self.finished_len = list.finished.len();
            self.rows = list.finished.clone();
            self.filter = filter.to_string();
        }
        // Stored relative to the finished rows; shifted by `offset` on read.
        self.offset = offset;
    }

    pub fn len(&self) -> usize {
        self.active.len()
            + self
                .finished
                .as_ref()
                .map_or(self.finished_len, |f| f.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The list index of the `i`-th visible row.
    pub fn index(&self, i: usize) -> Option<usize> {
        match i.checked_sub(self.active.len()) {
            None => self.active.get(i).copied(),
            Some(j) => match &self.finished {
                None => (j < self.finished_len).then_some(self.offset + j),
                Some(f) => f.get(j).map(|k| self.offset + k),
            },
        }
    }

    /// The visible row indexes, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter_map(|i| self.index(i))
    }
}

/// Most event log lines the model keeps.
pub const LOG_KEEP: usize = 500;

impl Model {
    pub fn new(mode: String, api: ApiStatus, read_only: bool, local: bool) -> Model {
        Model {
            screen: Screen::Apps,
            pane: Pane::Main,
            data: Data::default(),
            app: None,
            group_id: None,
            deployment: None,
            apps: Cursor::default(),
            groups: Cursor::default(),
            list: Cursor::default(),
            target: Cursor::default(),
            event: 0,
            log: Cursor::default(),
            visible: Visible::default(),
            filter: String::new(),
            filtering: false,
            popup: None,
            flash: None,
            load_error: None,
            spinner: None,
            events: Vec::new(),
            last_event: 0,
            mode,
            api,
            read_only,
            local,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            size: (80, 24),
            quit: false,
        }
    }

    /// What to read for the current selection.
    pub fn request(&self) -> Request {
        Request {
            app: self.app.clone(),
            group_id: self.group_id.clone(),
            deployment: self.deployment.clone(),
            events_after: self.last_event,
        }
    }

    /// The highlighted deployment row on the list.
    pub fn selected_row(&self) -> Option<&DeploymentRow> {
        let i = self.visible.index(self.list.selected)?;
        self.data.deployments.get(i)
    }

    /// The lifecycle event under the cursor on the timeline.
    pub fn selected_event(&self) -> Option<&LifecycleEvent> {
        let d = self.data.detail.as_ref()?;
        let t = d.targets.get(self.target.selected)?;
        t.events
            .get(self.event.min(t.events.len().saturating_sub(1)))
    }

    /// The deployment the keys act on: the timeline's, else the list's.
    pub fn focused_deployment(&self) -> Option<(String, DeploymentStatus)> {
        if self.screen == Screen::Timeline {
            let d = self.data.detail.as_ref()?;
            return Some((
                d.info.deployment_id.clone()?,
                d.info.status.clone().unwrap_or(DeploymentStatus::Created),
            ));
        }
        if self.screen == Screen::Deployments {
            return self
                .selected_row()
                .map(|r| (r.id.clone(), r.status.clone()));
        }
        None
    }

    /// True while something moves (a Ready wait counts down too): elapsed
    /// times need a 1 s tick. Only unfinished deployments are looked at.
    pub fn needs_tick(&self) -> bool {
        let running = |s: &DeploymentStatus| !s.is_final();
        !self.data.paused
            && (self
                .data
                .deployments
                .active
                .iter()
                .any(|d| running(&d.status))
                || self
                    .data
                    .detail
                    .as_ref()
                    .is_some_and(|d| d.info.status.as_ref().is_some_and(running)))
    }

    /// Rows a list shows on the current screen size (for paging).
    pub fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(12).max(3)
    }
}
