//! An opt-in profiler: when a clock is installed (the wasm crate installs one that imports
//! performance.now), `span` accumulates calls and milliseconds per name. Off, it costs a branch.
use alloc::vec::Vec;

pub type Clock = fn() -> f64;

struct Table { clock: Option<Clock>, rows: Vec<(&'static str, u32, f64)> }

static mut TABLE: Table = Table { clock: None, rows: Vec::new() };

// SAFETY (all three): the engine runs on one thread; the profiler is never touched by workers.
fn table() -> &'static mut Table { unsafe { &mut *core::ptr::addr_of_mut!(TABLE) } }

/// Installs (Some) or removes (None) the clock; installing clears the table.
pub fn set_clock(clock: Option<Clock>) {
    let t = table();
    t.clock = clock;
    if clock.is_some() { t.rows.clear(); }
}

/// Runs f, charging its time to `name` when profiling is on.
#[inline]
pub fn span<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    let Some(clock) = table().clock else { return f() };
    let t0 = clock();
    let r = f();
    let dt = clock() - t0;
    let rows = &mut table().rows;
    match rows.iter_mut().find(|r| core::ptr::eq(r.0, name) || r.0 == name) {
        Some(r) => { r.1 += 1; r.2 += dt; }
        None => rows.push((name, 1, dt)),
    }
    r
}

/// The accumulated rows: (name, calls, milliseconds).
pub fn rows() -> Vec<(&'static str, u32, f64)> { table().rows.clone() }
