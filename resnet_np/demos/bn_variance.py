"""Demo `bn-variance`: the variance of the activations through a deep stack of residual blocks at initialisation.

A stack of identical 16-channel basic blocks (no downsampling, He initialisation, as in resnet_np.nn) gets a
batch of random inputs with variance 1; we measure the variance of every block's output:
    no BatchNorm        y = relu(x + conv2(relu(conv1(x))))          (remove_batchnorm on a BasicBlock)
    BatchNorm (paper)   y = relu(x + bn2(conv2(relu(bn1(conv1(x))))))  (BasicBlock, BN in train mode)
    pre-activation      y = x + conv2(relu(bn2(conv1(relu(bn1(x))))))  (PreActBasicBlock, He et al. 2016)
Why: Var(x + F(x)) = Var(x) + Var(F(x)) + 2 Cov. Without BN, F(x) has about the variance of x (He init is made to
keep it), so the sum about DOUBLES at every block: geometric growth, 2^L after L blocks. With BN at the end of the
branch, F(x) has variance ~1 whatever x is, so each block ADDS about a constant: linear growth. The pre-activation
block normalises the branch's input instead, with the same effect. Results are averaged over several random
networks (the geometric mean of the variances, i.e. the mean of their logarithms).
"""

import os
import time

import numpy as np

from ..nn import BasicBlock, PreActBasicBlock
from .common import DemoResult, figure, fit_line, output_dir, remove_batchnorm, settings, write_csv

NAME = "bn-variance"
DESCRIPTION = ("variance of the activations through a deep stack of residual blocks at initialisation: without "
               "BatchNorm (doubles per block), with BatchNorm and pre-activation (grows linearly)")
PRESETS = {
    "full": {"blocks": 24, "networks": 10, "channels": 16, "batch_size": 32, "image_size": 16},
    "quick": {"blocks": 12, "networks": 4, "channels": 16, "batch_size": 16, "image_size": 8},
}
VARIANTS = {  # name: (block class, keep BatchNorm, legend label, colour, line style)
    "no_bn": (BasicBlock, False, "no BatchNorm: relu(x + F(x))", "tab:red", "-"),
    "bn": (BasicBlock, True, "BatchNorm in the branch (paper's block)", "tab:blue", "-"),
    "preact_bn": (PreActBasicBlock, True, "pre-activation: x + F(BN-ReLU(x))", "tab:green", "--"),
}


def variances_through_stack(block_class, batchnorm, blocks, channels, x, rng):
    """Variance of the input and of every block's output -> array (blocks + 1,), for one random stack."""
    variances = [float(np.var(x, dtype=np.float64))]
    for _ in range(blocks):
        block = block_class(channels, channels, rng=rng, dtype=x.dtype)
        if not batchnorm:
            remove_batchnorm(block)
        block.train()
        x = block(x)
        variances.append(float(np.var(x, dtype=np.float64)))
    return np.array(variances)


def _analyse(mean_variance):
    """Growth per block of a variance curve: geometric factor (fit of log variance) and linear step (fit)."""
    index = np.arange(len(mean_variance))
    log_slope, _, log_r2 = fit_line(index[1:], np.log(mean_variance[1:]))
    step, _, linear_r2 = fit_line(index[1:], mean_variance[1:])
    return {"factor_per_block": float(np.exp(log_slope)), "log_fit_r2": log_r2, "increment_per_block": step,
            "linear_fit_r2": linear_r2, "final_variance": float(mean_variance[-1]),
            "final_over_first_block": float(mean_variance[-1] / mean_variance[1])}


def _reading(analysis, blocks):
    no_bn, bn, preact = analysis["no_bn"], analysis["bn"], analysis["preact_bn"]
    lines = [f"Variance of the activations after {blocks} residual blocks at initialisation (input variance 1):"]
    lines.append(f"  no BatchNorm:    {no_bn['final_variance']:.3g}  - multiplied by about "
                 f"{no_bn['factor_per_block']:.2f} per block (log-variance fits a straight line, "
                 f"R^2 = {no_bn['log_fit_r2']:.2f})")
    for key, label in (("bn", "with BatchNorm:  "), ("preact_bn", "pre-activation:  ")):
        item = analysis[key]
        lines.append(f"  {label}{item['final_variance']:.3g}  - grows by about {item['increment_per_block']:+.2f} "
                     f"per block (straight line on a linear scale, R^2 = {item['linear_fit_r2']:.2f})")
    geometric = no_bn["factor_per_block"] > 1.5 and no_bn["log_fit_r2"] > 0.9
    linear = all(analysis[key]["linear_fit_r2"] > 0.9 for key in ("bn", "preact_bn"))
    if geometric:
        lines.append(f"Without BN the growth is geometric: {no_bn['factor_per_block']:.2f}^{blocks} = "
                     f"{no_bn['factor_per_block'] ** blocks:.3g}. Adding the input to a branch of about the same "
                     f"variance doubles it at every block; after 100 blocks it would be "
                     f"{no_bn['factor_per_block'] ** 100:.1e}.")
    else:
        lines.append("Without BN the growth did NOT look cleanly geometric in this run.")
    if linear:
        lines.append(f"With BN the branch's output has a fixed variance, so each block only adds a constant: after "
                     f"{blocks} blocks the variance is {bn['final_variance']:.2f} (post-activation) and "
                     f"{preact['final_variance']:.2f} (pre-activation), not {no_bn['final_variance']:.3g}.")
    else:
        lines.append("With BN the growth did NOT look cleanly linear in this run; see the CSV.")
    return "\n".join(lines)


def bn_variance(quick=False, out_dir=None, seed=0, verbose=True, blocks=None, networks=None, channels=None,
                batch_size=None, image_size=None, dtype="float32"):
    """Run the demo; returns a DemoResult (numbers["no_bn"]["factor_per_block"], numbers["bn"][...], ...).

    blocks: residual blocks in the stack; networks: random stacks averaged (geometric mean); channels: width.
    """
    start = time.perf_counter()
    chosen = settings(quick, PRESETS, {"blocks": blocks, "networks": networks, "channels": channels,
                                       "batch_size": batch_size, "image_size": image_size})
    blocks, networks, channels = chosen["blocks"], chosen["networks"], chosen["channels"]
    folder = output_dir(NAME, out_dir)
    curves, rows = {}, []
    for name, (block_class, batchnorm, _, _, _) in VARIANTS.items():
        per_network = []
        for network in range(networks):
            rng = np.random.default_rng([seed, network])  # the same input and weights for every variant
            x = rng.standard_normal((chosen["batch_size"], channels, chosen["image_size"],
                                     chosen["image_size"])).astype(dtype)
            per_network.append(variances_through_stack(block_class, batchnorm, blocks, channels, x, rng))
        per_network = np.array(per_network)
        curves[name] = np.exp(np.mean(np.log(per_network), axis=0))  # geometric mean over the networks
        for block in range(blocks + 1):
            rows.append((name, block, curves[name][block], per_network[:, block].min(),
                         per_network[:, block].max()))
    analysis = {name: _analyse(curve) for name, curve in curves.items()}

    tables = [
        write_csv(os.path.join(folder, "variance_per_block.csv"),
                  ("variant", "block", "variance_geometric_mean", "variance_min", "variance_max"), rows),
        write_csv(os.path.join(folder, "growth.csv"),
                  ("variant", "factor_per_block", "log_fit_r2", "increment_per_block", "linear_fit_r2",
                   "final_variance"),
                  [(name, item["factor_per_block"], item["log_fit_r2"], item["increment_per_block"],
                    item["linear_fit_r2"], item["final_variance"]) for name, item in analysis.items()]),
    ]
    path = os.path.join(folder, "bn_variance.png")
    with figure(path, 1, 2, figsize=(16, 6.5)) as (fig, axes):
        index = np.arange(blocks + 1)
        for ax, scale in zip(axes[0], ("log", "linear"), strict=True):
            for name, (_, _, label, color, style) in VARIANTS.items():
                if scale == "linear" and name == "no_bn":
                    continue
                item = analysis[name]
                growth = (f"x{item['factor_per_block']:.2f} per block" if name == "no_bn"
                          else f"{item['increment_per_block']:+.2f} per block")
                ax.plot(index, curves[name], color=color, linestyle=style, marker="o", markersize=5,
                        label=f"{label}, {growth}")
            ax.set(yscale=scale, xlabel="residual blocks passed (0 = the input)",
                   ylabel=f"variance of the activations\n({scale} scale, input = 1)")
            ax.legend(loc="upper left")
        if analysis["no_bn"]["factor_per_block"] > 1:
            axes[0, 0].plot(index, 2.0 ** index, color="gray", linestyle=":", label="2^blocks (doubling)")
            axes[0, 0].legend(loc="upper left")
        axes[0, 0].set_title("All three, log scale: without BN it doubles")
        axes[0, 1].set_title("With BatchNorm only, linear scale: straight lines")
        fig.suptitle(f"Activation variance through {blocks} residual blocks at initialisation "
                     f"({channels} channels, He init, mean of {networks} random nets)")
    numbers = {"blocks": blocks, "networks": networks, **analysis,
               "curves": {name: curve.tolist() for name, curve in curves.items()}}
    reading = _reading(analysis, blocks)
    result = DemoResult(NAME, folder, [path], tables, numbers, reading, time.perf_counter() - start)
    if verbose:
        print(result)
    return result
