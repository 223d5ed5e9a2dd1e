//! Reductions and prod's gradient on the GPU, mirroring backend/cpu/reduce.rs. The reduced dims
//! are permuted innermost (a contiguous copy unless the view already is), so each output reduces
//! one contiguous run of `r` elements. Each op is a fold state `S` with init / fold / merge /
//! final functions: the plain folds are the spec rows' WGSL (ops/reduce.rs); argmax/argmin,
//! var/std and logsumexp carry a few values (index, Welford's count-mean-m2, running max and sum).
//!
//! Launch shapes: short runs fold serially (a thread per output); longer runs reduce in a
//! workgroup per output (strided fold, then a tree in workgroup memory); a long run with few
//! outputs is split over several workgroups whose partial states a second dispatch merges.
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::kernel::{empty, id, wgsl_type, WG};
use super::shader::{groups, header, launch, thread_main};
use crate::dtype::DType;
use crate::error::Result;
use crate::ops::reduce::{ReduceOp, REDUCE};
use crate::shape::numel;
use crate::tensor::Tensor;

/// Runs at most this long fold serially, a thread per output.
const SERIAL_MAX: usize = 32;
/// Elements a workgroup folds, at least, before a run is split over several.
const SPLIT_CHUNK: usize = 4096;
/// Workgroups a split reduction aims for.
const SPLIT_TARGET: usize = 256;

/// The fold state and its functions, as WGSL, for op over elements of WGSL type `ty`; returns
/// (source, output dtype).
fn state(op: ReduceOp, dt: DType, ty: &str) -> (String, DType) {
    use ReduceOp::*;
    match op {
        Argmax | Argmin => {
            let cmp = if op == Argmax { ">" } else { "<" };
            let nan = is_nan_fn(ty);
            let src = format!(
                "struct S {{ v: {ty}, i: u32 }}
{nan}
const NONE = 0xffffffffu;
fn s_init() -> S {{ return S({ty}(0), NONE); }}
fn s_merge(a: S, b: S) -> S {{
  if (a.i == NONE) {{ return b; }}
  if (b.i == NONE) {{ return a; }}
  let an = is_nan(a.v);
  let bn = is_nan(b.v);
  // the first NaN wins (torch); then the extreme; ties go to the first index
  if (an || bn) {{ if (an && bn) {{ if (a.i < b.i) {{ return a; }} return b; }} if (an) {{ return a; }} return b; }}
  if (a.v {cmp} b.v) {{ return a; }}
  if (b.v {cmp} a.v) {{ return b; }}
  if (a.i < b.i) {{ return a; }}
  return b;
}}
fn s_fold(s: S, x: {ty}, j: u32) -> S {{ return s_merge(s, S(x, j)); }}
fn s_final(s: S) -> i32 {{ return i32(s.i); }}
"
            );
            (src, DType::I32)
        }
        Var | Std => {
            let fin = if op == Var { "s.m2 / wf(5u)" } else { "sqrt(s.m2 / wf(5u))" };
            let src = format!(
                "struct S {{ n: u32, mean: f32, m2: f32 }}
fn s_init() -> S {{ return S(0u, 0.0, 0.0); }}
fn s_fold(s: S, x: f32, j: u32) -> S {{
  let n = s.n + 1u;
  let d = x - s.mean;
  let mean = s.mean + d / f32(n);
  return S(n, mean, s.m2 + d * (x - mean));
}}
fn s_merge(a: S, b: S) -> S {{
  let n = a.n + b.n;
  if (n == 0u) {{ return a; }}
  let d = b.mean - a.mean;
  let fb = f32(b.n) / f32(n);
  return S(n, a.mean + d * fb, a.m2 + b.m2 + d * d * f32(a.n) * fb);
}}
// the denominator max(r - correction, 0) is word 5
fn s_final(s: S) -> f32 {{ if (s.n == 0u) {{ return nan_t(); }} return {fin}; }}
"
            );
            (src, DType::F32)
        }
        Logsumexp => {
            let src = String::from(
                "struct S { m: f32, s: f32, nan: u32 }
fn s_init() -> S { return S(-inf_t(), 0.0, 0u); }
fn s_fold(s: S, x: f32, j: u32) -> S {
  if (isnan_t(x)) { return S(s.m, s.s, 1u); }
  if (is_neg_inf_f32(x)) { return s; }
  if (x > s.m) { return S(x, s.s * exp(s.m - x) + 1.0, s.nan); }
  return S(s.m, s.s + exp(x - s.m), s.nan);
}
fn s_merge(a: S, b: S) -> S {
  let m = max(a.m, b.m);
  var t = 0.0;
  // a state that saw only -inf adds nothing (and its exp(m - m) would be NaN)
  if (!is_neg_inf_f32(a.m)) { t = t + a.s * exp(a.m - m); }
  if (!is_neg_inf_f32(b.m)) { t = t + b.s * exp(b.m - m); }
  return S(m, t, a.nan | b.nan);
}
fn s_final(s: S) -> f32 {
  if (s.nan != 0u) { return nan_t(); }
  if (isinf_t(s.m)) { return s.m; }
  return s.m + log(s.s);
}
",
            );
            (src, DType::F32)
        }
        _ => {
            // A single accumulator folded with the spec row's WGSL.
            let (init, combine, merge) = crate::ops::reduce::wgsl(op);
            let (acc, x, out, fin) = match op {
                Sum | Prod if dt == DType::F32 => ("f32", "f32", DType::F32, "s.a"),
                Sum | Prod => ("i32", "i32", DType::I32, "s.a"),
                Mean => ("f32", "f32", DType::F32, "s.a / f32(w(1u))"),
                Amax | Amin => (ty, ty, dt, "s.a"),
                All | Any => ("u32", ty, DType::Bool, "s.a"),
                CountNonzero => ("i32", ty, DType::I32, "s.a"),
                _ => unreachable!("the other ops have their own state"),
            };
            let out_ty = wgsl_type(out, "reduce").unwrap_or("f32");
            let (lo, hi) = match acc {
                "f32" => ("-inf_t()", "inf_t()"),
                "i32" => ("i32(-2147483648)", "2147483647"),
                _ => ("0u", "1u"),
            };
            let nan = is_nan_fn(acc);
            let src = format!(
                "struct S {{ a: {acc} }}
{nan}
fn lowest() -> {acc} {{ return {lo}; }}
fn highest() -> {acc} {{ return {hi}; }}
fn s_init() -> S {{ let a: {acc} = {init}; return S(a); }}
fn s_fold(s: S, xv: {ty}, j: u32) -> S {{ let acc = s.a; let x = {x}(xv); return S({combine}); }}
fn s_merge(p: S, q: S) -> S {{ let acc = p.a; let x = q.a; return S({merge}); }}
fn s_final(s: S) -> {out_ty} {{ return {fin}; }}
"
            );
            (src, out)
        }
    }
}

/// `is_nan(v)` for values of WGSL type `ty` (the rows' NaN test; never true for integers).
fn is_nan_fn(ty: &str) -> String {
    if ty == "f32" { String::from("fn is_nan(v: f32) -> bool { return isnan_t(v); }") } else { format!("fn is_nan(v: {ty}) -> bool {{ return false; }}") }
}

/// How a reduction of `outer` runs of `r` elements is launched.
#[derive(Clone, Copy, PartialEq)]
enum Mode { Serial, Tree, Split(usize) }

fn mode(outer: usize, r: usize) -> Mode {
    if r <= SERIAL_MAX { return Mode::Serial; }
    if outer >= SPLIT_TARGET / 4 || r <= 2 * SPLIT_CHUNK { return Mode::Tree; }
    Mode::Split(r.div_ceil(SPLIT_CHUNK).min(SPLIT_TARGET.div_ceil(outer)).max(2))
}

/// Uniform words: 0 outer, 1 r, 2 chunks, 3 chunk length, 4 input offset, 5 a param (var's denominator).
/// `what` is what `Y` receives: "final" (s_final) or "partial" (the state itself).
fn fold_src(st: &str, ty: &str, y_ty: &str, serial: bool, what: &str) -> String {
    let mut s = header(&[("X", ty)], &[("Y", y_ty)], 8);
    s.push_str(st);
    let store = if what == "final" { "s_final" } else { "" };
    if serial {
        s.push_str(&thread_main(0));
        s.push_str(&format!(
            "  var s = s_init();\n  let base = w(4u) + i * w(1u);\n  for (var j = 0u; j < w(1u); j = j + 1u) {{ s = s_fold(s, X[base + j], j); }}\n  Y[i] = {store}(s);\n}}\n"
        ));
    } else {
        s.push_str(&format!(
            "var<workgroup> sh: array<S, {WG}>;
@compute @workgroup_size({WG})
fn main(@builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {{
  let g = wg.x + wg.y * nw.x;
  if (g >= w(0u) * w(2u)) {{ return; }}
  let o = g / w(2u);
  let start = (g % w(2u)) * w(3u);
  let end = min(start + w(3u), w(1u));
  let base = w(4u) + o * w(1u);
  var s = s_init();
  for (var j = start + l; j < end; j = j + {WG}u) {{ s = s_fold(s, X[base + j], j); }}
  sh[l] = s;
  workgroupBarrier();
  for (var k = {half}u; k > 0u; k = k >> 1u) {{
    if (l < k) {{ sh[l] = s_merge(sh[l], sh[l + k]); }}
    workgroupBarrier();
  }}
  if (l == 0u) {{ Y[g] = {store}(sh[0]); }}
}}
",
            half = WG / 2
        ));
    }
    s
}

/// The second dispatch of a split reduction: a workgroup per output merges its `w(2)` partials.
fn merge_src(st: &str, out_ty: &str) -> String {
    let mut s = header(&[("P", "S")], &[("Y", out_ty)], 8);
    s.push_str(st);
    s.push_str(&format!(
        "var<workgroup> sh: array<S, {WG}>;
@compute @workgroup_size({WG})
fn main(@builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {{
  let o = wg.x + wg.y * nw.x;
  if (o >= w(0u)) {{ return; }}
  var s = s_init();
  for (var j = l; j < w(2u); j = j + {WG}u) {{ s = s_merge(s, P[o * w(2u) + j]); }}
  sh[l] = s;
  workgroupBarrier();
  for (var k = {half}u; k > 0u; k = k >> 1u) {{
    if (l < k) {{ sh[l] = s_merge(sh[l], sh[l + k]); }}
    workgroupBarrier();
  }}
  if (l == 0u) {{ Y[o] = s_final(sh[0]); }}
}}
",
        half = WG / 2
    ));
    s
}

/// `t` with the dims `red` moved innermost, as a contiguous view (a copy unless it already is),
/// with the permutation used.
fn runs_view(t: &Tensor, red: &[usize]) -> Result<(Tensor, Vec<i64>)> {
    let kept = (0..t.ndim()).filter(|i| !red.contains(i));
    let perm: Vec<i64> = kept.chain(red.iter().copied()).map(|d| d as i64).collect();
    let p = t.permute(&perm)?;
    let p = if p.is_contiguous() { p } else { super::memory::contiguous(&p)? };
    Ok((p, perm))
}

/// Words of a state `S` (the partial buffer's element).
fn state_words(op: ReduceOp) -> usize {
    use ReduceOp::*;
    match op { Argmax | Argmin => 2, Var | Std | Logsumexp => 3, _ => 1 }
}

pub fn reduce(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> {
    let name = REDUCE[op as usize].0;
    let dt = t.dtype();
    let ty = wgsl_type(dt, name)?;
    let (st, out_dt) = state(op, dt, ty);
    let out_ty = wgsl_type(out_dt, name)?;
    let out = empty(out_shape, out_dt, name)?;
    let outer = out.numel();
    if outer == 0 { return Ok(out); }
    let r: usize = red.iter().map(|&d| t.shape[d]).product();
    let (src, _) = runs_view(t, red)?;
    let denom = (r as f64 - correction).max(0.0) as f32;
    let words = |chunks: usize, len: usize| vec![outer as u32, r as u32, chunks as u32, len as u32, src.offset as u32, denom.to_bits()];
    let key = |m: &str| format!("reduce:{}:{}:{}", name, ty, m);
    match mode(outer, r) {
        Mode::Serial => launch(&key("serial"), &[id(&src)?, id(&out)?], 1, words(1, r), super::kernel::grid(outer), || fold_src(&st, ty, out_ty, true, "final")),
        Mode::Tree => launch(&key("tree"), &[id(&src)?, id(&out)?], 1, words(1, r), groups(outer), || fold_src(&st, ty, out_ty, false, "final")),
        Mode::Split(chunks) => {
            let len = r.div_ceil(chunks);
            let partial = empty(vec![outer * chunks * state_words(op)], DType::F32, name)?;
            launch(&key("partial"), &[id(&src)?, id(&partial)?], 1, words(chunks, len), groups(outer * chunks), || fold_src(&st, ty, "S", false, "partial"))?;
            launch(&key("merge"), &[id(&partial)?, id(&out)?], 1, words(chunks, len), groups(outer), || merge_src(&st, out_ty))
        }
    }?;
    Ok(out)
}

/// d prod / d x: for each element the product of the others in its run, as the CPU computes it
/// (a prefix product times a suffix product, so zeros need no special case); a thread per run.
pub fn prod_grad(x: &Tensor, red: &[usize]) -> Result<Tensor> {
    let (src, perm) = runs_view(x, red)?;
    let r: usize = red.iter().map(|&d| x.shape[d]).product();
    let outer = if r == 0 { 0 } else { numel(&src.shape) / r };
    let g = empty(src.shape.clone(), DType::F32, "prod")?;
    if outer > 0 {
        let body = "  let r = w(1u);\n  let b = w(2u) + i * r;\n  let o = i * r;\n  var p = 1.0;\n  for (var j = 0u; j < r; j = j + 1u) { Y[o + j] = p; p = p * X[b + j]; }\n  var q = 1.0;\n  for (var j = r; j > 0u; j = j - 1u) { Y[o + j - 1u] = Y[o + j - 1u] * q; q = q * X[b + j - 1u]; }\n}\n";
        let words = vec![outer as u32, r as u32, src.offset as u32];
        launch("prod_grad", &[id(&src)?, id(&g)?], 1, words, super::kernel::grid(outer), || {
            let mut s = header(&[("X", "f32")], &[("Y", "f32")], 4);
            s.push_str(&thread_main(0));
            s.push_str(body);
            s
        })?;
    }
    let mut inv = vec![0i64; perm.len()];
    for (i, &d) in perm.iter().enumerate() { inv[d as usize] = i as i64; }
    g.permute(&inv)?.contiguous()
}
