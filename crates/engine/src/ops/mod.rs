//! The op table. Each family module declares its ops once (name → code); the wasm ABI
//! exposes `op_table()` so the TypeScript face, the docs' support matrix and the
//! conformance suite all read the same list.
#[macro_use]
pub mod spec;
pub mod binary;
pub mod cast;
pub mod conv;
pub mod creation;
pub mod device;
pub mod index;
pub mod matmul;
pub mod optim;
pub mod pool;
pub mod prim;
pub mod reduce;
pub mod resize;
pub mod rnn;
pub mod softmax;
pub mod unary;
pub mod view;

use alloc::string::String;

/// "family:name,name,...;family:..." — the order within a family is the op code.
pub fn op_table() -> String {
    let mut s = String::new();
    let mut family = |fam: &str, names: &mut dyn Iterator<Item = &str>| {
        s.push_str(fam);
        s.push(':');
        let v: alloc::vec::Vec<&str> = names.collect();
        s.push_str(&v.join(","));
        s.push(';');
    };
    family("unary", &mut unary::UNARY.iter().map(|u| u.0));
    family("binary", &mut binary::BINARY.iter().map(|u| u.0));
    family("reduce", &mut reduce::REDUCE.iter().map(|u| u.0));
    s
}

/// Every elementwise op's spec row (ops/spec.rs) as JSON, for scripts/gen-ops.mjs.
pub fn manifest() -> String {
    let mut rows = unary::manifest();
    rows.extend(binary::manifest());
    rows.extend(reduce::manifest());
    spec::manifest_json(&rows, &alloc::format!("{}{}", unary::WGSL_HELPERS, binary::WGSL_HELPERS))
}
