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
        #[inline(always)]
        pub fn add(self, o: Self) -> Self { F32x4(f32x4_add(self.0, o.0)) }
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
        pub fn add(self, o: Self) -> Self {
            F32x4([self.0[0] + o.0[0], self.0[1] + o.0[1], self.0[2] + o.0[2], self.0[3] + o.0[3]])
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
    }
}

pub use imp::F32x4;
