//! Every shipped lesson plays to its end through the engine: stepped like the
//! learner's `.` key, its world actions happen, its captions follow the
//! deployment, and it ends as the lesson says.

use codedeck::model::{DeploymentStatus, DeploymentWaitType};
use codedeck::source::lesson::LessonSource;
use codedeck::source::local::LocalSource;
use codedeck::source::{Action, Request};

/// Plays lesson `name`: the captions seen, in order, and the final status
/// (stopping at Ready).
fn play(name: &str) -> (Vec<String>, DeploymentStatus, LessonSource, String) {
    play_on(name, false)
}

/// Plays lesson `name`; with `through`, a Ready wait is continued (`C`):
/// the captions as they changed.
fn play_on(name: &str, through: bool) -> (Vec<String>, DeploymentStatus, LessonSource, String) {
    let (steps, status, source, id) = play_steps(name, through);
    let mut captions: Vec<String> = Vec::new();
    for c in steps {
        if captions.last() != Some(&c) {
            captions.push(c);
        }
    }
    (captions, status, source, id)
}

/// Where every lesson of these tests starts: 2023-11-14 22:13:20 UTC, so
/// the screens pinned are the same on every run.
const ORIGIN: i64 = 1_700_000_000_000;

/// Lesson `name` opened as the dashboard opens it, paused at [`ORIGIN`].
fn open(name: &str) -> codedeck::lessons::Opened {
    let lesson = codedeck::lessons::load(name).expect("lesson");
    codedeck::lessons::open(lesson, None, ORIGIN, &format!("lesson {name}")).expect("start")
}

/// Plays lesson `name`: the caption at every step, and the final status.
fn play_steps(name: &str, through: bool) -> (Vec<String>, DeploymentStatus, LessonSource, String) {
    let codedeck::lessons::Opened {
        source,
        runtime,
        deployment,
        ..
    } = open(name);
    let req = Request {
        deployment: Some(deployment.clone()),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio");
    let read = |src: &LessonSource| {
        rt.block_on(codedeck::source::Source::load(src, req.clone()))
            .expect("read")
    };
    let mut captions: Vec<String> = Vec::new();
    let mut status = DeploymentStatus::Created;
    for _ in 0..2_000 {
        let data = read(&source);
        captions.push(data.caption.clone().expect("a caption"));
        status = data
            .detail
            .as_ref()
            .and_then(|d| d.info.status.clone())
            .unwrap_or(DeploymentStatus::Created);
        if through && status == DeploymentStatus::Ready {
            let out = source.perform_for_test(Action::Continue {
                id: deployment.clone(),
                wait: DeploymentWaitType::ReadyWait,
            });
            assert!(out.is_ok(), "{out:?}");
            continue;
        }
        if status.is_final() || status == DeploymentStatus::Ready {
            break;
        }
        if runtime.step().is_none() {
            break;
        }
    }
    (captions, status, source, deployment)
}

fn seen(captions: &[String], needle: &str) -> bool {
    captions.iter().any(|c| c.contains(needle))
}

#[test]
fn batches_succeeds_with_one_host_failed() {
    let (captions, status, _, _) = play("batches");
    assert_eq!(status, DeploymentStatus::Succeeded, "{captions:#?}");
    assert!(
        seen(&captions, "Batches: The deployment is created"),
        "{captions:#?}"
    );
    assert!(seen(&captions, "ValidateService"), "{captions:#?}");
    assert!(seen(&captions, "3 of 4 stayed healthy"), "{captions:#?}");
}

#[test]
fn rollback_fails_and_rolls_back() {
    let (captions, status, _, _) = play("rollback");
    assert_eq!(status, DeploymentStatus::Failed, "{captions:#?}");
    assert!(seen(&captions, "Queued"), "{captions:#?}");
    assert!(seen(&captions, "host just broke"), "{captions:#?}");
    assert!(seen(&captions, "Automatic rollback"), "{captions:#?}");
}

#[test]
fn an_alarm_stops_the_deployment() {
    let (captions, status, _, _) = play("alarm");
    assert_eq!(status, DeploymentStatus::Stopped, "{captions:#?}");
    assert!(seen(&captions, "ALARM_ACTIVE"), "{captions:#?}");
}

#[test]
fn a_canary_with_a_failing_hook_goes_back() {
    let (captions, status, _, _) = play("canary");
    assert_eq!(status, DeploymentStatus::Failed, "{captions:#?}");
    assert!(seen(&captions, "10% of invocations"), "{captions:#?}");
    assert!(
        seen(&captions, "answers Failed") || seen(&captions, "a hook said so"),
        "{captions:#?}"
    );
}

#[test]
fn ecs_waits_in_ready_until_continued() {
    let (captions, status, source, id) = play("ecs-ready");
    assert_eq!(status, DeploymentStatus::Ready, "{captions:#?}");
    assert!(seen(&captions, "test listener"), "{captions:#?}");
    assert!(
        seen(&captions, "press C") || seen(&captions, "Press C"),
        "{captions:#?}"
    );
    let out = source.perform_for_test(Action::Continue {
        id,
        wait: DeploymentWaitType::ReadyWait,
    });
    assert!(out.is_ok(), "{out:?}");
}

#[test]
fn blue_green_moves_traffic_and_waits_to_terminate() {
    let (captions, status, _, _) = play("blue-green");
    assert_eq!(status, DeploymentStatus::Succeeded, "{captions:#?}");
    assert!(seen(&captions, "BlockTraffic"), "{captions:#?}");
    assert!(seen(&captions, "termination wait"), "{captions:#?}");
}

#[test]
fn zones_go_one_at_a_time_with_monitor_waits() {
    let (captions, status, _, _) = play("zones");
    assert_eq!(status, DeploymentStatus::Succeeded, "{captions:#?}");
    let order: Vec<usize> = [
        "Zone us-east-1a goes first",
        "Monitor wait",
        "Zone us-east-1b",
        "Zone us-east-1c",
        "Succeeded: three zones",
    ]
    .iter()
    .map(|needle| {
        captions
            .iter()
            .position(|c| c.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} never shown: {captions:#?}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{captions:#?}");
}

#[test]
fn the_dashboard_shows_the_zone_and_its_monitor_wait() {
    let (mut h, runtime) = on_screen("zones", (120, 40));
    let mut deploying = false;
    for _ in 0..200 {
        let text = h.text(120, 40).expect("render");
        if text.contains("Zone    us-east-1a deploying") {
            deploying = true;
        }
        if text.contains("Zone    us-east-1a deployed · monitor wait: next zone in 5m00s") {
            assert!(deploying, "the zone deploying was shown first");
            return;
        }
        runtime.step().expect("a step");
    }
    panic!("no monitor wait on screen");
}

/// Paused in `batches`, the next-step line says what the step will change
/// on screen, and the step then says the same: never "nothing to report"
/// on a step that moves the timeline (at least nine of every ten steps).
#[test]
fn batches_narrates_each_step_as_the_step_then_happens() {
    let opened = open("batches");
    let runtime = opened.runtime.clone();
    let source = LocalSource::new(runtime.clone());
    let req = Request {
        deployment: Some(opened.deployment.clone()),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio");
    let mut named = 0;
    let mut steps = 0;
    for _ in 0..10 {
        let data = rt
            .block_on(codedeck::source::Source::load(&source, req.clone()))
            .expect("read");
        let Some(next) = data.next_step else {
            break;
        };
        let report = runtime.step_report().expect("a step");
        steps += 1;
        assert_eq!(report.now, next.due, "the step goes where the preview said");
        assert_eq!(
            report.said, next.said,
            "the step says what the preview said"
        );
        if next
            .said
            .iter()
            .any(|l| l.contains(" starts") || l.contains(" succeeded") || l.contains(" failed"))
        {
            named += 1;
        }
    }
    assert_eq!(steps, 10);
    assert!(named >= 9, "{named} of {steps} steps named a change");
}

/// Every caption of every shipped lesson is shown at least once when the
/// lesson is played to its end (a Ready wait is continued, as `C` does).
#[test]
fn every_caption_of_every_lesson_is_shown() {
    let mut never: Vec<String> = Vec::new();
    for (name, text) in codedeck::source::lesson::LESSONS {
        let lesson = codedeck::source::lesson::Lesson::parse(text).expect("lesson");
        let (captions, _, _, _) = play_on(name, true);
        for c in &lesson.captions {
            if !captions.iter().any(|shown| shown.ends_with(&c.text)) {
                never.push(format!("{name}: {} {:?}", c.when, c.text));
            }
        }
    }
    assert!(never.is_empty(), "never shown:\n{}", never.join("\n"));
}

/// No lesson's caption flickers: two captions never alternate step by step
/// (A, B, A, B reads as a glitch; a caption coming back in a later batch is
/// the lesson moving on).
#[test]
fn captions_do_not_flicker() {
    for (name, _) in codedeck::source::lesson::LESSONS {
        let steps = captions_by_step(name);
        for w in steps.windows(4) {
            let alternates = w[0] == w[2] && w[1] == w[3] && w[0] != w[1];
            assert!(!alternates, "{name}: {:?} and {:?} alternate", w[0], w[1]);
        }
    }
}

/// The caption at every step of lesson `name` played to its end.
fn captions_by_step(name: &str) -> Vec<String> {
    play_steps(name, true).0
}

/// At the end of blue-green the caption says the Blue instances are gone;
/// the screen says so too.
#[test]
fn blue_greens_originals_show_as_terminated_at_the_end() {
    let (mut h, runtime) = on_screen("blue-green", (160, 45));
    let text = h.text(160, 45).expect("render");
    assert!(
        !text.contains("terminated "),
        "nothing terminated yet: {text}"
    );
    while runtime.step().is_some() {}
    h.reload().expect("read");
    let text = h.text(160, 45).expect("render");
    assert!(text.contains("Blue instances are gone"), "{text}");
    assert!(text.contains("Blue · original[2] · 2 terminated"), "{text}");
}

/// A caption's `focus` puts the cursor on what it talks about, once: in
/// batches, "l there shows the script's output" opens the broken host's
/// ValidateService, and moving away is not undone by the next read.
#[test]
fn a_caption_focus_moves_the_cursor_to_what_it_talks_about() {
    let (mut h, runtime) = on_screen("batches", (160, 45));
    for _ in 0..200 {
        h.reload().expect("read");
        if h.model.data.focus.is_some() {
            break;
        }
        runtime.step().expect("a step");
    }
    let d = h.model.data.detail.clone().expect("timeline");
    let row = &d.targets[h.model.target.selected];
    assert_eq!(row.id, "i-0000000000000a004");
    let event = h
        .model
        .selected_event()
        .and_then(|e| e.lifecycle_event_name.clone());
    assert_eq!(event.as_deref(), Some("ValidateService"));
    h.keys("k").expect("move up");
    let moved = h.model.target.selected;
    h.reload().expect("read again");
    assert_eq!(h.model.target.selected, moved, "the learner's move stands");
}

/// Lesson `name` on the dashboard (`width`x`height`), its deployment's
/// timeline open, paused at the start: the harness and the runtime to step.
fn on_screen(
    name: &str,
    size: (u16, u16),
) -> (codedeck::tui::harness::Harness, codedeck::runtime::Runtime) {
    let started = open(name);
    let runtime = started.runtime.clone();
    let source = std::sync::Arc::new(started.source);
    let api = codedeck::tui::ApiStatus::Off;
    let mut h = codedeck::tui::harness::Harness::new(source, api, false, size).expect("dashboard");
    h.keys(&format!(":{}\r", started.deployment)).expect("open");
    (h, runtime)
}

/// A finished canary (and its rollback) counts no shift down: the steps it
/// never took are shown skipped.
#[test]
fn a_finished_canary_counts_nothing_down() {
    let (mut h, runtime) = on_screen("canary", (120, 40));
    while runtime.step().is_some() {}
    h.reload().expect("read");
    let text = h.text(120, 40).expect("render");
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains("Shifts"), "{text}");
    assert!(!text.contains("next shift in"), "{text}");
    h.keys("o").expect("the rollback");
    let text = h.text(120, 40).expect("render");
    assert!(!text.contains("next shift in"), "{text}");
}

/// Presses `.` as a learner does until the clock moves (a long wait asks for
/// a second press); false when nothing is left to step to.
fn press_step(h: &mut codedeck::tui::harness::Harness) -> bool {
    for _ in 0..3 {
        let before = h.model.data.now;
        h.keys(".").expect("step");
        if h.model.data.now != before {
            return true;
        }
        if h.model.data.next_step.is_none() {
            return false;
        }
    }
    false
}

/// What the dashboard shows, without the line the last key flashed.
fn screen_of(h: &mut codedeck::tui::harness::Harness, size: (u16, u16)) -> String {
    h.model.flash = None;
    h.text(size.0, size.1).expect("render")
}

/// What a screen shows of the lesson: without the line about the event
/// under the cursor (the cursor is the learner's: a step back leaves it).
fn lesson_part(screen: &str) -> String {
    let mut lines: Vec<&str> = screen.lines().collect();
    let footer = lines.pop().unwrap_or_default();
    lines.pop();
    lines.push(footer);
    lines.join("\n")
}

/// A lesson on the dashboard, `.` pressed to its end (a Ready wait
/// continued with `C`): the caption and the screen at every step, from the
/// start.
fn screens_to_the_end(
    h: &mut codedeck::tui::harness::Harness,
    size: (u16, u16),
) -> Vec<(String, String)> {
    let moment = |h: &mut codedeck::tui::harness::Harness| {
        let screen = screen_of(h, size);
        (h.model.data.caption.clone().expect("a caption"), screen)
    };
    let mut moments = vec![moment(h)];
    for _ in 0..500 {
        let status = h
            .model
            .data
            .detail
            .as_ref()
            .and_then(|d| d.info.status.clone());
        if status == Some(DeploymentStatus::Ready) {
            h.keys("C\t\r").expect("continue");
        }
        if !press_step(h) {
            break;
        }
        moments.push(moment(h));
    }
    moments
}

/// `,` goes back one step at a time to the lesson's start, each screen the
/// one that step showed going forward (the break the lesson does on its way
/// undone and done again), and `.` then replays the same steps.
#[test]
fn stepping_back_shows_each_earlier_step_again_and_forward_repeats_it() {
    let size = (140, 40);
    let (mut h, _) = on_screen("batches", size);
    let forward: Vec<String> = screens_to_the_end(&mut h, size)
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert!(forward.len() > 10, "{} steps", forward.len());
    assert!(forward.last().is_some_and(|s| s.contains("Succeeded")));
    for i in (0..forward.len() - 1).rev() {
        h.keys(",").expect("step back");
        assert_eq!(
            lesson_part(&screen_of(&mut h, size)),
            lesson_part(&forward[i]),
            "back at step {i}"
        );
    }
    h.keys(",").expect("step back at the start");
    let said = h.model.flash.clone().map(|f| f.0);
    assert!(
        said.as_deref()
            .is_some_and(|s| s.contains("lesson's start")),
        "{said:?}"
    );
    let again: Vec<String> = screens_to_the_end(&mut h, size)
        .iter()
        .map(|m| lesson_part(&m.1))
        .collect();
    let forward: Vec<String> = forward.iter().map(|s| lesson_part(s)).collect();
    assert_eq!(again, forward, "forward again is the same lesson");
}

/// What the learner did is replayed too: `C` on a Ready wait, then steps,
/// then `,` back to before it: the deployment waits in Ready again, and the
/// step after the continue shows again when continued again.
#[test]
fn stepping_back_undoes_and_keeps_what_the_learner_did() {
    let size = (140, 40);
    let (mut h, _) = on_screen("ecs-ready", size);
    while h
        .model
        .data
        .detail
        .as_ref()
        .and_then(|d| d.info.status.clone())
        != Some(DeploymentStatus::Ready)
    {
        assert!(press_step(&mut h), "the lesson reaches Ready");
    }
    let waiting = lesson_part(&screen_of(&mut h, size));
    h.keys("C\t\r").expect("continue");
    assert!(press_step(&mut h));
    let continued = lesson_part(&screen_of(&mut h, size));
    assert!(press_step(&mut h));
    h.keys(",").expect("back");
    assert_eq!(
        lesson_part(&screen_of(&mut h, size)),
        continued,
        "the continue is kept"
    );
    h.keys(",").expect("back");
    assert_eq!(
        lesson_part(&screen_of(&mut h, size)),
        waiting,
        "back before the continue"
    );
    h.keys("C\t\r").expect("continue again");
    assert!(press_step(&mut h));
    assert_eq!(lesson_part(&screen_of(&mut h, size)), continued);
}

/// `,` belongs to lessons: the footer offers it there, and elsewhere the key
/// says where it works instead of acting.
#[test]
fn the_step_keys_are_offered_in_a_lesson_only() {
    let (mut h, _) = on_screen("batches", (140, 40));
    let text = h.text(140, 40).expect("render");
    let footer = text.lines().last().expect("a footer");
    assert!(
        footer.contains(". step") && footer.contains(", back"),
        "{footer}"
    );
    let demo = codedeck::runtime::Runtime::open(codedeck::runtime::RuntimeOptions::fixed(ORIGIN))
        .expect("runtime");
    let source = std::sync::Arc::new(LocalSource::new(demo));
    let api = codedeck::tui::ApiStatus::Off;
    let mut h = codedeck::tui::harness::Harness::new(source, api, false, (140, 40)).expect("tui");
    let text = h.text(140, 40).expect("render");
    assert!(!text.contains(", back"), "{text}");
    h.keys(",").expect("key");
    let said = h.model.flash.clone().map(|f| f.0);
    assert!(
        said.as_deref()
            .is_some_and(|s| s.contains("codedeck lesson")),
        "{said:?}"
    );
}

/// Every shipped lesson on the dashboard, `.` pressed to its end: the
/// screen at the first moment of each caption is pinned, so what a caption
/// claims can be read next to what the screen shows then.
#[test]
fn each_captions_first_moment_is_pinned() {
    let size = (120, 36);
    for (name, _) in codedeck::source::lesson::LESSONS {
        let (mut h, _) = on_screen(name, size);
        let mut seen = std::collections::HashSet::new();
        for (caption, screen) in screens_to_the_end(&mut h, size) {
            if seen.insert(caption) {
                insta::assert_snapshot!(format!("{name}_{:02}", seen.len()), screen);
            }
        }
    }
}
