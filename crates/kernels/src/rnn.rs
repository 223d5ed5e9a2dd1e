//! Fused recurrent-cell gate math: one pass over a step's gates instead of a dozen elementwise
//! ops (each with its own allocation and autograd node). The matmuls stay outside (GEMM).
//!
//! LSTM, torch's gate order i, f, g, o: with gates = xg + hg (row r, [4h]),
//!   c' = σ(f) c + σ(i) tanh(g),   h' = σ(o) tanh(c').
//! GRU, torch's order r, z, n and order of operations:
//!   r = σ(hr + xr), z = σ(hz + xz), n = tanh(xn + r hn), h' = (h - n) z + n.
//!
//! The gates are 3-5 transcendentals per element, which libm's expf / tanhf (a call each, ~100
//! cycles in wasm) made the step's cost. `exp`, `sigmoid` and `tanh` here are Cephes' expf and
//! tanhf polynomials (within 2 ulp), written branch-free on plain f32 so the loops over a row,
//! re-sliced to one length, compile to simd128 code.

/// e^x: x = n ln2 + r (|r| <= ln2 / 2, n by the 1.5 * 2^23 rounding trick), a degree-6 polynomial
/// in r, times 2^n built in the exponent bits. x is clamped to where 2^n is a normal float.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
    let x = x.clamp(-87.336_54, 88.376_26);
    let z = x * core::f32::consts::LOG2_E + MAGIC;
    let n = z - MAGIC;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 0.166_666_65) * r + 0.5;
    let e = p * r * r + r + 1.0;
    let bits = (z.to_bits() as i32).wrapping_sub(0x4B40_0000).wrapping_add(127) << 23;
    e * f32::from_bits(bits as u32)
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 { 1.0 / (1.0 + exp(-x)) }

/// tanh: an odd polynomial below |x| = 0.625, else 1 - 2 / (e^{2|x|} + 1) with x's sign.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let small = ((((-5.704_988_7e-3 * z + 2.063_908_9e-2) * z - 5.373_971_6e-2) * z + 0.133_314_42) * z - 0.333_332_82) * z * x + x;
    let big = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    if a < 0.625 { small } else { f32::copysign(big, x) }
}

/// One LSTM step over `rows` rows of hidden size `h`: xg, hg [rows, 4h], c [rows, h] into
/// out [2, rows, h] (h' in the first half, c' in the second).
pub fn lstm_cell(xg: &[f32], hg: &[f32], c: &[f32], h: usize, out: &mut [f32]) {
    let rows = c.len() / h.max(1);
    let (ho, co) = out.split_at_mut(rows * h);
    for r in 0..rows {
        let (x, y) = (&xg[r * 4 * h..(r + 1) * 4 * h], &hg[r * 4 * h..(r + 1) * 4 * h]);
        // every slice exactly h long, so the loop has no bounds checks and vectorises
        let (xi, xf, xc, xo) = (&x[..h], &x[h..2 * h], &x[2 * h..3 * h], &x[3 * h..4 * h]);
        let (yi, yf, yc, yo) = (&y[..h], &y[h..2 * h], &y[2 * h..3 * h], &y[3 * h..4 * h]);
        let cr = &c[r * h..(r + 1) * h];
        let (hr, cr2) = (&mut ho[r * h..(r + 1) * h], &mut co[r * h..(r + 1) * h]);
        for j in 0..h {
            let i = sigmoid(xi[j] + yi[j]);
            let f = sigmoid(xf[j] + yf[j]);
            let g = tanh(xc[j] + yc[j]);
            let o = sigmoid(xo[j] + yo[j]);
            let c2 = f * cr[j] + i * g;
            cr2[j] = c2;
            hr[j] = o * tanh(c2);
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
        let (xi, xf, xc, xo) = (&x[..h], &x[h..2 * h], &x[2 * h..3 * h], &x[3 * h..4 * h]);
        let (zi, zf, zc, zo) = (&z[..h], &z[h..2 * h], &z[2 * h..3 * h], &z[3 * h..4 * h]);
        let (cr, c2, gh, gc) = (&c[r * h..(r + 1) * h], &y[n + r * h..n + (r + 1) * h], &gy[r * h..(r + 1) * h], &gy[n + r * h..n + (r + 1) * h]);
        let dcr = &mut dc[r * h..(r + 1) * h];
        let (di, rest) = dgates[r * 4 * h..(r + 1) * 4 * h].split_at_mut(h);
        let (df, rest) = rest.split_at_mut(h);
        let (dg, do_) = rest.split_at_mut(h);
        for j in 0..h {
            let i = sigmoid(xi[j] + zi[j]);
            let f = sigmoid(xf[j] + zf[j]);
            let g = tanh(xc[j] + zc[j]);
            let o = sigmoid(xo[j] + zo[j]);
            let tc = tanh(c2[j]);
            // c' feeds h' through tanh and the next step directly
            let dct = gc[j] + gh[j] * o * (1.0 - tc * tc);
            di[j] = dct * g * i * (1.0 - i);
            df[j] = dct * cr[j] * f * (1.0 - f);
            dg[j] = dct * i * (1.0 - g * g);
            do_[j] = gh[j] * tc * o * (1.0 - o);
            dcr[j] = dct * f;
        }
    }
}

/// One GRU step over `rows` rows of hidden size `h`: xg = x Wᵢₕᵀ + b_ih and hg = h Wₕₕᵀ + b_hh
/// [rows, 3h], hx [rows, h] into out [rows, h].
pub fn gru_cell(xg: &[f32], hg: &[f32], hx: &[f32], h: usize, out: &mut [f32]) {
    let rows = hx.len() / h.max(1);
    for row in 0..rows {
        let (x, y) = (&xg[row * 3 * h..(row + 1) * 3 * h], &hg[row * 3 * h..(row + 1) * 3 * h]);
        let (xr, xz, xn) = (&x[..h], &x[h..2 * h], &x[2 * h..3 * h]);
        let (yr, yz, yn) = (&y[..h], &y[h..2 * h], &y[2 * h..3 * h]);
        let (s, o) = (&hx[row * h..(row + 1) * h], &mut out[row * h..(row + 1) * h]);
        for j in 0..h {
            let r = sigmoid(yr[j] + xr[j]);
            let z = sigmoid(yz[j] + xz[j]);
            let n = tanh(xn[j] + yn[j] * r);
            o[j] = (s[j] - n) * z + n;
        }
    }
}

/// The backward of `gru_cell` from its inputs and the gradient `gy` [rows, h] of h': writes
/// d xg and d hg [rows, 3h] and d hx [rows, h] (hx's direct term; hg's carries the rest).
#[allow(clippy::too_many_arguments)]
pub fn gru_cell_backward(xg: &[f32], hg: &[f32], hx: &[f32], gy: &[f32], h: usize, dxg: &mut [f32], dhg: &mut [f32], dhx: &mut [f32]) {
    let rows = hx.len() / h.max(1);
    for row in 0..rows {
        let o = row * 3 * h;
        let (x, y) = (&xg[o..o + 3 * h], &hg[o..o + 3 * h]);
        let (xr, xz, xn) = (&x[..h], &x[h..2 * h], &x[2 * h..3 * h]);
        let (yr, yz, yn) = (&y[..h], &y[h..2 * h], &y[2 * h..3 * h]);
        let (s, g, dh) = (&hx[row * h..(row + 1) * h], &gy[row * h..(row + 1) * h], &mut dhx[row * h..(row + 1) * h]);
        let (dxr, rest) = dxg[o..o + 3 * h].split_at_mut(h);
        let (dxz, dxn) = rest.split_at_mut(h);
        let (dhr, rest) = dhg[o..o + 3 * h].split_at_mut(h);
        let (dhz, dhn) = rest.split_at_mut(h);
        for j in 0..h {
            let r = sigmoid(yr[j] + xr[j]);
            let z = sigmoid(yz[j] + xz[j]);
            let n = tanh(xn[j] + yn[j] * r);
            let dn = g[j] * (1.0 - z) * (1.0 - n * n);
            let dr = dn * yn[j] * r * (1.0 - r);
            let dz = g[j] * (s[j] - n) * z * (1.0 - z);
            dxr[j] = dr;
            dxz[j] = dz;
            dxn[j] = dn;
            dhr[j] = dr;
            dhz[j] = dz;
            dhn[j] = dn * r;
            dh[j] = g[j] * z;
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
    fn exp_sigmoid_tanh_are_within_a_few_ulp() {
        let mut worst = [0f64; 3];
        for k in -20_000..=20_000 {
            let x = k as f32 * 1e-3 * 4.5; // [-90, 90]
            let (e, s, t) = ((x as f64).exp(), 1.0 / (1.0 + (-(x as f64)).exp()), (x as f64).tanh());
            let rel = |a: f32, b: f64| if b == 0.0 || !b.is_finite() { 0.0 } else { ((a as f64 - b) / b).abs() };
            if x > -87.0 && x < 88.3 { worst[0] = worst[0].max(rel(exp(x), e)); }
            worst[1] = worst[1].max(rel(sigmoid(x), s).min((sigmoid(x) as f64 - s).abs() / 1e-30));
            worst[2] = worst[2].max(rel(tanh(x), t));
        }
        // 2^-23 is one ulp of relative error
        assert!(worst.iter().all(|&w| w < 3.0 * f32::EPSILON as f64), "{:?}", worst);
        assert_eq!((tanh(0.0), tanh(50.0), tanh(-50.0)), (0.0, 1.0, -1.0));
        assert_eq!((sigmoid(-200.0) < 1e-37, sigmoid(200.0)), (true, 1.0));
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
