"""ReLU: out = max(0, x); its gradient passes where x > 0 and is zero elsewhere.

The cache keeps the output, not a mask: out > 0 exactly where x > 0, and the next layer keeps `out` as its own
input anyway, so remembering where ReLU let the gradient through costs no extra memory. (So, as for conv's
input: do not modify `out` in place between the forward and the backward.)
"""

from typing import NamedTuple

import numpy as np


class ReLUCache(NamedTuple):
    out: np.ndarray  # the forward's output: the gradient passes where out > 0


def relu_forward(x):
    """x (any shape) -> out = max(0, x), same shape and dtype. NaN stays NaN."""
    out = np.maximum(x, 0)
    return out, ReLUCache(out)


def relu_backward(dout, cache):
    """dout -> dx = dout where x > 0, else 0. (At exactly x == 0 we take the gradient 0, as PyTorch does.)

    A choice, not a product: a NaN dout where out <= 0 gives 0 (as in PyTorch).
    """
    dout, out = np.asarray(dout), cache.out
    check_relu_dout(dout, out)
    dtype = np.result_type(dout.dtype, out.dtype)
    return np.where(out > 0, dout, np.zeros((), dtype)).astype(dtype, copy=False)


def check_relu_dout(dout, out):
    if dout.shape != out.shape:
        raise ValueError(f"relu_backward: dout must have shape {out.shape}, got {dout.shape}")
