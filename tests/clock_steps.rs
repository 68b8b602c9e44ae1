//! The paused clock's preview: what the dashboard says the next `.` will do
//! is exactly what the step then does, at every step of the demo world until
//! nothing is left to run.

use codedeck::runtime::ScreenCache;
use codedeck::source::Request;

#[test]
fn the_preview_says_exactly_what_each_step_does() {
    let rt = codedeck::demo::fixed().expect("demo");
    rt.pause(true);
    let req = Request::default();
    let mut cache = ScreenCache::default();
    let mut steps = 0;
    let mut long_waits = 0;
    loop {
        let data = rt.screen(&req, &mut cache).expect("screen");
        let Some(next) = data.next_step else {
            assert!(rt.step_report().is_none(), "a step without a preview");
            break;
        };
        let report = rt.step_report().expect("the preview promised a step");
        assert_eq!(report.now, next.due, "step {steps} lands elsewhere");
        assert_eq!(report.said, next.said, "step {steps} says something else");
        if report.moved >= codedeck::tui::update::LONG_STEP {
            long_waits += 1;
        }
        steps += 1;
        assert!(steps < 10_000, "the demo never settles");
    }
    assert!(
        steps >= 3,
        "the demo's live deployments take steps: {steps}"
    );
    assert!(long_waits > 0, "the canary waits minutes between shifts");
    // Running, the clock has no preview: it would be stale at once.
    rt.pause(false);
    let data = rt.screen(&req, &mut cache).expect("screen");
    assert_eq!(data.next_step, None);
}
