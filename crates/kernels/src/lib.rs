//! Pure compute on slices. No allocation policy, no tensors: the engine decides layout,
//! these functions do the arithmetic. Every SIMD path is written against `simd::F32x4`,
//! which is wasm simd128 on wasm32 and a plain array elsewhere, so `cargo test` on x86
//! exercises the same blocking code that ships in the .wasm.
#![cfg_attr(not(any(test, feature = "native-threads")), no_std)]
// The threaded wasm build sleeps in memory.atomic.wait32 (unstable in core::arch).
#![cfg_attr(all(target_arch = "wasm32", target_feature = "atomics"), feature(stdarch_wasm_atomic_wait))]
extern crate alloc;

pub mod simd;
mod rows;
pub mod conv;
pub mod winograd;
pub mod gemm;
pub mod rng;
pub mod math;
pub mod optim;
pub mod rnn;
pub mod parallel;
pub mod pool;
