"""ReLU: out = max(0, x); its gradient passes where x > 0 and is zero elsewhere.

The cache keeps the output, not a mask: out > 0 exactly where x > 0, and the next layer keeps `out` as its own
input anyway, so remembering where ReLU let the gradient through costs no extra memory. (So, as for conv's
input: do not modify `out` in place between the forward and the backward.)
relu_forward_reference / relu_backward_reference are the NumPy versions: read those. With the "numba" backend
(see im2col.get_backend) relu_forward / relu_backward run the one-pass kernels of relu_kernels.py instead, on
chunks of the batch (first axis), on several threads at once (see parallel.py). Both give the same numbers.
"""

from typing import NamedTuple

import numpy as np

from . import relu_kernels
from .im2col import get_backend
from .parallel import rows_per_chunk, run_in_chunks


class ReLUCache(NamedTuple):
    out: np.ndarray  # the forward's output: the gradient passes where out > 0


def relu_forward(x):
    """x (any shape) -> out = max(0, x), same shape and dtype. NaN stays NaN."""
    x = np.asarray(x)
    if get_backend() != "numba" or x.dtype.kind != "f":
        return relu_forward_reference(x)
    x = np.require(x, requirements="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    out = np.empty_like(x)
    _in_chunks(relu_kernels.relu, x, out)
    return out, ReLUCache(out)


def relu_backward(dout, cache):
    """dout -> dx = dout where x > 0, else 0. (At exactly x == 0 we take the gradient 0, as PyTorch does.)"""
    dout, out = np.asarray(dout), cache.out
    _check_backward(dout, out)
    if get_backend() != "numba" or dout.dtype != out.dtype or dout.dtype.kind != "f":
        return relu_backward_reference(dout, cache)
    dout = np.require(dout, requirements="C")
    dx = np.empty_like(dout)
    _in_chunks(relu_kernels.relu_gradient, dout, out, dx)
    return dx


def _in_chunks(kernel, *arrays):
    """kernel(*flat slices) on chunks along the first axis of same-shaped contiguous arrays."""
    if arrays[0].size == 0:
        return
    rows = [np.atleast_1d(array) for array in arrays]  # views; a 0-d array becomes one row
    flat = [row.reshape(len(row), -1) for row in rows]

    def work(first, stop):
        kernel(*(array[first:stop].reshape(-1) for array in flat))

    run_in_chunks(work, len(rows[0]), rows_per_chunk(rows[0].shape))


def _check_backward(dout, out):
    if dout.shape != out.shape:
        raise ValueError(f"relu_backward: dout must have shape {out.shape}, got {dout.shape}")


def relu_forward_reference(x):
    """The NumPy reference of relu_forward."""
    x = np.asarray(x)
    out = np.maximum(x, 0)
    return out, ReLUCache(out)


def relu_backward_reference(dout, cache):
    """The NumPy reference of relu_backward: a choice, so a NaN dout where out <= 0 gives 0 (as in PyTorch)."""
    dout, out = np.asarray(dout), cache.out
    _check_backward(dout, out)
    dtype = np.result_type(dout.dtype, out.dtype)
    return np.where(out > 0, dout, np.zeros((), dtype)).astype(dtype, copy=False)
