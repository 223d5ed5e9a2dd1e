# Chapter 4's recipe in PyTorch + torchvision, beside examples/04-custom-datasets.ts: TinyVGG
# (hidden 10) on the same image folders (grey PNGs, ImageFolder), Adam lr 0.003, batch 32, 20 epochs, cross
# entropy, once plain and once with TrivialAugmentWide (on PIL images, before ToTensor).
# Run: /usr/bin/python3 scripts/ch04_torch.py <root with train/ and test/> [epochs] [batch] [lr] [seed]
# Prints one JSON line: {"plain": test accuracy, "trivial": test accuracy}.
import json, sys
import torch
from torch import nn
from torchvision import datasets, transforms
from PIL import Image

root = sys.argv[1]
epochs, batch, lr, seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20, int(sys.argv[3]) if len(sys.argv) > 3 else 32, float(sys.argv[4]) if len(sys.argv) > 4 else 3e-3, int(sys.argv[5]) if len(sys.argv) > 5 else 42
grey = lambda p: Image.open(p).convert("L")


class TinyVGG(nn.Module):
    def __init__(self, cin, hidden, classes):
        super().__init__()
        conv = lambda a, b: nn.Conv2d(a, b, 3, 1, 1)
        self.block1 = nn.Sequential(conv(cin, hidden), nn.ReLU(), conv(hidden, hidden), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(conv(hidden, hidden), nn.ReLU(), conv(hidden, hidden), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(hidden * 7 * 7, classes))

    def forward(self, x):
        return self.classifier(self.block2(self.block1(x)))


def run(train_tf):
    torch.manual_seed(seed)
    train = datasets.ImageFolder(f"{root}/train", transform=train_tf, loader=grey)
    test = datasets.ImageFolder(f"{root}/test", transform=transforms.ToTensor(), loader=grey)
    tl = torch.utils.data.DataLoader(train, batch_size=batch, shuffle=True)
    model = TinyVGG(1, 10, len(train.classes))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for x, y in tl:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        x = torch.stack([test[i][0] for i in range(len(test))])
        y = torch.tensor([test[i][1] for i in range(len(test))])
        return (model(x).argmax(1) == y).float().mean().item()


torch.set_num_threads(1)
out = {"plain": run(transforms.ToTensor()), "trivial": run(transforms.Compose([transforms.TrivialAugmentWide(), transforms.ToTensor()]))}
print(json.dumps(out))
