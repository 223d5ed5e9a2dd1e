//! Fused optimizer steps (kd.optim). Each updates the parameter and its state tensors in
//! place. A state handle of 0 means "none" (used only when the option needs it).
//! flags: bit 0 maximize; SGD bit 1 nesterov, bit 2 first step (the buffer takes the grad);
//! Adam bit 1 amsgrad, bit 2 decoupled weight decay (AdamW); RMSprop bit 1 centered.
use kd_engine::ops::optim;
use kd_engine::Tensor;

use crate::abi::abi;

abi! {
    fn kd_sgd_step(param: Tensor, grad: Tensor, buf: Option<Tensor>, lr: f64, momentum: f64, dampening: f64, weight_decay: f64, flags: u32) -> status {
        let h = optim::Sgd { lr, momentum, dampening, weight_decay, nesterov: flags & 2 != 0, maximize: flags & 1 != 0 };
        optim::sgd_step(&param, &grad, buf.as_ref(), flags & 4 != 0, &h)
    }
    fn kd_adam_step(param: Tensor, grad: Tensor, exp_avg: Tensor, exp_avg_sq: Tensor, max_exp_avg_sq: Option<Tensor>, step: f64, lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64, flags: u32) -> status {
        let decoupled = flags & 4 != 0;
        let step = optim::step_count(if decoupled { "adamw" } else { "adam" }, step)?;
        let h = optim::Adam { lr, beta1, beta2, eps, weight_decay, step, amsgrad: flags & 2 != 0, maximize: flags & 1 != 0, decoupled };
        optim::adam_step(&param, &grad, &exp_avg, &exp_avg_sq, max_exp_avg_sq.as_ref(), &h)
    }
    fn kd_rmsprop_step(param: Tensor, grad: Tensor, square_avg: Tensor, grad_avg: Option<Tensor>, momentum_buffer: Option<Tensor>, lr: f64, alpha: f64, eps: f64, weight_decay: f64, momentum: f64, flags: u32) -> status {
        let h = optim::RmsProp { lr, alpha, eps, weight_decay, momentum, centered: flags & 2 != 0, maximize: flags & 1 != 0 };
        optim::rmsprop_step(&param, &grad, &square_avg, grad_avg.as_ref(), momentum_buffer.as_ref(), &h)
    }
    fn kd_adagrad_step(param: Tensor, grad: Tensor, sum: Tensor, step: f64, lr: f64, lr_decay: f64, weight_decay: f64, eps: f64, flags: u32) -> status {
        let step = optim::step_count("adagrad", step)?;
        let h = optim::Adagrad { lr, lr_decay, weight_decay, eps, step, maximize: flags & 1 != 0 };
        optim::adagrad_step(&param, &grad, &sum, &h)
    }
}
