//! The opt-in profiler of backward rules.
use crate::abi::abi;

#[link(wasm_import_module = "env")]
extern "C" {
    /// performance.now(), imported from JS only for the profiler.
    #[link_name = "kd_now"]
    fn js_now() -> f64;
}

fn now() -> f64 { unsafe { js_now() } }

static mut PROFILE_TEXT: String = String::new();

abi! {
    /// on != 0 starts profiling backward rules (clearing the table); 0 stops.
    fn kd_profile(on: u32) -> void { kd_engine::profile::set_clock(if on != 0 { Some(now) } else { None }); }
    /// "name,calls,ms;..." for the backward rules run while profiling: its length (address: kd_profile_ptr).
    fn kd_profile_report() -> value(usize) {
        let text: Vec<String> = kd_engine::profile::rows().iter().map(|(n, c, ms)| format!("{},{},{}", n, c, ms)).collect();
        unsafe {
            let t = &mut *core::ptr::addr_of_mut!(PROFILE_TEXT);
            *t = text.join(";");
            t.len()
        }
    }
    fn kd_profile_ptr() -> value(*const u8) { unsafe { (&*core::ptr::addr_of!(PROFILE_TEXT)).as_ptr() } }
}
