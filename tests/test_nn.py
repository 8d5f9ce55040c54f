"""resnet_np.nn: layers against finite differences, and the module mechanics (registration, caches, state, dtype)."""

import numpy as np
import pytest

from resnet_np import nn
from resnet_np.gradcheck import check_module, worst_error

TOLERANCE = 1e-7




def _random(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


def _randomize_batchnorm(module, seed=0):
    """Random gamma, beta and running statistics, so BatchNorm is not the identity-like initial state."""
    rng = np.random.default_rng(seed)
    for submodule in module.modules():
        if isinstance(submodule, nn.BatchNorm2d):
            channels = submodule.num_features
            submodule.weight.data[...] = rng.uniform(0.5, 1.5, channels)
            submodule.bias.data[...] = rng.standard_normal(channels)
            submodule.running_mean[...] = rng.standard_normal(channels)
            submodule.running_var[...] = rng.uniform(0.5, 2.0, channels)
    return module


# ---------------------------------------------------------------------------------------------------------------
# Layers: gradient checks (float64, random upstream gradient)
# ---------------------------------------------------------------------------------------------------------------

LAYER_CASES = {
    "conv 3x3 stride 2 pad 1 bias": (lambda rng: nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=True,
                                                           dtype=np.float64, rng=rng), (2, 3, 7, 7)),
    "conv 1x1 stride 2": (lambda rng: nn.Conv2d(3, 5, 1, stride=2, dtype=np.float64, rng=rng), (2, 3, 6, 6)),
    "batchnorm train": (lambda rng: _randomize_batchnorm(nn.BatchNorm2d(3, dtype=np.float64)), (4, 3, 3, 3)),
    "batchnorm eval": (lambda rng: _randomize_batchnorm(nn.BatchNorm2d(3, dtype=np.float64)).eval(), (4, 3, 3, 3)),
    "linear": (lambda rng: nn.Linear(6, 4, dtype=np.float64, rng=rng), (3, 6)),
    "maxpool 3x3/2 pad 1": (lambda rng: nn.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    "global avgpool": (lambda rng: nn.GlobalAvgPool2d(), (2, 3, 4, 5)),
    "relu": (lambda rng: nn.ReLU(), (2, 3, 4, 4)),
    "zero-pad shortcut": (lambda rng: nn.ZeroPadShortcut(2, 5, 2), (2, 2, 5, 5)),
    "sequential conv-bn-relu-pool-gap-fc": (
        lambda rng: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, dtype=np.float64, rng=rng),
                                  _randomize_batchnorm(nn.BatchNorm2d(3, dtype=np.float64)), nn.ReLU(),
                                  nn.MaxPool2d(2), nn.GlobalAvgPool2d(), nn.Linear(3, 2, dtype=np.float64, rng=rng)),
        (3, 2, 6, 6)),
}


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_layer_gradients_match_finite_differences(case):
    build, x_shape = LAYER_CASES[case]
    module = build(np.random.default_rng(1))
    reports = check_module(module, _random(2, *x_shape))
    assert {report.name for report in reports} == {"x"} | {name for name, _ in module.named_parameters()}
    assert worst_error(reports) < TOLERANCE, reports


# ---------------------------------------------------------------------------------------------------------------
# Registration and names
# ---------------------------------------------------------------------------------------------------------------


class _TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 3, 3, padding=1, rng=np.random.default_rng(0))
        self.bn1 = nn.BatchNorm2d(3)
        self.head = nn.Sequential(nn.ReLU(), nn.GlobalAvgPool2d(), nn.Linear(3, 2, rng=np.random.default_rng(0)))

    def forward(self, x):
        return self.head(self.bn1(self.conv1(x)))

    def _backward(self, dout):
        return self.conv1.backward(self.bn1.backward(self.head.backward(dout)))


def test_attribute_assignment_registers_in_order_with_dotted_names():
    model = _TwoLayer()
    assert [name for name, _ in model.named_parameters()] == [
        "conv1.weight", "bn1.weight", "bn1.bias", "head.2.weight", "head.2.bias"]
    assert [name for name, _ in model.named_buffers()] == ["bn1.running_mean", "bn1.running_var"]
    assert list(model.state_dict()) == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                        "bn1.running_var", "head.2.weight", "head.2.bias"]
    assert [name for name, _ in model.named_modules()] == ["", "conv1", "bn1", "head", "head.0", "head.1", "head.2"]
    assert [name for name, _ in model.named_children()] == ["conv1", "bn1", "head"]
    assert model.head[2].full_name() == "head.2"
    assert model.num_parameters() == 2 * 3 * 9 + 3 + 3 + 3 * 2 + 2


def test_reassigning_replaces_in_place_and_none_unregisters():
    model = _TwoLayer()
    model.bn1 = nn.BatchNorm2d(3)
    assert [name for name, _ in model.named_children()] == ["conv1", "bn1", "head"]
    model.bn1 = None
    assert [name for name, _ in model.named_children()] == ["conv1", "head"]
    assert "bn1.weight" not in dict(model.named_parameters())


def test_assigning_a_parameter_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(np.zeros(3))

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_a_subclass_that_overrides_backward_is_told_to_write_underscore_backward():
    with pytest.raises(TypeError, match=r"Skipper: write the backward maths in _backward"):
        class Skipper(nn.Module):
            def backward(self, dout):
                return dout


# ---------------------------------------------------------------------------------------------------------------
# Forward / backward mechanics
# ---------------------------------------------------------------------------------------------------------------


def test_backward_before_forward_names_the_module():
    model = _TwoLayer()
    with pytest.raises(RuntimeError, match=r"conv1 \(Conv2d 2->3, 3x3.*before any forward"):
        model.conv1.backward(np.zeros((1, 3, 4, 4), dtype=np.float32))


def test_second_backward_for_one_forward_is_an_error():
    model = _TwoLayer()
    out = model(_random(0, 2, 2, 4, 4).astype(np.float32))
    model.backward(np.ones_like(out))
    with pytest.raises(RuntimeError, match="twice"):
        model.backward(np.ones_like(out))


def test_caches_are_freed_after_backward():
    model = _TwoLayer()
    out = model(_random(0, 2, 2, 4, 4).astype(np.float32))
    assert model.conv1._cache is not None
    model.backward(np.ones_like(out))
    assert all(module._cache is None for module in model.modules())


def test_gradients_accumulate_until_zero_grad():
    model = _TwoLayer()
    x = _random(0, 2, 2, 4, 4).astype(np.float32)
    upstream = _random(1, 2, 2).astype(np.float32)
    model(x)
    model.backward(upstream)
    once = {name: parameter.grad.copy() for name, parameter in model.named_parameters()}
    assert any(np.abs(grad).max() > 0 for grad in once.values())
    model(x)
    model.backward(upstream)
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad, 2 * once[name], rtol=1e-5, atol=1e-7)
    model.zero_grad()
    assert all(not parameter.grad.any() for parameter in model.parameters())


def test_backward_checks_dout_shape_and_dtype():
    model = _TwoLayer()
    out = model(_random(0, 2, 2, 4, 4).astype(np.float32))
    with pytest.raises(ValueError, match=r"dout of shape \(2, 2\)"):
        model.backward(np.ones((3, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="dtype float32"):
        model.backward(np.ones_like(out, dtype=np.float64))


def test_train_and_eval_switch_batchnorm_behaviour():
    bn = _randomize_batchnorm(nn.BatchNorm2d(3, dtype=np.float64))
    x = _random(3, 8, 3, 4, 4) * 3 + 5
    running_before = bn.running_mean.copy()
    out_train = bn(x)
    # training: batch statistics (each channel of the normalised output has mean beta) and running stats move
    np.testing.assert_allclose(out_train.mean(axis=(0, 2, 3)), bn.bias.data, atol=1e-12)
    assert not np.allclose(bn.running_mean, running_before)
    assert bn.eval() is bn and not bn.training
    running_after_train = bn.running_mean.copy()
    out_eval = bn(x)
    np.testing.assert_array_equal(bn.running_mean, running_after_train)  # eval never updates
    expected = (x - bn.running_mean[None, :, None, None]) / np.sqrt(bn.running_var[None, :, None, None] + 1e-5)
    expected = expected * bn.weight.data[None, :, None, None] + bn.bias.data[None, :, None, None]
    np.testing.assert_allclose(out_eval, expected, rtol=1e-12)
    assert not np.allclose(out_eval, out_train)
    model = _TwoLayer().eval()
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())


def test_hooks_see_outputs_and_output_gradients_and_can_be_removed():
    model = _TwoLayer()
    seen = []
    forward_handle = model.bn1.register_forward_hook(lambda module, out: seen.append(("forward", out.shape)))
    backward_handle = model.bn1.register_backward_hook(lambda module, grad: seen.append(("backward", grad.copy())))
    x = _random(0, 2, 2, 4, 4).astype(np.float32)
    out = model(x)
    upstream = _random(1, *out.shape).astype(np.float32)
    model.backward(upstream)
    assert seen[0] == ("forward", (2, 3, 4, 4))
    # what bn1's backward receives is dL/d(bn1 output) = the head's dx
    model(x)
    expected = model.head.backward(upstream)
    np.testing.assert_array_equal(seen[1][1], expected)
    assert len(seen) == 3  # the second forward ran the forward hook again
    forward_handle.remove()
    backward_handle.remove()
    model(x)
    model.backward(upstream)
    assert len(seen) == 3


# ---------------------------------------------------------------------------------------------------------------
# Input errors and dtype
# ---------------------------------------------------------------------------------------------------------------


def test_wrong_channels_error_names_layer_and_expected_shape():
    block = nn.Sequential(nn.BasicBlock(16, 32, stride=2, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match=r"0\.conv1 \(Conv2d 16->32, 3x3, stride 2, padding 1\): "
                                         r"expected input \(N, 16, H, W\), got \(8, 3, 32, 32\)"):
        block(np.zeros((8, 3, 32, 32), dtype=np.float32))


def test_errors_from_the_op_are_prefixed_with_the_layer():
    conv = nn.Conv2d(1, 1, 5)
    with pytest.raises(ValueError, match=r"^Conv2d 1->1, 5x5: conv2d: kernel 5x5 is larger"):
        conv(np.zeros((1, 1, 3, 3), dtype=np.float32))


def test_float64_input_to_float32_layer_is_an_error_not_a_silent_upcast():
    with pytest.raises(ValueError, match="expected float32 input.*got float64"):
        nn.Conv2d(2, 3, 3)(np.zeros((1, 2, 4, 4)))
    with pytest.raises(ValueError, match="expected float64 input.*got float32"):
        nn.Linear(2, 3, dtype=np.float64)(np.zeros((1, 2), dtype=np.float32))


def test_float32_stays_float32_through_forward_backward_and_grads():
    model = _TwoLayer()
    assert all(parameter.dtype == np.float32 for parameter in model.parameters())
    assert all(array.dtype == np.float32 for _, array in model.named_buffers())
    out = model(_random(0, 2, 2, 4, 4).astype(np.float32))
    dx = model.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == np.float32
    assert all(parameter.grad.dtype == np.float32 for parameter in model.parameters())


def test_unsupported_dtype_is_rejected():
    with pytest.raises(ValueError, match="float32 or float64"):
        nn.Conv2d(1, 1, 1, dtype=np.float16)


# ---------------------------------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------------------------------


def test_initialisation_follows_torchvision():
    conv = nn.Conv2d(64, 128, 3, dtype=np.float64, rng=np.random.default_rng(0))
    expected_std = np.sqrt(2 / (128 * 3 * 3))  # Kaiming normal, fan_out
    assert abs(conv.weight.data.std() / expected_std - 1) < 0.02
    assert abs(conv.weight.data.mean()) < 0.01 * expected_std * 10
    linear = nn.Linear(100, 50, dtype=np.float64, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(100)
    for array in (linear.weight.data, linear.bias.data):
        assert np.abs(array).max() <= bound and np.abs(array).max() > 0.9 * bound
    bn = nn.BatchNorm2d(4)
    assert (bn.weight.data == 1).all() and (bn.bias.data == 0).all()
    assert (bn.running_mean == 0).all() and (bn.running_var == 1).all()


def test_same_rng_seed_same_weights_in_both_dtypes():
    single = nn.Conv2d(3, 4, 3, dtype=np.float32, rng=np.random.default_rng(5))
    double = nn.Conv2d(3, 4, 3, dtype=np.float64, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(single.weight.data, double.weight.data.astype(np.float32))
    other = nn.Conv2d(3, 4, 3, dtype=np.float64, rng=np.random.default_rng(6))
    assert not np.allclose(other.weight.data, double.weight.data)


# ---------------------------------------------------------------------------------------------------------------
# state_dict / load_state_dict
# ---------------------------------------------------------------------------------------------------------------


def test_state_dict_round_trip_gives_identical_outputs():
    source, target = _TwoLayer(), _TwoLayer()
    _randomize_batchnorm(source)
    source.conv1.weight.data[...] = _random(7, *source.conv1.weight.shape)
    state = source.state_dict()
    state["bn1.weight"][...] = 123  # a copy: changing it must not change the model
    assert not (source.bn1.weight.data == 123).any()
    state = source.state_dict()
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = _random(0, 2, 2, 4, 4).astype(np.float32)
    np.testing.assert_array_equal(source.eval()(x), target.eval()(x))
    for name, array in target.state_dict().items():
        np.testing.assert_array_equal(array, state[name])


def test_load_state_dict_reports_every_problem_at_once_and_writes_nothing():
    model = _TwoLayer()
    before = model.state_dict()
    state = model.state_dict()
    del state["bn1.bias"]
    state["conv1.weight"] = np.zeros((3, 2, 5, 5))
    state["head.2.weight"] = np.zeros((7, 3))
    state["extra.weight"] = np.zeros(2)
    state["bn1.weight"] = np.full(3, 9.0)
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    for fragment in ("conv1.weight: expected shape (3, 2, 3, 3), got (3, 2, 5, 5)",
                     "head.2.weight: expected shape (2, 3), got (7, 3)", "missing key(s): bn1.bias",
                     "unexpected key(s): extra.weight"):
        assert fragment in message
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])  # nothing was written


def test_load_state_dict_non_strict_returns_keys_but_still_refuses_shape_mismatch():
    model = _TwoLayer()
    state = model.state_dict()
    del state["bn1.bias"]
    state["unused"] = np.zeros(1)
    state["bn1.weight"] = np.full(3, 2.0)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["bn1.bias"] and result.unexpected_keys == ["unused"]
    assert (model.bn1.weight.data == 2).all()
    state["bn1.weight"] = np.ones(4)
    with pytest.raises(ValueError, match="bn1.weight: expected shape"):
        model.load_state_dict(state, strict=False)


def test_num_batches_tracked_is_ignored_and_values_are_cast_to_model_dtype():
    model = _TwoLayer()
    state = {name: array.astype(np.float64) + 0.5 for name, array in model.state_dict().items()}
    state["bn1.num_batches_tracked"] = np.array(7, dtype=np.int64)
    result = model.load_state_dict(state)
    assert result.unexpected_keys == []
    assert model.bn1.running_var.dtype == np.float32 and model.conv1.weight.dtype == np.float32
    np.testing.assert_allclose(model.bn1.running_var, state["bn1.running_var"].astype(np.float32))
    assert model.bn1.running_mean is model.bn1._buffers["running_mean"]  # loaded in place


def test_repr_shows_the_tree():
    text = repr(_TwoLayer())
    assert "(conv1): Conv2d(2->3, 3x3, padding 1)" in text and "(2): Linear(3->2)" in text
