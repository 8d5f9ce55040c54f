"""The lesion, layer-responses and training-dynamics demos: quick mode writes its files and its robust claims hold.

Only claims that held for every seed tried (0, 1, 2) at quick size are asserted; see each test.
"""

import numpy as np
import pytest
from test_demos import BOTH, check_files

from resnet_np import demos
from resnet_np.demos.layer_responses import block_responses
from resnet_np.demos.lesion import digits_config, forward_with_lesion, skip_block
from resnet_np.demos.training_dynamics import PRESETS, train_and_record
from resnet_np.models import cifar_resnet

# ---- lesion -----------------------------------------------------------------------------------------------


def test_lesion_a_resnet_survives_losing_a_block_a_plain_net_does_not(tmp_path):
    result = demos.lesion(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    depth = result.numbers["depth"]
    plain, resnet = result.numbers[f"plain{depth}"], result.numbers[f"resnet{depth}"]
    # Seeds 0-2 at quick size: median increase ResNet 12-31 points, plain 42-54 points (plain near chance: 87-92%).
    assert resnet["median_increase"] < plain["median_increase"] - 0.1
    assert plain["median_error"] > 0.7
    assert set(plain["downsampling"]) == set(resnet["downsampling"]) == {"layer2.0", "layer3.0"}
    blocks = 3 * (depth - 2) // 6
    assert len(tables["lesion.csv"]) == 2 * blocks and len(resnet["increases"]) == blocks - 2
    assert "Veit" in result.reading


def test_deleting_a_block_keeps_only_its_shortcut():
    """ResNet: relu(shortcut(x)) (identity, or option A's subsample + zero channels); plain: x or option A's map."""
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal((2, 4, 8, 8)), 0)  # a block's input follows a ReLU
    for residual in (True, False):
        model = cifar_resnet(14, widths=(4, 8, 16), residual=residual, dtype="float64", seed=0)
        blocks = dict(model.named_blocks())
        np.testing.assert_array_equal(skip_block(blocks["layer1.1"], x), x)
        down = skip_block(blocks["layer2.0"], x)
        assert down.shape == (2, 8, 4, 4)
        np.testing.assert_array_equal(down[:, :4], x[:, :, ::2, ::2])
        assert not np.any(down[:, 4:])
    images = rng.standard_normal((3, 3, 8, 8))
    model = cifar_resnet(14, widths=(4, 8, 16), dtype="float64", seed=0).eval()
    np.testing.assert_allclose(forward_with_lesion(model, images), model(images), rtol=1e-12)
    with pytest.raises(ValueError, match="no block named"):
        forward_with_lesion(model, images, "layer9.9")


# ---- layer-responses ----------------------------------------------------------------------------------------


def test_layer_responses_start_at_one_and_do_not_vanish(tmp_path):
    result = demos.layer_responses(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    depth = result.numbers["depth"]
    blocks = result.numbers["blocks"]
    for name in (f"plain{depth}", f"resnet{depth}"):
        run = result.numbers[name]
        # At initialisation BatchNorm (gamma = 1) gives every response a std of about 1 ...
        assert all(0.8 < value < 1.2 for value in run["init"].values())
        # ... and after training none has gone to zero (seeds 0-2: the smallest is above 0.94).
        assert run["min"] > 0.5 and set(run["trained"]) == set(blocks)
    # Two BatchNorm layers per block, one CSV row each, per net.
    assert len(tables["layer_responses.csv"]) == 2 * 2 * len(blocks)
    assert "F(x) -> 0" in result.reading


def test_block_responses_measure_the_batchnorm_output_before_the_addition():
    rng = np.random.default_rng(1)
    model = cifar_resnet(8, widths=(2, 4, 8), dtype="float64", seed=0)
    for _, parameter in model.named_parameters():
        if parameter.data.ndim == 1:
            parameter.data[...] = rng.uniform(0.5, 2.0, parameter.data.shape)
    x = rng.standard_normal((4, 3, 8, 8))
    stds, inputs = block_responses(model, x)
    block = model.layer1[0]
    model.eval()
    stem = model.relu(model.bn1(model.conv1(x)))
    residual = block.bn2(block.conv2(block.relu1(block.bn1(block.conv1(stem)))))
    assert stds["layer1.0"][-1] == pytest.approx(np.std(residual), rel=1e-12)
    assert inputs["layer1.0"] == pytest.approx(np.std(stem), rel=1e-12)
    assert list(stds) == [name for name, _ in model.named_blocks()] and all(len(v) == 2 for v in stds.values())


# ---- training-dynamics --------------------------------------------------------------------------------------


def test_training_dynamics_the_deep_plain_net_overdrives_then_freezes_its_first_layers(tmp_path):
    result = demos.training_dynamics(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    depth = result.numbers["depth"]
    plain, resnet = result.numbers[f"plain{depth}"], result.numbers[f"resnet{depth}"]
    # Seeds 0-2 at quick size (depth 56): first conv's update:data ratio at step 1 plain ~100, ResNet 0.7-1.0;
    assert plain["step1_ratio_first_conv"] > 10 * resnet["step1_ratio_first_conv"]
    # its weights grow x700-840 (ResNet x5-7); later the plain net's ratios span 4e3-7e4 across layers (ResNet 2-6).
    assert plain["weight_growth_first_conv"] > 10 * resnet["weight_growth_first_conv"]
    assert plain["late_ratio_spread"] > 10 * resnet["late_ratio_spread"]
    assert plain["step1_gradient_first_over_last"] > 10 * resnet["step1_gradient_first_over_last"]
    steps = result.numbers["settings"]["steps"]
    assert len(tables["losses.csv"]) == 2 * steps
    convs = 1 + 2 * 3 * (depth - 2) // 6
    blocks = 3 * (depth - 2) // 6
    assert len(tables["layer_statistics.csv"]) == 2 * steps * (convs + blocks)  # record_every 1 in quick mode
    assert "update:data ratio" in result.reading


def test_training_dynamics_records_karpathys_ratio():
    """The recorded ratio is ||lr * grad|| / ||W|| of the weights before the step; with plain SGD (no momentum,
    no weight decay) the step taken is exactly lr * grad, so it equals the recorded actual step."""
    chosen = {**PRESETS["quick"], "depth": 8, "steps": 2, "momentum": 0.0, "weight_decay": 0.0, "train_samples": 64,
              "batch_size": 16}
    config, dataset, _ = digits_config({**chosen, "epochs": 1, "test_samples": 1, "warmup_epochs": 0}, 0)
    trainer = train_and_record(config, dataset, chosen, residual=True)
    assert [record["step"] for record in trainer.records] == [1, 2] and len(trainer.losses) == 2
    for record in trainer.records:
        for name, ratio in record["update_ratio"].items():
            assert ratio == pytest.approx(record["step_ratio"][name], rel=1e-3)
        assert set(record["gradient"]) == set(record["activation"]) == {"layer1.0", "layer2.0", "layer3.0"}
    assert not any(block._forward_hooks or block._backward_hooks for _, block in trainer.model.named_blocks())


# ---- registry ---------------------------------------------------------------------------------------------


def test_the_new_demos_are_listed_in_lecture_order():
    names = list(demos.DEMOS)
    assert names.index("gradient-flow") < names.index("training-dynamics") < names.index("degradation")
    assert names.index("degradation") < names.index("layer-responses") < names.index("lesion")
