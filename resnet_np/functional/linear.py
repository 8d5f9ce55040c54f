"""Fully connected layer: out = x @ w.T + b (w stored as (out_features, in_features), like nn.Linear).

Backward: dx = dout @ w,  dw = dout.T @ x,  db = dout summed over the batch.
"""

from typing import NamedTuple

import numpy as np

from ..validation import require_float, require_ndim, require_same_dtype, require_shape


class LinearCache(NamedTuple):
    x: np.ndarray
    w: np.ndarray


def linear_forward(x, w, b):
    """x (N, in_features), w (out_features, in_features), b (out_features,) -> out (N, out_features)."""
    x = require_ndim("linear", "x", x, 2, "(N, in_features)")
    w = require_ndim("linear", "w", w, 2, "(out_features, in_features)")
    require_float("linear", "x", x)
    require_same_dtype("linear", "x", x, w=w, b=b)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"linear: w expects {w.shape[1]} input features (w shape {w.shape}) "
                         f"but x has {x.shape[1]} (x shape {x.shape})")
    require_shape("linear", "b", b, (w.shape[0],))
    return x @ w.T + b, LinearCache(x, w)


def linear_backward(dout, cache):
    """dout (N, out_features) -> (dx (N, in_features), dw (out_features, in_features), db (out_features,))."""
    require_shape("linear_backward", "dout", dout, (cache.x.shape[0], cache.w.shape[0]))
    return dout @ cache.w, dout.T @ cache.x, dout.sum(axis=0)
