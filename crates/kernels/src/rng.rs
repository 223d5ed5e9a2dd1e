//! Seeded random numbers: xoshiro128++ for uniform bits, Box-Muller for normals.
//! Deterministic for a seed on every target (no platform float functions in the bit path).

/// Size of Rng::state_bytes().
pub const STATE_BYTES: usize = 24;

pub struct Rng { s: [u32; 4], spare: Option<f32> }

impl Rng {
    pub fn new(seed: u64) -> Self {
        // splitmix64 spreads the seed over the state so nearby seeds diverge at once.
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        let a = next();
        let b = next();
        Rng { s: [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32 | 1], spare: None }
    }

    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(7).wrapping_add(s[0]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }

    /// Uniform in [0, 1) with 24 bits of precision, as torch.rand does for float32.
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Standard normal by Box-Muller; the second value of each pair is kept for the next call.
    pub fn normal(&mut self) -> f32 {
        if let Some(v) = self.spare.take() { return v; }
        let u1 = 1.0 - self.uniform(); // (0, 1]: log stays finite
        let u2 = self.uniform();
        let r = libm_sqrt(-2.0 * libm_ln(u1));
        let th = 2.0 * core::f32::consts::PI * u2;
        self.spare = Some(r * crate_sin(th));
        r * crate_cos(th)
    }

    /// The whole state as bytes, so a stream can be saved and resumed exactly (as
    /// torch.get_rng_state): the four xoshiro words, then the cached Box-Muller value
    /// (f32 bits) and a flag saying whether one is cached, then 3 zero bytes.
    pub fn state_bytes(&self) -> [u8; STATE_BYTES] {
        let mut b = [0u8; STATE_BYTES];
        for (i, w) in self.s.iter().enumerate() { b[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes()); }
        if let Some(v) = self.spare {
            b[16..20].copy_from_slice(&v.to_bits().to_le_bytes());
            b[20] = 1;
        }
        b
    }

    /// The generator state_bytes() described, or a message saying why the bytes are not one.
    pub fn from_state_bytes(b: &[u8]) -> Result<Rng, &'static str> {
        if b.len() != STATE_BYTES { return Err("the RNG state must be 24 bytes"); }
        let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let s = [word(0), word(4), word(8), word(12)];
        // xoshiro's all-zero state only ever yields zeros: no generator can reach it.
        if s == [0; 4] { return Err("the RNG state's generator words are all zero"); }
        if b[21..24] != [0, 0, 0] { return Err("the RNG state's reserved bytes 21..24 must be zero"); }
        let spare = match b[20] {
            0 if word(16) == 0 => None,
            1 => Some(f32::from_bits(word(16))),
            _ => return Err("the RNG state's cached-normal flag (byte 20) must be 0 or 1, with no value cached when 0"),
        };
        Ok(Rng { s, spare })
    }

    /// Uniform integer in [low, high). Caller ensures low < high.
    pub fn int_range(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low) as u64;
        // Multiply-shift on 64 bits: bias below 2^-32 for spans this engine allows.
        let x = ((self.next_u32() as u64) << 32) | self.next_u32() as u64;
        low + ((x as u128 * span as u128) >> 64) as i64
    }
}

// no_std has no float math; these thin wrappers use the intrinsics the compiler provides.
#[inline] fn libm_sqrt(x: f32) -> f32 { crate::math::sqrt(x) }
#[inline] fn libm_ln(x: f32) -> f32 { crate::math::ln(x) }
#[inline] fn crate_sin(x: f32) -> f32 { crate::math::sin(x) }
#[inline] fn crate_cos(x: f32) -> f32 { crate::math::cos(x) }

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn state_round_trip_continues_the_stream_exactly() {
        let mut a = Rng::new(42);
        a.normal(); // leaves a cached Box-Muller value
        let saved = a.state_bytes();
        assert_eq!(saved[20], 1);
        let want: Vec<u32> = (0..8).map(|i| if i % 2 == 0 { a.normal().to_bits() } else { a.next_u32() }).collect();
        let mut b = Rng::from_state_bytes(&saved).unwrap();
        let got: Vec<u32> = (0..8).map(|i| if i % 2 == 0 { b.normal().to_bits() } else { b.next_u32() }).collect();
        assert_eq!(got, want);
        assert_eq!(Rng::new(7).state_bytes()[20], 0);
    }

    #[test]
    fn bad_states_are_refused() {
        let good = Rng::new(1).state_bytes();
        assert!(Rng::from_state_bytes(&good[..23]).is_err());
        assert!(Rng::from_state_bytes(&[0u8; STATE_BYTES]).is_err());
        let mut flag = good;
        flag[20] = 2;
        assert!(Rng::from_state_bytes(&flag).is_err());
        let mut stray = good;
        stray[16] = 5; // a cached value without its flag
        assert!(Rng::from_state_bytes(&stray).is_err());
        let mut reserved = good;
        reserved[23] = 1;
        assert!(Rng::from_state_bytes(&reserved).is_err());
    }
}
