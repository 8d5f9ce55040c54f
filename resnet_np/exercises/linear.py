"""Exercise "linear": the fully connected layer's forward and backward.

Signature and cache as in resnet_np/functional/linear.py:
    linear_forward(x, w, b) -> (out, cache)      x (N, in), w (out, in) as PyTorch stores it, b (out,)
    linear_backward(dout, cache) -> (dx, dw, db)
"""

from functools import partial

import numpy as np

from .. import functional as F
from .opcase import Op, grade_op
from .patterns import scale_factor
from .registry import Exercise
from .runner import Case

TEMPLATE = '''\
def linear_forward(x, w, b):
    """x (N, in_features), w (out_features, in_features), b (out_features,) -> (out (N, out_features), cache).

    out = x @ w.T + b
    """
    raise NotImplementedError  # your code here


def linear_backward(dout, cache):
    """dout (N, out_features) -> (dx (N, in_features), dw (out_features, in_features), db (out_features,))."""
    raise NotImplementedError  # your code here
'''


def _hints(case, view):
    n_samples = view.args["x"].shape[0]
    for label, name in (("dw", "w"), ("db", "b")):
        got = view.grads.get(label)
        factor = None if got is None else scale_factor(got, view.ref_grads[label])
        if factor is not None and n_samples > 1 and abs(factor * n_samples - 1) < 1e-6:
            case.hint("linear-averaged", f"your {label} is the correct one divided by the batch size N = "
                      f"{n_samples}. The layer SUMS the contributions of the samples (each sample's output used "
                      f"{name}); averaging over the batch is the loss's job, and it already did it in dout.",
                      about=label)


CONFIGURATIONS = [((4, 6), 3, np.float64, "a batch of 4"), ((1, 5), 2, np.float64, "batch 1"),
                  ((3, 4), 5, np.float32, "more outputs than inputs, float32")]


def _grade(case, x_shape, out_features, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((out_features, x_shape[1])).astype(dtype)
    b = rng.standard_normal(out_features).astype(dtype)
    grade_op(case, Op("linear_forward", "linear_backward", F.linear_forward, F.linear_backward),
             [("x", x), ("w", w), ("b", b)], [("dx", "x"), ("dw", "w"), ("db", "b")], seed=seed, hints=_hints)


def cases():
    return [Case(f"x{shape} w{(out, shape[1])}: {text}",
                 partial(_grade, x_shape=shape, out_features=out, dtype=dtype, seed=60 + index))
            for index, (shape, out, dtype, text) in enumerate(CONFIGURATIONS)]


EXERCISES = [
    Exercise(
        name="linear", title="fully connected layer forward and backward",
        functions=("linear_forward", "linear_backward"),
        reference=lambda: (F.linear_forward, F.linear_backward), cases=cases,
        checked="for 3 shapes (batch 1, float32): out, dx, dw, db against the model answer (shape, dtype, values); "
                "the gradients against central differences of your forward (float64, random upstream gradient); "
                "x, w, b and dout left unchanged.",
        notebook="05_relu_pool_linear_loss.ipynb", template=TEMPLATE),
]
