//! The tiled GEMM every linear-algebra kernel here is made of: C[b] = A[b] · B[b] for a batch
//! of b. Each workgroup of 8x8 threads computes a 32x32 tile of C, 4x4 outputs per thread,
//! staging 32x32 tiles of A and B in workgroup memory along k. The kernel that uses it says
//! how to read A and B and where C goes, as WGSL functions (`load_a(r, k)`, `load_b(k, c)`,
//! `store(r, c, v)`, and `setup()`, run once per workgroup with `bi` the batch): matmul reads
//! strided operands, the convolutions read image patches where they lie (implicit GEMM: no
//! im2col buffer). Edges are bounds-checked here, so the loads see only in-range (r, k, c).
use alloc::string::String;
use core::fmt::Write;

use super::host;
use super::kernel::pipeline;
use super::wgsl::words;
use crate::error::{err, Result};

const TILE: usize = 32;

/// The kernel's source: `header` (bindings, from wgsl::header), then `funcs` defining
/// setup/load_a/load_b/store. Uniform words 0..=4 are the GEMM's (m, n, k, row tiles, first
/// batch); the kernel's own words start at 5.
pub fn src(header: String, funcs: &str) -> String {
    let mut s = header;
    s.push_str("var<private> bi: u32;\n");
    s.push_str(funcs);
    // The 4x4 block is unrolled into named registers: indexing a local array with a loop
    // variable makes compilers (SwiftShader's among them) keep it in memory.
    let (mut acc_decl, mut inner, mut store) = (String::new(), String::new(), String::new());
    for i in 0..4 {
        for j in 0..4 { let _ = write!(acc_decl, "var c{}{} = 0.0; ", i, j); }
        let _ = writeln!(inner, "      let a{i} = As[ar + {}u + kk];", i * 32);
    }
    for j in 0..4 { let _ = writeln!(inner, "      let b{j} = Bs[kk * 32u + bc + {j}u];"); }
    for i in 0..4 { for j in 0..4 { let _ = writeln!(inner, "      c{i}{j} = c{i}{j} + a{i} * b{j};"); } }
    for i in 0..4 {
        let _ = writeln!(store, "  let r{i} = row0 + lid.y * 4u + {i}u;");
        for j in 0..4 {
            let _ = writeln!(store, "  if (r{i} < M && col0 + bc + {j}u < N) {{ store(r{i}, col0 + bc + {j}u, c{i}{j}); }}");
        }
    }
    s.push_str(&String::from("var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = w(0u); let N = w(1u); let K = w(2u); let tm = w(3u);
  bi = w(4u) + wid.y / tm;
  let row0 = (wid.y % tm) * 32u;
  let col0 = wid.x * 32u;
  setup();
  let t = lid.y * 8u + lid.x;
  let ar = lid.y * 128u; let bc = lid.x * 4u;   // this thread's rows in As, columns in Bs
  {acc_decl}
  for (var k0 = 0u; k0 < K; k0 = k0 + 32u) {
    // 64 threads load the two 32x32 tiles, 16 elements each; outside the matrices, zeros
    for (var q = 0u; q < 16u; q = q + 1u) {
      let e = t + q * 64u;
      let rr = e / 32u; let cc = e % 32u;
      var av = 0.0;
      if (row0 + rr < M && k0 + cc < K) { av = load_a(row0 + rr, k0 + cc); }
      As[e] = av;
      var bv = 0.0;
      if (k0 + rr < K && col0 + cc < N) { bv = load_b(k0 + rr, col0 + cc); }
      Bs[e] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 32u; kk = kk + 1u) {
{inner}    }
    workgroupBarrier();
  }
{store}}
").replace("{acc_decl}", &acc_decl).replace("{inner}", &inner).replace("{store}", &store));
    s
}

/// Dispatches the GEMM kernel `key` over `nb` batches of [m, n] results with depth k; `u`
/// holds the kernel's words from 5 on. Batches go along y with the row tiles: as many per
/// dispatch as fit 65,535 workgroups.
#[allow(clippy::too_many_arguments)]
pub fn launch(key: &str, n_read: usize, n_rw: usize, src: impl FnOnce() -> String, binds: &[u32], mut u: alloc::vec::Vec<u32>, m: usize, n: usize, k: usize, nb: usize) -> Result<()> {
    if nb == 0 || m == 0 || n == 0 { return Ok(()); }
    let (tm, tn) = (m.div_ceil(TILE), n.div_ceil(TILE));
    if tm > 65_535 || tn > 65_535 {
        return Err(err!(Device, "{}: a [{}, {}] product is not supported on webgpu (at most {} rows and columns)", key, m, n, 65_535 * TILE));
    }
    let pipe = pipeline(key, n_read, n_rw, src)?;
    u[..4].copy_from_slice(&[m as u32, n as u32, k as u32, tm as u32]);
    let per = (65_535 / tm).max(1);
    let mut first = 0;
    while first < nb {
        let cnt = per.min(nb - first);
        u[4] = first as u32;
        host::dispatch(pipe, binds, &words(u.clone()), tn as u32, (cnt * tm) as u32)?;
        first += cnt;
    }
    Ok(())
}
