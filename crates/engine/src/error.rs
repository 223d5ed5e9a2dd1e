//! Typed errors. Every fallible engine call returns `Result<T>`; the wasm ABI turns an
//! `Err` into a zero handle plus last-error text, so nothing ever reaches a trap.
use alloc::string::String;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Sizes that do not fit together (broadcasting, matmul, view, cat...).
    Shape = 1,
    /// A dim or an index out of range.
    Index = 2,
    /// A dtype an op does not accept.
    DType = 3,
    /// A bad argument value (negative size, step 0, ...).
    Value = 4,
    /// Tensors on different devices, or an op a device lacks.
    Device = 5,
    /// An allocation the engine refused or could not make.
    Memory = 6,
    /// A handle that is not (or no longer) a live tensor.
    Handle = 7,
    /// Autograd misuse (backward through a freed graph, ...).
    Autograd = 8,
}

#[derive(Clone, Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub msg: String,
}

pub type Result<T> = core::result::Result<T, Error>;

macro_rules! bail {
    ($kind:ident, $($arg:tt)*) => {
        return Err($crate::error::Error {
            kind: $crate::error::ErrorKind::$kind,
            msg: alloc::format!($($arg)*),
        })
    };
}
pub(crate) use bail;

macro_rules! err {
    ($kind:ident, $($arg:tt)*) => {
        $crate::error::Error { kind: $crate::error::ErrorKind::$kind, msg: alloc::format!($($arg)*) }
    };
}
pub(crate) use err;
