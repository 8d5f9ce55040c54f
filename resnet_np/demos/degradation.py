"""Demo `degradation`: the paper's Figure 1 / Figure 6 - a deeper plain net trains WORSE, a deeper ResNet does not.

Four nets - plain and residual, shallow and deep (20 and 56 layers by default) - are trained with identical
settings: the same data, the same order of mini-batches, the same initialisation seed, SGD with momentum, a
warm-up and a cosine schedule. The whole experiment is repeated for several seeds (each seed draws its own data,
initial weights and batch order), and the figure and the reading give the mean and the range over the seeds:
small nets trained briefly are noisy, and one seed cannot tell an effect from luck. Training uses
resnet_np.training.Trainer (the same loop as `python -m resnet_np train`); the training error is the running error
during each epoch, the test error a full pass in eval mode after it, as in the paper's curves.

A difference between two nets is called a difference only when their ranges over the seeds do not overlap
(every seed of one below every seed of the other); otherwise the reading says it is within the spread.

Data: CIFAR-10 when data_dir is given (a subset, to fit a lecture's time budget); otherwise the built-in synthetic
task (resnet_np.data.synthetic) at difficulty 0.5 with 8x8 images, on narrow nets (widths 8/16/32), so that the
4 x 3 runs of the lecture size take minutes on a laptop's CPU. The size was chosen by measuring several seeds:
at it plain56 ends far above plain20 in training error in every seed, while resnet56 fits the training set as
well as resnet20 (both near 0%), far below plain56. At 16x16 and difficulty 0.7 (the earlier preset) resnet56
ended 3 to 20 points above resnet20 after 12 epochs, depending on the seed. The paper's CIFAR settings are kept:
shortcut option A (identity with zero-padding), no zero-initialised BN gammas, and a warm-up at a tenth of the
learning rate as the paper used for ResNet-110 (here the first epoch at lr 0.01, then 0.1 with a cosine decay).
"""

import dataclasses
import os
import time

import numpy as np

from ..language import figure_file, languages
from ..training import (
    TrainConfig,
    Trainer,
    TrainingDiverged,
    build_dataset,
    build_model,
    build_optimizer,
    build_schedule,
    build_train_loader,
)
from .common import DemoResult, figure, kind_color, model_label, output_dir, settings, write_csv
from .degradation_text import TEXT, describe
from .findings import Finding, compare_over_seeds, measured, points, threshold
from .render import render

NAME = "degradation"
DESCRIPTION = ("the paper's Figure 6 over several seeds: plain20/plain56/resnet20/resnet56 trained with identical "
               "settings; does the deeper plain net train worse in every seed, the deeper ResNet as well as the "
               "shallower one? (synthetic data, or CIFAR-10 with --data-dir)")
TRAINING = {"batch_size": 64, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4, "warmup_epochs": 1}
PRESETS = {
    "full": {"depths": (20, 56), "widths": (8, 16, 32), "epochs": 12, "image_size": 8, "train_samples": 2000,
             "test_samples": 500, "difficulty": 0.5, "seeds": 3, **TRAINING},
    "quick": {"depths": (8, 20), "widths": (4, 8, 16), "epochs": 3, "image_size": 8, "train_samples": 256,
              "test_samples": 128, "difficulty": 0.5, "seeds": 2, **TRAINING, "batch_size": 32,
              "warmup_epochs": 0},
}
CIFAR_PRESETS = {  # what changes with data_dir (CIFAR-10): a subset, so that a lecture's time budget holds
    "full": {"widths": (16, 32, 64), "image_size": 32, "train_samples": 5000, "test_samples": 1000},
    "quick": {"image_size": 16, "train_samples": 256, "test_samples": 128},
}
KEYS = ("train_error", "test_error")


def base_config(chosen, seed, data_dir):
    """The TrainConfig shared by the four runs of one seed (the model options are filled in per run)."""
    common = {key: chosen[key] for key in ("epochs", "batch_size", "lr", "momentum", "weight_decay",
                                           "warmup_epochs")}
    if data_dir is not None:
        return TrainConfig(model="cifar_resnet", dataset="cifar10", data_dir=os.fspath(data_dir),
                           image_size=chosen["image_size"], train_samples=chosen["train_samples"],
                           test_samples=chosen["test_samples"], seed=seed, schedule="cosine", **common).resolved()
    return TrainConfig(model="cifar_resnet", dataset="synthetic", image_size=chosen["image_size"], seed=seed,
                       schedule="cosine", dataset_options={"n_train": chosen["train_samples"],
                                                           "n_test": chosen["test_samples"],
                                                           "difficulty": chosen["difficulty"]},
                       **common).resolved()


def train_one(config, dataset, depth, widths, residual, log):
    """Train one net with resnet_np.training.Trainer -> (model, history records, divergence message or None).

    After a divergence the model keeps the last finite weights (the Trainer stops before a non-finite update).
    """
    config = dataclasses.replace(config, model_options={"depth": depth, "widths": list(widths),
                                                        "residual": residual})
    model = build_model(config, dataset)
    optimizer = build_optimizer(config, model)
    trainer = Trainer(model, optimizer, build_train_loader(config, dataset), dataset.x_test, dataset.y_test,
                      schedule=build_schedule(config, optimizer), epochs=config.epochs, out_dir=None,
                      progress=False, log=log)
    try:
        trainer.fit()
    except TrainingDiverged as error:
        return model, list(trainer.history), str(error)
    return model, list(trainer.history), None


def ordering(lower, higher):
    """How two sets of per-seed values compare: "below" if every value of `lower` is below every value of
    `higher`, "above" if every one is above, "overlap" if their ranges overlap (then neither is the winner)."""
    if max(lower) < min(higher):
        return "below"
    if min(lower) > max(higher):
        return "above"
    return "overlap"


def summarise(runs, labels, epochs):
    """Per net: final errors per seed (None for a run that diverged), their mean/min/max over the finished runs."""
    final = {}
    for label in labels:
        entry = {}
        for key in KEYS:
            values = [run["history"][-1][key] if not run["diverged"] and len(run["history"]) == epochs else None
                      for run in runs[label]]
            done = [value for value in values if value is not None]
            entry[f"{key}_per_seed"] = values
            entry[key] = float(np.mean(done)) if done else None
            entry[f"{key}_min"] = min(done) if done else None
            entry[f"{key}_max"] = max(done) if done else None
        final[label] = entry
    return final


def compare(final, first, second):
    """second minus first, per seed and on average, in percentage points; and how their ranges over seeds order."""
    result = {}
    for key in KEYS:
        pairs = [(a, b) for a, b in zip(final[first][f"{key}_per_seed"], final[second][f"{key}_per_seed"],
                                         strict=True) if a is not None and b is not None]
        name = key.replace("_error", "")
        result[f"{name}_per_seed"] = [100 * (b - a) for a, b in pairs]
        result[name] = float(np.mean(result[f"{name}_per_seed"])) if pairs else None
        result[f"{name}_order"] = (ordering([b for _, b in pairs], [a for a, _ in pairs]) if pairs else None)
    return result


def _mean_curve(runs, key, epochs):
    """(epochs, mean, min, max) in percent over the runs that finished, or None if none did."""
    curves = [[100 * record[key] for record in run["history"]] for run in runs
              if not run["diverged"] and len(run["history"]) == epochs]
    if not curves:
        return None
    values = np.array(curves)
    return np.arange(1, epochs + 1), values.mean(axis=0), values.min(axis=0), values.max(axis=0)


def _plot(folder, runs, final, depths, cifar, num_classes, epochs, n_seeds, language):
    """The figure, in `language` -> its path."""
    text = TEXT[language]
    path = os.path.join(folder, figure_file("degradation.png", language))
    seed_count = text["seed_count_one"] if n_seeds == 1 else text["seed_count"].format(seeds=n_seeds)
    title = text["title"].format(shallow=depths[0], deep=depths[1], seed_count=seed_count,
                                 data=text["cifar"] if cifar else text["synthetic"])
    with figure(path, 1, 3, figsize=(22, 7.5), gridspec_kw={"width_ratios": [1, 1, 0.8]},
                language=language) as (fig, axes):
        for column, residual in enumerate((False, True)):
            ax = axes[0, column]
            for index, depth in enumerate(depths):
                label = model_label(depth, residual)
                color = kind_color(residual, index, len(depths))
                for key, style, width, name in (("train_error", "--", 2.0, text["training"]),
                                                ("test_error", "-", 3.2, text["test"])):
                    curve = _mean_curve(runs[label], key, epochs)
                    if curve is None:
                        continue
                    x, mean, low, high = curve
                    ax.plot(x, mean, color=color, linestyle=style, linewidth=width, label=name.format(model=label))
                    if n_seeds > 1:  # a band is the range over the seeds: none with one seed
                        ax.fill_between(x, low, high, color=color, alpha=0.18, linewidth=0)
            ax.axhline(100 * (1 - 1 / num_classes), color="gray", linestyle=":", linewidth=1.5,
                       label=text["chance"])
            ax.set(xlabel=text["epoch"], ylabel=text["error"], ylim=(0, 100),
                   title=(text["plain_title"] if not residual else text["residual_title"])
                   + (text["seeds_title_one"] if n_seeds == 1 else text["seeds_title"].format(seeds=n_seeds)))
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.legend(loc="best")

        ax = axes[0, 2]
        bar_width = 0.38
        for offset, residual in ((-bar_width / 2, False), (bar_width / 2, True)):
            for index, depth in enumerate(depths):
                label = model_label(depth, residual)
                entry = final[label]
                values = [100 * value for value in entry["train_error_per_seed"] if value is not None]
                if not values:
                    continue
                color = kind_color(residual, 1, 2)
                ax.bar(index + offset, np.mean(values), bar_width * 0.92, color=color, alpha=0.85,
                       label=(text["plain"] if not residual else text["resnet"]) if index == 0 else None)
                ax.scatter(np.full(len(values), index + offset), values, color="black", s=36, zorder=3,
                           label=text["one_seed"] if index == 0 and not residual else None)
                ax.annotate(f"{label}\n{np.mean(values):.1f}%", (index + offset, max(values)),
                            xytext=(0, 9), textcoords="offset points", ha="center", fontsize=13)
        ax.set_xticks(range(len(depths)), [text["layers"].format(depth=depth) for depth in depths])
        ax.set(ylabel=text["final"], ylim=(0, 100), title=text["final_title_one"] if n_seeds == 1
               else text["final_title"].format(seeds=n_seeds))
        ax.legend(loc="upper left")
        fig.suptitle(title)
    return path


# A difference in training error smaller than this (in percentage points, on average over the seeds) is not called
# a difference: a point is what a single mislabelled batch can move on 2000 images in the last epoch.
MARGIN_POINTS = 1.0


def _per_seed(first, second, key):
    """The paired per-seed values (in percent) of two nets that both finished: (first's, second's)."""
    pairs = [(a, b) for a, b in zip(first[f"{key}_per_seed"], second[f"{key}_per_seed"], strict=True)
             if a is not None and b is not None]
    return [100 * a for a, _ in pairs], [100 * b for _, b in pairs]


def _range_text(entry, key):
    return f"{100 * entry[key]:5.1f}% [{100 * entry[f'{key}_min']:.1f}-{100 * entry[f'{key}_max']:.1f}]"


def findings(numbers):
    """The conclusions of a degradation run, from its numbers (DemoResult.numbers) -> [Finding].

    Every comparison goes through compare_over_seeds: a difference over several seeds is claimed only when the
    seeds' ranges separate it, one seed is a single run.
    """
    chosen, final, seeds = numbers["settings"], numbers["final"], numbers["seeds"]
    shallow, deep = numbers["depths"]
    ps, pd, rs, rd = (model_label(depth, residual) for residual in (False, True) for depth in (shallow, deep))
    setup = {"train_images": numbers["train_images"], "widths": "/".join(map(str, chosen["widths"])),
             "epochs": chosen["epochs"], "batch": chosen["batch_size"], "lr": chosen["lr"],
             "warmup": chosen["warmup_epochs"], "seeds": ", ".join(map(str, seeds))}
    found = [measured("degradation.setup_cifar", **setup) if numbers["cifar"] else
             measured("degradation.setup_synthetic", difficulty=chosen["difficulty"], size=chosen["image_size"],
                      **setup),
             measured("degradation.table_header", count=len(seeds))]
    for label in (ps, pd, rs, rd):
        entry = final[label]
        diverged = sum(value is None for value in entry["train_error_per_seed"])
        if entry["train_error"] is None or entry["test_error"] is None:
            found.append(measured("degradation.row_diverged", model=label))
        else:
            found.append(measured("degradation.row_some_diverged" if diverged else "degradation.row", model=label,
                                  train=_range_text(entry, "train_error"), test=_range_text(entry, "test_error"),
                                  diverged=diverged))
    found.append(measured("degradation.rule"))

    def pair(key, first, second, low_is_second, margin, criterion):
        """A finding comparing nets first and second over the seeds (None if one of them always diverged)."""
        a, b = _per_seed(final[first], final[second], "train_error")
        if not a:
            return measured(f"{key}_diverged", first=first, second=second)
        test_a, test_b = _per_seed(final[first], final[second], "test_error")
        low, high = (b, a) if low_is_second else (a, b)
        verdict = compare_over_seeds(low, high, margin)
        differences = [y - x for x, y in zip(a, b, strict=True)]  # second minus first, per seed
        return Finding(key, verdict, {
            "first": first, "second": second, "mean": float(np.mean(differences)),
            "size": abs(float(np.mean(differences))), "per_seed": points(differences),
            "test": float(np.mean([y - x for x, y in zip(test_a, test_b, strict=True)])) if test_a else float("nan")},
            criterion)

    found.append(pair("degradation.plain_degrades", ps, pd, False, MARGIN_POINTS,
                      f"{pd}'s final training error above {ps}'s in every seed (ranges over the seeds do not "
                      f"overlap) and by more than {MARGIN_POINTS:g} point on average"))
    found.append(pair("degradation.resnet_deeper_better", rs, rd, True, 0.0,
                      f"{rd}'s final training error below {rs}'s in every seed (ranges over the seeds do not "
                      "overlap)"))
    a, b = _per_seed(final[rs], final[rd], "train_error")
    if a:
        mean = float(np.mean(b) - np.mean(a))
        if len(a) == 1:
            verdict = "single_run" if mean <= MARGIN_POINTS else "not_shown"
        else:  # not worse in every seed, and not worse on average by more than the margin
            verdict = threshold(mean <= MARGIN_POINTS and compare_over_seeds(a, b, 0.0) != "shown")
        found.append(Finding("degradation.resnet_as_well", verdict, {"first": rs, "second": rd, "mean": mean,
                                                                      "margin": MARGIN_POINTS},
                             f"{rd}'s final training error at most {MARGIN_POINTS:g} point above {rs}'s on average "
                             "and not above it in every seed"))
    b_test, a_test = _per_seed(final[rd], final[rs], "test_error")
    if a_test:
        found.append(Finding("degradation.resnet_test", compare_over_seeds(b_test, a_test, 0.0), {
            "first": rs, "second": rd, "mean": float(np.mean(b_test) - np.mean(a_test))},
            f"{rd}'s final test error below {rs}'s in every seed (ranges over the seeds do not overlap)"))
    found.append(pair("degradation.shortcuts_at_depth", pd, rd, True, 0.0,
                      f"{rd}'s final training error below {pd}'s in every seed (ranges over the seeds do not "
                      "overlap)"))
    return found


def degradation(quick=False, out_dir=None, seed=0, data_dir=None, verbose=True, depths=None, widths=None,
                epochs=None, image_size=None, train_samples=None, test_samples=None, difficulty=None,
                seeds=None, batch_size=None, lr=None, momentum=None, weight_decay=None, warmup_epochs=None,
                lang=None):
    """Run the demo; returns a DemoResult (errors as fractions, differences in percentage points).

    numbers["final"]["plain56"]["train_error"] is the mean over the seeds, ..._per_seed/_min/_max the rest;
    numbers["comparisons"]["plain"|"resnet"|"deep"] the differences deep minus shallow (plain, resnet) and
    resnet minus plain at the deeper depth ("deep"), per seed, on average and how their ranges order.
    seed: the first seed; seeds: how many (seed, seed + 1, ...), each with its own data, weights and batch order.
    data_dir: a CIFAR-10 folder (then a subset of CIFAR-10 with widths 16/32/64 at 32x32), else synthetic data.
    The other arguments override the preset (depths: (shallow, deep), both of the form 6n + 2).
    lang: "en", "ko" or both, e.g. ("en", "ko"): the figure and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    presets = PRESETS if data_dir is None else {mode: {**preset, **CIFAR_PRESETS[mode]}
                                                for mode, preset in PRESETS.items()}
    chosen = settings(quick, presets, {
        "depths": depths, "widths": widths, "epochs": epochs, "image_size": image_size,
        "train_samples": train_samples, "test_samples": test_samples, "difficulty": difficulty, "seeds": seeds,
        "batch_size": batch_size, "lr": lr, "momentum": momentum, "weight_decay": weight_decay,
        "warmup_epochs": warmup_epochs})
    depths = tuple(sorted(int(depth) for depth in chosen["depths"]))
    if len(depths) != 2:
        raise ValueError(f"degradation: depths must be two depths (shallow, deep), got {chosen['depths']!r}")
    if isinstance(chosen["seeds"], bool) or not isinstance(chosen["seeds"], (int, np.integer)) \
            or chosen["seeds"] < 1:
        raise ValueError(f"degradation: seeds must be a number of seeds >= 1, got {chosen['seeds']!r}")
    seed_list = [int(seed) + offset for offset in range(int(chosen["seeds"]))]
    folder = output_dir(NAME, out_dir)
    labels = [model_label(depth, residual) for residual in (False, True) for depth in depths]
    runs = {label: [] for label in labels}
    rows, num_classes, n_train = [], 10, 0
    for current in seed_list:
        config = base_config(chosen, current, data_dir)
        dataset = build_dataset(config)
        num_classes, n_train = dataset.num_classes, len(dataset.y_train)
        if verbose and current == seed_list[0]:
            print(f"Training {describe(chosen, n_train, data_dir is not None)}, seeds "
                  f"{', '.join(map(str, seed_list))}", flush=True)
        for residual in (False, True):
            for depth in depths:
                label = model_label(depth, residual)
                log = ((lambda line, label=label, current=current: print(f"  seed {current} {label:<9} {line}",
                                                                         flush=True)) if verbose else None)
                _, history, diverged = train_one(config, dataset, depth, chosen["widths"], residual, log)
                runs[label].append({"seed": current, "history": history, "diverged": diverged})
                rows += [(label, depth, residual, current, record["epoch"], record["lr"], record["train_loss"],
                          record["train_error"], record["test_loss"], record["test_error"],
                          record["epoch_seconds"]) for record in history]

    final = summarise(runs, labels, chosen["epochs"])
    ps, pd, rs, rd = labels
    comparisons = {"plain": compare(final, ps, pd), "resnet": compare(final, rs, rd), "deep": compare(final, pd, rd)}
    tables = [
        write_csv(os.path.join(folder, "history.csv"),
                  ("model", "depth", "residual", "seed", "epoch", "lr", "train_loss", "train_error", "test_loss",
                   "test_error", "epoch_seconds"), rows),
        write_csv(os.path.join(folder, "final.csv"), ("model", "seed", "train_error", "test_error", "diverged"),
                  [(label, run["seed"], *(final[label][f"{key}_per_seed"][index] for key in KEYS),
                    run["diverged"] or "") for label in labels for index, run in enumerate(runs[label])]),
    ]
    figures = [_plot(folder, runs, final, depths, data_dir is not None, num_classes, chosen["epochs"], len(seed_list),
                     language) for language in asked]
    numbers = {
        "depths": list(depths), "seeds": seed_list,
        "settings": {key: (list(value) if isinstance(value, tuple) else value) for key, value in chosen.items()},
        "final": final,
        "comparisons": comparisons,
        "curves": {label: [run["history"] for run in runs[label]] for label in labels},
        "diverged": {label: [run["diverged"] for run in runs[label]] for label in labels},
        "train_images": int(n_train), "cifar": data_dir is not None,
    }
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
