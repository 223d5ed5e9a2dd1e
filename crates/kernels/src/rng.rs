//! PyTorch's CPU generator, bit for bit: the mt19937 engine of ATen's CPUGeneratorImpl and the
//! transforms torch 1.13's CPU kernels apply to its draws (as built for x86-64 with AVX2, the
//! capability PyTorch's wheels and Debian's build dispatch to), so `manualSeed(s)` followed by
//! the same calls gives the same numbers as `torch.manual_seed(s)`. tests/rng.test.ts checks
//! each against fixtures from PyTorch (scripts/gen_rng_fixtures.py).

/// Size of Rng::state_bytes(): torch.get_rng_state()'s layout (CPUGeneratorImplState).
pub const STATE_BYTES: usize = 5056;
/// The seed torch's default CPU generator starts from (c10's default_rng_seed_val).
pub const TORCH_DEFAULT_SEED: u64 = 67_280_421_310_721;

const N: usize = 624;
const M: usize = 397;

pub struct Rng {
    seed: u64,
    state: [u32; N],
    left: u32,
    next: u32,
    /// The second value of the last Box-Muller pair of the scalar (double) normal path.
    normal: Option<f64>,
    /// torch's float-normal cache: no CPU kernel here uses it; kept so states round-trip.
    float_normal: Option<f32>,
}

impl Rng {
    /// mt19937 seeded as torch.manual_seed does: the low 32 bits start the state, and any
    /// cached normal is dropped.
    pub fn new(seed: u64) -> Self {
        let mut state = [0u32; N];
        state[0] = seed as u32;
        for j in 1..N {
            let p = state[j - 1];
            state[j] = 1_812_433_253u32.wrapping_mul(p ^ (p >> 30)).wrapping_add(j as u32);
        }
        Rng { seed, state, left: 1, next: 0, normal: None, float_normal: None }
    }

    fn twist(u: u32, v: u32) -> u32 {
        let mixbits = (u & 0x8000_0000) | (v & 0x7fff_ffff);
        (mixbits >> 1) ^ if v & 1 != 0 { 0x9908_b0df } else { 0 }
    }

    fn next_state(&mut self) {
        let s = &mut self.state;
        for i in 0..N - M { s[i] = s[i + M] ^ Self::twist(s[i], s[i + 1]); }
        for i in N - M..N - 1 { s[i] = s[i + M - N] ^ Self::twist(s[i], s[i + 1]); }
        s[N - 1] = s[M - 1] ^ Self::twist(s[N - 1], s[0]);
        self.left = N as u32;
        self.next = 0;
    }

    /// One 32-bit draw (CPUGeneratorImpl::random).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.left -= 1;
        if self.left == 0 { self.next_state(); }
        let mut y = self.state[self.next as usize];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Two draws, the first as the high word (CPUGeneratorImpl::random64).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let hi = self.next_u32() as u64;
        (hi << 32) | self.next_u32() as u64
    }

    /// Uniform float in [0, 1): the low 24 bits of one draw (uniform_real_distribution<float>).
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() & 0x00ff_ffff) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform float in [from, to), as tensor.uniform_(from, to) on a float tensor: the bounds
    /// rounded to float, then x * (to - from) + from fused (GCC contracts it under AVX2).
    #[inline]
    pub fn uniform_range(&mut self, from: f32, to: f32) -> f32 {
        fmaf(self.uniform(), to - from, from)
    }

    /// Uniform double in [0, 1): the low 53 bits of random64 (uniform_real_distribution<double>).
    #[inline]
    pub fn uniform_f64(&mut self) -> f64 {
        (self.next_u64() & ((1u64 << 53) - 1)) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// True with probability p (bernoulli_distribution<double>: one uniform double < p).
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool { self.uniform_f64() < p }

    /// random_from_to: a draw modulo the range, plus low; 64-bit draws for ranges of 2^32 or more
    /// (torch.randint's int64 default).
    #[inline]
    pub fn int_from_to(&mut self, low: i64, range: u64) -> i64 {
        let v = if range >= 1u64 << 32 { self.next_u64() } else { self.next_u32() as u64 };
        (v % range) as i64 + low
    }

    /// One normal from the scalar path (normal_distribution<double>): Box-Muller on two uniform
    /// doubles, the sine half cached for the next call.
    pub fn normal_f64(&mut self, mean: f64, std: f64) -> f64 {
        if let Some(v) = self.normal.take() { return v * std + mean; }
        let u1 = self.uniform_f64();
        let u2 = self.uniform_f64();
        let r = sqrt64(-2.0 * log64(1.0 - u2));
        let theta = 2.0 * core::f64::consts::PI * u1;
        self.normal = Some(r * sin64(theta));
        r * cos64(theta) * std + mean
    }

    /// Fills `out` as normal_ does a float tensor: 16 values or more take the vectorised path
    /// (uniforms first, then Box-Muller in blocks of 16 with avx_mathfun's log and sincos, the
    /// last 16 redrawn and redone when the size is not a multiple of 16); fewer take the
    /// scalar double path one by one.
    pub fn normal_fill(&mut self, out: &mut [f32], mean: f64, std: f64) {
        let n = out.len();
        if n < 16 {
            for v in out.iter_mut() { *v = self.normal_f64(mean, std) as f32; }
            return;
        }
        let (mean, std) = (mean as f32, std as f32);
        for v in out.iter_mut() { *v = self.uniform(); }
        for block in out.chunks_exact_mut(16) { normal_fill_16(block, mean, std); }
        if n % 16 != 0 {
            let tail = &mut out[n - 16..];
            for v in tail.iter_mut() { *v = self.uniform(); }
            normal_fill_16(tail, mean, std);
        }
    }

    /// Fills `out` as normal_ does a double tensor: 16 values or more take normal_fill (uniform
    /// doubles first, then Box-Muller in blocks of 16 in double with libm's log, cos and sin, the
    /// last 16 redrawn and redone when the size is not a multiple of 16); fewer take the scalar
    /// double path one by one.
    pub fn normal_fill_f64(&mut self, out: &mut [f64], mean: f64, std: f64) {
        let n = out.len();
        if n < 16 {
            for v in out.iter_mut() { *v = self.normal_f64(mean, std); }
            return;
        }
        let block = |d: &mut [f64]| {
            for j in 0..8 {
                let u1 = 1.0 - d[j];
                let radius = sqrt64(-2.0 * log64(u1));
                let theta = 2.0 * core::f64::consts::PI * d[j + 8];
                d[j] = radius * cos64(theta) * std + mean;
                d[j + 8] = radius * sin64(theta) * std + mean;
            }
        };
        for v in out.iter_mut() { *v = self.uniform_f64(); }
        for d in out.chunks_exact_mut(16) { block(d); }
        if n % 16 != 0 {
            let tail = &mut out[n - 16..];
            for v in tail.iter_mut() { *v = self.uniform_f64(); }
            block(tail);
        }
    }

    /// The whole state in torch.get_rng_state()'s layout, so a stream can be saved and resumed
    /// exactly, and states move between this engine and PyTorch: initial seed (u64), left (i32),
    /// seeded (i32), next (u64), the 624 words (each as u64), normal_x, normal_y (the cached
    /// double normal), normal_rho (f64), normal_is_valid (i32), 4 pad bytes, the cached float
    /// normal (f32) and its flag (1 byte), 3 pad bytes; little-endian.
    pub fn state_bytes(&self) -> [u8; STATE_BYTES] {
        let mut b = [0u8; STATE_BYTES];
        b[0..8].copy_from_slice(&self.seed.to_le_bytes());
        b[8..12].copy_from_slice(&self.left.to_le_bytes());
        b[12..16].copy_from_slice(&1u32.to_le_bytes());
        b[16..24].copy_from_slice(&(self.next as u64).to_le_bytes());
        for (i, w) in self.state.iter().enumerate() { b[24 + 8 * i..28 + 8 * i].copy_from_slice(&w.to_le_bytes()); }
        if let Some(v) = self.normal {
            b[5024..5032].copy_from_slice(&v.to_le_bytes());
            b[5040] = 1;
        }
        if let Some(v) = self.float_normal {
            b[5048..5052].copy_from_slice(&v.to_le_bytes());
            b[5052] = 1;
        }
        b
    }

    /// The generator state_bytes() described (or torch.get_rng_state() returned), or a message
    /// saying why the bytes are not one. Checks what torch's set_rng_state checks, and refuses
    /// an all-zero word array, which no seed reaches and which yields only zeros.
    pub fn from_state_bytes(b: &[u8]) -> Result<Rng, &'static str> {
        if b.len() != STATE_BYTES { return Err("the RNG state must be 5056 bytes (torch.get_rng_state's layout)"); }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| (u32_at(i) as u64) | ((u32_at(i + 4) as u64) << 32);
        if u32_at(12) == 0 { return Err("the RNG state is not of a seeded generator (its seeded flag is 0)"); }
        let left = u32_at(8);
        let next = u64_at(16);
        if left == 0 || left as usize > N || next > N as u64 {
            return Err("the RNG state's position is out of range (left must be 1..624, next at most 624)");
        }
        let mut state = [0u32; N];
        for (i, w) in state.iter_mut().enumerate() { *w = u64_at(24 + 8 * i) as u32; }
        if state.iter().all(|&w| w == 0) { return Err("the RNG state's generator words are all zero"); }
        let normal = if u32_at(5040) != 0 { Some(f64::from_bits(u64_at(5024))) } else { None };
        let float_normal = if b[5052] != 0 { Some(f32::from_bits(u32_at(5048))) } else { None };
        Ok(Rng { seed: u64_at(0), state, left, next: next as u32, normal, float_normal })
    }
}

// ---- the vectorised normal path, one lane at a time ---------------------------------------
// torch's normal_fill_16_AVX2 with avx_mathfun's log256_ps and sincos256_ps (cephes), as GCC
// compiles them with -mavx2 -mfma: the multiply-adds it contracts into FMAs are fmaf here, the
// rest stay separate roundings (read off GCC 12's -O2 -mavx2 -mfma code for the same source).
// When written, this matched such a build bit for bit on every 24-bit uniform as u1 and u2, and
// torch on 6 million normals; tests/rng.test.ts keeps checking it against torch's fixtures.

const SQRTHF: f32 = 0.707_106_781_186_547_524;
const LOG_P: [f32; 9] = [
    7.037_683_629_2E-2, -1.151_461_031_0E-1, 1.167_699_874_0E-1, -1.242_014_084_6E-1, 1.424_932_278_7E-1,
    -1.666_805_766_5E-1, 2.000_071_476_5E-1, -2.499_999_399_3E-1, 3.333_333_117_4E-1,
];
const LOG_Q1: f32 = -2.121_944_40e-4;
const LOG_Q2: f32 = 0.693_359_375;

/// log256_ps on one lane, for x in (0, 1].
fn log_lane(x: f32) -> f32 {
    let x = if x > f32::from_bits(0x0080_0000) { x } else { f32::from_bits(0x0080_0000) };
    let bits = x.to_bits();
    let mut e = ((bits >> 23) as i32 - 0x7f) as f32 + 1.0;
    let mut x = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let below = x < SQRTHF;
    let tmp = if below { x } else { 0.0 };
    e -= if below { 1.0 } else { 0.0 };
    x = x - 1.0 + tmp;
    let z = x * x;
    let mut y = LOG_P[0];
    for &p in &LOG_P[1..] { y = fmaf(y, x, p); }
    y *= x;
    y = fmaf(y, z, e * LOG_Q1);
    y = fmaf(-z, 0.5, y);
    x += y;
    fmaf(e, LOG_Q2, x)
}

const FOPI: f32 = 1.273_239_544_735_16;
const DP: [f32; 3] = [-0.785_156_25, -2.418_756_484_985_351_562_5e-4, -3.774_894_977_445_941_08e-8];
const COS_P: [f32; 3] = [2.443_315_711_809_948E-005, -1.388_731_625_493_765E-003, 4.166_664_568_298_827E-002];
const SIN_P: [f32; 3] = [-1.951_529_589_1E-4, 8.332_160_873_6E-3, -1.666_665_461_1E-1];

/// sincos256_ps on one lane: (sin x, cos x).
fn sincos_lane(x: f32) -> (f32, f32) {
    let mut sign_sin = x.to_bits() & 0x8000_0000;
    let ax = f32::from_bits(x.to_bits() & 0x7fff_ffff);
    let j = (((ax * FOPI) as i32).wrapping_add(1)) & !1;
    let y = j as f32;
    let swap = ((j & 4) as u32) << 29;
    let poly = j & 2 == 0;
    let mut x = fmaf(y, DP[0], ax);
    x = fmaf(y, DP[1], x);
    x = fmaf(y, DP[2], x);
    let sign_cos = ((!(j.wrapping_sub(2)) & 4) as u32) << 29;
    sign_sin ^= swap;
    let z = x * x;
    let half = z * 0.5;
    let mut c = fmaf(COS_P[0], z, COS_P[1]);
    c = fmaf(c, z, COS_P[2]);
    c *= z;
    c = fmaf(z, c, -half) + 1.0;
    let mut s = fmaf(SIN_P[0], z, SIN_P[1]);
    s = fmaf(s, z, SIN_P[2]);
    s *= z;
    s = fmaf(x, s, x);
    let (ysin2, ysin1) = if poly { (s, 0.0) } else { (0.0, c) };
    let sin_v = ysin1 + ysin2;
    let cos_v = (s - ysin2) + (c - ysin1);
    (f32::from_bits(sin_v.to_bits() ^ sign_sin), f32::from_bits(cos_v.to_bits() ^ sign_cos))
}

/// Box-Muller on 16 uniforms in place: u1 from the first 8, u2 from the last 8.
fn normal_fill_16(d: &mut [f32], mean: f32, std: f32) {
    const TWO_PI: f32 = 6.283_185_307_179_586;
    for j in 0..8 {
        let u1 = 1.0 - d[j];
        let radius = crate::math::sqrt(-2.0 * log_lane(u1));
        let (s, c) = sincos_lane(TWO_PI * d[j + 8]);
        d[j] = fmaf(radius * c, std, mean);
        d[j + 8] = fmaf(radius * s, std, mean);
    }
}

/// a * b + c rounded once, in double arithmetic (musl's fmaf): the product is exact in f64, so
/// the double sum only misrounds when it lands exactly halfway between two floats while being
/// inexact, and that case is nudged toward the exact value. (Results here are never subnormal.)
#[inline]
fn fmaf(a: f32, b: f32, c: f32) -> f32 {
    let (xy, z) = (a as f64 * b as f64, c as f64);
    let r = xy + z;
    let bits = r.to_bits();
    if bits & 0x1fff_ffff != 0x1000_0000 || (r - xy == z && r - z == xy) { return r as f32; }
    let neg = bits >> 63 != 0;
    let err = if neg == (z > xy) { xy - r + z } else { z - r + xy };
    f64::from_bits(if neg == (err < 0.0) { bits + 1 } else { bits - 1 }) as f32
}

// The C symbols compiler-builtins provides on wasm32 (musl's libm) and the system libm natively:
// the double functions of the scalar normal path.
extern "C" {
    #[link_name = "log"] fn log_c(x: f64) -> f64;
    #[link_name = "sin"] fn sin_c(x: f64) -> f64;
    #[link_name = "cos"] fn cos_c(x: f64) -> f64;
}
#[inline] fn log64(x: f64) -> f64 { unsafe { log_c(x) } }
#[inline] fn sin64(x: f64) -> f64 { unsafe { sin_c(x) } }
#[inline] fn cos64(x: f64) -> f64 { unsafe { cos_c(x) } }
#[inline] fn sqrt64(x: f64) -> f64 { crate::math::sqrt64(x) }

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn matches_mt19937_reference_stream() {
        // std::mt19937 seeded with 5489: the 10000th output is 4123659995 (C++11 [rand.predef]).
        let mut r = Rng::new(5489);
        let mut v = 0;
        for _ in 0..10000 { v = r.next_u32(); }
        assert_eq!(v, 4_123_659_995);
        // torch.manual_seed(42); torch.rand(1) is 0.8822692632675171.
        assert_eq!(Rng::new(42).uniform(), 0.882_269_263_267_517_1);
    }

    #[test]
    fn transforms_give_torchs_numbers() {
        // torch.manual_seed(42); torch.randn(5) (scalar path) and torch.randn(17) (vectorised,
        // last 16 redone); torch.manual_seed(2); torch.randperm(10); seed 3, randint(-2^31, 2^31).
        let mut v = [0f32; 5];
        Rng::new(42).normal_fill(&mut v, 0.0, 1.0);
        assert_eq!([v[0], v[1], v[4]], [0.336_690_366_268_157_96, 0.128_809_407_353_401_18, -1.122_856_378_555_297_9]);
        let mut w = [0f32; 17];
        Rng::new(42).normal_fill(&mut w, 0.0, 1.0);
        assert_eq!([w[0], w[1], w[16]], [1.926_915_287_971_496_6, -0.159_597_471_356_391_9, -0.309_726_774_692_535_4]);
        let mut r = Rng::new(2);
        let mut p: Vec<i32> = (0..10).collect();
        for i in 0..9 { let z = r.next_u32() as usize % (10 - i); p.swap(i, i + z); }
        assert_eq!(p, [8, 7, 1, 5, 6, 9, 0, 4, 2, 3]);
        let mut r = Rng::new(3);
        assert_eq!([r.int_from_to(-(1 << 31), 1 << 32), r.int_from_to(-(1 << 31), 1 << 32)], [-1_843_722_600, 1_460_070_019]);
    }

    #[test]
    fn state_round_trip_continues_the_stream_exactly() {
        let mut a = Rng::new(42);
        a.normal_f64(0.0, 1.0); // leaves a cached normal
        let saved = a.state_bytes();
        assert_eq!(saved[5040], 1);
        let want: Vec<u64> = (0..8).map(|i| if i % 2 == 0 { a.normal_f64(0.0, 1.0).to_bits() } else { a.next_u32() as u64 }).collect();
        let mut b = Rng::from_state_bytes(&saved).unwrap();
        let got: Vec<u64> = (0..8).map(|i| if i % 2 == 0 { b.normal_f64(0.0, 1.0).to_bits() } else { b.next_u32() as u64 }).collect();
        assert_eq!(got, want);
        assert_eq!(Rng::new(7).state_bytes()[5040], 0);
        assert_eq!(&Rng::new(7).state_bytes()[..24], &[7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn bad_states_are_refused() {
        let good = Rng::new(1).state_bytes();
        assert!(Rng::from_state_bytes(&good[..5055]).is_err());
        assert!(Rng::from_state_bytes(&[0u8; STATE_BYTES]).is_err());
        let mut unseeded = good;
        unseeded[12] = 0;
        assert!(Rng::from_state_bytes(&unseeded).is_err());
        let mut left = good;
        left[8] = 0;
        assert!(Rng::from_state_bytes(&left).is_err());
        let mut next = good;
        next[17] = 3; // next = 768
        assert!(Rng::from_state_bytes(&next).is_err());
        let mut zero_words = good;
        for b in &mut zero_words[24..5016] { *b = 0; }
        assert!(Rng::from_state_bytes(&zero_words).is_err());
    }

    #[test]
    fn fmaf_rounds_once() {
        let mut r = Rng::new(3);
        for _ in 0..200_000 {
            let (a, b, c) = (f32::from_bits(r.next_u32() >> 2 | 0x3000_0000), f32::from_bits(r.next_u32() >> 2 | 0x3000_0000), f32::from_bits(r.next_u32() >> 1 | 0x3000_0000));
            for (x, y, z) in [(a, b, c), (a, -b, c), (a, b, -c)] { assert_eq!(fmaf(x, y, z).to_bits(), x.mul_add(y, z).to_bits(), "{} {} {}", x, y, z); }
        }
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is a float midpoint; ±2^-80 decides the rounding,
        // though the double sum drops it.
        let a = 1.0 + 1.0 / 4096.0;
        let tiny = 1.0 / (1u128 << 80) as f32;
        assert_eq!(fmaf(a, a, tiny), 1.0 + 1.0 / 2048.0 + f32::EPSILON);
        assert_eq!(fmaf(a, a, -tiny), 1.0 + 1.0 / 2048.0);
    }

    #[test]
    fn lane_math_is_close_to_libm() {
        for i in 1..2000 {
            let u = i as f32 / 2000.0;
            assert!((log_lane(u) - libm_ln(u)).abs() <= 2e-7 * libm_ln(u).abs().max(1.0), "log {}", u);
            let t = u * 6.283_185;
            let (s, c) = sincos_lane(t);
            assert!((s - sin64(t as f64) as f32).abs() < 3e-7 && (c - cos64(t as f64) as f32).abs() < 3e-7, "sincos {}", t);
        }
    }
    fn libm_ln(x: f32) -> f32 { log64(x as f64) as f32 }
}
