//! Dashboard rendering benchmarks.
//!
//! * `render/frame/{100,1000,10000}`: one whole frame (`view()` into a 120x40
//!   `TestBackend`, diff included) of the deployment list with N deployments in
//!   the selected group. Target at 10,000: under 2 ms.
//! * `render/scroll/{100,1000,10000}`: a `j` key through `update()` and the
//!   frame after it (the selection moves, so the rows redraw).
//! * `refresh/10000_finished_10_active`: one refresh of the deployment list as
//!   the dashboard does it (the runtime's read view of the selected group with
//!   10,000 finished and 10 unfinished deployments, then `update()` taking the
//!   data in), cache warm. `refresh/first_read_10000` is the first read of
//!   that group (the whole history, once). A refresh costs what changed.
//! * Before the benchmarks, a counting global allocator measures, per size, the
//!   model's heap (bytes held by the model with its N rows), and per frame the
//!   bytes allocated, the number of allocations and the bytes still held after
//!   the frame. A frame draws only the visible rows, so its cost stays flat
//!   while N grows 100-fold.
//!
//! Run with `cargo bench --bench render`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use std::sync::Arc;

use codedeck::model::*;
use codedeck::source::local::LocalSource;
use codedeck::source::{DeploymentList, DeploymentRow, Request};
use codedeck::tui::harness::Harness;
use codedeck::tui::{update, view, ApiStatus, Model, Msg};
use criterion::{criterion_group, BenchmarkId, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Counts live heap bytes, and bytes and calls allocated in all.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        TOTAL.fetch_add(layout.size(), Relaxed);
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: the caller's layout, passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        TOTAL.fetch_add(new_size, Relaxed);
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const W: u16 = 120;
const H: u16 = 40;

/// The demo world's web-shop/prod list, grown to `n` deployments (mixed
/// statuses, a few running), as the model holds it after a read.
fn model(n: usize) -> Model {
    let src = codedeck::demo::source().expect("demo");
    let mut h = Harness::new(src, ApiStatus::Off, false, (W, H)).expect("harness");
    h.keys("G\rjj\r").expect("navigate to web-shop/prod");
    let mut data = h.load().expect("load");
    let real: Vec<DeploymentRow> = data.deployments.iter().cloned().collect();
    assert!(!real.is_empty(), "the demo's prod group has deployments");
    let rows = (0..n).map(|i| {
        let mut r: DeploymentRow = real[i % real.len()].clone();
        r.id = format!("d-{:09}", n - i);
        let age = i as i64 * 90_000;
        r.created -= age;
        r.started = r.started.map(|t| t - age);
        r.completed = r.completed.map(|t| t - age);
        if i % 97 == 0 {
            r.status = DeploymentStatus::InProgress;
            r.completed = None;
        }
        r
    });
    let (mut active, mut finished): (Vec<_>, Vec<_>) = rows.partition(|r| !r.status.is_final());
    // As the sources build them: no spare capacity.
    active.shrink_to_fit();
    finished.shrink_to_fit();
    data.deployments = DeploymentList {
        active,
        finished: Arc::new(finished),
    };
    let mut m = h.model;
    update(&mut m, Msg::Data(Box::new(data)));
    assert_eq!(m.visible.len(), n);
    m
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).expect("terminal")
}

fn frame(t: &mut Terminal<TestBackend>, m: &Model) {
    t.draw(|f| view(black_box(m), f)).expect("draw");
}

fn key_down(m: &mut Model) {
    let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    update(m, Msg::Key(down));
    if m.list.selected + 1 >= m.visible.len() {
        update(
            m,
            Msg::Key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE)),
        );
    }
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The memory table: the model's heap per size, and what one frame allocates.
fn memory_report() {
    println!();
    println!("render memory (counting allocator; 120x40, deployment list)");
    println!(
        "{:>7} {:>12} {:>10} {:>14} {:>12} {:>14} {:>10}",
        "N", "model heap", "per row", "frame alloc", "frame calls", "frame retained", "RSS"
    );
    for n in SIZES {
        let before = LIVE.load(Relaxed);
        let m = model(n);
        // What stays allocated for the model (the demo source is dropped by now).
        let held = LIVE.load(Relaxed).saturating_sub(before);
        let mut t = terminal();
        let mut m = m;
        // Warm up: the terminal's buffers and the first full diff.
        for _ in 0..3 {
            frame(&mut t, &m);
            key_down(&mut m);
        }
        const FRAMES: usize = 200;
        let (live0, total0, calls0) =
            (LIVE.load(Relaxed), TOTAL.load(Relaxed), CALLS.load(Relaxed));
        for _ in 0..FRAMES {
            key_down(&mut m);
            frame(&mut t, &m);
        }
        let retained = LIVE.load(Relaxed) as isize - live0 as isize;
        let per_frame = (TOTAL.load(Relaxed) - total0) / FRAMES;
        let calls = (CALLS.load(Relaxed) - calls0) / FRAMES;
        println!(
            "{:>7} {:>9} KiB {:>8} B {:>10} KiB {:>12} {:>12} B {:>6} MiB",
            n,
            held / 1024,
            held / n,
            per_frame / 1024,
            calls,
            retained / FRAMES as isize,
            rss_kb() / 1024,
        );
        drop(m);
    }
    println!();
}

fn render_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for n in SIZES {
        let m = model(n);
        let mut t = terminal();
        frame(&mut t, &m);
        g.bench_with_input(BenchmarkId::new("frame", n), &m, |b, m| {
            b.iter(|| frame(&mut t, m))
        });
        let mut m = m;
        g.bench_function(BenchmarkId::new("scroll", n), |b| {
            b.iter(|| {
                key_down(&mut m);
                frame(&mut t, &m);
            })
        });
    }
    g.finish();
}

/// The history world of `codedeck::demo::history` as the local source sees it.
fn history(finished: usize, active: usize) -> (Arc<LocalSource>, Request) {
    let (rt, req) = codedeck::demo::history(finished, active).expect("history");
    (Arc::new(LocalSource::new(rt)), req)
}

fn refresh_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("refresh");
    g.sample_size(20);
    let (src, req) = history(10_000, 10);
    let first = src.read(&req).expect("read");
    assert_eq!(first.deployments.finished.len(), 10_000);
    assert_eq!(first.deployments.active.len(), 10);
    let mut m = Model::new("bench".into(), ApiStatus::Off, false, true);
    update(&mut m, Msg::Resize(W, H));
    update(&mut m, Msg::Data(Box::new(first)));
    g.bench_function("10000_finished_10_active", |b| {
        b.iter(|| {
            let d = src.read(black_box(&req)).expect("read");
            update(&mut m, Msg::Data(Box::new(d)));
        })
    });
    g.bench_function("first_read_10000", |b| {
        b.iter_batched(
            || LocalSource::new(src.runtime().clone()),
            |fresh| fresh.read(&req).expect("read"),
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, render_benches, refresh_benches);

fn main() {
    memory_report();
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
