//! Timestamps: virtual epoch milliseconds inside, epoch seconds with a
//! millisecond fraction on the wire (`1446232639.487`), as AWS sends them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds since the Unix epoch on the engine's virtual clock.
pub type Millis = i64;

/// One minute in milliseconds.
pub const MINUTE: Millis = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub Millis);

impl Timestamp {
    pub fn millis(self) -> Millis {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The string form used in SNS trigger payloads: `"1446744188.595"`.
    pub fn to_epoch_string(self) -> String {
        format!("{}.{:03}", self.0.div_euclid(1000), self.0.rem_euclid(1000))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_secs_f64())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() {
            return Err(serde::de::Error::custom(
                "timestamp must be a finite number",
            ));
        }
        Ok(Timestamp((secs * 1000.0).round() as Millis))
    }
}

/// Wall-clock epoch milliseconds: what the runtime anchors the virtual
/// clock to and clients of a remote CodeDeploy stamp their own doings with
/// (the engine never reads it).
pub fn wall_now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX))
        .unwrap_or(0)
}

/// `HH:MM:SS` of a virtual time (UTC).
pub fn clock_time(ms: Millis) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `YYYY-MM-DD` of a virtual time (UTC).
pub fn date(ms: Millis) -> String {
    // Days to civil date (Howard Hinnant's algorithm).
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `4s`, `2m05s`, `1h02m` of a span of milliseconds.
pub fn duration_words(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

/// `2026-12-03T10:00:00Z` of a time (UTC).
pub fn iso(ms: Millis) -> String {
    format!("{}T{}Z", date(ms), clock_time(ms))
}

/// `2026-12-03T10:00:00.250Z` of a time (UTC).
pub fn iso_millis(ms: Millis) -> String {
    format!(
        "{}T{}.{:03}Z",
        date(ms),
        clock_time(ms),
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_epoch_seconds_with_millis() {
        let t = Timestamp(1_446_232_639_487);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1446232639.487");
        assert_eq!(t.to_epoch_string(), "1446232639.487");
        let back: Timestamp = serde_json::from_str("1446232639.487").unwrap();
        assert_eq!(back, t);
        let whole: Timestamp = serde_json::from_str("1446232639").unwrap();
        assert_eq!(whole, Timestamp(1_446_232_639_000));
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }
}
