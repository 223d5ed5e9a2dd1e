"""PyTorch twins of the Kindling models that files are exchanged for (same module tree, so the
same state_dict key names): TinyVGG as examples/04-fashion-mnist.ts builds it."""
from torch import nn


class TinyVGG(nn.Module):
    def __init__(self, in_channels=1, hidden=10, classes=10):
        super().__init__()
        conv = lambda i, o: nn.Conv2d(i, o, 3, stride=1, padding=1)
        self.block1 = nn.Sequential(conv(in_channels, hidden), nn.ReLU(), conv(hidden, hidden), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(conv(hidden, hidden), nn.ReLU(), conv(hidden, hidden), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(hidden * 7 * 7, classes))

    def forward(self, x):
        return self.classifier(self.block2(self.block1(x)))
