//! A 4-lane f32 vector: wasm simd128 (optionally relaxed) on wasm32, plain arrays elsewhere.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    #[repr(transparent)]
    pub struct F32x4(pub v128);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(x: f32) -> Self { F32x4(f32x4_splat(x)) }
        #[inline(always)]
        pub fn zero() -> Self { F32x4(f32x4_splat(0.0)) }
        /// Loads 4 lanes from `p`. Caller guarantees 4 readable floats.
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self { F32x4(v128_load(p as *const v128)) }
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) { v128_store(p as *mut v128, self.0) }
        /// All 4 lanes = `*p` (one `v128.load32_splat`). Caller guarantees 1 readable float.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self { F32x4(v128_load32_splat(p as *const u32)) }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self { F32x4(f32x4_add(self.0, o.0)) }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self { F32x4(f32x4_sub(self.0, o.0)) }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self { F32x4(f32x4_mul(self.0, o.0)) }
        /// self + a*b; fused under relaxed SIMD, separate mul/add otherwise.
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            #[cfg(target_feature = "relaxed-simd")]
            { F32x4(f32x4_relaxed_madd(a.0, b.0, self.0)) }
            #[cfg(not(target_feature = "relaxed-simd"))]
            { F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0))) }
        }
        #[inline(always)]
        pub fn max(self, o: Self) -> Self { F32x4(f32x4_pmax(self.0, o.0)) }
        /// Lanes where self > o (all bits set), else 0.
        #[inline(always)]
        pub fn gt(self, o: Self) -> Self { F32x4(f32x4_gt(self.0, o.0)) }
        /// Lanes that are NaN (all bits set), else 0.
        #[inline(always)]
        pub fn nan_mask(self) -> Self { F32x4(f32x4_ne(self.0, self.0)) }
        #[inline(always)]
        pub fn or(self, o: Self) -> Self { F32x4(v128_or(self.0, o.0)) }
        /// `a` in the lanes where `mask` is set, else `b`.
        #[inline(always)]
        pub fn select(mask: Self, a: Self, b: Self) -> Self { F32x4(v128_bitselect(a.0, b.0, mask.0)) }
        /// Lanes 0, 2 of `a` then 0, 2 of `b`; `odds`: lanes 1, 3 of each.
        #[inline(always)]
        pub fn evens(a: Self, b: Self) -> Self { F32x4(i32x4_shuffle::<0, 2, 4, 6>(a.0, b.0)) }
        #[inline(always)]
        pub fn odds(a: Self, b: Self) -> Self { F32x4(i32x4_shuffle::<1, 3, 5, 7>(a.0, b.0)) }
        /// Lanes a0 b0 a1 b1; `zip_hi`: a2 b2 a3 b3 (the inverse of evens/odds).
        #[inline(always)]
        pub fn zip_lo(a: Self, b: Self) -> Self { F32x4(i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0)) }
        #[inline(always)]
        pub fn zip_hi(a: Self, b: Self) -> Self { F32x4(i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0)) }
        /// Sum of the 4 lanes.
        #[inline(always)]
        pub fn hsum(self) -> f32 {
            let s = f32x4_add(self.0, i32x4_shuffle::<2, 3, 0, 1>(self.0, self.0));
            f32x4_extract_lane::<0>(f32x4_add(s, i32x4_shuffle::<1, 0, 3, 2>(s, s)))
        }
        /// Transpose of the 4x4 matrix whose rows are `r`.
        #[inline(always)]
        pub fn transpose4(r: [Self; 4]) -> [Self; 4] {
            let t0 = i32x4_shuffle::<0, 4, 1, 5>(r[0].0, r[1].0);
            let t1 = i32x4_shuffle::<2, 6, 3, 7>(r[0].0, r[1].0);
            let t2 = i32x4_shuffle::<0, 4, 1, 5>(r[2].0, r[3].0);
            let t3 = i32x4_shuffle::<2, 6, 3, 7>(r[2].0, r[3].0);
            [
                F32x4(i32x4_shuffle::<0, 1, 4, 5>(t0, t2)),
                F32x4(i32x4_shuffle::<2, 3, 6, 7>(t0, t2)),
                F32x4(i32x4_shuffle::<0, 1, 4, 5>(t1, t3)),
                F32x4(i32x4_shuffle::<2, 3, 6, 7>(t1, t3)),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4(pub [f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(x: f32) -> Self { F32x4([x; 4]) }
        #[inline(always)]
        pub fn zero() -> Self { F32x4([0.0; 4]) }
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            F32x4([*p, *p.add(1), *p.add(2), *p.add(3)])
        }
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            for i in 0..4 { *p.add(i) = self.0[i]; }
        }
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self { F32x4([*p; 4]) }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            F32x4([self.0[0] + o.0[0], self.0[1] + o.0[1], self.0[2] + o.0[2], self.0[3] + o.0[3]])
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            F32x4([self.0[0] - o.0[0], self.0[1] - o.0[1], self.0[2] - o.0[2], self.0[3] - o.0[3]])
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            F32x4([self.0[0] * o.0[0], self.0[1] * o.0[1], self.0[2] * o.0[2], self.0[3] * o.0[3]])
        }
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self { self.add(a.mul(b)) }
        #[inline(always)]
        pub fn max(self, o: Self) -> Self {
            let m = |x: f32, y: f32| if x < y { y } else { x };
            F32x4([m(self.0[0], o.0[0]), m(self.0[1], o.0[1]), m(self.0[2], o.0[2]), m(self.0[3], o.0[3])])
        }
        /// Sum of the 4 lanes, in the same order as the wasm path: (l0+l2) + (l1+l3).
        #[inline(always)]
        pub fn hsum(self) -> f32 { (self.0[0] + self.0[2]) + (self.0[1] + self.0[3]) }
        #[inline(always)]
        fn lanes(f: impl Fn(usize) -> f32) -> Self { F32x4(core::array::from_fn(f)) }
        #[inline(always)]
        fn mask(b: bool) -> f32 { f32::from_bits(if b { u32::MAX } else { 0 }) }
        /// Lanes where self > o (all bits set), else 0.
        #[inline(always)]
        pub fn gt(self, o: Self) -> Self { Self::lanes(|i| Self::mask(self.0[i] > o.0[i])) }
        /// Lanes that are NaN (all bits set), else 0.
        #[inline(always)]
        pub fn nan_mask(self) -> Self { Self::lanes(|i| Self::mask(self.0[i].is_nan())) }
        #[inline(always)]
        pub fn or(self, o: Self) -> Self { Self::lanes(|i| f32::from_bits(self.0[i].to_bits() | o.0[i].to_bits())) }
        /// `a` in the lanes where `mask` is set, else `b`.
        #[inline(always)]
        pub fn select(mask: Self, a: Self, b: Self) -> Self {
            Self::lanes(|i| { let m = mask.0[i].to_bits(); f32::from_bits((a.0[i].to_bits() & m) | (b.0[i].to_bits() & !m)) })
        }
        /// Lanes 0, 2 of `a` then 0, 2 of `b`; `odds`: lanes 1, 3 of each.
        #[inline(always)]
        pub fn evens(a: Self, b: Self) -> Self { F32x4([a.0[0], a.0[2], b.0[0], b.0[2]]) }
        #[inline(always)]
        pub fn odds(a: Self, b: Self) -> Self { F32x4([a.0[1], a.0[3], b.0[1], b.0[3]]) }
        /// Lanes a0 b0 a1 b1; `zip_hi`: a2 b2 a3 b3 (the inverse of evens/odds).
        #[inline(always)]
        pub fn zip_lo(a: Self, b: Self) -> Self { F32x4([a.0[0], b.0[0], a.0[1], b.0[1]]) }
        #[inline(always)]
        pub fn zip_hi(a: Self, b: Self) -> Self { F32x4([a.0[2], b.0[2], a.0[3], b.0[3]]) }
        /// Transpose of the 4x4 matrix whose rows are `r`.
        #[inline(always)]
        pub fn transpose4(r: [Self; 4]) -> [Self; 4] {
            let mut o = [[0.0f32; 4]; 4];
            for i in 0..4 { for j in 0..4 { o[j][i] = r[i].0[j]; } }
            [F32x4(o[0]), F32x4(o[1]), F32x4(o[2]), F32x4(o[3])]
        }
    }
}

pub use imp::F32x4;
