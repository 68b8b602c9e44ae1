//! Every lifecycle event the engine runs, on every compute platform, has an
//! explanation written for that platform.

use codedeck::engine::lifecycle::{
    SERVER_BLUE_GREEN_ALLOW, SERVER_BLUE_GREEN_BLUE, SERVER_BLUE_GREEN_GREEN, SERVER_IN_PLACE_LB,
};
use codedeck::engine::shift::{ECS_EVENTS, LAMBDA_EVENTS};
use codedeck::model::explain::explain;
use codedeck::model::ComputePlatform;

#[test]
fn every_platform_and_event_is_explained() {
    let server = SERVER_IN_PLACE_LB
        .iter()
        .chain(SERVER_BLUE_GREEN_GREEN.iter())
        .chain(SERVER_BLUE_GREEN_BLUE.iter())
        .chain(SERVER_BLUE_GREEN_ALLOW.iter());
    let cases = server
        .map(|e| (ComputePlatform::Server, *e))
        .chain(LAMBDA_EVENTS.iter().map(|e| (ComputePlatform::Lambda, *e)))
        .chain(ECS_EVENTS.iter().map(|e| (ComputePlatform::Ecs, *e)));
    for (platform, event) in cases {
        let text = explain(&platform, event.as_str());
        assert!(!text.is_empty(), "{platform} {event} has no explanation");
    }
}

#[test]
fn lambda_and_ecs_are_not_explained_as_ec2() {
    for event in LAMBDA_EVENTS {
        assert_ne!(
            explain(&ComputePlatform::Lambda, event.as_str()),
            explain(&ComputePlatform::Server, event.as_str()),
            "Lambda {event}"
        );
        assert!(!explain(&ComputePlatform::Lambda, event.as_str()).contains("instance"));
    }
    for event in ECS_EVENTS {
        assert_ne!(
            explain(&ComputePlatform::Ecs, event.as_str()),
            explain(&ComputePlatform::Server, event.as_str()),
            "ECS {event}"
        );
    }
    assert!(explain(&ComputePlatform::Ecs, "Install").contains("replacement"));
    assert!(explain(&ComputePlatform::Ecs, "AllowTestTraffic").contains("test listener"));
    assert!(explain(&ComputePlatform::Lambda, "BeforeAllowTraffic")
        .contains("before any traffic moves"));
}
