"""Demo `shattered-gradients`: gradients along a line of inputs, plain vs residual, as depth grows.

Balduzzi et al. 2017, "The Shattered Gradients Problem: If resnets are the answer, then what is the question?":
in a deep plain net the gradient with respect to the input, looked at along a smooth path of inputs, decorrelates
into white noise; in a residual net it keeps its structure (its correlation decays much more slowly with depth).

Setup (at initialisation, no training):
    inputs  x(t) = x0 + t * d for `points` values of t evenly spaced in [-span, span]
            (x0 and d random images with variance 1 per pixel)
    output  f(x) = u . logits(x) for a fixed random vector u (one scalar per input)
    measure g(t) = the gradient df/dx at x(t), from the network's own backward, and its component along the
            path, g(t) . d / |d| (the derivative of f along the line: the curve that is plotted)
BatchNorm: train mode would couple the images of a batch (each image's gradient would depend on its neighbours
on the line). So every BatchNorm's running statistics are first set to the statistics of a batch of random
images (set_batchnorm_to_batch_statistics), and the sweep runs in eval mode: each BatchNorm normalises exactly
as at initialisation, but every input is processed on its own, so f is a fixed function of x.
Numbers: the lag-1 autocorrelation of the path derivative (1 = smooth, 0 = white noise) and the mean cosine
similarity between the full gradient vectors at neighbouring points of the line.
"""

import os
import time

import numpy as np

from ..models import cifar_resnet
from .common import (
    PLAIN_STYLE,
    RESIDUAL_STYLE,
    DemoResult,
    figure,
    kind_color,
    model_label,
    output_dir,
    set_batchnorm_to_batch_statistics,
    settings,
    write_csv,
)

NAME = "shattered-gradients"
DESCRIPTION = ("the input gradient along a line of inputs at initialisation: plain nets' gradients decorrelate "
               "into white noise as depth grows, residual nets' keep structure (Balduzzi et al. 2017)")
SPACING = 2.0 / 255  # distance in t between neighbouring points (the full run: 256 points over [-1, 1])
PRESETS = {
    "full": {"depths": (8, 20, 56, 110), "points": 256, "image_size": 16, "widths": (8, 16, 32),
             "calibration_images": 128},
    "quick": {"depths": (8, 20, 56), "points": 64, "image_size": 8, "widths": (8, 16, 32),
              "calibration_images": 32},
}
MAX_LAG = 20


def input_gradients(model, x, u):
    """df/dx for f(x) = u . model(x), one row per image -> (N, C*H*W) float64."""
    model(x)
    dlogits = np.ascontiguousarray(np.broadcast_to(u.astype(x.dtype), (len(x), len(u))))
    return model.backward(dlogits).reshape(len(x), -1).astype(np.float64)


def autocorrelation(values, max_lag):
    """Autocorrelation of a 1-D sequence (mean removed) for lags 0..max_lag; 1 at lag 0."""
    centred = np.asarray(values, dtype=np.float64) - np.mean(values)
    energy = np.sum(centred**2)
    if energy == 0:
        return np.ones(max_lag + 1)
    return np.array([np.sum(centred[lag:] * centred[:len(centred) - lag]) / energy for lag in range(max_lag + 1)])


def neighbour_cosine(gradients):
    """Mean cosine similarity between the gradient vectors of neighbouring inputs."""
    norms = np.linalg.norm(gradients, axis=1, keepdims=True)
    unit = gradients / np.where(norms == 0, 1, norms)
    return float(np.mean(np.sum(unit[1:] * unit[:-1], axis=1)))


def _reading(runs, depths):
    lines = ["Input gradient along a line of inputs, at initialisation (1 = smooth, 0 = white noise):",
             "  model       lag-1 autocorrelation   neighbour cosine"]
    for depth in depths:
        for residual in (False, True):
            run = runs[(depth, residual)]
            lines.append(f"  {model_label(depth, residual):<10}  {run['lag1']:21.3f}   {run['cosine']:16.3f}")
    deepest = max(depths)
    plain, residual = runs[(deepest, False)], runs[(deepest, True)]
    if residual["lag1"] > plain["lag1"] + 0.2:
        lines.append(f"At depth {deepest} the plain net's gradient is "
                     f"{'white noise' if abs(plain['lag1']) < 0.2 else 'far less correlated'} "
                     f"(autocorrelation {plain['lag1']:.2f}) while the residual net's keeps structure "
                     f"({residual['lag1']:.2f}): the gradients of the plain net are 'shattered'. A shattered "
                     "gradient says little about the loss a step away - one reading of why deep plain nets are "
                     "hard to optimise.")
    else:
        lines.append(f"At depth {deepest} the residual net's gradient was NOT clearly smoother than the plain "
                     f"net's in this run ({residual['lag1']:.2f} vs {plain['lag1']:.2f}).")
    shallow = min(depths)
    lines.append(f"At depth {shallow} both are smooth ({runs[(shallow, False)]['lag1']:.2f} plain, "
                 f"{runs[(shallow, True)]['lag1']:.2f} residual): shattering is an effect of depth.")
    return "\n".join(lines)


def _plot(path_curves, path_summary, runs, depths, t):
    with figure(path_curves, len(depths), 2, figsize=(15, 2.6 * len(depths) + 1.5), sharex=True) as (fig, axes):
        for row, depth in enumerate(depths):
            for column, residual in enumerate((False, True)):
                ax = axes[row, column]
                run = runs[(depth, residual)]
                curve = run["path_derivative"] / np.max(np.abs(run["path_derivative"]))
                ax.plot(t, curve, color=kind_color(residual), linewidth=1.6,
                        label=f"{model_label(depth, residual)}: autocorrelation {run['lag1']:.2f}")
                ax.set_ylim(-1.1, 1.1)
                ax.legend(loc="upper right", fontsize=12)
                if column == 0:
                    ax.set_ylabel("df/dt\n(scaled to max 1)")
                if row == len(depths) - 1:
                    ax.set_xlabel("position t on the line x0 + t * d (no unit)")
        axes[0, 0].set_title("plain nets (no shortcuts)")
        axes[0, 1].set_title("residual nets")
        fig.suptitle("Gradient of the output along a line of inputs, at initialisation (deeper: lower rows)")
    with figure(path_summary, 1, 2, figsize=(16, 6.5)) as (fig, axes):
        ax = axes[0, 0]
        for residual in (False, True):
            ax.plot(depths, [runs[(depth, residual)]["lag1"] for depth in depths], color=kind_color(residual),
                    **(RESIDUAL_STYLE if residual else PLAIN_STYLE), markersize=10,
                    label="residual (ResNet)" if residual else "plain (no shortcuts)")
        ax.axhline(0, color="black", linewidth=1)
        ax.set(xticks=list(depths), ylim=(-0.2, 1.05), xlabel="depth (weighted layers)",
               ylabel="lag-1 autocorrelation of df/dt\n(1 = smooth, 0 = white noise)",
               title="Neighbouring gradients: correlation vs depth")
        ax.legend(loc="lower left")
        ax = axes[0, 1]
        lags = np.arange(MAX_LAG + 1)
        for index, depth in enumerate(depths):
            for residual in (False, True):
                ax.plot(lags * SPACING, runs[(depth, residual)]["autocorrelation"],
                        color=kind_color(residual, index, len(depths)),
                        linestyle=(RESIDUAL_STYLE if residual else PLAIN_STYLE)["linestyle"],
                        label=model_label(depth, residual))
        ax.axhline(0, color="black", linewidth=1)
        ax.set(xlabel="distance along the line, in t (no unit)", ylabel="autocorrelation of df/dt",
               title="Autocorrelation against distance")
        ax.legend(ncol=2, fontsize=11)
        fig.suptitle("Shattered gradients: plain nets' gradients turn into noise as depth grows")


def shattered_gradients(quick=False, out_dir=None, seed=0, verbose=True, depths=None, points=None,
                        image_size=None, widths=None, calibration_images=None, dtype="float32"):
    """Run the demo; returns a DemoResult (numbers["lag1"]["plain56"] = lag-1 autocorrelation, ...)."""
    start = time.perf_counter()
    chosen = settings(quick, PRESETS, {"depths": depths, "points": points, "image_size": image_size,
                                       "widths": widths, "calibration_images": calibration_images})
    depths = tuple(sorted(int(depth) for depth in chosen["depths"]))
    folder = output_dir(NAME, out_dir)
    size, points = chosen["image_size"], int(chosen["points"])
    rng = np.random.default_rng([seed, 2])
    x0 = rng.standard_normal((3, size, size))
    direction = rng.standard_normal((3, size, size))
    t = (np.arange(points) - (points - 1) / 2) * SPACING
    x = (x0[None] + t[:, None, None, None] * direction[None]).astype(dtype)
    calibration = rng.standard_normal((chosen["calibration_images"], 3, size, size)).astype(dtype)
    u = rng.standard_normal(10)
    unit_direction = direction.ravel() / np.linalg.norm(direction)

    runs, curve_rows, summary_rows = {}, [], []
    for depth in depths:
        for residual in (False, True):
            model = cifar_resnet(depth, widths=tuple(chosen["widths"]), residual=residual, in_channels=3,
                                 num_classes=10, dtype=dtype, seed=seed)
            set_batchnorm_to_batch_statistics(model, calibration)
            gradients = input_gradients(model, x, u)
            path_derivative = gradients @ unit_direction
            correlation = autocorrelation(path_derivative, min(MAX_LAG, points - 2))
            run = {"path_derivative": path_derivative, "autocorrelation": correlation, "lag1": float(correlation[1]),
                   "cosine": neighbour_cosine(gradients)}
            runs[(depth, residual)] = run
            label = model_label(depth, residual)
            curve_rows += [(label, depth, residual, index, t[index], value)
                           for index, value in enumerate(path_derivative)]
            summary_rows.append((label, depth, residual, run["lag1"], run["cosine"]))
            if verbose:
                print(f"  {label}: lag-1 autocorrelation {run['lag1']:.3f}", flush=True)

    tables = [
        write_csv(os.path.join(folder, "path_derivative.csv"),
                  ("model", "depth", "residual", "point", "t", "df_dt"), curve_rows),
        write_csv(os.path.join(folder, "correlation.csv"),
                  ("model", "depth", "residual", "lag1_autocorrelation", "neighbour_cosine"), summary_rows),
    ]
    figures = [os.path.join(folder, "gradient_curves.png"), os.path.join(folder, "correlation_vs_depth.png")]
    _plot(*figures, runs, depths, t)
    numbers = {
        "depths": list(depths),
        "lag1": {model_label(d, r): runs[(d, r)]["lag1"] for d in depths for r in (False, True)},
        "neighbour_cosine": {model_label(d, r): runs[(d, r)]["cosine"] for d in depths for r in (False, True)},
    }
    reading = _reading(runs, depths)
    result = DemoResult(NAME, folder, figures, tables, numbers, reading, time.perf_counter() - start)
    if verbose:
        print(result)
    return result
