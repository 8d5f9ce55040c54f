"""Every op's backward against central differences (float64, random upstream gradient): the suite that
`python -m resnet_np gradcheck` prints, asserted case by case, for the reference maths and for the engine."""

import numpy as np
import pytest

from resnet_np import fast
from resnet_np import functional as F
from resnet_np.gradcheck import check_op, numerical_gradient, relative_error
from resnet_np.gradcheck_suite import TOLERANCE, all_cases

CASES = [(backend, case) for backend, ops in (("reference", F), ("fast", fast)) for case in all_cases(ops)]


@pytest.mark.parametrize("backend, case", CASES, ids=[f"{backend} {c.op}: {c.shapes}" for backend, c in CASES])
def test_backward_matches_finite_differences(backend, case):
    for report in case.run():
        assert report.error < TOLERANCE, f"{case.op} {case.shapes}: d{report.name} relative error {report.error:.2e}"


def test_relative_error_definition():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [3.0]) == pytest.approx(2.0 / 4.0)
    assert relative_error([0.0], [0.0]) == 0.0


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(grad, 3 * np.array([1.0, 4.0, 9.0]), rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored after perturbation


def test_gradcheck_catches_a_wrong_backward():
    """The checker must be able to fail: a batchnorm backward that forgets the mean/var terms is caught."""
    rng = np.random.default_rng(1)
    x, gamma, beta = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(3), rng.standard_normal(3)

    def forgetful_backward(dout, cache):  # treats the batch statistics as constants
        dx = dout * (cache.gamma * cache.inv_std).reshape(1, -1, 1, 1)
        return dx, (dout * cache.x_hat).sum((0, 2, 3)), dout.sum((0, 2, 3))

    reports = check_op(lambda x, g, b: F.batchnorm2d_forward(x, g, b, np.zeros(3), np.ones(3)),
                       forgetful_backward, [("x", x), ("gamma", gamma), ("beta", beta)])
    assert reports[0].error > 1e-2


def test_batchnorm_sum_of_outputs_makes_a_vacuous_check():
    """Why the checker uses a random upstream gradient: with dout = ones, the wrong backward above would pass."""
    rng = np.random.default_rng(2)
    x, gamma, beta = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(3), rng.standard_normal(3)
    out, cache = F.batchnorm2d_forward(x, gamma, beta, np.zeros(3), np.ones(3))
    dx, _, _ = F.batchnorm2d_backward(np.ones_like(out), cache)
    np.testing.assert_allclose(dx, 0, atol=1e-12)  # the true dx of sum(out) is zero: nothing left to check
