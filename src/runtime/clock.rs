//! The virtual clock of DESIGN.md "Time": pure arithmetic over wall-clock
//! readings the caller supplies (the runtime reads the wall clock).

use crate::model::time::Millis;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VirtualClock {
    /// Virtual time at the anchor.
    anchor_virtual: Millis,
    /// Wall time at the anchor.
    anchor_wall: Millis,
    speed: f64,
    paused: bool,
}

impl VirtualClock {
    /// Starts at `virtual_start` (never behind the wall clock at 1x) when the wall reads `wall`.
    pub fn new(virtual_start: Millis, wall: Millis, speed: f64) -> Self {
        VirtualClock {
            anchor_virtual: virtual_start,
            anchor_wall: wall,
            speed: sanitize(speed),
            paused: false,
        }
    }

    pub fn now(&self, wall: Millis) -> Millis {
        if self.paused {
            return self.anchor_virtual;
        }
        let elapsed = (wall - self.anchor_wall).max(0) as f64;
        self.anchor_virtual + (elapsed * self.speed) as Millis
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn reanchor(&mut self, wall: Millis) {
        self.anchor_virtual = self.now(wall);
        self.anchor_wall = wall;
    }

    pub fn set_speed(&mut self, wall: Millis, speed: f64) {
        self.reanchor(wall);
        self.speed = sanitize(speed);
    }

    pub fn set_paused(&mut self, wall: Millis, paused: bool) {
        self.reanchor(wall);
        self.paused = paused;
    }

    /// Moves virtual time forward to `to` (single step while paused).
    pub fn jump_to(&mut self, wall: Millis, to: Millis) {
        self.reanchor(wall);
        self.anchor_virtual = self.anchor_virtual.max(to);
    }

    /// Wall milliseconds until virtual time reaches `due` (None while paused).
    pub fn wall_until(&self, wall: Millis, due: Millis) -> Option<Millis> {
        if self.paused {
            return None;
        }
        let ahead = (due - self.now(wall)).max(0) as f64;
        Some((ahead / self.speed).ceil() as Millis)
    }
}

fn sanitize(speed: f64) -> f64 {
    if speed.is_finite() && speed > 0.0 {
        speed.clamp(0.01, 1_000_000.0)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_at_speed_and_pauses() {
        let mut c = VirtualClock::new(1_000, 0, 60.0);
        assert_eq!(c.now(1_000), 61_000);
        c.set_paused(1_000, true);
        assert_eq!(c.now(50_000), 61_000);
        c.jump_to(50_000, 70_000);
        assert_eq!(c.now(60_000), 70_000);
        c.set_paused(60_000, false);
        c.set_speed(60_000, 1.0);
        assert_eq!(c.now(61_000), 71_000);
        assert_eq!(c.wall_until(61_000, 81_000), Some(10_000));
    }
}
