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
}
