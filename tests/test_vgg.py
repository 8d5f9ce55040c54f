"""VGG (resnet_np/models/vgg.py): the sizes of the paper's networks, and a gradient-checked backward."""

import numpy as np
import pytest

import resnet_np as rn
from resnet_np.gradcheck import numerical_gradient, relative_error
from resnet_np.models.vgg import CONFIGURATIONS, Flatten


def tiny_vgg(depth=11, **options):
    return rn.models.vgg(depth, widths=(2, 2, 2, 3, 3), num_classes=3, in_channels=1, input_size=32,
                         classifier_width=4, dtype="float64", seed=0, **options)


CLASSIFIER_PARAMETERS = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000  # the same at every depth


def test_vgg19_has_torchvisions_parameter_count_and_the_papers_flops():
    model = rn.models.vgg19(seed=0)
    info = rn.summary(model, (3, 224, 224), verbose=False)
    assert info.total_parameters == 143_667_240  # torchvision.models.vgg19
    assert model.classifier.num_parameters() == CLASSIFIER_PARAMETERS
    assert round(info.total_multiply_adds / 1e9, 1) == 19.6  # ResNet paper, Figure 3 caption ("19.6 billion FLOPs")
    assert info.output_shape == (1, 1000)


@pytest.mark.parametrize("depth, expected", [(11, 132_863_336), (13, 133_047_848), (16, 138_357_544)])
def test_other_depths_have_torchvisions_parameter_counts(depth, expected):
    # Only the features are built (a GAP head is tiny): the 124M-weight classifier is the same at every depth.
    features = rn.models.vgg(depth, head="gap").features.num_parameters()
    assert features + CLASSIFIER_PARAMETERS == expected


def test_depth_counts_the_weighted_layers():
    for depth, convs in CONFIGURATIONS.items():
        model = tiny_vgg(depth)
        weighted = [m for m in model.modules() if isinstance(m, (rn.nn.Conv2d, rn.nn.Linear))]
        assert sum(convs) + 3 == depth == len(weighted)


def test_gap_head_replaces_the_three_fc_layers():
    flatten_head, gap_head = tiny_vgg(head="flatten"), tiny_vgg(head="gap")
    assert flatten_head.features.num_parameters() == gap_head.features.num_parameters()
    assert gap_head.classifier.num_parameters() == 3 * 3 + 3
    assert flatten_head.classifier.num_parameters() == (3 * 1 * 1 * 4 + 4) + (4 * 4 + 4) + (4 * 3 + 3)


@pytest.mark.parametrize("options", [{}, {"head": "gap", "batch_norm": True}], ids=["flatten", "gap-bn"])
def test_backward_matches_finite_differences(options):
    """Every parameter entry by central differences; dL/dx along random directions (a 32x32 input has too many
    entries to perturb one by one in a quick test: <dL/dx, v> = (L(x + eps v) - L(x - eps v)) / 2 eps)."""
    model = tiny_vgg(**options)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 1, 32, 32))
    upstream = rng.standard_normal((2, 3))
    model.zero_grad()
    model(x)
    dx = model.backward(upstream.copy())
    analytic = {name: parameter.grad.copy() for name, parameter in model.named_parameters()}

    def loss(_=None, inputs=x):
        return float(np.sum(model(inputs) * upstream))

    for name, parameter in model.named_parameters():
        numeric = numerical_gradient(loss, parameter.data)
        if options.get("batch_norm") and name.startswith("features") and name.endswith("bias") \
                and parameter.data.ndim == 1 and name.split(".")[1] in conv_indices(model):
            # A conv bias before BatchNorm is removed by the mean subtraction: its gradient is exactly 0.
            assert np.abs(analytic[name]).max() < 1e-10 and np.abs(numeric).max() < 1e-6
            continue
        assert relative_error(analytic[name], numeric) < 1e-6, name
    eps = 1e-6
    for _ in range(4):
        v = rng.standard_normal(x.shape)
        directional = (loss(inputs=x + eps * v) - loss(inputs=x - eps * v)) / (2 * eps)
        assert abs(np.sum(dx * v) - directional) < 1e-6 * max(1.0, abs(directional))


def conv_indices(model):
    return {name for name, layer in model.features.named_children() if isinstance(layer, rn.nn.Conv2d)}


def test_flatten_is_a_reshape_both_ways():
    flatten = Flatten()
    x = np.arange(2 * 3 * 2 * 2, dtype=np.float64).reshape(2, 3, 2, 2)
    out = flatten(x)
    assert out.shape == (2, 12) and np.array_equal(out[1], x[1].ravel())
    assert np.array_equal(flatten.backward(out), x)
    assert flatten.infer_shape((5, 3, 2, 2)) == (5, 12)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="depth"):
        rn.models.vgg(12)
    with pytest.raises(ValueError, match="multiple of 32"):
        rn.models.vgg(11, input_size=40)
    with pytest.raises(ValueError, match="head"):
        rn.models.vgg(11, widths=(2, 2, 2, 2, 2), input_size=32, head="mlp")
