"""Numba kernels for ReLU: one pass over memory each way.

NumPy needs two passes for the backward (the mask out > 0 as a temporary, then the product) and its
np.maximum, which must propagate NaN, ran at a third of the memory's speed here. The loops below read each
value once and write each result once (measured on a 1 MiB chunk: forward 124 -> 44 us, backward 85 -> 44 us).
Serial and nogil, like the other kernels: relu.py calls them on chunks, on several threads. Arrays are flat
(relu.py passes contiguous arrays reshaped to one dimension).
"""

from .jit import njit


@njit(cache=True, nogil=True)
def relu(x, out):
    """out = x where x > 0, else 0. A NaN stays NaN (as with np.maximum and torch.relu): NaN <= 0 is False."""
    for i in range(x.size):
        value = x[i]
        out[i] = 0 if value <= 0 else value


@njit(cache=True, nogil=True)
def relu_gradient(dout, out, dx):
    """dx = dout where out > 0, else 0 (a choice, not a product: a NaN or inf dout is dropped where out <= 0)."""
    for i in range(dout.size):
        dx[i] = dout[i] if out[i] > 0 else 0
