//! Deterministic randomness: every draw is a pure hash of the seed and a label,
//! so replaying the same inputs (or resuming from the store) gives the same draws.

/// splitmix64 finaliser.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of the seed and any number of string/number parts.
pub fn draw(seed: u64, parts: &[&str]) -> u64 {
    let mut h = mix(seed);
    for part in parts {
        for chunk in part.as_bytes().chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            h = mix(h ^ u64::from_le_bytes(word));
        }
        h = mix(h ^ 0xff);
    }
    h
}

/// A value in `[lo, hi]` from a draw.
pub fn in_range(bits: u64, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    lo + (bits % ((hi - lo) as u64 + 1)) as i64
}
