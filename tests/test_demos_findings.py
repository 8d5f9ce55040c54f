"""The demos' findings (resnet_np/demos/findings.py) and their words (resnet_np/demos/render.py).

Table-driven: every demo's findings() runs on constructed numbers, one case per (key, verdict) and a pair of cases
around each threshold, so each conclusion is tested in both directions (its sentence appears when its condition
holds, and not when it fails). Then: every language has a template for every (key, verdict), with the same
placeholders, the cases together produce every (key, verdict) a template exists for, and every one renders.
No demo runs here: these are pure functions of numbers.
"""

import importlib
import math
import re

import pytest

from resnet_np.demos.findings import VERDICTS, Finding, compare_over_seeds
from resnet_np.demos.render import all_templates, placeholders, render
from resnet_np.language import LANGUAGES

# Each demo's module (the package attribute of the same name is the demo function, so import the module itself).
GF, TD, DEG, LR, LE, BV, SG, LL, BC, FM = (
    importlib.import_module(f"resnet_np.demos.{name}")
    for name in ("gradient_flow", "training_dynamics", "degradation", "layer_responses", "lesion", "bn_variance",
                 "shattered_gradients", "loss_landscape", "bottleneck_cost", "feature_maps"))
UNFILLED = re.compile(r"\{[a-z_]+(:[^}]*)?\}")


# ---- constructed numbers, one builder per demo (the keys each demo's DemoResult.numbers has) ------------------


def gf(batchnorm=True, plain=1.5e7, residual=28.0, conv_plain=7e6, conv_residual=29.6, plain_level=1.0,
       residual_level=1.0):
    ratio = {"plain20": 15.8, "resnet20": 4.7, "plain56": 4.7e3, "resnet56": 16.4, "plain110": plain,
             "resnet110": residual}
    conv_ratio = {"plain20": 10.0, "resnet20": 3.0, "plain56": 1e3, "resnet56": 9.0, "plain110": conv_plain,
                  "resnet110": conv_residual}
    levels = {label: [1.0, 1.0, 1.0] for label in ratio}
    levels.update(plain110=[plain_level] * 3, resnet110=[residual_level] * 3)
    return {"batchnorm": batchnorm, "depths": [20, 56, 110], "ratio": ratio, "conv_ratio": conv_ratio,
            "block_norms": {}, "conv_grad_norms": levels}


def td(plain=None, resnet=None):
    def summary(**changes):
        base = {"step1_gradient_first_over_last": 4e3, "late_gradient_first_over_last": 3.0,
                "step1_ratio_first_conv": 1.0, "step1_ratio_last_conv": 5e-3, "step1_ratio_max": 1.0,
                "late_ratio_first_conv": 2e-7, "late_ratio_last_conv": 4e-3, "late_ratio_min": 2e-7,
                "late_ratio_spread": 1.8e4, "weight_growth_first_conv": 689.0, "weight_growth_max": 689.0,
                "median_ratio": 1e-3, "share_above_1e-2": 0.2, "share_below_1e-5": 0.1, "first_loss": 2.3,
                "last_loss": 2.0}
        return {**base, **changes}

    resnet_default = {"step1_ratio_first_conv": 0.05, "late_ratio_first_conv": 2e-3, "late_ratio_spread": 6.0,
                      "weight_growth_first_conv": 7.0, "last_loss": 0.5, "step1_gradient_first_over_last": 24.0}
    return {"depth": 56, "seed": 0,
            "settings": {"steps": 300, "lr": 0.1, "momentum": 0.9, "batch_size": 64, "record_every": 5,
                         "window": 20},
            "plain56": summary(**(plain or {})), "resnet56": summary(**{**resnet_default, **(resnet or {})})}


def deg(plain20, plain56, resnet20, resnet56, cifar=False):
    """Training (= test) errors per seed, as fractions; None = that seed's run diverged."""
    def entry(values):
        done = [value for value in values if value is not None]
        record = {}
        for key in ("train_error", "test_error"):
            record[f"{key}_per_seed"] = list(values)
            record[key] = sum(done) / len(done) if done else None
            record[f"{key}_min"], record[f"{key}_max"] = (min(done), max(done)) if done else (None, None)
        return record

    final = {"plain20": entry(plain20), "plain56": entry(plain56), "resnet20": entry(resnet20),
             "resnet56": entry(resnet56)}
    return {"depths": [20, 56], "seeds": list(range(len(plain20))), "final": final, "train_images": 2000,
            "cifar": cifar, "settings": {"widths": [8, 16, 32], "epochs": 12, "batch_size": 64, "lr": 0.1,
                                         "warmup_epochs": 1, "difficulty": 0.5, "image_size": 8}}


GOOD = dict(plain20=[0.02, 0.03, 0.04], plain56=[0.6, 0.7, 0.8], resnet20=[0.01, 0.02, 0.03],
            resnet56=[0.0, 0.015, 0.03])  # the lecture run's pattern
BLOCKS = ["layer1.0", "layer1.1", "layer2.0", "layer2.1"]


def lr(plain=(1.1, 1.1, 1.1, 1.1), resnet=(0.8, 0.8, 0.8, 0.8), init=(1.0, 1.0, 1.0, 1.0), relative=0.9):
    def run(trained):
        values = sorted(trained)
        median = (values[1] + values[2]) / 2
        return {"init": dict(zip(BLOCKS, init, strict=True)), "trained": dict(zip(BLOCKS, trained, strict=True)),
                "test_error": 0.1, "diverged": None, "median": median, "min": values[0], "max": values[-1],
                "init_median": (sorted(init)[1] + sorted(init)[2]) / 2, "relative_median": relative,
                "relative_init_median": 0.95}

    return {"depth": 20, "blocks": BLOCKS, "seed": 0, "train_images": 1437,
            "settings": {"image_size": 8, "widths": [8, 16, 32], "epochs": 15},
            "plain20": run(list(plain)), "resnet20": run(list(resnet))}


def le(plain=(0.85, 0.9, 0.88, 0.86), resnet=(0.2, 0.15, 0.12, 0.12), intact=0.1, resnet_down=(0.5, 0.4),
       plain_down=(0.9, 0.9)):
    names = ["layer1.0", "layer1.1", "layer2.1", "layer3.1"]
    down = ["layer2.0", "layer3.0"]

    def run(errors, down_errors):
        errors = dict(zip(names, errors, strict=True))
        increases = {name: value - intact for name, value in errors.items()}
        values = sorted(errors.values())
        median = (values[1] + values[2]) / 2
        downsampling = dict(zip(down, down_errors, strict=True)) if down_errors else {}
        return {"intact": intact, "errors": {**errors, **downsampling}, "increases": increases,
                "median_increase": median - intact, "median_error": median, "downsampling": downsampling,
                "final_train_error": 0.0, "diverged": None}

    return {"depth": 20, "chance_error": 0.9, "blocks": names + down, "seed": 0, "train_images": 1437,
            "settings": {"image_size": 8, "widths": [8, 16, 32], "epochs": 15},
            "plain20": run(plain, plain_down), "resnet20": run(resnet, resnet_down)}


def bv(no_bn=None, bn=None, preact=None):
    def item(**changes):
        return {"factor_per_block": 1.1, "log_fit_r2": 0.91, "increment_per_block": 0.4, "linear_fit_r2": 0.9996,
                "final_variance": 9.2, "final_over_first_block": 13.0, **changes}

    return {"blocks": 24, "networks": 10,
            "no_bn": item(**{"factor_per_block": 2.0, "log_fit_r2": 0.999, "linear_fit_r2": 0.32,
                             "final_variance": 9e6, **(no_bn or {})}),
            "bn": item(**(bn or {})), "preact_bn": item(**{"final_variance": 23.6, **(preact or {})})}


def sg(deep_plain=-0.01, deep_residual=0.7, shallow_plain=0.96, shallow_residual=0.96):
    lag1 = {"plain8": shallow_plain, "resnet8": shallow_residual, "plain20": 0.5, "resnet20": 0.8,
            "plain56": 0.0, "resnet56": 0.86, "plain110": deep_plain, "resnet110": deep_residual}
    return {"depths": [8, 20, 56, 110], "lag1": lag1, "neighbour_cosine": dict(lag1)}


def ll(plain=None, residual=None):
    def run(**changes):
        return {"centre": 0.1, "mean_at_half": 0.3, "mean_at_edge": 3.0, "direction_changes": 1,
                "local_minima": 1, **changes}

    return {"depth": 56, "chance_loss": math.log(10), "levels_top": 50.0, "seed": 0,
            "plain56": run(**(plain or {})), "resnet56": run(**(residual or {}))}


def bc(reduced=12_443_648, bottleneck=218_365_952, basic256=3_699_376_128):
    return {"direct_multiply_adds": 120_422_400, "reduced_multiply_adds": reduced, "direct_parameters": 153_600,
            "reduced_parameters": 15_872, "reduction_saving": 120_422_400 / reduced,
            "basic64_multiply_adds": 231_211_008, "bottleneck256_multiply_adds": bottleneck,
            "basic256_multiply_adds": basic256, "basic64_parameters": 73_984, "bottleneck256_parameters": 70_400,
            "basic256_parameters": 1_180_672}


def fm(picked="picked_right", predicted=2, correlation=0.8, costs=(1000, 1000, 1000), loaded=False, change=True):
    source = (("source_loaded", {"architecture": "cifar_resnet20", "checkpoint": "run/model.npz"}) if loaded else
              ("source_trained", {"depth": 20, "widths": "16/32/64", "epochs": 8, "size": 16, "error": 3.2}))
    return {"source_kind": source[0], "source_options": source[1], "picked": picked, "image_index": 2, "label": 2,
            "predicted": predicted, "label_name": "2", "predicted_name": str(predicted), "probability": 0.9,
            "first_conv_shape": [16, 1, 3, 3],
            "first_conv_change": ({"relative_change": 0.9, "norm_ratio": 1.5, "correlation": correlation}
                                  if change else None),
            "stages": [{"name": "stem", "channels": 16, "height": 16, "width": 16, "fraction_zero": 0.5}],
            "conv_multiply_adds_per_stage": dict(zip(["layer1", "layer2", "layer3"], costs, strict=True))}


EPSILON = 1e-3  # just above / below a threshold

# (module, numbers, key, expected verdict, model named in the evidence or None)
CASES = [
    # gradient-flow: "explodes" / "vanishes" is a factor 100, one order of magnitude for "grows" / "within"
    (GF, gf(plain=100.0), "gradient_flow.explodes", "shown", "plain110"),
    (GF, gf(plain=99.9), "gradient_flow.explodes", "not_shown", "plain110"),
    (GF, gf(batchnorm=False, plain=0.01), "gradient_flow.vanishes", "shown", "plain110"),
    (GF, gf(batchnorm=False, plain=0.0101), "gradient_flow.vanishes", "not_shown", "plain110"),
    (GF, gf(), "gradient_flow.plain_further_from_one", "single_run", None),
    (GF, gf(plain=1000.0, residual=100.0), "gradient_flow.plain_further_from_one", "single_run", None),
    (GF, gf(plain=999.0, residual=100.0), "gradient_flow.plain_further_from_one", "not_shown", None),
    (GF, gf(plain=2.0, residual=1e4), "gradient_flow.plain_further_from_one", "reversed", None),
    (GF, gf(residual=10.0), "gradient_flow.residual_within_one_order", "shown", None),
    (GF, gf(residual=0.1), "gradient_flow.residual_within_one_order", "shown", None),
    (GF, gf(residual=10.01), "gradient_flow.residual_within_one_order", "not_shown", None),
    (GF, gf(residual=0.099), "gradient_flow.residual_within_one_order", "not_shown", None),
    (GF, gf(plain=10.01), "gradient_flow.bn_plain_grows", "shown", None),
    (GF, gf(plain=10.0), "gradient_flow.bn_plain_grows", "not_shown", None),
    (GF, gf(batchnorm=False, plain=0.01), "gradient_flow.no_bn_plain_vanishes", "shown", None),
    (GF, gf(batchnorm=False, plain=0.011), "gradient_flow.no_bn_plain_vanishes", "not_shown", None),
    (GF, gf(batchnorm=False, plain=1e-3, residual=100.0), "gradient_flow.no_bn_residual_explodes", "shown", None),
    (GF, gf(batchnorm=False, plain=1e-3, residual=99.0), "gradient_flow.no_bn_residual_explodes", "not_shown",
     None),
    (GF, gf(conv_plain=10.5), "gradient_flow.bn_plain_weights_grow", "shown", None),
    (GF, gf(conv_plain=10.0), "gradient_flow.bn_plain_weights_grow", "not_shown", None),
    (GF, gf(conv_residual=10.0), "gradient_flow.bn_residual_weights_within_one_order", "shown", None),
    (GF, gf(conv_residual=32.8), "gradient_flow.bn_residual_weights_within_one_order", "not_shown", None),
    # without BN: block gradients up to 7 orders of magnitude (residual 1e7), so "flatter" needs < 6
    (GF, gf(batchnorm=False, plain=1e-3, residual=1e7, conv_plain=7.5, conv_residual=10**5.99),
     "gradient_flow.no_bn_weights_flatter", "shown", None),
    (GF, gf(batchnorm=False, plain=1e-3, residual=1e7, conv_plain=7.5, conv_residual=1e6),
     "gradient_flow.no_bn_weights_flatter", "not_shown", None),
    (GF, gf(batchnorm=False, plain=1e-3, residual=1e7, plain_level=1e-6, residual_level=1e-4),
     "gradient_flow.no_bn_update_levels", "shown", None),
    (GF, gf(batchnorm=False, plain=1e-3, residual=1e7, plain_level=1e-6, residual_level=0.99e-4),
     "gradient_flow.no_bn_update_levels", "not_shown", None),
    # training-dynamics: one run; differences of a factor 10
    (TD, td(), "training_dynamics.step1_plain_overdrives", "single_run", None),
    (TD, td(plain={"step1_ratio_first_conv": 1.01}, resnet={"step1_ratio_first_conv": 0.1}),
     "training_dynamics.step1_plain_overdrives", "single_run", None),
    (TD, td(plain={"step1_ratio_first_conv": 1.0}, resnet={"step1_ratio_first_conv": 0.1}),
     "training_dynamics.step1_plain_overdrives", "not_shown", None),
    (TD, td(), "training_dynamics.late_spread", "single_run", None),
    (TD, td(plain={"late_ratio_spread": 100.1}, resnet={"late_ratio_spread": 10.0}),
     "training_dynamics.late_spread", "single_run", None),
    (TD, td(plain={"late_ratio_spread": 100.0}, resnet={"late_ratio_spread": 10.0}),
     "training_dynamics.late_spread", "not_shown", None),
    (TD, td(plain={"late_ratio_spread": 10.0}, resnet={"late_ratio_spread": 1000.0}),
     "training_dynamics.late_spread", "reversed", None),
    (TD, td(), "training_dynamics.plain_first_layers_frozen", "single_run", None),
    (TD, td(plain={"late_ratio_first_conv": 0.0999, "late_ratio_last_conv": 1.0, "weight_growth_first_conv": 2.0}),
     "training_dynamics.plain_first_layers_frozen", "single_run", None),
    (TD, td(plain={"late_ratio_first_conv": 0.1, "late_ratio_last_conv": 1.0}),
     "training_dynamics.plain_first_layers_frozen", "not_shown", None),
    (TD, td(plain={"weight_growth_first_conv": 1.99}), "training_dynamics.plain_first_layers_frozen", "not_shown",
     None),
    (TD, td(plain={"median_ratio": 3e-3}), "training_dynamics.median_in_band", "shown", "plain56"),
    (TD, td(plain={"median_ratio": 3.01e-3}), "training_dynamics.median_in_band", "not_shown", "plain56"),
    (TD, td(plain={"median_ratio": 3e-4}), "training_dynamics.median_in_band", "shown", "plain56"),
    (TD, td(plain={"median_ratio": 2.99e-4}), "training_dynamics.median_in_band", "not_shown", "plain56"),
    (TD, td(), "training_dynamics.resnet_lower_loss", "single_run", None),
    (TD, td(resnet={"last_loss": 2.0}), "training_dynamics.resnet_lower_loss", "not_shown", None),
    # degradation: over seeds, a difference only when the ranges separate it (and by more than a point)
    (DEG, deg(**GOOD), "degradation.plain_degrades", "shown", None),
    (DEG, deg(**{**GOOD, "plain20": [0.10, 0.10, 0.10], "plain56": [0.111, 0.112, 0.110]}),
     "degradation.plain_degrades", "shown", None),
    (DEG, deg(**{**GOOD, "plain20": [0.10, 0.10, 0.10], "plain56": [0.109, 0.110, 0.111 - EPSILON]}),
     "degradation.plain_degrades", "within_noise", None),
    (DEG, deg(**{**GOOD, "plain56": [0.02, 0.5, 0.03]}), "degradation.plain_degrades", "within_noise", None),
    (DEG, deg(**{**GOOD, "plain56": [0.0, 0.0, 0.0], "plain20": [0.2, 0.3, 0.4]}), "degradation.plain_degrades",
     "reversed", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.01], resnet56=[0.0]), "degradation.plain_degrades",
     "single_run", None),
    (DEG, deg(plain20=[0.02], plain56=[0.025], resnet20=[0.01], resnet56=[0.0]), "degradation.plain_degrades",
     "not_shown", None),
    (DEG, deg(**{**GOOD, "plain56": [None, None, None]}), "degradation.plain_degrades_diverged", "measured", None),
    (DEG, deg(**{**GOOD, "resnet20": [0.1, 0.11, 0.12]}), "degradation.resnet_deeper_better", "shown", None),
    (DEG, deg(**GOOD), "degradation.resnet_deeper_better", "within_noise", None),
    (DEG, deg(**{**GOOD, "resnet56": [0.1, 0.11, 0.12]}), "degradation.resnet_deeper_better", "reversed", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.01]), "degradation.resnet_deeper_better",
     "single_run", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.02]), "degradation.resnet_deeper_better",
     "not_shown", None),
    (DEG, deg(**{**GOOD, "resnet56": [None, None, None]}), "degradation.resnet_deeper_better_diverged", "measured",
     None),
    (DEG, deg(**GOOD), "degradation.resnet_as_well", "shown", None),
    (DEG, deg(**{**GOOD, "resnet20": [0.01, 0.02, 0.03], "resnet56": [0.02, 0.035, 0.045]}),
     "degradation.resnet_as_well", "not_shown", None),  # +1.5 points on average, the ranges overlapping
    (DEG, deg(**{**GOOD, "resnet20": [0.01, 0.01, 0.01], "resnet56": [0.015, 0.015, 0.015]}),
     "degradation.resnet_as_well", "not_shown", None),  # +0.5 points, but worse in every seed
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.03]), "degradation.resnet_as_well",
     "single_run", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.03 + EPSILON]),
     "degradation.resnet_as_well", "not_shown", None),
    (DEG, deg(**{**GOOD, "resnet20": [0.1, 0.11, 0.12]}), "degradation.resnet_test", "shown", None),
    (DEG, deg(**{**GOOD, "resnet56": [0.1, 0.11, 0.12]}), "degradation.resnet_test", "reversed", None),
    (DEG, deg(**GOOD), "degradation.resnet_test", "within_noise", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.01]), "degradation.resnet_test",
     "single_run", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.02]), "degradation.resnet_test",
     "not_shown", None),
    (DEG, deg(**GOOD), "degradation.shortcuts_at_depth", "shown", None),
    (DEG, deg(**{**GOOD, "resnet56": [0.5, 0.9, 0.95]}), "degradation.shortcuts_at_depth", "within_noise", None),
    (DEG, deg(**{**GOOD, "resnet56": [0.9, 0.9, 0.9]}), "degradation.shortcuts_at_depth", "reversed", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.01]), "degradation.shortcuts_at_depth",
     "single_run", None),
    (DEG, deg(plain20=[0.02], plain56=[0.6], resnet20=[0.02], resnet56=[0.7]), "degradation.shortcuts_at_depth",
     "not_shown", None),
    (DEG, deg(**{**GOOD, "plain56": [None, None, None]}), "degradation.shortcuts_at_depth_diverged", "measured",
     None),
    (DEG, deg(**GOOD), "degradation.setup_synthetic", "measured", None),
    (DEG, deg(**GOOD, cifar=True), "degradation.setup_cifar", "measured", None),
    (DEG, deg(**GOOD), "degradation.row", "measured", "plain20"),
    (DEG, deg(**{**GOOD, "plain56": [0.6, None, 0.8]}), "degradation.row_some_diverged", "measured", "plain56"),
    (DEG, deg(**{**GOOD, "plain56": [None, None, None]}), "degradation.row_diverged", "measured", "plain56"),
    # layer-responses: one run; "about 1" is 0.8..1.25, "smaller" 10%, "near zero" 0.1
    (LR, lr(), "layer_responses.init_about_one", "shown", None),
    (LR, lr(init=(0.8, 1.0, 1.0, 1.25)), "layer_responses.init_about_one", "shown", None),
    (LR, lr(init=(0.79, 1.0, 1.0, 1.0)), "layer_responses.init_about_one", "not_shown", None),
    (LR, lr(init=(1.0, 1.0, 1.0, 1.26)), "layer_responses.init_about_one", "not_shown", None),
    (LR, lr(plain=(1.0,) * 4, resnet=(0.89,) * 4), "layer_responses.resnet_smaller", "single_run", None),
    (LR, lr(plain=(1.0,) * 4, resnet=(0.9,) * 4), "layer_responses.resnet_smaller", "not_shown", None),
    (LR, lr(plain=(1.0,) * 4, resnet=(0.5, 0.5, 1.2, 1.2)), "layer_responses.resnet_smaller", "not_shown", None),
    (LR, lr(plain=(0.5,) * 4, resnet=(1.0,) * 4), "layer_responses.resnet_smaller", "reversed", None),
    (LR, lr(resnet=(0.89,) * 4), "layer_responses.training_shrank", "single_run", None),
    (LR, lr(resnet=(0.9,) * 4), "layer_responses.training_shrank", "not_shown", None),
    (LR, lr(resnet=(0.11, 0.8, 0.8, 0.8)), "layer_responses.none_near_zero", "shown", None),
    (LR, lr(resnet=(0.1, 0.8, 0.8, 0.8)), "layer_responses.none_near_zero", "not_shown", None),
    (LR, lr(relative=0.1), "layer_responses.relative_same_order", "shown", None),
    (LR, lr(relative=0.099), "layer_responses.relative_same_order", "not_shown", None),
    (LR, lr(), "layer_responses.not_vanishing", "shown", None),
    (LR, lr(resnet=(0.05, 0.8, 0.8, 0.8)), "layer_responses.not_vanishing", "not_shown", None),
    (LR, lr(relative=0.05), "layer_responses.not_vanishing", "not_shown", None),
    # lesion: one run; 5 points make a difference, "chance" is within 5 points of it
    (LE, le(), "lesion.resnet_more_robust", "single_run", None),
    (LE, le(plain=(0.3, 0.3, 0.3, 0.3), resnet=(0.25 - EPSILON,) * 4), "lesion.resnet_more_robust", "single_run",
     None),
    (LE, le(plain=(0.3, 0.3, 0.3, 0.3), resnet=(0.25 + EPSILON,) * 4), "lesion.resnet_more_robust", "not_shown",
     None),
    (LE, le(plain=(0.2,) * 4, resnet=(0.5,) * 4), "lesion.resnet_more_robust", "reversed", None),
    (LE, le(plain=(0.85 + EPSILON,) * 4), "lesion.plain_to_chance", "single_run", None),
    (LE, le(plain=(0.85 - EPSILON,) * 4), "lesion.plain_to_chance", "not_shown", None),
    (LE, le(resnet=(0.4, 0.4, 0.11, 0.11)), "lesion.early_blocks_hurt_more", "single_run", None),
    (LE, le(resnet=(0.15 + EPSILON, 0.15 + EPSILON, 0.12, 0.12)), "lesion.early_blocks_hurt_more", "single_run",
     None),  # increases 0.05+ against 2 x 0.02 + 0.01 = 0.05
    (LE, le(resnet=(0.15 - EPSILON, 0.15 - EPSILON, 0.12, 0.12)), "lesion.early_blocks_hurt_more", "not_shown",
     None),
    (LE, le(), "lesion.downsampling", "measured", None),
    (LE, le(resnet_down=(0.5, 0.185 + EPSILON)), "lesion.downsampling_hurt_more", "single_run", None),
    (LE, le(resnet_down=(0.5, 0.185 - EPSILON)), "lesion.downsampling_hurt_more", "not_shown", None),
    # bn-variance: averages over many networks; straight lines need R^2 >= 0.99 and the better fit
    (BV, bv(), "bn_variance.no_bn_geometric", "shown", None),
    (BV, bv(no_bn={"factor_per_block": 1.5}), "bn_variance.no_bn_geometric", "shown", None),
    (BV, bv(no_bn={"factor_per_block": 1.49}), "bn_variance.no_bn_geometric", "not_shown", None),
    (BV, bv(no_bn={"log_fit_r2": 0.989}), "bn_variance.no_bn_geometric", "not_shown", None),
    (BV, bv(no_bn={"log_fit_r2": 0.995, "linear_fit_r2": 0.996}), "bn_variance.no_bn_geometric", "not_shown",
     None),
    (BV, bv(), "bn_variance.bn_linear", "shown", None),
    (BV, bv(bn={"linear_fit_r2": 0.99}), "bn_variance.bn_linear", "shown", None),
    (BV, bv(bn={"linear_fit_r2": 0.989}), "bn_variance.bn_linear", "not_shown", None),
    (BV, bv(preact={"log_fit_r2": 0.9999}), "bn_variance.bn_linear", "not_shown", None),
    (BV, bv(no_bn={"final_variance": 2360.0}), "bn_variance.bn_far_smaller", "shown", None),  # 100 x 23.6
    (BV, bv(no_bn={"final_variance": 2359.0}), "bn_variance.bn_far_smaller", "not_shown", None),
    # shattered-gradients: smooth >= 0.8, white noise |r| < 0.2, smoother by 0.2
    (SG, sg(), "shattered.deep_residual_smoother", "single_run", None),
    (SG, sg(deep_plain=0.3, deep_residual=0.5 + EPSILON), "shattered.deep_residual_smoother", "single_run", None),
    (SG, sg(deep_plain=0.3, deep_residual=0.5 - EPSILON), "shattered.deep_residual_smoother", "not_shown", None),
    (SG, sg(deep_plain=0.7, deep_residual=0.1), "shattered.deep_residual_smoother", "reversed", None),
    (SG, sg(deep_plain=0.199), "shattered.deep_plain_white_noise", "shown", None),
    (SG, sg(deep_plain=-0.199), "shattered.deep_plain_white_noise", "shown", None),
    (SG, sg(deep_plain=0.2), "shattered.deep_plain_white_noise", "not_shown", None),
    (SG, sg(shallow_plain=0.8, shallow_residual=0.8), "shattered.shallow_smooth", "shown", None),
    (SG, sg(shallow_plain=0.799), "shattered.shallow_smooth", "not_shown", None),
    (SG, sg(shallow_residual=0.43), "shattered.shallow_smooth", "not_shown", None),  # --set depths=[20,56]
    (SG, sg(), "shattered.effect_of_depth", "single_run", None),
    (SG, sg(deep_plain=0.85), "shattered.effect_of_depth", "not_shown", None),
    (SG, sg(shallow_plain=0.7), "shattered.effect_of_depth", "not_shown", None),
    # loss-landscape: one run; sharper 1.5x, worse 2x + 0.05, plateau above half of chance level's loss
    (LL, ll(plain={"centre": 2.0, "mean_at_half": 2.2}), "loss_landscape.plain_barely_trained", "single_run", None),
    (LL, ll(plain={"centre": 1.1, "mean_at_half": 1.3}), "loss_landscape.plain_barely_trained", "not_shown", None),
    (LL, ll(plain={"mean_at_half": 0.4}), "loss_landscape.plain_sharper", "single_run", None),  # 0.3 vs 0.2
    (LL, ll(plain={"mean_at_half": 0.4 - EPSILON}), "loss_landscape.plain_sharper", "not_shown", None),
    (LL, ll(residual={"mean_at_half": 0.5}), "loss_landscape.plain_sharper", "reversed", None),
    (LL, ll(plain={"local_minima": 3}), "loss_landscape.plain_rougher", "single_run", None),
    (LL, ll(), "loss_landscape.plain_rougher", "not_shown", None),
    (LL, ll(plain={"centre": 0.25 + EPSILON}), "loss_landscape.plain_trained_worse", "single_run", None),
    (LL, ll(plain={"centre": 0.25 - EPSILON}), "loss_landscape.plain_trained_worse", "not_shown", None),
    (LL, ll(), "loss_landscape.colour_note", "measured", None),
    # bottleneck-cost: exact counts
    (BC, bc(), "bottleneck.reduction_cheaper", "shown", None),
    (BC, bc(reduced=120_422_400), "bottleneck.reduction_cheaper", "not_shown", None),
    (BC, bc(), "bottleneck.cheaper_than_wide_basic", "shown", None),
    (BC, bc(bottleneck=3_699_376_128), "bottleneck.cheaper_than_wide_basic", "not_shown", None),
    # feature-maps
    (FM, fm(), "feature_maps.source_trained", "measured", None),
    (FM, fm(loaded=True, change=False), "feature_maps.source_loaded", "measured", None),
    (FM, fm(change=False), "feature_maps.first_conv_unknown_start", "measured", None),
    *[(FM, fm(picked=picked, predicted=predicted), f"feature_maps.image_{picked}", verdict, None)
      for picked in ("picked_given", "picked_right", "picked_none")
      for predicted, verdict in ((2, "shown"), (3, "not_shown"))],
    (FM, fm(correlation=0.71), "feature_maps.filters_kept_start", "shown", None),
    (FM, fm(correlation=0.7), "feature_maps.filters_kept_start", "not_shown", None),
    (FM, fm(correlation=0.4), "feature_maps.filters_kept_start", "not_shown", None),
    (FM, fm(correlation=0.39), "feature_maps.filters_kept_start", "reversed", None),
    (FM, fm(costs=(1000, 1300, 1000)), "feature_maps.same_cost_per_stage", "shown", None),
    (FM, fm(costs=(1000, 1301, 1000)), "feature_maps.same_cost_per_stage", "not_shown", None),
]


def _matching(found, key, model):
    return [finding for finding in found if finding.key == key
            and (model is None or finding.evidence.get("model") == model)]


@pytest.mark.parametrize(("module", "numbers", "key", "verdict", "model"), CASES,
                         ids=[f"{case[2]}-{case[3]}-{index}" for index, case in enumerate(CASES)])
def test_a_finding_has_the_verdict_its_numbers_call_for(module, numbers, key, verdict, model):
    found = module.findings(numbers)
    assert all(isinstance(finding, Finding) and finding.verdict in VERDICTS and finding.criterion
               for finding in found)
    matching = _matching(found, key, model)
    assert len(matching) == 1, [finding.key for finding in found]
    assert matching[0].verdict == verdict, matching[0]
    # the sentence it picks is in the reading, in every language, and no other verdict's sentence for this key is
    for language in LANGUAGES:
        reading = render(found, language)
        table = all_templates()[language]
        own = table[(key, verdict)].format(**matching[0].evidence)
        assert own in reading
        for other in VERDICTS:
            template = table.get((key, other))
            if other != verdict and template:
                assert template.format(**matching[0].evidence) not in reading, (key, other)


def test_every_language_words_every_finding_with_the_same_numbers():
    templates = all_templates()
    english = templates["en"]
    for language in LANGUAGES:
        assert set(templates[language]) == set(english), language
        for key_verdict, template in templates[language].items():
            assert key_verdict[1] in VERDICTS, key_verdict
            assert placeholders(template) == placeholders(english[key_verdict]), (language, key_verdict)


def test_the_cases_cover_every_template_and_every_template_renders():
    """Every (key, verdict) that has words is produced by a case above (so it is tested both ways), and its
    words render with that case's evidence in every language."""
    produced = {}
    for module, numbers, *_ in CASES:
        for finding in module.findings(numbers):
            produced.setdefault((finding.key, finding.verdict), finding)
    templates = all_templates()
    assert set(templates["en"]) == set(produced), set(templates["en"]) ^ set(produced)
    for language in LANGUAGES:
        for key_verdict, finding in produced.items():
            text = render([finding], language)
            assert text.strip() and not UNFILLED.search(text), (language, key_verdict, text)


def test_the_korean_words_add_no_claim_and_use_the_course_terms():
    """No adjective the findings do not test (훨씬, 예상과 달리, 눈에 띄게) and the glossary's terms: 잔차 경로 for a
    branch (가지 only as in 두 가지, "two kinds"), 스테이지 for a stage, 최적화 기법 for a solver."""
    for key_verdict, template in all_templates()["ko"].items():
        for word in ("훨씬", "예상과 달리", "눈에 띄게", "풀이 방법", "단계.번호", "각 단계의"):
            assert word not in template, (key_verdict, word)
        assert "가지" not in re.sub(r"[한두세네] 가지", "", template), key_verdict


def test_compare_over_seeds_claims_a_difference_only_when_the_ranges_separate_it():
    assert compare_over_seeds([1, 2, 3], [4, 5, 6]) == "shown"
    assert compare_over_seeds([4, 5, 6], [1, 2, 3]) == "reversed"
    assert compare_over_seeds([1, 2, 5], [4, 5, 6]) == "within_noise"
    # separated by the ranges, but by less than the margin on average: no difference
    assert compare_over_seeds([2.9, 2.95, 3.0], [3.05, 3.1, 3.15], margin=1.0) == "within_noise"
    assert compare_over_seeds([2.9, 2.95, 3.0], [4.0, 4.1, 4.2], margin=1.0) == "shown"
    assert compare_over_seeds([1], [2]) == "single_run" and compare_over_seeds([2], [1]) == "not_shown"
    with pytest.raises(ValueError):
        compare_over_seeds([1, 2], [3])
    with pytest.raises(ValueError, match="verdict"):
        Finding("x", "proven", {}, "none")


def test_one_meaning_of_explodes_in_the_whole_project():
    """Every sentence that says a gradient explodes or vanishes comes from a finding whose test is the one factor of
    findings.py (100), and the demos that call numbers far apart use the same constant."""
    from resnet_np.demos import findings

    assert findings.EXPLODES_FACTOR == 100
    assert GF.EXPLODES_FACTOR is findings.EXPLODES_FACTOR and BV.EXPLODES_FACTOR is findings.EXPLODES_FACTOR
    english = all_templates()["en"]
    for module, numbers, *_ in CASES:
        for finding in module.findings(numbers):
            if re.search(r"explodes|vanishes|'vanishing gradient'", english[(finding.key, finding.verdict)], re.I):
                assert re.search(r"\b100\b", finding.criterion), finding


def test_the_thresholds_the_words_quote_are_the_ones_the_findings_test():
    """A template that names a threshold ("by 5 points or more", "within 3e-4..3e-3") says the value of the named
    constant its finding tests: change one, and this fails until the words follow."""
    english = all_templates()["en"]

    def words(key, verdict):
        return english[(key, verdict)]

    assert GF.EXPLODES_FACTOR == 100 and "100x" in words("gradient_flow.explodes", "not_shown")
    assert GF.ORDER_OF_MAGNITUDE == 10 and "factor 10" in words("gradient_flow.residual_within_one_order", "shown")
    assert TD.FACTOR == 10 and "10 times" in words("training_dynamics.step1_plain_overdrives", "single_run")
    assert TD.HEALTHY_BAND == (3e-4, 3e-3) and "3e-4..3e-3" in words("training_dynamics.median_in_band", "shown")
    assert TD.WEIGHT_GROWTH == 2 and "x2" in words("training_dynamics.plain_first_layers_frozen", "not_shown")
    assert DEG.MARGIN_POINTS == 1 and "more than a point" in words("degradation.plain_degrades", "within_noise")
    assert LR.ABOUT_ONE == (0.8, 1.25) and "0.8 .. 1.25" in words("layer_responses.init_about_one", "not_shown")
    assert LR.SMALLER == 0.9 and "10%" in words("layer_responses.resnet_smaller", "not_shown")
    assert LE.MARGIN == 0.05 and "5 points" in words("lesion.resnet_more_robust", "not_shown")
    assert SG.SMOOTH == 0.8 and "0.8" in words("shattered.shallow_smooth", "shown")
    assert SG.WHITE_NOISE == 0.2 == SG.SMOOTHER_MARGIN and "0.2" in words("shattered.deep_plain_white_noise", "shown")
    assert LL.SHARPER == 1.5 and "1.5" in words("loss_landscape.plain_sharper", "not_shown")
    assert LL.WORSE_FACTOR == 2 and "twice" in words("loss_landscape.plain_trained_worse", "not_shown")
    assert FM.SAME_COST == 1.3 and "1.3x" in words("feature_maps.same_cost_per_stage", "shown")
