//! Process-wide state behind the C ABI: the handle table, the RNG, the last error and the
//! scratch area JS writes argument arrays into. The ABI is called from one thread only.
use kd_engine::{Error, Tensor};
use kd_kernels::rng::Rng;

pub const SCRATCH_LEN: usize = 4096;

pub struct State {
    slots: Vec<Option<Tensor>>,
    free: Vec<u32>,
    pub live: usize,
    pub rng: Rng,
    pub last_error: Option<Error>,
    pub scratch: [i32; SCRATCH_LEN],
}

static mut STATE: Option<State> = None;

pub fn state() -> &'static mut State {
    // SAFETY: the ABI is single-threaded (intra-op worker threads never touch this).
    unsafe {
        let s = &mut *core::ptr::addr_of_mut!(STATE);
        s.get_or_insert_with(|| State {
            slots: vec![None], // handle 0 is the error value
            free: Vec::new(),
            live: 0,
            rng: Rng::new(kd_kernels::rng::TORCH_DEFAULT_SEED),
            last_error: None,
            scratch: [0; SCRATCH_LEN],
        })
    }
}

impl State {
    pub fn insert(&mut self, t: Tensor) -> u32 {
        self.live += 1;
        if let Some(h) = self.free.pop() {
            self.slots[h as usize] = Some(t);
            h
        } else {
            self.slots.push(Some(t));
            (self.slots.len() - 1) as u32
        }
    }

    pub fn get(&self, h: u32) -> Result<&Tensor, Error> {
        match self.slots.get(h as usize) {
            Some(Some(t)) if h != 0 => Ok(t),
            _ => Err(Error { kind: kd_engine::ErrorKind::Handle, msg: format!("tensor handle {} is not live (was it disposed?)", h) }),
        }
    }

    pub fn get_mut(&mut self, h: u32) -> Result<&mut Tensor, Error> {
        match self.slots.get_mut(h as usize) {
            Some(Some(t)) if h != 0 => Ok(t),
            _ => Err(Error { kind: kd_engine::ErrorKind::Handle, msg: format!("tensor handle {} is not live (was it disposed?)", h) }),
        }
    }

    pub fn remove(&mut self, h: u32) -> bool {
        match self.slots.get_mut(h as usize) {
            Some(slot @ Some(_)) if h != 0 => {
                *slot = None;
                self.free.push(h);
                self.live -= 1;
                true
            }
            _ => false,
        }
    }

    /// Bytes held by live storages (each storage counted once).
    pub fn storage_bytes(&self) -> usize {
        let mut seen: Vec<(*const kd_engine::storage::Storage, usize)> = self.slots.iter().flatten()
            .map(|t| (std::rc::Rc::as_ptr(&t.storage), t.storage.nbytes()))
            .collect();
        seen.sort_unstable_by_key(|p| p.0 as usize);
        seen.dedup_by_key(|p| p.0 as usize);
        seen.iter().map(|p| p.1).sum()
    }
}
