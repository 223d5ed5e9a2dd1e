# Reference outputs for tests/augment.test.ts: torchvision 0.14's tensor ops on small uint8 images
# (1 and 3 channels) and float images, every deterministic augmentation op at given parameters,
# and the seeded random transforms (torch.manual_seed) whose draws Kindling repeats.
# Run: /usr/bin/python3 scripts/gen_augment_fixtures.py   (writes tests/fixtures/augment.json)
import json, math, os
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode as IM
from torchvision.transforms.autoaugment import _apply_op

g = torch.Generator().manual_seed(7)
imgs = {
    "rgb": torch.randint(0, 256, (3, 9, 11), generator=g, dtype=torch.uint8),
    "gray": torch.randint(0, 256, (1, 8, 7), generator=g, dtype=torch.uint8),
}
# a low-contrast image so autocontrast/equalize do something
imgs["dull"] = (torch.randint(60, 120, (3, 8, 8), generator=g, dtype=torch.uint8))
cases = []

def add(name, image, fn, args, out, float_input=False):
    cases.append({"name": name, "image": image, "float": float_input, "fn": fn, "args": args, "out": out.flatten().tolist(), "shape": list(out.shape)})

NEAREST = {"nearest": IM.NEAREST, "bilinear": IM.BILINEAR}
for key in ["rgb", "gray", "dull"]:
    x = imgs[key]
    xf = x.float() / 255
    for fct in [0.0, 0.3, 1.0, 1.7]:
        add(f"brightness {fct} {key}", key, "adjustBrightness", [fct], F.adjust_brightness(x, fct))
        add(f"contrast {fct} {key}", key, "adjustContrast", [fct], F.adjust_contrast(x, fct))
        add(f"saturation {fct} {key}", key, "adjustSaturation", [fct], F.adjust_saturation(x, fct))
        add(f"sharpness {fct} {key}", key, "adjustSharpness", [fct], F.adjust_sharpness(x, fct))
        add(f"float contrast {fct} {key}", key, "adjustContrast", [fct], F.adjust_contrast(xf, fct), True)
        add(f"float sharpness {fct} {key}", key, "adjustSharpness", [fct], F.adjust_sharpness(xf, fct), True)
    for hue in [-0.5, -0.2, 0.05, 0.4]:
        add(f"hue {hue} {key}", key, "adjustHue", [hue], F.adjust_hue(x, hue))
        add(f"float hue {hue} {key}", key, "adjustHue", [hue], F.adjust_hue(xf, hue), True)
    for bits in [0, 1, 4, 7, 8]:
        add(f"posterize {bits} {key}", key, "posterize", [bits], F.posterize(x, bits))
    for th in [0.0, 100.0, 128.5, 255.0]:
        add(f"solarize {th} {key}", key, "solarize", [th], F.solarize(x, th))
    add(f"invert {key}", key, "invert", [], F.invert(x))
    add(f"autocontrast {key}", key, "autocontrast", [], F.autocontrast(x))
    add(f"float autocontrast {key}", key, "autocontrast", [], F.autocontrast(xf), True)
    add(f"equalize {key}", key, "equalize", [], F.equalize(x))
    for mode in ["nearest", "bilinear"]:
        for ang in [0.0, 30.0, -45.0, 90.0, 135.0]:
            add(f"rotate {ang} {mode} {key}", key, "rotate", [ang, {"interpolation": mode}], F.rotate(x, ang, interpolation=NEAREST[mode]))
        add(f"rotate 20 {mode} fill {key}", key, "rotate", [20.0, {"interpolation": mode, "fill": [7.0] * x.shape[0]}], F.rotate(x, 20.0, interpolation=NEAREST[mode], fill=[7.0] * x.shape[0]))
        add(f"rotate 20 {mode} center {key}", key, "rotate", [20.0, {"interpolation": mode, "center": [2, 3]}], F.rotate(x, 20.0, interpolation=NEAREST[mode], center=[2, 3]))
        for (ang, tr, sc, sh) in [(10.0, [2, -1], 1.0, [0.0, 0.0]), (0.0, [0, 0], 0.8, [15.0, 0.0]), (-25.0, [1, 3], 1.2, [5.0, -10.0])]:
            add(f"affine {ang} {tr} {sc} {sh} {mode} {key}", key, "affine", [ang, tr, sc, sh, {"interpolation": mode}],
                F.affine(x, angle=ang, translate=tr, scale=sc, shear=sh, interpolation=NEAREST[mode]))
        add(f"affine fill {mode} {key}", key, "affine", [30.0, [1, 1], 0.9, [10.0, 0.0], {"interpolation": mode, "fill": 200}],
            F.affine(x, angle=30.0, translate=[1, 1], scale=0.9, shear=[10.0, 0.0], interpolation=NEAREST[mode], fill=[200.0] * x.shape[0]))
    for (i, j, h, w, size) in [(1, 2, 5, 6, [7, 7]), (0, 0, 4, 4, [3, 5])]:
        add(f"resizedCrop {i} {j} {h} {w} {size} {key}", key, "resizedCrop", [i, j, h, w, size, "bilinear"], F.resized_crop(x, i, j, h, w, size, IM.BILINEAR))
        add(f"resizedCrop nearest {i} {j} {h} {w} {size} {key}", key, "resizedCrop", [i, j, h, w, size, "nearest"], F.resized_crop(x, i, j, h, w, size, IM.NEAREST))
    for (ks, sg) in [([3, 3], [1.0, 1.0]), ([5, 3], [1.5, 0.7]), ([3, 5], [0.3, 2.0])]:
        add(f"blur {ks} {sg} {key}", key, "gaussianBlur", [ks, sg], F.gaussian_blur(x, ks, sg))
        add(f"float blur {ks} {sg} {key}", key, "gaussianBlur", [ks, sg], F.gaussian_blur(xf, ks, sg), True)
    add(f"erase {key}", key, "erase", [1, 2, 3, 4, 9], F.erase(x, 1, 2, 3, 4, torch.tensor(9, dtype=torch.uint8)))
    add(f"float erase {key}", key, "erase", [2, 1, 4, 3, 0.25], F.erase(xf, 2, 1, 4, 3, torch.tensor(0.25)), True)
    # every AutoAugment-family op at a few signed magnitudes (nearest; bilinear for the warps)
    for op, mags in [("ShearX", [0.3, -0.6]), ("ShearY", [0.2, -0.99]), ("TranslateX", [3.7, -5.2]), ("TranslateY", [2.0, -4.9]), ("Rotate", [17.0, -135.0]),
                     ("Brightness", [0.5, -0.7]), ("Color", [0.9, -0.4]), ("Contrast", [0.66, -0.33]), ("Sharpness", [0.99, -0.8]),
                     ("Posterize", [2.0, 5.0]), ("Solarize", [93.5, 200.0]), ("AutoContrast", [0.0]), ("Equalize", [0.0]), ("Invert", [0.0]), ("Identity", [0.0])]:
        for m in mags:
            add(f"op {op} {m} {key}", key, "applyOp", [op, m, {"interpolation": "nearest"}], _apply_op(x, op, m, IM.NEAREST, None))
            if op in ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"):
                add(f"op {op} {m} bilinear fill {key}", key, "applyOp", [op, m, {"interpolation": "bilinear", "fill": [50.0] * x.shape[0]}], _apply_op(x, op, m, IM.BILINEAR, [50.0] * x.shape[0]))

# seeded random transforms: torch.manual_seed(s), then the transform on the rgb image
seeded = []
x = imgs["rgb"]
for s in range(12):
    torch.manual_seed(s)
    seeded.append({"name": f"TrivialAugmentWide seed {s}", "seed": s, "transform": "TrivialAugmentWide", "out": T.TrivialAugmentWide()(x).flatten().tolist()})
    torch.manual_seed(s)
    seeded.append({"name": f"RandAugment seed {s}", "seed": s, "transform": "RandAugment", "out": T.RandAugment()(x).flatten().tolist()})
    torch.manual_seed(s)
    seeded.append({"name": f"AutoAugment seed {s}", "seed": s, "transform": "AutoAugment", "out": T.AutoAugment()(x).flatten().tolist()})
for s in range(4):
    torch.manual_seed(s)
    seeded.append({"name": f"ColorJitter seed {s}", "seed": s, "transform": "ColorJitter", "out": T.ColorJitter(0.4, 0.4, 0.4, 0.1)(x).flatten().tolist()})
    torch.manual_seed(s)
    seeded.append({"name": f"RandomResizedCrop seed {s}", "seed": s, "transform": "RandomResizedCrop", "out": T.RandomResizedCrop([6, 6])(x).flatten().tolist()})
    torch.manual_seed(s)
    seeded.append({"name": f"RandomAffine seed {s}", "seed": s, "transform": "RandomAffine", "out": T.RandomAffine(30, translate=[0.2, 0.1], scale=[0.8, 1.2], shear=[-10, 10, -5, 5])(x).flatten().tolist()})
    torch.manual_seed(s)
    seeded.append({"name": f"GaussianBlur seed {s}", "seed": s, "transform": "GaussianBlur", "out": T.GaussianBlur(3, (0.1, 2.0))(x).flatten().tolist()})
    torch.manual_seed(s)
    seeded.append({"name": f"RandomErasing seed {s}", "seed": s, "transform": "RandomErasing", "out": T.RandomErasing(p=0.9, value=3)(x).flatten().tolist()})

out = {"torchvision": __import__("torchvision").__version__, "images": {k: {"shape": list(v.shape), "data": v.flatten().tolist()} for k, v in imgs.items()}, "cases": cases, "seeded": seeded}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "augment.json")
with open(path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
    fh.write("\n")
print(f"{path}: {len(cases)} cases, {len(seeded)} seeded")
