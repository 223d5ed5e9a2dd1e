//! The single declaration of every elementwise op: one row per op in `unary_ops!`,
//! `binary_ops!` and `reduce_ops!` (invoked in unary.rs, binary.rs and reduce.rs). A row holds
//! the op's name, dtype rule, CPU expression, WGSL expression, gradient (CPU and WGSL), tolerance
//! class, test-input domain, ONNX name and how the TypeScript API reaches it. The macros emit the
//! enum, the row table (row order = ABI op code: append only), the per-op match arms (one
//! monomorphised closure per arm, so each op keeps its own inlined loop) and `manifest()`, the
//! JSON that scripts/gen-ops.mjs turns into ts/generated/ops.ts, the README op table and
//! tests/fixtures/manifest.json.
//!
//! WGSL expressions name their operands `x` (unary) or `a`, `b` (binary), the output `y` and
//! the incoming gradient `g`. Special functions are `*_t` helpers, one per language under the
//! same name, side by side in the family module (its `WGSL_HELPERS`). No WebGPU
//! backend runs these strings yet (the manifest says so); they are declared beside the CPU
//! expression so a backend will not need a second op list.
use alloc::string::String;

/// How an op's output dtype follows from its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DTypeRule {
    /// int and bool inputs stay int32 (neg, abs, floor...); float stays float.
    KeepsInt,
    /// computes in float32 whatever the inputs (exp, div, atan2...).
    Float,
    /// int or bool inputs are refused, as torch refuses them (hypot, logaddexp).
    FloatOnly,
    /// PyTorch's type promotion; bool op bool stays bool.
    Promote,
    /// a bool result (eq, lt, logical_and...).
    Compare,
    /// reductions: the result dtype is the reduction's own (sum keeps int, mean needs float, argmax is int32).
    Reduction,
}

impl DTypeRule {
    pub fn name(self) -> &'static str {
        match self {
            DTypeRule::KeepsInt => "keeps_int",
            DTypeRule::Float => "float",
            DTypeRule::FloatOnly => "float_only",
            DTypeRule::Promote => "promote",
            DTypeRule::Compare => "compare",
            DTypeRule::Reduction => "reduction",
        }
    }
    /// The dtype classes the CPU backend accepts.
    pub fn cpu_dtypes(self) -> &'static [&'static str] {
        match self {
            DTypeRule::FloatOnly => &["float32", "float64"],
            _ => &["float32", "int32", "bool", "int64", "float64"],
        }
    }
}

/// The tolerance class the conformance suite compares under (tests/helpers/conformance-cases.ts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tol { Exact, Elementwise, Transcendental, Reduction }

impl Tol {
    pub fn name(self) -> &'static str {
        match self { Tol::Exact => "exact", Tol::Elementwise => "elementwise", Tol::Transcendental => "transcendental", Tol::Reduction => "reduction" }
    }
}

/// How the TypeScript API reaches an op: a generated method (the camelCase name on Tensor, plus a
/// kd.* function), a hand-written method of the camelCase name (the reductions, whose arguments
/// differ), or a hand-written method that selects it (gelu_tanh is `gelu({approximate: "tanh"})`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api { Generated, Hand, Via(&'static str) }

/// One manifest row, family-independent (what the JSON carries).
pub struct Row {
    pub family: &'static str,
    pub code: usize,
    pub name: &'static str,
    pub dtype: DTypeRule,
    pub wgsl: &'static str,
    /// a reduction's starting value (empty for elementwise ops)
    pub wgsl_init: &'static str,
    pub wgsl_grad: &'static [&'static str],
    pub tol: Tol,
    /// input kinds of gen_fixtures.py (forward) and gen_grad_fixtures.py (gradients), one per operand
    pub domain: &'static [&'static str],
    pub grad_domain: &'static [&'static str],
    pub onnx: Option<&'static str>,
    pub api: Api,
}


fn json_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
}

fn json_list(s: &mut String, v: &[&str]) {
    s.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 { s.push(','); }
        json_str(s, x);
    }
    s.push(']');
}

/// The manifest as JSON: {"devices": {...}, "wgsl_prelude": the helpers, "ops": [row, ...]}.
pub fn manifest_json(rows: &[Row], wgsl_helpers: &str) -> String {
    let mut s = String::from("{\"devices\":{\"cpu\":\"wasm SIMD\",\"webgpu\":\"WGSL\"},\"wgsl_prelude\":");
    json_str(&mut s, wgsl_helpers);
    s.push_str(",\"webgpu_families\":{");
    for (i, (fam, verdict)) in crate::backend::webgpu::FAMILIES.iter().enumerate() {
        if i > 0 { s.push(','); }
        json_str(&mut s, fam);
        s.push(':');
        json_str(&mut s, verdict);
    }
    s.push_str("},\"ops\":[");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 { s.push(','); }
        s.push_str("{\"family\":");
        json_str(&mut s, r.family);
        s.push_str(&alloc::format!(",\"code\":{},\"name\":", r.code));
        json_str(&mut s, r.name);
        s.push_str(",\"dtype\":");
        json_str(&mut s, r.dtype.name());
        s.push_str(",\"wgsl\":");
        json_str(&mut s, r.wgsl);
        if !r.wgsl_init.is_empty() {
            s.push_str(",\"wgsl_init\":");
            json_str(&mut s, r.wgsl_init);
        }
        s.push_str(",\"wgsl_grad\":");
        json_list(&mut s, r.wgsl_grad);
        s.push_str(",\"tol\":");
        json_str(&mut s, r.tol.name());
        s.push_str(",\"domain\":");
        json_list(&mut s, r.domain);
        s.push_str(",\"grad_domain\":");
        json_list(&mut s, r.grad_domain);
        s.push_str(",\"onnx\":");
        match r.onnx { Some(o) => json_str(&mut s, o), None => s.push_str("null") }
        s.push_str(",\"api\":");
        match r.api {
            Api::Generated => s.push_str("{\"kind\":\"generated\"}"),
            Api::Hand => s.push_str("{\"kind\":\"hand\"}"),
            Api::Via(m) => { s.push_str("{\"kind\":\"via\",\"method\":"); json_str(&mut s, m); s.push('}'); }
        }
        s.push_str(",\"devices\":{\"cpu\":");
        json_list(&mut s, r.dtype.cpu_dtypes());
        // The verdict is each backend's own answer: the dtypes it has kernels for.
        s.push_str(",\"webgpu\":");
        let gpu = crate::backend::of(crate::backend::Device::WebGpu).op_dtypes(r.name, r.dtype);
        if gpu.is_empty() { s.push_str("\"not yet\""); } else { json_list(&mut s, gpu); }
        s.push_str("}}");
    }
    s.push_str("]}");
    s
}

/// Unary rows:
/// `Variant "name" Rule { cpu: |x| .., [int: |x: i32| ..,] wgsl: "..", [grad: |x, y, g| .., wgsl_grad: "..",]
///  tol: Class, domain: "kind", grad_domain: "kind", onnx: Some("Op") | None, api: Api::.. }`
/// `int` is the integer function of a KeepsInt op; `grad` is absent where the op has no derivative.
/// `cpu` and `int` are written without types: each is pasted into a float32 and a float64 loop
/// (`int`: int32 and int64), so constants are literals and helpers generic over `m::Float`.
macro_rules! unary_ops {
    ($( $V:ident $name:literal $dt:ident {
        cpu: $cpu:expr,
        $( int: $int:expr, )?
        wgsl: $wgsl:literal,
        $( grad: $grad:expr, wgsl_grad: $wgrad:literal, )?
        tol: $tol:ident, domain: $dom:literal, grad_domain: $gdom:literal, onnx: $onnx:expr, api: $api:expr $(,)?
    } )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum UnaryOp { $( $V ),* }

        /// (name, op, dtype rule). The order is the ABI code: append only.
        pub const UNARY: &[(&str, UnaryOp, crate::ops::spec::DTypeRule)] = &[
            $( ($name, UnaryOp::$V, crate::ops::spec::DTypeRule::$dt) ),*
        ];

        /// The CPU backend's float loop for op (backend/cpu/elementwise.rs). Each arm passes its
        /// own closure, so every op gets a monomorphised loop (a table of fn pointers costs an
        /// indirect call per element).
        pub(crate) fn cpu_f32(op: UnaryOp, t: &Tensor) -> Result<Tensor> {
            match op { $( UnaryOp::$V => crate::backend::cpu::elementwise::map_f32(t, $cpu), )* }
        }

        /// The same rows' functions in float64 (each row's `cpu` is written type-generic).
        pub(crate) fn cpu_f64(op: UnaryOp, t: &Tensor) -> Result<Tensor> {
            match op { $( UnaryOp::$V => crate::backend::cpu::elementwise::map_wide::<f64, f64>(t, $cpu), )* }
        }

        /// The int32 function of a KeepsInt op (for the CPU backend's int loop).
        pub(crate) fn cpu_i32(op: UnaryOp) -> fn(i32) -> i32 {
            #[allow(unreachable_patterns)]
            match op { $( $( UnaryOp::$V => $int, )? )* _ => |x| x }
        }

        /// The int64 function of a KeepsInt op (the same `int` rows).
        pub(crate) fn cpu_i64(op: UnaryOp) -> fn(i64) -> i64 {
            #[allow(unreachable_patterns)]
            match op { $( $( UnaryOp::$V => $int, )? )* _ => |x| x }
        }

        /// The CPU backend's gradient of op at x (with y = op(x)) for the incoming gradient g;
        /// None where op has no derivative. One closure per arm, so each rule is an inlined loop.
        pub(crate) fn cpu_grad(op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
            #[allow(unreachable_patterns)]
            Ok(Some(match op { $( $( UnaryOp::$V => crate::backend::cpu::elementwise::map3(x, y, g, $grad), )? )* _ => return Ok(None) }?))
        }

        /// op's WGSL expression of `x`, and of its gradient in `x`, `y`, `g` (None: no derivative),
        /// for a device backend (backend/webgpu/elementwise.rs).
        pub(crate) fn wgsl(op: UnaryOp) -> (&'static str, Option<&'static str>) {
            #[allow(unused_mut, unused_assignments)]
            match op { $( UnaryOp::$V => { let mut g = None; $( g = Some($wgrad); )? ($wgsl, g) } )* }
        }

        /// This family's manifest rows.
        pub fn manifest() -> alloc::vec::Vec<crate::ops::spec::Row> {
            let mut v = alloc::vec::Vec::new();
            $( v.push(crate::ops::spec::Row {
                family: "unary", code: UnaryOp::$V as usize, name: $name,
                dtype: crate::ops::spec::DTypeRule::$dt, wgsl: $wgsl, wgsl_init: "", wgsl_grad: &[$( $wgrad )?],
                tol: crate::ops::spec::Tol::$tol, domain: &[$dom], grad_domain: &[$gdom], onnx: $onnx, api: $api,
            }); )*
            v
        }
    };
}

/// Binary rows:
/// `Variant "name" Rule { [cpu: |a, b| ..,] [int: |a: i32, b: i32| ..,] [cmp: |a, b| .. as u8,] wgsl: "..",
///  [grad: (|c, g| .., |c, g| ..), wgsl_grad: ("..", ".."),] tol: .., domain: ("kind", "kind"),
///  grad_domain: ("kind", "kind"), onnx: .., api: .. }`
/// `cpu` is the float function (pasted into float32 and float64 loops), `int` the integer one
/// (int32 and int64; Promote ops), `cmp` the bool-valued one of a Compare op (pasted once per
/// input dtype). `grad` gives d/da and d/db as tensor expressions of the
/// saved inputs (`c.a()?`, `c.b()?`, `c.y()?`) and the incoming gradient g; absent: no derivative.
macro_rules! binary_ops {
    ($( $V:ident $name:literal $dt:ident {
        $( cpu: $cpu:expr, )?
        $( int: $int:expr, )?
        $( cmp: $cmp:expr, )?
        wgsl: $wgsl:literal,
        $( grad: ($ga:expr, $gb:expr), wgsl_grad: ($wga:literal, $wgb:literal), )?
        tol: $tol:ident, domain: ($da:literal, $db:literal), grad_domain: ($gda:literal, $gdb:literal),
        onnx: $onnx:expr, api: $api:expr $(,)?
    } )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum BinaryOp { $( $V ),* }

        /// (name, op, dtype rule). The order is the ABI code: append only.
        pub const BINARY: &[(&str, BinaryOp, crate::ops::spec::DTypeRule)] = &[
            $( ($name, BinaryOp::$V, crate::ops::spec::DTypeRule::$dt) ),*
        ];

        /// The CPU backend's loops (backend/cpu/elementwise.rs `zip`) with each row's function:
        /// a comparison over T, the float32 function, the int32 function.
        pub(crate) fn cpu_cmp<T: Elem>(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
            #[allow(unreachable_patterns)]
            match op { $( $( BinaryOp::$V => crate::backend::cpu::elementwise::zip_cmp::<T>(a, b, $cmp), )? )* _ => unreachable!() }
        }

        pub(crate) fn cpu_f32(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
            #[allow(unreachable_patterns)]
            match op { $( $( BinaryOp::$V => crate::backend::cpu::elementwise::zip::<f32, f32>(a, b, $cpu), )? )* _ => unreachable!() }
        }

        pub(crate) fn cpu_f64(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
            #[allow(unreachable_patterns)]
            match op { $( $( BinaryOp::$V => crate::backend::cpu::elementwise::zip_wide::<f64, f64>(a, b, $cpu), )? )* _ => unreachable!() }
        }

        pub(crate) fn cpu_i32(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
            #[allow(unreachable_patterns)]
            match op { $( $( BinaryOp::$V => crate::backend::cpu::elementwise::zip::<i32, i32>(a, b, $int), )? )* _ => unreachable!() }
        }

        pub(crate) fn cpu_i64(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
            #[allow(unreachable_patterns)]
            match op { $( $( BinaryOp::$V => crate::backend::cpu::elementwise::zip_wide::<i64, i64>(a, b, $int), )? )* _ => unreachable!() }
        }

        /// (d/da, d/db) of op as tensor closures, None where op has no derivative.
        #[allow(clippy::type_complexity)]
        fn grad_rules(op: BinaryOp) -> Option<(fn(&Ctx, &Tensor) -> Result<Tensor>, fn(&Ctx, &Tensor) -> Result<Tensor>)> {
            #[allow(unreachable_patterns)]
            match op { $( $( BinaryOp::$V => Some(($ga, $gb)), )? )* _ => None }
        }

        /// op's WGSL expression of `a` and `b`, for a device backend (backend/webgpu/elementwise.rs).
        pub(crate) fn wgsl(op: BinaryOp) -> &'static str {
            match op { $( BinaryOp::$V => $wgsl, )* }
        }

        /// This family's manifest rows.
        pub fn manifest() -> alloc::vec::Vec<crate::ops::spec::Row> {
            let mut v = alloc::vec::Vec::new();
            $( v.push(crate::ops::spec::Row {
                family: "binary", code: BinaryOp::$V as usize, name: $name,
                dtype: crate::ops::spec::DTypeRule::$dt, wgsl: $wgsl, wgsl_init: "", wgsl_grad: &[$( $wga, $wgb )?],
                tol: crate::ops::spec::Tol::$tol, domain: &[$da, $db], grad_domain: &[$gda, $gdb], onnx: $onnx, api: $api,
            }); )*
            v
        }
    };
}

/// Reduction rows: `Variant "name" { wgsl: (identity, combine[, merge]), tol: .., onnx: .. }`. A
/// reduction's loop and backward are its own (reduce.rs); the row declares the name, the code and
/// the WGSL fold (`acc` and `x`) a device reduces with; `merge` (two partials) defaults to `combine`.
macro_rules! reduce_ops {
    ($( $V:ident $name:literal { wgsl: ($id:literal, $comb:literal $(, $merge:literal)?), tol: $tol:ident, domain: $dom:literal, onnx: $onnx:expr $(,)? } )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ReduceOp { $( $V ),* }

        /// (name, op). The order is the ABI code: append only.
        pub const REDUCE: &[(&str, ReduceOp)] = &[ $( ($name, ReduceOp::$V) ),* ];

        /// op's WGSL (identity, combine of `acc` and `x`, merge of partials), for a device backend.
        pub(crate) fn wgsl(op: ReduceOp) -> (&'static str, &'static str, &'static str) {
            // the merge is the last of (combine[, merge])
            match op { $( ReduceOp::$V => { let f: &[&'static str] = &[$comb $(, $merge)?]; ($id, $comb, f[f.len() - 1]) } )* }
        }

        /// This family's manifest rows.
        pub fn manifest() -> alloc::vec::Vec<crate::ops::spec::Row> {
            let mut v = alloc::vec::Vec::new();
            $( v.push(crate::ops::spec::Row {
                family: "reduce", code: ReduceOp::$V as usize, name: $name,
                dtype: crate::ops::spec::DTypeRule::Reduction, wgsl: $comb, wgsl_init: $id, wgsl_grad: &[],
                tol: crate::ops::spec::Tol::$tol, domain: &[$dom], grad_domain: &[$dom], onnx: $onnx,
                api: crate::ops::spec::Api::Hand,
            }); )*
            v
        }
    };
}
