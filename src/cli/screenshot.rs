//! `codedeck screenshot`: the README's pictures, drawn from the dashboard's
//! own buffer on the demo world's fixed clock (the same bytes every time).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::DEFAULT_LISTEN;
use crate::demo;
use crate::tui::harness::Harness;
use crate::tui::{animation, screenshot, tour, ApiStatus};

/// The still picture's size, and the tour's.
const STILL: (u16, u16) = (120, 40);
const TOUR: (u16, u16) = (120, 36);

/// The tour's clock speed, as `demo.tape` runs `codedeck --demo --speed 8`.
const TOUR_SPEED: f64 = 8.0;

pub const STILL_FILE: &str = "assets/screenshot.svg";
pub const TOUR_FILE: &str = "assets/demo.svg";

/// Writes the still picture, or with `tour` the animated one.
pub fn run(out: Option<PathBuf>, tour: bool) -> anyhow::Result<()> {
    let (svg, default) = if tour {
        (tour_svg()?, TOUR_FILE)
    } else {
        (still_svg()?, STILL_FILE)
    };
    let out = out.unwrap_or_else(|| PathBuf::from(default));
    write(&out, &svg)
}

fn write(out: &Path, svg: &str) -> anyhow::Result<()> {
    std::fs::write(out, svg).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), svg.len());
    Ok(())
}

fn harness(size: (u16, u16)) -> anyhow::Result<(Harness, crate::runtime::Runtime)> {
    let source = demo::source()?;
    let runtime = source.runtime().clone();
    let api = ApiStatus::Serving(DEFAULT_LISTEN.into());
    Ok((Harness::new(source, api, false, size)?, runtime))
}

/// The still: the demo world's failed-and-rolled-back deployment.
pub fn still_svg() -> anyhow::Result<String> {
    let (mut h, _) = harness(STILL)?;
    // web-shop, prod, the deployment before the newest (which is its rollback).
    h.keys("G\rjj\rj\r")?;
    let buf = h.render(STILL.0, STILL.1)?;
    Ok(screenshot::svg(&buf))
}

/// The animated tour of the demo world ([`tour::DEMO`]).
pub fn tour_svg() -> anyhow::Result<String> {
    let (h, runtime) = harness(TOUR)?;
    runtime.set_speed(TOUR_SPEED);
    let advance = |ms| {
        runtime.advance(ms);
    };
    let frames = tour::play(h, TOUR, &advance, tour::DEMO)?;
    Ok(animation::svg(
        &frames,
        "codedeck on its demo world: a Lambda canary shifting traffic, a failed deployment, its diagnostics and rollback, a new deployment advancing",
    ))
}
