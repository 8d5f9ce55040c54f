"""Gradient checking: compare a hand-written backward with central finite differences.

    numerical df/dx_i  =  (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)      (error O(eps^2))
    relative_error(a, b) = max|a - b| / max(1e-12, max(|a| + |b|))

Why float64: the finite difference divides a tiny difference of two large numbers by 2*eps; in float32 (7 digits)
rounding alone gives errors around 1e-3, which hides real bugs. In float64 a correct backward agrees to ~1e-9.

Why a random upstream gradient: we check the scalar loss L = sum(out * g) with g random. With g = ones (a plain sum)
some bugs are invisible: batchnorm's output sums to a constant (sum of beta), so its dx would be checked against
zero and anything that also sums to zero would pass.
"""

from typing import NamedTuple

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f at x (an array that is perturbed in place and restored).

    f is called as f(x) and must return a scalar; a closure that reads x (ignoring its argument) works too.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: x must be a contiguous array so it can be perturbed in place")
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = float(f(x))
        flat_x[i] = original - eps
        f_minus = float(f(x))
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max|a - b| / max(1e-12, max(|a| + |b|)): scale-free, and 0 only when a == b."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(a) + np.abs(b)))))


class GradientReport(NamedTuple):
    name: str  # which input or parameter
    shape: tuple
    error: float  # relative_error(analytic, numerical)


def _upstream_gradient(shape, seed):
    """Random upstream gradient g. Seeded by (seed, 271828), not by seed alone: an input a user drew from
    default_rng(0) with the same shape would otherwise equal g, and for BatchNorm dL/dx is then ~0 (nothing checked).
    """
    return np.random.default_rng((seed, 271828)).standard_normal(shape)


def check_op(forward, backward, inputs, seed=0, eps=1e-6):
    """Check an op's backward for every array input.

    forward(*arrays) -> (out, cache);  backward(dout, cache) -> one gradient per array, in order.
    inputs: list of (name, float64 array). Returns a list of GradientReport, one per input.
    """
    arrays = [np.ascontiguousarray(array) for _, array in inputs]
    out, cache = forward(*arrays)
    upstream = _upstream_gradient(np.shape(out), seed)
    analytic = backward(upstream.copy(), cache)
    if not isinstance(analytic, tuple):
        analytic = (analytic,)
    if len(analytic) != len(arrays):
        raise ValueError(f"check_op: backward returned {len(analytic)} gradients for {len(arrays)} inputs")

    def loss(_):
        return float(np.sum(forward(*arrays)[0] * upstream))

    reports = []
    for (name, _), array, grad in zip(inputs, arrays, analytic, strict=True):
        numeric = numerical_gradient(loss, array, eps)
        reports.append(GradientReport(name, array.shape, relative_error(grad, numeric)))
    return reports


def check_loss(loss_function, logits, labels, eps=1e-6):
    """Check a loss returning (loss, dlogits) against finite differences of the loss itself."""
    logits = np.ascontiguousarray(logits)
    _, analytic = loss_function(logits, labels)
    numeric = numerical_gradient(lambda z: loss_function(z, labels)[0], logits, eps)
    return [GradientReport("logits", logits.shape, relative_error(analytic, numeric))]


def check_module(module, x, seed=0, eps=1e-6):
    """Check a module's backward: dx and the gradient of every parameter.

    Uses the module contract: forward via module(x), backward(dout) -> dx, named_parameters() -> (name, Parameter),
    zero_grad(). Train-mode BatchNorm updates running statistics on every forward; that changes no output.
    """
    x = np.ascontiguousarray(x)
    out = module(x)
    upstream = _upstream_gradient(np.shape(out), seed)
    module.zero_grad()
    dx = module.backward(upstream.copy())
    analytic = {name: parameter.grad.copy() for name, parameter in module.named_parameters()}

    def loss(_):
        return float(np.sum(module(x) * upstream))

    reports = [GradientReport("x", x.shape, relative_error(dx, numerical_gradient(loss, x, eps)))]
    for name, parameter in module.named_parameters():
        numeric = numerical_gradient(loss, parameter.data, eps)
        reports.append(GradientReport(name, parameter.data.shape, relative_error(analytic[name], numeric)))
    return reports


def worst_error(reports):
    return max(report.error for report in reports)
