"""The two backends side by side: the reference maths (resnet_np.functional) and the engine (resnet_np.fast) give
the same outputs, gradients and caches, to rounding, on the same inputs; and the one switch that chooses between
them (rn.set_backend, RESNET_NP_BACKEND) does what it says.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import resnet_np as rn
from resnet_np import backend, fast, runtime
from resnet_np import functional as F

TOLERANCE = {np.float32: 3e-5, np.float64: 1e-12}
DTYPES = [np.float32, np.float64]


def _assert_close(engine, reference, dtype, what):
    for index, (a, b) in enumerate(zip(engine, reference, strict=True)):
        if b is None:
            assert a is None, f"{what}[{index}]"
            continue
        assert a.dtype == b.dtype == dtype and a.shape == b.shape, f"{what}[{index}]"
        np.testing.assert_allclose(a, b, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype], err_msg=f"{what}[{index}]")


# (x shape, w shape, stride, padding, bias): both conv backward routes of the engine, odd and non-square sizes
CONV_CASES = [
    ((2, 3, 7, 6), (2, 3, 3, 3), 1, 1, True),  # stride 1, K < C: the engine's backward by convolution
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 1, False),  # stride 1, K > C: col2im route
    ((3, 4, 8, 8), (4, 4, 3, 3), 2, 1, True),  # the downsampling 3x3/2
    ((1, 3, 9, 9), (8, 3, 7, 7), 2, 3, False),  # a 7x7/2 stem, batch 1
    ((2, 6, 5, 5), (3, 6, 1, 1), 1, 0, True),  # 1x1
    ((2, 4, 6, 6), (8, 4, 1, 1), 2, 0, False),  # the projection shortcut's 1x1/2
    ((2, 3, 7, 5), (2, 3, 3, 2), (2, 1), (1, 0), True),  # non-square kernel, stride and padding
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, bias", CONV_CASES)
def test_conv2d(dtype, x_shape, w_shape, stride, padding, bias):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    out, cache = fast.conv2d_forward(x, w, b, stride, padding)
    ref_out, ref_cache = F.conv2d_forward(x, w, b, stride, padding)
    _assert_close([out], [ref_out], dtype, "out")
    assert type(cache) is type(ref_cache) and cache.geometry == ref_cache.geometry
    dout = rng.standard_normal(out.shape).astype(dtype)
    _assert_close(fast.conv2d_backward(dout, cache), F.conv2d_backward(dout, ref_cache), dtype, "grads")
    # The caches are interchangeable: a forward of one backend, the backward of the other.
    _assert_close(F.conv2d_backward(dout, cache), fast.conv2d_backward(dout, ref_cache), dtype, "swapped")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (1, 2, 3, 3), (8, 3, 2, 1)])
def test_batchnorm2d(dtype, training, shape):
    rng = np.random.default_rng(2)
    channels = shape[1]
    x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
    gamma, beta = rng.standard_normal(channels).astype(dtype), rng.standard_normal(channels).astype(dtype)
    mean, var = rng.standard_normal(channels).astype(dtype), rng.uniform(0.5, 2, channels).astype(dtype)
    fast_mean, fast_var = mean.copy(), var.copy()
    out, cache = fast.batchnorm2d_forward(x, gamma, beta, fast_mean, fast_var, training)
    ref_out, ref_cache = F.batchnorm2d_forward(x, gamma, beta, mean, var, training)
    _assert_close([out, cache.mean, cache.inv_std, fast_mean, fast_var],
                  [ref_out, ref_cache.mean, ref_cache.inv_std, mean, var], dtype, "forward")
    dout = rng.standard_normal(shape).astype(dtype)
    engine, reference = fast.batchnorm2d_backward(dout, cache), F.batchnorm2d_backward(dout, ref_cache)
    for a, b in zip(engine, reference, strict=True):  # dx sums M terms: compare on the scale of its terms
        np.testing.assert_allclose(a, b, rtol=TOLERANCE[dtype], atol=10 * TOLERANCE[dtype])
        assert a.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (7, 5), (1, 1, 1, 1)])
def test_relu(dtype, shape):
    rng = np.random.default_rng(3)
    x, dout = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    out, cache = fast.relu_forward(x)
    ref_out, ref_cache = F.relu_forward(x)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(fast.relu_backward(dout, cache), F.relu_backward(dout, ref_cache))
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, kernel, stride, padding", [
    ((2, 3, 9, 8), 3, 2, 1), ((2, 2, 6, 6), 2, 2, 0), ((1, 2, 7, 5), 3, 1, 1), ((1, 1, 5, 5), (3, 2), (2, 1), (1, 0)),
])
def test_maxpool2d(dtype, x_shape, kernel, stride, padding):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape).astype(dtype)
    out, cache = fast.maxpool2d_forward(x, kernel, stride, padding)
    ref_out, ref_cache = F.maxpool2d_forward(x, kernel, stride, padding)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(cache.argmax_flat, ref_cache.argmax_flat)
    dout = rng.standard_normal(out.shape).astype(dtype)
    _assert_close([fast.maxpool2d_backward(dout, cache)], [F.maxpool2d_backward(dout, ref_cache)], dtype, "dx")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, kh, kw, stride, padding", [
    ((2, 3, 6, 6), 3, 3, 1, 1), ((1, 2, 7, 5), 5, 3, 2, (2, 1)), ((2, 2, 4, 4), 1, 1, 1, 0), ((1, 1, 3, 3), 7, 7, 1, 3),
])
def test_im2col_and_col2im(dtype, x_shape, kh, kw, stride, padding):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(x_shape).astype(dtype)
    cols = fast.im2col(x, kh, kw, stride, padding)
    np.testing.assert_array_equal(cols, F.im2col(x, kh, kw, stride, padding))
    y = rng.standard_normal(cols.shape).astype(dtype)
    _assert_close([fast.col2im(y, x_shape, kh, kw, stride, padding)], [F.col2im(y, x_shape, kh, kw, stride, padding)],
                  dtype, "col2im")


def test_ops_without_an_engine_are_the_reference_functions():
    for name in ("global_avgpool_forward", "global_avgpool_backward", "linear_forward", "linear_backward",
                 "softmax_cross_entropy", "residual_add_forward", "residual_add_backward",
                 "zero_pad_shortcut_forward", "zero_pad_shortcut_backward"):
        assert getattr(fast, name) is getattr(F, name), name


def test_the_engine_has_every_op_of_the_reference():
    assert [name for name in F.OPS if not hasattr(fast, name)] == []


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, x_shape", [("resnet20", (3, 3, 8, 8)), ("plain20", (3, 3, 8, 8)),
                                           ("preact_resnet20", (2, 3, 8, 8))])
def test_a_whole_network_trains_alike_on_both_backends(dtype, name, x_shape):
    """Forward, loss, backward and every parameter gradient of a whole model, once per backend."""
    rng = np.random.default_rng(6)
    x, labels = rng.standard_normal(x_shape).astype(dtype), rng.integers(0, 10, x_shape[0])
    results = {}
    for backend_name in runtime.BACKENDS:
        with runtime.using(backend=backend_name):
            model = rn.models.get_model(name, dtype=dtype, seed=0)
            loss, dlogits = F.softmax_cross_entropy(model(x), labels)
            dx = model.backward(dlogits)
            results[backend_name] = [np.asarray(loss), dx] + [p.grad for p in model.parameters()]
    scale = {np.float32: 1e-3, np.float64: 1e-9}[dtype]  # dozens of layers of float32 rounding
    for index, (a, b) in enumerate(zip(results["fast"], results["reference"], strict=True)):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=scale, atol=scale * np.abs(b).max(), err_msg=f"array {index}")


def test_the_switch_chooses_who_computes():
    with runtime.using(backend="reference"):
        assert rn.get_backend() == "reference" and backend.ops() is F
        with runtime.using(backend="fast"):
            assert backend.ops() is fast
        assert backend.ops() is F
    previous = rn.set_backend("reference")
    try:
        assert rn.get_backend() == "reference"
    finally:
        rn.set_backend(previous)


def test_a_layer_calls_the_chosen_backend(monkeypatch):
    calls = []
    original = F.relu_forward
    monkeypatch.setattr(F, "relu_forward", lambda x: calls.append("reference") or original(x))
    layer = rn.nn.ReLU()
    with runtime.using(backend="reference"):
        layer(np.ones((2, 3)))
    with runtime.using(backend="fast"):
        layer(np.ones((2, 3)))
    assert calls == ["reference"]


@pytest.mark.parametrize("bad", ["numba", "numpy", "", None, 1])
def test_set_backend_refuses_an_unknown_name(bad):
    before = rn.get_backend()
    with pytest.raises(ValueError, match="reference, fast"):
        rn.set_backend(bad)
    assert rn.get_backend() == before


def _in_a_fresh_process(code, **environment):
    env = {key: value for key, value in os.environ.items() if not key.startswith("RESNET_NP_")}
    env.update(environment)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def test_the_environment_chooses_the_starting_backend_and_threads():
    code = "import resnet_np as rn; print(rn.get_backend(), rn.get_num_threads())"
    assert _in_a_fresh_process(code, RESNET_NP_BACKEND="reference", RESNET_NP_NUM_THREADS="3").stdout.split() == [
        "reference", "3"]
    result = _in_a_fresh_process(code, RESNET_NP_BACKEND="turbo", RESNET_NP_NUM_THREADS="many")
    backend_name, threads = result.stdout.split()
    expected_backend = "fast" if fast.jit_enabled() else "reference"
    assert backend_name == expected_backend and int(threads) == runtime.default_threads()
    assert "RESNET_NP_BACKEND='turbo'" in result.stderr and "RESNET_NP_NUM_THREADS='many'" in result.stderr


def test_the_maths_folder_imports_no_engine_machinery():
    """resnet_np/functional/ is the lecture: NumPy only; Numba, threads and scratch buffers live in resnet_np/fast."""
    import ast
    from pathlib import Path

    forbidden = {"numba", "threading", "concurrent", "multiprocessing", "threadpoolctl", "resnet_np.fast"}
    folder = Path(F.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [("resnet_np." + module) if node.level == 2 else module]
            else:
                continue
            for name in names:
                assert not any(name == bad or name.startswith(bad + ".") for bad in forbidden), f"{path.name}: {name}"
        assert "scratch(" not in path.read_text(), path.name
