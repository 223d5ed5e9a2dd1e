//! Intra-op parallelism: `parallel_for` splits 0..n into disjoint ranges and runs them on the
//! calling thread and the pool's workers. Kernels write only the outputs their range owns, so
//! a result never depends on how many threads ran it (reductions sum in fixed blocks, see
//! `blocks`). Workers never allocate: per-thread scratch is sized by the caller from
//! `num_threads()` and picked by the `tid` each range gets.
//!
//! Three builds of the same API:
//! - wasm32 with `atomics` (the threaded engine): workers are wasm instances in Web Workers /
//!   worker_threads sharing the engine's memory; they sleep in `memory.atomic.wait32` on the
//!   job generation and claim ranges with one 64-bit CAS (job, chunk count and next chunk in
//!   one word, so a late worker can never take a range of a job it did not read).
//! - native tests (`cfg(test)` or feature `native-threads`): `std::thread::scope`.
//! - everything else (the single-threaded wasm builds): the ranges run in order on the caller.
use core::sync::atomic::{AtomicUsize, Ordering};

/// Threads a job may use, the caller included (`torch.set_num_threads`).
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Ranges run by pool workers (tid > 0) since the engine started: tests read it to see that a
/// large op really was shared.
static WORKER_RANGES: AtomicUsize = AtomicUsize::new(0);

/// Ranges run by threads other than the caller so far.
pub fn worker_ranges() -> usize { WORKER_RANGES.load(Ordering::Relaxed) }

/// Ranges per participating thread: enough that a slow thread does not hold the others up.
const CHUNKS_PER_THREAD: usize = 4;

/// The most threads this build can run (1 when it has no threads).
pub fn max_threads() -> usize {
    if cfg!(any(test, feature = "native-threads", all(target_arch = "wasm32", target_feature = "atomics"))) { 64 } else { 1 }
}

/// Sets the threads jobs use (clamped to 1..=max_threads()); returns the value set.
pub fn set_num_threads(n: usize) -> usize {
    let n = n.clamp(1, max_threads());
    THREADS.store(n, Ordering::Release);
    n
}

/// Threads a job started now may use: size per-thread scratch with this, index it by `tid`.
pub fn num_threads() -> usize { THREADS.load(Ordering::Acquire) }

/// A raw output pointer that may cross threads: each range writes only its own elements.
#[derive(Clone, Copy)]
pub struct SyncPtr<T>(pub *mut T);
unsafe impl<T> Send for SyncPtr<T> {}
unsafe impl<T> Sync for SyncPtr<T> {}
impl<T> SyncPtr<T> {
    pub fn new(s: &mut [T]) -> Self { SyncPtr(s.as_mut_ptr()) }
    /// The elements lo..hi. Safety: in bounds of the slice this came from, and no other range
    /// (on any thread) touches them while the result lives.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, lo: usize, hi: usize) -> &mut [T] {
        core::slice::from_raw_parts_mut(self.0.add(lo), hi - lo)
    }
    /// Element i. Safety: in bounds, and no other range (on any thread) touches it meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn at(&self, i: usize) -> &mut T { &mut *self.0.add(i) }
}

/// Scratch for the threads of a parallel_for: blocks of `len` elements in one buffer the caller
/// allocates before the split (sized `len * num_threads()`; workers never allocate). A range
/// works in block `tid`, which no other range uses while it runs.
pub struct PerThread<T> { p: SyncPtr<T>, len: usize, blocks: usize }
impl<T: Copy + Default> PerThread<T> {
    /// Blocks of `len` elements over `buf`.
    pub fn new(buf: &mut [T], len: usize) -> Self {
        PerThread { p: SyncPtr::new(buf), len, blocks: if len == 0 { usize::MAX } else { buf.len() / len } }
    }
    /// `blocks` blocks of `len` elements at `ptr`. Safety: they are valid while this is used.
    pub unsafe fn from_raw(ptr: *mut T, len: usize, blocks: usize) -> Self { PerThread { p: SyncPtr(ptr), len, blocks } }
    /// Runs `f` on block `tid`: as the last range of this thread left it (as the caller
    /// allocated it at first). Safety: `tid` is the one parallel_for passed to this range.
    pub unsafe fn with<R>(&self, tid: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
        if tid < self.blocks {
            f(self.p.slice(tid * self.len, (tid + 1) * self.len))
        } else {
            // Only if the thread count rose after the buffer was sized (a native test setting
            // it from another thread): never in the engine, where it changes between ops.
            f(&mut alloc::vec![T::default(); self.len])
        }
    }
}

/// Runs `f(lo, hi, tid)` over disjoint ranges covering 0..n, on up to `num_threads()` threads
/// (`tid` < num_threads(); 0 is the caller). A range holds at least `grain` items (bar the
/// last), so small work stays on one thread. Which thread runs which range is unspecified.
/// Nested calls (from inside `f`) run on the thread that makes them.
pub fn parallel_for<F: Fn(usize, usize, usize) + Sync>(n: usize, grain: usize, f: F) {
    let threads = num_threads();
    let chunks = n.div_ceil(grain.max(1)).min(threads * CHUNKS_PER_THREAD);
    if threads <= 1 || chunks <= 1 {
        if n > 0 { f(0, n, 0); }
        return;
    }
    let size = n.div_ceil(chunks);
    imp::run(n, size, n.div_ceil(size), threads, &f);
}

/// Fixed-size blocks for deterministic reductions: `blocks(n, b)` is the number of blocks of
/// at most `b` items covering 0..n. Sum each block into its own partial with
/// `parallel_for(blocks, 1, ..)` and combine the partials in order: the block edges, and so
/// every rounding, are the same for any thread count.
pub fn blocks(n: usize, b: usize) -> usize { n.div_ceil(b.max(1)) }

#[cfg(all(target_arch = "wasm32", target_feature = "atomics", not(any(test, feature = "native-threads"))))]
pub use imp::{set_can_block, worker_loop};

/// Calls the job's closure for one range (monomorphised per closure type).
unsafe fn trampoline<F: Fn(usize, usize, usize) + Sync>(data: *const (), lo: usize, hi: usize, tid: usize) {
    if tid > 0 { WORKER_RANGES.fetch_add(1, Ordering::Relaxed); }
    (*(data as *const F))(lo, hi, tid)
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics", not(any(test, feature = "native-threads"))))]
mod imp {
    use core::arch::wasm32::{memory_atomic_notify, memory_atomic_wait32};
    use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::*};

    /// The job's generation: workers sleep on it.
    static GEN: AtomicI32 = AtomicI32::new(0);
    /// gen (32 bits) | chunks (16) | next chunk (16): claiming a range is one CAS on this.
    static STATE: AtomicU64 = AtomicU64::new(0);
    /// Ranges finished in the current job: the caller sleeps on it (where it may block).
    static DONE: AtomicI32 = AtomicI32::new(0);
    /// Set while a job runs: a nested parallel_for runs serially.
    static BUSY: AtomicBool = AtomicBool::new(false);
    /// Whether the calling thread may block in wait32 (not on a browser's main thread).
    static CAN_BLOCK: AtomicBool = AtomicBool::new(false);

    #[derive(Clone, Copy)]
    struct Job { data: *const (), call: unsafe fn(*const (), usize, usize, usize), n: usize, size: usize }
    /// Written by the caller before it publishes STATE; read by a thread only after it claimed a
    /// range of this job, and stable until the job's last range is DONE.
    static mut JOB: Job = Job { data: core::ptr::null(), call: noop, n: 0, size: 0 };
    unsafe fn noop(_: *const (), _: usize, _: usize, _: usize) {}

    /// Spins before sleeping: back-to-back ops of a training step find the workers awake.
    const SPIN: u32 = 20_000;

    pub fn set_can_block(yes: bool) { CAN_BLOCK.store(yes, Release); }

    pub fn run<F: Fn(usize, usize, usize) + Sync>(n: usize, size: usize, chunks: usize, threads: usize, f: &F) {
        if BUSY.swap(true, Acquire) {
            f(0, n, 0); // nested: this thread does it all
            return;
        }
        debug_assert!(chunks <= 0xffff); // chunks <= threads * CHUNKS_PER_THREAD
        let gen = GEN.load(Relaxed).wrapping_add(1);
        unsafe { JOB = Job { data: f as *const F as *const (), call: super::trampoline::<F>, n, size }; }
        DONE.store(0, Relaxed);
        STATE.store(((gen as u32 as u64) << 32) | ((chunks as u64) << 16), Release);
        GEN.store(gen, Release);
        unsafe { memory_atomic_notify(GEN.as_ptr(), (threads - 1) as u32); }
        claim(gen, 0);
        let mut spins = 0u32;
        loop {
            let d = DONE.load(Acquire);
            if d as usize >= chunks { break; }
            if spins < SPIN || !CAN_BLOCK.load(Relaxed) {
                core::hint::spin_loop();
                spins = spins.saturating_add(1);
            } else {
                wait(&DONE, d, 1_000_000);
            }
        }
        BUSY.store(false, Release);
    }

    /// Sleeps while `at` holds `expected` (at most `timeout_ns`; -1: no limit). Never inlined:
    /// with the wait inlined into the caller's loop, Node 20 (V8 11.3) returned a wrong result
    /// about once in 20,000 softmax calls on 2 threads (the untransposed temporary of a dim-0
    /// softmax), only when the engine thread slept; the workers' ranges were all in bounds and
    /// in time. With the wait in a function of its own: none in 160,000 (an engine bug we
    /// could not pin further; this keeps the caller's live values out of the wait).
    #[inline(never)]
    fn wait(at: &AtomicI32, expected: i32, timeout_ns: i64) {
        unsafe { memory_atomic_wait32(at.as_ptr(), expected, timeout_ns); }
    }

    /// Takes ranges of job `gen` until none is left (or another job replaced it).
    fn claim(gen: i32, tid: usize) {
        loop {
            let s = STATE.load(Acquire);
            let (chunks, next) = ((s >> 16) & 0xffff, s & 0xffff);
            if (s >> 32) as u32 != gen as u32 || next >= chunks { return; }
            if STATE.compare_exchange_weak(s, s + 1, AcqRel, Relaxed).is_err() { continue; }
            let job = unsafe { JOB };
            let lo = next as usize * job.size;
            unsafe { (job.call)(job.data, lo, (lo + job.size).min(job.n), tid); }
            if DONE.fetch_add(1, AcqRel) + 1 == chunks as i32 {
                unsafe { memory_atomic_notify(DONE.as_ptr(), 1); }
            }
        }
    }

    /// A pool worker's life: `index` 0.. is thread `index + 1`. Never returns.
    pub fn worker_loop(index: usize) -> ! {
        let mut seen = GEN.load(Acquire);
        loop {
            let mut spins = 0u32;
            let mut g = GEN.load(Acquire);
            while g == seen {
                if spins < SPIN {
                    core::hint::spin_loop();
                    spins += 1;
                } else {
                    wait(&GEN, seen, -1);
                }
                g = GEN.load(Acquire);
            }
            seen = g;
            if index + 1 < super::num_threads() { claim(g, index + 1); }
        }
    }
}

#[cfg(any(test, feature = "native-threads"))]
mod imp {
    extern crate std;
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// Native (tests): fresh scoped threads per job, claiming ranges from one counter.
    pub fn run<F: Fn(usize, usize, usize) + Sync>(n: usize, size: usize, chunks: usize, threads: usize, f: &F) {
        let next = AtomicUsize::new(0);
        let work = |tid: usize| loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks { break; }
            if tid > 0 { super::WORKER_RANGES.fetch_add(1, Ordering::Relaxed); }
            f(c * size, ((c + 1) * size).min(n), tid);
        };
        std::thread::scope(|s| {
            for tid in 1..threads { let work = &work; s.spawn(move || work(tid)); }
            work(0);
        });
    }
}

#[cfg(not(any(test, feature = "native-threads", all(target_arch = "wasm32", target_feature = "atomics"))))]
mod imp {
    /// No threads in this build: the ranges in order, on the caller.
    pub fn run<F: Fn(usize, usize, usize) + Sync>(n: usize, size: usize, chunks: usize, _threads: usize, f: &F) {
        for c in 0..chunks { f(c * size, ((c + 1) * size).min(n), 0); }
    }
}

/// Runs `f` with `n` threads set, one such block at a time (tests share the global setting).
#[cfg(any(test, feature = "native-threads"))]
pub fn with_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    extern crate std;
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    set_num_threads(n);
    let r = f();
    set_num_threads(1);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn every_index_once_on_any_thread_count() {
        for t in [1, 2, 3, 4, 7] {
            with_threads(t, || for n in [0, 1, 5, 64, 1000] {
                let out = vec![0u32; n];
                let p = SyncPtr(out.as_ptr() as *mut u32);
                parallel_for(n, 3, |lo, hi, tid| {
                    assert!(tid < t);
                    for x in unsafe { p.slice(lo, hi) } { *x += 1; }
                });
                assert!(out.iter().all(|&x| x == 1), "threads {t} n {n}");
            });
        }
    }

    #[test]
    fn small_work_stays_on_the_caller() {
        with_threads(4, || parallel_for(10, 100, |lo, hi, tid| assert_eq!((lo, hi, tid), (0, 10, 0))));
    }
}
