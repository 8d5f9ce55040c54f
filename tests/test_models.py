"""resnet_np.models: parameter counts of the papers and torchvision, names, rebuilding from model.architecture,
whole networks against finite differences, and the demo helpers (named_blocks + hooks)."""

import json

import numpy as np
import pytest
from conftest import FINITE_DIFFERENCE_BACKENDS, WHOLE_NETWORK_BACKENDS, engine_against_reference

from resnet_np import models, nn
from resnet_np.errors import UserError
from resnet_np.gradcheck import check_module, numerical_gradient, relative_error, worst_error

TOLERANCE = 1e-7
EPS = 1e-5  # see tests/test_blocks.py: parameters behind train-mode BatchNorm have small, scale-free gradients




# torchvision's counts (torchvision.models.resnetXX().parameters()) and the paper's CIFAR-10 table (Table 6,
# "0.27M ... 1.7M"; exact values as in every faithful option-A implementation).
PARAMETER_COUNTS = {
    "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032, "resnet101": 44_549_160,
    "resnet152": 60_192_808, "resnet20": 269_722, "resnet32": 464_154, "resnet44": 658_586, "resnet56": 853_018,
    "resnet110": 1_727_962,
}


@pytest.mark.parametrize("name", list(PARAMETER_COUNTS))
def test_parameter_counts_match_torchvision_and_the_paper(name):
    assert models.get_model(name).num_parameters() == PARAMETER_COUNTS[name]


def test_plain_twins_lack_exactly_the_projection_parameters():
    resnet, plain = models.resnet18(), models.plain18()
    projection = {name: p.data.size for name, p in resnet.named_parameters() if ".downsample." in name}
    assert len(projection) == 9  # conv + BN gamma + BN beta, in layer2, layer3, layer4
    assert plain.num_parameters() == resnet.num_parameters() - sum(projection.values())
    # option A twins (CIFAR) have no projections at all: identical counts
    assert models.plain20().num_parameters() == models.resnet20().num_parameters()
    assert all(".downsample." not in name for name, _ in models.resnet20().named_parameters())


def test_names_are_torchvision_names():
    state = models.resnet18().state_dict()
    for key in ("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "layer1.0.conv1.weight", "layer1.1.bn2.running_var", "layer2.0.downsample.0.weight",
                "layer2.0.downsample.1.running_var", "layer4.1.conv2.weight", "fc.weight", "fc.bias"):
        assert key in state
    assert "layer1.0.downsample.0.weight" not in state and "layer2.1.downsample.0.weight" not in state
    assert state["fc.weight"].shape == (1000, 512) and state["conv1.weight"].shape == (64, 3, 7, 7)
    bottleneck = models.resnet50().state_dict()
    assert bottleneck["layer1.0.downsample.0.weight"].shape == (256, 64, 1, 1)
    assert bottleneck["layer4.2.conv3.weight"].shape == (2048, 512, 1, 1)
    # torchvision: 320 entries = 53 convs + 53 BNs x (weight, bias, running_mean, running_var, num_batches_tracked)
    # + fc weight and bias; ours has no num_batches_tracked: 320 - 53
    assert len(bottleneck) == 267
    cifar = models.resnet20().state_dict()
    assert cifar["conv1.weight"].shape == (16, 3, 3, 3) and cifar["fc.weight"].shape == (10, 64)
    assert "layer3.2.bn2.running_mean" in cifar


def test_stage_structure_of_the_cifar_family():
    model = models.resnet56()
    assert [len(stage) for stage in model.stages()] == [9, 9, 9]
    assert [block.out_channels for stage in model.stages() for block in stage][::9] == [16, 32, 64]
    assert [block.stride for _, block in model.named_blocks()].count(2) == 2
    assert model.layer2[0].shortcut_option == "A" and isinstance(model.layer2[0].downsample, nn.ZeroPadShortcut)


def test_preactivation_network_ends_with_batchnorm_and_relu():
    model = models.preact_resnet20()
    assert "bn1" not in dict(model.named_children())  # each block starts with BN-ReLU instead
    assert isinstance(model.final_bn, nn.BatchNorm2d) and model.final_bn.num_features == 64
    assert all(isinstance(block, nn.PreActBasicBlock) for _, block in model.named_blocks())


# ---------------------------------------------------------------------------------------------------------------
# Constructors, architecture, errors
# ---------------------------------------------------------------------------------------------------------------


def test_every_listed_model_builds_and_rebuilds_from_its_architecture():
    for name in models.list_models():
        if name in ("resnet34", "resnet101", "resnet152", "plain34"):
            continue  # same code paths as resnet18, resnet50 and plain18, only slower to build twice
        model = models.get_model(name, seed=0)
        architecture = json.loads(json.dumps(model.architecture))  # JSON-serialisable
        assert architecture["name"] == name
        rebuilt = models.get_model(**architecture, seed=0)
        assert rebuilt.architecture == model.architecture
        original_state, rebuilt_state = model.state_dict(), rebuilt.state_dict()
        assert list(rebuilt_state) == list(original_state)
        for key in ("conv1.weight", "fc.weight"):  # same seed, same weights
            np.testing.assert_array_equal(rebuilt_state[key], original_state[key])


def test_general_constructors_record_a_rebuildable_architecture():
    model = models.cifar_resnet(depth=14, widths=(3, 5, 7), shortcut="B", num_classes=4, in_channels=1,
                                dtype=np.float64, seed=1)
    assert model.architecture["name"] == "cifar_resnet" and model.architecture["dtype"] == "float64"
    rebuilt = models.get_model(**json.loads(json.dumps(model.architecture)))
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}
    assert rebuilt.dtype == np.float64
    model = models.imagenet_resnet("bottleneck", [1, 2], widths=(4, 8), stride_on_first=True, num_classes=3)
    rebuilt = models.get_model(**model.architecture)
    assert rebuilt.architecture == model.architecture and rebuilt.layer2[0].conv1.stride == (2, 2)


def test_options_reach_the_model():
    model = models.resnet20(num_classes=7, in_channels=1, shortcut="B", zero_init_residual=True,
                            dtype="float64", seed=3)
    assert model.conv1.in_channels == 1 and model.fc.out_features == 7 and model.dtype == np.float64
    assert isinstance(model.layer2[0].downsample, nn.Sequential)
    assert all(not block.bn2.weight.data.any() for _, block in model.named_blocks())
    assert models.resnet50(stride_on_first=True).layer3[0].conv1.stride == (2, 2)


def test_seed_controls_the_weights():
    first, same, other = models.resnet20(seed=0), models.resnet20(seed=0), models.resnet20(seed=1)
    np.testing.assert_array_equal(first.layer1[0].conv1.weight.data, same.layer1[0].conv1.weight.data)
    assert not np.allclose(first.layer1[0].conv1.weight.data, other.layer1[0].conv1.weight.data)


def test_unknown_names_and_options_are_user_errors_listing_the_valid_ones():
    with pytest.raises(UserError, match="unknown model .resnet21.; valid names: resnet18.*resnet20.*preact_resnet110"):
        models.get_model("resnet21")
    with pytest.raises(UserError, match="takes no option.*stride_on_first.*valid options"):
        models.get_model("resnet18", stride_on_first=True)
    with pytest.raises(UserError, match="shortcut"):
        models.get_model("plain20", shortcut="A")  # a plain network has no shortcuts to choose
    with pytest.raises(TypeError, match="unknown option"):
        models.resnet20(widths=(1, 2, 3))


def test_invalid_configurations_are_clear_errors():
    with pytest.raises(ValueError, match=r"depth must be 6n \+ 2"):
        models.cifar_resnet(depth=21)
    with pytest.raises(ValueError, match=r"depth must be 9n \+ 2"):
        models.cifar_resnet(depth=22, block="bottleneck")
    assert models.cifar_resnet(depth=11, block="bottleneck", shortcut="B").num_parameters() > 0
    with pytest.raises(ValueError, match="one width per stage"):
        models.imagenet_resnet("basic", [1, 1], widths=(4, 8, 16))
    with pytest.raises(ValueError, match="block must be one of"):
        models.imagenet_resnet("huge", [1])
    with pytest.raises(ValueError, match="float32 or float64"):
        models.resnet20(dtype="int8")
    with pytest.raises(ValueError, match="zero_init_residual"):
        models.cifar_resnet(residual=False, zero_init_residual=True)


# ---------------------------------------------------------------------------------------------------------------
# Whole networks against finite differences: the input and every parameter
# ---------------------------------------------------------------------------------------------------------------


def _randomize_batchnorm(model, seed=1):
    rng = np.random.default_rng(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.weight.data[...] = rng.uniform(0.5, 1.5, module.num_features)
            module.bias.data[...] = rng.standard_normal(module.num_features)
    return model


NETWORKS = {
    "cifar resnet-8, widths 2-4-8": (
        lambda: models.cifar_resnet(depth=8, widths=(2, 4, 8), dtype="float64", seed=0), (2, 3, 8, 8)),
    "cifar pre-activation resnet-8": (
        lambda: models.cifar_resnet(depth=8, widths=(2, 4, 8), block="preact_basic", dtype="float64", seed=0),
        (2, 3, 8, 8)),
    # 20x20: after the 7x7/2 stem, the max pool and two stride-2 stages, BatchNorm still sees 2x2 pixels per image
    # (with 1x1 it would normalise 2 values, where finite differences become meaningless)
    "imagenet-style, grayscale": (
        lambda: models.imagenet_resnet("basic", [1, 1, 1], widths=(2, 3, 4), in_channels=1, num_classes=3,
                                       dtype="float64", seed=0), (2, 1, 20, 20)),
}


@pytest.mark.parametrize("each_backend", FINITE_DIFFERENCE_BACKENDS, indirect=True)  # on the engine: `-m slow`
@pytest.mark.parametrize("network", list(NETWORKS))
def test_whole_network_gradients_match_finite_differences(each_backend, network):
    build, x_shape = NETWORKS[network]
    model = _randomize_batchnorm(build())
    reports = check_module(model, np.random.default_rng(2).standard_normal(x_shape), eps=EPS)
    assert len(reports) == 1 + len(model.named_parameters())
    assert worst_error(reports) < TOLERANCE, max(reports, key=lambda report: report.error)


@pytest.mark.skipif("fast" not in WHOLE_NETWORK_BACKENDS, reason="NUMBA_DISABLE_JIT=1: whole networks on the "
                    "engine run as plain Python (tests/conftest.py); the op-level tests check its kernels")
@pytest.mark.parametrize("network", list(NETWORKS))
def test_the_engines_whole_network_output_and_gradients_are_the_references(network):
    build, x_shape = NETWORKS[network]
    errors = engine_against_reference(lambda: _randomize_batchnorm(build()),
                                      np.random.default_rng(2).standard_normal(x_shape))
    assert max(errors.values()) < 1e-10, errors


def test_float32_model_keeps_float32_and_refuses_float64_input():
    model = models.cifar_resnet(depth=8, widths=(2, 4, 8), seed=0)
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    logits = model(x)
    dx = model.backward(np.ones_like(logits))
    assert logits.dtype == dx.dtype == np.float32 and logits.shape == (2, 10) and dx.shape == x.shape
    assert all(parameter.grad.dtype == np.float32 for parameter in model.parameters())
    with pytest.raises(ValueError, match=r"conv1 \(Conv2d 3->2.*expected float32 input"):
        model(x.astype(np.float64))
    with pytest.raises(ValueError, match=r"conv1 \(Conv2d 3->2, 3x3, padding 1\): expected input \(N, 3, H, W\)"):
        model(x[:, :1])


def test_eval_mode_forward_and_backward_work():
    model = _randomize_batchnorm(models.cifar_resnet(depth=8, widths=(2, 4, 8), dtype="float64", seed=0)).eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 8, 8))  # batch 1 is fine in eval mode
    running = {name: array.copy() for name, array in model.named_buffers()}
    upstream = np.random.default_rng(1).standard_normal((1, 10))
    model(x)
    dx = model.backward(upstream)  # dL/dx in eval mode, as the saliency and adversarial demos need
    numeric = numerical_gradient(lambda _: float(np.sum(model(x) * upstream)), x, EPS)
    assert relative_error(dx, numeric) < TOLERANCE
    for name, array in model.named_buffers():
        np.testing.assert_array_equal(array, running[name])


# ---------------------------------------------------------------------------------------------------------------
# Demo helpers: every block's output gradient through the network's own backward
# ---------------------------------------------------------------------------------------------------------------


def test_backward_hooks_give_the_gradient_at_every_block_output():
    model = models.cifar_resnet(depth=14, widths=(2, 4, 8), dtype="float64", seed=0)
    names = [name for name, _ in model.named_blocks()]
    assert names == ["layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1"]
    gradients, outputs = {}, {}
    for name, block in model.named_blocks():
        block.register_forward_hook(lambda module, out, name=name: outputs.__setitem__(name, out))
        block.register_backward_hook(lambda module, grad, name=name: gradients.__setitem__(name, grad))
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    dlogits = np.random.default_rng(1).standard_normal((2, 10))
    model(x)
    model.backward(dlogits)
    assert list(gradients) == names[::-1]  # backward visits the blocks from the last to the first
    assert outputs["layer3.1"].shape == gradients["layer3.1"].shape == (2, 8, 2, 2)
    # the last block's output feeds only avgpool -> fc: dL/d(output) = (dlogits @ W) / (H * W) at every pixel
    expected = np.broadcast_to((dlogits @ model.fc.weight.data)[:, :, None, None] / 4, (2, 8, 2, 2))
    np.testing.assert_allclose(gradients["layer3.1"], expected, rtol=1e-12)
    # the gradient at layer3.0's output is what layer3.1's backward returns for that upstream gradient
    model(x)
    np.testing.assert_allclose(model.layer3[1].backward(np.ascontiguousarray(expected)), gradients["layer3.0"],
                               rtol=1e-12)
