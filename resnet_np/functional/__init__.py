"""The functional core: every op of a ResNet as a forward/backward pair of pure functions.

    out, cache = op_forward(inputs...)
    grads      = op_backward(dout, cache)      # gradients in the order of the forward's array inputs

Read them in this order: im2col -> conv -> batchnorm -> relu -> pooling -> linear -> loss -> residual.
"""

from .batchnorm import BatchNorm2dCache, batchnorm2d_backward, batchnorm2d_forward
from .conv import Conv2dCache, conv2d_backward, conv2d_forward
from .im2col import (
    col2im,
    col2im_reference,
    conv_output_size,
    get_backend,
    im2col,
    im2col_reference,
    set_backend,
)
from .linear import LinearCache, linear_backward, linear_forward
from .loss import softmax, softmax_cross_entropy
from .pooling import (
    GlobalAvgPoolCache,
    MaxPool2dCache,
    global_avgpool_backward,
    global_avgpool_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)
from .relu import ReLUCache, relu_backward, relu_forward
from .residual import (
    ResidualAddCache,
    ZeroPadShortcutCache,
    residual_add_backward,
    residual_add_forward,
    zero_pad_shortcut_backward,
    zero_pad_shortcut_forward,
)

__all__ = [
    "BatchNorm2dCache", "Conv2dCache", "GlobalAvgPoolCache", "LinearCache", "MaxPool2dCache", "ReLUCache",
    "ResidualAddCache", "ZeroPadShortcutCache",
    "batchnorm2d_backward", "batchnorm2d_forward", "col2im", "col2im_reference", "conv2d_backward",
    "conv2d_forward", "conv_output_size", "get_backend", "global_avgpool_backward", "global_avgpool_forward",
    "im2col", "im2col_reference", "linear_backward", "linear_forward", "maxpool2d_backward", "maxpool2d_forward",
    "relu_backward", "relu_forward", "residual_add_backward", "residual_add_forward", "set_backend", "softmax",
    "softmax_cross_entropy", "zero_pad_shortcut_backward", "zero_pad_shortcut_forward",
]
