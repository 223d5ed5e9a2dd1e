//! WGSL scaffolding shared by the kernels that are not a `map`: buffer declarations in the
//! host's binding order, the uniform words, the launch shapes and float specials.
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::host;
use super::kernel::{pipeline, WG};
use crate::error::Result;

/// Declares `reads` (read-only storage), then `rws` (read-write storage), each as
/// (name, element type), then the uniform `u` of `words` u32s with `w(i)` (a word), `wf(i)`
/// (a word as f32) and `wi(i)` (a word as i32), and bit tests for
/// float specials (`isnan_t`, `isinf_t`, `is_neg_inf_f32`); the host binds them in this order.
pub fn header(reads: &[(&str, &str)], rws: &[(&str, &str)], words: usize) -> String {
    let mut s = String::new();
    for (j, (name, ty)) in reads.iter().enumerate() {
        let _ = writeln!(s, "@group(0) @binding({}) var<storage, read> {}: array<{}>;", j, name, ty);
    }
    for (j, (name, ty)) in rws.iter().enumerate() {
        let _ = writeln!(s, "@group(0) @binding({}) var<storage, read_write> {}: array<{}>;", reads.len() + j, name, ty);
    }
    let _ = writeln!(s, "struct U {{ m: array<vec4<u32>, {}> }}", words.div_ceil(4).max(1));
    let _ = writeln!(s, "@group(0) @binding({}) var<uniform> u: U;", reads.len() + rws.len());
    s.push_str("fn w(i: u32) -> u32 { return u.m[i / 4u][i % 4u]; }\n");
    s.push_str("fn wf(i: u32) -> f32 { return bitcast<f32>(w(i)); }\n");
    s.push_str("fn wi(i: u32) -> i32 { return bitcast<i32>(w(i)); }\n");
    // NaN and infinity by their bits (`isnan_t`, `isinf_t`, `nan_t`, `inf_t`): the prelude the
    // elementwise rows use, since WGSL compilers may assume finite math (SwiftShader folds `x != x`).
    s.push_str(crate::ops::unary::WGSL_HELPERS);
    s.push_str("fn is_neg_inf_f32(x: f32) -> bool { return bitcast<u32>(x) == 0xff800000u; }\n");
    s
}

/// The entry point of a kernel with one thread per item: `i` is the item, past `w(count)` it returns.
pub fn thread_main(count_word: usize) -> String {
    alloc::format!(
        "@compute @workgroup_size({WG})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {{\n  let i = gid.x + gid.y * nw.x * {WG}u;\n  if (i >= w({count_word}u)) {{ return; }}\n"
    )
}

/// Workgroups (x, y) for `groups` workgroups (a kernel with one workgroup per item takes its
/// item as `wg.x + wg.y * nw.x`), split past the 65,535-per-dimension limit.
pub fn groups(groups: usize) -> (u32, u32) {
    let g = groups.max(1);
    if g <= 65_535 { (g as u32, 1) } else { (65_535, g.div_ceil(65_535) as u32) }
}

/// Compiles (once per key) and dispatches a kernel: `binds` are buffer ids in binding order,
/// `n_read` of them read-only; `words` the uniform, padded here to whole vec4s.
pub fn launch(key: &str, binds: &[u32], n_read: usize, mut words: Vec<u32>, grid: (u32, u32), src: impl FnOnce() -> String) -> Result<()> {
    while words.len() % 4 != 0 || words.is_empty() { words.push(0); }
    let pipe = pipeline(key, n_read, binds.len() - n_read, src)?;
    host::dispatch(pipe, binds, &words, grid.0, grid.1)
}
