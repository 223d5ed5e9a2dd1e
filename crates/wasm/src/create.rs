//! Tensor creation and the random generator.
use kd_engine::ops::creation;
use kd_engine::{DType, ErrorKind};

use crate::abi::{abi, err, Shape};
use crate::state::{state, SCRATCH_LEN};

abi! {
    op kd_full(dt: DType, shape: Shape, value: f64) -> handle { creation::full(&shape.0, value, dt) }
    op kd_arange(start: f64, end: f64, step: f64, dt: DType) -> handle { creation::arange(start, end, step, dt) }
    op kd_linspace(start: f64, end: f64, steps: i32) -> handle { creation::linspace(start, end, steps as i64) }
    op kd_eye(n: i32, m: i32, dt: DType) -> handle {
        if n < 0 || m < 0 { return Err(err(ErrorKind::Value, format!("eye(): n and m must be non-negative, got {} and {}", n, m))); }
        creation::eye(n as usize, m as usize, dt)
    }
    fn kd_manual_seed(lo: u32, hi: u32) -> void { state().rng = kd_kernels::rng::Rng::new(((hi as u64) << 32) | lo as u64); }
    /// Writes the generator's state (Rng::state_bytes: torch.get_rng_state's 5056 bytes) to scratch;
    /// returns its length.
    fn kd_rng_state() -> value(i32) {
        let st = state();
        let b = st.rng.state_bytes();
        for (w, c) in st.scratch.iter_mut().zip(b.chunks_exact(4)) { *w = i32::from_le_bytes([c[0], c[1], c[2], c[3]]); }
        b.len() as i32
    }
    /// Restores the generator from `len` state bytes in scratch (unchanged on error).
    fn kd_set_rng_state(len: i32) -> status {
        let st = state();
        if len < 0 || len as usize > SCRATCH_LEN * 4 {
            return Err(err(ErrorKind::Value, format!("RNG state of {} bytes is out of range", len)));
        }
        let bytes: Vec<u8> = st.scratch.iter().flat_map(|w| w.to_le_bytes()).take(len as usize).collect();
        match kd_kernels::rng::Rng::from_state_bytes(&bytes) {
            Ok(r) => { st.rng = r; Ok(()) }
            Err(m) if bytes.len() != kd_kernels::rng::STATE_BYTES => Err(err(ErrorKind::Value, format!("{} (got {} bytes)", m, len))),
            Err(m) => Err(err(ErrorKind::Value, m.into())),
        }
    }
    op kd_rand(shape: Shape) -> handle { creation::rand(&shape.0, &mut state().rng) }
    op kd_randn(shape: Shape) -> handle { creation::randn(&shape.0, &mut state().rng) }
    /// A float tensor of the scratch shape from a parametrised distribution: kind 0 is U(a, b)
    /// (uniform_), 1 is N(a, b²) (normal_), 2 is Bernoulli(a) (bernoulli_, dropout's mask);
    /// 3 and 4 are float64 rand and randn (a and b unused).
    op kd_rand_dist(kind: u32, a: f64, b: f64, shape: Shape) -> handle {
        let rng = &mut state().rng;
        match kind {
            0 => creation::uniform(&shape.0, a, b, rng),
            1 => creation::normal(&shape.0, a, b, rng),
            2 => creation::bernoulli(&shape.0, a, rng),
            3 => creation::rand_f64(&shape.0, rng),
            4 => creation::randn_f64(&shape.0, rng),
            _ => Err(err(ErrorKind::Value, format!("unknown distribution {}", kind))),
        }
    }
    op kd_randint(low: f64, high: f64, shape: Shape) -> handle { creation::randint(low as i64, high as i64, &shape.0, &mut state().rng) }
    op kd_randperm(n: i32) -> handle {
        if n < 0 { return Err(err(ErrorKind::Value, format!("randperm(): n must be non-negative, got {}", n))); }
        creation::randperm(n as usize, &mut state().rng)
    }
}
