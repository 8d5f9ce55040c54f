"""Demo `training-dynamics`: per-layer statistics over the first few hundred SGD steps, plain vs ResNet.

A deep narrow plain net and its residual twin (56 layers by default) are trained step by step with the library's
builders and Trainer.train_step (the same step as `python -m resnet_np train`: forward, cross-entropy, backward,
SGD with momentum 0.9 and weight decay 1e-4), at the paper's constant learning rate 0.1, on the digits. Every
`record_every` steps, hooks record, for every block:
    activation   std of the block's output (train mode, the batch's BatchNorm statistics)
    gradient     ||dL/d(block output)||, the quantity of the gradient-flow demo
and for every conv layer the update:data ratio (Karpathy, CS231n "babysitting the learning process"):
    ||lr * dL/dW|| / ||W||       (~1e-3 is the usual healthy value; 1e-1 means the layer is rewritten every step)
The ratio of the step the optimiser really took, ||W_after - W_before|| / ||W_before|| (momentum and weight
decay included), is written to the CSV too.

What to look for: where the two nets' curves part. With BatchNorm the deep plain net's gradient grows toward the
input (see gradient-flow), so at the first steps its early layers take steps larger than their own weights; that
inflates those weights, and since BatchNorm makes the output blind to a layer's scale, every later step is tiny
relative to them: the early layers freeze (ratio << 1e-3) while the last ones still learn. The ResNet's ratios
stay in a narrow band around 1e-3 at every depth.
"""

import dataclasses
import os
import time

import numpy as np

from ..language import figure_file, languages
from ..nn import Conv2d
from ..training import Trainer, build_model, build_optimizer, build_train_loader
from .common import DemoResult, figure, kind_color, model_label, output_dir, readable_log_axis, settings, write_csv
from .findings import Finding, measured, threshold
from .lesion import digits_config
from .render import render
from .training_dynamics_text import TEXT

NAME = "training-dynamics"
DESCRIPTION = ("per-layer activation std, gradient norm and update:data ratio |lr*grad|/|W| over the first few "
               "hundred SGD steps, deep plain vs ResNet")
PRESETS = {
    "full": {"depth": 56, "widths": (8, 16, 32), "steps": 300, "record_every": 5, "image_size": 8,
             "train_samples": None, "batch_size": 64, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
             "window": 20},
    "quick": {"depth": 56, "widths": (4, 8, 16), "steps": 12, "record_every": 1, "image_size": 8,
              "train_samples": 512, "batch_size": 32, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
              "window": 4},
}
HEALTHY = 1e-3


class RecordingTrainer(Trainer):
    """A Trainer whose train_step also records per-layer statistics on every `record_every`-th step."""

    def __init__(self, *args, record_every=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_every = record_every
        self.steps_done = 0
        self.records = []  # one dict per recorded step
        self.losses = []  # every step's training loss
        self.blocks = self.model.named_blocks()
        self.convs = [(name, module) for name, module in self.model.named_modules() if isinstance(module, Conv2d)]
        self._current = None
        self._handles = []
        for name, block in self.blocks:
            self._handles.append(block.register_forward_hook(
                lambda _, out, name=name: self._note("activation", name, out)))
            self._handles.append(block.register_backward_hook(
                lambda _, grad, name=name: self._note("gradient", name, grad)))

    def remove_hooks(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _note(self, kind, name, array):
        if self._current is not None:
            values = array.astype(np.float64)
            self._current[kind][name] = float(np.std(values) if kind == "activation" else np.linalg.norm(values))

    def train_step(self, x, y):
        recording = self.steps_done % self.record_every == 0
        if recording:
            self._current = {"step": self.steps_done + 1, "activation": {}, "gradient": {}}
            before = {name: module.weight.data.astype(np.float64) for name, module in self.convs}
        loss, correct = super().train_step(x, y)
        self.steps_done += 1
        self.losses.append(loss)
        if recording:
            record, self._current = self._current, None
            lr = self.lr
            record["update_ratio"], record["step_ratio"], record["weight_norm"] = {}, {}, {}
            for name, module in self.convs:
                norm = float(np.linalg.norm(before[name]))
                record["update_ratio"][name] = lr * float(np.linalg.norm(module.weight.grad)) / norm
                record["step_ratio"][name] = float(np.linalg.norm(module.weight.data - before[name])) / norm
                record["weight_norm"][name] = norm
            record["loss"] = loss
            self.records.append(record)
        return loss, correct


def train_and_record(config, dataset, chosen, residual):
    """Train chosen["steps"] steps -> RecordingTrainer (records, losses); the epoch loop is the Trainer's."""
    options = {"depth": int(chosen["depth"]), "widths": list(chosen["widths"]), "residual": residual}
    config = dataclasses.replace(config, model_options=options)
    model = build_model(config, dataset)
    optimizer = build_optimizer(config, model)
    loader = build_train_loader(config, dataset)
    trainer = RecordingTrainer(model, optimizer, loader, dataset.x_test, dataset.y_test, schedule=None,
                               epochs=1, out_dir=None, progress=False, log=None,
                               record_every=int(chosen["record_every"]))
    model.train()
    while trainer.steps_done < chosen["steps"]:
        for x, y in loader:  # one pass = one epoch of the loader (its own shuffling by seed and epoch)
            if trainer.steps_done >= chosen["steps"]:
                break
            trainer.train_step(x, y)
    trainer.remove_hooks()
    return trainer


def _window_mean(records, kind, names, window):
    """Geometric mean over the last `window` recorded steps of each layer's statistic."""
    return np.exp(np.mean([[np.log(max(record[kind][name], 1e-30)) for name in names]
                           for record in records[-window:]], axis=0))


def _at_step_one(records, kind, names):
    return np.array([records[0][kind][name] for name in names])


def _summary(trainer, window):
    records = trainer.records
    blocks = [name for name, _ in trainer.blocks]
    convs = [name for name, _ in trainer.convs]
    first_gradient = _at_step_one(records, "gradient", blocks)
    late_gradient = _window_mean(records, "gradient", blocks, window)
    first_ratio = _at_step_one(records, "update_ratio", convs)
    late_ratio = _window_mean(records, "update_ratio", convs, window)
    growth = np.array([records[-1]["weight_norm"][name] / records[0]["weight_norm"][name] for name in convs])
    all_ratios = np.array([[record["update_ratio"][name] for name in convs] for record in records])
    return {
        "step1_gradient_first_over_last": float(first_gradient[0] / first_gradient[-1]),
        "late_gradient_first_over_last": float(late_gradient[0] / late_gradient[-1]),
        "step1_ratio_first_conv": float(first_ratio[0]), "step1_ratio_last_conv": float(first_ratio[-1]),
        "step1_ratio_max": float(first_ratio.max()),
        "late_ratio_first_conv": float(late_ratio[0]), "late_ratio_last_conv": float(late_ratio[-1]),
        "late_ratio_min": float(late_ratio.min()),
        "late_ratio_spread": float(late_ratio.max() / late_ratio.min()),
        "weight_growth_first_conv": float(growth[0]), "weight_growth_max": float(growth.max()),
        "median_ratio": float(np.median(all_ratios)),
        "share_above_1e-2": float(np.mean(all_ratios > 1e-2)),
        "share_below_1e-5": float(np.mean(all_ratios < 1e-5)),
        "first_loss": float(np.mean(trainer.losses[:window])), "last_loss": float(np.mean(trainer.losses[-window:])),
    }


FIGURES = ("layer_profiles.png", "update_ratio.png", "loss.png")


def _plot_profiles(path, trainers, depth, window, language):
    text = TEXT[language]
    with figure(path, 1, 3, figsize=(21, 7.5), language=language) as (fig, axes):
        for residual, trainer in trainers.items():
            blocks = [name for name, _ in trainer.blocks]
            convs = [name for name, _ in trainer.convs]
            color = kind_color(residual)
            label = model_label(depth, residual)
            for late, line_style, width in ((False, ":", 2.0), (True, "-" if residual else "--", 3.0)):
                when = text["late"].format(window=window) if late else text["step1"]
                for ax, kind, names in ((axes[0, 0], "activation", blocks), (axes[0, 1], "gradient", blocks),
                                        (axes[0, 2], "update_ratio", convs)):
                    values = (_window_mean(trainer.records, kind, names, window) if late
                              else _at_step_one(trainer.records, kind, names))
                    if kind == "gradient":
                        values = values / values[-1]
                    ax.plot(np.arange(1, len(names) + 1), values, color=color, linestyle=line_style,
                            linewidth=width, label=f"{label}, {when}")
        axes[0, 2].axhline(HEALTHY, color="green", linewidth=2, label=text["rule"])
        axes[0, 0].set(xlabel=text["block_xlabel"], ylabel=text["activation_ylabel"],
                       title=text["activation_title"], yscale="log")
        axes[0, 1].set(xlabel=text["block_xlabel"], ylabel=text["gradient_ylabel"], title=text["gradient_title"],
                       yscale="log")
        axes[0, 2].set(xlabel=text["conv_xlabel"], ylabel=text["ratio_ylabel"], title=text["ratio_title"],
                       yscale="log")
        readable_log_axis(axes[0, 0].yaxis)
        for ax in axes[0]:
            ax.legend(fontsize=11)
        fig.suptitle(text["profiles_suptitle"].format(depth=depth, window=window))


def _plot_heatmaps(path, trainers, depth, language):
    from matplotlib.colors import LogNorm

    text = TEXT[language]
    grids = {}
    for residual, trainer in trainers.items():
        convs = [name for name, _ in trainer.convs]
        grids[residual] = np.array([[record["update_ratio"][name] for record in trainer.records] for name in convs])
    low = max(min(float(grid.min()) for grid in grids.values()), 1e-7)
    high = max(float(grid.max()) for grid in grids.values())
    norm = LogNorm(vmin=min(low, HEALTHY / 10), vmax=max(high, HEALTHY * 10))
    with figure(path, 1, 2, figsize=(18, 7.5), sharey=True, language=language) as (fig, axes):
        for column, residual in enumerate((False, True)):
            trainer = trainers[residual]
            steps = [record["step"] for record in trainer.records]
            ax = axes[0, column]
            image = ax.pcolormesh(steps, np.arange(1, grids[residual].shape[0] + 1), grids[residual], norm=norm,
                                  cmap="magma", shading="nearest")
            ax.set(xlabel=text["step"], title=f"{model_label(depth, residual)} "
                                              f"({text['shortcuts'] if residual else text['no_shortcuts']})")
            ax.grid(False)
        axes[0, 0].set_ylabel(text["heatmap_ylabel"])
        colorbar = fig.colorbar(image, ax=axes[0, :].tolist(), shrink=0.95)
        colorbar.set_label(text["colorbar"])
        colorbar.ax.axhline(HEALTHY, color="cyan", linewidth=3)
        fig.suptitle(text["heatmap_suptitle"])


def _plot_losses(path, trainers, depth, language):
    text = TEXT[language]
    with figure(path, figsize=(11, 6), language=language) as (fig, axes):
        ax = axes[0, 0]
        for residual, trainer in trainers.items():
            ax.plot(np.arange(1, len(trainer.losses) + 1), trainer.losses, color=kind_color(residual),
                    linewidth=1.5, linestyle="-" if residual else "--", label=model_label(depth, residual))
        ax.axhline(np.log(10), color="gray", linestyle=":", linewidth=2, label=text["chance"])
        ax.set(xlabel=text["step"], ylabel=text["loss_ylabel"],
               title=text["loss_title"].format(steps=len(trainer.losses)))
        ax.legend()


def _draw(folder, trainers, depth, window, language):
    """The three figures, in `language` -> their paths."""
    paths = [os.path.join(folder, figure_file(name, language)) for name in FIGURES]
    _plot_profiles(paths[0], trainers, depth, window, language)
    _plot_heatmaps(paths[1], trainers, depth, language)
    _plot_losses(paths[2], trainers, depth, language)
    return paths


# The band around Karpathy's rule of thumb (~1e-3) within which a median update:data ratio is called "around" it:
# a factor ~3 either side, half an order of magnitude, the resolution of the heat map's colour scale.
HEALTHY_BAND = (3e-4, 3e-3)
# Two nets' numbers are called different only when one is 10x the other (one order of magnitude): one run, one seed,
# and these ratios move by factors of 2-3 from step to step.
FACTOR = 10.0
# "Frozen": a layer whose late update ratio is 10x below the last conv's while its weights at least doubled.
WEIGHT_GROWTH = 2.0


def findings(numbers):
    """The conclusions of a training-dynamics run, from its numbers (DemoResult.numbers) -> [Finding].

    One run (one seed) of each net: every comparison is a single run.
    """
    depth, chosen = numbers["depth"], numbers["settings"]
    plain_label, resnet_label = model_label(depth, False), model_label(depth, True)
    plain, resnet = numbers[plain_label], numbers[resnet_label]
    found = [measured("training_dynamics.setup", steps=chosen["steps"], lr=chosen["lr"], momentum=chosen["momentum"],
                      batch=chosen["batch_size"], depth=depth, every=chosen["record_every"], window=chosen["window"])]
    for label, s in ((plain_label, plain), (resnet_label, resnet)):
        found.append(measured("training_dynamics.row", model=label, first_loss=s["first_loss"],
                              last_loss=s["last_loss"], step1_first=s["step1_ratio_first_conv"],
                              step1_last=s["step1_ratio_last_conv"], late_first=s["late_ratio_first_conv"],
                              late_last=s["late_ratio_last_conv"], spread=s["late_ratio_spread"],
                              growth=s["weight_growth_first_conv"]))
    found.append(Finding(
        "training_dynamics.step1_plain_overdrives",
        "single_run" if plain["step1_ratio_first_conv"] > FACTOR * resnet["step1_ratio_first_conv"] else "not_shown",
        {"plain_gradient": plain["step1_gradient_first_over_last"],
         "resnet_gradient": resnet["step1_gradient_first_over_last"], "plain": plain["step1_ratio_first_conv"],
         "resnet": resnet["step1_ratio_first_conv"]},
        f"at step 1, the plain net's first-conv update:data ratio > {FACTOR:g} x the ResNet's"))
    spread = plain["late_ratio_spread"] / resnet["late_ratio_spread"]
    found.append(Finding(
        "training_dynamics.late_spread", "single_run" if spread > FACTOR else "reversed" if spread < 1 / FACTOR
        else "not_shown", {"plain": plain["late_ratio_spread"], "resnet": resnet["late_ratio_spread"]},
        f"later, the plain net's max/min update:data ratio over its layers > {FACTOR:g} x the ResNet's (reversed: "
        f"< 1/{FACTOR:g})"))
    frozen = (plain["late_ratio_first_conv"] < plain["late_ratio_last_conv"] / FACTOR
              and plain["weight_growth_first_conv"] >= WEIGHT_GROWTH)
    found.append(Finding(
        "training_dynamics.plain_first_layers_frozen", "single_run" if frozen else "not_shown",
        {"first": plain["late_ratio_first_conv"], "last": plain["late_ratio_last_conv"],
         "growth": plain["weight_growth_first_conv"]},
        f"later, the plain net's first-conv ratio < 1/{FACTOR:g} of its last conv's, and its first conv's |W| grew "
        f"x{WEIGHT_GROWTH:g} or more"))
    for label, s in ((plain_label, plain), (resnet_label, resnet)):
        low, high = HEALTHY_BAND
        found.append(Finding("training_dynamics.median_in_band", threshold(low <= s["median_ratio"] <= high),
                             {"model": label, "median": s["median_ratio"], "above": 100 * s["share_above_1e-2"],
                              "below": 100 * s["share_below_1e-5"]},
                             f"median update:data ratio over all layers and steps between {low:g} and {high:g}"))
    found.append(Finding("training_dynamics.resnet_lower_loss",
                         "single_run" if resnet["last_loss"] < plain["last_loss"] else "not_shown",
                         {"steps": chosen["steps"], "resnet": resnet["last_loss"], "plain": plain["last_loss"]},
                         "the ResNet's mean loss over the last recorded steps below the plain net's"))
    return found


def training_dynamics(quick=False, out_dir=None, seed=0, verbose=True, depth=None, widths=None, steps=None,
                      record_every=None, image_size=None, train_samples=None, batch_size=None, lr=None,
                      momentum=None, weight_decay=None, window=None, lang=None):
    """Run the demo; returns a DemoResult (numbers["plain56"]["late_ratio_spread"], ...).

    The CSV layer_statistics.csv holds every layer's statistics at every recorded step.
    lang: "en", "ko" or both, e.g. ("en", "ko"): the figures and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    chosen = settings(quick, PRESETS, {
        "depth": depth, "widths": widths, "steps": steps, "record_every": record_every, "image_size": image_size,
        "train_samples": train_samples, "batch_size": batch_size, "lr": lr, "momentum": momentum,
        "weight_decay": weight_decay, "window": window})
    depth = int(chosen["depth"])
    folder = output_dir(NAME, out_dir)
    config, dataset, text = digits_config({**chosen, "epochs": 1, "test_samples": 1, "warmup_epochs": 0}, seed)
    config = dataclasses.replace(config, schedule="constant")
    if verbose:
        print(f"Training plain{depth} and resnet{depth} for {chosen['steps']} steps on the digits", flush=True)
    trainers, rows, summaries = {}, [], {}
    window = max(1, min(int(chosen["window"]), -(-int(chosen["steps"]) // int(chosen["record_every"])) // 2))
    for residual in (False, True):
        label = model_label(depth, residual)
        trainer = train_and_record(config, dataset, chosen, residual)
        trainers[residual] = trainer
        summaries[residual] = _summary(trainer, window)
        for record in trainer.records:
            for index, (name, _) in enumerate(trainer.blocks, start=1):
                rows.append((label, residual, record["step"], "block", index, name, record["activation"][name],
                             record["gradient"][name], "", "", ""))
            for index, (name, _) in enumerate(trainer.convs, start=1):
                rows.append((label, residual, record["step"], "conv", index, name, "", "",
                             record["update_ratio"][name], record["step_ratio"][name], record["weight_norm"][name]))
        if verbose:
            print(f"  {label}: loss {summaries[residual]['first_loss']:.2f} -> {summaries[residual]['last_loss']:.2f}",
                  flush=True)
    tables = [
        write_csv(os.path.join(folder, "layer_statistics.csv"),
                  ("model", "residual", "step", "layer_kind", "layer_index", "layer", "activation_std",
                   "grad_norm", "lr_grad_over_weight", "actual_step_over_weight", "weight_norm"), rows),
        write_csv(os.path.join(folder, "losses.csv"), ("model", "step", "loss"),
                  [(model_label(depth, r), step, loss) for r, t in trainers.items()
                   for step, loss in enumerate(t.losses, start=1)]),
    ]
    figures = [path for language in asked for path in _draw(folder, trainers, depth, window, language)]
    chosen = {**chosen, "window": window}
    numbers = {"depth": depth, "seed": seed,
               "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in chosen.items()}}
    for residual in (False, True):
        numbers[model_label(depth, residual)] = summaries[residual]
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
