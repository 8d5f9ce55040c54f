"""The maths of a ResNet: every op as a forward/backward pair of pure NumPy functions (the lecture).

    out, cache = op_forward(inputs...)
    grads      = op_backward(dout, cache)      # gradients in the order of the forward's array inputs

Read them in this order: im2col -> conv -> batchnorm -> relu -> pooling -> linear -> loss -> residual.
These are the reference: plain NumPy, no threads, no compiled kernels. The engine (resnet_np.fast) computes the
same ops faster, with the same signatures and caches; the layers in resnet_np.nn use whichever
resnet_np.set_backend("reference" | "fast") chose.
"""

from .batchnorm import BatchNorm2dCache, batchnorm2d_backward, batchnorm2d_forward
from .conv import Conv2dCache, conv2d_backward, conv2d_forward
from .im2col import col2im, conv_output_size, im2col, window_geometry
from .linear import LinearCache, linear_backward, linear_forward
from .loss import (
    SoftmaxCrossEntropyCache,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)
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

OPS = (
    "conv2d_forward", "conv2d_backward", "batchnorm2d_forward", "batchnorm2d_backward", "relu_forward",
    "relu_backward", "maxpool2d_forward", "maxpool2d_backward", "global_avgpool_forward", "global_avgpool_backward",
    "linear_forward", "linear_backward", "softmax", "softmax_cross_entropy_forward",
    "softmax_cross_entropy_backward", "softmax_cross_entropy", "residual_add_forward",
    "residual_add_backward", "zero_pad_shortcut_forward", "zero_pad_shortcut_backward", "im2col", "col2im",
)

__all__ = [
    "OPS", "BatchNorm2dCache", "Conv2dCache", "GlobalAvgPoolCache", "LinearCache", "MaxPool2dCache", "ReLUCache",
    "ResidualAddCache", "ZeroPadShortcutCache",
    "batchnorm2d_backward", "batchnorm2d_forward", "col2im", "conv2d_backward", "conv2d_forward",
    "conv_output_size", "global_avgpool_backward", "global_avgpool_forward", "im2col", "linear_backward",
    "linear_forward", "maxpool2d_backward", "maxpool2d_forward", "relu_backward", "relu_forward",
    "residual_add_backward", "residual_add_forward", "softmax", "softmax_cross_entropy",
    "softmax_cross_entropy_backward", "softmax_cross_entropy_forward", "SoftmaxCrossEntropyCache", "window_geometry",
    "zero_pad_shortcut_backward", "zero_pad_shortcut_forward",
]
