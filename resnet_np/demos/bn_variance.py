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

from ..language import figure_file, languages
from ..nn import BasicBlock, PreActBasicBlock
from .common import DemoResult, figure, fit_line, output_dir, remove_batchnorm, settings, write_csv
from .findings import EXPLODES_FACTOR, Finding, measured, threshold
from .render import render

NAME = "bn-variance"
DESCRIPTION = ("variance of the activations through a deep stack of residual blocks at initialisation: without "
               "BatchNorm (doubles per block), with BatchNorm and pre-activation (grows linearly)")
PRESETS = {
    "full": {"blocks": 24, "networks": 10, "channels": 16, "batch_size": 32, "image_size": 16},
    "quick": {"blocks": 12, "networks": 4, "channels": 16, "batch_size": 16, "image_size": 8},
}
VARIANTS = {  # name: (block class, keep BatchNorm, colour, line style)
    "no_bn": (BasicBlock, False, "tab:red", "-"),
    "bn": (BasicBlock, True, "tab:blue", "-"),
    "preact_bn": (PreActBasicBlock, True, "tab:green", "--"),
}
TEXT = {  # the figure's words, per language
    "en": {
        "no_bn": "no BatchNorm: relu(x + F(x))", "bn": "BatchNorm in the branch (paper's block)",
        "preact_bn": "pre-activation: x + F(BN-ReLU(x))",
        "times": "x{factor:.2f} per block", "plus": "{step:+.2f} per block", "doubling": "2^blocks (doubling)",
        "xlabel": "residual blocks passed (0 = the input)",
        "ylabel": "variance of the activations\n({scale} scale, input = 1)", "log": "log", "linear": "linear",
        "title_log": "All three, log scale: without BN it doubles",
        "title_linear": "With BatchNorm only, linear scale: straight lines",
        "suptitle": "Activation variance through {blocks} residual blocks at initialisation "
                    "({channels} channels, He init, mean of {networks} random nets)",
    },
    "ko": {
        "no_bn": "BN 없음: relu(x + F(x))", "bn": "잔차 경로에 배치 정규화 (논문의 블록)",
        "preact_bn": "사전 활성화: x + F(BN-ReLU(x))",
        "times": "블록마다 x{factor:.2f}", "plus": "블록마다 {step:+.2f}", "doubling": "2^블록 수 (두 배씩)",
        "xlabel": "지나온 잔차 블록 수 (0 = 입력)",
        "ylabel": "활성값의 분산 ({scale}, 입력 = 1)", "log": "로그 눈금", "linear": "선형 눈금",
        "title_log": "셋 모두, 로그 눈금: BN이 없으면 두 배씩",
        "title_linear": "배치 정규화가 있는 두 경우, 선형 눈금: 직선",
        "suptitle": "초기화 직후 잔차 블록 {blocks}개를 지나는 활성값의 분산 "
                    "(채널 {channels}개, He 초기화, 무작위 신경망 {networks}개의 평균)",
    },
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


# A fit is called a straight line when it explains 99% of the variance (R^2 >= 0.99) AND fits better than the other
# kind: R^2 > 0.9 does not tell the two apart (the lecture run's BN curve has R^2 0.91 on the log scale too).
FIT_R2 = 0.99
# "Geometric growth": a factor of at least 1.5 per block (the theory says 2: the sum of two equal variances).
GEOMETRIC_FACTOR = 1.5
# "Far smaller": two orders of magnitude (EXPLODES_FACTOR), the same factor that makes a gradient "explode".


def findings(numbers):
    """The conclusions of a bn-variance run, from its numbers (DemoResult.numbers) -> [Finding].

    Each curve is the geometric mean over `networks` random stacks, so the tests are thresholds, not single runs.
    """
    blocks, no_bn, bn, preact = numbers["blocks"], numbers["no_bn"], numbers["bn"], numbers["preact_bn"]
    found = [measured("bn_variance.header", blocks=blocks, networks=numbers["networks"]),
             measured("bn_variance.row_no_bn", final=no_bn["final_variance"], factor=no_bn["factor_per_block"],
                      r2=no_bn["log_fit_r2"])]
    for key in ("bn", "preact_bn"):
        item = numbers[key]
        found.append(measured(f"bn_variance.row_{key}", final=item["final_variance"],
                              step=item["increment_per_block"], r2=item["linear_fit_r2"]))
    geometric = (no_bn["factor_per_block"] >= GEOMETRIC_FACTOR and no_bn["log_fit_r2"] >= FIT_R2
                 and no_bn["log_fit_r2"] > no_bn["linear_fit_r2"])
    factor = no_bn["factor_per_block"]
    found.append(Finding("bn_variance.no_bn_geometric", threshold(geometric),
                         {"factor": factor, "blocks": blocks, "total": factor**blocks, "hundred": factor**100,
                          "r2": no_bn["log_fit_r2"], "linear_r2": no_bn["linear_fit_r2"]},
                         f"without BN: factor per block >= {GEOMETRIC_FACTOR:g}, and the fit of log-variance has "
                         f"R^2 >= {FIT_R2:g} and fits better than a straight line on a linear scale"))
    linear = all(item["linear_fit_r2"] >= FIT_R2 and item["linear_fit_r2"] > item["log_fit_r2"]
                 for item in (bn, preact))
    found.append(Finding("bn_variance.bn_linear", threshold(linear),
                         {"blocks": blocks, "bn": bn["final_variance"], "preact": preact["final_variance"],
                          "bn_r2": bn["linear_fit_r2"], "preact_r2": preact["linear_fit_r2"]},
                         f"with BN and pre-activation: the linear fit has R^2 >= {FIT_R2:g} and fits better than "
                         "the fit of log-variance"))
    largest = max(bn["final_variance"], preact["final_variance"])
    found.append(Finding("bn_variance.bn_far_smaller", threshold(no_bn["final_variance"] >= EXPLODES_FACTOR * largest),
                         {"no_bn": no_bn["final_variance"], "times": no_bn["final_variance"] / largest},
                         f"the final variance without BN at least {EXPLODES_FACTOR:g} x the larger of the two with BN"))
    return found


def _draw(curves, analysis, blocks, chosen, networks, folder, language):
    """The figure, in `language` -> its path."""
    text = TEXT[language]
    path = os.path.join(folder, figure_file("bn_variance.png", language))
    with figure(path, 1, 2, figsize=(16, 6.5), language=language) as (fig, axes):
        index = np.arange(blocks + 1)
        for ax, scale in zip(axes[0], ("log", "linear"), strict=True):
            for name, (_, _, color, style) in VARIANTS.items():
                if scale == "linear" and name == "no_bn":
                    continue
                item = analysis[name]
                growth = (text["times"].format(factor=item["factor_per_block"]) if name == "no_bn"
                          else text["plus"].format(step=item["increment_per_block"]))
                ax.plot(index, curves[name], color=color, linestyle=style, marker="o", markersize=5,
                        label=f"{text[name]}, {growth}")
            ax.set(yscale=scale, xlabel=text["xlabel"], ylabel=text["ylabel"].format(scale=text[scale]))
            ax.legend(loc="upper left")
        if analysis["no_bn"]["factor_per_block"] > 1:
            axes[0, 0].plot(index, 2.0 ** index, color="gray", linestyle=":", label=text["doubling"])
            axes[0, 0].legend(loc="upper left")
        axes[0, 0].set_title(text["title_log"])
        axes[0, 1].set_title(text["title_linear"])
        fig.suptitle(text["suptitle"].format(blocks=blocks, channels=chosen["channels"], networks=networks))
    return path


def bn_variance(quick=False, out_dir=None, seed=0, verbose=True, blocks=None, networks=None, channels=None,
                batch_size=None, image_size=None, dtype="float32", lang=None):
    """Run the demo; returns a DemoResult (numbers["no_bn"]["factor_per_block"], numbers["bn"][...], ...).

    blocks: residual blocks in the stack; networks: random stacks averaged (geometric mean); channels: width.
    lang: "en", "ko" or both, e.g. ("en", "ko"): the figure and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    chosen = settings(quick, PRESETS, {"blocks": blocks, "networks": networks, "channels": channels,
                                       "batch_size": batch_size, "image_size": image_size})
    blocks, networks, channels = chosen["blocks"], chosen["networks"], chosen["channels"]
    folder = output_dir(NAME, out_dir)
    curves, rows = {}, []
    for name, (block_class, batchnorm, _, _) in VARIANTS.items():
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
    figures = [_draw(curves, analysis, blocks, chosen, networks, folder, language) for language in asked]
    numbers = {"blocks": blocks, "networks": networks, **analysis,
               "curves": {name: curve.tolist() for name, curve in curves.items()}}
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
