//! softmax / log_softmax along a dim, fused: the row's max, the sum of exp(x - max) and the
//! normalisation in one kernel, as backend/cpu/reduce.rs computes them (a NaN max propagates;
//! an infinite max is replaced by 0). The dim is moved innermost, so each row is contiguous.
use alloc::format;
use alloc::string::String;
use alloc::vec;

use super::kernel::{empty, grid, id, WG};
use super::shader::{groups, header, launch, thread_main};
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

/// Rows at most this long are done serially, a thread per row; longer ones by a workgroup.
const SERIAL_MAX: usize = 64;

/// Uniform words: 0 rows, 1 row length n, 2 input offset.
fn src(log: bool, serial: bool) -> String {
    let mut s = header(&[("X", "f32")], &[("Y", "f32")], 4);
    s.push_str("fn nanmax(a: f32, b: f32) -> f32 { return select(max(a, b), a + b, isnan_t(a) || isnan_t(b)); }\n");
    let out = if log { "(X[b + j] - mx) - ls" } else { "exp(X[b + j] - mx) * inv" };
    // log(0) is not -inf on every GPU (a row of -inf sums to 0; the CPU's ln gives -inf)
    let inv = if log { "  let ls = select(log(sum), -inf_t(), sum == 0.0);\n" } else { "  let inv = 1.0 / sum;\n" };
    if serial {
        s.push_str(&thread_main(0));
        s.push_str(&format!(
            "  let n = w(1u);
  let b = w(2u) + i * n;
  let o = i * n;
  var mx = -inf_t();
  for (var j = 0u; j < n; j = j + 1u) {{ mx = nanmax(mx, X[b + j]); }}
  if (isinf_t(mx)) {{ mx = 0.0; }}
  var sum = 0.0;
  for (var j = 0u; j < n; j = j + 1u) {{ sum = sum + exp(X[b + j] - mx); }}
{inv}  for (var j = 0u; j < n; j = j + 1u) {{ Y[o + j] = {out}; }}
}}
"
        ));
    } else {
        s.push_str(&format!(
            "var<workgroup> sh: array<f32, {WG}>;
@compute @workgroup_size({WG})
fn main(@builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {{
  let row = wg.x + wg.y * nw.x;
  if (row >= w(0u)) {{ return; }}
  let n = w(1u);
  let b = w(2u) + row * n;
  let o = row * n;
  var m = -inf_t();
  for (var j = l; j < n; j = j + {WG}u) {{ m = nanmax(m, X[b + j]); }}
  sh[l] = m;
  workgroupBarrier();
  for (var k = {half}u; k > 0u; k = k >> 1u) {{
    if (l < k) {{ sh[l] = nanmax(sh[l], sh[l + k]); }}
    workgroupBarrier();
  }}
  var mx = sh[0];
  if (isinf_t(mx)) {{ mx = 0.0; }}
  workgroupBarrier();
  var t = 0.0;
  for (var j = l; j < n; j = j + {WG}u) {{ t = t + exp(X[b + j] - mx); }}
  sh[l] = t;
  workgroupBarrier();
  for (var k = {half}u; k > 0u; k = k >> 1u) {{
    if (l < k) {{ sh[l] = sh[l] + sh[l + k]; }}
    workgroupBarrier();
  }}
  let sum = sh[0];
{inv}  for (var j = l; j < n; j = j + {WG}u) {{ Y[o + j] = {out}; }}
}}
",
            half = WG / 2
        ));
    }
    s
}

pub fn softmax(t: &Tensor, d: usize, log: bool) -> Result<Tensor> {
    let last = t.ndim() as i64 - 1;
    let moved = t.transpose(d as i64, last)?;
    let x = if moved.is_contiguous() { moved } else { super::memory::contiguous(&moved)? };
    let n = t.shape[d];
    let y = empty(x.shape.clone(), DType::F32, "softmax")?;
    let rows = if n == 0 { 0 } else { x.numel() / n };
    if rows > 0 {
        let serial = n <= SERIAL_MAX;
        let key = format!("{}:{}", if log { "log_softmax" } else { "softmax" }, if serial { "serial" } else { "tree" });
        let words = vec![rows as u32, n as u32, x.offset as u32];
        let g = if serial { grid(rows) } else { groups(rows) };
        launch(&key, &[id(&x)?, id(&y)?], 1, words, g, || src(log, serial))?;
    }
    y.transpose(d as i64, last)?.contiguous()
}
