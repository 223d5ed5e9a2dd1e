//! The one declaration of the C ABI. Each entry is written once, in an `abi! {}` block:
//! its name, its typed parameters, its return kind and its body. The macro writes the
//! `extern "C"` function (unpacking handles, dtypes, flags and scratch arrays, turning errors
//! into the 0 / last-error convention) and a manifest row. The manifest (JSON through
//! `kd_abi_manifest`) is what scripts/gen-abi.mjs turns into ts/generated/abi.ts: the TS
//! `Abi` interface, the scratch-struct packers and decoders, and the tracer's classification.
//!
//! An entry is `op name(params) -> kind body` when the ONNX tracer wraps it (it makes or
//! frees a tensor), `fn name(...)` when it does not. Return kinds:
//! - `handle`: the body is a `Result<Tensor>`; the new handle, or 0 with the error set;
//! - `pair`: `Result<(Tensor, Tensor)>`; the first handle, the second in scratch[0];
//! - `optional`: `Result<Option<Tensor>>`; 0 with no error for None;
//! - `status`: `Result<()>`; 1, or 0 with the error set;
//! - `value(T)`: the body is a plain `T` and the parameters are raw (no unpacking);
//! - `void`: nothing.
//! A `code:<family>` parameter is an op code of that op-table family. Parameters of kind `shape`, `dims`, `dims?` and `handles` are counts of i32s the caller put
//! in scratch; a `; name: Struct` parameter is a `scratch_struct!` read from scratch.
use kd_engine::{DType, Error, ErrorKind, Result, Tensor};

use crate::state::{state, SCRATCH_LEN};

pub fn err(kind: ErrorKind, msg: String) -> Error { Error { kind, msg } }

pub fn fail(e: Error) -> u32 {
    state().last_error = Some(e);
    0
}

pub fn get(h: u32) -> Result<Tensor> { state().get(h).cloned() }

/// `n` i32s from the scratch area.
pub fn scratch_i32(n: i32) -> Result<Vec<i32>> {
    if n < 0 || n as usize > SCRATCH_LEN { return Err(err(ErrorKind::Value, format!("argument list of length {} is out of range", n))); }
    Ok(state().scratch[..n as usize].to_vec())
}

pub fn usize_arg(v: i32, what: &str) -> Result<usize> {
    if v < 0 { return Err(err(ErrorKind::Value, format!("{} must be non-negative, got {}", what, v))); }
    Ok(v as usize)
}

// ---- results ------------------------------------------------------------------------------

pub fn ret(r: Result<Tensor>) -> u32 {
    match r {
        Ok(t) => state().insert(t),
        Err(e) => fail(e),
    }
}

pub fn ret_pair(r: Result<(Tensor, Tensor)>) -> u32 {
    match r {
        Ok((v, i)) => {
            let st = state();
            let vi = st.insert(v);
            st.scratch[0] = st.insert(i) as i32;
            vi
        }
        Err(e) => fail(e),
    }
}

pub fn ret_optional(r: Result<Option<Tensor>>) -> u32 {
    match r {
        Ok(Some(t)) => state().insert(t),
        Ok(None) => { state().last_error = None; 0 }
        Err(e) => fail(e),
    }
}

pub fn ret_status(r: Result<()>) -> u32 { match r { Ok(()) => 1, Err(e) => fail(e) } }

// ---- parameters ---------------------------------------------------------------------------

/// A parameter type: what crosses the ABI (`Raw`), its manifest kind, and its unpacking.
pub trait Arg: Sized {
    type Raw;
    const KIND: &'static str;
    fn unpack(raw: Self::Raw) -> Result<Self>;
}

macro_rules! raw_arg {
    ($($t:ty => $k:literal),*) => { $(impl Arg for $t { type Raw = $t; const KIND: &'static str = $k; fn unpack(raw: $t) -> Result<$t> { Ok(raw) } })* };
}
raw_arg!(u32 => "u32", i32 => "i32", f64 => "f64");

impl Arg for Tensor {
    type Raw = u32;
    const KIND: &'static str = "tensor";
    fn unpack(h: u32) -> Result<Tensor> { get(h) }
}

/// A handle where 0 means none (an optional bias, gradient or optimizer state).
impl Arg for Option<Tensor> {
    type Raw = u32;
    const KIND: &'static str = "tensor?";
    fn unpack(h: u32) -> Result<Option<Tensor>> { if h == 0 { Ok(None) } else { get(h).map(Some) } }
}

impl Arg for bool {
    type Raw = u32;
    const KIND: &'static str = "bool";
    fn unpack(v: u32) -> Result<bool> { Ok(v != 0) }
}

impl Arg for DType {
    type Raw = u32;
    const KIND: &'static str = "dtype";
    fn unpack(code: u32) -> Result<DType> {
        DType::from_u32(code).ok_or_else(|| err(ErrorKind::DType, format!("unknown dtype code {}", code)))
    }
}

/// An op code of one family of the op table (kd_op_table_ptr); the manifest names the family.
macro_rules! code_arg {
    ($($name:ident => $k:literal),*) => { $(
        pub struct $name(pub u32);
        impl Arg for $name { type Raw = u32; const KIND: &'static str = $k; fn unpack(c: u32) -> Result<$name> { Ok($name(c)) } }
    )* };
}
code_arg!(UnaryCode => "code:unary", BinaryCode => "code:binary", ReduceCode => "code:reduce");

/// A shape: `n` non-negative sizes in scratch.
pub struct Shape(pub Vec<usize>);
impl Arg for Shape {
    type Raw = i32;
    const KIND: &'static str = "shape";
    fn unpack(n: i32) -> Result<Shape> {
        scratch_i32(n)?.into_iter().map(|d| {
            if d < 0 { Err(err(ErrorKind::Value, format!("Trying to create tensor with negative dimension {}", d))) } else { Ok(d as usize) }
        }).collect::<Result<_>>().map(Shape)
    }
}

/// `n` dims (or sizes that may be -1) in scratch.
pub struct Dims(pub Vec<i64>);
impl Arg for Dims {
    type Raw = i32;
    const KIND: &'static str = "dims";
    fn unpack(n: i32) -> Result<Dims> { Ok(Dims(scratch_i32(n)?.into_iter().map(|x| x as i64).collect())) }
}

/// `n` sizes in scratch for a view (-1 infers one).
pub struct Sizes(pub Vec<i64>);
impl Arg for Sizes {
    type Raw = i32;
    const KIND: &'static str = "sizes";
    fn unpack(n: i32) -> Result<Sizes> { Ok(Sizes(Dims::unpack(n)?.0)) }
}

/// Like `Dims`, but a negative count means "all dims" (None).
pub struct OptDims(pub Option<Vec<i64>>);
impl Arg for OptDims {
    type Raw = i32;
    const KIND: &'static str = "dims?";
    fn unpack(n: i32) -> Result<OptDims> { Ok(OptDims(if n < 0 { None } else { Some(Dims::unpack(n)?.0) })) }
}

/// `n` tensor handles in scratch.
pub struct Handles(pub Vec<Tensor>);
impl Arg for Handles {
    type Raw = i32;
    const KIND: &'static str = "handles";
    fn unpack(n: i32) -> Result<Handles> { scratch_i32(n)?.iter().map(|&h| get(h as u32)).collect::<Result<_>>().map(Handles) }
}

// ---- scratch structs ----------------------------------------------------------------------

/// A field of a scratch struct: how many i32s it takes and how it is read.
pub trait Field: Sized {
    const KIND: &'static str;
    const WIDTH: usize;
    fn read(v: &[i32], name: &str) -> Result<Self>;
}

impl Field for [usize; 2] {
    const KIND: &'static str = "pair";
    const WIDTH: usize = 2;
    fn read(v: &[i32], name: &str) -> Result<Self> { Ok([usize_arg(v[0], name)?, usize_arg(v[1], name)?]) }
}

impl Field for usize {
    const KIND: &'static str = "count";
    const WIDTH: usize = 1;
    fn read(v: &[i32], name: &str) -> Result<Self> { usize_arg(v[0], name) }
}

impl Field for bool {
    const KIND: &'static str = "bool";
    const WIDTH: usize = 1;
    fn read(v: &[i32], _: &str) -> Result<Self> { Ok(v[0] != 0) }
}

/// A fixed argument layout the caller writes to scratch before the call.
pub trait ScratchStruct: Sized {
    const NAME: &'static str;
    /// (field, kind) in scratch order; error messages name the field.
    const FIELDS: &'static [(&'static str, &'static str)];
    const LEN: usize;
    fn read() -> Result<Self>;
}

/// Declares a scratch struct once: the Rust struct, its reader and its manifest row.
macro_rules! scratch_struct {
    ($(#[doc = $doc:literal])* $name:ident { $($f:ident : $t:ty),* $(,)? }) => {
        $(#[doc = $doc])*
        pub struct $name { $(pub $f: $t),* }
        impl $crate::abi::ScratchStruct for $name {
            const NAME: &'static str = stringify!($name);
            const FIELDS: &'static [(&'static str, &'static str)] = &[$((stringify!($f), <$t as $crate::abi::Field>::KIND)),*];
            const LEN: usize = 0 $(+ <$t as $crate::abi::Field>::WIDTH)*;
            fn read() -> kd_engine::Result<Self> {
                let v = $crate::abi::scratch_i32(<Self as $crate::abi::ScratchStruct>::LEN as i32)?;
                let mut at = 0;
                $(
                    let $f = <$t as $crate::abi::Field>::read(&v[at..], stringify!($f))?;
                    at += <$t as $crate::abi::Field>::WIDTH;
                )*
                let _ = at;
                Ok(Self { $($f),* })
            }
        }
    };
}
pub(crate) use scratch_struct;

// ---- the manifest -------------------------------------------------------------------------

pub struct Entry {
    pub name: &'static str,
    pub doc: &'static str,
    /// The ONNX tracer wraps it (it makes or frees a tensor).
    pub op: bool,
    pub ret: &'static str,
    /// The raw return type of a `value` entry.
    pub value: &'static str,
    pub params: &'static [(&'static str, &'static str)],
    pub scratch: Option<&'static str>,
}

pub struct StructDesc {
    pub name: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
}

pub const fn describe<S: ScratchStruct>() -> StructDesc { StructDesc { name: S::NAME, fields: S::FIELDS } }

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_pairs(ps: &[(&str, &str)], k: &str, v: &str) -> String {
    let rows: Vec<String> = ps.iter().map(|(a, b)| format!("{{\"{}\":{},\"{}\":{}}}", k, json_str(a), v, json_str(b))).collect();
    format!("[{}]", rows.join(","))
}

/// {"entries":[...],"structs":[...]} for scripts/gen-abi.mjs.
pub fn manifest_json(entries: &[&[Entry]], structs: &[StructDesc]) -> String {
    let es: Vec<String> = entries.iter().flat_map(|m| m.iter()).map(|e| format!(
        "{{\"name\":{},\"doc\":{},\"op\":{},\"ret\":{},\"value\":{},\"params\":{},\"scratch\":{}}}",
        json_str(e.name), json_str(e.doc.trim()), e.op, json_str(e.ret), json_str(e.value),
        json_pairs(e.params, "name", "kind"), e.scratch.map_or("null".into(), json_str),
    )).collect();
    let ss: Vec<String> = structs.iter().map(|s| format!("{{\"name\":{},\"fields\":{}}}", json_str(s.name), json_pairs(s.fields, "name", "kind"))).collect();
    format!("{{\"entries\":[{}],\"structs\":[{}]}}", es.join(","), ss.join(","))
}

// ---- the declaration macro ----------------------------------------------------------------

macro_rules! abi {
    ($(
        $(#[doc = $doc:literal])*
        $kind:ident $name:ident ( $($p:ident : $t:ty),* $(; $s:ident : $st:ty)? ) -> $ret:ident $(($rt:ty))? $body:block
    )*) => {
        $( $crate::abi::abi!(@fn [$(#[doc = $doc])*] $name ($($p : $t),*) ($($s : $st)?) $ret ($($rt)?) $body); )*

        /// This module's manifest rows, in declaration order.
        pub const ENTRIES: &[$crate::abi::Entry] = &[$(
            $crate::abi::Entry {
                name: stringify!($name),
                doc: concat!("" $(, $doc, "\n")*),
                op: $crate::abi::abi!(@op $kind),
                ret: stringify!($ret),
                value: $crate::abi::abi!(@str $($rt)?),
                params: &[$((stringify!($p), <$t as $crate::abi::Arg>::KIND)),*],
                scratch: $crate::abi::abi!(@scratch $($st)?),
            },
        )*];
    };

    (@op op) => { true };
    (@op fn) => { false };
    (@str) => { "" };
    (@str $t:ty) => { stringify!($t) };
    (@scratch) => { None };
    (@scratch $t:ty) => { Some(<$t as $crate::abi::ScratchStruct>::NAME) };

    (@fn [$($attr:tt)*] $name:ident ($($p:ident : $t:ty),*) () value ($rt:ty) $body:block) => {
        $($attr)*
        #[no_mangle]
        pub extern "C" fn $name($($p: <$t as $crate::abi::Arg>::Raw),*) -> $rt $body
    };
    (@fn [$($attr:tt)*] $name:ident ($($p:ident : $t:ty),*) () void () $body:block) => {
        $($attr)*
        #[no_mangle]
        pub extern "C" fn $name($($p: <$t as $crate::abi::Arg>::Raw),*) $body
    };
    (@fn [$($attr:tt)*] $name:ident ($($p:ident : $t:ty),*) ($($s:ident : $st:ty)?) $ret:ident () $body:block) => {
        $($attr)*
        #[no_mangle]
        pub extern "C" fn $name($($p: <$t as $crate::abi::Arg>::Raw),*) -> u32 {
            let r = (|| {
                $(let $p = <$t as $crate::abi::Arg>::unpack($p)?;)*
                $(let $s = <$st as $crate::abi::ScratchStruct>::read()?;)?
                $body
            })();
            $crate::abi::abi!(@finish $ret r)
        }
    };

    (@finish handle $r:ident) => { $crate::abi::ret($r) };
    (@finish pair $r:ident) => { $crate::abi::ret_pair($r) };
    (@finish optional $r:ident) => { $crate::abi::ret_optional($r) };
    (@finish status $r:ident) => { $crate::abi::ret_status($r) };
}
pub(crate) use abi;
