#!/usr/bin/python3
"""Optimizer and LR-scheduler fixtures: runs torch.optim (PyTorch 1.13, single-tensor
`foreach=False` paths) on a small fixed problem and writes tests/fixtures/optim.json, which
tests/optim.test.ts replays through kd.optim.

    /usr/bin/python3 scripts/gen_optim_fixtures.py

The problem: a 2-layer MLP  out = tanh(x @ W1.T + b1) @ W2.T + b2,  loss = mean((out - y)^2),
with x [16, 4], y [16, 3], W1 [6, 4], b1 [6], W2 [3, 6], b2 [3] drawn once from a seeded
generator and stored as float32 values (9 significant digits, exact for float32).

Format:
  {"torch": version,
   "problem": {"x": T, "y": T, "params": [{"name", "values", "shape"}, ...]},
   "optim": [{"name", "optimizer": "SGD"|"Adam"|"AdamW"|"RMSprop"|"Adagrad",
              "options": Kindling options (camelCase), "groups": optional [{"params": [param
              indices], ...group options}], "scheduler": optional {"type", "options"},
              "steps": [{"loss": loss before the step, "params": [[flat values] per param],
                         "lr": [per group] after the scheduler stepped}],
              "state_dict_at": k, "state_dict": torch's optimizer.state_dict() after k steps
              (tensors as {"values", "shape"}, the step counter as a number)}],
   "sched": [{"name", "scheduler", "options" (Kindling camelCase), "optimizer", "opt_options",
              "group_lrs", "metrics": optional (ReduceLROnPlateau), "lrs": [[per group] after
              construction, then after each step], "momentum": optional [[per group] ...]
              (OneCycleLR: SGD momentum or Adam beta1), "error_after": optional step count
              after which torch raised ValueError}]}
"""
import json
import math
import os
import warnings

import torch

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float32)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim.json")
SEED = 1913
STEPS = 20
SCHED_STEPS = 30


def f32list(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def enc_tensor(t):
    return {"values": f32list(t), "shape": list(t.shape)}


g = torch.Generator().manual_seed(SEED)
X = torch.randn(16, 4, generator=g)
Y = torch.randn(16, 3, generator=g)
INIT = [
    ("W1", torch.randn(6, 4, generator=g) * 0.5),
    ("b1", torch.randn(6, generator=g) * 0.1),
    ("W2", torch.randn(3, 6, generator=g) * 0.5),
    ("b2", torch.randn(3, generator=g) * 0.1),
]
# Round through the JSON encoding so torch starts from exactly the values Kindling reads.
X = torch.tensor(f32list(X)).reshape(X.shape)
Y = torch.tensor(f32list(Y)).reshape(Y.shape)
INIT = [(n, torch.tensor(f32list(t)).reshape(t.shape)) for n, t in INIT]


def make_params():
    return [t.clone().requires_grad_(True) for _, t in INIT]


def loss_fn(ps):
    w1, b1, w2, b2 = ps
    h = torch.tanh(X @ w1.t() + b1)
    out = h @ w2.t() + b2
    return (out - Y).pow(2).mean()


def snake(k):
    if k == "tMax":
        return "T_max"
    out = ""
    for c in k:
        out += "_" + c.lower() if c.isupper() else c
    return out


def torch_kwargs(opts, name):
    kw = {snake(k): (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}
    kw["foreach"] = False  # every optimizer here has the single-tensor path
    return kw


OPT = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}


def enc_state_value(k, v):
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        if v.dim() == 0:
            return float(v.item())
        return enc_tensor(v)
    return v


def enc_state_dict(sd):
    state = {str(i): {k: enc_state_value(k, v) for k, v in s.items()} for i, s in sd["state"].items()}
    groups = []
    for gr in sd["param_groups"]:
        groups.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in gr.items()})
    return {"state": state, "param_groups": groups}


def make_sched(opt, kind, options):
    kw = {snake(k): v for k, v in options.items()}
    if kind == "OneCycleLR":
        for k in ("max_lr", "base_momentum", "max_momentum"):
            if isinstance(kw.get(k), list):
                kw[k] = list(kw[k])
    return getattr(torch.optim.lr_scheduler, kind)(opt, **kw)


OPTIM_CASES = []


def optim_case(name, optimizer, options, groups=None, scheduler=None, sd_at=10):
    ps = make_params()
    kw = torch_kwargs(options, optimizer)
    if groups:
        pg = []
        for gr in groups:
            d = {snake(k): (tuple(v) if isinstance(v, list) else v) for k, v in gr.items() if k != "params"}
            d["params"] = [ps[i] for i in gr["params"]]
            pg.append(d)
        opt = OPT[optimizer](pg, **kw)
    else:
        opt = OPT[optimizer](ps, **kw)
    sched = make_sched(opt, scheduler["type"], scheduler["options"]) if scheduler else None
    steps = []
    sd = None
    for t in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(ps)
        loss.backward()
        opt.step()
        if sched:
            sched.step()
        steps.append({"loss": float("%.9g" % loss.item()), "params": [f32list(p) for p in ps],
                      "lr": [gr["lr"] for gr in opt.param_groups]})
        if t + 1 == sd_at:
            sd = enc_state_dict(opt.state_dict())
    case = {"name": name, "optimizer": optimizer, "options": options, "steps": steps,
            "state_dict_at": sd_at, "state_dict": sd}
    if groups:
        case["groups"] = groups
    if scheduler:
        case["scheduler"] = scheduler
    OPTIM_CASES.append(case)


# ---- optimizers --------------------------------------------------------------------------
optim_case("sgd", "SGD", {"lr": 0.1})
optim_case("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9})
optim_case("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3})
optim_case("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True})
optim_case("sgd_wd_momentum", "SGD", {"lr": 0.1, "momentum": 0.5, "weightDecay": 0.05})
optim_case("sgd_nesterov_wd", "SGD", {"lr": 0.03, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01})
optim_case("sgd_maximize", "SGD", {"lr": 0.01, "momentum": 0.9, "maximize": True})

optim_case("adam", "Adam", {"lr": 0.01})
optim_case("adam_betas_eps", "Adam", {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-6})
optim_case("adam_wd", "Adam", {"lr": 0.01, "weightDecay": 0.1})
optim_case("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True})
optim_case("adam_amsgrad_wd_maximize", "Adam", {"lr": 0.005, "amsgrad": True, "weightDecay": 0.05, "maximize": True})

optim_case("adamw", "AdamW", {"lr": 0.01})
optim_case("adamw_wd", "AdamW", {"lr": 0.01, "weightDecay": 0.5, "betas": [0.85, 0.995]})
optim_case("adamw_amsgrad", "AdamW", {"lr": 0.01, "amsgrad": True, "weightDecay": 0.1})
optim_case("adamw_maximize", "AdamW", {"lr": 0.005, "maximize": True})

optim_case("rmsprop", "RMSprop", {"lr": 0.01})
optim_case("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True})
optim_case("rmsprop_momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9, "alpha": 0.9})
optim_case("rmsprop_centered_momentum_wd", "RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weightDecay": 0.1, "eps": 1e-6})
optim_case("rmsprop_maximize", "RMSprop", {"lr": 0.002, "maximize": True})

optim_case("adagrad", "Adagrad", {"lr": 0.1})
optim_case("adagrad_lr_decay", "Adagrad", {"lr": 0.1, "lrDecay": 0.05})
optim_case("adagrad_init_acc_wd", "Adagrad", {"lr": 0.2, "initialAccumulatorValue": 0.1, "weightDecay": 0.1, "eps": 1e-8})
optim_case("adagrad_maximize", "Adagrad", {"lr": 0.05, "maximize": True})

# ---- parameter groups with their own options ------------------------------------------------
optim_case("sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
           groups=[{"params": [0, 1], "lr": 0.02}, {"params": [2, 3], "momentum": 0.5, "weightDecay": 0.01}])
optim_case("adam_groups", "Adam", {"lr": 0.01},
           groups=[{"params": [0, 1]}, {"params": [2, 3], "lr": 0.003, "betas": [0.5, 0.9], "amsgrad": True}])

# ---- optimizer + scheduler together ---------------------------------------------------------
optim_case("sgd_steplr", "SGD", {"lr": 0.1, "momentum": 0.9},
           scheduler={"type": "StepLR", "options": {"stepSize": 5, "gamma": 0.5}})
optim_case("adam_onecycle", "Adam", {"lr": 0.01},
           scheduler={"type": "OneCycleLR", "options": {"maxLr": 0.05, "totalSteps": 20}})
optim_case("sgd_onecycle_three_phase", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True},
           scheduler={"type": "OneCycleLR", "options": {"maxLr": 0.2, "totalSteps": 25, "threePhase": True, "annealStrategy": "linear"}})

# ---- schedulers ---------------------------------------------------------------------------
SCHED_CASES = []
METRICS = [1.0, 0.9, 0.85, 0.84, 0.84, 0.8399, 0.845, 0.83, 0.83, 0.831, 0.6, 0.6, 0.61, 0.62, 0.6,
           0.59995, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46]


def sched_case(name, scheduler, options, optimizer="SGD", opt_options=None, group_lrs=(0.1, 0.05), metrics=None,
               steps=SCHED_STEPS):
    if opt_options is None:
        opt_options = {"momentum": 0.9}
    ps = make_params()
    groups = [{"params": ps[:2], "lr": group_lrs[0]}, {"params": ps[2:], "lr": group_lrs[1]}]
    opt = OPT[optimizer](groups, **torch_kwargs(opt_options, optimizer))
    sched = make_sched(opt, scheduler, options)
    lrs = [list(sched.get_last_lr()) if hasattr(sched, "get_last_lr") and scheduler != "ReduceLROnPlateau"
           else [gr["lr"] for gr in opt.param_groups]]

    def mom():
        return [gr["betas"][0] if "betas" in gr else gr["momentum"] for gr in opt.param_groups]
    moms = [mom()]
    error_after = None
    for t in range(steps):
        opt.step()
        try:
            if metrics is not None:
                sched.step(metrics[t])
            else:
                sched.step()
        except ValueError:
            error_after = t
            break
        lrs.append([gr["lr"] for gr in opt.param_groups])
        moms.append(mom())
    case = {"name": name, "scheduler": scheduler, "options": options, "optimizer": optimizer,
            "opt_options": opt_options, "group_lrs": list(group_lrs), "lrs": lrs}
    if metrics is not None:
        case["metrics"] = metrics[:steps]
    if scheduler == "OneCycleLR":
        case["momentum"] = moms
    if error_after is not None:
        case["error_after"] = error_after
    SCHED_CASES.append(case)


sched_case("steplr", "StepLR", {"stepSize": 5, "gamma": 0.5})
sched_case("steplr_3", "StepLR", {"stepSize": 3})
sched_case("multisteplr", "MultiStepLR", {"milestones": [3, 7, 7, 15], "gamma": 0.3})
sched_case("exponentiallr", "ExponentialLR", {"gamma": 0.9})
sched_case("cosine", "CosineAnnealingLR", {"tMax": 10, "etaMin": 0.01})
sched_case("cosine_7", "CosineAnnealingLR", {"tMax": 7})
sched_case("onecycle_cos", "OneCycleLR", {"maxLr": 0.5, "totalSteps": 30})
sched_case("onecycle_linear_groups", "OneCycleLR",
           {"maxLr": [0.5, 0.2], "totalSteps": 30, "annealStrategy": "linear", "pctStart": 0.25,
            "divFactor": 10.0, "finalDivFactor": 100.0})
sched_case("onecycle_three_phase_adam", "OneCycleLR",
           {"maxLr": 0.01, "epochs": 3, "stepsPerEpoch": 10, "threePhase": True, "baseMomentum": 0.8,
            "maxMomentum": 0.9},
           optimizer="Adam", opt_options={})
sched_case("onecycle_no_momentum", "OneCycleLR", {"maxLr": 0.3, "totalSteps": 30, "cycleMomentum": False},
           opt_options={})
sched_case("onecycle_past_end", "OneCycleLR", {"maxLr": 0.3, "totalSteps": 20}, steps=25)
sched_case("plateau_min_rel", "ReduceLROnPlateau", {"patience": 2}, metrics=METRICS)
sched_case("plateau_min_abs_cooldown", "ReduceLROnPlateau",
           {"patience": 1, "factor": 0.5, "thresholdMode": "abs", "threshold": 0.01, "cooldown": 2, "minLr": 0.01},
           metrics=METRICS)
sched_case("plateau_max", "ReduceLROnPlateau", {"mode": "max", "patience": 0, "factor": 0.7, "minLr": [0.05, 0.02]},
           metrics=METRICS)
sched_case("plateau_max_abs_eps", "ReduceLROnPlateau",
           {"mode": "max", "patience": 1, "factor": 0.9, "thresholdMode": "abs", "threshold": 0.0, "eps": 0.006},
           metrics=METRICS)

with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "seed": SEED,
               "problem": {"x": enc_tensor(X), "y": enc_tensor(Y),
                           "params": [{"name": n, **enc_tensor(t)} for n, t in INIT]},
               "optim": OPTIM_CASES, "sched": SCHED_CASES}, f, separators=(",", ":"))
print("wrote %s: %d optimizer cases, %d scheduler cases" % (os.path.relpath(OUT), len(OPTIM_CASES), len(SCHED_CASES)))
