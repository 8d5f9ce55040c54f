"""Residual blocks: every kind x shortcut option x residual on/off x stride against finite differences, and the
structure the paper describes (which shortcut gets which layers, the plain twin, the "+ x" in forward and backward).
"""

import numpy as np
import pytest
from conftest import FINITE_DIFFERENCE_BACKENDS, WHOLE_NETWORK_BACKENDS, engine_against_reference

from resnet_np import nn
from resnet_np.gradcheck import check_module, worst_error

TOLERANCE = 1e-7


# eps 1e-5 instead of the default 1e-6: many parameters sit behind a train-mode BatchNorm, which makes the loss
# invariant to their scale, so their gradients are small next to the loss and rounding noise (~1e-16 |L| / eps)
# would dominate at 1e-6. The truncation error O(eps^2) stays ~1e-10.
EPS = 1e-5

BLOCK_KINDS = {
    "basic": lambda **kw: nn.BasicBlock(2, 4, **kw),
    "bottleneck": lambda **kw: nn.Bottleneck(2, 2, **kw),  # 2 -> 8 channels
    "bottleneck stride on 1x1": lambda **kw: nn.Bottleneck(2, 2, stride_on_first=True, **kw),
    "preact basic": lambda **kw: nn.PreActBasicBlock(2, 4, **kw),
    "preact bottleneck": lambda **kw: nn.PreActBottleneck(2, 2, **kw),
}


def _cases():
    for kind in BLOCK_KINDS:
        for stride in (1, 2):
            for shortcut in ("A", "B", "C"):
                yield kind, shortcut, True, stride
            yield kind, "B", False, stride  # the plain twin has no shortcut, so one option suffices


def _randomize(block, seed):
    """Random BatchNorm gamma/beta/running statistics: the initial gamma=1, beta=0 would hide scale bugs."""
    rng = np.random.default_rng(seed)
    for module in block.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.weight.data[...] = rng.uniform(0.5, 1.5, module.num_features)
            module.bias.data[...] = rng.standard_normal(module.num_features)
            module.running_mean[...] = rng.standard_normal(module.num_features)
            module.running_var[...] = rng.uniform(0.5, 2.0, module.num_features)
    return block


def _build(kind, shortcut="B", residual=True, stride=1, seed=0):
    block = BLOCK_KINDS[kind](stride=stride, shortcut=shortcut, residual=residual, dtype=np.float64,
                              rng=np.random.default_rng(seed))
    return _randomize(block, seed + 1)


@pytest.mark.parametrize("each_backend", FINITE_DIFFERENCE_BACKENDS, indirect=True)  # on the engine: `-m slow`
@pytest.mark.parametrize("kind,shortcut,residual,stride", list(_cases()))
def test_block_gradients_match_finite_differences(each_backend, kind, shortcut, residual, stride):
    block = _build(kind, shortcut, residual, stride)
    x = np.random.default_rng(2).standard_normal((2, 2, 5, 5))  # odd size: stride 2 gives ceil(5 / 2) = 3
    reports = check_module(block, x, eps=EPS)
    assert {report.name for report in reports} == {"x"} | {name for name, _ in block.named_parameters()}
    assert worst_error(reports) < TOLERANCE, reports


@pytest.mark.skipif("fast" not in WHOLE_NETWORK_BACKENDS, reason="NUMBA_DISABLE_JIT=1: modules on the engine "
                    "run as plain Python (tests/conftest.py); the op-level tests check its kernels")
@pytest.mark.parametrize("kind,shortcut,residual,stride", list(_cases()))
def test_the_engines_block_output_and_gradients_are_the_references(kind, shortcut, residual, stride):
    errors = engine_against_reference(lambda: _build(kind, shortcut, residual, stride),
                                      np.random.default_rng(2).standard_normal((2, 2, 5, 5)))
    assert max(errors.values()) < 1e-10, errors


@pytest.mark.parametrize("kind", ["basic", "preact bottleneck"])
def test_block_gradients_in_eval_mode(each_backend, kind):
    block = _build(kind, "B", True, 2).eval()
    x = np.random.default_rng(3).standard_normal((2, 2, 5, 5))
    assert worst_error(check_module(block, x, eps=EPS)) < TOLERANCE


# ---------------------------------------------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------------------------------------------


def _parameter_names(block):
    return [name for name, _ in block.named_parameters()]


def test_basic_block_names_are_torchvision_names():
    block = nn.BasicBlock(16, 32, stride=2, shortcut="B")
    assert _parameter_names(block) == ["conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight",
                                       "bn2.bias", "downsample.0.weight", "downsample.1.weight",
                                       "downsample.1.bias"]
    assert [name for name, _ in block.named_buffers()][-2:] == ["downsample.1.running_mean",
                                                              "downsample.1.running_var"]
    assert block.conv1.stride == (2, 2) and block.conv1.kernel_size == (3, 3)


def test_bottleneck_stride_placement():
    torchvision_style = nn.Bottleneck(64, 32, stride=2)
    paper_style = nn.Bottleneck(64, 32, stride=2, stride_on_first=True)
    assert torchvision_style.conv1.stride == (1, 1) and torchvision_style.conv2.stride == (2, 2)
    assert paper_style.conv1.stride == (2, 2) and paper_style.conv2.stride == (1, 1)
    assert torchvision_style.out_channels == 128 and torchvision_style.conv3.out_channels == 128
    for block in (torchvision_style, paper_style):
        assert block.infer_shape((1, 64, 9, 9)) == (1, 128, 5, 5)


@pytest.mark.parametrize("in_channels,width,stride,option,expected", [
    (16, 16, 1, "A", None), (16, 32, 2, "A", nn.ZeroPadShortcut), (16, 32, 1, "A", nn.ZeroPadShortcut),
    (16, 16, 1, "B", None), (16, 32, 2, "B", nn.Sequential), (16, 16, 2, "B", nn.Sequential),
    (16, 16, 1, "C", nn.Sequential), (16, 32, 2, "C", nn.Sequential),
])
def test_shortcut_options_follow_the_paper(in_channels, width, stride, option, expected):
    block = nn.BasicBlock(in_channels, width, stride=stride, shortcut=option)
    if expected is None:
        assert block.downsample is None
    else:
        assert isinstance(block.downsample, expected)
    has_projection = expected is nn.Sequential
    assert any(name.startswith("downsample.") for name in _parameter_names(block)) == has_projection
    if has_projection:
        conv, bn = block.downsample
        assert conv.kernel_size == (1, 1) and conv.stride == (stride, stride) and isinstance(bn, nn.BatchNorm2d)


def test_preactivation_projection_is_a_conv_without_batchnorm():
    block = nn.PreActBasicBlock(16, 32, stride=2, shortcut="B")
    assert len(block.downsample) == 1 and isinstance(block.downsample[0], nn.Conv2d)
    assert block.bn1.num_features == 16  # BN before the first conv sees the block's input


def test_projection_of_a_preactivation_block_takes_the_preactivated_input():
    block = nn.PreActBasicBlock(2, 4, stride=2, shortcut="B", dtype=np.float64, rng=np.random.default_rng(0))
    seen = {}
    block.downsample.register_forward_hook(lambda module, out: seen.setdefault("projection", out))
    block.relu1.register_forward_hook(lambda module, out: seen.setdefault("preactivated", out))
    block(np.random.default_rng(1).standard_normal((2, 2, 6, 6)))
    conv = block.downsample[0]
    expected = np.einsum("kc,nchw->nkhw", conv.weight.data[:, :, 0, 0], seen["preactivated"][:, :, ::2, ::2])
    np.testing.assert_allclose(seen["projection"], expected, rtol=1e-12)


def test_plain_twin_has_the_same_layers_but_no_shortcut():
    residual = nn.BasicBlock(16, 32, stride=2, shortcut="B")
    plain = nn.BasicBlock(16, 32, stride=2, residual=False)
    assert plain.downsample is None
    residual_names = [name for name in _parameter_names(residual) if not name.startswith("downsample")]
    assert _parameter_names(plain) == residual_names


def test_residual_block_with_zeroed_branch_is_relu_of_identity_forward_and_backward():
    """With the last BN's gamma and beta 0, F(x) = 0: out = relu(x) and dx = dout * (x > 0), the gradient passing
    undiminished through the shortcut. The plain twin in the same state outputs 0 and passes no gradient."""
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5))
    dout = np.random.default_rng(1).standard_normal((2, 4, 5, 5))
    for residual in (True, False):
        block = nn.BasicBlock(4, 4, residual=residual, dtype=np.float64, rng=np.random.default_rng(2))
        block.bn2.weight.data[...] = 0
        out = block(x)
        dx = block.backward(dout)
        if residual:
            np.testing.assert_array_equal(out, np.maximum(x, 0))
            np.testing.assert_array_equal(dx, dout * (x > 0))
        else:
            np.testing.assert_array_equal(out, 0)
            np.testing.assert_array_equal(dx, 0)


def test_option_a_cannot_remove_channels_and_bad_options_are_rejected():
    with pytest.raises(ValueError, match="can only add channels"):
        nn.BasicBlock(32, 16, shortcut="A")
    with pytest.raises(ValueError, match="shortcut must be one of A, B, C"):
        nn.BasicBlock(16, 16, shortcut="D")
    with pytest.raises(ValueError, match="zero_init_residual needs a branch ending in BatchNorm"):
        nn.PreActBasicBlock(16, 16).zero_init_residual()


def test_zero_init_residual_zeroes_the_last_batchnorm_gamma():
    for block, last_bn in ((b := nn.BasicBlock(8, 8), b.bn2), (c := nn.Bottleneck(8, 2), c.bn3)):
        block.zero_init_residual()
        assert not last_bn.weight.data.any()
        assert block.bn1.weight.data.all()


@pytest.mark.parametrize("kind", list(BLOCK_KINDS))
@pytest.mark.parametrize("shortcut,stride", [("A", 2), ("B", 1), ("C", 2)])
def test_inferred_shapes_match_the_forward(kind, shortcut, stride):
    block = _build(kind, shortcut, True, stride)
    x = np.random.default_rng(0).standard_normal((3, 2, 7, 6))
    assert block.infer_shape(x.shape) == block(x).shape


def test_block_backward_frees_every_cache():
    block = _build("bottleneck", "C", True, 2)
    out = block(np.random.default_rng(0).standard_normal((2, 2, 5, 5)))
    block.backward(np.ones_like(out))
    assert all(module._cache is None for module in block.modules())
    with pytest.raises(RuntimeError, match=r"^Bottleneck 2->8, stride 2, shortcut C: backward called twice"):
        block.backward(np.ones_like(out))
