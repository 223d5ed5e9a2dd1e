//! Element types and PyTorch's promotion rule (bool < integers < floats, then width; a
//! dimensioned tensor wins over a 0-d one of the same category).
//! uint8, int8 and float16 are storage dtypes: created, copied, viewed, cast and exchanged;
//! compute kernels reject them with a DType error naming the op (cast first). float64 and int64
//! also compute in the arithmetic families (`arith()`): unary, binary, comparisons,
//! reductions, matmul (float64). Everything else (conv, pooling, softmax, losses...) refuses them.
//!
//! Index range rule: an int64 index tensor is accepted wherever an int32 one is (index_select,
//! gather, scatter_add, embedding, class targets). Its values are checked against the indexed
//! size as int64, so a value beyond int32 is an IndexError naming it; nothing is wrapped.
use crate::storage::Buffer;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DType {
    Bool = 0,
    I32 = 1,
    F32 = 2,
    // Appended: the codes above are part of the ABI and stay stable.
    U8 = 3,
    I8 = 4,
    I64 = 5,
    F64 = 6,
    F16 = 7,
}

/// A uint8 element (a newtype because `u8` is bool's element type).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct U8(pub u8);

/// A float16 element held as its IEEE binary16 bits.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct F16(pub u16);

/// A value on its way through a cast: integers kept exact as i64, floats as f64.
#[derive(Clone, Copy)]
pub enum Wide { I(i64), F(f64) }

impl DType {
    pub fn from_u32(x: u32) -> Option<DType> {
        use DType::*;
        [Bool, I32, F32, U8, I8, I64, F64, F16].get(x as usize).copied()
    }
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool", DType::I32 => "int32", DType::F32 => "float32", DType::U8 => "uint8",
            DType::I8 => "int8", DType::I64 => "int64", DType::F64 => "float64", DType::F16 => "float16",
        }
    }
    pub fn size(self) -> usize {
        match self { DType::Bool | DType::U8 | DType::I8 => 1, DType::F16 => 2, DType::I64 | DType::F64 => 8, _ => 4 }
    }
    /// Whether every compute kernel takes this dtype (the others are storage only, or `arith`).
    pub fn computes(self) -> bool { matches!(self, DType::Bool | DType::I32 | DType::F32) }
    /// Whether the arithmetic families (unary, binary, comparisons, reductions, matmul) take it.
    pub fn arith(self) -> bool { self.computes() || matches!(self, DType::I64 | DType::F64) }
    /// Promotion by category then width (bool < ints < floats).
    pub fn promote(a: DType, b: DType) -> DType { if a.rank() >= b.rank() { a } else { b } }
    /// PyTorch's result type of a binary op: a higher category wins; within a category a
    /// dimensioned tensor wins over a 0-d one (float32 [3] + float64 0-d is float32), else the
    /// wider dtype. (Scalars reach the engine as 0-d tensors of the other operand's kind.)
    pub fn result_type(a: DType, a0d: bool, b: DType, b0d: bool) -> DType {
        if a.category() != b.category() || a0d == b0d { return DType::promote(a, b); }
        if a0d { b } else { a }
    }
    fn category(self) -> u32 {
        match self { DType::Bool => 0, DType::U8 | DType::I8 | DType::I32 | DType::I64 => 1, _ => 2 }
    }
    fn rank(self) -> u32 {
        match self {
            DType::Bool => 0, DType::U8 => 1, DType::I8 => 2, DType::I32 => 3, DType::I64 => 4,
            DType::F16 => 5, DType::F32 => 6, DType::F64 => 7,
        }
    }
    /// A float dtype autograd tracks (the only one with gradient kernels).
    pub fn is_float(self) -> bool { self == DType::F32 }
}

/// A Rust element type a buffer can hold. Conversions follow PyTorch's casts:
/// float→int truncates toward zero, anything→bool is `!= 0`.
pub trait Elem: Copy + PartialOrd + Default + Send + Sync + 'static {
    const DTYPE: DType;
    fn slice(b: &Buffer) -> &[Self];
    fn slice_mut(b: &mut Buffer) -> &mut [Self];
    fn into_buffer(v: alloc::vec::Vec<Self>) -> Buffer;
    /// The host elements of a buffer: a typed error (not a trap) for another dtype or for
    /// device memory.
    fn try_slice(b: &Buffer) -> crate::error::Result<&[Self]>;
    /// The vector a host buffer of this dtype holds.
    fn from_buffer(b: Buffer) -> crate::error::Result<alloc::vec::Vec<Self>>;
    fn to_f32(self) -> f32;
    fn to_f64(self) -> f64;
    fn from_f64(x: f64) -> Self;
    fn to_i32(self) -> i32;
    fn to_bool(self) -> bool;
    fn to_wide(self) -> Wide;
    /// PyTorch's cast: float→int truncates toward zero (out of range saturates, NaN→0: torch
    /// leaves that undefined), int→int wraps, anything→bool is `!= 0`.
    fn from_wide(w: Wide) -> Self;
}

macro_rules! impl_elem {
    ($t:ty, $variant:ident, $dt:ident, to_f32: $tf:expr, from_f64: $ff:expr, to_i32: $ti:expr, to_bool: $tb:expr,
     to_wide: $tw:expr, from_wide: $fw:expr) => {
        impl Elem for $t {
            const DTYPE: DType = DType::$dt;
            #[inline]
            fn slice(b: &Buffer) -> &[Self] {
                match b { Buffer::$variant(v) => v, _ => unreachable_dtype() }
            }
            #[inline]
            fn slice_mut(b: &mut Buffer) -> &mut [Self] {
                match b { Buffer::$variant(v) => v, _ => unreachable_dtype() }
            }
            fn into_buffer(v: alloc::vec::Vec<Self>) -> Buffer { Buffer::$variant(v) }
            fn try_slice(b: &Buffer) -> crate::error::Result<&[Self]> {
                match b { Buffer::$variant(v) => Ok(v), _ => Err(not_host(b, DType::$dt)) }
            }
            fn from_buffer(b: Buffer) -> crate::error::Result<alloc::vec::Vec<Self>> {
                match b { Buffer::$variant(v) => Ok(v), _ => Err(not_host(&b, DType::$dt)) }
            }
            #[inline] fn to_f32(self) -> f32 { ($tf)(self) }
            // Through the wide value, so float64 and int64 keep their digits (f32 would round them).
            #[inline] fn to_f64(self) -> f64 { match ($tw)(self) { Wide::I(i) => i as f64, Wide::F(x) => x } }
            #[inline] fn from_f64(x: f64) -> Self { ($ff)(x) }
            #[inline] fn to_i32(self) -> i32 { ($ti)(self) }
            #[inline] fn to_bool(self) -> bool { ($tb)(self) }
            #[inline] fn to_wide(self) -> Wide { ($tw)(self) }
            #[inline] fn from_wide(w: Wide) -> Self { ($fw)(w) }
        }
    };
}

impl_elem!(f32, F32, F32, to_f32: |x: f32| x, from_f64: |x: f64| x as f32,
           to_i32: |x: f32| x as i32, to_bool: |x: f32| x != 0.0,
           to_wide: |x: f32| Wide::F(x as f64), from_wide: |w| match w { Wide::I(i) => i as f32, Wide::F(x) => x as f32 });
impl_elem!(i32, I32, I32, to_f32: |x: i32| x as f32, from_f64: |x: f64| x as i32,
           to_i32: |x: i32| x, to_bool: |x: i32| x != 0,
           to_wide: |x: i32| Wide::I(x as i64), from_wide: |w| match w { Wide::I(i) => i as i32, Wide::F(x) => x as i32 });
impl_elem!(u8, Bool, Bool, to_f32: |x: u8| x as f32, from_f64: |x: f64| (x != 0.0) as u8,
           to_i32: |x: u8| x as i32, to_bool: |x: u8| x != 0,
           to_wide: |x: u8| Wide::I((x != 0) as i64), from_wide: |w| match w { Wide::I(i) => (i != 0) as u8, Wide::F(x) => (x != 0.0) as u8 });
impl_elem!(U8, U8, U8, to_f32: |x: U8| x.0 as f32, from_f64: |x: f64| U8(x as u8),
           to_i32: |x: U8| x.0 as i32, to_bool: |x: U8| x.0 != 0,
           to_wide: |x: U8| Wide::I(x.0 as i64), from_wide: |w| U8(match w { Wide::I(i) => i as u8, Wide::F(x) => x as u8 }));
impl_elem!(i8, I8, I8, to_f32: |x: i8| x as f32, from_f64: |x: f64| x as i8,
           to_i32: |x: i8| x as i32, to_bool: |x: i8| x != 0,
           to_wide: |x: i8| Wide::I(x as i64), from_wide: |w| match w { Wide::I(i) => i as i8, Wide::F(x) => x as i8 });
impl_elem!(i64, I64, I64, to_f32: |x: i64| x as f32, from_f64: |x: f64| x as i64,
           to_i32: |x: i64| x as i32, to_bool: |x: i64| x != 0,
           to_wide: |x: i64| Wide::I(x), from_wide: |w| match w { Wide::I(i) => i, Wide::F(x) => x as i64 });
impl_elem!(f64, F64, F64, to_f32: |x: f64| x as f32, from_f64: |x: f64| x,
           to_i32: |x: f64| x as i32, to_bool: |x: f64| x != 0.0,
           to_wide: |x: f64| Wide::F(x), from_wide: |w| match w { Wide::I(i) => i as f64, Wide::F(x) => x });
// Like c10::Half, every conversion into float16 goes through float32 first.
impl_elem!(F16, F16, F16, to_f32: |x: F16| f16_to_f32(x.0), from_f64: |x: f64| F16(f32_to_f16(x as f32)),
           to_i32: |x: F16| f16_to_f32(x.0) as i32, to_bool: |x: F16| f16_to_f32(x.0) != 0.0,
           to_wide: |x: F16| Wide::F(f16_to_f32(x.0) as f64),
           from_wide: |w| F16(f32_to_f16(match w { Wide::I(i) => i as f32, Wide::F(x) => x as f32 })));

/// IEEE binary16 bits of `x`, rounded to nearest even (subnormals, ±inf, NaN kept quiet).
pub fn f32_to_f16(x: f32) -> u16 {
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xff) as i32;
    let man = b & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 | (man >> 13) as u16 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f { return sign | 0x7c00; }
    if e <= 0 {
        // Subnormal result: the 24-bit significand shifted into the 10-bit field.
        if e < -10 { return sign; }
        let m = man | 0x80_0000;
        let shift = (14 - e) as u32;
        let (q, rem, half) = (m >> shift, m & ((1 << shift) - 1), 1u32 << (shift - 1));
        let r = if rem > half || (rem == half && q & 1 == 1) { q + 1 } else { q };
        return sign | r as u16;
    }
    let (q, rem) = (man >> 13, man & 0x1fff);
    let mut h = ((e as u32) << 10) | q;
    // A carry out of the significand bumps the exponent (up to inf): still the right bits.
    if rem > 0x1000 || (rem == 0x1000 && q & 1 == 1) { h += 1; }
    sign | h as u16
}

/// The float32 value of binary16 bits (exact).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    if exp == 0 {
        let v = man as f32 * (1.0 / 16_777_216.0);
        return if sign != 0 { -v } else { v };
    }
    if exp == 31 { return f32::from_bits(sign | 0x7f80_0000 | (man << 13)); }
    f32::from_bits(sign | ((exp + 112) << 23) | (man << 13))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn half_round_trips_every_bit_pattern_and_rounds_to_even() {
        for h in 0..=u16::MAX {
            let f = f16_to_f32(h);
            if f.is_nan() { assert_eq!(f32_to_f16(f) & 0x7e00, 0x7e00); } else { assert_eq!(f32_to_f16(f), h, "{:#x}", h); }
        }
        assert_eq!(f32_to_f16(65520.0), 0x7c00); // halfway to the next: rounds up to inf
        assert_eq!(f32_to_f16(65519.0), 0x7bff);
        assert_eq!(f32_to_f16(2f32.powi(-25)), 0); // halfway to the smallest subnormal: even (0)
        assert_eq!(f32_to_f16(2f32.powi(-25) * 1.000001), 1);
        assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), 0x3c00); // tie: even
        assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02);
        assert_eq!(f32_to_f16(-0.0), 0x8000);
        assert_eq!(f32_to_f16(f32::NAN), 0x7e00);
    }
}

fn not_host(b: &Buffer, want: DType) -> crate::error::Error {
    match b {
        Buffer::Gpu { .. } => crate::error::err!(Device, "a {} buffer on {} was read as host memory", b.dtype().name(), b.device().name()),
        _ => crate::error::err!(DType, "expected a {} buffer, got {}", want.name(), b.dtype().name()),
    }
}

/// Dtype dispatch is checked before any slice access, so a mismatch is an engine bug.
/// It still must not trap the instance silently in release: abort with a message.
#[cold]
fn unreachable_dtype() -> ! {
    panic!("kindling internal error: buffer dtype mismatch")
}

/// Runs `$body` with `$T` bound to the element type of `$dt` (every dtype).
#[macro_export]
macro_rules! with_elem {
    ($dt:expr, $T:ident => $body:expr) => {
        match $dt {
            $crate::dtype::DType::F32 => { type $T = f32; $body }
            $crate::dtype::DType::I32 => { type $T = i32; $body }
            $crate::dtype::DType::Bool => { type $T = u8; $body }
            $crate::dtype::DType::U8 => { type $T = $crate::dtype::U8; $body }
            $crate::dtype::DType::I8 => { type $T = i8; $body }
            $crate::dtype::DType::I64 => { type $T = i64; $body }
            $crate::dtype::DType::F64 => { type $T = f64; $body }
            $crate::dtype::DType::F16 => { type $T = $crate::dtype::F16; $body }
        }
    };
}

/// A DType error for an op that has no kernel for a storage-only dtype.
pub fn check_computes(op: &str, dts: &[DType]) -> crate::error::Result<()> {
    match dts.iter().find(|d| !d.computes()) {
        None => Ok(()),
        Some(d) => Err(refusal(op, *d)),
    }
}

/// `check_computes` for the arithmetic families, which also take int64 and float64.
pub fn check_arith(op: &str, dts: &[DType]) -> crate::error::Result<()> {
    match dts.iter().find(|d| !d.arith()) {
        None => Ok(()),
        Some(d) => Err(refusal(op, *d)),
    }
}

fn refusal(op: &str, d: DType) -> crate::error::Error {
    let has = if d.arith() { "computes in float32, int32 and bool, and int64/float64 in elementwise ops, reductions and matmul" } else { "computes in float32, int32 and bool" };
    crate::error::err!(DType, "{} is not implemented for {} tensors (Kindling stores and casts {} but {}); cast with .float() / .int() first", op, d.name(), d.name(), has)
}
