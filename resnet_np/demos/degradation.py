"""Demo `degradation`: the paper's Figure 1 / Figure 6 - a deeper plain net trains WORSE, a deeper ResNet better.

Four nets - plain and residual, shallow and deep (20 and 56 layers by default) - are trained with identical
settings: the same data, the same order of mini-batches, the same initialisation seed, SGD with momentum, a short
warm-up and a cosine schedule. Training uses resnet_np.training.Trainer (the same loop as `python -m resnet_np
train`); the training error is the running error during each epoch, the test error a full pass in eval mode after
it, as in the paper's curves.

Data: CIFAR-10 when data_dir is given (a subset, to fit a lecture's time budget); otherwise the built-in synthetic
task (resnet_np.data.synthetic) at a difficulty where a 20-layer net needs several epochs, on narrow nets
(widths 8/16/32) so that a 56-layer net trains in a couple of minutes on two CPU cores. The reading states what
the run showed, including when the effect did not show at that size.
"""

import dataclasses
import os
import time

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

NAME = "degradation"
DESCRIPTION = ("the paper's Figure 6: train plain20/plain56/resnet20/resnet56 with identical settings; the deeper "
               "plain net trains worse, the deeper ResNet better (synthetic data, or CIFAR-10 with --data-dir)")
TRAINING = {"batch_size": 64, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4, "warmup_epochs": 1}
PRESETS = {
    "full": {"depths": (20, 56), "widths": (8, 16, 32), "epochs": 12, "image_size": 16, "train_samples": 2000,
             "test_samples": 500, "difficulty": 0.7, **TRAINING},
    "quick": {"depths": (8, 20), "widths": (4, 8, 16), "epochs": 3, "image_size": 8, "train_samples": 256,
              "test_samples": 128, "difficulty": 0.5, **TRAINING, "batch_size": 32, "warmup_epochs": 0},
}
CIFAR_PRESETS = {  # what changes with data_dir (CIFAR-10): a subset, so that a lecture's time budget holds
    "full": {"widths": (16, 32, 64), "image_size": 32, "train_samples": 5000, "test_samples": 1000},
    "quick": {"image_size": 16, "train_samples": 256, "test_samples": 128},
}


def base_config(chosen, seed, data_dir):
    """The TrainConfig shared by the four runs (the model options are filled in per run)."""
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


def _compare(runs, shallow, deep, residual):
    """(deep final train error - shallow, same for test) in percentage points, or None if a run diverged."""
    a, b = runs[(shallow, residual)], runs[(deep, residual)]
    if a["diverged"] or b["diverged"] or not a["history"] or not b["history"]:
        return None
    return (100 * (b["history"][-1]["train_error"] - a["history"][-1]["train_error"]),
            100 * (b["history"][-1]["test_error"] - a["history"][-1]["test_error"]))


def _reading(runs, depths, description):
    shallow, deep = depths
    lines = [f"Training {description}; final errors (train = running error of the last epoch):"]
    for residual in (False, True):
        for depth in depths:
            run = runs[(depth, residual)]
            label = model_label(depth, residual)
            if not run["history"]:
                lines.append(f"  {label:<9} diverged in its first epoch")
                continue
            last = run["history"][-1]
            lines.append(f"  {label:<9} train error {100 * last['train_error']:5.1f}%   test error "
                         f"{100 * last['test_error']:5.1f}%" + ("   (DIVERGED: stopped early)" if run["diverged"]
                                                               else ""))
    plain, residual = _compare(runs, shallow, deep, False), _compare(runs, shallow, deep, True)
    names = {key: model_label(d, r) for key, (d, r) in (("ps", (shallow, False)), ("pd", (deep, False)),
                                                         ("rs", (shallow, True)), ("rd", (deep, True)))}
    if plain is None:
        lines.append("A plain net diverged, so the plain comparison is not meaningful at these settings.")
    elif plain[0] > 1.0:
        lines.append(f"DEGRADATION SHOWED: {names['pd']} ended with a training error {plain[0]:.1f} points HIGHER "
                     f"than {names['ps']} (test: {plain[1]:+.1f} points). More layers made the plain net worse on "
                     "its own training data - not overfitting, an optimisation difficulty (paper, section 4.1).")
    else:
        lines.append(f"Degradation did NOT show at this size: {names['pd']}'s final training error is "
                     f"{plain[0]:+.1f} points from {names['ps']}'s. The paper's effect needs the deeper plain net "
                     "to be limited by optimisation; with more epochs or a harder task it usually appears.")
    if residual is None:
        lines.append("A residual net diverged, so the residual comparison is not meaningful at these settings.")
    elif residual[0] <= 0.5 and residual[1] < 0:
        lines.append(f"The deeper ResNet did better: {names['rd']} {residual[0]:+.1f} points of training error and "
                     f"{residual[1]:+.1f} points of test error against {names['rs']}.")
    elif residual[0] <= 1.0:
        lines.append(f"The deeper ResNet trained as well as the shallow one ({residual[0]:+.1f} points of training "
                     f"error) but was NOT better on the test set ({residual[1]:+.1f} points) at this budget: "
                     "the shortcuts removed the degradation, the gain from depth did not show yet.")
    else:
        lines.append(f"The deeper ResNet trained WORSE here ({residual[0]:+.1f} points of training error, "
                     f"{residual[1]:+.1f} test): at this budget the effect of the paper did not show for ResNets.")
    return "\n".join(lines)


def _plot(path, runs, depths, title, num_classes):
    with figure(path, 1, 2, figsize=(16, 6.5), sharey=True) as (fig, axes):
        for column, residual in enumerate((False, True)):
            ax = axes[0, column]
            for index, depth in enumerate(depths):
                history = runs[(depth, residual)]["history"]
                epochs = [record["epoch"] for record in history]
                color = kind_color(residual, index, len(depths))
                label = model_label(depth, residual)
                ax.plot(epochs, [100 * record["train_error"] for record in history], color=color, linestyle="--",
                        linewidth=1.8, label=f"{label} training error")
                ax.plot(epochs, [100 * record["test_error"] for record in history], color=color, linestyle="-",
                        linewidth=3.2, label=f"{label} test error")
            ax.axhline(100 * (1 - 1 / num_classes), color="gray", linestyle=":", linewidth=1.5,
                       label="chance level (guessing)")
            ax.set(xlabel="epoch", title="plain nets (no shortcuts)" if not residual else "ResNets (shortcuts)")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.legend(loc="best")
        axes[0, 0].set_ylabel("error (%)")
        axes[0, 0].set_ylim(0, 100)
        fig.suptitle(title)


def degradation(quick=False, out_dir=None, seed=0, data_dir=None, verbose=True, depths=None, widths=None,
                epochs=None, image_size=None, train_samples=None, test_samples=None, difficulty=None,
                batch_size=None, lr=None, momentum=None, weight_decay=None, warmup_epochs=None):
    """Run the demo; returns a DemoResult (numbers["final"]["plain56"]["train_error"], ...; errors as fractions).

    data_dir: a CIFAR-10 folder (then a subset of CIFAR-10 with widths 16/32/64 at 32x32), else synthetic data.
    The other arguments override the preset (depths: (shallow, deep), both of the form 6n + 2).
    """
    start = time.perf_counter()
    presets = PRESETS if data_dir is None else {mode: {**preset, **CIFAR_PRESETS[mode]}
                                                for mode, preset in PRESETS.items()}
    chosen = settings(quick, presets, {
        "depths": depths, "widths": widths, "epochs": epochs, "image_size": image_size,
        "train_samples": train_samples, "test_samples": test_samples, "difficulty": difficulty,
        "batch_size": batch_size, "lr": lr, "momentum": momentum, "weight_decay": weight_decay,
        "warmup_epochs": warmup_epochs})
    depths = tuple(sorted(int(depth) for depth in chosen["depths"]))
    if len(depths) != 2:
        raise ValueError(f"degradation: depths must be two depths (shallow, deep), got {chosen['depths']!r}")
    folder = output_dir(NAME, out_dir)
    config = base_config(chosen, seed, data_dir)
    dataset = build_dataset(config)
    source = (f"CIFAR-10 ({len(dataset.y_train)} training images)" if data_dir is not None else
              f"the synthetic task (difficulty {chosen['difficulty']}, {len(dataset.y_train)} training images "
              f"of {chosen['image_size']}x{chosen['image_size']})")
    description = (f"on {source}, widths {'/'.join(map(str, chosen['widths']))}, {chosen['epochs']} epochs, "
                   f"batch {chosen['batch_size']}, lr {chosen['lr']:g}, seed {seed}")
    if verbose:
        print(f"Training 4 nets {description}", flush=True)

    runs, rows = {}, []
    for residual in (False, True):
        for depth in depths:
            label = model_label(depth, residual)
            log = (lambda line, label=label: print(f"  {label:<9} {line}", flush=True)) if verbose else None
            _, history, diverged = train_one(config, dataset, depth, chosen["widths"], residual, log)
            runs[(depth, residual)] = {"history": history, "diverged": diverged}
            rows += [(label, depth, residual, record["epoch"], record["lr"], record["train_loss"],
                      record["train_error"], record["test_loss"], record["test_error"], record["epoch_seconds"])
                     for record in history]

    tables = [write_csv(os.path.join(folder, "history.csv"),
                        ("model", "depth", "residual", "epoch", "lr", "train_loss", "train_error", "test_loss",
                         "test_error", "epoch_seconds"), rows)]
    path = os.path.join(folder, "degradation.png")
    title = (f"Plain vs residual nets of depth {depths[0]} and {depths[1]}, identical settings "
             f"({'CIFAR-10 subset' if data_dir is not None else 'synthetic task'})")
    _plot(path, runs, depths, title, dataset.num_classes)
    numbers = {
        "depths": list(depths), "settings": {key: (list(value) if isinstance(value, tuple) else value)
                                             for key, value in chosen.items()},
        "final": {model_label(d, r): ({"train_error": runs[(d, r)]["history"][-1]["train_error"],
                                       "test_error": runs[(d, r)]["history"][-1]["test_error"]}
                                      if runs[(d, r)]["history"] else None)
                  for d in depths for r in (False, True)},
        "curves": {model_label(d, r): runs[(d, r)]["history"] for d in depths for r in (False, True)},
        "diverged": {model_label(d, r): runs[(d, r)]["diverged"] for d in depths for r in (False, True)},
    }
    plain, residual = _compare(runs, *depths, False), _compare(runs, *depths, True)
    numbers["plain_deeper_minus_shallow_points"] = plain
    numbers["resnet_deeper_minus_shallow_points"] = residual
    reading = _reading(runs, depths, description)
    result = DemoResult(NAME, folder, [path], tables, numbers, reading, time.perf_counter() - start)
    if verbose:
        print(result)
    return result
