"""ReLU: out = max(0, x); its gradient passes where x > 0 and is zero elsewhere.

The cache keeps the output, not a mask: out > 0 exactly where x > 0, and the next layer keeps `out` as its own
input anyway, so remembering where ReLU let the gradient through costs no extra memory. (So, as for conv's
input: do not modify `out` in place between the forward and the backward.)
Both passes work on chunks of the batch (first axis), on several threads at once (see parallel.py).
"""

from typing import NamedTuple

import numpy as np

from .parallel import rows_per_chunk, run_in_chunks


class ReLUCache(NamedTuple):
    out: np.ndarray  # the forward's output: the gradient passes where out > 0


def relu_forward(x):
    """x (any shape) -> out = max(0, x), same shape and dtype."""
    x = np.asarray(x)
    out = np.empty_like(x)
    x_rows, out_rows = np.atleast_1d(x), np.atleast_1d(out)  # views; a 0-d array becomes one row

    def forward(first, stop):
        np.maximum(x_rows[first:stop], 0, out=out_rows[first:stop])

    run_in_chunks(forward, len(x_rows), rows_per_chunk(x_rows.shape))
    return out, ReLUCache(out)


def relu_backward(dout, cache):
    """dout -> dx = dout where x > 0, else 0. (At exactly x == 0 we take the gradient 0, as PyTorch does.)"""
    out = cache.out
    if dout.shape != out.shape:
        raise ValueError(f"relu_backward: dout must have shape {out.shape}, got {dout.shape}")
    dx = np.empty(dout.shape, dtype=np.result_type(dout.dtype, out.dtype))
    dout_rows, out_rows, dx_rows = np.atleast_1d(dout), np.atleast_1d(out), np.atleast_1d(dx)

    def backward(first, stop):
        np.multiply(dout_rows[first:stop], out_rows[first:stop] > 0, out=dx_rows[first:stop])

    run_in_chunks(backward, len(dout_rows), rows_per_chunk(dout_rows.shape))
    return dx
