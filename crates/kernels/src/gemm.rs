//! f32 GEMM: C = A·B (+ C when `accumulate`), every operand given by its origin and
//! element strides, so transposed and broadcast (stride 0) views need no copy.
//! Placeholder reference loop; the packed SIMD implementation replaces the body.

/// `a` is m×k with strides (rsa, csa); `b` is k×n with (rsb, csb); `c` is m×n with (rsc, csc).
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize, n: usize, k: usize,
    a: &[f32], rsa: usize, csa: usize,
    b: &[f32], rsb: usize, csb: usize,
    c: &mut [f32], rsc: usize, csc: usize,
    accumulate: bool,
) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for p in 0..k {
                acc += a[i * rsa + p * csa] * b[p * rsb + j * csb];
            }
            let dst = &mut c[i * rsc + j * csc];
            *dst = if accumulate { *dst + acc } else { acc };
        }
    }
}
