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


def _verdict(ratio):
    """Plain words for a first/last gradient-norm ratio."""
    if ratio >= 100:
        return f"the gradient EXPLODES toward the input ({orders_of_magnitude(ratio):.1f} orders of magnitude)"
    if ratio <= 0.01:
        return f"the gradient VANISHES toward the input ({orders_of_magnitude(ratio):.1f} orders of magnitude)"
    if 0.1 <= ratio <= 10:
        return "stays within one order of magnitude"
    direction = "grows" if ratio > 1 else "shrinks"
    return f"{direction} toward the input, but stays within two orders of magnitude"


def _reading(runs, depths, batchnorm):
    deepest = max(depths)
    lines = [f"Gradient flow at initialisation ({'with' if batchnorm else 'WITHOUT'} BatchNorm): "
             "||dL/d(output of first block)|| / ||dL/d(output of last block)||"]
    for depth in depths:
        for residual in (False, True):
            ratio = runs[(depth, residual)]["ratio"]
            lines.append(f"  {model_label(depth, residual):>9}: {ratio:10.3g}  - {_verdict(ratio)}")
    plain, residual = runs[(deepest, False)]["ratio"], runs[(deepest, True)]["ratio"]
    gap = orders_of_magnitude(plain) - orders_of_magnitude(residual)
    if gap >= 1:
        lines.append(f"At depth {deepest} the plain net's ratio is {gap:.1f} orders of magnitude further from 1 "
                     "than the residual net's: the shortcuts keep the gradient's size nearly the same at every "
                     "block.")
    elif gap <= -1:
        lines.append(f"At depth {deepest} the RESIDUAL net's ratio is {-gap:.1f} orders of magnitude further from "
                     "1 than the plain net's.")
    else:
        lines.append(f"At depth {deepest} plain and residual ratios are within one order of magnitude of each "
                     "other.")
    if batchnorm and plain > 10:
        lines.append("So with BatchNorm the deep plain net does NOT suffer from vanishing gradients: they grow "
                     "toward the input. The paper (section 4.1) says the same - BN keeps the signals of its plain "
                     "nets healthy - and calls the degradation of deep plain nets an optimisation difficulty.")
    if plain < 0.1:
        strength = "the textbook 'vanishing gradient'" if plain < 0.01 else "a mild vanishing gradient"
        lines.append(f"Here the deep plain net's gradient shrinks toward the input ({plain:.2g} of its size at the "
                     f"end): {strength}" + (", even with BatchNorm." if batchnorm else
                                            " - the regime BatchNorm prevents."))
    if not batchnorm and residual > 10 * max(plain, 1):
        lines.append("Without BatchNorm nothing rescales the residual sum x + F(x): its variance roughly doubles "
                     "at every block, forward and backward, so the residual net's gradient explodes. This is why "
                     "ResNets pair shortcuts with BatchNorm (or a careful initialisation).")
    lines += _weight_gradient_reading(runs, deepest, batchnorm)
    return "\n".join(lines)


def _weight_gradient_reading(runs, deepest, batchnorm):
    """What weight_gradients.png shows: ||dL/dW|| of every conv, and why it can differ from the block gradients."""
    plain, residual = runs[(deepest, False)], runs[(deepest, True)]
    level = {r: float(np.median(runs[(deepest, r)]["conv_grad_norms"])) for r in (False, True)}
    lines = [f"weight_gradients.png shows ||dL/dW|| of every conv layer. dL/dW = sum over all positions of (the "
             "conv's input) x (the gradient at its output), so it follows the block gradients above only where "
             "the activations keep one size. First conv / last conv at depth "
             f"{deepest}: plain {plain['conv_ratio']:.3g}, residual {residual['conv_ratio']:.3g}."]
    if batchnorm:
        lines.append("With BatchNorm every conv's input has about the same size (BN-ReLU output), so the weight "
                     "gradients repeat the picture of the block gradients: the plain net's grow toward the input "
                     "(its first layers would get the largest updates), the ResNet's stay within a small factor.")
    else:
        spread = max(orders_of_magnitude(plain["conv_ratio"]), orders_of_magnitude(residual["conv_ratio"]))
        blocks = max(orders_of_magnitude(plain["ratio"]), orders_of_magnitude(residual["ratio"]))
        if spread < blocks - 1:
            lines.append(f"Without BatchNorm the weight gradients change far less from the first conv to the last "
                         f"(within {spread:.1f} orders of magnitude) than the block gradients do (up to "
                         f"{blocks:.1f}): no contradiction. dL/dW multiplies a conv's input by the gradient at its "
                         "output, and without BN the two change in opposite directions along the depth: in the "
                         "ResNet the activations grow toward the OUTPUT (variance x2 per block) as the gradients "
                         "grow toward the INPUT; in the plain net the activations shrink toward the output as the "
                         "gradients shrink toward the input. The product stays about the same at every layer.")
        lines.append(f"What differs is the level: median ||dL/dW|| {level[True]:.3g} in the ResNet vs "
                     f"{level[False]:.3g} in the plain net at depth {deepest} - without BN the deep ResNet's every "
                     "layer would get an enormous update, the plain net's a tiny one.")
    return lines


def _plot(path_blocks, path_ratio, path_weights, runs, depths, batchnorm):
    title_bn = "with BatchNorm (train mode)" if batchnorm else "WITHOUT BatchNorm"
    with figure(path_blocks, figsize=(12, 7)) as (fig, axes):
        ax = axes[0, 0]
        for index, depth in enumerate(depths):
            for residual in (False, True):
                run = runs[(depth, residual)]
                positions = np.arange(1, len(run["block_norms"]) + 1)
                ax.plot(positions, np.asarray(run["block_norms"]) / run["block_norms"][-1],
                        color=kind_color(residual, index, len(depths)),
                        **(RESIDUAL_STYLE if residual else PLAIN_STYLE), markersize=4,
                        label=f"{model_label(depth, residual)}: ratio {run['ratio']:.3g}")
        ax.axhline(1.0, color="black", linewidth=1)
        ax.set(yscale="log", xlabel="block index (1 = next to the input -> last = next to the output)",
               ylabel="||dL/d(block output)|| / same at last block\n(log scale, no unit)",
               title=f"Gradient size at every block at initialisation, {title_bn}")
        ax.legend(ncol=2, title="model: first/last ratio")
    with figure(path_ratio, figsize=(10, 6.5)) as (fig, axes):
        ax = axes[0, 0]
        for residual in (False, True):
            ratios = [runs[(depth, residual)]["ratio"] for depth in depths]
            ax.plot(depths, ratios, color=kind_color(residual), **(RESIDUAL_STYLE if residual else PLAIN_STYLE),
                    markersize=10, label="residual (ResNet)" if residual else "plain (no shortcuts)")
            for depth, ratio in zip(depths, ratios, strict=True):
                ax.annotate(f"{ratio:.2g}", (depth, ratio), textcoords="offset points", xytext=(8, 6))
        ax.axhline(1.0, color="black", linewidth=1, label="ratio 1 (same size everywhere)")
        ax.margins(x=0.12)
        ax.set(yscale="log", xticks=list(depths), xlabel="depth (weighted layers)",
               ylabel="gradient norm, first block / last block\n(log scale)",
               title=f"First-to-last gradient ratio against depth, {title_bn}")
        ax.legend()
    with figure(path_weights, figsize=(12, 7)) as (fig, axes):
        ax = axes[0, 0]
        for index, depth in enumerate(depths):
            for residual in (False, True):
                run = runs[(depth, residual)]
                ax.plot(np.arange(1, len(run["conv_grad_norms"]) + 1), run["conv_grad_norms"],
                        color=kind_color(residual, index, len(depths)),
                        linestyle=(RESIDUAL_STYLE if residual else PLAIN_STYLE)["linestyle"],
                        label=model_label(depth, residual))
        ax.set(yscale="log", xlabel="conv layer index (1 = first conv, next to the input)",
               ylabel="||dL/dW|| of the conv's weights\n(log scale)",
               title=f"Weight-gradient norm of every conv layer, {title_bn}")
        ax.legend(ncol=2)


def gradient_flow(quick=False, out_dir=None, seed=0, no_bn=False, verbose=True, depths=None, batch_size=None,
                  image_size=None, widths=None, dtype="float32"):
    """Run the demo; returns a DemoResult (numbers["ratio"]["plain110"] = first/last gradient-norm ratio, ...).

    quick: small batch, images and widths (seconds); full: batch 32 of 32x32 images, widths 16/32/64.
    depths, batch_size, image_size, widths: override the preset. no_bn: remove every BatchNorm.
    """
    start = time.perf_counter()
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
    figures = [os.path.join(folder, name) for name in ("gradient_flow.png", "ratio_vs_depth.png",
                                                       "weight_gradients.png")]
    _plot(*figures, runs, depths, not no_bn)
    numbers = {
        "batchnorm": not no_bn,
        "depths": list(depths),
        "ratio": {model_label(d, r): runs[(d, r)]["ratio"] for d in depths for r in (False, True)},
        "conv_ratio": {model_label(d, r): runs[(d, r)]["conv_ratio"] for d in depths for r in (False, True)},
        "block_norms": {model_label(d, r): runs[(d, r)]["block_norms"] for d in depths for r in (False, True)},
    }
    reading = _reading(runs, depths, not no_bn)
    result = DemoResult(NAME, folder, figures, tables, numbers, reading, time.perf_counter() - start)
    if verbose:
        print(result)
    return result
