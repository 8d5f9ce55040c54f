"""Exercise "relu": ReLU forward and backward.

Signature and cache as in resnet_np/functional/relu.py:
    relu_forward(x) -> (out, cache)        out = max(0, x), any shape, same dtype
    relu_backward(dout, cache) -> dx       dout where x > 0, else 0 (at exactly x == 0 the gradient is 0)
The mistake that matters most in a ResNet is an in-place one. Arrays are shared during a backward pass: the "+"
of a residual block hands the very same dout array to the shortcut and to the branch
(resnet_np/functional/residual.py), so no backward may write into its dout. A relu_backward that masks dout in
place (dout[x <= 0] = 0), first on a branch, would silently zero part of the shortcut's gradient too; a
relu_forward that writes into x destroys an array another layer may keep for its backward. The grader checks both.
"""

from functools import partial

import numpy as np

from .. import functional as F
from .opcase import Op, grade_op
from .registry import Exercise
from .runner import Case

TEMPLATE = '''\
def relu_forward(x):
    """x (any shape) -> (out, cache): out = max(0, x), the same shape and dtype as x. Leave x unchanged."""
    raise NotImplementedError  # your code here


def relu_backward(dout, cache):
    """dout (the shape of out) -> dx: dout where x > 0, 0 elsewhere (0 at x == 0, as PyTorch). Leave dout
    unchanged: return a new array."""
    raise NotImplementedError  # your code here
'''

SHARED_DOUT = ("Arrays are shared in a backward pass: the '+' of a residual block hands the very same dout array "
               "to the shortcut and to the branch (residual_add_backward returns dout, dout), so a ReLU that "
               "masks it in place at the start of a branch also zeroes part of the shortcut's gradient, with no "
               "error anywhere.")


def _hints(case, view):
    modified = {(function, name) for function, name in case.modified}
    if ("relu_backward", "dout") in modified:
        case.hint("relu-dout-in-place", "your relu_backward wrote into dout (e.g. dout[x <= 0] = 0, or "
                  f"np.multiply(dout, mask, out=dout)). {SHARED_DOUT} Return a new array: np.where(out > 0, dout, "
                  "0) or dout * (out > 0).", about="dout unchanged")
    if ("relu_forward", "x") in modified:
        case.hint("relu-forward-in-place", "your relu_forward wrote into x (e.g. x[x < 0] = 0 or np.maximum(x, 0, "
                  "out=x)). The layer before may keep x for its own backward (a convolution keeps its input), "
                  "and its gradients would then be computed from the wrong numbers. Build a new array: "
                  "np.maximum(x, 0).", about="x unchanged")
    dx = view.grads.get("dx")
    if dx is None or case.matches(dx, view.ref_grads["dx"]):
        return
    x, dout = np.asarray(view.args["x"], np.float64), np.asarray(view.dout, np.float64)
    if case.matches(dx, dout * (dout > 0)):
        case.hint("relu-mask-from-dout", "your dx keeps dout where dout > 0. The mask comes from the FORWARD: "
                  "dout passes where x > 0 (equivalently where out > 0), whatever its own sign.", about="dx")
    elif case.matches(dx, dout * (x >= 0)) and (x == 0).any():
        case.hint("relu-mask-at-zero", "at x == 0 your dx passes dout. max(0, x) has no derivative there; the "
                  "convention (PyTorch's) is 0: use out > 0 or x > 0, not >= 0.", about="dx")
    elif case.matches(dx, dout):
        case.hint("relu-no-mask", "your dx is dout itself, nothing masked. If you wrote out >= 0: out = max(0, x) "
                  "is never negative, so that mask is always true; use out > 0.", about="dx")
    elif case.matches(dx, (x > 0).astype(np.float64)):
        case.hint("relu-mask-only", "your dx is the mask (x > 0) itself: multiply it by dout (the chain rule).",
                  about="dx")


def _values(rng, shape, kind):
    values = rng.standard_normal(shape)
    if kind == "zeros":
        values = rng.integers(-2, 3, size=shape).astype(np.float64)  # many exact zeros
        return values
    return values + np.sign(values) * 0.05  # away from the kink, where finite differences are meaningless


CONFIGURATIONS = [((2, 3, 4, 5), np.float64, "away", "an image batch"),
                  ((3, 5), np.float64, "away", "a matrix (any shape works)"),
                  ((2, 3, 4), np.float64, "zeros", "values -2..2 with exact zeros (gradient 0 at x == 0)"),
                  ((2, 4, 3, 3), np.float32, "away", "float32")]


def _grade(case, shape, dtype, kind, seed):
    x = _values(np.random.default_rng(seed), shape, kind).astype(dtype)
    grade_op(case, Op("relu_forward", "relu_backward", F.relu_forward, F.relu_backward), [("x", x)], [("dx", "x")],
             seed=seed, finite_differences=kind != "zeros", hints=_hints)


def cases():
    return [Case(f"x{shape}: {text}", partial(_grade, shape=shape, dtype=dtype, kind=kind, seed=50 + index))
            for index, (shape, dtype, kind, text) in enumerate(CONFIGURATIONS)]


EXERCISES = [
    Exercise(
        name="relu", title="ReLU forward and backward", functions=("relu_forward", "relu_backward"),
        reference=lambda: (F.relu_forward, F.relu_backward), cases=cases,
        checked="for 4 inputs (4-D and 2-D, exact zeros, float32): out and dx against the model answer (shape, "
                "dtype, values); dx against central differences of your forward (float64, random upstream "
                "gradient, away from 0); x left unchanged by the forward and dout by the backward.",
        notebook="05_relu_pool_linear_loss.ipynb", template=TEMPLATE),
]
