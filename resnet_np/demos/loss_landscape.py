"""Demo `loss-landscape`: slices of the training loss around trained weights, plain vs residual (Li et al. 2018).

Li, Xu, Taylor, Studer, Goldstein 2018, "Visualizing the Loss Landscape of Neural Nets": pick two random
directions d1, d2 in weight space, FILTER-NORMALISED - every filter of a direction (one output channel of a
conv, one row of the fc weight) is rescaled to the norm of the same filter of the trained weights, so that the
plot does not depend on the scale of the weights (BatchNorm makes the loss invariant to it). BatchNorm
parameters and biases get a zero direction (they stay at their trained values). Then evaluate

    L(a, b) = training loss at weights theta + a * d1 + b * d2     for a, b on a grid in [-1, 1]

and draw L(a, 0) (a 1-D slice) and contours of L(a, b). BatchNorm runs in eval mode with the running statistics of
training (the network is then one fixed function of its weights), on a fixed subset of the training images.
A plain and a residual net of the same depth are trained with identical settings first; the same random numbers
make both nets' directions. Li et al. found the plain nets' landscapes turn chaotic as depth grows, the
residual nets' stay smooth and nearly convex.
"""

import os
import time

import numpy as np

from .. import functional as F
from ..language import figure_file, languages
from ..nn import BatchNorm2d
from .common import (
    DemoResult,
    figure,
    kind_color,
    model_label,
    output_dir,
    readable_log_axis,
    settings,
    write_csv,
)
from .degradation import TRAINING, base_config, train_one
from .findings import Finding, measured
from .loss_landscape_text import TEXT
from .render import render

NAME = "loss-landscape"
DESCRIPTION = ("1-D and 2-D slices of the training loss around trained weights along random filter-normalised "
               "directions (Li et al. 2018), plain vs residual at the same depth")
PRESETS = {
    "full": {"depth": 56, "widths": (8, 16, 32), "epochs": 10, "image_size": 8, "train_samples": 2000,
             "test_samples": 500, "difficulty": 0.5, "grid": 21, "line_points": 41, "loss_images": 256,
             **TRAINING},
    "quick": {"depth": 8, "widths": (4, 8, 16), "epochs": 2, "image_size": 8, "train_samples": 256,
              "test_samples": 64, "difficulty": 0.5, "grid": 7, "line_points": 13, "loss_images": 64,
              **TRAINING, "batch_size": 32, "warmup_epochs": 0},
}


def filter_normalised_direction(model, rng):
    """{parameter name: direction array}: random normal, each filter rescaled to the norm of the weights' filter.

    Conv weights (K, C, kh, kw) and the fc weight (out, in) are normalised per output filter (row); parameters
    of BatchNorm layers and 1-D parameters (biases) get zeros (Li et al. 2018, section 4).
    """
    batchnorm_parameters = {id(p) for module in model.modules() if isinstance(module, BatchNorm2d)
                            for p in module.parameters()}
    direction = {}
    for name, parameter in model.named_parameters():
        weights = parameter.data.astype(np.float64)
        noise = rng.standard_normal(weights.shape)
        if weights.ndim < 2 or id(parameter) in batchnorm_parameters:
            direction[name] = np.zeros_like(weights)
            continue
        axes = tuple(range(1, weights.ndim))
        weight_norms = np.sqrt(np.sum(weights**2, axis=axes, keepdims=True))
        noise_norms = np.sqrt(np.sum(noise**2, axis=axes, keepdims=True))
        direction[name] = noise * weight_norms / np.where(noise_norms == 0, 1, noise_norms)
    return direction


def loss_surface(model, x, y, direction1, direction2, alphas, betas):
    """Loss (mean cross-entropy over x, eval mode) at theta + a*d1 + b*d2 for every (b, a) -> (len(betas), len(alphas)).

    direction2 may be None (then betas must be [0]). The model's weights are restored afterwards.
    """
    parameters = dict(model.named_parameters())
    original = {name: parameter.data.copy() for name, parameter in parameters.items()}
    losses = np.empty((len(betas), len(alphas)))
    model.eval()
    try:
        for row, beta in enumerate(betas):
            for column, alpha in enumerate(alphas):
                for name, parameter in parameters.items():
                    step = alpha * direction1[name]
                    if direction2 is not None:
                        step = step + beta * direction2[name]
                    parameter.data[...] = (original[name] + step).astype(parameter.data.dtype)
                with np.errstate(over="ignore", invalid="ignore"):
                    loss, _ = F.softmax_cross_entropy(model(x), y)
                losses[row, column] = float(loss)
    finally:
        for name, parameter in parameters.items():
            parameter.data[...] = original[name]
    return losses


def _count_local_minima(grid):
    """Grid points strictly lower than all their (up to 8) neighbours."""
    count = 0
    rows, columns = grid.shape
    for i in range(rows):
        for j in range(columns):
            neighbours = grid[max(i - 1, 0):i + 2, max(j - 1, 0):j + 2]
            if np.sum(neighbours <= grid[i, j]) == 1:  # only itself
                count += 1
    return count


def _direction_changes(values):
    """How often a 1-D curve switches between going down and going up (a bowl: 1)."""
    signs = np.sign(np.diff(values))
    signs = signs[signs != 0]
    return int(np.sum(signs[1:] != signs[:-1]))


def _plot(folder, runs, depth, alphas_line, alphas, levels, language):
    """The two figures, in `language` -> their paths."""
    text = TEXT[language]
    path_1d = os.path.join(folder, figure_file("loss_landscape_1d.png", language))
    path_2d = os.path.join(folder, figure_file("loss_landscape_2d.png", language))
    with figure(path_1d, figsize=(11, 6.5), language=language) as (fig, axes):
        ax = axes[0, 0]
        for residual in (False, True):
            run = runs[residual]
            ax.plot(alphas_line, run["line"], color=kind_color(residual), marker="o" if residual else "s",
                    markersize=5, linestyle="-" if residual else "--",
                    label=text["line_label"].format(model=model_label(depth, residual), centre=run["centre"]))
        ax.axvline(0, color="black", linewidth=1)
        ax.set(yscale="log", xlabel=text["line_xlabel"], ylabel=text["line_ylabel"],
               title=text["line_title"].format(depth=depth))
        readable_log_axis(ax.yaxis)
        ax.legend()
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FuncFormatter

    labelled = nice_log_levels(levels[0], levels[-1])
    norm = LogNorm(vmin=levels[0], vmax=levels[-1])  # colour by log(loss): 0.004 and 1.7 look different
    with figure(path_2d, 1, 2, figsize=(17, 7.8), sharey=True, language=language) as (fig, axes):
        for column, residual in enumerate((False, True)):
            ax = axes[0, column]
            grid = np.clip(runs[residual]["grid"], levels[0], levels[-1])
            filled = ax.contourf(alphas, alphas, grid, levels=levels, norm=norm, cmap="viridis")
            lines = ax.contour(alphas, alphas, grid, levels=labelled, colors="white", linewidths=1.0)
            ax.clabel(lines, fmt=lambda value: f"{value:g}", fontsize=11, inline=True)
            ax.plot([0], [0], marker="*", color="red", markersize=18, linestyle="none", label=text["star"])
            ax.set(xlabel=text["xlabel"], title=text["panel_title"].format(
                model=model_label(depth, residual), shortcuts=text["shortcuts" if residual else "no_shortcuts"],
                centre=runs[residual]["centre"]))
            ax.legend(loc="upper right")
            ax.grid(False)
        axes[0, 0].set_ylabel(text["ylabel"])
        colorbar = fig.colorbar(filled, ax=axes[0, :].tolist(), shrink=0.95, ticks=labelled,
                                format=FuncFormatter(lambda value, _: f"{value:g}"))
        colorbar.minorticks_off()
        colorbar.set_label(text["colorbar"])
        fig.suptitle(text["suptitle"].format(depth=depth))
    return [path_1d, path_2d]


def nice_log_levels(low, high):
    """Round contour levels between low and high, log-spaced: 1, 2, 5 x 10^k (1, 1.5, 2, 3, 5, 7 over less than
    two decades, 1, 3 over five or more), about a dozen; [low, high] when no round value lies between."""
    decades = np.log10(high / low)
    mantissas = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0) if decades < 2 else (1.0, 2.0, 5.0) if decades < 5 else (1.0, 3.0)
    candidates = [m * 10.0**k for k in range(int(np.floor(np.log10(low))) - 1, int(np.ceil(np.log10(high))) + 1)
                  for m in mantissas]
    chosen = [value for value in candidates if low <= value <= high]
    return chosen if len(chosen) >= 2 else [low, high]


# "Sharper": the loss rises by at least 1.5x as much at distance 0.5 (half the weights' size, filter by filter).
SHARPER = 1.5
# "Barely trained": a loss at the weights above half of chance level's ln(classes); "trained worse": more than twice
# the other net's loss plus 0.05 (a small absolute floor, so that two nearly perfect fits are not called different).
BARELY_TRAINED = 0.5
WORSE_FACTOR, WORSE_FLOOR = 2.0, 0.05


def findings(numbers):
    """The conclusions of a loss-landscape run, from its numbers (DemoResult.numbers) -> [Finding].

    One training run and one pair of random directions per net: the comparisons are single runs.
    """
    depth, chance = numbers["depth"], numbers["chance_loss"]
    plain_label, resnet_label = model_label(depth, False), model_label(depth, True)
    plain, residual = numbers[plain_label], numbers[resnet_label]
    found = [measured("loss_landscape.header", depth=depth)]
    for label, run in ((plain_label, plain), (resnet_label, residual)):
        found.append(measured("loss_landscape.row", model=label, centre=run["centre"], half=run["mean_at_half"],
                              edge=run["mean_at_edge"], changes=run["direction_changes"], minima=run["local_minima"]))
    plateau = plain["centre"] > BARELY_TRAINED * chance > residual["centre"]
    found.append(Finding("loss_landscape.plain_barely_trained", "single_run" if plateau else "not_shown",
                         {"plain": plain["centre"], "residual": residual["centre"], "chance": chance,
                          "classes": round(float(np.exp(chance))), "share": plain["centre"] / chance,
                          "half": BARELY_TRAINED * chance},
                         f"the plain net's loss at the weights above {BARELY_TRAINED:g} x chance level's and the "
                         "residual net's below it"))
    rise_plain = plain["mean_at_half"] - plain["centre"]
    rise_residual = residual["mean_at_half"] - residual["centre"]
    verdict = ("single_run" if rise_plain > SHARPER * rise_residual else
               "reversed" if rise_residual > SHARPER * rise_plain else "not_shown")
    found.append(Finding("loss_landscape.plain_sharper", verdict, {"plain": rise_plain, "residual": rise_residual},
                         f"the plain net's rise of the loss at distance 0.5 above {SHARPER:g} x the residual net's "
                         "(reversed: the other way round)"))
    rougher = plain["local_minima"] > residual["local_minima"]
    found.append(Finding("loss_landscape.plain_rougher", "single_run" if rougher else "not_shown",
                         {"plain": plain["local_minima"], "residual": residual["local_minima"]},
                         "more local minima on the plain net's 2-D grid than on the residual net's"))
    worse = plain["centre"] > WORSE_FACTOR * residual["centre"] + WORSE_FLOOR
    found.append(Finding("loss_landscape.plain_trained_worse", "single_run" if worse else "not_shown",
                         {"plain": plain["centre"], "residual": residual["centre"]},
                         f"the plain net's loss at the weights above {WORSE_FACTOR:g} x the residual net's + "
                         f"{WORSE_FLOOR:g}"))
    found.append(measured("loss_landscape.colour_note", top=numbers["levels_top"]))
    return found


def loss_landscape(quick=False, out_dir=None, seed=0, verbose=True, depth=None, widths=None, epochs=None,
                   image_size=None, train_samples=None, test_samples=None, difficulty=None, grid=None,
                   line_points=None, loss_images=None, batch_size=None, lr=None, momentum=None, weight_decay=None,
                   warmup_epochs=None, lang=None):
    """Run the demo; returns a DemoResult (numbers["plain56"]["grid"], numbers["resnet56"]["centre"], ...).

    lang: "en", "ko" or both, e.g. ("en", "ko"): the figures and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    chosen = settings(quick, PRESETS, {
        "depth": depth, "widths": widths, "epochs": epochs, "image_size": image_size, "train_samples": train_samples,
        "test_samples": test_samples, "difficulty": difficulty, "grid": grid, "line_points": line_points,
        "loss_images": loss_images, "batch_size": batch_size, "lr": lr, "momentum": momentum,
        "weight_decay": weight_decay, "warmup_epochs": warmup_epochs})
    depth = int(chosen["depth"])
    folder = output_dir(NAME, out_dir)
    from ..training import build_dataset

    config = base_config(chosen, seed, None)
    dataset = build_dataset(config)
    subset = np.random.default_rng([seed, 3]).permutation(len(dataset.y_train))[:chosen["loss_images"]]
    x, y = dataset.x_train[subset], dataset.y_train[subset]
    alphas = np.linspace(-1, 1, int(chosen["grid"]))
    alphas_line = np.linspace(-1, 1, int(chosen["line_points"]))
    if verbose:
        print(f"Training plain and residual nets of depth {depth} ({chosen['epochs']} epochs on the synthetic task), "
              f"then the loss on a {len(alphas)}x{len(alphas)} grid of {len(y)} training images", flush=True)

    runs, grid_rows, line_rows = {}, [], []
    for residual in (False, True):
        label = model_label(depth, residual)
        log = (lambda line, label=label: print(f"  {label:<9} {line}", flush=True)) if verbose else None
        model, history, diverged = train_one(config, dataset, depth, chosen["widths"], residual, log)
        rng = np.random.default_rng([seed, 4])  # the same random numbers for both nets' directions
        direction1 = filter_normalised_direction(model, rng)
        direction2 = filter_normalised_direction(model, rng)
        line = loss_surface(model, x, y, direction1, None, alphas_line, [0.0])[0]
        surface = loss_surface(model, x, y, direction1, direction2, alphas, alphas)
        centre = float(loss_surface(model, x, y, direction1, None, [0.0], [0.0])[0, 0])
        runs[residual] = {
            "grid": surface, "line": line, "centre": centre, "history": history, "diverged": diverged,
            "mean_at_half": float(np.mean(np.interp([-0.5, 0.5], alphas_line, line))),  # both sides of the 1-D slice
            "mean_at_edge": float(np.mean(line[[0, -1]])),
            "direction_changes": _direction_changes(line), "local_minima": _count_local_minima(surface),
        }
        grid_rows += [(label, b, a, surface[i, j]) for i, b in enumerate(alphas) for j, a in enumerate(alphas)]
        line_rows += [(label, a, value) for a, value in zip(alphas_line, line, strict=True)]
        if verbose:
            print(f"  {label}: loss {centre:.3f} at the weights, max {surface.max():.3g} on the grid", flush=True)

    low = min(runs[r]["grid"].min() for r in runs)
    high = max(runs[r]["grid"].max() for r in runs)
    top = min(high, 100.0)  # a loss of 100 is far beyond chance level; higher values get the top colour
    levels = np.geomspace(max(low, 1e-4), max(top, 2 * low), 31)  # log-spaced: detail near the minimum
    tables = [write_csv(os.path.join(folder, "loss_grid.csv"), ("model", "beta", "alpha", "loss"), grid_rows),
              write_csv(os.path.join(folder, "loss_line.csv"), ("model", "alpha", "loss"), line_rows)]
    figures = [path for language in asked
               for path in _plot(folder, runs, depth, alphas_line, alphas, levels, language)]
    numbers = {"depth": depth, "alphas": alphas.tolist(), "line_alphas": alphas_line.tolist()}
    for residual, run in runs.items():
        numbers[model_label(depth, residual)] = {
            "centre": run["centre"], "mean_at_half": run["mean_at_half"], "mean_at_edge": run["mean_at_edge"],
            "direction_changes": run["direction_changes"], "local_minima": run["local_minima"],
            "grid": run["grid"].tolist(), "line": run["line"].tolist(),
            "final_train_error": run["history"][-1]["train_error"] if run["history"] else None,
            "diverged": run["diverged"]}
    chance_loss = float(np.log(dataset.num_classes))
    numbers.update(chance_loss=chance_loss, levels_top=float(top), seed=seed)
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
