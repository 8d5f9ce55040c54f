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

from .. import functional as F
from .blocks import ResidualBlock
from .layers import BatchNorm2d, Conv2d, ReLU


class PreActivationBlock(ResidualBlock):
    """What both pre-activation blocks share: the end of the backward, where the shortcut and the branch meet."""

    def _backward_through_preactivation(self, d_preactivated, d_shortcut):
        """Finish the backward from dL/d(relu1 output) of the branch and dL/d(shortcut output)."""
        if d_shortcut is None:  # plain twin
            return self.bn1.backward(self.relu1.backward(d_preactivated))
        if self.downsample is None:
            dx_from_branch = self.bn1.backward(self.relu1.backward(d_preactivated))
            # x fed both paths, so its gradient is the sum of both; via the identity, dL/dy arrives undiminished.
            dx = dx_from_branch + d_shortcut
            return dx
        # Both paths start from the pre-activation relu1(bn1(x)): their gradients add up there, then go through
        # relu1 and bn1 once.
        d_preactivated = d_preactivated + self.downsample.backward(d_shortcut)
        return self.bn1.backward(self.relu1.backward(d_preactivated))


class PreActBasicBlock(PreActivationBlock):
    """Two pre-activated 3x3 convs: y = conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut."""

    expansion = 1

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

    def branch_layers(self):
        return [self.bn1, self.relu1, self.conv1, self.bn2, self.relu2, self.conv2]

    def forward(self, x):
        preactivated = self.relu1(self.bn1(x))
        branch = self.conv1(preactivated)
        branch = self.conv2(self.relu2(self.bn2(branch)))
        if not self.residual:  # plain twin: no "+ x"
            return branch
        shortcut = x if self.downsample is None else self.downsample(preactivated)
        out, self._cache = F.residual_add_forward(shortcut, branch)  # F(x) + x
        return out

    def backward(self, dout):
        if self.residual:
            # The "+" passes dout, unchanged, to both of its inputs.
            d_shortcut, d_branch = F.residual_add_backward(dout, self._cache)
        else:
            d_shortcut, d_branch = None, dout
        d_branch = self.conv2.backward(d_branch)
        d_branch = self.bn2.backward(self.relu2.backward(d_branch))
        d_preactivated = self.conv1.backward(d_branch)
        return self._backward_through_preactivation(d_preactivated, d_shortcut)


class PreActBottleneck(PreActivationBlock):
    """Pre-activated 1x1 -> 3x3 -> 1x1: y = conv3(relu(bn3(conv2(relu(bn2(conv1(relu(bn1(x))))))))) + shortcut.

    Output channels = 4 * width. stride_on_first as in Bottleneck (default: stride on the 3x3 conv2).
    """

    expansion = 4

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

    def branch_layers(self):
        return [self.bn1, self.relu1, self.conv1, self.bn2, self.relu2, self.conv2, self.bn3, self.relu3,
                self.conv3]

    def forward(self, x):
        preactivated = self.relu1(self.bn1(x))
        branch = self.conv1(preactivated)
        branch = self.conv2(self.relu2(self.bn2(branch)))
        branch = self.conv3(self.relu3(self.bn3(branch)))
        if not self.residual:  # plain twin: no "+ x"
            return branch
        shortcut = x if self.downsample is None else self.downsample(preactivated)
        out, self._cache = F.residual_add_forward(shortcut, branch)  # F(x) + x
        return out

    def backward(self, dout):
        if self.residual:
            # The "+" passes dout, unchanged, to both of its inputs.
            d_shortcut, d_branch = F.residual_add_backward(dout, self._cache)
        else:
            d_shortcut, d_branch = None, dout
        d_branch = self.conv3.backward(d_branch)
        d_branch = self.conv2.backward(self.bn3.backward(self.relu3.backward(d_branch)))
        d_preactivated = self.conv1.backward(self.bn2.backward(self.relu2.backward(d_branch)))
        return self._backward_through_preactivation(d_preactivated, d_shortcut)
