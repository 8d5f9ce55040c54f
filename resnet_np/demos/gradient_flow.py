"""Demo `gradient-flow`: how big is dL/d(activation) at every block, from the output back to the input?

At initialisation, for plain and residual CIFAR nets of depths 20, 56 and 110 (He et al. 2015, section 4.2):
one forward of a batch of random images (mean 0, variance 1 per pixel, like normalised data) with random labels
in train mode (BatchNorm uses the batch's statistics), the cross-entropy loss, one backward with the network's
own hand-written backward. A backward hook on every block records ||dL/d(block output)||; after the backward,
each conv's ||dL/dW|| is read from its .grad.

The number to watch: ratio = ||gradient at the first block|| / ||gradient at the last block||.
    ratio ~ 1      the gradient reaches the early layers at the size it had at the end
    ratio >> 1     it grows toward the input (explodes); ratio << 1: it shrinks (vanishes)
With BatchNorm a deep PLAIN net's gradient explodes toward the input (not the "vanishing gradient" of many
study notes), while the residual net stays within a couple of orders of magnitude. no_bn=True takes every
BatchNorm out (remove_batchnorm) to show the other regime: then the residual net's forward signal doubles in
variance at every block and its gradient explodes, and the plain net's gradient shrinks.
"""

import os
import time

import numpy as np

from .. import functional as F
from ..language import figure_file, languages
from ..models import cifar_resnet
from ..nn import Conv2d
from .common import (
    PLAIN_STYLE,
    RESIDUAL_STYLE,
    DemoResult,
    figure,
    kind_color,
    model_label,
    orders_of_magnitude,
    output_dir,
    remove_batchnorm,
    settings,
    write_csv,
)
from .findings import EXPLODES_FACTOR, ORDER_OF_MAGNITUDE, Finding, measured, threshold
from .gradient_flow_text import TEXT
from .render import render

NAME = "gradient-flow"
DESCRIPTION = ("at initialisation, ||dL/d(activation)|| at every block relative to the last block, plain vs "
               "residual, depths 20/56/110 (--no-bn: without BatchNorm)")
PRESETS = {
    "full": {"depths": (20, 56, 110), "batch_size": 32, "image_size": 32, "widths": (16, 32, 64)},
    "quick": {"depths": (20, 56, 110), "batch_size": 8, "image_size": 16, "widths": (8, 16, 32)},
}


def measure(model, x, y):
    """One forward/backward of (x, y) -> (block names, block gradient norms, conv names, conv weight-grad norms).

    Everything is listed from the input to the output. The model's mode (train/eval) is left as it is.
    """
    blocks = model.named_blocks()
    norms = {}
    handles = [block.register_backward_hook(
        lambda module, grad_output, name=name: norms.__setitem__(name, float(np.linalg.norm(grad_output))))
        for name, block in blocks]
    try:
        model.zero_grad()
        logits = model(x)
        with np.errstate(over="ignore", invalid="ignore"):
            _, dlogits = F.softmax_cross_entropy(logits, y)
        model.backward(dlogits)
    finally:
        for handle in handles:
            handle.remove()
    convs = [(name, module) for name, module in model.named_modules() if isinstance(module, Conv2d)]
    block_names = [name for name, _ in blocks]
    return (block_names, [norms[name] for name in block_names], [name for name, _ in convs],
            [float(np.linalg.norm(module.weight.grad)) for _, module in convs],
            [float(np.linalg.norm(module.weight.data)) for _, module in convs])


FIGURES = ("gradient_flow.png", "ratio_vs_depth.png", "weight_gradients.png")


def _plot(folder, runs, depths, batchnorm, language):
    """The three figures, in `language` -> their paths."""
    text = TEXT[language]
    path_blocks, path_ratio, path_weights = paths = [os.path.join(folder, figure_file(name, language))
                                                     for name in FIGURES]
    title_bn = text["with_bn"] if batchnorm else text["without_bn"]
    with figure(path_blocks, figsize=(12, 7), language=language) as (fig, axes):
        ax = axes[0, 0]
        for index, depth in enumerate(depths):
            for residual in (False, True):
                run = runs[(depth, residual)]
                positions = np.arange(1, len(run["block_norms"]) + 1)
                ax.plot(positions, np.asarray(run["block_norms"]) / run["block_norms"][-1],
                        color=kind_color(residual, index, len(depths)),
                        **(RESIDUAL_STYLE if residual else PLAIN_STYLE), markersize=4,
                        label=text["block_label"].format(model=model_label(depth, residual), ratio=run["ratio"]))
        ax.axhline(1.0, color="black", linewidth=1)
        ax.set(yscale="log", xlabel=text["block_xlabel"], ylabel=text["block_ylabel"],
               title=text["block_title"].format(bn=title_bn))
        ax.legend(ncol=2, title=text["block_legend"])
    with figure(path_ratio, figsize=(10, 6.5), language=language) as (fig, axes):
        ax = axes[0, 0]
        for residual in (False, True):
            ratios = [runs[(depth, residual)]["ratio"] for depth in depths]
            ax.plot(depths, ratios, color=kind_color(residual), **(RESIDUAL_STYLE if residual else PLAIN_STYLE),
                    markersize=10, label=text["residual"] if residual else text["plain"])
            for depth, ratio in zip(depths, ratios, strict=True):
                ax.annotate(f"{ratio:.2g}", (depth, ratio), textcoords="offset points", xytext=(8, 6))
        ax.axhline(1.0, color="black", linewidth=1, label=text["one"])
        ax.margins(x=0.12)
        ax.set(yscale="log", xticks=list(depths), xlabel=text["ratio_xlabel"], ylabel=text["ratio_ylabel"],
               title=text["ratio_title"].format(bn=title_bn))
        ax.legend()
    with figure(path_weights, figsize=(12, 7), language=language) as (fig, axes):
        ax = axes[0, 0]
        for index, depth in enumerate(depths):
            for residual in (False, True):
                run = runs[(depth, residual)]
                ax.plot(np.arange(1, len(run["conv_grad_norms"]) + 1), run["conv_grad_norms"],
                        color=kind_color(residual, index, len(depths)),
                        linestyle=(RESIDUAL_STYLE if residual else PLAIN_STYLE)["linestyle"],
                        label=model_label(depth, residual))
        ax.set(yscale="log", xlabel=text["conv_xlabel"], ylabel=text["conv_ylabel"],
               title=text["conv_title"].format(bn=title_bn))
        ax.legend(ncol=2)
    return paths


def findings(numbers):
    """The conclusions of a gradient-flow run, from its numbers (DemoResult.numbers) -> [Finding].

    One network per depth and kind (one initialisation, one batch): comparisons between the nets are single runs.
    """
    batchnorm, depths, ratio, conv_ratio = numbers["batchnorm"], numbers["depths"], numbers["ratio"], \
        numbers["conv_ratio"]
    deepest = max(depths)
    plain, residual = model_label(deepest, False), model_label(deepest, True)
    found = [measured("gradient_flow.header_bn" if batchnorm else "gradient_flow.header_no_bn")]
    for depth in depths:
        for is_residual in (False, True):
            label = model_label(depth, is_residual)
            value = ratio[label]
            evidence = {"model": label, "ratio": value, "orders": orders_of_magnitude(value)}
            if value >= 1:
                found.append(Finding("gradient_flow.explodes", threshold(value >= EXPLODES_FACTOR), evidence,
                                     f"first/last block gradient ratio >= {EXPLODES_FACTOR:g}"))
            else:
                found.append(Finding("gradient_flow.vanishes", threshold(value <= 1 / EXPLODES_FACTOR), evidence,
                                     f"first/last block gradient ratio <= 1/{EXPLODES_FACTOR:g}"))
    gap = orders_of_magnitude(ratio[plain]) - orders_of_magnitude(ratio[residual])
    verdict = "single_run" if gap >= 1 else "reversed" if gap <= -1 else "not_shown"
    found.append(Finding("gradient_flow.plain_further_from_one", verdict,
                         {"depth": deepest, "gap": abs(gap), "plain": ratio[plain], "residual": ratio[residual]},
                         f"at depth {deepest}, the plain net's ratio at least one order of magnitude further from 1 "
                         "than the residual net's (reversed: the residual net's, by one order)"))
    if batchnorm:
        steady = 1 / ORDER_OF_MAGNITUDE <= ratio[residual] <= ORDER_OF_MAGNITUDE
        found.append(Finding("gradient_flow.residual_within_one_order", threshold(steady),
                             {"model": residual, "ratio": ratio[residual]},
                             f"{residual}'s first/last block gradient ratio between 1/{ORDER_OF_MAGNITUDE:g} and "
                             f"{ORDER_OF_MAGNITUDE:g}"))
        found.append(Finding("gradient_flow.bn_plain_grows", threshold(ratio[plain] > ORDER_OF_MAGNITUDE),
                             {"model": plain, "ratio": ratio[plain]},
                             f"with BatchNorm, {plain}'s first/last block gradient ratio > {ORDER_OF_MAGNITUDE:g}"))
    else:
        found.append(Finding("gradient_flow.no_bn_plain_vanishes",
                             threshold(ratio[plain] <= 1 / EXPLODES_FACTOR), {"model": plain, "ratio": ratio[plain]},
                             f"without BatchNorm, {plain}'s ratio <= 1/{EXPLODES_FACTOR:g}"))
        found.append(Finding("gradient_flow.no_bn_residual_explodes",
                             threshold(ratio[residual] >= EXPLODES_FACTOR),
                             {"model": residual, "ratio": ratio[residual]},
                             f"without BatchNorm, {residual}'s ratio >= {EXPLODES_FACTOR:g}"))
    found.append(measured("gradient_flow.weight_header", depth=deepest, plain=conv_ratio[plain],
                          residual=conv_ratio[residual]))
    if batchnorm:
        found.append(Finding("gradient_flow.bn_plain_weights_grow",
                             threshold(conv_ratio[plain] > ORDER_OF_MAGNITUDE),
                             {"model": plain, "ratio": conv_ratio[plain]},
                             f"with BatchNorm, {plain}'s first/last conv weight-gradient ratio > "
                             f"{ORDER_OF_MAGNITUDE:g}"))
        steady = 1 / ORDER_OF_MAGNITUDE <= conv_ratio[residual] <= ORDER_OF_MAGNITUDE
        found.append(Finding("gradient_flow.bn_residual_weights_within_one_order", threshold(steady),
                             {"model": residual, "ratio": conv_ratio[residual]},
                             f"with BatchNorm, {residual}'s first/last conv weight-gradient ratio between "
                             f"1/{ORDER_OF_MAGNITUDE:g} and {ORDER_OF_MAGNITUDE:g}"))
    else:
        spread = max(orders_of_magnitude(conv_ratio[plain]), orders_of_magnitude(conv_ratio[residual]))
        blocks = max(orders_of_magnitude(ratio[plain]), orders_of_magnitude(ratio[residual]))
        found.append(Finding("gradient_flow.no_bn_weights_flatter", threshold(spread < blocks - 1),
                             {"spread": spread, "blocks": blocks},
                             "without BatchNorm, the weight gradients' first/last ratio at least one order of "
                             "magnitude closer to 1 than the block gradients' (the larger of plain and residual)"))
        level = {label: float(np.median(numbers["conv_grad_norms"][label])) for label in (plain, residual)}
        found.append(Finding("gradient_flow.no_bn_update_levels",
                             threshold(level[residual] >= EXPLODES_FACTOR * level[plain]),
                             {"depth": deepest, "residual": level[residual], "plain": level[plain],
                              "factor": level[residual] / level[plain] if level[plain] > 0 else float("inf")},
                             f"without BatchNorm, {residual}'s median conv weight gradient >= {EXPLODES_FACTOR:g} "
                             f"x {plain}'s"))
    return found


def gradient_flow(quick=False, out_dir=None, seed=0, no_bn=False, verbose=True, depths=None, batch_size=None,
                  image_size=None, widths=None, dtype="float32", lang=None):
    """Run the demo; returns a DemoResult (numbers["ratio"]["plain110"] = first/last gradient-norm ratio, ...).

    quick: small batch, images and widths (seconds); full: batch 32 of 32x32 images, widths 16/32/64.
    depths, batch_size, image_size, widths: override the preset. no_bn: remove every BatchNorm.
    lang: "en", "ko" or both, e.g. ("en", "ko"): the figures and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    chosen = settings(quick, PRESETS, {"depths": depths, "batch_size": batch_size, "image_size": image_size,
                                       "widths": widths})
    depths = tuple(sorted(int(depth) for depth in chosen["depths"]))
    folder = output_dir(NAME, out_dir)
    rng = np.random.default_rng([seed, 1])
    size, batch = chosen["image_size"], chosen["batch_size"]
    x = rng.standard_normal((batch, 3, size, size)).astype(dtype)
    y = rng.integers(0, 10, size=batch)

    runs, block_rows, conv_rows, summary_rows = {}, [], [], []
    for depth in depths:
        for residual in (False, True):
            model = cifar_resnet(depth, widths=tuple(chosen["widths"]), residual=residual, in_channels=3,
                                 num_classes=10, dtype=dtype, seed=seed)
            if no_bn:
                remove_batchnorm(model)
            model.train()
            block_names, block_norms, conv_names, conv_norms, weight_norms = measure(model, x, y)
            label = model_label(depth, residual)
            ratio = block_norms[0] / block_norms[-1]
            conv_ratio = conv_norms[0] / conv_norms[-1]
            runs[(depth, residual)] = {"block_norms": block_norms, "conv_grad_norms": conv_norms, "ratio": ratio,
                                       "conv_ratio": conv_ratio}
            for index, (name, norm) in enumerate(zip(block_names, block_norms, strict=True), start=1):
                block_rows.append((label, depth, residual, not no_bn, index, name, norm, norm / block_norms[-1]))
            for index, (name, norm, weight) in enumerate(zip(conv_names, conv_norms, weight_norms, strict=True),
                                                         start=1):
                conv_rows.append((label, depth, residual, not no_bn, index, name, norm, weight))
            summary_rows.append((label, depth, residual, not no_bn, len(block_names), ratio, conv_ratio))
            if verbose:
                print(f"  {label}: first/last block gradient ratio {ratio:.3g}", flush=True)

    tables = [
        write_csv(os.path.join(folder, "block_gradients.csv"),
                  ("model", "depth", "residual", "batchnorm", "block_index", "block", "grad_norm",
                   "relative_to_last_block"), block_rows),
        write_csv(os.path.join(folder, "weight_gradients.csv"),
                  ("model", "depth", "residual", "batchnorm", "conv_index", "conv", "weight_grad_norm",
                   "weight_norm"), conv_rows),
        write_csv(os.path.join(folder, "summary.csv"),
                  ("model", "depth", "residual", "batchnorm", "blocks", "first_to_last_block_ratio",
                   "first_to_last_conv_weight_grad_ratio"), summary_rows),
    ]
    figures = [path for language in asked for path in _plot(folder, runs, depths, not no_bn, language)]
    numbers = {
        "batchnorm": not no_bn,
        "depths": list(depths),
        "ratio": {model_label(d, r): runs[(d, r)]["ratio"] for d in depths for r in (False, True)},
        "conv_ratio": {model_label(d, r): runs[(d, r)]["conv_ratio"] for d in depths for r in (False, True)},
        "block_norms": {model_label(d, r): runs[(d, r)]["block_norms"] for d in depths for r in (False, True)},
        "conv_grad_norms": {model_label(d, r): runs[(d, r)]["conv_grad_norms"] for d in depths
                            for r in (False, True)},
    }
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
