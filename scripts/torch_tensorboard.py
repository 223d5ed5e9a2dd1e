"""torch.utils.tensorboard's own summary code and default histogram bins, without the tensorboard
package (not in Debian): shared by gen_summary_fixtures.py and check_tfevents_torch.py. Callers put
the tensorboard proto modules they need into sys.modules first."""
import importlib.util
import os
import sys
import types

import numpy as np
import torch

TB_DIR = os.path.join(os.path.dirname(torch.__file__), "utils", "tensorboard")


def load_summary():
    """torch/utils/tensorboard/summary.py imported by path (its package __init__ checks
    tensorboard's version), with numpy shimmed: torch 1.13 calls np.greater(counts, 0,
    dtype=np.int32), which numpy >= 1.25 rejects; the same comparison cast afterwards gives the
    same 0/1 counts."""
    pkg = types.ModuleType("tbsum")
    pkg.__path__ = [TB_DIR]
    sys.modules["tbsum"] = pkg
    spec = importlib.util.spec_from_file_location("tbsum.summary", os.path.join(TB_DIR, "summary.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shim = types.ModuleType("np_shim")
    shim.__dict__.update({k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    shim.greater = lambda a, b, dtype=None: np.greater(a, b).astype(dtype) if dtype else np.greater(a, b)
    mod.np = shim
    return mod


def default_bins():
    """SummaryWriter's default_bins, computed by the lines of torch's writer.py that build them."""
    src = open(os.path.join(TB_DIR, "writer.py")).read()
    start = src.index("        v = 1e-12")
    end = src.index("self.default_bins = neg_buckets[::-1] + [0] + buckets")
    body = "\n".join(line[8:] for line in src[start:end].splitlines())
    scope = {}
    exec(body + "\ndefault_bins = neg_buckets[::-1] + [0] + buckets\n", scope)
    return scope["default_bins"]
