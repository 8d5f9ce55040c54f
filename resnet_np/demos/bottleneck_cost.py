"""Demo `bottleneck-cost`: what a 1x1 reduction saves, counted by the library's own summary on real modules.

1. The 1x1-reduction example of the study notes (GoogLeNet's inception module; the idea behind the bottleneck):
   a 28x28x192 input to 32 channels with a 5x5 conv
       directly:                 28*28*32 * 5*5*192                        = 120,422,400 multiply-adds
       1x1 to 16 channels first: 28*28*16 * 1*1*192 + 28*28*32 * 5*5*16    =  12,443,648 multiply-adds
2. The paper's Figure 5 (section 4.1, "Deeper Bottleneck Architectures"), at 56x56 (the first stage of ResNet-50):
   a basic block on 64 channels (two 3x3 convs) and a bottleneck block on 256 channels (1x1 to 64, 3x3,
   1x1 back to 256) cost about the same - "similar time complexity" - while the bottleneck block works on a 4x
   wider signal. A basic block on 256 channels, the same width as the bottleneck's, costs 17x more.
Multiply-adds count conv and fc layers only (as the paper's FLOPs do); parameters include BatchNorm's.
Nothing is trained or computed on data: resnet_np.summary propagates shapes and counts.
"""

import os
import time

import numpy as np

from ..nn import BasicBlock, Bottleneck, Conv2d, Sequential
from ..summary import multiply_adds, summary
from .common import DemoResult, figure, output_dir, write_csv

NAME = "bottleneck-cost"
DESCRIPTION = ("multiply-adds and parameters: a 5x5 conv with and without a 1x1 reduction (120M vs 12.4M), and "
               "a basic vs a bottleneck block (paper's Figure 5), counted by resnet_np.summary")


def reduction_example():
    """[(label, module, input shape)] for the 1x1-reduction example (192 -> 32 channels at 28x28)."""
    direct = Conv2d(192, 32, 5, padding=2, rng=_rng())
    reduced = Sequential(Conv2d(192, 16, 1, rng=_rng()), Conv2d(16, 32, 5, padding=2, rng=_rng()))
    return [("5x5 conv\n192 -> 32", direct, (192, 28, 28)),
            ("1x1 conv 192 -> 16,\nthen 5x5 conv 16 -> 32", reduced, (192, 28, 28))]


def block_comparison():
    """[(label, module, input shape)]: the paper's Figure 5 at 56x56, and a basic block as wide as the bottleneck."""
    return [("basic block, 64-d\n(two 3x3, 64 -> 64)", BasicBlock(64, 64, rng=_rng()), (64, 56, 56)),
            ("bottleneck, 256-d\n(1x1 -> 64, 3x3, 1x1 -> 256)", Bottleneck(256, 64, rng=_rng()), (256, 56, 56)),
            ("basic block, 256-d\n(two 3x3, 256 -> 256)", BasicBlock(256, 256, rng=_rng()), (256, 56, 56))]


def _rng():
    return np.random.default_rng(0)  # the weights do not matter: only shapes are counted


def _count(items):
    rows = []
    for label, module, shape in items:
        counted = summary(module, shape, verbose=False)
        rows.append({"label": label, "multiply_adds": multiply_adds(module, shape),
                     "parameters": counted.total_parameters, "input_shape": shape,
                     "output_shape": counted.output_shape[1:]})
    return rows


def _bars(ax, rows, key, scale, unit, color, legend):
    labels = [row["label"] for row in rows]
    values = [row[key] / scale for row in rows]
    bars = ax.bar(range(len(rows)), values, color=color, width=0.6, label=legend)
    for bar, value in zip(bars, values, strict=True):
        ax.annotate(f"{value:.1f}" if value < 1000 else f"{value:,.0f}", (bar.get_x() + bar.get_width() / 2, value),
                    ha="center", va="bottom", fontsize=14, xytext=(0, 3), textcoords="offset points")
    ax.set_xticks(range(len(rows)), labels, fontsize=12)
    ax.set_ylabel(unit)
    ax.set_ylim(0, max(values) * 1.18)
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper center")


def bottleneck_cost(quick=False, out_dir=None, verbose=True):
    """Run the demo (quick and full are the same: nothing is trained); returns a DemoResult.

    numbers["direct_multiply_adds"] = 120422400, numbers["reduced_multiply_adds"] = 12443648, ...
    """
    start = time.perf_counter()
    folder = output_dir(NAME, out_dir)
    reduction, blocks = _count(reduction_example()), _count(block_comparison())

    table_rows = [(group, row["label"].replace("\n", " "), "x".join(map(str, row["input_shape"])),
                   "x".join(map(str, row["output_shape"])), row["multiply_adds"], row["parameters"])
                  for group, rows in (("1x1 reduction", reduction), ("blocks at 56x56", blocks)) for row in rows]
    tables = [write_csv(os.path.join(folder, "cost.csv"),
                        ("comparison", "module", "input (CxHxW)", "output (CxHxW)", "multiply_adds", "parameters"),
                        table_rows)]
    path = os.path.join(folder, "bottleneck_cost.png")
    with figure(path, 2, 2, figsize=(16, 11)) as (fig, axes):
        _bars(axes[0, 0], reduction, "multiply_adds", 1e6, "multiply-adds per image (millions)", "tab:blue",
              "multiply-adds (conv layers)")
        _bars(axes[1, 0], reduction, "parameters", 1e3, "parameters (thousands)", "tab:orange", "trainable parameters")
        _bars(axes[0, 1], blocks, "multiply_adds", 1e6, "multiply-adds per image (millions)", "tab:blue",
              "multiply-adds (conv layers)")
        _bars(axes[1, 1], blocks, "parameters", 1e3, "parameters (thousands)", "tab:orange", "trainable parameters")
        axes[0, 0].set_title("28x28x192 input -> 32 channels (study notes)")
        axes[0, 1].set_title("Residual blocks at 56x56 (paper, Figure 5)")
        axes[1, 0].set_title("... and their parameters")
        axes[1, 1].set_title("... and their parameters (incl. BatchNorm)")
        fig.suptitle("What a 1x1 reduction saves: multiply-adds and parameters, counted by resnet_np.summary")

    direct, reduced = reduction
    basic64, bottleneck256, basic256 = blocks
    numbers = {
        "direct_multiply_adds": direct["multiply_adds"], "reduced_multiply_adds": reduced["multiply_adds"],
        "direct_parameters": direct["parameters"], "reduced_parameters": reduced["parameters"],
        "reduction_saving": direct["multiply_adds"] / reduced["multiply_adds"],
        "basic64_multiply_adds": basic64["multiply_adds"],
        "bottleneck256_multiply_adds": bottleneck256["multiply_adds"],
        "basic256_multiply_adds": basic256["multiply_adds"], "basic64_parameters": basic64["parameters"],
        "bottleneck256_parameters": bottleneck256["parameters"], "basic256_parameters": basic256["parameters"],
    }
    reading = "\n".join([
        "1x1 reduction (28x28x192 input, 32 output channels of 5x5):",
        f"  directly:            {direct['multiply_adds']:>13,} multiply-adds, {direct['parameters']:>9,} parameters",
        f"  1x1 to 16 first:     {reduced['multiply_adds']:>13,} multiply-adds, {reduced['parameters']:>9,} parameters",
        f"  the 1x1 reduction does the job with {numbers['reduction_saving']:.1f}x fewer multiply-adds.",
        "Residual blocks at 56x56 (paper's Figure 5):",
        f"  basic block, 64-d:   {basic64['multiply_adds']:>13,} multiply-adds, {basic64['parameters']:>9,} parameters",
        f"  bottleneck, 256-d:   {bottleneck256['multiply_adds']:>13,} multiply-adds, "
        f"{bottleneck256['parameters']:>9,} parameters",
        f"  basic block, 256-d:  {basic256['multiply_adds']:>13,} multiply-adds, "
        f"{basic256['parameters']:>9,} parameters",
        f"  the bottleneck block handles a 4x wider signal for "
        f"{bottleneck256['multiply_adds'] / basic64['multiply_adds']:.2f}x the cost of the 64-d basic block, and is "
        f"{basic256['multiply_adds'] / bottleneck256['multiply_adds']:.0f}x cheaper than a basic block of its own "
        "width: that is why ResNet-50/101/152 use it.",
    ])
    result = DemoResult(NAME, folder, [path], tables, numbers, reading, time.perf_counter() - start)
    if verbose:
        print(result)
    return result
