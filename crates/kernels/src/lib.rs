//! Pure compute on slices. No allocation policy, no tensors: the engine decides layout,
//! these functions do the arithmetic. Every SIMD path is written against `simd::F32x4`,
//! which is wasm simd128 on wasm32 and a plain array elsewhere, so `cargo test` on x86
//! exercises the same blocking code that ships in the .wasm.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

pub mod simd;
pub mod conv;
pub mod gemm;
pub mod rng;
pub mod math;
pub mod optim;
pub mod rnn;
