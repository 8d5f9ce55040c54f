"""Demo `lesion`: delete one block of a trained net at test time (Veit, Wilber, Belongie 2016, "Residual Networks
Behave Like Ensembles of Relatively Shallow Networks").

A ResNet and its plain twin (the same layers without the "+ x") are trained with identical settings
(resnet_np.training, the same loop as `python -m resnet_np train`). Then, one block at a time, the block is
deleted and the test error measured, with nothing retrained:

    ResNet:  y = relu(F(x) + shortcut(x))   becomes   y = relu(shortcut(x))     (Veit et al.: keep the skip path)
    plain:   y = relu(F(x))                 becomes   y = x

A block that keeps the shape has the identity shortcut, so deleting it passes its input on unchanged (x >= 0 after
the previous ReLU, so the ReLU does nothing). A downsampling block (the first of stages 2 and 3: stride 2, twice
the channels) cannot simply be skipped: there both nets get the block's parameter-free option-A shortcut (take
every second pixel, append zero channels), which is what the ResNet's own shortcut is in the paper's CIFAR nets.
(With a projection shortcut, option B/C, the ResNet keeps its trained 1x1 conv + BN.) Downsampling blocks are
reported apart: they are not what Veit et al.'s claim is about.

Veit et al.: a ResNet behaves like an ensemble of many paths of different lengths, so removing one block removes
only some of the paths and the error rises a little; a plain net has a single path, and breaking it sends the
error to chance level.
"""

import os
import time

import numpy as np

from ..language import figure_file, languages
from ..nn.shortcuts import ZeroPadShortcut
from ..training import TrainConfig, build_dataset
from .common import DemoResult, figure, kind_color, model_label, output_dir, settings, write_csv
from .degradation import train_one
from .findings import Finding, measured
from .lesion_text import TEXT
from .render import render

NAME = "lesion"
DESCRIPTION = ("delete one block at test time from a trained ResNet and from its plain twin (Veit et al. 2016): "
               "they found that the ResNet loses a few points, the plain net collapses to chance")
TRAINING = {"batch_size": 64, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4, "warmup_epochs": 1}
PRESETS = {
    "full": {"depth": 20, "widths": (8, 16, 32), "epochs": 15, "image_size": 8, "train_samples": None,
             "test_samples": None, **TRAINING},
    "quick": {"depth": 14, "widths": (8, 16, 32), "epochs": 4, "image_size": 8, "train_samples": 480,
              "test_samples": 200, **TRAINING, "batch_size": 32, "warmup_epochs": 0},
}


def skip_block(block, x):
    """The block with its residual branch F deleted: relu(shortcut(x)) for a ResNet block, x for a plain one.

    Where the block changes the shape and has no shortcut module to keep (a plain block), the parameter-free
    option-A map (every stride-th pixel, zero channels appended) takes its place.
    """
    layers = block.branch_layers()
    shared = x
    for layer in layers[:block.SHARED_WITH_SHORTCUT]:  # pre-activation blocks: BN-ReLU also feeds the shortcut
        shared = layer(shared)
    if block.residual and block.downsample is not None:
        out = block.downsample(shared)
    elif block.stride == 1 and block.in_channels == block.out_channels:
        out = shared
    else:
        out = ZeroPadShortcut(block.in_channels, block.out_channels, block.stride)(shared)
    for layer in block.layers_after_add():
        out = layer(out)
    return out


def is_downsampling(block):
    return block.stride != 1 or block.in_channels != block.out_channels


def forward_with_lesion(model, x, lesion=None):
    """Eval-mode forward of x -> logits, with the block named `lesion` (e.g. "layer2.1") deleted (None: intact)."""
    model.eval()
    names = [name for name, _ in model.named_blocks()]
    if lesion is not None and lesion not in names:
        raise ValueError(f"no block named {lesion!r}; blocks: {', '.join(names)}")
    for layer in model.stem_layers():
        x = layer(x)
    for name, block in model.named_blocks():
        x = skip_block(block, x) if name == lesion else block(x)
    for layer in model.head_layers():
        x = layer(x)
    return x


def test_error(model, x, y, lesion=None, batch_size=500):
    wrong = 0
    for start in range(0, len(y), batch_size):
        logits = forward_with_lesion(model, x[start:start + batch_size], lesion)
        wrong += int(np.sum(np.argmax(logits, axis=1) != y[start:start + batch_size]))
    return wrong / len(y)


def digits_config(chosen, seed):
    """(TrainConfig, dataset, description) for training on the digits with the chosen sizes (model options
    are filled in per run by degradation.train_one)."""
    config = TrainConfig(model="cifar_resnet", dataset="digits", image_size=chosen["image_size"],
                         epochs=chosen["epochs"], train_samples=chosen["train_samples"],
                         test_samples=chosen["test_samples"], seed=seed, schedule="cosine",
                         **{key: chosen[key] for key in TRAINING}).resolved()
    dataset = build_dataset(config)
    return config, dataset, describe_run(chosen, dataset, seed, "en")


def describe_run(chosen, dataset, seed, language):
    """The sizes of the run in words, in `language` (the English one is digits_config's description)."""
    return TEXT[language]["settings"].format(size=chosen["image_size"], images=len(dataset.y_train),
                                             widths="/".join(map(str, chosen["widths"])), epochs=chosen["epochs"],
                                             seed=seed)


def _plot(folder, runs, depth, names, chance, language):
    """The figure, in `language` -> its path."""
    text = TEXT[language]
    path = os.path.join(folder, figure_file("lesion.png", language))
    with figure(path, figsize=(14, 7), language=language) as (fig, axes):
        ax = axes[0, 0]
        positions = np.arange(1, len(names) + 1)
        for residual in (False, True):
            run = runs[residual]
            errors = [100 * run["errors"][name] for name in names]
            ax.plot(positions, errors, color=kind_color(residual), marker="o" if residual else "s",
                    linestyle="-" if residual else "--", markersize=9,
                    label=text["deleted"].format(model=model_label(depth, residual)))
            ax.axhline(100 * run["intact"], color=kind_color(residual), linestyle=":", linewidth=2,
                       label=text["intact"].format(model=model_label(depth, residual), error=100 * run["intact"]))
        ax.axhline(100 * chance, color="gray", linestyle="-.", linewidth=1.5, label=text["chance"])
        for index, name in enumerate(names):
            if runs[True]["is_downsampling"][name]:
                ax.axvspan(index + 0.6, index + 1.4, color="gold", alpha=0.35, linewidth=0)
        ax.axvspan(0, 0, color="gold", alpha=0.35, label=text["downsampling"])
        ax.set_xticks(positions)
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=11)
        ax.set(xlabel=text["xlabel"], ylabel=text["ylabel"], ylim=(0, 100), xlim=(0.4, len(names) + 0.6),
               title=text["title"].format(depth=depth))
        ax.legend(loc="center right", fontsize=11)
    return path


# Two single runs' test errors are called different only by 5 points or more: 18 of the digits' 360 test images, more
# than a second training run with another seed moves a typical block's lesion error.
MARGIN = 0.05
# "Chance level": within 5 points of the error of guessing (90% for ten classes).
CHANCE_MARGIN = 0.05
# Early blocks "hurt more": the first half's mean increase above twice the last half's, plus a point.
EARLY_FACTOR, EARLY_OFFSET = 2.0, 0.01


def _percent_list(errors):
    return ", ".join(f"{name} {100 * value:.1f}%" for name, value in errors.items())


def findings(numbers):
    """The conclusions of a lesion run, from its numbers (DemoResult.numbers) -> [Finding].

    One training run of each net: the comparisons are single runs.
    """
    depth, chosen, chance = numbers["depth"], numbers["settings"], numbers["chance_error"]
    plain_label, resnet_label = model_label(depth, False), model_label(depth, True)
    plain, resnet = numbers[plain_label], numbers[resnet_label]
    found = [measured("lesion.setup", depth=depth, size=chosen["image_size"], images=numbers["train_images"],
                      widths="/".join(map(str, chosen["widths"])), epochs=chosen["epochs"], seed=numbers["seed"],
                      chance=100 * chance)]
    for label, run in ((plain_label, plain), (resnet_label, resnet)):
        worst = max(run["increases"], key=run["increases"].get)
        found.append(measured("lesion.row", model=label, intact=100 * run["intact"], median=100 * run["median_error"],
                              increase=100 * run["median_increase"], worst=100 * run["errors"][worst],
                              worst_block=worst, count=len(run["increases"])))
    gap = plain["median_increase"] - resnet["median_increase"]
    found.append(Finding("lesion.resnet_more_robust",
                         "single_run" if gap >= MARGIN else "reversed" if gap <= -MARGIN else "not_shown",
                         {"resnet": 100 * resnet["median_increase"], "plain": 100 * plain["median_increase"]},
                         f"deleting a typical block (median over the blocks that keep the shape) raises the plain "
                         f"net's test error by at least {100 * MARGIN:g} points more than the ResNet's (reversed: the "
                         "other way round)"))
    found.append(Finding("lesion.plain_to_chance",
                         "single_run" if plain["median_error"] >= chance - CHANCE_MARGIN else "not_shown",
                         {"error": 100 * plain["median_error"], "chance": 100 * chance},
                         f"the plain net's median test error with one block deleted within {100 * CHANCE_MARGIN:g} "
                         "points of chance level, or above"))
    ordered = list(resnet["increases"].values())
    half = len(ordered) // 2
    if half:
        early, late = float(np.mean(ordered[:half])), float(np.mean(ordered[-half:]))
        found.append(Finding("lesion.early_blocks_hurt_more",
                             "single_run" if early > EARLY_FACTOR * late + EARLY_OFFSET else "not_shown",
                             {"early": 100 * early, "late": 100 * late},
                             f"in the ResNet, the first half of the blocks' mean increase above {EARLY_FACTOR:g} x "
                             f"the last half's + {100 * EARLY_OFFSET:g} point"))
    if resnet["downsampling"]:
        found.append(measured("lesion.downsampling", resnet=_percent_list(resnet["downsampling"]),
                              plain=_percent_list(plain["downsampling"])))
        worse = all(value >= resnet["median_error"] + MARGIN for value in resnet["downsampling"].values())
        found.append(Finding("lesion.downsampling_hurt_more", "single_run" if worse else "not_shown",
                             {"typical": 100 * resnet["median_error"]},
                             f"every downsampling block of the ResNet, deleted, at least {100 * MARGIN:g} points above "
                             "the ResNet's median error with one block deleted"))
    return found


def lesion(quick=False, out_dir=None, seed=0, verbose=True, depth=None, widths=None, epochs=None, image_size=None,
           train_samples=None, test_samples=None, batch_size=None, lr=None, momentum=None, weight_decay=None,
           warmup_epochs=None, lang=None):
    """Run the demo; returns a DemoResult (numbers["resnet32"]["errors"]["layer1.2"], ...; errors as fractions).

    lang: "en", "ko" or both, e.g. ("en", "ko"): the figure and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
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
    runs, rows, chance = {}, [], None
    for residual in (False, True):
        label = model_label(depth, residual)
        log = (lambda line, label=label: print(f"  {label:<9} {line}", flush=True)) if verbose else None
        model, history, diverged = train_one(config, dataset, depth, chosen["widths"], residual, log)
        chance = 1 - 1 / dataset.num_classes
        x = dataset.x_test.astype(model.dtype)
        y = dataset.y_test
        intact = test_error(model, x, y)
        names = [name for name, _ in model.named_blocks()]
        blocks = dict(model.named_blocks())
        errors = {name: test_error(model, x, y, name) for name in names}
        down = {name: is_downsampling(blocks[name]) for name in names}
        increases = {name: errors[name] - intact for name in names if not down[name]}
        runs[residual] = {
            "intact": intact, "errors": errors, "is_downsampling": down, "increases": increases,
            "median_increase": float(np.median(list(increases.values()))),
            "median_error": float(np.median([errors[name] for name in increases])),
            "downsampling": {name: errors[name] for name in names if down[name]},
            "final_train_error": history[-1]["train_error"] if history else None, "diverged": diverged}
        rows += [(label, depth, residual, index, name, down[name], intact, errors[name], errors[name] - intact)
                 for index, name in enumerate(names, start=1)]
        if verbose:
            print(f"  {label}: intact {100 * intact:.1f}%, median with one block deleted "
                  f"{100 * runs[residual]['median_error']:.1f}%", flush=True)

    tables = [write_csv(os.path.join(folder, "lesion.csv"),
                        ("model", "depth", "residual", "block_index", "deleted_block", "downsampling",
                         "intact_test_error", "test_error", "increase"), rows)]
    figures = [_plot(folder, runs, depth, names, chance, language) for language in asked]
    numbers = {"depth": depth, "chance_error": chance, "blocks": names}
    numbers.update(seed=seed, train_images=len(dataset.y_train),
                   settings={key: list(value) if isinstance(value, tuple) else value
                             for key, value in chosen.items()})
    for residual, run in runs.items():
        numbers[model_label(depth, residual)] = {key: run[key] for key in (
            "intact", "errors", "increases", "median_increase", "median_error", "downsampling",
            "final_train_error", "diverged")}
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
