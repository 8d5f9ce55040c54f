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

from ..language import figure_file, languages
from ..nn import BasicBlock, Bottleneck, Conv2d, Sequential
from ..summary import multiply_adds, summary
from .common import DemoResult, figure, output_dir, write_csv
from .findings import Finding, measured, threshold
from .render import render

NAME = "bottleneck-cost"
DESCRIPTION = ("multiply-adds and parameters: a 5x5 conv with and without a 1x1 reduction (120M vs 12.4M), and "
               "a basic vs a bottleneck block (paper's Figure 5), counted by resnet_np.summary")
TEXT = {  # the figure's words, per language; "labels" in the order of reduction_example() + block_comparison()
    "en": {
        "labels": None,  # English: the labels of the modules themselves (also written to the CSV)
        "multiply_adds": "multiply-adds per image (millions)", "parameters": "parameters (thousands)",
        "legend_multiply_adds": "multiply-adds (conv layers)", "legend_parameters": "trainable parameters",
        "title_reduction": "28x28x192 input -> 32 channels (study notes)",
        "title_blocks": "Residual blocks at 56x56 (paper, Figure 5)",
        "title_reduction_parameters": "... and their parameters",
        "title_blocks_parameters": "... and their parameters (incl. BatchNorm)",
        "suptitle": "What a 1x1 reduction saves: multiply-adds and parameters, counted by resnet_np.summary",
    },
    "ko": {
        "labels": ["5x5 합성곱\n192 -> 32", "1x1 합성곱 192 -> 16,\n이어서 5x5 합성곱 16 -> 32",
                   "기본 블록, 64채널\n(3x3 두 개, 64 -> 64)", "병목 블록, 256채널\n(1x1 -> 64, 3x3, 1x1 -> 256)",
                   "기본 블록, 256채널\n(3x3 두 개, 256 -> 256)"],
        "multiply_adds": "이미지 한 장의 곱셈-덧셈 (백만 번)", "parameters": "매개변수 (천 개)",
        "legend_multiply_adds": "곱셈-덧셈 (합성곱 층)", "legend_parameters": "훈련되는 매개변수",
        "title_reduction": "28x28x192 입력 -> 32채널 (노트의 예)",
        "title_blocks": "56x56에서의 잔차 블록 (논문 Figure 5)",
        "title_reduction_parameters": "... 그리고 매개변수",
        "title_blocks_parameters": "... 그리고 매개변수 (배치 정규화 포함)",
        "suptitle": "1x1 축소로 아끼는 것: resnet_np.summary로 센 곱셈-덧셈과 매개변수",
    },
}


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


def _bars(ax, rows, key, scale, unit, color, legend, labels):
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


def _draw(reduction, blocks, folder, language):
    """The figure, in `language` -> its path."""
    text = TEXT[language]
    labels = text["labels"] or [row["label"] for row in reduction + blocks]
    path = os.path.join(folder, figure_file("bottleneck_cost.png", language))
    with figure(path, 2, 2, figsize=(16, 11), language=language) as (fig, axes):
        for column, (rows, names) in enumerate(((reduction, labels[:len(reduction)]),
                                                (blocks, labels[len(reduction):]))):
            _bars(axes[0, column], rows, "multiply_adds", 1e6, text["multiply_adds"], "tab:blue",
                  text["legend_multiply_adds"], names)
            _bars(axes[1, column], rows, "parameters", 1e3, text["parameters"], "tab:orange",
                  text["legend_parameters"], names)
        axes[0, 0].set_title(text["title_reduction"])
        axes[0, 1].set_title(text["title_blocks"])
        axes[1, 0].set_title(text["title_reduction_parameters"])
        axes[1, 1].set_title(text["title_blocks_parameters"])
        fig.suptitle(text["suptitle"])
    return path


def findings(numbers):
    """The conclusions of the cost count, from its numbers (DemoResult.numbers) -> [Finding]. Exact counts: the
    tests are comparisons of integers, no noise."""
    found = [measured("bottleneck.reduction_header")]
    for key, name in (("direct", "direct"), ("reduced", "reduced")):
        found.append(measured(f"bottleneck.row_{name}", madds=numbers[f"{key}_multiply_adds"],
                              params=numbers[f"{key}_parameters"]))
    found.append(Finding("bottleneck.reduction_cheaper",
                         threshold(numbers["reduced_multiply_adds"] < numbers["direct_multiply_adds"]),
                         {"saving": numbers["reduction_saving"]},
                         "the 1x1-reduced path has fewer multiply-adds than the direct 5x5 conv"))
    found.append(measured("bottleneck.blocks_header"))
    for name in ("basic64", "bottleneck256", "basic256"):
        found.append(measured(f"bottleneck.row_{name}", madds=numbers[f"{name}_multiply_adds"],
                              params=numbers[f"{name}_parameters"]))
    bottleneck, basic64, basic256 = (numbers[f"{name}_multiply_adds"] for name in ("bottleneck256", "basic64",
                                                                                    "basic256"))
    found.append(Finding("bottleneck.cheaper_than_wide_basic", threshold(bottleneck < basic256),
                         {"relative": bottleneck / basic64, "cheaper": basic256 / bottleneck},
                         "the 256-d bottleneck block has fewer multiply-adds than a 256-d basic block"))
    return found


def bottleneck_cost(quick=False, out_dir=None, verbose=True, lang=None):
    """Run the demo (quick and full are the same: nothing is trained); returns a DemoResult.

    numbers["direct_multiply_adds"] = 120422400, numbers["reduced_multiply_adds"] = 12443648, ...
    lang: "en", "ko" or both, e.g. ("en", "ko"): the figure and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    folder = output_dir(NAME, out_dir)
    reduction, blocks = _count(reduction_example()), _count(block_comparison())

    table_rows = [(group, row["label"].replace("\n", " "), "x".join(map(str, row["input_shape"])),
                   "x".join(map(str, row["output_shape"])), row["multiply_adds"], row["parameters"])
                  for group, rows in (("1x1 reduction", reduction), ("blocks at 56x56", blocks)) for row in rows]
    tables = [write_csv(os.path.join(folder, "cost.csv"),
                        ("comparison", "module", "input (CxHxW)", "output (CxHxW)", "multiply_adds", "parameters"),
                        table_rows)]
    figures = [_draw(reduction, blocks, folder, language) for language in asked]

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
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
