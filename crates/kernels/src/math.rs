//! Scalar float functions for no_std: the C symbols that compiler-builtins provides on
//! wasm32 (a port of musl's libm) and the system libm provides natively.

extern "C" {
    fn expf(x: f32) -> f32;
    fn logf(x: f32) -> f32;
    fn sinf(x: f32) -> f32;
    fn cosf(x: f32) -> f32;
    fn tanhf(x: f32) -> f32;
    fn erff(x: f32) -> f32;
    fn powf(x: f32, y: f32) -> f32;
    fn sqrtf(x: f32) -> f32;
    fn floorf(x: f32) -> f32;
    fn ceilf(x: f32) -> f32;
    fn truncf(x: f32) -> f32;
    fn rintf(x: f32) -> f32;
    fn log1pf(x: f32) -> f32;
    fn expm1f(x: f32) -> f32;
    fn atanf(x: f32) -> f32;
    #[link_name = "floor"] fn floor64_c(x: f64) -> f64;
    #[link_name = "ceil"] fn ceil64_c(x: f64) -> f64;
    #[link_name = "sqrt"] fn sqrt64_c(x: f64) -> f64;
}

macro_rules! wrap1 {
    ($($name:ident => $c:ident),* $(,)?) => {
        $( #[inline] pub fn $name(x: f32) -> f32 { unsafe { $c(x) } } )*
    };
}
wrap1!(exp => expf, ln => logf, sin => sinf, cos => cosf, tanh => tanhf, erf => erff,
       sqrt => sqrtf, floor => floorf, ceil => ceilf, trunc => truncf,
       round_half_even => rintf, ln_1p => log1pf, exp_m1 => expm1f, atan => atanf);

#[inline]
pub fn pow(x: f32, y: f32) -> f32 { unsafe { powf(x, y) } }

#[inline]
pub fn floor64(x: f64) -> f64 { unsafe { floor64_c(x) } }
#[inline]
pub fn ceil64(x: f64) -> f64 { unsafe { ceil64_c(x) } }
#[inline]
pub fn sqrt64(x: f64) -> f64 { unsafe { sqrt64_c(x) } }
