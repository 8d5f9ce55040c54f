"""ReLU: out = max(0, x); its gradient passes where x > 0 and is zero elsewhere."""

from typing import NamedTuple

import numpy as np


class ReLUCache(NamedTuple):
    positive: np.ndarray  # boolean mask x > 0


def relu_forward(x):
    """x (any shape) -> out = max(0, x), same shape and dtype."""
    x = np.asarray(x)
    positive = x > 0
    return np.maximum(x, 0), ReLUCache(positive)


def relu_backward(dout, cache):
    """dout -> dx = dout where x > 0, else 0. (At exactly x == 0 we take the gradient 0, as PyTorch does.)"""
    if dout.shape != cache.positive.shape:
        raise ValueError(f"relu_backward: dout must have shape {cache.positive.shape}, got {dout.shape}")
    return dout * cache.positive
