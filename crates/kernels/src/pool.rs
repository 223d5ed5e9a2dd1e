//! Max pooling's common CNN case, 2x2 windows at stride 2, four windows per step in SIMD
//! lanes: branch-free, where a compare per window element mispredicted about half the time on
//! real activations (the window's maximum is anywhere in it).
use crate::simd::F32x4;

/// One output row of a 2x2 stride-2 max pool: window ox covers r0[2ox..2ox+2] and
/// r1[2ox..2ox+2] (input rows 2oy and 2oy+1 of a plane w wide; `first` is the plane index of
/// r0[0]). Writes vals[ox] and idx[ox] (the plane index of the maximum) for ox < vals.len().
/// PyTorch's rule: the first maximum in window order, and a NaN always wins (the last one).
pub fn max2x2_row(r0: &[f32], r1: &[f32], first: usize, w: usize, vals: &mut [f32], idx: &mut [i32]) {
    let ow = vals.len();
    assert!(idx.len() >= ow && r0.len() >= 2 * ow && r1.len() >= 2 * ow, "max2x2_row: slice too short");
    // Offsets of a window's elements from its first, exact in f32 (w < 2^24 for any plane
    // an i32 index can address).
    let offs = [F32x4::splat(1.0), F32x4::splat(w as f32), F32x4::splat(w as f32 + 1.0)];
    let mut ox = 0;
    let mut off = [0.0f32; 4];
    while ox + 4 <= ow {
        // SAFETY: 2ox + 8 <= 2ow <= the rows' lengths; vals holds ow floats.
        unsafe {
            let (a0, a1) = (F32x4::load(r0.as_ptr().add(2 * ox)), F32x4::load(r0.as_ptr().add(2 * ox + 4)));
            let (b0, b1) = (F32x4::load(r1.as_ptr().add(2 * ox)), F32x4::load(r1.as_ptr().add(2 * ox + 4)));
            let mut best = F32x4::evens(a0, a1);
            let mut at = F32x4::zero();
            for (v, k) in [F32x4::odds(a0, a1), F32x4::evens(b0, b1), F32x4::odds(b0, b1)].into_iter().zip(offs) {
                let take = v.gt(best).or(v.nan_mask());
                best = F32x4::select(take, v, best);
                at = F32x4::select(take, k, at);
            }
            best.store(vals.as_mut_ptr().add(ox));
            at.store(off.as_mut_ptr());
        }
        for (l, o) in off.iter().enumerate() {
            idx[ox + l] = (first + 2 * (ox + l)) as i32 + *o as i32;
        }
        ox += 4;
    }
    for ox in ox..ow {
        let (mut best, mut at) = (r0[2 * ox], 0);
        for (v, k) in [(r0[2 * ox + 1], 1), (r1[2 * ox], w), (r1[2 * ox + 1], w + 1)] {
            if v > best || v.is_nan() { best = v; at = k; }
        }
        vals[ox] = best;
        idx[ox] = (first + 2 * ox + at) as i32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn first_maximum_and_last_nan_win() {
        // 2 rows of 22 columns (11 windows: two SIMD steps and a scalar tail), with ties,
        // NaNs and infinities.
        let w = 22;
        let mut r = vec![0.0f32; 2 * w];
        for (i, v) in r.iter_mut().enumerate() { *v = ((i * 7) % 5) as f32 - 2.0; }
        r[2] = f32::NAN;
        r[w + 3] = f32::NAN;
        r[9] = f32::INFINITY;
        r[20] = f32::NAN;
        r[w + 16] = f32::NEG_INFINITY;
        let (r0, r1) = r.split_at(w);
        let ow = 11;
        let (mut vals, mut idx) = (vec![0.0f32; ow], vec![0i32; ow]);
        max2x2_row(r0, r1, 100, w, &mut vals, &mut idx);
        for ox in 0..ow {
            let cand = [(r0[2 * ox], 0), (r0[2 * ox + 1], 1), (r1[2 * ox], w), (r1[2 * ox + 1], w + 1)];
            let (mut best, mut at) = cand[0];
            for &(v, k) in &cand[1..] { if v > best || v.is_nan() { best = v; at = k; } }
            assert_eq!(vals[ox].to_bits(), best.to_bits(), "value of window {ox}");
            assert_eq!(idx[ox], (100 + 2 * ox + at) as i32, "index of window {ox}");
        }
        assert!(vals[1].is_nan() && idx[1] == (100 + w + 3) as i32, "the last NaN wins");
    }
}
