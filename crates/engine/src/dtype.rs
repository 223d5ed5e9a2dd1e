//! Element types and the promotion rule binary ops use (bool < int32 < float32).
use crate::storage::Buffer;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DType {
    Bool = 0,
    I32 = 1,
    F32 = 2,
}

impl DType {
    pub fn from_u32(x: u32) -> Option<DType> {
        match x { 0 => Some(DType::Bool), 1 => Some(DType::I32), 2 => Some(DType::F32), _ => None }
    }
    pub fn name(self) -> &'static str {
        match self { DType::Bool => "bool", DType::I32 => "int32", DType::F32 => "float32" }
    }
    pub fn size(self) -> usize {
        match self { DType::Bool => 1, _ => 4 }
    }
    pub fn promote(a: DType, b: DType) -> DType { if a > b { a } else { b } }
    pub fn is_float(self) -> bool { self == DType::F32 }
}

/// A Rust element type a buffer can hold. Conversions follow PyTorch's casts:
/// float→int truncates toward zero, anything→bool is `!= 0`.
pub trait Elem: Copy + PartialOrd + Default + 'static {
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
}

macro_rules! impl_elem {
    ($t:ty, $variant:ident, $dt:ident, to_f32: $tf:expr, from_f64: $ff:expr, to_i32: $ti:expr, to_bool: $tb:expr) => {
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
            #[inline] fn to_f64(self) -> f64 { ($tf)(self) as f64 }
            #[inline] fn from_f64(x: f64) -> Self { ($ff)(x) }
            #[inline] fn to_i32(self) -> i32 { ($ti)(self) }
            #[inline] fn to_bool(self) -> bool { ($tb)(self) }
        }
    };
}

impl_elem!(f32, F32, F32, to_f32: |x: f32| x, from_f64: |x: f64| x as f32,
           to_i32: |x: f32| x as i32, to_bool: |x: f32| x != 0.0);
impl_elem!(i32, I32, I32, to_f32: |x: i32| x as f32, from_f64: |x: f64| x as i32,
           to_i32: |x: i32| x, to_bool: |x: i32| x != 0);
impl_elem!(u8, Bool, Bool, to_f32: |x: u8| x as f32, from_f64: |x: f64| (x != 0.0) as u8,
           to_i32: |x: u8| x as i32, to_bool: |x: u8| x != 0);

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
