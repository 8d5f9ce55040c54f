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
from .lesion import PRESETS as LESION_PRESETS
from .lesion import describe_run, digits_config

NAME = "layer-responses"
DESCRIPTION = ("the paper's Figure 7: std of every block's residual F(x) (BN output before the addition) at "
               "initialisation and after training, plain vs ResNet - smaller in ResNets, not zero")
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
        "order_xlabel": "블록 (단계.번호; 입력 쪽부터 출력 쪽으로)",
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


def _reading(runs, depth, names, settings_text):
    lines = [f"Standard deviation of each block's residual F(x) (its last BatchNorm output, before the addition) "
             f"on the test images, {depth}-layer nets ({settings_text}):"]
    for residual in (False, True):
        run = runs[residual]
        lines.append(f"  {model_label(depth, residual):<9} at initialisation median {run['init_median']:.2f}; "
                     f"after training median {run['median']:.2f}, range {run['min']:.2f} .. {run['max']:.2f} "
                     f"(test error {100 * run['test_error']:.1f}%)")
    plain, resnet = runs[False], runs[True]
    lines.append(f"At initialisation every response has a std of about 1 in both nets ({plain['init_median']:.2f}, "
                 f"{resnet['init_median']:.2f}): BatchNorm normalises and its scale gamma starts at 1.")
    smaller = sum(resnet["trained"][name] < plain["trained"][name] for name in names)
    if resnet["median"] < plain["median"]:
        lines.append(f"After training the ResNet's responses are smaller than the plain net's, as in the paper's "
                     f"Figure 7: median {resnet['median']:.2f} vs {plain['median']:.2f}, smaller in {smaller} of "
                     f"{len(names)} blocks" + (" - but only slightly at this size." if resnet["median"] >
                                               0.8 * plain["median"] else "."))
    else:
        lines.append(f"Unlike the paper's Figure 7, the ResNet's responses were NOT smaller here (median "
                     f"{resnet['median']:.2f} vs plain {plain['median']:.2f}; smaller in {smaller} of "
                     f"{len(names)} blocks).")
    change = resnet["median"] / resnet["init_median"]
    if change < 0.9:
        lines.append(f"Training shrank the ResNet's residuals to {change:.0%} of their size at initialisation "
                     f"(median), but none went to zero: the smallest is {resnet['min']:.2f}.")
    else:
        lines.append(f"Training did NOT shrink the ResNet's residuals: their median is {change:.0%} of the size at "
                     f"initialisation, the smallest {resnet['min']:.2f}.")
    lines.append(f"Relative to the signal the shortcut carries, the ResNet's residual is std(F(x)) / std(x) = "
                 f"{resnet['relative_median']:.2f} (median over blocks; {resnet['relative_init_median']:.2f} at "
                 "initialisation): a correction of the same order as x, not a vanishing one.")
    lines.append("So 'F(x) -> 0 as training proceeds' overstates the paper: it reports that the residual functions' "
                 "responses are generally SMALLER than a plain net's (and smaller in deeper ResNets), which "
                 "supports the identity as a good reference (preconditioning) - not that they vanish. A block with "
                 "F(x) = 0 would do nothing at all.")
    return "\n".join(lines)


def _reading_ko(runs, depth, names, settings_text):
    lines = [f"테스트 이미지에서 잰 블록별 잔차 F(x)(덧셈 직전, 블록의 마지막 BN 출력)의 표준편차, {depth}층 "
             f"신경망({settings_text}):"]
    for residual in (False, True):
        run = runs[residual]
        lines.append(f"  {model_label(depth, residual):<9} 초기화 직후 중앙값 {run['init_median']:.2f}; 훈련 후 "
                     f"중앙값 {run['median']:.2f}, 범위 {run['min']:.2f} .. {run['max']:.2f} (테스트 오차 "
                     f"{100 * run['test_error']:.1f}%)")
    plain, resnet = runs[False], runs[True]
    lines.append(f"초기화 직후에는 두 신경망 모두 응답의 표준편차가 약 1입니다({plain['init_median']:.2f}, "
                 f"{resnet['init_median']:.2f}). 배치 정규화가 정규화하고, 그 스케일 γ가 1에서 시작하기 때문입니다.")
    smaller = sum(resnet["trained"][name] < plain["trained"][name] for name in names)
    if resnet["median"] < plain["median"]:
        lines.append(f"훈련 후 ResNet의 응답은 논문의 Figure 7처럼 플레인 신경망보다 작습니다. 중앙값은 "
                     f"{resnet['median']:.2f} 대 {plain['median']:.2f}이고, 블록 {len(names)}개 중 {smaller}개에서 더 "
                     "작습니다" + (". 다만 이 크기에서는 차이가 근소합니다." if resnet["median"] >
                                 0.8 * plain["median"] else "."))
    else:
        lines.append(f"논문의 Figure 7과 달리, 여기서는 ResNet의 응답이 더 작지 않았습니다(중앙값 "
                     f"{resnet['median']:.2f}, 플레인 {plain['median']:.2f}; 블록 {len(names)}개 중 {smaller}개에서 "
                     "더 작음).")
    change = resnet["median"] / resnet["init_median"]
    if change < 0.9:
        lines.append(f"훈련은 ResNet의 잔차를 초기화 직후 크기의 {change:.0%}로 줄였지만(중앙값), 0이 된 것은 하나도 "
                     f"없습니다. 가장 작은 것도 {resnet['min']:.2f}입니다.")
    else:
        lines.append(f"훈련해도 ResNet의 잔차는 줄어들지 않았습니다. 중앙값이 초기화 직후 크기의 {change:.0%}이고, "
                     f"가장 작은 것은 {resnet['min']:.2f}입니다.")
    lines.append(f"지름길이 나르는 신호에 비하면 ResNet의 잔차는 std(F(x)) / std(x) = {resnet['relative_median']:.2f}"
                 f"입니다(블록들의 중앙값; 초기화 직후 {resnet['relative_init_median']:.2f}). 사라져 가는 보정이 "
                 "아니라 x와 같은 자릿수의 보정입니다.")
    lines.append("따라서 '훈련될수록 F(x) -> 0'은 논문을 과장한 말입니다. 논문이 보고한 것은 잔차 함수의 응답이 플레인 "
                 "신경망보다 대체로 더 작다는 것(그리고 더 깊은 ResNet일수록 더 작다는 것)이고, 이는 항등 사상이 좋은 "
                 "기준점이라는 생각(사전 조건화, preconditioning)을 뒷받침합니다. 응답이 사라진다는 뜻이 아닙니다. "
                 "F(x) = 0인 블록은 아무 일도 하지 않습니다.")
    return "\n".join(lines)


READINGS = {"en": _reading, "ko": _reading_ko}


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
                   settings={key: (list(value) if isinstance(value, tuple) else value) for key, value in chosen.items()})
    for residual, run in runs.items():
        numbers[model_label(depth, residual)] = dict(run)
    numbers["resnet_smaller_in_blocks"] = int(sum(runs[True]["trained"][n] < runs[False]["trained"][n]
                                                  for n in names))
    readings = {language: READINGS[language](runs, depth, names, describe_run(chosen, dataset, seed, language))
                for language in asked}
    result = DemoResult(NAME, folder, figures, tables, numbers, seconds=time.perf_counter() - start,
                        readings=readings)
    if verbose:
        print(result)
    return result
