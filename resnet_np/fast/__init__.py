"""The engine: the ops of resnet_np.functional, computed faster (like CS231n's fast_layers.py beside layers.py).

Same signatures, same caches, same numbers to rounding (tests/test_backends.py), so a forward of one backend and
the backward of the other fit together. What makes it fast:
    im2col_kernels.py, batchnorm_kernels.py,   Numba kernels: one pass over memory where NumPy makes several
    relu_kernels.py, pooling_kernels.py,
    conv_dense_kernels.py
    chunks.py       a pool of threads working through chunks of images (every core, BLAS at one thread each)
    workspace.py    per-thread scratch buffers for the big temporaries of conv
    conv.py         conv on chunks; for stride 1, the backward as a convolution of dout (no col2im)
    conv_dense.py   conv on tiny planes (2x2 maps) as one dense matrix per layer: no im2col at all
    conv_channels_last.py   stride-1 conv on small planes with positions-major products (channels_last_kernels.py)
    blas.py         NumPy's own BLAS called from compiled kernels: a chunk of conv_channels_last.py is one call
Ops that need no engine (linear, loss, global average pool, residual add, option-A shortcut) are the reference's.
docs/benchmarks.md has the measurements behind each choice.
"""

from ..functional import (
    global_avgpool_backward,
    global_avgpool_forward,
    linear_backward,
    linear_forward,
    residual_add_backward,
    residual_add_forward,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
    zero_pad_shortcut_backward,
    zero_pad_shortcut_forward,
)
from .batchnorm import batchnorm2d_backward, batchnorm2d_forward
from .conv import conv2d_backward, conv2d_forward
from .im2col import col2im, im2col
from .jit import jit_enabled
from .pooling import maxpool2d_backward, maxpool2d_forward
from .relu import relu_backward, relu_forward

__all__ = [
    "batchnorm2d_backward", "batchnorm2d_forward", "col2im", "conv2d_backward", "conv2d_forward",
    "global_avgpool_backward", "global_avgpool_forward", "im2col", "jit_enabled", "linear_backward",
    "linear_forward", "maxpool2d_backward", "maxpool2d_forward", "relu_backward", "relu_forward",
    "residual_add_backward", "residual_add_forward", "softmax", "softmax_cross_entropy",
    "softmax_cross_entropy_backward", "softmax_cross_entropy_forward", "zero_pad_shortcut_backward",
    "zero_pad_shortcut_forward",
]
