//! Drives a [`Model`] over a [`Source`] without a terminal or the app loop,
//! waiting for each read and action in turn: whole-screen snapshots, the
//! README screenshot, the render benchmark and `update()` tests. Commands are
//! performed as the app loop performs them (the read-only check included).

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

use super::app::dispatch;
use super::model::{ApiStatus, Cmd, Model, Msg};
use super::{update, view};
use crate::source::{Data, Source};

pub struct Harness {
    pub source: Arc<dyn Source>,
    pub model: Model,
    rt: tokio::runtime::Runtime,
}

impl Harness {
    /// A fresh dashboard over `source`, sized `width` x `height`, after its first read.
    pub fn new(
        source: Arc<dyn Source>,
        api: ApiStatus,
        read_only: bool,
        (width, height): (u16, u16),
    ) -> anyhow::Result<Harness> {
        let info = source.info();
        let mut model = Model::new(info.mode, api, read_only, info.local);
        model.color = true;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut h = Harness { source, model, rt };
        update(&mut h.model, Msg::Resize(width, height));
        h.reload()?;
        Ok(h)
    }

    /// Reads the current selection, as the app loop does after a change.
    pub fn reload(&mut self) -> anyhow::Result<()> {
        let data = self.load()?;
        update(&mut self.model, Msg::Data(Box::new(data)));
        Ok(())
    }

    /// The data the current selection reads now.
    pub fn load(&self) -> anyhow::Result<Data> {
        self.rt.block_on(self.source.load(self.model.request()))
    }

    /// Feeds one message to `update()` and performs its commands; the commands.
    pub fn send(&mut self, msg: Msg) -> anyhow::Result<Vec<Cmd>> {
        let cmds = update(&mut self.model, msg);
        self.perform(&cmds)?;
        Ok(cmds)
    }

    /// Performs commands like the app loop: an action, then a read.
    pub fn perform(&mut self, cmds: &[Cmd]) -> anyhow::Result<()> {
        for cmd in cmds {
            match cmd {
                Cmd::Act(a) => {
                    let source = self.source.clone();
                    let read_only = self.model.read_only;
                    let outcome = self
                        .rt
                        .block_on(dispatch(source.as_ref(), read_only, a.clone()));
                    update(&mut self.model, Msg::Done(a.kind(), outcome));
                    self.reload()?;
                }
                Cmd::Reload => self.reload()?,
                Cmd::Find(what) => {
                    let found = self.rt.block_on(self.source.find(what.clone()));
                    let next = update(&mut self.model, Msg::Found(what.clone(), found));
                    self.perform(&next)?;
                }
                Cmd::Output(q) => {
                    let got = self.rt.block_on(self.source.script_output(q.clone()));
                    let next = update(&mut self.model, Msg::Output(q.clone(), got));
                    self.perform(&next)?;
                }
                Cmd::Copy(_) | Cmd::Quit => {}
            }
        }
        Ok(())
    }

    /// One key, performed.
    pub fn press(&mut self, code: KeyCode) -> anyhow::Result<Vec<Cmd>> {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// Types plain keys (`\r` Enter, `\x1b` esc, `\t` Tab), performing each,
    /// then reads again (as the app loop does after every wake-up).
    pub fn keys(&mut self, keys: &str) -> anyhow::Result<()> {
        for ch in keys.chars() {
            let code = match ch {
                '\r' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            self.press(code)?;
            self.reload()?;
        }
        Ok(())
    }

    /// Reads again and draws one frame of `width` x `height`.
    pub fn render(&mut self, width: u16, height: u16) -> anyhow::Result<Buffer> {
        let data = self.load()?;
        update(&mut self.model, Msg::Resize(width, height));
        update(&mut self.model, Msg::Data(Box::new(data)));
        let mut terminal = Terminal::new(TestBackend::new(width, height))?;
        terminal.draw(|f| view(&self.model, f))?;
        Ok(terminal.backend().buffer().clone())
    }

    /// [`Harness::render`] as text, one line per row, trailing blanks trimmed.
    pub fn text(&mut self, width: u16, height: u16) -> anyhow::Result<String> {
        let buf = self.render(width, height)?;
        let mut out = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        Ok(out)
    }
}
