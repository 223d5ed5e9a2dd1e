# Reference values for tests/data.test.ts transforms (torch 1.13): F.interpolate for Resize, and
# torchvision's tensor rotate (affine grid + grid_sample + fill mask) rebuilt on torch for RandomRotation.
# Run: /usr/bin/python3 scripts/gen_transform_fixtures.py > tests/fixtures/transforms.json
import torch, math, json
import torch.nn.functional as F
torch.set_printoptions(precision=8)
img = torch.arange(30, dtype=torch.float32).reshape(1,1,5,6) / 29.0
img = img * img  # nonlinear so interpolation is visible
out = {}
out["img"] = img.flatten().tolist()
out["bilinear_3x4"] = F.interpolate(img, size=(3,4), mode="bilinear", align_corners=False).flatten().tolist()
out["bilinear_7x9"] = F.interpolate(img, size=(7,9), mode="bilinear", align_corners=False).flatten().tolist()
out["nearest_3x4"] = F.interpolate(img, size=(3,4), mode="nearest").flatten().tolist()
out["nearest_7x9"] = F.interpolate(img, size=(7,9), mode="nearest").flatten().tolist()

def inv_matrix(center, angle):
    rot = math.radians(angle)
    cx, cy = center
    a = math.cos(rot); b = -math.sin(rot); c = math.sin(rot); d = math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    m[2] += m[0] * (-cx) + m[1] * (-cy)
    m[5] += m[3] * (-cx) + m[4] * (-cy)
    m[2] += cx; m[5] += cy
    return m

def rotate(img, angle, mode, fill=0.0):
    n, ch, h, w = img.shape
    theta = torch.tensor(inv_matrix([0.0, 0.0], -angle), dtype=torch.float32).reshape(1, 2, 3)
    d = 0.5
    base = torch.empty(1, h, w, 3)
    base[..., 0].copy_(torch.linspace(-w * 0.5 + d, w * 0.5 + d - 1, steps=w))
    base[..., 1].copy_(torch.linspace(-h * 0.5 + d, h * 0.5 + d - 1, steps=h).unsqueeze_(-1))
    base[..., 2].fill_(1)
    rt = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h])
    grid = base.view(1, h * w, 3).bmm(rt).view(1, h, w, 2)
    x = torch.cat((img, torch.ones(n, 1, h, w)), dim=1)
    y = F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    mask = y[:, -1:]; y = y[:, :-1]
    fill_img = torch.full_like(y, fill)
    if mode == "nearest":
        mk = (mask < 0.5).expand_as(y)
        y[mk] = fill_img[mk]
    else:
        y = y * mask + (1.0 - mask) * fill_img
    return y
out["rot30_nearest"] = rotate(img, 30.0, "nearest").flatten().tolist()
out["rot30_bilinear"] = rotate(img, 30.0, "bilinear").flatten().tolist()
out["rotm45_bilinear_fill"] = rotate(img, -45.0, "bilinear", 0.5).flatten().tolist()
out["rot90_nearest_sq"] = rotate(torch.arange(16, dtype=torch.float32).reshape(1,1,4,4), 90.0, "nearest").flatten().tolist()
print(json.dumps(out))
