//! Moving elements by index: cat, index_select, gather, scatter_add, where.
use alloc::vec::Vec;

use super::memory::{copy_strided, to_vec, with_contiguous};
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::shape::{broadcast_strides, contiguous_strides, numel};
use crate::storage::{alloc_for_overwrite, alloc_vec};
use crate::tensor::Tensor;

fn cat_typed<T: Elem>(ts: &[Tensor], d: usize, shape: Vec<usize>) -> Result<Tensor> {
    let strides = contiguous_strides(&shape);
    // The pieces cover the output along d, so nothing needs a zero fill first.
    let mut out = alloc_for_overwrite::<T>(numel(&shape))?;
    let mut at = 0;
    for t in ts {
        if t.numel() == 0 { at += t.shape.get(d).copied().unwrap_or(0); continue; }
        copy_strided(&mut out, &strides, at * strides[d], t)?;
        at += t.shape[d];
    }
    Ok(Tensor::from_vec(out, shape))
}

pub fn cat(ts: &[Tensor], d: usize, shape: Vec<usize>, dtype: DType) -> Result<Tensor> {
    crate::with_elem!(dtype, T => cat_typed::<T>(ts, d, shape))
}

/// Index values as usize after PyTorch's bounds check against t's size along d (negative
/// indices count from the end). The index is int32 or int64 (the op checked its dtype); int64
/// values are checked as int64, so one beyond int32 is an IndexError naming it, never wrapped.
fn checked_indices(t: &Tensor, d: usize, index: &Tensor) -> Result<Vec<usize>> {
    let size = if t.ndim() == 0 { 1 } else { t.shape[d] };
    let n = size as i64;
    let check = |i: i64| {
        if i < -n || i >= n { crate::error::bail!(Index, "index {} is out of bounds for dimension {} with size {}", i, d, size); }
        Ok(if i < 0 { i + n } else { i } as usize)
    };
    if index.dtype() == DType::I64 { return to_vec::<i64>(index)?.into_iter().map(check).collect(); }
    to_vec::<i32>(index)?.iter().map(|&i| check(i as i64)).collect()
}

#[inline(never)]
fn index_select_typed<T: Elem>(t: &Tensor, d: usize, idx: &[usize]) -> Result<Tensor> {
    use super::elementwise::{fill_par, GRAIN};
    let mut shape = t.shape.clone();
    if t.ndim() > 0 { shape[d] = idx.len(); }
    // As [outer, size_d, inner] in logical order: output row (o, j) is source row (o, idx[j]).
    let (outer, inner): (usize, usize) = if t.ndim() == 0 { (1, 1) } else { (t.shape[..d].iter().product(), t.shape[d + 1..].iter().product()) };
    let size_d = if t.ndim() == 0 { 1 } else { t.shape[d] };
    let rows = outer * idx.len();
    if rows * inner == 0 { return Ok(Tensor::from_vec(alloc_vec::<T>(0)?, shape)); }
    let out = with_contiguous::<T, _>(t, |src| fill_par::<T>(rows * inner, GRAIN, |lo, hi, dst| {
        // lo..hi in whole or part rows: each element's source is one read.
        let mut i = lo;
        while i < hi {
            let (r, c) = (i / inner, i % inner);
            let len = (inner - c).min(hi - i);
            let from = ((r / idx.len()) * size_d + idx[r % idx.len()]) * inner + c;
            for (o, &x) in dst[i - lo..i - lo + len].iter_mut().zip(&src[from..from + len]) { o.write(x); }
            i += len;
        }
    }))??;
    Ok(Tensor::from_vec(out, shape))
}

pub fn index_select(t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> {
    let idx = checked_indices(t, d, index)?;
    crate::with_elem!(t.dtype(), T => index_select_typed::<T>(t, d, &idx))
}

#[inline(never)]
fn gather_typed<T: Elem>(t: &Tensor, d: usize, index_shape: &[usize], idx: &[usize]) -> Result<Tensor> {
    use super::elementwise::{fill_par, GRAIN};
    const STACK: usize = 16;
    let total = numel(index_shape);
    if total == 0 { return Ok(Tensor::from_vec(alloc_vec::<T>(0)?, index_shape.to_vec())); }
    let b = t.storage.buf.borrow();
    let s = T::try_slice(&b)?;
    let nd = t.ndim().min(index_shape.len());
    let (base, strides) = (t.offset, &t.strides[..]);
    // Over output ranges, each with its own multi-index (on the stack: a deeper index runs on
    // the caller alone, where it may allocate).
    let grain = if index_shape.len() > STACK { usize::MAX } else { GRAIN };
    let out = fill_par::<T>(total, grain, |lo, hi, dst| {
        let mut stack = [0usize; STACK];
        let mut heap = Vec::new();
        let ix: &mut [usize] = if index_shape.len() <= STACK { &mut stack[..index_shape.len()] } else { heap.resize(index_shape.len(), 0); &mut heap };
        let mut rest = lo;
        for k in (0..index_shape.len()).rev() { ix[k] = rest % index_shape[k]; rest /= index_shape[k]; }
        for (n, o) in (lo..hi).zip(dst.iter_mut()) {
            let mut off = base;
            for k in 0..nd { off += if k == d { idx[n] } else { ix[k] } * strides[k]; }
            o.write(s[off]);
            let mut k = index_shape.len();
            while k > 0 {
                k -= 1;
                ix[k] += 1;
                if ix[k] < index_shape[k] { break; }
                ix[k] = 0;
            }
        }
    })?;
    Ok(Tensor::from_vec(out, index_shape.to_vec()))
}

pub fn gather(t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> {
    let idx = checked_indices(t, d, index)?;
    crate::with_elem!(t.dtype(), T => gather_typed::<T>(t, d, &index.shape, &idx))
}

#[inline(never)]
fn scatter_add_typed<T: Elem>(t: &Tensor, d: usize, index_shape: &[usize], idx: &[usize], src: &Tensor, add: impl Fn(T, T) -> T + Sync) -> Result<Tensor> {
    use super::elementwise::GRAIN;
    use kd_kernels::parallel::{parallel_for, SyncPtr};
    const STACK: usize = 16;
    let mut out = to_vec::<T>(t)?;
    let strides = contiguous_strides(&t.shape);
    let b = src.storage.buf.borrow();
    let s = T::try_slice(&b)?;
    let nd = index_shape.len();
    let total = numel(index_shape);
    if total == 0 { return Ok(Tensor::from_vec(out, t.shape.clone())); }
    // Index positions that differ along a dim p != d land in different places of out (each
    // index size is at most t's there), so ranges of p run in parallel; within one range the
    // adds to each place come in the serial order (by position along d). A 0-d t, or an index
    // of other rank, has no such dim: serially.
    let fits = nd == t.ndim() && nd <= STACK && (0..nd).all(|k| k == d || index_shape[k] <= t.shape[k]);
    let p = (0..nd).filter(|&k| fits && k != d).max_by_key(|&k| index_shape[k]).unwrap_or(usize::MAX);
    let len_out = out.len();
    // Plain values for the ranges (a Tensor never crosses threads).
    let (t_nd, s_off, s_strides) = (t.ndim(), src.offset, &src.strides[..]);
    let o = SyncPtr::new(&mut out);
    let run = |lo: usize, hi: usize| {
        // The positions with ix[p] in lo..hi, row-major; ix on the stack (workers never allocate).
        let mut ix = [0usize; STACK];
        let mut heap = Vec::new();
        let ix: &mut [usize] = if nd <= STACK { &mut ix[..nd] } else { heap.resize(nd, 0); &mut heap };
        if p != usize::MAX { ix[p] = lo; }
        loop {
            let (mut off, mut soff, mut n) = (0, s_off, 0);
            for k in 0..nd { n = n * index_shape[k] + ix[k]; }
            for k in 0..t_nd { off += if k == d { idx[n] } else { ix[k] } * strides[k]; }
            // src is read at the index position (a 0-d t still takes each of a 1-d index's sources)
            for k in 0..nd.min(s_strides.len()) { soff += ix[k] * s_strides[k]; }
            assert!(off < len_out);
            // SAFETY: in bounds (above); only this range adds to this place (see above).
            unsafe { let v = o.at(off); *v = add(*v, s[soff]); }
            let mut k = nd;
            loop {
                if k == 0 { return; }
                k -= 1;
                ix[k] += 1;
                let end = if k == p { hi } else { index_shape[k] };
                if ix[k] < end { break; }
                ix[k] = if k == p { lo } else { 0 };
            }
        }
    };
    if p == usize::MAX { run(0, 1); } else {
        let parts = index_shape[p];
        parallel_for(parts, (GRAIN / (total / parts).max(1)).max(1), |lo, hi, _| run(lo, hi));
    }
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

pub fn scatter_add(t: &Tensor, d: usize, index: &Tensor, src: &Tensor) -> Result<Tensor> {
    let idx = checked_indices(t, d, index)?;
    let (index_shape, idx) = (&index.shape[..], &idx[..]);
    match t.dtype() {
        DType::F32 => scatter_add_typed::<f32>(t, d, index_shape, idx, src, |a, b| a + b),
        DType::I32 => scatter_add_typed::<i32>(t, d, index_shape, idx, src, |a, b| a.wrapping_add(b)),
        DType::Bool => scatter_add_typed::<u8>(t, d, index_shape, idx, src, |a, b| a | b),
        other => { crate::dtype::check_computes("scatter_add", &[other])?; unreachable!() }
    }
}

#[inline(never)]
fn where_typed<T: Elem>(c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> {
    use super::elementwise::{fill_par, Rows, GRAIN};
    let sc = broadcast_strides(&c.shape, &c.strides, &shape);
    let sa = broadcast_strides(&a.shape, &a.strides, &shape);
    let sb = broadcast_strides(&b.shape, &b.strides, &shape);
    let n = numel(&shape);
    if n == 0 { return Ok(Tensor::from_vec(alloc_vec::<T>(0)?, shape)); }
    let (bc, ba, bb) = (c.storage.buf.borrow(), a.storage.buf.borrow(), b.storage.buf.borrow());
    let (xc, xa, xb) = (u8::try_slice(&bc)?, T::try_slice(&ba)?, T::try_slice(&bb)?);
    let rows = Rows::new(&shape, [&sc, &sa, &sb], [c.offset, a.offset, b.offset]);
    let out = fill_par::<T>(n, rows.grain(GRAIN), |lo, hi, dst| rows.walk(lo, hi, |i, o, len, st| {
        for (j, d) in dst[i - lo..i - lo + len].iter_mut().enumerate() {
            d.write(if xc[o[0] + j * st[0]] != 0 { xa[o[1] + j * st[1]] } else { xb[o[2] + j * st[2]] });
        }
    }))?;
    Ok(Tensor::from_vec(out, shape))
}

pub fn where_(c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> {
    crate::with_elem!(a.dtype(), T => where_typed::<T>(c, a, b, shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::elementwise::tests::{same_on_any_threads, t};
    use crate::backend::cpu::memory::cast;
    use alloc::vec;

    #[test]
    fn where_and_gather_are_bit_identical_for_any_thread_count() {
        let a = t(&[300, 337], 1);
        let b = t(&[337], 2);
        let c = Tensor::from_vec(crate::backend::cpu::elementwise::tests::rand(300, 3).iter().map(|&x| (x > 0.0) as u8).collect::<Vec<u8>>(), vec![300, 1]);
        let idx = Tensor::from_vec((0..300 * 200).map(|i| ((i * 7919) % 337) as i32).collect::<Vec<i32>>(), vec![300, 200]);
        same_on_any_threads(|| vec![
            where_(&c, &a, &b, vec![300, 337]).unwrap(),
            where_(&c, &a.transpose(0, 1).unwrap().contiguous().unwrap().transpose(0, 1).unwrap(), &b, vec![300, 337]).unwrap(),
            gather(&a, 1, &idx).unwrap(),
            gather(&a.transpose(0, 1).unwrap(), 0, &idx.transpose(0, 1).unwrap()).unwrap(),
        ]);
        // gather reads what a serial walk reads
        let g = gather(&a, 1, &idx).unwrap().to_vec::<f32>().unwrap();
        let (av, iv) = (a.to_vec::<f32>().unwrap(), idx.to_vec::<i32>().unwrap());
        for i in 0..300 { for j in 0..200 { assert_eq!(g[i * 200 + j], av[i * 337 + iv[i * 200 + j] as usize]); } }
    }

    #[test]
    fn moves_and_casts_are_bit_identical_for_any_thread_count_and_match_a_serial_walk() {
        let a = t(&[300, 337], 1);
        let at = a.transpose(0, 1).unwrap();
        let sel = Tensor::from_vec((0..500).map(|i| ((i * 7919) % 300) as i32).collect::<Vec<i32>>(), vec![500]);
        // scatter_add with many collisions along d (the order of adds matters for f32)
        let idx = Tensor::from_vec((0..300 * 200).map(|i| ((i * 31) % 7) as i32).collect::<Vec<i32>>(), vec![300, 200]);
        let src = t(&[300, 200], 4);
        let zero = Tensor::from_vec(vec![0.0f32; 300 * 337], vec![300, 337]);
        let run = || vec![
            at.contiguous().unwrap(),
            cast(&at, DType::F64).unwrap(),
            cast(&at, DType::I32).unwrap(),
            cat(&[a.clone(), at.transpose(0, 1).unwrap()], 1, vec![300, 674], DType::F32).unwrap(),
            cat(&[at.clone(), at.clone()], 0, vec![674, 300], DType::F32).unwrap(),
            index_select(&a, 0, &sel).unwrap(),
            index_select(&at, 1, &sel).unwrap(),
            scatter_add(&zero, 1, &idx, &src).unwrap(),
            scatter_add(&zero.transpose(0, 1).unwrap(), 0, &idx.transpose(0, 1).unwrap(), &src.transpose(0, 1).unwrap()).unwrap(),
        ];
        same_on_any_threads(run);
        let r = run();
        let (av, sv, iv) = (a.to_vec::<f32>().unwrap(), src.to_vec::<f32>().unwrap(), idx.to_vec::<i32>().unwrap());
        let ct = r[0].to_vec::<f32>().unwrap();
        for i in 0..300 { for j in 0..337 { assert_eq!(ct[j * 300 + i], av[i * 337 + j]); } }
        let is = r[6].to_vec::<f32>().unwrap();
        let selv = sel.to_vec::<i32>().unwrap();
        for j in 0..337 { for (k, &s) in selv.iter().enumerate() { assert_eq!(is[j * 500 + k], av[s as usize * 337 + j]); } }
        // scatter_add: the serial order of adds, element by element
        let mut want = vec![0.0f32; 300 * 337];
        for i in 0..300 { for j in 0..200 { want[i * 337 + iv[i * 200 + j] as usize] += sv[i * 200 + j]; } }
        assert!(r[7].to_vec::<f32>().unwrap().iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
}
