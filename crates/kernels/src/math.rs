//! Scalar float functions for no_std: the C symbols that compiler-builtins provides on
//! wasm32 (a port of musl's libm) and the system libm provides natively. Each function is
//! generic over `Float` (f32 calls the `*f` symbol, f64 the double one), so an op written once
//! as `m::exp` runs in float32 and float64 alike.

macro_rules! libm {
    ($( $name:ident: $f:ident / $d:ident = $dn:literal ),* $(,)?) => {
        extern "C" {
            $( fn $f(x: f32) -> f32; #[link_name = $dn] fn $d(x: f64) -> f64; )*
            fn powf(x: f32, y: f32) -> f32;
            #[link_name = "pow"] fn pow_d(x: f64, y: f64) -> f64;
        }
        /// The libm functions of one float type.
        pub trait Libm: Sized { $( fn $name(self) -> Self; )* fn pow(self, y: Self) -> Self; }
        impl Libm for f32 { $( #[inline] fn $name(self) -> f32 { unsafe { $f(self) } } )* #[inline] fn pow(self, y: f32) -> f32 { unsafe { powf(self, y) } } }
        impl Libm for f64 { $( #[inline] fn $name(self) -> f64 { unsafe { $d(self) } } )* #[inline] fn pow(self, y: f64) -> f64 { unsafe { pow_d(self, y) } } }
        $( #[inline] pub fn $name<F: Float>(x: F) -> F { Libm::$name(x) } )*
    };
}
libm!(exp: expf / exp_d = "exp", ln: logf / log_d = "log", sin: sinf / sin_d = "sin", cos: cosf / cos_d = "cos",
      tanh: tanhf / tanh_d = "tanh", erf: erff / erf_d = "erf", sqrt: sqrtf / sqrt_d = "sqrt",
      floor: floorf / floor_d = "floor", ceil: ceilf / ceil_d = "ceil", trunc: truncf / trunc_d = "trunc",
      round_half_even: rintf / rint_d = "rint", ln_1p: log1pf / log1p_d = "log1p", exp_m1: expm1f / expm1_d = "expm1",
      atan: atanf / atan_d = "atan");

/// A float type the scalar functions take (f32 or f64): arithmetic, its libm, and the few
/// inherent methods and constants the op rows use.
pub trait Float: Libm + Copy + PartialOrd + Default + 'static
    + core::ops::Add<Output = Self> + core::ops::Sub<Output = Self> + core::ops::Mul<Output = Self>
    + core::ops::Div<Output = Self> + core::ops::Neg<Output = Self> + core::ops::Rem<Output = Self>
    + core::ops::SubAssign {
    /// `x` rounded to this type (a constant written once as an f64 literal).
    fn of(x: f64) -> Self;
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_finite(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn abs(self) -> Self;
    fn copysign(self, sign: Self) -> Self;
    const NAN: Self;
    const INFINITY: Self;
    const NEG_INFINITY: Self;
    const PI: Self;
    const FRAC_PI_2: Self;
    const FRAC_PI_4: Self;
}

macro_rules! impl_float {
    ($t:ident) => {
        impl Float for $t {
            #[inline] fn of(x: f64) -> Self { x as $t }
            #[inline] fn is_nan(self) -> bool { <$t>::is_nan(self) }
            #[inline] fn is_infinite(self) -> bool { <$t>::is_infinite(self) }
            #[inline] fn is_finite(self) -> bool { <$t>::is_finite(self) }
            #[inline] fn is_sign_negative(self) -> bool { <$t>::is_sign_negative(self) }
            #[inline] fn abs(self) -> Self { <$t>::abs(self) }
            #[inline] fn copysign(self, sign: Self) -> Self { <$t>::copysign(self, sign) }
            const NAN: Self = <$t>::NAN;
            const INFINITY: Self = <$t>::INFINITY;
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            const PI: Self = core::$t::consts::PI;
            const FRAC_PI_2: Self = core::$t::consts::FRAC_PI_2;
            const FRAC_PI_4: Self = core::$t::consts::FRAC_PI_4;
        }
    };
}
impl_float!(f32);
impl_float!(f64);

#[inline]
pub fn pow<F: Float>(x: F, y: F) -> F { Libm::pow(x, y) }

#[inline]
pub fn floor64(x: f64) -> f64 { floor(x) }
#[inline]
pub fn ceil64(x: f64) -> f64 { ceil(x) }
#[inline]
pub fn sqrt64(x: f64) -> f64 { sqrt(x) }
