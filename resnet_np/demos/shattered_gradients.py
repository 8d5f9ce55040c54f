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

from ..language import figure_file, languages
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
from .findings import Finding, measured, threshold
from .render import render

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
TEXT = {  # the figures' words, per language
    "en": {
        "curve_label": "{model}: autocorrelation {lag1:.2f}", "curve_ylabel": "df/dt\n(scaled to max 1)",
        "curve_xlabel": "position t on the line x0 + t * d (no unit)", "plain_title": "plain nets (no shortcuts)",
        "residual_title": "residual nets",
        "curves_suptitle": "Gradient of the output along a line of inputs, at initialisation (deeper: lower rows)",
        "residual": "residual (ResNet)", "plain": "plain (no shortcuts)", "depth_xlabel": "depth (weighted layers)",
        "lag1_ylabel": "lag-1 autocorrelation of df/dt\n(1 = smooth, 0 = white noise)",
        "lag1_title": "Neighbouring gradients: correlation vs depth",
        "distance_xlabel": "distance along the line, in t (no unit)", "distance_ylabel": "autocorrelation of df/dt",
        "distance_title": "Autocorrelation against distance",
        "summary_suptitle": "Shattered gradients: plain nets' gradients turn into noise as depth grows",
    },
    "ko": {
        "curve_label": "{model}: 자기상관 {lag1:.2f}", "curve_ylabel": "df/dt (최대 1로 맞춤)",
        "curve_xlabel": "직선 x0 + t * d 위의 위치 t (단위 없음)", "plain_title": "플레인 신경망 (지름길 없음)",
        "residual_title": "잔차 신경망",
        "curves_suptitle": "초기화 직후, 직선 위의 입력에서 잰 출력의 기울기 (아래 줄일수록 깊음)",
        "residual": "잔차 신경망 (ResNet)", "plain": "플레인 신경망 (지름길 없음)",
        "depth_xlabel": "깊이 (가중치가 있는 층의 수)",
        "lag1_ylabel": "df/dt의 lag-1 자기상관\n(1 = 매끄러움, 0 = 백색 잡음)",
        "lag1_title": "이웃한 기울기의 상관: 깊이에 따른 변화",
        "distance_xlabel": "직선을 따라 떨어진 거리 t (단위 없음)", "distance_ylabel": "df/dt의 자기상관",
        "distance_title": "거리에 따른 자기상관",
        "summary_suptitle": "산산조각 난 기울기(shattered gradients): 깊어질수록 잡음이 되는 플레인 신경망의 기울기",
    },
}


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


# "Smooth": a lag-1 autocorrelation of 0.8 or more (neighbouring values share 64% of their variance).
SMOOTH = 0.8
# "White noise": |lag-1 autocorrelation| below 0.2. For white noise the estimate is 0 +- 1/sqrt(points): 0.06 at the
# lecture size's 256 points, so 0.2 is three of its standard deviations.
WHITE_NOISE = 0.2
# "Smoother": the residual net's autocorrelation above the plain net's by at least 0.2 (the same resolution).
SMOOTHER_MARGIN = 0.2


def findings(numbers):
    """The conclusions of a shattered-gradients run, from its numbers (DemoResult.numbers) -> [Finding].

    One random initialisation per net and one line of inputs: comparisons between nets are single runs.
    """
    depths, lag1, cosine = numbers["depths"], numbers["lag1"], numbers["neighbour_cosine"]
    found = [measured("shattered.header")]
    for depth in depths:
        for residual in (False, True):
            label = model_label(depth, residual)
            found.append(measured("shattered.row", model=label, lag1=lag1[label], cosine=cosine[label]))
    deepest, shallow = max(depths), min(depths)
    plain, residual = lag1[model_label(deepest, False)], lag1[model_label(deepest, True)]
    gap = residual - plain
    found.append(Finding("shattered.deep_residual_smoother",
                         "single_run" if gap >= SMOOTHER_MARGIN else "reversed" if gap <= -SMOOTHER_MARGIN
                         else "not_shown", {"depth": deepest, "plain": plain, "residual": residual},
                         f"at the deepest depth, the residual net's lag-1 autocorrelation above the plain net's by "
                         f"{SMOOTHER_MARGIN:g} or more (reversed: below by as much)"))
    found.append(Finding("shattered.deep_plain_white_noise", threshold(abs(plain) < WHITE_NOISE),
                         {"depth": deepest, "plain": plain},
                         f"at the deepest depth, |lag-1 autocorrelation| of the plain net below {WHITE_NOISE:g}"))
    shallow_plain, shallow_residual = lag1[model_label(shallow, False)], lag1[model_label(shallow, True)]
    found.append(Finding("shattered.shallow_smooth", threshold(min(shallow_plain, shallow_residual) >= SMOOTH),
                         {"depth": shallow, "plain": shallow_plain, "residual": shallow_residual},
                         f"at the shallowest depth, both nets' lag-1 autocorrelation >= {SMOOTH:g}"))
    found.append(Finding("shattered.effect_of_depth",
                         "single_run" if shallow_plain >= SMOOTH and plain < SMOOTH else "not_shown",
                         {"shallow": shallow, "deep": deepest, "shallow_plain": shallow_plain, "deep_plain": plain},
                         f"the plain net smooth (>= {SMOOTH:g}) at the shallowest depth and not at the deepest"))
    return found


def _plot(folder, runs, depths, t, language):
    """The two figures, in `language` -> their paths."""
    text = TEXT[language]
    path_curves = os.path.join(folder, figure_file("gradient_curves.png", language))
    path_summary = os.path.join(folder, figure_file("correlation_vs_depth.png", language))
    with figure(path_curves, len(depths), 2, figsize=(15, 2.6 * len(depths) + 1.5), sharex=True,
                language=language) as (fig, axes):
        for row, depth in enumerate(depths):
            for column, residual in enumerate((False, True)):
                ax = axes[row, column]
                run = runs[(depth, residual)]
                curve = run["path_derivative"] / np.max(np.abs(run["path_derivative"]))
                ax.plot(t, curve, color=kind_color(residual), linewidth=1.6,
                        label=text["curve_label"].format(model=model_label(depth, residual), lag1=run["lag1"]))
                ax.set_ylim(-1.1, 1.1)
                ax.legend(loc="upper right", fontsize=12)
                if column == 0:
                    ax.set_ylabel(text["curve_ylabel"])
                if row == len(depths) - 1:
                    ax.set_xlabel(text["curve_xlabel"])
        axes[0, 0].set_title(text["plain_title"])
        axes[0, 1].set_title(text["residual_title"])
        fig.suptitle(text["curves_suptitle"])
    with figure(path_summary, 1, 2, figsize=(16, 6.5), language=language) as (fig, axes):
        ax = axes[0, 0]
        for residual in (False, True):
            ax.plot(depths, [runs[(depth, residual)]["lag1"] for depth in depths], color=kind_color(residual),
                    **(RESIDUAL_STYLE if residual else PLAIN_STYLE), markersize=10,
                    label=text["residual"] if residual else text["plain"])
        ax.axhline(0, color="black", linewidth=1)
        ax.set(xticks=list(depths), ylim=(-0.2, 1.05), xlabel=text["depth_xlabel"], ylabel=text["lag1_ylabel"],
               title=text["lag1_title"])
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
        ax.set(xlabel=text["distance_xlabel"], ylabel=text["distance_ylabel"], title=text["distance_title"])
        ax.legend(ncol=2, fontsize=11)
        fig.suptitle(text["summary_suptitle"])
    return [path_curves, path_summary]


def shattered_gradients(quick=False, out_dir=None, seed=0, verbose=True, depths=None, points=None,
                        image_size=None, widths=None, calibration_images=None, dtype="float32", lang=None):
    """Run the demo; returns a DemoResult (numbers["lag1"]["plain56"] = lag-1 autocorrelation, ...).

    lang: "en", "ko" or both, e.g. ("en", "ko"): the figures and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
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
    figures = [path for language in asked for path in _plot(folder, runs, depths, t, language)]
    numbers = {
        "depths": list(depths),
        "lag1": {model_label(d, r): runs[(d, r)]["lag1"] for d in depths for r in (False, True)},
        "neighbour_cosine": {model_label(d, r): runs[(d, r)]["cosine"] for d in depths for r in (False, True)},
    }
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
