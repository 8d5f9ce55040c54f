"""Demo `layer-responses`: how large is each block's residual F(x) after training? (He et al. 2015, Figure 7)

The paper (section 4.2, "Analysis of Layer Responses") measures the standard deviation of the response of every
3x3 layer - its BatchNorm output, before the ReLU or the addition - on the test set, for trained plain and
residual nets. In a residual block y = relu(F(x) + x) the second BN output IS the residual F(x). The paper finds
that ResNets' responses are generally SMALLER than their plain counterparts' ("residual functions might be
generally closer to zero than the non-residual functions"), and smaller still in deeper ResNets - not zero.
Many study notes turn this into "F(x) -> 0 as training proceeds"; this demo measures how far that holds.

A plain net and its residual twin are trained with identical settings (resnet_np.training). Forward hooks on
every block's BatchNorm layers record the responses on the test images, in eval mode (running statistics),
once at initialisation and once after training. At initialisation the BatchNorm layers use the statistics of a
training batch (set_batchnorm_to_batch_statistics): each response then has a standard deviation of about 1
(gamma = 1), in both nets, so any difference after training was learned (mostly through the BN scales gamma).
"""

import os
import time

import numpy as np

from ..language import figure_file, languages
from ..training import build_model
from .common import (
    DemoResult,
    figure,
    kind_color,
    model_label,
    output_dir,
    set_batchnorm_to_batch_statistics,
    settings,
    write_csv,
)
from .degradation import train_one
from .findings import Finding, measured, threshold
from .lesion import PRESETS as LESION_PRESETS
from .lesion import digits_config
from .render import render

NAME = "layer-responses"
DESCRIPTION = ("the paper's Figure 7: std of every block's residual F(x) (BN output before the addition) at "
               "initialisation and after training, plain vs ResNet (the paper: smaller in ResNets, not zero)")
PRESETS = LESION_PRESETS  # the same two nets as the lesion demo
TEXT = {  # the figure's words, per language
    "en": {
        "trained": "{model} after training", "init": "{model} at initialisation",
        "order_xlabel": "block (stage.index; from the input to the output)",
        "ylabel": "std of the residual F(x)\n(last BN output of the block)", "order_title": "(a) in network order",
        "sorted_xlabel": "blocks sorted by their response (largest first)", "sorted_title": "(b) sorted by magnitude",
        "suptitle": "Layer responses of trained {depth}-layer nets (the paper's Figure 7)",
    },
    "ko": {
        "trained": "{model} 훈련 후", "init": "{model} 초기화 직후",
        "order_xlabel": "블록 (스테이지.번호; 입력 쪽부터 출력 쪽으로)",
        "ylabel": "잔차 F(x)의 표준편차 (블록의 마지막 BN 출력)", "order_title": "(a) 신경망 안의 순서대로",
        "sorted_xlabel": "응답 크기순으로 정렬한 블록 (큰 것부터)", "sorted_title": "(b) 크기순으로 정렬",
        "suptitle": "훈련된 {depth}층 신경망의 층 응답 (논문의 Figure 7)",
    },
}


def block_responses(model, x):
    """Eval-mode forward of x -> ({block name: [std of each BatchNorm output of the block's branch]},
    {block name: std of the block's input}).

    The last entry of each list is the residual F(x) (the BN output just before the addition).
    """
    from ..nn import BatchNorm2d

    stds, outputs, handles = {}, {}, []
    watched = [("stem", model.stem_layers()[-1])] + model.named_blocks()
    for name, module in watched:
        handles.append(module.register_forward_hook(
            lambda _, out, name=name: outputs.__setitem__(name, float(np.std(out.astype(np.float64))))))
    for name, block in model.named_blocks():
        stds[name] = []
        for layer in block.branch_layers():
            if isinstance(layer, BatchNorm2d):
                index = len(stds[name])
                stds[name].append(None)
                handles.append(layer.register_forward_hook(
                    lambda _, out, name=name, index=index: stds[name].__setitem__(
                        index, float(np.std(out.astype(np.float64))))))
    try:
        model.eval()
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    names = [name for name, _ in watched]
    inputs = {name: outputs[previous] for previous, name in zip(names[:-1], names[1:], strict=True)}
    return stds, inputs


# "About 1": a std within 20% of 1 (0.8 to 1.25, symmetric on a log scale). Batch statistics of 256 images set the
# BatchNorm layers, so on the test images each std is 1 up to sampling noise of a few percent.
ABOUT_ONE = (0.8, 1.25)
# A difference in median response smaller than 10% is not called smaller: one run of training, and the median moves by
# several percent with the seed (the lecture run: 1.02 vs 1.10 between two nets trained alike).
SMALLER = 0.9
# "Near zero": a tenth of the std at initialisation (1), one order of magnitude.
NEAR_ZERO = 0.1


def findings(numbers):
    """The conclusions of a layer-responses run, from its numbers (DemoResult.numbers) -> [Finding].

    One training run of each net: the comparisons are single runs.
    """
    depth, chosen, names = numbers["depth"], numbers["settings"], numbers["blocks"]
    plain_label, resnet_label = model_label(depth, False), model_label(depth, True)
    plain, resnet = numbers[plain_label], numbers[resnet_label]
    found = [measured("layer_responses.setup", depth=depth, size=chosen["image_size"],
                      images=numbers["train_images"], widths="/".join(map(str, chosen["widths"])),
                      epochs=chosen["epochs"], seed=numbers["seed"])]
    for label, run in ((plain_label, plain), (resnet_label, resnet)):
        found.append(measured("layer_responses.row", model=label, init=run["init_median"], median=run["median"],
                              low=run["min"], high=run["max"], error=100 * run["test_error"]))
    initial = list(plain["init"].values()) + list(resnet["init"].values())
    low, high = ABOUT_ONE
    found.append(Finding("layer_responses.init_about_one", threshold(all(low <= value <= high for value in initial)),
                         {"plain": plain["init_median"], "resnet": resnet["init_median"], "low": min(initial),
                          "high": max(initial)},
                         f"at initialisation every block's response std in both nets between {low:g} and {high:g}"))
    smaller = sum(resnet["trained"][name] < plain["trained"][name] for name in names)
    evidence = {"resnet": resnet["median"], "plain": plain["median"], "smaller": smaller, "blocks": len(names)}
    if resnet["median"] < SMALLER * plain["median"] and 2 * smaller > len(names):
        verdict = "single_run"
    elif plain["median"] < SMALLER * resnet["median"] and 2 * smaller < len(names):
        verdict = "reversed"
    else:
        verdict = "not_shown"
    found.append(Finding("layer_responses.resnet_smaller", verdict, evidence,
                         f"after training, the ResNet's median response below {SMALLER:g} x the plain net's and "
                         "smaller in more than half of the blocks (reversed: the other way round)"))
    change = resnet["median"] / resnet["init_median"]
    found.append(Finding("layer_responses.training_shrank", "single_run" if change < SMALLER else "not_shown",
                         {"change": change, "init": resnet["init_median"], "median": resnet["median"]},
                         f"the ResNet's median response after training below {SMALLER:g} x its median at "
                         "initialisation"))
    found.append(Finding("layer_responses.none_near_zero", threshold(resnet["min"] > NEAR_ZERO),
                         {"smallest": resnet["min"], "near_zero": NEAR_ZERO},
                         f"every ResNet block's response std after training above {NEAR_ZERO:g}"))
    found.append(Finding("layer_responses.relative_same_order",
                         threshold(resnet["relative_median"] >= NEAR_ZERO),
                         {"relative": resnet["relative_median"], "relative_init": resnet["relative_init_median"]},
                         f"median over the ResNet's blocks of std(F(x)) / std(x) at least {NEAR_ZERO:g}"))
    found.append(Finding("layer_responses.not_vanishing",
                         threshold(resnet["min"] > NEAR_ZERO and resnet["relative_median"] >= NEAR_ZERO),
                         {"smallest": resnet["min"], "relative": resnet["relative_median"]},
                         "both of the two findings above: no residual near zero, and of the same order as x"))
    return found





def _plot(folder, runs, depth, names, language):
    """The figure, in `language` -> its path."""
    text = TEXT[language]
    path = os.path.join(folder, figure_file("layer_responses.png", language))
    with figure(path, 1, 2, figsize=(17, 7), sharey=True, language=language) as (fig, axes):
        positions = np.arange(1, len(names) + 1)
        for residual in (False, True):
            run = runs[residual]
            color = kind_color(residual)
            label = model_label(depth, residual)
            trained = np.array([run["trained"][name] for name in names])
            init = np.array([run["init"][name] for name in names])
            style = {"marker": "o" if residual else "s", "linestyle": "-" if residual else "--"}
            axes[0, 0].plot(positions, trained, color=color, label=text["trained"].format(model=label), **style)
            axes[0, 0].plot(positions, init, color=color, linewidth=1.5, alpha=0.6, linestyle=":",
                            marker=style["marker"], markersize=4, label=text["init"].format(model=label))
            axes[0, 1].plot(positions, np.sort(trained)[::-1], color=color,
                            label=text["trained"].format(model=label), **style)
        axes[0, 0].set_xticks(positions)
        axes[0, 0].set_xticklabels(names, rotation=60, ha="right", fontsize=11)
        axes[0, 0].set(xlabel=text["order_xlabel"], ylabel=text["ylabel"], title=text["order_title"])
        axes[0, 0].legend(fontsize=11)
        axes[0, 1].set(xlabel=text["sorted_xlabel"], title=text["sorted_title"],
                       xticks=positions[::max(1, len(positions) // 8)])
        axes[0, 1].legend(fontsize=11)
        axes[0, 0].set_ylim(bottom=0)
        fig.suptitle(text["suptitle"].format(depth=depth))
    return path


def layer_responses(quick=False, out_dir=None, seed=0, verbose=True, depth=None, widths=None, epochs=None,
                    image_size=None, train_samples=None, test_samples=None, batch_size=None, lr=None,
                    momentum=None, weight_decay=None, warmup_epochs=None, lang=None):
    """Run the demo; returns a DemoResult (numbers["resnet32"]["trained"]["layer1.0"] = std of F(x), ...).

    lang: "en", "ko" or both, e.g. ("en", "ko"): the figure and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    import dataclasses

    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    chosen = settings(quick, PRESETS, {
        "depth": depth, "widths": widths, "epochs": epochs, "image_size": image_size,
        "train_samples": train_samples, "test_samples": test_samples, "batch_size": batch_size, "lr": lr,
        "momentum": momentum, "weight_decay": weight_decay, "warmup_epochs": warmup_epochs})
    depth = int(chosen["depth"])
    folder = output_dir(NAME, out_dir)
    config, dataset, settings_text = digits_config(chosen, seed)
    if verbose:
        print(f"Training plain{depth} and resnet{depth} on the {settings_text}", flush=True)
    runs, rows = {}, []
    for residual in (False, True):
        label = model_label(depth, residual)
        log = (lambda line, label=label: print(f"  {label:<9} {line}", flush=True)) if verbose else None
        options = {"depth": depth, "widths": list(chosen["widths"]), "residual": residual}
        initial = build_model(dataclasses.replace(config, model_options=options), dataset)  # = train_one's start
        x = dataset.x_test.astype(initial.dtype)
        batch = dataset.x_train[:min(256, len(dataset.y_train))].astype(initial.dtype)
        init_all, init_inputs = block_responses(set_batchnorm_to_batch_statistics(initial, batch), x)
        model, history, diverged = train_one(config, dataset, depth, chosen["widths"], residual, log)
        trained_all, trained_inputs = block_responses(model, x)
        names = list(trained_all)
        run = {"init": {name: init_all[name][-1] for name in names},
               "trained": {name: trained_all[name][-1] for name in names},
               "relative_init": {name: init_all[name][-1] / init_inputs[name] for name in names},
               "relative": {name: trained_all[name][-1] / trained_inputs[name] for name in names},
               "trained_first_bn": {name: trained_all[name][0] for name in names},
               "test_error": history[-1]["test_error"] if history else float("nan"), "diverged": diverged}
        values = np.array(list(run["trained"].values()))
        run.update(median=float(np.median(values)), min=float(values.min()), max=float(values.max()),
                   init_median=float(np.median(list(run["init"].values()))),
                   relative_median=float(np.median(list(run["relative"].values()))),
                   relative_init_median=float(np.median(list(run["relative_init"].values()))))
        runs[residual] = run
        for index, name in enumerate(names, start=1):
            for position, (before, after) in enumerate(zip(init_all[name], trained_all[name], strict=True), 1):
                rows.append((label, depth, residual, index, name, f"bn{position}",
                             position == len(trained_all[name]), before, after, init_inputs[name],
                             trained_inputs[name]))
        if verbose:
            print(f"  {label}: median std of F(x) {run['init_median']:.2f} at initialisation, {run['median']:.2f} "
                  "after training", flush=True)

    tables = [write_csv(os.path.join(folder, "layer_responses.csv"),
                        ("model", "depth", "residual", "block_index", "block", "bn_layer", "is_residual_output",
                         "std_at_init", "std_trained", "block_input_std_at_init", "block_input_std_trained"),
                        rows)]
    figures = [_plot(folder, runs, depth, names, language) for language in asked]
    numbers = {"depth": depth, "blocks": names}
    numbers.update(seed=seed, train_images=len(dataset.y_train),
                   settings={key: list(value) if isinstance(value, tuple) else value
                             for key, value in chosen.items()})
    for residual, run in runs.items():
        numbers[model_label(depth, residual)] = dict(run)
    numbers["resnet_smaller_in_blocks"] = int(sum(runs[True]["trained"][n] < runs[False]["trained"][n]
                                                  for n in names))
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
