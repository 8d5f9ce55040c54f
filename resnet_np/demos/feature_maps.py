"""Demo `feature-maps`: what a trained ResNet's first filters look like and what each stage makes of one image.

A small ResNet is trained on the built-in digits for a few epochs (resnet_np.training, the same loop as
`python -m resnet_np train`), or loaded from a checkpoint / model file written by `train` (its recorded dataset is
rebuilt to pick the image). Forward hooks record the output of the stem and of every stage for one test image.
Shown: the filters of the first conv, and the first channels of every stage's feature maps. As the maps shrink
(stride 2 at every new stage), the number of channels doubles - the paper's rule "if the feature map size is
halved, the number of filters is doubled so as to preserve the time complexity per layer" (section 3.3); the
reading checks that claim with resnet_np.summary's multiply-adds.
"""

import math
import os
import time

import numpy as np

from .. import functional as F
from ..errors import UserError
from ..language import figure_file, languages
from ..nn import Conv2d
from ..summary import summary
from .common import DemoResult, figure, output_dir, settings, write_csv
from .degradation import train_one
from .feature_maps_text import TEXT
from .findings import Finding, measured, threshold
from .render import render

NAME = "feature-maps"
DESCRIPTION = ("the first conv's filters and every stage's feature maps for one image, from a trained model "
               "(trains a small one on the digits if no --checkpoint is given)")
PRESETS = {
    "full": {"depth": 20, "widths": (16, 32, 64), "epochs": 8, "image_size": 16, "train_samples": None,
             "channels_shown": 8, "image_index": None},
    "quick": {"depth": 8, "widths": (4, 8, 16), "epochs": 2, "image_size": 8, "train_samples": None,
              "channels_shown": 4, "image_index": None},
}


def _train_model(chosen, seed, log):
    import dataclasses

    from ..training import TrainConfig, build_dataset

    config = TrainConfig(model="cifar_resnet", dataset="digits", image_size=chosen["image_size"],
                         epochs=chosen["epochs"], train_samples=chosen["train_samples"], seed=seed).resolved()
    dataset = build_dataset(config)
    initial = _initial_first_conv(dataclasses.replace(config, model_options={
        "depth": chosen["depth"], "widths": list(chosen["widths"]), "residual": True}), dataset)
    model, history, diverged = train_one(config, dataset, chosen["depth"], chosen["widths"], True, log)
    if diverged:
        raise RuntimeError(f"feature-maps: training diverged ({diverged})")
    source = ("source_trained", {"depth": chosen["depth"], "widths": "/".join(map(str, chosen["widths"])),
                                 "epochs": chosen["epochs"], "size": chosen["image_size"],
                                 "error": 100 * history[-1]["test_error"]})  # words: TEXT[language][source[0]]
    return model, dataset, source, initial


def _initial_first_conv(config, dataset):
    """The first conv's weights before training: the builders are deterministic, so building the model from the
    same config (model, options, seed) gives exactly the weights the run started from."""
    from ..training import build_model

    model = build_model(config, dataset)
    return next(module for _, module in model.named_modules() if isinstance(module, Conv2d)).weight.data.astype(
        np.float64)


def _load_model(checkpoint, data_dir):
    """A model from a checkpoint or model file written by `train`, and the dataset recorded in it."""
    import dataclasses

    from ..serialization import load, read_model_info
    from ..training import TrainConfig, build_dataset

    info = read_model_info(checkpoint)  # UserError for a missing, corrupt or foreign file
    record = info.get("meta") or info.get("extra") or {}
    config = record.get("config") if isinstance(record, dict) else None
    if config is None:
        raise UserError(f"{checkpoint} does not record the dataset it was trained on; use a file written by "
                        "`python -m resnet_np train` (e.g. runs/<name>/best.npz)")
    config = TrainConfig.from_dict(config, where=f"{checkpoint}: config")
    if data_dir is not None:
        config = dataclasses.replace(config, data_dir=os.fspath(data_dir))
    model = load(checkpoint)
    dataset = build_dataset(config)
    try:  # the run's initial weights, rebuilt from its recorded config and seed
        initial = _initial_first_conv(config, dataset)
        if initial.shape != next(module for _, module in model.named_modules()
                                 if isinstance(module, Conv2d)).weight.data.shape:
            initial = None
    except (UserError, TypeError, ValueError):
        initial = None
    source = ("source_loaded", {"architecture": info["architecture"]["name"], "checkpoint": checkpoint})
    return model, dataset, source, initial


def record_stages(model, x):
    """Forward x (1, C, H, W) in eval mode -> (logits, [(stage name, output (C, H, W))]) for stem and stages."""
    stem = model.stem_layers()
    watched = ([("stem", stem[-1])] if stem else []) + list(zip(model.stage_names, model.stages(), strict=True))
    outputs = {}
    handles = [module.register_forward_hook(lambda _, out, name=name: outputs.__setitem__(name, out[0].copy()))
               for name, module in watched]
    try:
        model.eval()
        logits = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return logits, [(name, outputs[name]) for name, _ in watched]


def _pick_image(model, dataset, dtype, image_index):
    """(index, how it was chosen: a key of TEXT): the given test image, or (None) the first of 500 test images the
    model gets right."""
    if image_index is not None:
        return int(image_index) % len(dataset.y_test), "picked_given"
    model.eval()
    count = min(500, len(dataset.y_test))
    predictions = np.argmax(model(dataset.x_test[:count].astype(dtype)), axis=1)
    correct = np.flatnonzero(predictions == dataset.y_test[:count])
    if len(correct) == 0:
        return 0, "picked_none"
    return int(correct[0]), "picked_right"


def _display_image(image, dataset):
    """(C, H, W) normalised image -> something imshow shows: (H, W) grey or (H, W, 3) RGB in [0, 1]."""
    if dataset.mean is not None:
        image = image * np.asarray(dataset.std)[:, None, None] + np.asarray(dataset.mean)[:, None, None]
    if image.shape[0] == 3:
        return np.clip(np.transpose(image, (1, 2, 0)), 0, 1)
    return image[0]


def _plot_filters(path, weights, initial=None, language="en"):
    """The first conv's filters after training, and (when known) the same filters at initialisation above them,
    on one colour scale so that their sizes compare."""
    text = TEXT[language]
    sets = ([(text["at_init"], initial)] if initial is not None else []) + [(text["after_training"], weights)]
    count, in_channels = weights.shape[:2]
    columns = min(8, count)
    rows_per_set = math.ceil(count / columns)
    rows = rows_per_set * len(sets)
    with figure(path, rows, columns, figsize=(2.0 * columns + 3, 2.1 * rows + 1.8), language=language) as (fig, axes):
        limit = max(float(np.max(np.abs(array))) for _, array in sets) or 1.0
        image = None
        for set_index, (when, array) in enumerate(sets):
            for index in range(rows_per_set * columns):
                ax = axes[set_index * rows_per_set + index // columns, index % columns]
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                if index >= count:
                    ax.axis("off")
                    continue
                if in_channels == 3:
                    rgb = np.transpose(array[index], (1, 2, 0))
                    ax.imshow((rgb - rgb.min()) / (np.ptp(rgb) or 1.0))
                else:
                    image = ax.imshow(array[index].mean(axis=0), cmap="RdBu_r", vmin=-limit, vmax=limit)
                ax.set_title(text["filter"].format(index=index), fontsize=12)
                if index % columns == 0:
                    ax.set_ylabel(when if index == 0 else "", fontsize=13)
        if image is not None:
            colorbar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.9)
            colorbar.set_label(text["weight_colorbar"] + (text["channel_mean"] if in_channels > 1 else ""))
        kh, kw = weights.shape[2:]
        fig.suptitle(text["filters_suptitle"].format(count=count, kh=kh, kw=kw, in_channels=in_channels)
                     + (text["before_after"] if initial is not None else ""))


def _filter_change(weights, initial):
    """{"relative_change": ||W - W0|| / ||W0||, "norm_ratio": ||W|| / ||W0||, "correlation": corr(W, W0)}, or None."""
    if initial is None:
        return None
    return {"relative_change": float(np.linalg.norm(weights - initial) / np.linalg.norm(initial)),
            "norm_ratio": float(np.linalg.norm(weights) / np.linalg.norm(initial)),
            "correlation": float(np.corrcoef(weights.ravel(), initial.ravel())[0, 1])}


def _plot_maps(path, image, stages, shown, title, language="en"):
    text = TEXT[language]
    columns = shown + 1
    with figure(path, len(stages), columns, figsize=(2.3 * columns + 1.5, 2.4 * len(stages) + 1.2),
                language=language) as (fig, axes):
        mappable = None
        for row, (name, output) in enumerate(stages):
            for column in range(columns):
                ax = axes[row, column]
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                if column == 0:
                    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
                    ax.set_ylabel(f"{name}\n{output.shape[0]} x {output.shape[1]} x {output.shape[2]}", fontsize=13)
                    if row == 0:
                        ax.set_title(text["input_image"], fontsize=12)
                    continue
                channel = column - 1
                if channel >= output.shape[0]:
                    ax.axis("off")
                    continue
                values = output[channel]
                scaled = (values - values.min()) / (np.ptp(values) or 1.0)
                mappable = ax.imshow(scaled, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
                if row == 0:
                    ax.set_title(text["channel"].format(index=channel), fontsize=12)
        if mappable is not None:
            colorbar = fig.colorbar(mappable, ax=axes.ravel().tolist(), shrink=0.8)
            colorbar.set_label(text["maps_colorbar"])
        fig.suptitle(title)


def _conv_cost_per_stage(model, input_shape):
    """Multiply-adds of the last 3x3 conv of every stage (same shape in, same shape out): the per-layer cost."""
    rows = summary(model, input_shape, verbose=False).rows
    costs = {}
    for stage in model.stage_names:
        convs = [row for row in rows if row.name.startswith(stage + ".") and row.kind.startswith("Conv2d")]
        if convs:
            costs[stage] = convs[-1].multiply_adds
    return costs


# The first conv's filters "stay close to their random start" above this correlation with it, and are "reshaped well
# beyond it" below REGROWN; in between, "partly reshaped". (0.7: half of the variance, r^2 ~ 0.5, still shared.)
KEPT, REGROWN = 0.7, 0.4
# "About the same cost at every stage": the largest within 1.3x of the smallest (1.3: the rounding of odd map sizes
# at stride 2, e.g. 7 -> 4, changes a stage's cost by up to ~30%).
SAME_COST = 1.3


def findings(numbers):
    """The conclusions of a feature-maps run, from its numbers (DemoResult.numbers) -> [Finding]."""
    found = [measured(f"feature_maps.{numbers['source_kind']}", **numbers["source_options"])]
    found.append(Finding(f"feature_maps.image_{numbers['picked']}",
                         threshold(numbers["predicted"] == numbers["label"]),
                         {"index": numbers["image_index"], "label": numbers["label_name"],
                          "predicted": numbers["predicted_name"], "probability": numbers["probability"]},
                         "the model's most probable class is the image's label"))
    out_channels, in_channels, kh, kw = numbers["first_conv_shape"]
    shape = {"count": out_channels, "in_channels": in_channels, "kh": kh, "kw": kw}
    change = numbers["first_conv_change"]
    if change is None:
        found.append(measured("feature_maps.first_conv_unknown_start", **shape))
    else:
        correlation = change["correlation"]
        found.append(Finding("feature_maps.filters_kept_start",
                             "shown" if correlation > KEPT else "reversed" if correlation < REGROWN else "not_shown",
                             {**shape, "norm_ratio": change["norm_ratio"], "correlation": correlation,
                              "relative_change": change["relative_change"]},
                             f"correlation of the trained first-conv weights with their initial values above {KEPT:g} "
                             f"(reversed: below {REGROWN:g})"))
    found.append(measured("feature_maps.stages_header"))
    for row in numbers["stages"]:
        found.append(measured("feature_maps.stage_row", name=row["name"], channels=row["channels"],
                              height=row["height"], width=row["width"], zeros=100 * row["fraction_zero"]))
    costs = numbers["conv_multiply_adds_per_stage"]
    if len(costs) > 1:
        values = list(costs.values())
        found.append(Finding("feature_maps.same_cost_per_stage", threshold(max(values) <= SAME_COST * min(values)),
                             {"costs": ", ".join(f"{value:,}" for value in values), "stages": ", ".join(costs)},
                             f"the largest per-stage cost of one 3x3 conv within {SAME_COST:g} x the smallest"))
    return found


def feature_maps(quick=False, out_dir=None, seed=0, checkpoint=None, data_dir=None, verbose=True, depth=None,
                 widths=None, epochs=None, image_size=None, train_samples=None, channels_shown=None,
                 image_index=None, lang=None):
    """Run the demo; returns a DemoResult (numbers["stages"] = [{"name", "channels", "height", ...}], ...).

    image_index: the test image to show; None picks the first one the model classifies correctly.
    lang: "en", "ko" or both, e.g. ("en", "ko"): the figures and the reading in each; None: RESNET_NP_LANG or "en"
          (resnet_np/language.py).
    """
    start = time.perf_counter()
    asked = languages(lang)  # a wrong language fails here, before any work
    chosen = settings(quick, PRESETS, {"depth": depth, "widths": widths, "epochs": epochs, "image_size": image_size,
                                       "train_samples": train_samples, "channels_shown": channels_shown,
                                       "image_index": image_index})
    folder = output_dir(NAME, out_dir)
    if checkpoint is not None:
        model, dataset, source, initial = _load_model(checkpoint, data_dir)
    else:
        log = (lambda line: print(f"  {line}", flush=True)) if verbose else None
        model, dataset, source, initial = _train_model(chosen, seed, log)
    model_dtype = next(param.data.dtype for _, param in model.named_parameters())
    index, picked = _pick_image(model, dataset, model_dtype, chosen["image_index"])
    x = dataset.x_test[index:index + 1].astype(model_dtype)
    label = int(dataset.y_test[index])
    logits, stages = record_stages(model, x)
    probabilities = F.softmax(logits.astype(np.float64))[0]
    predicted = int(np.argmax(probabilities))

    first_conv = next(module for _, module in model.named_modules() if isinstance(module, Conv2d))
    weights = first_conv.weight.data.astype(np.float64)
    stage_rows = []
    for name, output in stages:
        stage_rows.append({"name": name, "channels": output.shape[0], "height": output.shape[1],
                           "width": output.shape[2], "mean": float(output.mean()), "std": float(output.std()),
                           "fraction_zero": float(np.mean(output <= 0)), "max": float(output.max())})
    costs = _conv_cost_per_stage(model, x.shape[1:])
    tables = [
        write_csv(os.path.join(folder, "stage_statistics.csv"),
                  ("stage", "channels", "height", "width", "mean", "std", "fraction_zero", "max",
                   "multiply_adds_of_one_3x3_conv"),
                  [(row["name"], row["channels"], row["height"], row["width"], row["mean"], row["std"],
                    row["fraction_zero"], row["max"], costs.get(row["name"], "")) for row in stage_rows]),
        write_csv(os.path.join(folder, "first_conv_filters.csv"),
                  ("filter", "in_channel", "row", "column", "weight", "weight_at_init"),
                  [(k, c, i, j, weights[k, c, i, j], "" if initial is None else initial[k, c, i, j])
                   for k, c, i, j in np.ndindex(*weights.shape)]),
    ]
    class_name = dataset.class_names[label] if dataset.class_names else str(label)
    predicted_name = dataset.class_names[predicted] if dataset.class_names else str(predicted)
    display = _display_image(x[0].astype(np.float64), dataset)
    shown = int(chosen["channels_shown"])
    change = _filter_change(weights, initial)
    figures, readings = [], {}
    for language in asked:
        text = TEXT[language]
        figures.append(os.path.join(folder, figure_file("first_conv_filters.png", language)))
        _plot_filters(figures[-1], weights, initial, language)
        figures.append(os.path.join(folder, figure_file("feature_maps.png", language)))
        _plot_maps(figures[-1], display, stages, shown, text["maps_suptitle"].format(
            index=index, label=class_name, predicted=predicted_name, probability=probabilities[predicted],
            shown=chosen["channels_shown"]), language)
    numbers = {"source": TEXT["en"][source[0]].format(**source[1]), "image_index": index, "label": label,
               "predicted": predicted, "probability": float(probabilities[predicted]), "stages": stage_rows,
               "conv_multiply_adds_per_stage": costs, "first_conv_shape": list(weights.shape),
               "first_conv_change": change, "source_kind": source[0], "source_options": source[1],
               "picked": picked, "label_name": class_name, "predicted_name": predicted_name}
    found = findings(numbers)
    readings = {language: render(found, language) for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
