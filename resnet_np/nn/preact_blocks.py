"""Pre-activation residual blocks (He et al. 2016, "Identity Mappings in Deep Residual Networks", Figure 4e).

BatchNorm and ReLU move BEFORE each conv, and nothing follows the addition:
    PreActBasicBlock:  y = conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut
    PreActBottleneck:  y = conv3(relu(bn3(conv2(relu(bn2(conv1(relu(bn1(x))))))))) + shortcut
so the shortcut path from the input of the network to its output is a pure sum of identities. A network of these
blocks needs a final BatchNorm + ReLU before the global average pool (see resnet_np.models).

Which input does the shortcut take? The identity takes x itself. A shortcut that changes the shape (option A,
or a projection with B/C) takes the pre-activated input relu(bn1(x)), as in the paper's code (fb.resnet.torch
preresnet.lua, "both_preact") and in common implementations; so the two paths share bn1 and relu1. The projection
is a 1x1 conv without BatchNorm (its input is already normalised): `downsample` = Sequential(Conv2d "0").
"""

import numpy as np

from .blocks import ResidualBlock
from .layers import BatchNorm2d, Conv2d, ReLU


class PreActivationBlock(ResidualBlock):
    """What both pre-activation blocks share: bn1 and relu1 start the branch and also feed a shortcut that is not
    the identity (SHARED_WITH_SHORTCUT = 2), and nothing follows the "+". The forward and backward are
    ResidualBlock's."""

    SHARED_WITH_SHORTCUT = 2


class PreActBasicBlock(PreActivationBlock):
    """Two pre-activated 3x3 convs: y = conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut."""

    expansion = 1
    BRANCH = ("bn1", "relu1", "conv1", "bn2", "relu2", "conv2")

    def __init__(self, in_channels, width, stride=1, shortcut="B", residual=True, dtype=np.float32, rng=None):
        super().__init__(in_channels, width, stride, shortcut, residual, dtype, rng)
        dtype, rng = self.dtype, self._rng
        self.bn1 = BatchNorm2d(in_channels, dtype=dtype)
        self.relu1 = ReLU()
        self.conv1 = Conv2d(in_channels, width, 3, stride=stride, padding=1, dtype=dtype, rng=rng)
        self.bn2 = BatchNorm2d(width, dtype=dtype)
        self.relu2 = ReLU()
        self.conv2 = Conv2d(width, width, 3, padding=1, dtype=dtype, rng=rng)
        self._make_shortcut(batchnorm=False)


class PreActBottleneck(PreActivationBlock):
    """Pre-activated 1x1 -> 3x3 -> 1x1: y = conv3(relu(bn3(conv2(relu(bn2(conv1(relu(bn1(x))))))))) + shortcut.

    Output channels = 4 * width. stride_on_first as in Bottleneck (default: stride on the 3x3 conv2).
    """

    expansion = 4
    BRANCH = ("bn1", "relu1", "conv1", "bn2", "relu2", "conv2", "bn3", "relu3", "conv3")

    def __init__(self, in_channels, width, stride=1, shortcut="B", residual=True, stride_on_first=False,
                 dtype=np.float32, rng=None):
        super().__init__(in_channels, width, stride, shortcut, residual, dtype, rng)
        dtype, rng = self.dtype, self._rng
        self.stride_on_first = bool(stride_on_first)
        stride1, stride2 = (stride, 1) if self.stride_on_first else (1, stride)
        self.bn1 = BatchNorm2d(in_channels, dtype=dtype)
        self.relu1 = ReLU()
        self.conv1 = Conv2d(in_channels, width, 1, stride=stride1, dtype=dtype, rng=rng)
        self.bn2 = BatchNorm2d(width, dtype=dtype)
        self.relu2 = ReLU()
        self.conv2 = Conv2d(width, width, 3, stride=stride2, padding=1, dtype=dtype, rng=rng)
        self.bn3 = BatchNorm2d(width, dtype=dtype)
        self.relu3 = ReLU()
        self.conv3 = Conv2d(width, self.out_channels, 1, dtype=dtype, rng=rng)
        self._make_shortcut(batchnorm=False)
