"""The lecture demos: each runs in quick mode, writes non-empty PNGs and CSVs, and its robust numbers hold.

Only claims that hold for any seed at quick size are asserted (a deep plain net's gradient explodes with BN,
activation variance doubles per block without BN, ...); the degradation demo asserts its plain half on three seeds
at quick size, and both halves of the paper's Figure 6 at lecture size in a test marked slow (`pytest -m slow`).
"""

import csv
import math
import pickle
import re

import numpy as np
import pytest

from resnet_np import demos
from resnet_np import functional as F
from resnet_np.cli import main
from resnet_np.demos.common import PassThrough, orders_of_magnitude, remove_batchnorm
from resnet_np.demos.gradient_flow import measure
from resnet_np.demos.loss_landscape import filter_normalised_direction, loss_surface
from resnet_np.demos.shattered_gradients import autocorrelation, input_gradients
from resnet_np.errors import UserError
from resnet_np.models import cifar_resnet
from resnet_np.nn import BatchNorm2d

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BOTH = ("en", "ko")  # the quick runs draw every figure and write every reading in both languages


def check_files(result):
    """Every figure is a non-trivial PNG, every table a CSV with a header and at least one row; returns the tables.

    A demo run with lang=BOTH has drawn each figure in both languages (NAME.png, NAME.ko.png) and written a
    Korean reading (Hangul in it; a glyph missing from the font is an error: pyproject's filterwarnings).
    """
    assert result.figures and result.tables
    if "ko" in result.readings:
        english = sorted(path for path in result.figures if not path.endswith(".ko.png"))
        korean = sorted(path for path in result.figures if path.endswith(".ko.png"))
        assert [path[: -len(".png")] + ".ko.png" for path in english] == korean, result.figures
        assert re.search("[\uac00-\ud7a3]", result.readings["ko"]), result.readings["ko"]
    for path in result.figures:
        with open(path, "rb") as file:
            data = file.read()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, path
    tables = {}
    for path in result.tables:
        with open(path, newline="") as file:
            rows = list(csv.reader(file))
        assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows), path
        tables[path.rsplit("/", 1)[-1]] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert result.reading.strip()
    return tables


# ---- gradient-flow ------------------------------------------------------------------------------------------


def test_gradient_flow_with_batchnorm_the_deep_plain_net_explodes_and_the_resnet_does_not(tmp_path):
    result = demos.gradient_flow(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    ratio = result.numbers["ratio"]
    assert result.numbers["batchnorm"] is True
    # Plain110's gradient grows toward the input by orders of magnitude (explodes, does not vanish) ...
    assert ratio["plain110"] > 1e3
    # ... and is at least three orders of magnitude further from 1 than resnet110's.
    assert orders_of_magnitude(ratio["plain110"]) - orders_of_magnitude(ratio["resnet110"]) > 3
    assert ratio["resnet110"] < 1e2
    # One CSV row per block of each of the six models (depth 6n + 2 has 3n blocks).
    assert len(tables["block_gradients.csv"]) == 2 * sum(3 * (depth - 2) // 6 for depth in (20, 56, 110))
    assert "EXPLODES" in result.reading


def test_gradient_flow_without_batchnorm_the_resnet_explodes(tmp_path):
    result = demos.gradient_flow(quick=True, out_dir=tmp_path, verbose=False, no_bn=True, depths=(20, 56), lang=BOTH)
    check_files(result)
    ratio = result.numbers["ratio"]
    assert result.numbers["batchnorm"] is False
    assert ratio["resnet56"] > 1e2 and ratio["resnet56"] > 1e2 * ratio["plain56"]
    assert "WITHOUT BatchNorm" in result.reading
    # weight_gradients.png is explained: ResNet weight gradients stay far flatter than its block gradients.
    assert "weight_gradients.png" in result.reading
    assert orders_of_magnitude(result.numbers["conv_ratio"]["resnet56"]) < orders_of_magnitude(ratio["resnet56"]) - 1


def test_gradient_flow_measures_the_gradient_at_the_block_outputs():
    """The hooked norm at the last block equals dL/d(last block output) computed through the head by hand."""
    model = cifar_resnet(8, widths=(2, 4, 8), dtype="float64", seed=0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3, 8, 8)), rng.integers(0, 10, size=4)
    _, block_norms, conv_names, conv_norms, _ = measure(model, x, y)
    _, dlogits = F.softmax_cross_entropy(model(x), y)
    expected = model.avgpool.backward(model.fc.backward(dlogits))
    assert block_norms[-1] == pytest.approx(np.linalg.norm(expected), rel=1e-12)
    assert conv_names[0] == "conv1" and len(conv_norms) == 7  # the stem conv and 2 per block


def test_remove_batchnorm_leaves_a_working_network_without_batchnorm():
    model = cifar_resnet(8, widths=(2, 4, 8), seed=0)
    assert remove_batchnorm(model) == 1 + 2 * 3
    assert not any(isinstance(module, BatchNorm2d) for module in model.modules())
    assert any(isinstance(module, PassThrough) for module in model.modules())
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    assert model(x).shape == (2, 10)
    assert model.backward(np.ones((2, 10), np.float32)).shape == x.shape


# ---- bn-variance ------------------------------------------------------------------------------------------


def test_bn_variance_doubles_per_block_without_batchnorm_and_grows_linearly_with_it(tmp_path):
    result = demos.bn_variance(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    check_files(result)
    no_bn, bn, preact = result.numbers["no_bn"], result.numbers["bn"], result.numbers["preact_bn"]
    blocks = result.numbers["blocks"]
    # Without BN: geometric growth, close to 2x per block (log-variance is a straight line in depth).
    assert 1.7 <= no_bn["factor_per_block"] <= 2.8
    assert no_bn["log_fit_r2"] > 0.95
    for item in (bn, preact):
        curve = np.array(result.numbers["curves"]["bn" if item is bn else "preact_bn"])
        # With BN: at most linear - a straight line on a linear scale, with a bounded step ...
        assert item["linear_fit_r2"] > 0.95
        assert 0 < item["increment_per_block"] < 1.5
        assert curve[-1] < 1 + 1.5 * blocks
        # ... whose relative growth per block fades away (a geometric series would keep its factor).
        assert curve[-1] / curve[-2] < 1.15
        assert curve[-1] < no_bn["final_variance"] / 100


# ---- shattered-gradients ----------------------------------------------------------------------------------


def test_shattered_gradients_plain_turns_into_noise_residual_keeps_structure(tmp_path):
    result = demos.shattered_gradients(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    lag1 = result.numbers["lag1"]
    deepest = max(result.numbers["depths"])
    assert abs(lag1[f"plain{deepest}"]) < 0.3  # white noise
    assert lag1[f"resnet{deepest}"] > lag1[f"plain{deepest}"] + 0.3
    assert lag1["plain8"] > 0.8 and lag1["resnet8"] > 0.8  # shallow nets: smooth
    assert len(tables["path_derivative.csv"]) == 64 * 2 * len(result.numbers["depths"])


def test_input_gradients_match_finite_differences():
    model = cifar_resnet(8, widths=(2, 4, 8), dtype="float64", seed=1).eval()
    rng = np.random.default_rng(2)
    x, direction, u = rng.standard_normal((3, 3, 8, 8)), rng.standard_normal((3, 8, 8)), rng.standard_normal(10)
    gradients = input_gradients(model, x, u)
    eps = 1e-6
    numeric = (model(x + eps * direction) @ u - model(x - eps * direction) @ u) / (2 * eps)
    np.testing.assert_allclose(gradients @ direction.ravel(), numeric, rtol=1e-6)


def test_autocorrelation_tells_noise_from_a_smooth_curve():
    rng = np.random.default_rng(0)
    assert abs(autocorrelation(rng.standard_normal(2000), 1)[1]) < 0.1
    assert autocorrelation(np.sin(np.linspace(0, 3, 2000)), 1)[1] > 0.99


# ---- loss-landscape ---------------------------------------------------------------------------------------


def test_loss_landscape_writes_both_slices_around_the_trained_loss(tmp_path):
    result = demos.loss_landscape(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    for name in ("plain8", "resnet8"):
        item = result.numbers[name]
        grid = np.array(item["grid"])
        assert grid.shape == (7, 7) and np.all(np.isfinite(grid))
        assert grid[3, 3] == pytest.approx(item["centre"], rel=1e-6)  # the centre is the trained weights
        assert np.array(item["line"])[6] == pytest.approx(item["centre"], rel=1e-6)
        assert item["centre"] < grid[[0, 0, -1, -1], [0, -1, 0, -1]].min()  # a step of 1 costs loss
    assert len(tables["loss_grid.csv"]) == 2 * 49


def test_filter_normalised_directions_and_the_weights_are_restored():
    model = cifar_resnet(8, widths=(2, 4, 8), dtype="float64", seed=0)
    direction = filter_normalised_direction(model, np.random.default_rng(0))
    batchnorm = {id(p) for m in model.modules() if isinstance(m, BatchNorm2d) for p in m.parameters()}
    for name, parameter in model.named_parameters():
        if id(parameter) in batchnorm or parameter.data.ndim == 1:
            assert not np.any(direction[name]), name
            continue
        axes = tuple(range(1, parameter.data.ndim))
        np.testing.assert_allclose(np.sqrt(np.sum(direction[name] ** 2, axis=axes)),
                                   np.sqrt(np.sum(parameter.data**2, axis=axes)), rtol=1e-12)
    before = model.state_dict()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 3, 8, 8)), rng.integers(0, 10, size=4)
    losses = loss_surface(model, x, y, direction, direction, [-1.0, 0.0, 1.0], [0.5])
    assert losses.shape == (1, 3)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


# ---- bottleneck-cost --------------------------------------------------------------------------------------


def test_bottleneck_cost_counts_the_study_notes_example_exactly(tmp_path):
    result = demos.bottleneck_cost(out_dir=tmp_path, verbose=False, lang=BOTH)
    check_files(result)
    numbers = result.numbers
    assert numbers["direct_multiply_adds"] == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert numbers["reduced_multiply_adds"] == 28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16 == 12_443_648
    assert numbers["direct_parameters"] == 153_600 and numbers["reduced_parameters"] == 15_872
    # The paper's Figure 5 at 56x56: a 64-d basic block and a 256-d bottleneck cost about the same.
    assert numbers["basic64_multiply_adds"] == 2 * 56 * 56 * 64 * 64 * 9
    assert numbers["bottleneck256_multiply_adds"] == 56 * 56 * (256 * 64 + 64 * 64 * 9 + 64 * 256)
    assert "120,422,400" in result.reading and "12,443,648" in result.reading


# ---- feature-maps and degradation (they train) ------------------------------------------------------------


def test_feature_maps_trains_a_small_model_and_shows_every_stage(tmp_path):
    result = demos.feature_maps(quick=True, out_dir=tmp_path, verbose=False, lang=BOTH)
    tables = check_files(result)
    shapes = [(row["name"], row["channels"], row["height"], row["width"]) for row in result.numbers["stages"]]
    assert shapes == [("stem", 4, 8, 8), ("layer1", 4, 8, 8), ("layer2", 8, 4, 4), ("layer3", 16, 2, 2)]
    costs = list(result.numbers["conv_multiply_adds_per_stage"].values())
    assert costs == [costs[0]] * 3  # halving the map and doubling the channels keeps the cost per layer
    assert len(tables["first_conv_filters.csv"]) == 4 * 1 * 3 * 3
    # The filters before training are the run's initial weights (rebuilt from its config), shown beside the trained.
    rows = tables["first_conv_filters.csv"]
    assert all(row["weight_at_init"] != "" for row in rows)
    assert any(row["weight_at_init"] != row["weight"] for row in rows)
    assert 0 < result.numbers["first_conv_change"]["norm_ratio"] < 10


def test_feature_maps_from_a_checkpoint_and_a_file_without_its_dataset(tmp_path):
    from resnet_np import save
    from resnet_np.training import TrainConfig, fit

    config = TrainConfig(model="cifar_resnet", model_options={"depth": 8, "widths": [2, 4, 8]}, dataset="digits",
                         epochs=1, train_samples=64, test_samples=16)
    run = fit(config, out_dir=tmp_path / "run", progress=False, log=None, plot=False)
    result = demos.feature_maps(checkpoint=tmp_path / "run" / "last.npz", out_dir=tmp_path / "out",
                                verbose=False, channels_shown=2)
    check_files(result)
    assert [row["channels"] for row in result.numbers["stages"]] == [2, 2, 4, 8]
    save(run.model, tmp_path / "bare.npz")
    with pytest.raises(UserError, match="does not record the dataset"):
        demos.feature_maps(checkpoint=tmp_path / "bare.npz", out_dir=tmp_path / "out", verbose=False)


def test_degradation_quick_shows_the_plain_half_on_three_seeds(tmp_path):
    """Quick size (depths 8 and 20), seeds 0, 1, 2: the deeper plain net ends with the higher training error in
    every seed, and the ResNet of the deeper depth far below the plain one. (Measured over seeds 0-4: plain20
    16.8-20.1 points above plain8, resnet20 25-46 points below plain20.)"""
    result = demos.degradation(quick=True, out_dir=tmp_path, verbose=False, seeds=3, lang=BOTH)
    tables = check_files(result)
    numbers = result.numbers
    assert numbers["seeds"] == [0, 1, 2]
    curves = numbers["curves"]
    assert set(curves) == {"plain8", "plain20", "resnet8", "resnet20"}
    for per_seed in curves.values():
        assert len(per_seed) == 3
        for records in per_seed:
            assert [record["epoch"] for record in records] == [1, 2, 3]
            assert all(math.isfinite(record[key]) and 0 <= record[key] <= 1 for record in records
                       for key in ("train_error", "test_error"))
    assert len(tables["history.csv"]) == 4 * 3 * 3 and len(tables["final.csv"]) == 4 * 3
    final = numbers["final"]
    assert final["plain20"]["train_error"] == pytest.approx(np.mean(final["plain20"]["train_error_per_seed"]))
    plain, deep = numbers["comparisons"]["plain"], numbers["comparisons"]["deep"]
    assert plain["train_order"] == "above" and min(plain["train_per_seed"]) > 5
    assert deep["train_order"] == "below" and max(deep["train_per_seed"]) < -10
    assert "DEGRADATION SHOWED in every seed" in result.reading


def _lecture_claims(numbers):
    """The paper's Figure 6, both halves, in every seed (differences in percentage points of training error)."""
    final, comparisons = numbers["final"], numbers["comparisons"]
    plain, resnet, deep = comparisons["plain"], comparisons["resnet"], comparisons["deep"]
    assert not any(message for messages in numbers["diverged"].values() for message in messages)
    # the deeper plain net ends clearly worse than the shallower one, in every seed
    assert plain["train_order"] == "above" and min(plain["train_per_seed"]) > 10
    # the deeper ResNet ends at least as good as the shallower one (within a point, every seed) ...
    assert max(resnet["train_per_seed"]) <= 1.0
    # ... and far better than the deeper plain net
    assert deep["train_order"] == "below" and max(deep["train_per_seed"]) < -20
    assert final["resnet56"]["train_error_max"] < final["plain20"]["train_error_min"] + 0.01


@pytest.mark.slow
def test_degradation_lecture_size_shows_both_halves_of_figure_6(tmp_path, request):
    """The lecture size (the default), 3 seeds: run with `pytest -m slow` (minutes; pyproject's addopts leave it out
    of the default run)."""
    result = demos.degradation(out_dir=tmp_path, verbose=False)
    check_files(result)
    assert result.numbers["depths"] == [20, 56] and result.numbers["seeds"] == [0, 1, 2]
    _lecture_claims(result.numbers)
    assert "DEGRADATION SHOWED in every seed" in result.reading and "ResNet trained WORSE" not in result.reading


def _fake_final(values):
    """A `final` record for the reading from {label: [train error per seed]} (test errors = train errors)."""
    from resnet_np.demos.degradation import KEYS

    final = {}
    for label, per_seed in values.items():
        final[label] = {}
        for key in KEYS:
            final[label][f"{key}_per_seed"] = list(per_seed)
            final[label][key] = float(np.mean(per_seed))
            final[label][f"{key}_min"], final[label][f"{key}_max"] = min(per_seed), max(per_seed)
    return final


def test_degradation_reading_calls_no_difference_within_the_seed_spread_a_win():
    from resnet_np.demos.degradation import findings, ordering
    from resnet_np.demos.render import render

    assert ordering([0.1, 0.2], [0.3, 0.4]) == "below" and ordering([0.3, 0.4], [0.1, 0.2]) == "above"
    assert ordering([0.1, 0.3], [0.2, 0.4]) == "overlap"

    def reading(values):
        numbers = {"depths": [20, 56], "seeds": [0, 1, 2], "final": _fake_final(values), "train_images": 2000,
                   "cifar": False, "settings": {"widths": [8, 16, 32], "epochs": 12, "batch_size": 64, "lr": 0.1,
                                                "warmup_epochs": 1, "difficulty": 0.5, "image_size": 8}}
        return render(findings(numbers), "en")

    # resnet56 lower on average (by 0.5 points) but the ranges overlap: no win
    text = reading({"plain20": [0.02, 0.03, 0.04], "plain56": [0.6, 0.7, 0.8], "resnet20": [0.01, 0.02, 0.03],
                    "resnet56": [0.0, 0.015, 0.03]})
    assert "DEGRADATION SHOWED in every seed" in text
    assert "as well as the shallower one" in text and "neither wins" in text and "BETTER" not in text
    assert "no winner" in text
    # every seed of resnet56 below every seed of resnet20: a win
    text = reading({"plain20": [0.02, 0.03, 0.04], "plain56": [0.6, 0.7, 0.8], "resnet20": [0.10, 0.11, 0.12],
                    "resnet56": [0.01, 0.02, 0.03]})
    assert "trained BETTER in every seed" in text
    # plain ranges overlap: degradation not claimed
    text = reading({"plain20": [0.02, 0.3, 0.04], "plain56": [0.2, 0.1, 0.25], "resnet20": [0.01, 0.02, 0.03],
                    "resnet56": [0.02, 0.03, 0.04]})
    assert "did NOT show clearly" in text and "DEGRADATION SHOWED" not in text


def test_degradation_on_a_cifar10_folder(tmp_path):
    """With data_dir the four nets train on CIFAR-10 (here a fake folder of 5 x 12 training images)."""
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, size=(12, 3072), dtype=np.uint8),
                 b"labels": [int(v) for v in rng.integers(0, 10, size=12)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=4))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"c%d" % k for k in range(10)]},
                                                       protocol=4))
    result = demos.degradation(quick=True, out_dir=tmp_path / "out", verbose=False, data_dir=tmp_path, epochs=1,
                               depths=(8, 14), seeds=1, train_samples=60, test_samples=12)
    check_files(result)
    assert "CIFAR-10 (60 training images)" in result.reading
    assert set(result.numbers["final"]) == {"plain8", "plain14", "resnet8", "resnet14"}


# ---- registry and command line ----------------------------------------------------------------------------


def test_demo_list_describes_every_demo(capsys):
    assert main(["demo", "--list"]) == 0
    out = capsys.readouterr().out
    assert list(demos.DEMOS) == ["gradient-flow", "training-dynamics", "degradation", "layer-responses", "lesion",
                                 "bn-variance", "shattered-gradients", "loss-landscape", "bottleneck-cost",
                                 "feature-maps"]
    for name in demos.DEMOS:
        assert f"\n  {name} " in out


def test_unknown_demo_or_option_is_one_line_naming_the_valid_ones(capsys):
    assert main(["demo", "gradient-flows"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "gradient-flow," in err
    assert main(["demo", "bottleneck-cost", "--no-bn"]) == 2
    assert "does not take no_bn" in capsys.readouterr().err
    with pytest.raises(UserError, match="unknown demo"):
        demos.run_demo("nope")


def test_demo_command_runs_a_demo_into_the_given_folder(tmp_path, capsys):
    assert main(["demo", "bottleneck-cost", "--quick", "--out", str(tmp_path)]) == 0
    assert "12,443,648" in capsys.readouterr().out
    assert (tmp_path / "bottleneck_cost.png").stat().st_size > 10_000
    assert (tmp_path / "cost.csv").stat().st_size > 0
    result = demos.run_demo("bn_variance", quick=True, out_dir=tmp_path / "bn", verbose=False, blocks=4, threads=1)
    assert len(result.numbers["curves"]["bn"]) == 5


def test_demo_command_set_overrides_a_size_and_refuses_an_unknown_one(tmp_path, capsys):
    assert main(["demo", "bn-variance", "--quick", "--set", "blocks=3", "--set", "networks=2",
                 "--out", str(tmp_path)]) == 0
    with open(tmp_path / "variance_per_block.csv") as file:
        assert len(file.read().strip().splitlines()) == 1 + 3 * (3 + 1)  # header + 3 variants x (input + 3 blocks)
    capsys.readouterr()
    assert main(["demo", "bn-variance", "--quick", "--set", "depth=3", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "does not take depth" in err and "blocks" in err
