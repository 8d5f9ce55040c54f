"""Reusable scratch memory for the big temporaries of convolution (the column matrix, the product before its
transpose).

Why: a fresh 72 MiB column matrix per call costs page faults every time the memory is first touched (13 ms vs 8 ms
for filling a reused one at ResNet-20's first layer), and keeping one per layer for the backward would hold
most of a network's memory. Instead every conv of a thread shares one growing buffer per purpose: a layer uses it
only inside one forward or backward call and never returns it, so layers cannot overwrite each other's data.

    cols = scratch("columns", (rows, columns), np.float32)   # a view into the shared buffer, content undefined
"""

import math
import threading

import numpy as np

_local = threading.local()  # one set of buffers per thread: two threads never share scratch memory


def scratch(purpose, shape, dtype):
    """An uninitialised C-contiguous array of `shape` and `dtype`, backed by this thread's buffer for `purpose`.

    The array is valid until the next scratch() call with the same purpose on this thread.
    """
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    buffer = buffers.get(purpose)
    if buffer is None or buffer.size < size:
        buffer = buffers[purpose] = np.empty(max(size, 1), dtype=np.uint8)
    return buffer[:size].view(dtype).reshape(shape)


def release():
    """Free this thread's scratch buffers (they are allocated again when next needed)."""
    _local.buffers = {}


def nbytes():
    """Bytes currently held by this thread's scratch buffers."""
    return sum(buffer.size for buffer in getattr(_local, "buffers", {}).values())
