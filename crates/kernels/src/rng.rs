//! Seeded random numbers: xoshiro128++ for uniform bits, Box-Muller for normals.
//! Deterministic for a seed on every target (no platform float functions in the bit path).

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
