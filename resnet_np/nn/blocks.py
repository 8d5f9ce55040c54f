"""Residual blocks (He et al. 2015, "Deep Residual Learning for Image Recognition", Figure 2 and Figure 5).

A block computes y = relu(F(x) + shortcut(x)): the layers F learn a residual that is added to the input.
    BasicBlock:  F = bn2(conv2(relu(bn1(conv1(x)))))                 two 3x3 convs   (ResNet-18/34, CIFAR nets)
    Bottleneck:  F = bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))))  1x1 -> 3x3 -> 1x1, output 4x wider
                                                                      (ResNet-50/101/152)
residual=False gives the "plain" twin used by the paper's plain networks: the very same layers, no "+ x".

Backward, the point of the paper: the "+" sends its upstream gradient, unchanged, into BOTH paths, and where they
meet again at the block input the two gradients add up:
    dL/dx = dL/dx through F  +  dL/dx through the shortcut
Through an identity shortcut the second term is dL/dy itself, so the gradient reaches early layers undiminished.

Every block runs the same forward and backward (ResidualBlock below); a block class only builds its layers and
names them, in order, in BRANCH (the layers of F) and AFTER_ADD (what follows the "+"). Written out for a
BasicBlock with an identity shortcut, the two methods are:

    forward:   a1 = conv1(x);  b1 = bn1(a1);  r1 = relu1(b1);  a2 = conv2(r1);  b2 = bn2(a2)    # F(x) = b2
               s = b2 + x;  y = relu2(s)
    backward:  ds = relu2.backward(dy)
               d_shortcut, d_b2 = ds, ds                                                     # the "+" copies
               d_r1 = conv2.backward(bn2.backward(d_b2))
               dx_branch = conv1.backward(bn1.backward(relu1.backward(d_r1)))
               dx = dx_branch + d_shortcut                                                   # x fed both paths

Names (conv1, bn1, ..., downsample) are torchvision's, so PyTorch weights load by name.
"""

import numpy as np

from ..backend import ops
from ..validation import positive_int
from .init import as_dtype, as_rng
from .layers import BatchNorm2d, Conv2d, ReLU
from .module import Module
from .shortcuts import check_shortcut_option, make_shortcut


class ResidualBlock(Module):
    """What all blocks share: channels, stride, the shortcut option, residual on/off, the forward and backward.

    A subclass builds its layers, calls self._make_shortcut(...), and lists the layers' names in order:
        BRANCH             the layers of F, in forward order
        AFTER_ADD          the layers after the "+" (post-activation: the last ReLU; pre-activation: none)
        SHARED_WITH_SHORTCUT  how many leading BRANCH layers also feed a projection or option-A shortcut (the
                           pre-activation blocks' bn1, relu1); 0: the shortcut takes x itself
    These lists are the one description of the block: forward, backward, summary and zero-init all read them.
    """

    expansion = 1  # output channels = width * expansion
    BRANCH = ()
    AFTER_ADD = ()
    SHARED_WITH_SHORTCUT = 0

    def __init__(self, in_channels, width, stride, shortcut, residual, dtype, rng):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = positive_int(owner, "in_channels", in_channels)
        self.width = positive_int(owner, "width", width)
        self.out_channels = self.width * self.expansion
        self.stride = positive_int(owner, "stride", stride)
        self.shortcut_option = check_shortcut_option(shortcut, owner)
        self.residual = bool(residual)
        self.dtype = as_dtype(dtype, owner)
        self._rng = as_rng(rng)

    def _make_shortcut(self, batchnorm=True):
        """The plain twin has no shortcut at all (so no projection parameters either)."""
        self.downsample = None
        if self.residual:
            self.downsample = make_shortcut(self.shortcut_option, self.in_channels, self.out_channels, self.stride,
                                            self.dtype, self._rng, batchnorm)
        del self._rng  # only needed while building

    def extra_repr(self):
        text = f"{self.in_channels}->{self.out_channels}"
        if self.stride != 1:
            text += f", stride {self.stride}"
        return text + (f", shortcut {self.shortcut_option}" if self.residual else ", plain (no shortcut)")

    def branch_layers(self):
        """The layers of F, in forward order."""
        return [getattr(self, name) for name in self.BRANCH]

    def layers_after_add(self):
        return [getattr(self, name) for name in self.AFTER_ADD]

    def forward(self, x):
        branch_layers = self.branch_layers()
        shared = x  # the input of the shortcut when it is not the identity
        for layer in branch_layers[:self.SHARED_WITH_SHORTCUT]:
            shared = layer(shared)
        branch = shared
        for layer in branch_layers[self.SHARED_WITH_SHORTCUT:]:
            branch = layer(branch)
        if self.residual:
            shortcut = x if self.downsample is None else self.downsample(shared)
            out, self._cache = ops().residual_add_forward(shortcut, branch)  # F(x) + x
        else:  # plain twin: no "+ x"
            out = branch
        for layer in self.layers_after_add():
            out = layer(out)
        return out

    def _backward(self, dout):
        for layer in reversed(self.layers_after_add()):
            dout = layer.backward(dout)
        if self.residual:
            # The "+" passes dout, unchanged, to both of its inputs.
            d_shortcut, d_branch = ops().residual_add_backward(dout, self._cache)
        else:
            d_branch = dout
        branch_layers = self.branch_layers()
        for layer in reversed(branch_layers[self.SHARED_WITH_SHORTCUT:]):
            d_branch = layer.backward(d_branch)
        if self.residual and self.downsample is not None:
            # Both paths started from `shared`: their gradients add up there.
            d_branch = d_branch + self.downsample.backward(d_shortcut)
        for layer in reversed(branch_layers[:self.SHARED_WITH_SHORTCUT]):
            d_branch = layer.backward(d_branch)
        if self.residual and self.downsample is None:
            # x fed both paths, so its gradient is the sum of both; via the identity, dL/dy arrives undiminished.
            return d_branch + d_shortcut
        return d_branch

    def output_shape(self, input_shape, trace=None):
        shape = input_shape
        for layer in self.branch_layers():
            shape = layer.infer_shape(shape, trace)
        if self.residual:
            shortcut_shape = input_shape if self.downsample is None else self.downsample.infer_shape(input_shape,
                                                                                                     trace)
            if shortcut_shape != shape:
                raise ValueError(f"the shortcut gives shape {shortcut_shape} but the residual branch {shape}")
        for layer in self.layers_after_add():
            shape = layer.infer_shape(shape, trace)
        return shape

    def zero_init_residual(self):
        """Set the last BatchNorm's gamma to 0, so the block starts as the identity (Goyal et al. 2017)."""
        last_bn = self.branch_layers()[-1]
        if not isinstance(last_bn, BatchNorm2d):
            raise ValueError(f"{type(self).__name__}: zero_init_residual needs a branch ending in BatchNorm; "
                             "this one ends in a convolution")
        last_bn.weight.data[...] = 0


class BasicBlock(ResidualBlock):
    """Two 3x3 convs: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    x (N, in_channels, H, W) -> (N, width, H', W'), H' = ceil(H / stride); the stride is on conv1.
    """

    expansion = 1
    BRANCH = ("conv1", "bn1", "relu1", "conv2", "bn2")
    AFTER_ADD = ("relu2",)

    def __init__(self, in_channels, width, stride=1, shortcut="B", residual=True, dtype=np.float32, rng=None):
        super().__init__(in_channels, width, stride, shortcut, residual, dtype, rng)
        dtype, rng = self.dtype, self._rng
        self.conv1 = Conv2d(in_channels, width, 3, stride=stride, padding=1, dtype=dtype, rng=rng)
        self.bn1 = BatchNorm2d(width, dtype=dtype)
        self.relu1 = ReLU()
        self.conv2 = Conv2d(width, width, 3, padding=1, dtype=dtype, rng=rng)
        self.bn2 = BatchNorm2d(width, dtype=dtype)
        self.relu2 = ReLU()
        self._make_shortcut()


class Bottleneck(ResidualBlock):
    """1x1 (reduce) -> 3x3 -> 1x1 (expand to 4 * width): cheaper than two 3x3 convs at the same output width.

    out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)),  output channels = 4 * width.
    stride_on_first=False (default): the stride is on the 3x3 conv2, as in torchvision ("ResNet v1.5").
    stride_on_first=True: on the first 1x1 conv1, as in the original paper (cheaper: 3.8 vs 4.1 GMACs for
    ResNet-50, but the strided 1x1 simply skips 3 out of 4 pixels).
    """

    expansion = 4
    BRANCH = ("conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "conv3", "bn3")
    AFTER_ADD = ("relu3",)

    def __init__(self, in_channels, width, stride=1, shortcut="B", residual=True, stride_on_first=False,
                 dtype=np.float32, rng=None):
        super().__init__(in_channels, width, stride, shortcut, residual, dtype, rng)
        dtype, rng = self.dtype, self._rng
        self.stride_on_first = bool(stride_on_first)
        stride1, stride2 = (stride, 1) if self.stride_on_first else (1, stride)
        self.conv1 = Conv2d(in_channels, width, 1, stride=stride1, dtype=dtype, rng=rng)
        self.bn1 = BatchNorm2d(width, dtype=dtype)
        self.relu1 = ReLU()
        self.conv2 = Conv2d(width, width, 3, stride=stride2, padding=1, dtype=dtype, rng=rng)
        self.bn2 = BatchNorm2d(width, dtype=dtype)
        self.relu2 = ReLU()
        self.conv3 = Conv2d(width, self.out_channels, 1, dtype=dtype, rng=rng)
        self.bn3 = BatchNorm2d(self.out_channels, dtype=dtype)
        self.relu3 = ReLU()
        self._make_shortcut()
