//! Fused recurrent-cell gate math: one pass over a step's gates instead of a dozen elementwise
//! ops (each with its own allocation and autograd node). The matmuls stay outside (GEMM).
//! The float32 operations are the composed ops' (σ as the engine's sigmoid, split by sign).
//!
//! LSTM, torch's gate order i, f, g, o: with gates = xg + hg (row r, [4h]),
//!   c' = σ(f) c + σ(i) tanh(g),   h' = σ(o) tanh(c').
use crate::math::{exp, tanh};

#[inline]
fn sigmoid(x: f32) -> f32 {
    // ops/unary.rs's sigmoid: split by sign so exp never overflows to inf/inf.
    if x >= 0.0 { 1.0 / (1.0 + exp(-x)) } else { let e = exp(x); e / (1.0 + e) }
}

/// One LSTM step over `rows` rows of hidden size `h`: xg, hg [rows, 4h], c [rows, h] into
/// out [2, rows, h] (h' in the first half, c' in the second).
pub fn lstm_cell(xg: &[f32], hg: &[f32], c: &[f32], h: usize, out: &mut [f32]) {
    let rows = c.len() / h.max(1);
    let (ho, co) = out.split_at_mut(rows * h);
    for r in 0..rows {
        let (x, y) = (&xg[r * 4 * h..(r + 1) * 4 * h], &hg[r * 4 * h..(r + 1) * 4 * h]);
        for j in 0..h {
            let i = sigmoid(x[j] + y[j]);
            let f = sigmoid(x[h + j] + y[h + j]);
            let g = tanh(x[2 * h + j] + y[2 * h + j]);
            let o = sigmoid(x[3 * h + j] + y[3 * h + j]);
            let c2 = f * c[r * h + j] + i * g;
            co[r * h + j] = c2;
            ho[r * h + j] = o * tanh(c2);
        }
    }
}

/// The backward of `lstm_cell`: given its inputs, its output `y` [2, rows, h] and the
/// gradient `gy` [2, rows, h] of (h', c'), writes d gates [rows, 4h] (the gradient of xg and of
/// hg alike) and d c [rows, h].
pub fn lstm_cell_backward(xg: &[f32], hg: &[f32], c: &[f32], y: &[f32], gy: &[f32], h: usize, dgates: &mut [f32], dc: &mut [f32]) {
    let rows = c.len() / h.max(1);
    let n = rows * h;
    for r in 0..rows {
        let (x, z) = (&xg[r * 4 * h..(r + 1) * 4 * h], &hg[r * 4 * h..(r + 1) * 4 * h]);
        let dg = &mut dgates[r * 4 * h..(r + 1) * 4 * h];
        for j in 0..h {
            let k = r * h + j;
            let i = sigmoid(x[j] + z[j]);
            let f = sigmoid(x[h + j] + z[h + j]);
            let g = tanh(x[2 * h + j] + z[2 * h + j]);
            let o = sigmoid(x[3 * h + j] + z[3 * h + j]);
            let tc = tanh(y[n + k]);
            let (gh, gc) = (gy[k], gy[n + k]);
            // c' feeds h' through tanh and the next step directly
            let dct = gc + gh * o * (1.0 - tc * tc);
            dg[j] = dct * g * i * (1.0 - i);
            dg[h + j] = dct * c[k] * f * (1.0 - f);
            dg[2 * h + j] = dct * i * (1.0 - g * g);
            dg[3 * h + j] = gh * tc * o * (1.0 - o);
            dc[k] = dct * f;
        }
    }
}

/// One GRU step over `rows` rows of hidden size `h` (torch's gate order r, z, n): xg = x Wᵢₕᵀ + b_ih
/// and hg = h Wₕₕᵀ + b_hh [rows, 3h], hx [rows, h] into out [rows, h]:
///   r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn), h' = (h - n) z + n   (torch's order of operations).
pub fn gru_cell(xg: &[f32], hg: &[f32], hx: &[f32], h: usize, out: &mut [f32]) {
    let rows = hx.len() / h.max(1);
    for row in 0..rows {
        let (x, y) = (&xg[row * 3 * h..(row + 1) * 3 * h], &hg[row * 3 * h..(row + 1) * 3 * h]);
        for j in 0..h {
            let r = sigmoid(y[j] + x[j]);
            let z = sigmoid(y[h + j] + x[h + j]);
            let n = tanh(x[2 * h + j] + y[2 * h + j] * r);
            let k = row * h + j;
            out[k] = (hx[k] - n) * z + n;
        }
    }
}

/// The backward of `gru_cell` from its inputs and the gradient `gy` [rows, h] of h': writes
/// d xg and d hg [rows, 3h] and d hx [rows, h] (hx's direct term; hg's carries the rest).
pub fn gru_cell_backward(xg: &[f32], hg: &[f32], hx: &[f32], gy: &[f32], h: usize, dxg: &mut [f32], dhg: &mut [f32], dhx: &mut [f32]) {
    let rows = hx.len() / h.max(1);
    for row in 0..rows {
        let o = row * 3 * h;
        let (x, y) = (&xg[o..o + 3 * h], &hg[o..o + 3 * h]);
        for j in 0..h {
            let k = row * h + j;
            let r = sigmoid(y[j] + x[j]);
            let z = sigmoid(y[h + j] + x[h + j]);
            let hn = y[2 * h + j];
            let n = tanh(x[2 * h + j] + hn * r);
            let g = gy[k];
            let dn = g * (1.0 - z) * (1.0 - n * n);
            let dr = dn * hn * r * (1.0 - r);
            let dz = g * (hx[k] - n) * z * (1.0 - z);
            dxg[o + j] = dr;
            dxg[o + h + j] = dz;
            dxg[o + 2 * h + j] = dn;
            dhg[o + j] = dr;
            dhg[o + h + j] = dz;
            dhg[o + 2 * h + j] = dn * r;
            dhx[k] = g * z;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(xg: &[f32], hg: &[f32], c: &[f32], h: usize) -> Vec<f32> {
        let mut out = vec![0.0; 2 * c.len()];
        lstm_cell(xg, hg, c, h, &mut out);
        out
    }

    #[test]
    fn forward_is_the_gate_formula() {
        // one row, h = 1: gates i, f, g, o
        let out = step(&[0.5, -1.0, 0.25, 2.0], &[0.5, 0.0, 0.25, -1.0], &[0.75], 1);
        let s = |x: f32| 1.0 / (1.0 + (-x).exp());
        let c2 = s(-1.0) * 0.75 + s(1.0) * 0.5f32.tanh();
        assert!((out[1] - c2).abs() < 1e-6);
        assert!((out[0] - s(1.0) * c2.tanh()).abs() < 1e-6);
    }

    #[test]
    fn gru_backward_matches_central_differences() {
        let h = 2;
        let xg: Vec<f32> = (0..12).map(|i| ((i * 37 % 11) as f32 - 5.0) / 4.0).collect();
        let hg: Vec<f32> = (0..12).map(|i| ((i * 17 % 7) as f32 - 3.0) / 5.0).collect();
        let hx: Vec<f32> = (0..4).map(|i| (i as f32 - 1.5) / 2.0).collect();
        let gy: Vec<f32> = (0..4).map(|i| ((i * 5 % 9) as f32 - 4.0) / 3.0).collect();
        let loss = |xg: &[f32], hg: &[f32], hx: &[f32]| -> f64 {
            let mut out = vec![0.0; 4];
            gru_cell(xg, hg, hx, h, &mut out);
            out.iter().zip(&gy).map(|(a, b)| (*a as f64) * (*b as f64)).sum()
        };
        let (mut dx, mut dh, mut dhx) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; 4]);
        gru_cell_backward(&xg, &hg, &hx, &gy, h, &mut dx, &mut dh, &mut dhx);
        let eps = 1e-2f32;
        let fd = |v: &[f32], k: usize, f: &dyn Fn(&[f32]) -> f64| {
            let (mut a, mut b) = (v.to_vec(), v.to_vec());
            a[k] += eps;
            b[k] -= eps;
            (f(&a) - f(&b)) / (2.0 * eps as f64)
        };
        for k in 0..12 {
            let n = fd(&xg, k, &|v| loss(v, &hg, &hx));
            assert!((n - dx[k] as f64).abs() < 2e-3, "xg {}: {} vs {}", k, n, dx[k]);
            let n = fd(&hg, k, &|v| loss(&xg, v, &hx));
            assert!((n - dh[k] as f64).abs() < 2e-3, "hg {}: {} vs {}", k, n, dh[k]);
        }
        for k in 0..4 {
            let n = fd(&hx, k, &|v| loss(&xg, &hg, v));
            assert!((n - dhx[k] as f64).abs() < 2e-3, "hx {}: {} vs {}", k, n, dhx[k]);
        }
    }

    #[test]
    fn backward_matches_central_differences() {
        let h = 2;
        let xg: Vec<f32> = (0..16).map(|i| ((i * 37 % 11) as f32 - 5.0) / 4.0).collect();
        let hg: Vec<f32> = (0..16).map(|i| ((i * 17 % 7) as f32 - 3.0) / 5.0).collect();
        let c: Vec<f32> = (0..4).map(|i| (i as f32 - 1.5) / 2.0).collect();
        let gy: Vec<f32> = (0..8).map(|i| ((i * 5 % 9) as f32 - 4.0) / 3.0).collect();
        let loss = |xg: &[f32], c: &[f32]| -> f64 { step(xg, &hg, c, h).iter().zip(&gy).map(|(a, b)| (*a as f64) * (*b as f64)).sum() };
        let y = step(&xg, &hg, &c, h);
        let (mut dg, mut dc) = (vec![0.0; 16], vec![0.0; 4]);
        lstm_cell_backward(&xg, &hg, &c, &y, &gy, h, &mut dg, &mut dc);
        let eps = 1e-2f32;
        for k in 0..16 {
            let (mut a, mut b) = (xg.clone(), xg.clone());
            a[k] += eps;
            b[k] -= eps;
            let num = (loss(&a, &c) - loss(&b, &c)) / (2.0 * eps as f64);
            assert!((num - dg[k] as f64).abs() < 2e-3, "gate {}: {} vs {}", k, num, dg[k]);
        }
        for k in 0..4 {
            let (mut a, mut b) = (c.clone(), c.clone());
            a[k] += eps;
            b[k] -= eps;
            let num = (loss(&xg, &a) - loss(&xg, &b)) / (2.0 * eps as f64);
            assert!((num - dc[k] as f64).abs() < 2e-3, "c {}: {} vs {}", k, num, dc[k]);
        }
    }
}
