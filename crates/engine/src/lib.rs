//! Kindling's engine: tensors as views on reference-counted storage, the op table, and
//! dtype/shape/device checking. Everything returns `Result`; nothing here may panic on
//! user input, because in wasm a panic is a trap that kills every tensor in the instance.
#![no_std]
extern crate alloc;

pub mod autograd;
pub mod backend;
pub mod dtype;
pub mod error;
pub mod iter;
pub mod ops;
pub mod profile;
pub mod shape;
pub mod storage;
pub mod tensor;

pub use dtype::DType;
pub use error::{Error, ErrorKind, Result};
pub use storage::Device;
pub use tensor::Tensor;
