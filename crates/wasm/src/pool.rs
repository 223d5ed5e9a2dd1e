//! The intra-op thread pool's entries (kd_kernels::parallel). The thread count is the user's
//! (`kd.setNumThreads`); the pool entries are called only by ts/runtime/threads.ts and by the
//! pool workers' own instances, and do nothing useful in a build without threads.
use crate::abi::abi;
use kd_kernels::parallel;

abi! {
    /// torch.set_num_threads: the threads an op may use, the caller included (clamped to
    /// 1..=kd_max_threads). Returns the value set.
    fn kd_set_num_threads(n: u32) -> value(usize) { parallel::set_num_threads(n as usize) }
    fn kd_get_num_threads() -> value(usize) { parallel::num_threads() }
    /// Ranges of parallel ops run by pool workers so far (0 while every op ran on one thread).
    fn kd_pool_worker_ranges() -> value(usize) { parallel::worker_ranges() }
    /// The most threads this build can use: 1 in the single-threaded builds.
    fn kd_max_threads() -> value(usize) { parallel::max_threads() }
    /// Memory for a pool worker's stack or thread-local block, never freed (workers live as long
    /// as the engine). 0 when out of memory.
    fn kd_pool_alloc(bytes: u32, align: u32) -> value(usize) {
        match core::alloc::Layout::from_size_align(bytes.max(1) as usize, (align.max(1) as usize).next_power_of_two()) {
            Ok(l) => unsafe { std::alloc::alloc_zeroed(l) as usize },
            Err(_) => 0,
        }
    }
    /// Whether the engine's own thread may sleep while it waits for workers (not on a browser's
    /// main thread, where it spins instead).
    fn kd_pool_can_block(yes: u32) -> void {
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        parallel::set_can_block(yes != 0);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
        let _ = yes;
    }
    /// A pool worker's loop, in its own instance on the shared memory (stack and TLS set up by
    /// threads.ts first): `index` 0.. is thread index + 1. Never returns in a threaded build.
    fn kd_pool_worker(index: u32) -> void {
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        parallel::worker_loop(index as usize);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
        let _ = index;
    }
}
