"""Parameter: an array the optimiser updates, plus the gradient backward accumulates into it."""

import numpy as np


class Parameter:
    """A trainable array.

    data: the values (any shape, float32 or float64).
    grad: same shape and dtype as data; backward adds into it (like PyTorch), zero_grad() clears it.
    """

    def __init__(self, data):
        data = np.asarray(data)
        if not np.issubdtype(data.dtype, np.floating):
            raise ValueError(f"Parameter: expected a floating-point array, got dtype {data.dtype}")
        self.data = data
        self.grad = np.zeros_like(data)

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self):
        self.grad[...] = 0

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"
