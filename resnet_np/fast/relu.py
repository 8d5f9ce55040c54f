"""The engine's ReLU: the one-pass kernels of relu_kernels.py on chunks of the batch (first axis), on several
threads at once (see chunks.py). Same numbers and cache as resnet_np/functional/relu.py.
"""

import numpy as np

from ..functional import relu as reference
from ..functional.relu import ReLUCache, check_relu_dout
from . import relu_kernels
from .chunks import rows_per_chunk, run_in_chunks


def relu_forward(x):
    """x (any shape) -> out = max(0, x), same shape and dtype. NaN stays NaN."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        return reference.relu_forward(x)
    x = np.require(x, requirements="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    out = np.empty_like(x)
    _in_chunks(relu_kernels.relu, x, out)
    return out, ReLUCache(out)


def relu_backward(dout, cache):
    """dout -> dx = dout where x > 0, else 0. (At exactly x == 0 we take the gradient 0, as PyTorch does.)"""
    dout, out = np.asarray(dout), cache.out
    check_relu_dout(dout, out)
    if dout.dtype != out.dtype or dout.dtype.kind != "f":
        return reference.relu_backward(dout, cache)
    dout = np.require(dout, requirements="C")
    dx = np.empty_like(dout)
    _in_chunks(relu_kernels.relu_gradient, dout, out, dx)
    return dx


def _in_chunks(kernel, *arrays):
    """kernel(*flat slices) on chunks along the first axis of same-shaped contiguous arrays."""
    if arrays[0].size == 0:
        return
    if arrays[0].ndim > 0 and rows_per_chunk(arrays[0].shape) >= len(arrays[0]):  # one chunk: one kernel call
        kernel(*(array.reshape(-1) for array in arrays))
        return
    rows = [np.atleast_1d(array) for array in arrays]  # views; a 0-d array becomes one row
    flat = [row.reshape(len(row), -1) for row in rows]

    def work(first, stop):
        kernel(*(array[first:stop].reshape(-1) for array in flat))

    run_in_chunks(work, len(rows[0]), rows_per_chunk(rows[0].shape))
