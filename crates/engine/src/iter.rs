//! Strided iteration shared by every elementwise kernel: N operands, one shape, per-operand
//! strides. Dims are coalesced first, so a contiguous tensor is one long row.
use crate::shape::INLINE_DIMS;

/// Calls `f(offsets, len, inner_strides)` once per innermost row; `offsets[k]` is operand k's
/// element offset at the start of the row. Does nothing for an empty shape (numel 0).
/// Up to `shape::INLINE_DIMS` dims its bookkeeping lives on the stack (no allocation).
pub fn for_each_row<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    base: [usize; N],
    f: impl FnMut([usize; N], usize, [usize; N]),
) {
    if shape.iter().any(|&d| d == 0) {
        return;
    }
    // One walk for both cases (the walk is monomorphised into every elementwise kernel).
    let mut inline_dims = [(0usize, [0usize; N]); INLINE_DIMS];
    let mut inline_idx = [0usize; INLINE_DIMS];
    let (mut heap_dims, mut heap_idx);
    let (dims, idx): (&mut [(usize, [usize; N])], &mut [usize]) = if shape.len() <= INLINE_DIMS {
        (&mut inline_dims, &mut inline_idx)
    } else {
        heap_dims = alloc::vec![(0usize, [0usize; N]); shape.len()];
        heap_idx = alloc::vec![0usize; shape.len()];
        (&mut heap_dims, &mut heap_idx)
    };
    rows(shape, strides, base, dims, idx, f);
}

/// for_each_row's walk, with room for `shape.len()` coalesced dims in `dims` and `idx`.
#[inline]
fn rows<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    base: [usize; N],
    dims: &mut [(usize, [usize; N])],
    idx: &mut [usize],
    mut f: impl FnMut([usize; N], usize, [usize; N]),
) {
    // Coalesce: drop size-1 dims and merge neighbours that step through memory as one.
    let mut nd = 0;
    for (d, &size) in shape.iter().enumerate() {
        if size == 1 { continue; }
        let st: [usize; N] = core::array::from_fn(|k| strides[k][d]);
        if nd > 0 {
            let last = &mut dims[nd - 1];
            if (0..N).all(|k| last.1[k] == st[k] * size) {
                last.0 *= size;
                last.1 = st;
                continue;
            }
        }
        dims[nd] = (size, st);
        nd += 1;
    }
    if nd == 0 {
        f(base, 1, [0; N]);
        return;
    }
    let (inner_len, inner_st) = dims[nd - 1];
    let outer = &dims[..nd - 1];
    let idx = &mut idx[..outer.len()];
    let mut offs = base;
    loop {
        f(offs, inner_len, inner_st);
        if !next_row(outer, idx, &mut offs) { return; }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    #[test]
    fn visits_transposed_in_logical_order() {
        // 2x3 tensor stored transposed: strides (1, 2)
        let mut seen = Vec::new();
        for_each_row(&[2, 3], [&[1, 2]], [0], |o, len, st| {
            for i in 0..len { seen.push(o[0] + i * st[0]); }
        });
        assert_eq!(seen, alloc::vec![0, 2, 4, 1, 3, 5]);
    }
    #[test]
    fn coalesces_contiguous() {
        let mut calls = 0;
        for_each_row(&[4, 5, 6], [&[30, 6, 1]], [0], |_, len, _| { calls += 1; assert_eq!(len, 120); });
        assert_eq!(calls, 1);
    }
}

/// The odometer step over the outer dims (size, strides): the next row's index and operand
/// offsets, adjusted incrementally; false past the last row.
#[inline(always)]
pub(crate) fn next_row<const N: usize>(outer: &[(usize, [usize; N])], idx: &mut [usize], offs: &mut [usize; N]) -> bool {
    let mut d = outer.len();
    loop {
        if d == 0 { return false; }
        d -= 1;
        idx[d] += 1;
        for k in 0..N { offs[k] += outer[d].1[k]; }
        if idx[d] < outer[d].0 { return true; }
        for k in 0..N { offs[k] -= outer[d].1[k] * outer[d].0; }
        idx[d] = 0;
    }
}
