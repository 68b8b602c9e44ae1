//! The README's moving picture (`codedeck screenshot --tour`, assets/demo.svg):
//! a scripted session on the demo world telling the story `demo.tape` tells,
//! played through `update()` and drawn by `view()` as the snapshot tests do.
//!
//! The world's clock is fixed; the tour moves it itself, by the speed the
//! header shows times each frame's time, so the picture plays as the
//! dashboard would run at that speed, and regenerating it gives the same bytes.

use anyhow::bail;
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

use super::animation::Frame;
use super::harness::Harness;
use super::{update, view, Msg};
use crate::model::time::Millis;

/// Animation time per frame while nothing is pressed: at 8x, a frame per
/// virtual second, as the header's clock ticks.
const TICK: u32 = 125;

/// One step of a tour.
#[derive(Debug, Clone, Copy)]
pub enum TourStep {
    /// A key, performed as the app loop would (its action, then a read).
    Key(KeyCode),
    /// Typed a character at a time, each shown for `ms`.
    Type(&'static str, u32),
    /// The screen for `ms`, the clock running.
    Hold(u32),
    /// Holds until the screen shows the text, at most `ms`: it must.
    Until(&'static str, u32),
    /// The screen must show this now: the story stays true as the code changes.
    Expect(&'static str),
}

/// Plays `script` on the dashboard `h`, whose world's clock `advance` moves
/// on by virtual milliseconds; the frames.
pub fn play(
    h: Harness,
    size: (u16, u16),
    advance: &dyn Fn(Millis),
    script: &[TourStep],
) -> anyhow::Result<Vec<Frame>> {
    let mut t = Tour {
        h,
        size,
        advance,
        frames: Vec::new(),
    };
    for step in script {
        t.step(*step)?;
    }
    Ok(t.frames)
}

struct Tour<'a> {
    h: Harness,
    size: (u16, u16),
    advance: &'a dyn Fn(Millis),
    frames: Vec<Frame>,
}

impl Tour<'_> {
    fn step(&mut self, step: TourStep) -> anyhow::Result<()> {
        match step {
            TourStep::Key(code) => self.key(code)?,
            TourStep::Type(text, ms) => {
                for c in text.chars() {
                    self.key(KeyCode::Char(c))?;
                    self.hold(ms)?;
                }
            }
            TourStep::Hold(ms) => self.hold(ms)?,
            TourStep::Until(text, most) => self.until(text, most)?,
            TourStep::Expect(text) => {
                let buf = self.shot()?;
                self.expect(&buf, text)?;
            }
        }
        Ok(())
    }

    fn key(&mut self, code: KeyCode) -> anyhow::Result<()> {
        self.h.press(code)?;
        self.h.reload()
    }

    fn hold(&mut self, ms: u32) -> anyhow::Result<()> {
        let mut left = ms;
        while left > 0 {
            let buf = self.shot()?;
            let d = left.min(TICK);
            self.show(buf, d);
            left -= d;
        }
        Ok(())
    }

    fn until(&mut self, text: &str, most: u32) -> anyhow::Result<()> {
        let mut waited = 0;
        loop {
            let buf = self.shot()?;
            if waited >= most || screen_text(&buf).contains(text) {
                // The next step shows the frame that has it.
                return self.expect(&buf, text);
            }
            self.show(buf, TICK);
            waited += TICK;
        }
    }

    fn expect(&self, buf: &Buffer, text: &str) -> anyhow::Result<()> {
        let screen = screen_text(buf);
        if !screen.contains(text) {
            bail!("the tour expected {text:?} on the screen:\n{screen}");
        }
        Ok(())
    }

    /// Keeps `buf` on screen for `ms` while the clock runs at its speed.
    fn show(&mut self, buf: Buffer, ms: u32) {
        self.frames.push(Frame { buf, ms });
        let speed = self.h.model.data.speed;
        (self.advance)((speed * f64::from(ms)).round() as Millis);
    }

    /// Reads and draws the screen now.
    fn shot(&mut self) -> anyhow::Result<Buffer> {
        let mut data = self.h.load()?;
        // The tour runs the clock (`show`); drawn as running at its speed.
        data.paused = false;
        // No tick: drawn at the data's own time.
        update(&mut self.h.model, Msg::Data(Box::new(data)));
        let mut terminal = Terminal::new(TestBackend::new(self.size.0, self.size.1))?;
        terminal.draw(|f| view(&self.h.model, f))?;
        Ok(terminal.backend().buffer().clone())
    }
}

/// The screen as text, a line per row.
fn screen_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

use KeyCode::{Char, Enter, Esc, Right, Tab};
use TourStep::{Expect, Hold, Key, Type, Until};

/// The demo world's tour, the story `demo.tape` tells (keep them together):
/// a Lambda canary shifting traffic, a failed deployment, its diagnostics
/// and automatic rollback, then a new deployment advancing event by event.
pub const DEMO: &[TourStep] = &[
    Expect("Applications[3]"),
    Hold(1600),
    // The first application, checkout-fn: its group, its running canary.
    Key(Enter),
    Expect("Groups(checkout-fn)[1]"),
    Hold(700),
    Key(Enter),
    Expect("Deployments(checkout-fn/live)"),
    Hold(900),
    Key(Enter),
    Expect("10% version 3"),
    Hold(1800),
    // + + +: 64x, the five-minute canary wait goes by.
    Key(Char('+')),
    Hold(250),
    Key(Char('+')),
    Hold(250),
    Key(Char('+')),
    Until("Succeeded  checkout-fn/live", 8000),
    Hold(1000),
    // - - -: back to 8x.
    Key(Char('-')),
    Hold(150),
    Key(Char('-')),
    Hold(150),
    Key(Char('-')),
    Hold(200),
    // esc esc esc: the applications; G: web-shop; its groups, prod's deployments.
    Key(Esc),
    Hold(150),
    Key(Esc),
    Hold(150),
    Key(Esc),
    Hold(250),
    Key(Char('G')),
    Hold(500),
    Key(Enter),
    Expect("Groups(web-shop)[4]"),
    Hold(900),
    Key(Char('j')),
    Hold(250),
    Key(Char('j')),
    Hold(400),
    Key(Enter),
    Expect("Deployments(web-shop/prod)[4]"),
    Hold(1000),
    // The failed v3 under its automatic rollback: its timeline.
    Key(Char('j')),
    Hold(500),
    Key(Enter),
    Expect("Rollback  rolled back by d-"),
    Hold(2000),
    // l: the details: the deployment's error whole and the diagnostics of
    // the failed lifecycle event.
    Key(Char('l')),
    Expect("Details (j/k scroll · esc closes)"),
    Expect("Error code  ScriptFailed"),
    Hold(2600),
    Key(Esc),
    Hold(400),
    // o: the rollback that put v2 back.
    Key(Char('o')),
    Expect("Succeeded  web-shop/prod"),
    Hold(1500),
    // esc: the list; n: a new deployment of the group's revision.
    Key(Esc),
    Hold(600),
    Key(Char('n')),
    Expect("New deployment of web-shop"),
    Hold(900),
    // Group -> Revision -> Config -> Description: type one.
    Key(Tab),
    Key(Tab),
    Key(Tab),
    Type("from the tour", 60),
    Hold(300),
    // Rollback -> Cancel (the safe default) -> Create deployment.
    Key(Tab),
    Key(Tab),
    Hold(300),
    Key(Right),
    Hold(500),
    Key(Enter),
    Expect("created d-"),
    Hold(800),
    // Its timeline, one host at a time until it succeeds.
    Key(Enter),
    Until("Succeeded  web-shop/prod", 20000),
    Hold(2200),
];
