"""Whole networks against PyTorch autograd: same weights, same input -> same logits, dL/dx, every parameter gradient
and the updated BatchNorm running statistics, in train and in eval mode (float64).

torchvision is not a dependency: the reference models are written below in plain torch, following
torchvision.models.resnet (BasicBlock, Bottleneck, ResNet) and the usual option-A CIFAR ResNet, with the same
parameter names, so a state_dict moves across unchanged.
"""

import numpy as np
import pytest

from resnet_np import models
from resnet_np.gradcheck import relative_error

torch = pytest.importorskip("torch")
tnn = torch.nn

TOLERANCE = 1e-9




class TorchZeroPadShortcut(tnn.Module):
    """Option A: every stride-th pixel, zero channels appended after the input's."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.extra_channels, self.stride = out_channels - in_channels, stride

    def forward(self, x):
        return tnn.functional.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.extra_channels))


class TorchBasicBlock(tnn.Module):
    expansion = 1

    def __init__(self, in_channels, width, stride=1, downsample=None, residual=True):
        super().__init__()
        self.conv1 = tnn.Conv2d(in_channels, width, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(width)
        self.conv2 = tnn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(width)
        self.downsample, self.residual = downsample, residual

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return torch.relu(out)


class TorchBottleneck(tnn.Module):
    expansion = 4

    def __init__(self, in_channels, width, stride=1, downsample=None, residual=True):
        super().__init__()
        self.conv1 = tnn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(width)
        self.conv2 = tnn.Conv2d(width, width, 3, stride, 1, bias=False)  # torchvision: stride on the 3x3
        self.bn2 = tnn.BatchNorm2d(width)
        self.conv3 = tnn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = tnn.BatchNorm2d(width * 4)
        self.downsample, self.residual = downsample, residual

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return torch.relu(out)


class TorchResNet(tnn.Module):
    """torchvision.models.ResNet (ImageNet stem) or the CIFAR ResNet of the paper's section 4.2."""

    def __init__(self, block, layers, widths, num_classes, cifar=False, residual=True):
        super().__init__()
        if cifar:
            self.conv1 = tnn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        else:
            self.conv1 = tnn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(widths[0])
        self.maxpool = tnn.Identity() if cifar else tnn.MaxPool2d(3, 2, 1)
        channels = widths[0]
        for index, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
            blocks = []
            for block_index in range(n_blocks):
                stride = 2 if index > 0 and block_index == 0 else 1
                out_channels = width * block.expansion
                downsample = None
                if residual and (stride != 1 or channels != out_channels):
                    if cifar:
                        downsample = TorchZeroPadShortcut(channels, out_channels, stride)
                    else:
                        downsample = tnn.Sequential(tnn.Conv2d(channels, out_channels, 1, stride, bias=False),
                                                    tnn.BatchNorm2d(out_channels))
                blocks.append(block(channels, width, stride, downsample, residual))
                channels = out_channels
            setattr(self, f"layer{index + 1}", tnn.Sequential(*blocks))
        self.n_stages = len(layers)
        self.fc = tnn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        for index in range(self.n_stages):
            x = getattr(self, f"layer{index + 1}")(x)
        return self.fc(x.mean(dim=(2, 3)))


REFERENCES = {
    "resnet20": (lambda: TorchResNet(TorchBasicBlock, [3, 3, 3], [16, 32, 64], 10, cifar=True), (2, 3, 32, 32)),
    "plain20": (lambda: TorchResNet(TorchBasicBlock, [3, 3, 3], [16, 32, 64], 10, cifar=True, residual=False),
                (2, 3, 32, 32)),
    "resnet18": (lambda: TorchResNet(TorchBasicBlock, [2, 2, 2, 2], [64, 128, 256, 512], 1000), (2, 3, 64, 64)),
    "resnet50": (lambda: TorchResNet(TorchBottleneck, [3, 4, 6, 3], [64, 128, 256, 512], 1000), (2, 3, 64, 64)),
}


def _randomize_batchnorm(torch_model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in torch_model.modules():
            if isinstance(module, tnn.BatchNorm2d):
                size = module.num_features
                module.weight.copy_(0.5 + torch.rand(size, generator=generator, dtype=torch.float64))
                module.bias.copy_(torch.randn(size, generator=generator, dtype=torch.float64))
                module.running_mean.copy_(torch.randn(size, generator=generator, dtype=torch.float64))
                module.running_var.copy_(0.5 + 1.5 * torch.rand(size, generator=generator, dtype=torch.float64))


@pytest.mark.parametrize("name", list(REFERENCES))
def test_model_matches_pytorch_in_train_and_eval_mode(each_backend, name):
    build_reference, x_shape = REFERENCES[name]
    torch.manual_seed(0)
    reference = build_reference().double()
    _randomize_batchnorm(reference, seed=1)
    model = models.get_model(name, dtype="float64", seed=0)
    state = {key: value.detach().numpy().copy() for key, value in reference.state_dict().items()}
    loaded = model.load_state_dict(state)  # strict: every name matches; num_batches_tracked is ignored
    assert loaded.missing_keys == [] and loaded.unexpected_keys == []

    rng = np.random.default_rng(2)
    torch_parameters = dict(reference.named_parameters())
    for training in (True, False):
        model.train(training)
        reference.train(training)
        model.zero_grad()
        reference.zero_grad()
        x = rng.standard_normal(x_shape)
        upstream = rng.standard_normal((x_shape[0], model.fc.out_features))

        logits = model(x)
        dx = model.backward(upstream)
        x_torch = torch.tensor(x, requires_grad=True)
        logits_torch = reference(x_torch)
        logits_torch.backward(torch.tensor(upstream))

        mode = "train" if training else "eval"
        assert relative_error(logits, logits_torch.detach().numpy()) < TOLERANCE, f"{mode} logits"
        assert relative_error(dx, x_torch.grad.numpy()) < TOLERANCE, f"{mode} dL/dx"
        ours = dict(model.named_parameters())
        assert set(ours) == set(torch_parameters)
        for key, parameter in ours.items():
            error = relative_error(parameter.grad, torch_parameters[key].grad.numpy())
            assert error < TOLERANCE, f"{mode} gradient of {key}: {error:.1e}"
        reference_buffers = dict(reference.named_buffers())
        for key, array in model.named_buffers():
            assert relative_error(array, reference_buffers[key].numpy()) < TOLERANCE, f"{mode} {key}"
