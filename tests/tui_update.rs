//! `update()` driven by message sequences over the demo world on a fixed clock
//! (no terminal): keys in, the model and the commands out. Commands are
//! performed the way the app loop performs them (`app::dispatch`, then a read).

use std::sync::Arc;

use codedeck::model::DeploymentStatus;
use codedeck::source::local::LocalSource;
use codedeck::source::{Action, DeploymentRow, Request, Source};
use codedeck::tui::model::{FormField, Pane, Popup, Screen};
use codedeck::tui::{app, update, ApiStatus, Cmd, Model, Msg};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

struct Harness {
    src: Arc<LocalSource>,
    m: Model,
    rt: tokio::runtime::Runtime,
}

impl Harness {
    fn new(read_only: bool) -> Harness {
        let src = codedeck::demo::source().expect("demo");
        let info = src.info();
        let mut m = Model::new(info.mode, ApiStatus::Off, read_only, info.local);
        update(&mut m, Msg::Resize(120, 40));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio");
        let mut h = Harness { src, m, rt };
        h.reload();
        h
    }

    /// Reads the current selection, as the app loop does after a change.
    fn reload(&mut self) {
        let data = self.src.read(&self.m.request()).expect("load");
        update(&mut self.m, Msg::Data(Box::new(data)));
    }

    /// Feeds one key to `update()` only; its commands, not performed.
    fn key(&mut self, code: KeyCode) -> Vec<Cmd> {
        self.key_with(code, KeyModifiers::NONE)
    }

    fn key_with(&mut self, code: KeyCode, mods: KeyModifiers) -> Vec<Cmd> {
        update(&mut self.m, Msg::Key(KeyEvent::new(code, mods)))
    }

    fn ch(&mut self, c: char) -> Vec<Cmd> {
        self.key(KeyCode::Char(c))
    }

    /// Feeds one key and performs its commands like the app loop; the commands.
    fn press(&mut self, code: KeyCode) -> Vec<Cmd> {
        let cmds = self.key(code);
        self.perform(&cmds);
        cmds
    }

    /// An action as the app loop performs it (the read-only check first).
    fn dispatch(&self, read_only: bool, a: &Action) -> Result<String, String> {
        self.rt
            .block_on(app::dispatch(self.src.as_ref(), read_only, a.clone()))
    }

    fn perform(&mut self, cmds: &[Cmd]) {
        for cmd in cmds {
            match cmd {
                Cmd::Act(a) => {
                    let outcome = self.dispatch(self.m.read_only, a);
                    update(&mut self.m, Msg::Done(a.kind(), outcome));
                    self.reload();
                }
                Cmd::Reload => self.reload(),
                Cmd::Find(what) => {
                    let found = self.rt.block_on(self.src.find(what.clone()));
                    let next = update(&mut self.m, Msg::Found(what.clone(), found));
                    self.perform(&next);
                }
                Cmd::Output(q) => {
                    let got = self.rt.block_on(self.src.script_output(q.clone()));
                    let next = update(&mut self.m, Msg::Output(q.clone(), got));
                    self.perform(&next);
                }
                Cmd::Copy(_) | Cmd::Quit => {}
            }
        }
    }

    /// Types a string of plain keys (`\r` Enter, `\x1b` esc, `\t` Tab), performing them.
    fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\r' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            self.press(code);
            self.reload();
        }
    }

    /// Back to the applications, then web-shop's prod group.
    fn open_prod_from_start(&mut self) {
        self.keys("\x1b\x1b\x1b");
        self.open_prod();
    }

    /// web-shop's prod group: four finished deployments, one failed.
    fn open_prod(&mut self) {
        self.keys("G\rjj\r");
        assert_eq!(self.m.screen, Screen::Deployments);
        assert_eq!(self.group_name(), "prod");
    }

    fn group_name(&self) -> String {
        let id = self.m.group_id.clone().expect("a group");
        self.m
            .data
            .groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.name.clone())
            .expect("the group is listed")
    }

    fn visible(&self) -> Vec<&DeploymentRow> {
        self.m
            .visible
            .iter()
            .filter_map(|i| self.m.data.deployments.get(i))
            .collect()
    }

    /// Opens the form, tabs to Create and submits; the new deployment's ID.
    fn create(&mut self) -> String {
        assert!(self.ch('n').is_empty());
        let form = self.form();
        assert_ne!(form, FormField::Create);
        while self.form() != FormField::Create {
            assert!(self.key(KeyCode::Tab).is_empty());
        }
        let cmds = self.press(KeyCode::Enter);
        assert!(
            matches!(cmds.as_slice(), [Cmd::Act(Action::Create(_))]),
            "{cmds:?}"
        );
        let (text, error) = self.m.flash.clone().expect("a flash after creating");
        assert!(!error, "create failed: {text}");
        text.strip_prefix("created ")
            .expect("created <id>")
            .to_string()
    }

    /// The focused field of the open form.
    fn form(&self) -> FormField {
        match &self.m.popup {
            Some(Popup::Form(f)) => f.field,
            other => panic!("expected the create form, got {other:?}"),
        }
    }

    fn acts(cmds: &[Cmd]) -> Vec<&Action> {
        cmds.iter()
            .filter_map(|c| match c {
                Cmd::Act(a) => Some(a),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn navigation_moves_drills_in_and_back() {
    let mut h = Harness::new(false);
    let names: Vec<_> = h.m.data.apps.iter().map(|a| a.name.clone()).collect();
    assert_eq!(names, ["checkout-fn", "storefront", "web-shop"]);
    assert_eq!(h.m.screen, Screen::Apps);
    assert_eq!(h.m.apps.selected, 0);

    h.ch('j');
    assert_eq!(h.m.apps.selected, 1);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    assert_eq!(h.m.apps.selected, 2, "the cursor stops at the last row");
    h.ch('k');
    assert_eq!(h.m.apps.selected, 1);
    h.ch('g');
    assert_eq!(h.m.apps.selected, 0);
    h.ch('G');
    assert_eq!(h.m.apps.selected, 2);
    h.key_with(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(h.m.apps.selected, 2);

    // Enter asks for a read of the application's groups.
    let cmds = h.press(KeyCode::Enter);
    assert_eq!(cmds, [Cmd::Reload]);
    assert_eq!(h.m.screen, Screen::Groups);
    assert_eq!(h.m.app.as_deref(), Some("web-shop"));
    let groups: Vec<_> = h.m.data.groups.iter().map(|g| g.name.clone()).collect();
    assert_eq!(groups, ["api", "blue-green", "prod", "staging"]);

    h.key(KeyCode::PageDown);
    assert_eq!(h.m.groups.selected, 3);
    h.key(KeyCode::Home);
    assert_eq!(h.m.groups.selected, 0);
    h.keys("jj\r");
    assert_eq!(h.m.screen, Screen::Deployments);
    assert_eq!(h.group_name(), "prod");
    assert_eq!(h.visible().len(), 4);
    // Newest first: the automatic rollback of the failed v3.
    assert_eq!(h.visible()[0].creator, "codeDeployRollback");
    assert_eq!(h.visible()[1].status, DeploymentStatus::Failed);

    // Into the failed deployment's timeline; l opens its diagnostics.
    h.keys("j\r");
    assert_eq!(h.m.screen, Screen::Timeline);
    let detail = h.m.data.detail.as_ref().expect("the deployment's detail");
    assert_eq!(detail.info.status, Some(DeploymentStatus::Failed));
    assert!(h.m.focused_deployment().is_some());
    h.ch('l');
    assert_eq!(h.m.popup, Some(Popup::Diagnostics));
    h.key(KeyCode::Esc);
    assert_eq!(h.m.popup, None);

    // Tab moves the focus to the event log: j/k scroll it, not the list.
    h.press(KeyCode::Esc);
    assert_eq!(h.m.screen, Screen::Deployments);
    assert_eq!(h.m.list.selected, 1, "the selection survives going back");
    h.key(KeyCode::Tab);
    assert_eq!(h.m.pane, Pane::Log);
    h.ch('k');
    assert_eq!(h.m.list.selected, 1);
    h.key(KeyCode::Esc);
    assert_eq!(h.m.pane, Pane::Main);
    assert_eq!(h.m.screen, Screen::Deployments, "esc first leaves the log");

    // esc walks back up, dropping the selection at each level.
    assert_eq!(h.press(KeyCode::Esc), [Cmd::Reload]);
    assert_eq!(h.m.screen, Screen::Groups);
    assert_eq!(h.m.group_id, None);
    h.press(KeyCode::Esc);
    assert_eq!(h.m.screen, Screen::Apps);
    assert_eq!(h.m.app, None);
    assert!(
        h.press(KeyCode::Esc).is_empty(),
        "esc at the top does nothing"
    );
    assert_eq!(h.m.screen, Screen::Apps);
}

#[test]
fn filter_narrows_the_list_and_esc_clears_it() {
    let mut h = Harness::new(false);
    // Only the deployment list filters.
    h.ch('/');
    assert!(!h.m.filtering);
    assert!(h.m.flash.as_ref().is_some_and(|(_, err)| *err));

    h.open_prod();
    assert!(h.ch('/').is_empty());
    assert!(h.m.filtering);
    for c in "status:failed".chars() {
        assert!(h.ch(c).is_empty(), "typing into the filter runs no command");
    }
    assert_eq!(h.m.filter, "status:failed");
    let rows = h.visible();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, DeploymentStatus::Failed);

    // Enter applies: the filter stays, keys mean commands again.
    h.key(KeyCode::Enter);
    assert!(!h.m.filtering);
    assert_eq!(h.m.filter, "status:failed");
    assert_eq!(h.visible().len(), 1);

    // Free text, several terms, all must match; q while typing is text, not quit.
    h.ch('/');
    for _ in 0.."status:failed".len() {
        h.key(KeyCode::Backspace);
    }
    assert_eq!(h.visible().len(), 4);
    for c in "web-v2 creator:user".chars() {
        h.ch(c);
    }
    assert_eq!(h.visible().len(), 1);
    assert_eq!(h.visible()[0].revision, "demo-artifacts/web-v2.zip");
    assert_eq!(h.visible()[0].creator, "user");
    assert!(h.ch('q').is_empty());
    assert!(!h.m.quit);
    assert_eq!(h.visible().len(), 0, "q became part of the filter");

    // esc while typing clears it.
    h.key(KeyCode::Esc);
    assert!(!h.m.filtering);
    assert!(h.m.filter.is_empty());
    assert_eq!(h.visible().len(), 4);

    // esc on the list with a filter applied clears it and stays.
    h.ch('/');
    for c in "web-v1".chars() {
        h.ch(c);
    }
    h.key(KeyCode::Enter);
    assert_eq!(h.visible().len(), 1);
    assert!(h.press(KeyCode::Esc).is_empty());
    assert_eq!(h.m.screen, Screen::Deployments);
    assert!(h.m.filter.is_empty());
    assert_eq!(h.visible().len(), 4);
}

#[test]
fn create_form_opens_safe_and_creates() {
    let mut h = Harness::new(false);
    // On the applications screen, `n` takes the application under the
    // cursor: its groups are read, then the form asks which one.
    h.ch('n');
    assert_eq!(h.m.screen, Screen::Groups);
    h.reload();
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("no form after the groups were read: {:?}", h.m.popup);
    };
    assert_eq!(f.app, "checkout-fn");
    assert_eq!(f.field, FormField::Group, "the form opens at the top");
    assert!(h.key(KeyCode::Esc).is_empty());
    h.keys("\x1b");

    h.open_prod();
    assert!(h.ch('n').is_empty());
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("no form: {:?}", h.m.popup);
    };
    assert_eq!(f.app, "web-shop");
    assert_eq!(f.groups[f.group], "prod");
    assert_eq!(
        f.revision, "demo-artifacts/web-v2.zip",
        "the group's revision"
    );
    // The form opens at the top; the create button is never the focus.
    assert_eq!(f.field, FormField::Group);
    // The configs offered are the platform's: three for EC2/on-premises.
    assert_eq!(f.configs.len(), 3, "{:?}", f.configs);

    // Enter walks the fields and lands on Cancel, which closes: nothing is created.
    let mut steps = 0;
    while h.m.popup.is_some() {
        steps += 1;
        assert!(steps < 20, "Enter never closed the form");
        if let Some(Popup::Form(f)) = &h.m.popup {
            assert_ne!(f.field, FormField::Create);
        }
        let cmds = h.key(KeyCode::Enter);
        assert!(
            Harness::acts(&cmds).is_empty(),
            "Enter alone created: {cmds:?}"
        );
    }
    assert_eq!(h.visible().len(), 4);

    // esc cancels too.
    h.ch('n');
    assert!(h.key(KeyCode::Esc).is_empty());
    assert_eq!(h.m.popup, None);

    // A revision that is not one stays in the form with an error.
    h.ch('n');
    h.key(KeyCode::Tab); // revision
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    for c in "nothing".chars() {
        h.ch(c);
    }
    for _ in 0..5 {
        h.key(KeyCode::Tab);
    }
    assert!(h.key(KeyCode::Enter).is_empty());
    let Some(Popup::Form(f)) = &h.m.popup else {
        panic!("the form closed on a bad revision");
    };
    assert!(f.error.is_some());
    assert_eq!(f.field, FormField::Revision);
    h.key(KeyCode::Esc);

    // Tab to Create: one Create action with the form's values; the new
    // deployment lists first and is selected.
    h.ch('n');
    h.key(KeyCode::Tab); // revision
    h.key(KeyCode::Tab); // config
    h.key(KeyCode::Tab); // description
    for c in "from the test".chars() {
        h.ch(c);
    }
    h.key(KeyCode::Tab); // rollback
    h.key(KeyCode::Right); // roll back on failure or stop
    h.key(KeyCode::Tab); // Cancel
    h.key(KeyCode::Right); // Create
    assert_eq!(h.form(), FormField::Create);
    let cmds = h.key(KeyCode::Enter);
    let [Cmd::Act(Action::Create(nd))] = cmds.as_slice() else {
        panic!("expected one Create, got {cmds:?}");
    };
    assert_eq!(nd.app, "web-shop");
    assert_eq!(nd.group, "prod");
    assert_eq!(nd.description.as_deref(), Some("from the test"));
    assert_eq!(nd.rollback_on_failure, Some(true));
    h.perform(&cmds);
    assert_eq!(h.m.popup, None);
    assert_eq!(h.visible().len(), 5);
    let top = h.m.selected_row().expect("a selected row");
    assert_eq!(h.m.list.selected, 0);
    assert!(
        matches!(
            top.status,
            DeploymentStatus::Created | DeploymentStatus::InProgress
        ),
        "{:?}",
        top.status
    );
    let flash = h.m.flash.clone().expect("flash");
    assert_eq!(flash, (format!("created {}", top.id), false));
}

#[test]
fn stop_asks_with_cancel_first_and_rolls_back_on_request() {
    let mut h = Harness::new(false);
    h.open_prod();
    // A finished deployment cannot be stopped: no question asked.
    h.ch('X');
    assert_eq!(h.m.popup, None);
    assert!(h.m.flash.as_ref().is_some_and(|(_, err)| *err));

    // The clock is fixed, so a new deployment stays in progress.
    let id = h.create();
    assert_eq!(h.m.selected_row().map(|r| r.id.clone()), Some(id.clone()));

    assert!(h.ch('X').is_empty());
    let Some(Popup::Confirm(c)) = h.m.popup.clone() else {
        panic!("no confirmation: {:?}", h.m.popup);
    };
    assert!(!c.on_action, "Cancel must be the default");
    assert_eq!(c.rollback, Some(false), "roll back starts off");
    assert_eq!(c.button, format!("Stop {id}"));
    // Enter on the default answers Cancel.
    assert!(h.key(KeyCode::Enter).is_empty());
    assert_eq!(h.m.popup, None);
    let status = h.m.selected_row().map(|r| r.status.clone());
    assert!(
        matches!(
            status,
            Some(DeploymentStatus::Created | DeploymentStatus::InProgress)
        ),
        "cancel changed nothing: {status:?}"
    );

    // Unrelated keys keep the question open; esc and q cancel.
    h.ch('X');
    assert!(h.ch('j').is_empty());
    assert!(matches!(h.m.popup, Some(Popup::Confirm(_))));
    assert!(
        h.ch('q').is_empty(),
        "q cancels the question, it does not quit"
    );
    assert_eq!(h.m.popup, None);
    assert!(!h.m.quit);

    // Toggle roll back, move to the stop button, confirm.
    h.ch('X');
    h.ch('r');
    h.key(KeyCode::Right);
    let Some(Popup::Confirm(c)) = h.m.popup.clone() else {
        panic!("the confirmation closed");
    };
    assert!(c.on_action);
    assert_eq!(c.rollback, Some(true));
    let cmds = h.key(KeyCode::Enter);
    assert_eq!(
        cmds,
        [Cmd::Act(Action::Stop {
            id: id.clone(),
            rollback: true,
        })]
    );
    h.perform(&cmds);
    assert_eq!(h.m.popup, None);
    let (text, error) = h.m.flash.clone().expect("flash");
    assert!(!error, "{text}");

    // Run the clock: the stop completes and a rollback deployment appears.
    for _ in 0..10_000 {
        if h.src.runtime().step().is_none() {
            break;
        }
    }
    h.reload();
    let stopped = h.visible().into_iter().find(|r| r.id == id).cloned();
    assert_eq!(stopped.map(|r| r.status), Some(DeploymentStatus::Stopped));
    assert_eq!(h.visible().len(), 6);
    assert_eq!(h.visible()[0].creator, "codeDeployRollback");
    assert_ne!(h.visible()[0].id, id);
}

#[test]
fn roll_back_asks_with_cancel_first() {
    let mut h = Harness::new(false);
    h.open_prod();
    h.keys("j"); // the failed deployment
    assert!(h.ch('U').is_empty());
    let Some(Popup::Confirm(c)) = h.m.popup.clone() else {
        panic!("no confirmation: {:?}", h.m.popup);
    };
    assert!(!c.on_action);
    assert_eq!(c.rollback, None, "only stop has the roll back toggle");
    assert!(matches!(c.action, Action::RollBack { .. }));
    assert!(h.key(KeyCode::Enter).is_empty());
    assert_eq!(h.visible().len(), 4);
}

/// Every key that changes something, followed by what would confirm it.
const CHANGES: &[(&str, &[KeyCode])] = &[
    // new deployment: tab to Create, Enter
    (
        "n",
        &[
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Enter,
        ],
    ),
    ("X", &[KeyCode::Char('r'), KeyCode::Right, KeyCode::Enter]),
    ("U", &[KeyCode::Right, KeyCode::Enter]),
    ("C", &[KeyCode::Right, KeyCode::Enter]),
    ("f", &[KeyCode::Right, KeyCode::Enter]),
    ("a", &[KeyCode::Right, KeyCode::Enter]),
];

/// Deployments and alarms as the source has them.
fn world(src: &LocalSource) -> String {
    let mut out = String::new();
    let apps = src.read(&Request::default()).expect("load").apps;
    for app in apps {
        let req = Request {
            app: Some(app.name.clone()),
            ..Default::default()
        };
        for g in src.read(&req).expect("load").groups {
            let req = Request {
                group_id: Some(g.id.clone()),
                ..req.clone()
            };
            for d in src.read(&req).expect("load").deployments.iter() {
                out.push_str(&format!("{} {} {}\n", d.id, d.status, d.creator));
            }
        }
    }
    out.push_str(&format!(
        "{:?}",
        src.read(&Request::default()).expect("load").alarms
    ));
    out
}

/// Keys on the deployment list and the timeline of a running deployment.
fn each_change_key(h: &mut Harness, mut check: impl FnMut(&str, &[Cmd], &mut Harness)) {
    // The blue/green deployment waits as Ready: stop, roll back and continue apply.
    h.keys("G\rj\r");
    assert_eq!(h.group_name(), "blue-green");
    for pos in ["list", "timeline"] {
        if pos == "timeline" {
            h.keys("\r");
            assert_eq!(h.m.screen, Screen::Timeline);
        }
        for (key, confirm) in CHANGES {
            let mut cmds = h.key(KeyCode::Char(key.chars().next().expect("key")));
            for k in confirm.iter() {
                if h.m.popup.is_none() {
                    break;
                }
                cmds.extend(h.key(*k));
            }
            let what = format!("{key} on the {pos}");
            check(&what, &cmds, h);
            h.perform(&cmds);
            h.m.popup = None;
        }
    }
}

#[test]
fn read_only_changes_never_reach_the_source() {
    // The actions the change keys produce without --read-only...
    let mut rw = Harness::new(false);
    let before = world(&rw.src);
    let mut acts: Vec<Action> = Vec::new();
    each_change_key(&mut rw, |_, cmds, _| {
        acts.extend(Harness::acts(cmds).into_iter().cloned())
    });
    assert!(acts.len() >= CHANGES.len(), "only {} actions", acts.len());
    assert_ne!(world(&rw.src), before, "they change the world");
    // ...are refused by the app loop's own check with --read-only, a second
    // line behind update() which does not even produce them.
    let ro = Harness::new(true);
    for a in &acts {
        assert!(a.kind().changes_state(), "{a:?}");
        let out = ro.dispatch(true, a);
        assert!(
            out.as_ref().is_err_and(|e| e.contains("read-only")),
            "{a:?} was not refused: {out:?}"
        );
    }
    assert_eq!(world(&ro.src), before, "read-only changed the world");
}

/// With `--read-only` the change keys do not even open their form or
/// question (they are hidden from the footer and dimmed in the help): no key
/// sequence yields a state-changing `Cmd::Act`, and a message says why.
#[test]
fn read_only_change_keys_yield_no_act() {
    let mut h = Harness::new(true);
    each_change_key(&mut h, |what, cmds, h| {
        let acts: Vec<_> = Harness::acts(cmds)
            .into_iter()
            .filter(|a| a.kind().changes_state())
            .collect();
        assert!(acts.is_empty(), "{what} produced {acts:?}");
        assert!(
            h.m.flash
                .as_ref()
                .is_some_and(|(t, err)| *err && t.contains("read-only")),
            "{what}: no read-only message: {:?}",
            h.m.flash
        );
    });
}

#[test]
fn help_toggles_and_swallows_keys() {
    let mut h = Harness::new(false);
    assert!(h.ch('?').is_empty());
    assert_eq!(h.m.popup, Some(Popup::Help));
    assert!(h.ch('?').is_empty());
    assert_eq!(h.m.popup, None);

    h.ch('?');
    h.ch('j');
    assert_eq!(h.m.popup, Some(Popup::Help), "other keys keep help open");
    assert_eq!(h.m.apps.selected, 0, "keys under help do not move the list");
    assert!(h.ch('q').is_empty(), "q closes help, it does not quit");
    assert_eq!(h.m.popup, None);
    assert!(!h.m.quit);

    h.ch('?');
    h.key(KeyCode::Esc);
    assert_eq!(h.m.popup, None);

    // ctrl-c quits from anywhere, help open or not; q quits without a popup.
    h.ch('?');
    assert_eq!(
        h.key_with(KeyCode::Char('c'), KeyModifiers::CONTROL),
        [Cmd::Quit]
    );
    let mut h = Harness::new(false);
    assert_eq!(h.ch('q'), [Cmd::Quit]);
    assert!(h.m.quit);
}

#[test]
fn clock_keys_pause_step_and_change_speed() {
    let mut h = Harness::new(false);
    assert!(h.m.data.paused, "the simulated clock starts paused");
    assert_eq!(h.m.data.speed, 1.0);

    assert_eq!(
        h.press(KeyCode::Char(' ')),
        [Cmd::Act(Action::Pause(false))]
    );
    assert!(!h.m.data.paused);
    assert_eq!(h.press(KeyCode::Char(' ')), [Cmd::Act(Action::Pause(true))]);
    assert!(h.m.data.paused);

    // Step moves the fixed clock to the next scheduled event (the canary's
    // next shift, minutes away: the first press says so, the second steps).
    let before = h.m.data.now;
    assert_eq!(h.press(KeyCode::Char('.')), []);
    assert_eq!(h.press(KeyCode::Char('.')), [Cmd::Act(Action::Step)]);
    assert!(h.m.data.now > before, "step did not move the clock");

    assert_eq!(h.press(KeyCode::Char('+')), [Cmd::Act(Action::Speed(2.0))]);
    assert_eq!(h.m.data.speed, 2.0);
    assert_eq!(h.press(KeyCode::Char('=')), [Cmd::Act(Action::Speed(4.0))]);
    for _ in 0..10 {
        h.press(KeyCode::Char('+'));
    }
    assert_eq!(h.m.data.speed, 64.0, "faster stops at 64x");
    assert_eq!(h.press(KeyCode::Char('-')), [Cmd::Act(Action::Speed(32.0))]);
    assert_eq!(h.press(KeyCode::Char('0')), [Cmd::Act(Action::Speed(1.0))]);
    for _ in 0..10 {
        h.press(KeyCode::Char('-'));
    }
    assert_eq!(h.m.data.speed, 0.25, "slower stops at 1/4x");

    // The clock is not a change: allowed with --read-only.
    let mut ro = Harness::new(true);
    assert_eq!(ro.press(KeyCode::Char('+')), [Cmd::Act(Action::Speed(2.0))]);
    assert_eq!(ro.m.data.speed, 2.0);

    // A remote source has no clock to drive: no command, an explanation.
    let mut remote = Model::new("aws".into(), ApiStatus::Off, false, false);
    for c in [' ', '.', '+', '-', '0'] {
        let cmds = update(
            &mut remote,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        assert!(cmds.is_empty(), "{c:?}: {cmds:?}");
        assert!(remote.flash.as_ref().is_some_and(|(_, err)| *err));
    }
}

#[test]
fn form_redeploys_an_inline_appspec_revision() {
    // checkout-fn/live deploys inline AppSpecs: the form opens on the group's
    // current revision and creates with it whole.
    let mut h = Harness::new(false);
    h.keys("\r\r");
    assert_eq!(h.m.screen, Screen::Deployments);
    let before = h.m.data.deployments.len();
    h.ch('n');
    let Some(Popup::Form(f)) = &h.m.popup else {
        panic!("no form: {:?}", h.m.popup);
    };
    assert_eq!(f.revision, "inline appspec");
    // Tab to Create (fields: group, revision, config, description, rollback, cancel, create).
    h.keys("\t\t\t\t\t\t\r");
    assert_eq!(h.m.popup, None, "created: {:?}", h.m.flash);
    assert_eq!(h.m.data.deployments.len(), before + 1, "{:?}", h.m.flash);
}

#[test]
fn a_deployment_waiting_ready_keeps_the_clock_ticking() {
    // The demo's blue/green deployment waits as Ready: its countdown moves.
    let mut h = Harness::new(false);
    h.keys("G\rj\r\r");
    assert_eq!(h.m.screen, Screen::Timeline);
    let status = h.m.data.detail.as_ref().and_then(|d| d.info.status.clone());
    assert_eq!(status, Some(codedeck::model::DeploymentStatus::Ready));
    // The simulated source is paused; the tick depends on it running.
    h.m.data.paused = false;
    assert!(h.m.needs_tick());
}

impl Harness {
    /// The screen's text at 120x40.
    fn screen(&self) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
        terminal
            .draw(|f| codedeck::tui::view(&self.m, f))
            .expect("draw");
        let buf = terminal.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[test]
fn a_burst_of_clock_keys_is_never_dropped() {
    let mut h = Harness::new(false);
    // Typed faster than the source answers: each key builds on the last.
    let mut last = Vec::new();
    for c in ['0', '+', '+', '+'] {
        last = h.ch(c);
    }
    assert_eq!(last, [Cmd::Act(Action::Speed(8.0))]);
    assert_eq!(h.m.data.speed, 8.0, "shown at once");
    // Space reads "resume" while paused.
    assert!(h.m.data.paused);
    assert!(h.screen().contains("space resume"), "{}", h.screen());
}

#[test]
fn the_form_offers_the_platforms_configs_and_filters_them() {
    let mut h = Harness::new(false);
    h.keys("\r\r"); // checkout-fn/live: Lambda
    h.ch('n');
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("no form: {:?}", h.m.popup);
    };
    assert!(!f.configs.is_empty());
    assert!(
        f.configs.iter().all(|c| c.contains("Lambda")),
        "{:?}",
        f.configs
    );
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab); // config
    for c in "linear".chars() {
        h.ch(c);
    }
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("the form closed");
    };
    let matching = f.matching_configs();
    assert!(
        !matching.is_empty() && matching.iter().all(|c| c.contains("Linear")),
        "{matching:?}"
    );
    assert_eq!(f.chosen_config().as_deref(), matching.first().copied());
    h.key(KeyCode::Right);
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("the form closed");
    };
    assert_eq!(f.chosen_config().as_deref(), matching.get(1).copied());
}

#[test]
fn a_refused_form_comes_back_with_every_field() {
    let mut h = Harness::new(false);
    h.keys("\r\r"); // checkout-fn/live: Lambda takes no zip bundle
    h.ch('n');
    h.key(KeyCode::Tab); // revision
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    for c in "my-artifacts/app.zip".chars() {
        h.ch(c);
    }
    h.key(KeyCode::Tab); // config
    h.key(KeyCode::Tab); // description
    for c in "kept".chars() {
        h.ch(c);
    }
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right); // Create
    h.press(KeyCode::Enter);
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("the refused form did not come back: {:?}", h.m.flash);
    };
    assert!(
        f.error.as_ref().is_some_and(|e| e.contains("Exception")),
        "{:?}",
        f.error
    );
    assert_eq!(f.description, "kept");
    assert_eq!(f.revision, "my-artifacts/app.zip");
}

#[test]
fn descriptions_show_and_filter() {
    let mut h = Harness::new(false);
    h.open_prod();
    h.ch('/');
    for c in "faster".chars() {
        h.ch(c);
    }
    h.key(KeyCode::Enter);
    assert_eq!(h.visible().len(), 1, "v3: faster images");
    h.keys("\r");
    assert!(
        h.screen().contains("About   v3: faster images"),
        "{}",
        h.screen()
    );
}

#[test]
fn the_event_log_follows_the_selection_and_opens_deployments() {
    let mut h = Harness::new(false);
    h.open_prod();
    h.keys("j\r"); // the failed deployment
    let id = h.m.deployment.clone().expect("open");
    let entries = h.m.log_entries();
    assert!(!entries.is_empty());
    // Its own lines, and the world's changes while it ran (the demo broke
    // the host it failed on).
    assert!(entries.iter().all(|e| match e.deployment.as_deref() {
        Some(d) => d == id,
        None => e.kind == codedeck::state::EventKind::World,
    }));
    assert!(entries.iter().any(|e| e.deployment.is_none()));
    let all = h.m.events.len();
    h.ch('e');
    assert_eq!(h.m.log_entries().len(), all, "e shows every event");
    h.ch('e');
    // Tab lands on the newest line; Enter opens its deployment.
    h.key(KeyCode::Tab);
    assert_eq!(h.m.pane, Pane::Log);
    assert_eq!(h.m.log.selected, h.m.log_entries().len() - 1);
    h.press(KeyCode::Enter);
    assert_eq!(h.m.screen, Screen::Timeline);
    assert_eq!(h.m.pane, Pane::Main);
    // `o` follows the rollback link to the rollback and back.
    let rolled_back_by =
        h.m.data
            .detail
            .as_ref()
            .and_then(|d| d.info.rollback_info.clone())
            .and_then(|r| r.rollback_deployment_id)
            .expect("a rollback link");
    h.press(KeyCode::Char('o'));
    assert_eq!(h.m.deployment.as_deref(), Some(rolled_back_by.as_str()));
    h.press(KeyCode::Char('o'));
    assert_eq!(h.m.deployment.as_deref(), Some(id.as_str()));
}

#[test]
fn diagnostics_and_rollback_questions_say_what_they_mean() {
    let mut h = Harness::new(false);
    h.open_prod();
    h.keys("j\r");
    // The cursor starts on the failure; `l` explains the event under it.
    let ev = h.m.selected_event().cloned().expect("an event");
    assert_eq!(
        ev.status,
        Some(codedeck::model::LifecycleEventStatus::Failed)
    );
    h.ch('l');
    assert!(h.screen().contains("ScriptFailed"), "{}", h.screen());
    h.key(KeyCode::Esc);
    // Moving to a succeeded event, `l` shows that one.
    h.key(KeyCode::Up);
    h.ch('l');
    assert!(
        h.screen().contains("ApplicationStop Succeeded"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Esc);
    // An event that has not run has nothing to say yet.
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.ch('l');
    assert!(h.screen().contains("No diagnostics"), "{}", h.screen());
    h.key(KeyCode::Esc);
    // U names the revision and where it comes from.
    h.ch('U');
    let Some(Popup::Confirm(c)) = h.m.popup.clone() else {
        panic!("no question: {:?}", h.m.popup);
    };
    let good =
        h.m.focused_group()
            .and_then(|g| g.last_good.clone())
            .expect("last good");
    assert!(c.body.contains("web-v2.zip"), "{}", c.body);
    assert!(c.body.contains(&good.deployment), "{}", c.body);
    assert!(c.body.contains("last successful deployment"), "{}", c.body);
}

#[test]
fn continue_is_offered_while_a_wait_can_be_continued() {
    let mut h = Harness::new(false);
    h.keys("G\rj\r"); // web-shop/blue-green: waits in Ready
    assert!(h.screen().contains("C continue"), "{}", h.screen());
    h.open_prod_from_start();
    assert!(!h.screen().contains("C continue"), "nothing waits in prod");
}

#[test]
fn f_on_a_lambda_timeline_fails_its_hook() {
    let mut h = Harness::new(false);
    h.keys("\x1b\x1b\x1bg\r\r"); // checkout-fn, its group
    assert_eq!(h.m.screen, Screen::Deployments);
    let running = h
        .visible()
        .iter()
        .position(|d| !d.status.is_final())
        .expect("the live canary");
    for _ in 0..running {
        h.key(KeyCode::Down);
    }
    h.keys("\r");
    assert_eq!(h.m.screen, Screen::Timeline);
    assert!(h.screen().contains("f fail hook"), "{}", h.screen());
    let id = h.m.hook_deployment().expect("a running Lambda deployment");
    assert!(h.ch('f').is_empty(), "asks first");
    let Some(Popup::Confirm(c)) = h.m.popup.clone() else {
        panic!("no question: {:?}", h.m.popup);
    };
    assert!(c.body.contains(&id), "{}", c.body);
    h.key(KeyCode::Tab);
    let cmds = h.press(KeyCode::Enter);
    assert!(
        matches!(Harness::acts(&cmds).as_slice(), [Action::FailHook { id: i }] if *i == id),
        "{cmds:?}"
    );
    let (text, error) = h.m.flash.clone().expect("a flash");
    assert!(!error && text.contains("will answer Failed"), "{text}");
    // Read-only: refused before the source sees it.
    let refused = h.dispatch(true, &Action::FailHook { id });
    assert!(refused.is_err(), "{refused:?}");
}

#[test]
fn paused_the_next_step_is_shown_and_a_long_wait_takes_two_presses() {
    let mut h = Harness::new(false);
    assert!(h.m.data.paused);
    let next = h.m.data.next_step.clone().expect("a preview while paused");
    let here = codedeck::tui::view::open_place(&h.m);
    let line = codedeck::tui::view::next_step_text(&next, h.m.data.now, here.as_deref());
    let head: String = line.chars().take(30).collect();
    assert!(h.screen().contains(&head), "{head:?} in\n{}", h.screen());
    // Step through the demo: its canary's wait is long, the step after short.
    let (mut long_seen, mut short_seen) = (false, false);
    for _ in 0..200 {
        if long_seen && short_seen {
            break;
        }
        let next = h.m.data.next_step.clone().expect("more steps");
        let long = next.due - h.m.data.now >= codedeck::tui::update::LONG_STEP;
        let cmds = h.press(KeyCode::Char('.'));
        if long {
            assert!(cmds.is_empty(), "a long wait is announced first: {cmds:?}");
            let (text, _) = h.m.flash.clone().expect("a flash");
            assert!(text.contains("press . again"), "{text}");
            let before = h.m.data.now;
            assert_eq!(h.press(KeyCode::Char('.')), [Cmd::Act(Action::Step)]);
            assert_eq!(h.m.data.now, next.due, "the second press skips the wait");
            assert!(h.m.data.now - before >= codedeck::tui::update::LONG_STEP);
            long_seen = true;
            continue;
        }
        short_seen = true;
        assert_eq!(cmds, [Cmd::Act(Action::Step)]);
        // After the step, the flash says what the preview said.
        let (text, error) = h.m.flash.clone().expect("a flash");
        assert!(!error, "{text}");
        if let Some(first) = next.said.first() {
            assert!(text.contains(first.as_str()), "{text:?} lacks {first:?}");
        }
    }
    assert!(long_seen && short_seen, "a long and a short step");
    // A running clock: `.` pauses it first.
    h.press(KeyCode::Char(' '));
    assert!(!h.m.data.paused);
    assert_eq!(h.press(KeyCode::Char('.')), [Cmd::Act(Action::Pause(true))]);
    assert!(h.m.data.paused);
}

#[test]
fn a_canary_stopped_without_rollback_offers_to_repair_its_alias() {
    let mut h = Harness::new(false);
    h.keys("\x1b\x1b\x1bg\r\r"); // checkout-fn/live
    let running = h
        .visible()
        .iter()
        .position(|d| !d.status.is_final())
        .expect("the live canary");
    for _ in 0..running {
        h.key(KeyCode::Down);
    }
    h.keys("\r");
    assert!(
        h.m.split_alias().is_none(),
        "a running canary is not repaired"
    );
    assert!(!h.screen().contains("R repair alias"), "{}", h.screen());
    // Stop it, roll back left off: the alias stays on two versions.
    h.ch('X');
    h.key(KeyCode::Right);
    let cmds = h.press(KeyCode::Enter);
    assert!(
        matches!(
            Harness::acts(&cmds).as_slice(),
            [Action::Stop {
                rollback: false,
                ..
            }]
        ),
        "{cmds:?}"
    );
    assert_eq!(
        h.m.split_alias(),
        Some(("checkout".to_string(), "live".to_string()))
    );
    let screen = h.screen();
    assert!(screen.contains("left on two versions"), "{screen}");
    assert!(screen.contains("R repair alias"), "{screen}");
    assert!(h.ch('R').is_empty(), "asks first");
    let Some(Popup::Confirm(c)) = h.m.popup.clone() else {
        panic!("no question: {:?}", h.m.popup);
    };
    assert!(c.body.contains("checkout:live"), "{}", c.body);
    h.key(KeyCode::Right);
    h.press(KeyCode::Enter);
    let (text, error) = h.m.flash.clone().expect("a flash");
    assert!(!error && text.contains("repaired"), "{text}");
    assert_eq!(h.m.split_alias(), None, "repaired: nothing left to offer");
    assert!(!h.screen().contains("R repair alias"));
}

/// On a local host's timeline `y` copies its scripts.log path (after a hook
/// waiting for an answer, before the deployment ID).
#[test]
fn y_copies_a_local_hosts_scripts_log() {
    let mut h = Harness::new(false);
    h.open_prod_from_start();
    h.keys("\r");
    assert_eq!(h.m.screen, Screen::Timeline);
    let id = h.m.focused_deployment().map(|d| d.0).expect("deployment");
    assert_eq!(h.ch('y'), vec![Cmd::Copy(id)], "a simulated host has none");
    let detail = h.m.data.detail.as_mut().expect("detail");
    let log = "/hosts/i-1/deployment-root/dg/d-1/logs/scripts.log".to_string();
    for t in &mut detail.targets {
        t.scripts_log = Some(log.clone());
    }
    assert_eq!(h.ch('y'), vec![Cmd::Copy(log)]);
}

impl Harness {
    /// The screen's text at `w` x `h` (the model told the size first).
    fn screen_at(&mut self, w: u16, h: u16) -> String {
        update(&mut self.m, Msg::Resize(w, h));
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("terminal");
        terminal
            .draw(|f| codedeck::tui::view(&self.m, f))
            .expect("draw");
        let buf = terminal.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Lets the demo's fixed clock run one scheduled wake-up, then reads.
    fn step_clock(&mut self) {
        self.src.runtime().step();
        self.reload();
    }
}

/// `n` on the applications list reads the application's groups and opens
/// the form when they arrive (issue 21: it asked for no read, so the list
/// stayed empty and a second `n` said there was no group).
#[test]
fn n_on_an_application_reads_its_groups_then_opens_the_form() {
    let mut h = Harness::new(false);
    h.ch('G'); // web-shop
    let cmds = h.ch('n');
    assert_eq!(cmds, [Cmd::Reload], "the groups must be read");
    assert_eq!(h.m.screen, Screen::Groups);
    // A second `n` before they arrive says the form is coming.
    assert!(h.ch('n').is_empty());
    let (text, error) = h.m.flash.clone().expect("a flash");
    assert!(
        !error && text.contains("reading the groups of web-shop"),
        "{text}"
    );
    h.perform(&cmds);
    let Some(Popup::Form(f)) = h.m.popup.clone() else {
        panic!("no form once the groups arrived: {:?}", h.m.popup);
    };
    assert_eq!(f.app, "web-shop");
    assert_eq!(f.groups, ["api", "blue-green", "prod", "staging"]);
}

/// After `n` creates a deployment, its timeline opens; esc goes back to
/// its group's list.
#[test]
fn a_created_deployment_opens_on_its_timeline() {
    let mut h = Harness::new(false);
    h.open_prod();
    let id = h.create();
    assert_eq!(h.m.screen, Screen::Timeline);
    assert_eq!(h.m.deployment.as_deref(), Some(id.as_str()));
    let shown =
        h.m.data
            .detail
            .as_ref()
            .and_then(|d| d.info.deployment_id.clone());
    assert_eq!(shown.as_deref(), Some(id.as_str()));
    assert!(h.screen().contains(&format!("Deployment({id})")));
    h.keys("\x1b");
    assert_eq!(h.m.screen, Screen::Deployments);
    assert_eq!(h.visible().len(), 5);
}

/// `U` on a finished deployment redeploys the last good revision and opens
/// the new deployment's timeline.
#[test]
fn a_rollback_opens_the_deployment_it_created() {
    let mut h = Harness::new(false);
    h.open_prod();
    h.keys("j"); // the failed deployment
    h.ch('U');
    h.key(KeyCode::Right);
    let cmds = h.press(KeyCode::Enter);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Act(Action::RollBack { .. })]
    ));
    let (text, error) = h.m.flash.clone().expect("a flash");
    assert!(!error, "{text}");
    let created = codedeck::source::created_deployment(&text).expect("created");
    assert_eq!(h.m.screen, Screen::Timeline);
    assert_eq!(h.m.deployment.as_deref(), Some(created));
}

/// The paused next-step line names the deployment of another group it is
/// about (the checkout-fn canary, seen from web-shop/prod).
#[test]
fn the_next_step_names_a_deployment_elsewhere() {
    let mut h = Harness::new(false);
    h.open_prod();
    let screen = h.screen();
    assert!(
        screen.contains("then checkout-fn/live: AllowTraffic"),
        "{screen}"
    );
    // On the canary's own group it needs no name.
    h.keys("\x1b\x1b\x1bg\r\r");
    let screen = h.screen();
    assert!(screen.contains("then AllowTraffic"), "{screen}");
    assert!(
        !screen.contains("checkout-fn/live: AllowTraffic"),
        "{screen}"
    );
}

/// Every instance ID on a blue/green timeline is whole or visibly shortened
/// (`…`), at every width, and its table has no batch column.
#[test]
fn ids_are_whole_or_visibly_shortened() {
    let mut h = Harness::new(false);
    h.keys("G\rj\r\r"); // web-shop/blue-green's deployment, waiting in Ready
    let ids: Vec<String> =
        h.m.data
            .detail
            .as_ref()
            .expect("detail")
            .targets
            .iter()
            .map(|t| t.id.clone())
            .collect();
    assert_eq!(ids.len(), 8);
    for (w, hgt) in [
        (40, 18),
        (60, 18),
        (80, 24),
        (100, 30),
        (119, 40),
        (120, 40),
        (160, 50),
        (200, 60),
    ] {
        let screen = h.screen_at(w, hgt);
        let words = screen
            .split_whitespace()
            .map(|w| w.trim_end_matches([':', ',']));
        for word in words.filter(|w| w.starts_with("i-0")) {
            assert!(
                ids.iter().any(|id| id == word) || word.contains('…'),
                "{w}x{hgt}: {word} is cut silently\n{screen}"
            );
        }
        assert!(
            !screen.contains("TARGET                B "),
            "{w}x{hgt}: a batch column on blue/green\n{screen}"
        );
    }
}

/// The blue/green Health line counts what the rows show running: during the
/// reroute, the hosts whose AllowTraffic events run, not every replacement.
#[test]
fn the_blue_green_health_line_agrees_with_the_rows() {
    let mut h = Harness::new(false);
    h.keys("G\rj\r\r");
    h.ch('C');
    h.key(KeyCode::Right);
    h.press(KeyCode::Enter);
    let mut checked = false;
    for _ in 0..400 {
        h.step_clock();
        let d = h.m.data.detail.clone().expect("detail");
        if d.min_healthy.is_none() {
            break;
        }
        let running = d
            .targets
            .iter()
            .filter(|t| {
                t.events
                    .iter()
                    .any(|e| e.status == Some(codedeck::model::LifecycleEventStatus::InProgress))
            })
            .count();
        let screen = h.screen();
        assert!(
            screen.contains(&format!("batch: {running} running, {} waiting", d.pending)),
            "{screen}"
        );
        checked |= running > 0 && running < 4;
    }
    assert!(checked, "a reroute batch was seen running");
}

/// Long lines are never lost: the Error line at 80 columns ends by saying
/// where to read it whole, and `l` shows it whole.
#[test]
fn a_cut_error_line_points_to_its_whole_text() {
    let mut h = Harness::new(false);
    h.open_prod();
    h.keys("j\r"); // the failed deployment
    let screen = h.screen_at(80, 24);
    assert!(screen.contains("… l: whole"), "{screen}");
    h.ch('?');
    let help = h.screen_at(80, 24);
    assert!(
        help.contains("l          details"),
        "help names the key\n{help}"
    );
    h.key(KeyCode::Esc);
    h.ch('l');
    let whole = h.screen_at(80, 24).replace('│', " ");
    let whole = whole.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        whole.contains("or some instances in your deployment group are experiencing problems."),
        "{whole}"
    );
    assert!(whole.contains("Rollback rolled back by d-"), "{whole}");
}

/// A Lambda deployment's status is explained as traffic shifting, not in
/// batches.
#[test]
fn a_lambda_status_is_explained_for_its_platform() {
    let mut h = Harness::new(false);
    h.keys("\r\r"); // checkout-fn/live: the canary runs
    let row = h.m.selected_row().expect("a row");
    assert_eq!(row.status, DeploymentStatus::InProgress);
    let text = codedeck::tui::view::explain_text(&h.m);
    assert!(text.contains("traffic shifts"), "{text}");
    assert!(!text.contains("batch"), "{text}");
}

impl Harness {
    /// The open command line's text.
    fn prompt(&self) -> String {
        self.m
            .prompt
            .as_ref()
            .expect("the command line is open")
            .text
            .clone()
    }

    /// Every deployment of every application, as (application/group, row).
    fn everything(&self) -> Vec<(String, DeploymentRow)> {
        let mut out = Vec::new();
        for app in self.src.read(&Request::default()).expect("load").apps {
            let req = Request {
                app: Some(app.name.clone()),
                ..Default::default()
            };
            for g in self.src.read(&req).expect("load").groups {
                let req = Request {
                    group_id: Some(g.id.clone()),
                    ..req.clone()
                };
                for d in self.src.read(&req).expect("load").deployments.iter() {
                    out.push((format!("{}/{}", app.name, g.name), d.clone()));
                }
            }
        }
        out
    }
}

/// `:` with a deployment ID from the first screen opens its timeline, in
/// its application and group (looked up by the source: not in view).
#[test]
fn an_id_typed_from_the_first_screen_opens_its_timeline() {
    let mut h = Harness::new(false);
    let (place, failed) = h
        .everything()
        .into_iter()
        .find(|(_, r)| r.status == DeploymentStatus::Failed)
        .expect("the demo has a failed deployment");
    assert_eq!(h.m.screen, Screen::Apps);
    h.keys(":");
    for c in failed.id.chars() {
        h.ch(c);
    }
    let cmds = h.key(KeyCode::Enter);
    assert_eq!(
        cmds,
        [Cmd::Find(failed.id.clone())],
        "not in view: looked up"
    );
    h.perform(&cmds);
    assert_eq!(h.m.screen, Screen::Timeline);
    assert_eq!(h.m.deployment.as_deref(), Some(failed.id.as_str()));
    assert_eq!(
        Some(h.m.app.clone().unwrap_or_default()),
        place.split('/').next().map(String::from)
    );
    assert!(h.screen().contains(&format!("Deployment({})", failed.id)));
    // esc goes back through its group's list.
    h.keys("\x1b");
    assert_eq!(h.m.screen, Screen::Deployments);
    assert_eq!(
        format!("{}/{}", h.m.app.clone().unwrap_or_default(), h.group_name()),
        place
    );
}

/// `:failed` lists the failed deployments of every application and only
/// those, newest first, each naming its application/group; Enter opens
/// one, esc comes back to the list, esc again to the applications.
#[test]
fn failed_lists_only_failed_deployments_of_every_application() {
    let mut h = Harness::new(false);
    // A second failure, in another application: the canary's hook fails.
    let canary = h
        .everything()
        .into_iter()
        .find(|(p, r)| p == "checkout-fn/live" && !r.status.is_final())
        .map(|(_, r)| r.id)
        .expect("the running canary");
    h.dispatch(false, &Action::FailHook { id: canary.clone() })
        .expect("fail hook");
    for _ in 0..50 {
        h.step_clock();
        let failed = h
            .everything()
            .iter()
            .any(|(_, r)| r.id == canary && r.status == DeploymentStatus::Failed);
        if failed {
            break;
        }
    }
    let mut want: Vec<(String, DeploymentRow)> = h
        .everything()
        .into_iter()
        .filter(|(_, r)| r.status == DeploymentStatus::Failed)
        .collect();
    want.sort_by_key(|(_, r)| std::cmp::Reverse(r.created));
    let apps: std::collections::BTreeSet<&str> = want
        .iter()
        .filter_map(|(p, _)| p.split('/').next())
        .collect();
    assert!(apps.len() >= 2, "failures in two applications: {want:?}");
    h.keys(":failed\r");
    assert_eq!(h.m.screen, Screen::Deployments);
    let got: Vec<(String, String)> = h
        .visible()
        .iter()
        .map(|r| (r.place.clone(), r.id.clone()))
        .collect();
    let want_ids: Vec<(String, String)> = want
        .iter()
        .map(|(p, r)| (p.clone(), r.id.clone()))
        .collect();
    assert_eq!(got, want_ids);
    let screen = h.screen();
    assert!(
        screen.contains("Deployments(failed · every application)"),
        "{screen}"
    );
    for (place, r) in &want {
        let row = screen.lines().find(|l| l.contains(&r.id)).expect("listed");
        assert!(
            row.contains(place.as_str()) && row.contains("✖ Failed"),
            "{row}"
        );
    }
    // Enter opens the selected one; esc comes back to the list, then home.
    h.keys("\r");
    assert_eq!(h.m.screen, Screen::Timeline);
    assert_eq!(h.m.deployment.as_deref(), Some(want[0].1.id.as_str()));
    h.keys("\x1b");
    assert_eq!(h.m.screen, Screen::Deployments);
    assert_eq!(h.visible().len(), want.len());
    h.keys("\x1b");
    assert_eq!(h.m.screen, Screen::Apps);
    // :running lists what runs, in every application.
    h.keys(":running\r");
    assert!(!h.visible().is_empty());
    assert!(h.visible().iter().all(|r| !r.status.is_final()));
}

/// An instance ID opens the newest deployment that touched it, with the
/// cursor on that target's row.
#[test]
fn an_instance_id_opens_its_newest_deployment_on_its_row() {
    let mut h = Harness::new(false);
    let host = "i-0a1b2c3d4e5f00002";
    // The newest deployment with a target on the host, read independently.
    let mut all = h.everything();
    all.sort_by_key(|(_, r)| std::cmp::Reverse(r.created));
    let newest = all
        .iter()
        .find(|(_, r)| {
            let req = Request {
                deployment: Some(r.id.clone()),
                ..Default::default()
            };
            let d = h.src.read(&req).expect("load").detail.expect("detail");
            d.targets.iter().any(|t| t.id == host)
        })
        .map(|(_, r)| r.id.clone())
        .expect("a deployment touched the host");
    h.keys(&format!(":{host}\r"));
    assert_eq!(h.m.screen, Screen::Timeline);
    assert_eq!(h.m.deployment.as_deref(), Some(newest.as_str()));
    let d = h.m.data.detail.as_ref().expect("detail");
    assert_eq!(d.targets[h.m.target.selected].id, host);
}

/// Tab completes from what is known, ↑ recalls, esc cancels, and a name
/// that leads nowhere says what can be typed.
#[test]
fn the_command_line_completes_recalls_and_cancels() {
    let mut h = Harness::new(false);
    h.keys(":web-s\t");
    assert_eq!(h.prompt(), "web-shop");
    h.key(KeyCode::Esc);
    assert_eq!(h.m.prompt, None);
    assert_eq!(h.m.screen, Screen::Apps, "esc changed nothing");
    // A group name alone offers every application/group that has it; one
    // that two applications have is refused with the way to say it.
    h.keys(":blue-g\t");
    let offered = h.m.prompt.clone().expect("open").offered;
    assert_eq!(offered, ["storefront/blue-green", "web-shop/blue-green"]);
    h.keys("reen\r");
    let (text, error) = h.m.flash.clone().expect("a flash");
    assert!(
        error
            && text.contains(
                "blue-green is a group of storefront and web-shop: type storefront/blue-green"
            ),
        "{text}"
    );
    h.keys(":web-shop/b\t");
    assert_eq!(h.prompt(), "web-shop/blue-green");
    h.keys("\r");
    assert_eq!(h.m.screen, Screen::Deployments);
    assert_eq!(h.group_name(), "blue-green");
    // ↑ recalls it; ↓ past the newest empties the line.
    h.keys(":");
    h.key(KeyCode::Up);
    assert_eq!(h.prompt(), "web-shop/blue-green");
    h.key(KeyCode::Down);
    assert_eq!(h.prompt(), "");
    h.key(KeyCode::Esc);
    h.keys(":nowhere\r");
    let (text, error) = h.m.flash.clone().expect("a flash");
    assert!(
        error && text.contains("nothing is called nowhere"),
        "{text}"
    );
    assert!(text.contains("failed or running"), "{text}");
}

/// The LAST column: each group's newest deployment (its list's first row),
/// each application's worst group.
#[test]
fn the_last_column_is_each_groups_newest_and_each_applications_worst() {
    let h = Harness::new(false);
    let all = h.everything();
    for app in h.m.data.apps.clone() {
        let mut lasts = Vec::new();
        let req = Request {
            app: Some(app.name.clone()),
            ..Default::default()
        };
        for g in h.src.read(&req).expect("load").groups {
            let newest = all
                .iter()
                .filter(|(p, _)| *p == format!("{}/{}", app.name, g.name))
                .max_by_key(|(_, r)| r.created)
                .map(|(_, r)| r.clone());
            let last = g.last.clone();
            assert_eq!(
                last.as_ref().map(|l| l.id.clone()),
                newest.as_ref().map(|r| r.id.clone()),
                "{}/{}",
                app.name,
                g.name
            );
            assert_eq!(
                last.as_ref().map(|l| l.status.clone()),
                newest.map(|r| r.status),
                "{}/{}",
                app.name,
                g.name
            );
            lasts.extend(last);
        }
        let worst = lasts
            .iter()
            .find(|l| l.status == DeploymentStatus::Failed)
            .or_else(|| lasts.iter().find(|l| !l.status.is_final()))
            .map(|l| l.status.clone());
        if worst.is_some() {
            assert_eq!(
                app.last.as_ref().map(|l| l.status.clone()),
                worst,
                "{}",
                app.name
            );
        }
    }
}

/// Time reaches `update()` in messages: the header clock of a running
/// engine moves by the wall time between ticks at the clock's speed, and
/// not at all while paused or before the loop has said what time it is.
#[test]
fn the_clock_moves_by_the_ticks_the_loop_sends() {
    let mut h = Harness::new(false);
    let data_now = h.m.data.now;
    assert_eq!(h.m.now(), data_now, "no tick yet: the data's own time");
    let t0 = std::time::Instant::now();
    update(&mut h.m, Msg::Tick(t0));
    let mut data = h.m.data.clone();
    data.paused = false;
    data.speed = 4.0;
    update(&mut h.m, Msg::Data(Box::new(data)));
    update(&mut h.m, Msg::Tick(t0 + std::time::Duration::from_secs(2)));
    assert_eq!(h.m.now(), data_now + 8_000, "2 s at 4x");
    let mut paused = h.m.data.clone();
    paused.paused = true;
    update(&mut h.m, Msg::Data(Box::new(paused)));
    update(&mut h.m, Msg::Tick(t0 + std::time::Duration::from_secs(9)));
    assert_eq!(h.m.now(), data_now, "paused: the data's time");
}
