"""PyTorch twins of our ResNets, built only inside benchmark functions (torch is optional; torchvision is not used).

The same architectures as resnet_np.models: torchvision's BasicBlock/ResNet and the paper's CIFAR ResNet with the
option-A (zero-padding) shortcut, with the same parameter names, so weights can be copied across by name.
"""


def build(torch, depth=None, imagenet_layers=None, num_classes=10, in_channels=3):
    """A torch ResNet: CIFAR-style with `depth` = 6n + 2, or ImageNet-style BasicBlock with `imagenet_layers`;
    `in_channels` input channels (1 for the digits)."""
    tnn = torch.nn

    class ZeroPadShortcut(tnn.Module):
        def __init__(self, in_channels, out_channels, stride):
            super().__init__()
            self.extra_channels, self.stride = out_channels - in_channels, stride

        def forward(self, x):
            return tnn.functional.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.extra_channels))

    class BasicBlock(tnn.Module):
        def __init__(self, in_channels, width, stride, downsample):
            super().__init__()
            self.conv1 = tnn.Conv2d(in_channels, width, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(width)
            self.conv2 = tnn.Conv2d(width, width, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(width)
            self.downsample = downsample

        def forward(self, x):
            out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNet(tnn.Module):
        def __init__(self, layers, widths, cifar):
            super().__init__()
            self.conv1 = tnn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False) if cifar else \
                tnn.Conv2d(in_channels, widths[0], 7, 2, 3, bias=False)
            self.bn1 = tnn.BatchNorm2d(widths[0])
            self.maxpool = tnn.Identity() if cifar else tnn.MaxPool2d(3, 2, 1)
            channels, stages = widths[0], []
            for index, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
                blocks = []
                for block_index in range(n_blocks):
                    stride = 2 if index > 0 and block_index == 0 else 1
                    downsample = None
                    if stride != 1 or channels != width:
                        downsample = ZeroPadShortcut(channels, width, stride) if cifar else tnn.Sequential(
                            tnn.Conv2d(channels, width, 1, stride, bias=False), tnn.BatchNorm2d(width))
                    blocks.append(BasicBlock(channels, width, stride, downsample))
                    channels = width
                stages.append(tnn.Sequential(*blocks))
            self.stages = tnn.ModuleList(stages)
            self.fc = tnn.Linear(channels, num_classes)

        def forward(self, x):
            x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
            for stage in self.stages:
                x = stage(x)
            return self.fc(x.mean(dim=(2, 3)))

    if depth is not None:
        n = (depth - 2) // 6
        return ResNet([n, n, n], [16, 32, 64], cifar=True)
    return ResNet(imagenet_layers, [64, 128, 256, 512][:len(imagenet_layers)], cifar=False)
