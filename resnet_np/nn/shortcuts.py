"""The shortcut connections of a residual block (He et al. 2015, section 3.3).

Where a block keeps the shape, the shortcut is the identity. Where it changes the shape (stride > 1 and/or more
channels), the paper compares three options:
    "A"  zero-padding shortcut: take every stride-th pixel and append zero channels; no parameters
         (ZeroPadShortcut below; the identity elsewhere). The paper's choice for its CIFAR-10 networks.
    "B"  projection shortcut (1x1 conv + BatchNorm) where the shape changes, the identity elsewhere.
         torchvision's ResNets; the paper's choice for its ImageNet networks.
    "C"  projection shortcut in every block (more parameters, slightly better in the paper's Table 3).
A projection is `downsample` = Sequential(Conv2d 1x1 "0", BatchNorm2d "1"), named as in torchvision, so its
parameters are e.g. "layer2.0.downsample.0.weight".
"""

from ..backend import ops
from .container import Sequential
from .layers import BatchNorm2d, Conv2d
from .module import Module

SHORTCUT_OPTIONS = ("A", "B", "C")


def check_shortcut_option(option, owner="block"):
    if option not in SHORTCUT_OPTIONS:
        raise ValueError(f"{owner}: shortcut must be one of {', '.join(SHORTCUT_OPTIONS)} (paper section 3.3), "
                         f"got {option!r}")
    return option


class ZeroPadShortcut(Module):
    """Option A: (N, C, H, W) -> (N, out_channels, ceil(H/stride), ceil(W/stride)), extra channels zero."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"ZeroPadShortcut: shortcut A can only add channels, but the block goes from "
                             f"{in_channels} to {out_channels} channels; use shortcut B or C")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def extra_repr(self):
        return f"{self.in_channels}->{self.out_channels}, stride {self.stride}"

    def forward(self, x):
        x = self.check_input(x, 4, f"(N, {self.in_channels}, H, W)", self.in_channels)
        out, self._cache = ops().zero_pad_shortcut_forward(x, self.out_channels, self.stride)
        return out

    def _backward(self, dout):
        return ops().zero_pad_shortcut_backward(dout, self._cache)

    def output_shape(self, input_shape, trace=None):
        if len(input_shape) != 4 or input_shape[1] != self.in_channels:
            raise ValueError(f"expected input (N, {self.in_channels}, H, W), got {tuple(input_shape)}")
        n_images, _, height, width = input_shape
        return (n_images, self.out_channels, -(-height // self.stride), -(-width // self.stride))


def make_shortcut(option, in_channels, out_channels, stride, dtype, rng, batchnorm=True):
    """The module for a block's shortcut: None (the identity), ZeroPadShortcut (A) or a projection (B, C).

    batchnorm=False gives a projection without BatchNorm (used by pre-activation blocks, whose input to the
    projection is already normalised).
    """
    check_shortcut_option(option)
    shape_changes = stride != 1 or in_channels != out_channels
    if option == "A":
        return ZeroPadShortcut(in_channels, out_channels, stride) if shape_changes else None
    if option == "B" and not shape_changes:
        return None
    layers = [Conv2d(in_channels, out_channels, 1, stride=stride, dtype=dtype, rng=rng)]
    if batchnorm:
        layers.append(BatchNorm2d(out_channels, dtype=dtype))
    return Sequential(*layers)
