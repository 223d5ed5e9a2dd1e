//! The C ABI of Kindling. Tensors cross as integer handles (0 means "error: read
//! kd_error_*"); argument arrays cross through the scratch area. Every entry validates its
//! input and returns an error instead of panicking, so no call can trap the instance.
//! Each entry is declared once with `abi! {}` (abi.rs), by family in the files below; the
//! manifest of all of them (`kd_abi_manifest`) generates ts/generated/abi.ts.
mod abi;
mod state;

mod meta;
mod create;
mod ops;
mod grad;
mod optim;
mod cv;
mod rnn;
mod profile;
mod pool;

/// Every entry's manifest row, in the order of ts/generated/abi.ts.
const MODULES: &[&[abi::Entry]] = &[meta::ENTRIES, create::ENTRIES, ops::ENTRIES, grad::ENTRIES, optim::ENTRIES, cv::ENTRIES, rnn::ENTRIES, profile::ENTRIES, pool::ENTRIES];

/// The manifest as JSON: entries (name, doc, op, ret, params, scratch) and scratch structs.
pub fn manifest() -> String { abi::manifest_json(MODULES, &cv::STRUCTS) }
