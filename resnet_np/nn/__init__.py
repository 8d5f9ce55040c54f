"""Modules: layers, residual blocks and containers holding parameters, each with a hand-written backward.

    from resnet_np import nn
    block = nn.BasicBlock(16, 32, stride=2, shortcut="A")
    y = block(x);  dx = block.backward(dy)          # parameter gradients accumulate in p.grad

Read in this order: parameter -> module -> layers -> container -> shortcuts -> blocks -> preact_blocks.
"""

from .blocks import BasicBlock, Bottleneck, ResidualBlock
from .container import Sequential
from .init import kaiming_normal_fan_out, uniform_fan_in
from .layers import BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, MaxPool2d, ReLU
from .module import HookHandle, LayerInputError, Module
from .parameter import Parameter
from .preact_blocks import PreActBasicBlock, PreActBottleneck, PreActivationBlock
from .shortcuts import SHORTCUT_OPTIONS, ZeroPadShortcut, make_shortcut
from .state import IncompatibleKeys

BLOCKS = {
    "basic": BasicBlock,
    "bottleneck": Bottleneck,
    "preact_basic": PreActBasicBlock,
    "preact_bottleneck": PreActBottleneck,
}

__all__ = [
    "BLOCKS", "SHORTCUT_OPTIONS", "BasicBlock", "BatchNorm2d", "Bottleneck", "Conv2d", "GlobalAvgPool2d",
    "HookHandle", "IncompatibleKeys", "LayerInputError", "Linear", "MaxPool2d", "Module", "Parameter",
    "PreActBasicBlock", "PreActBottleneck", "PreActivationBlock", "ReLU", "ResidualBlock", "Sequential",
    "ZeroPadShortcut", "kaiming_normal_fan_out", "make_shortcut", "uniform_fan_in",
]
