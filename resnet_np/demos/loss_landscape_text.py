"""The words of demo `loss-landscape` (resnet_np/demos/loss_landscape.py): its figures' TEXT and its READINGS, per
language (resnet_np/language.py)."""

import numpy as np

from .common import model_label

TEXT = {
    "en": {
        "line_label": "{model} (loss {centre:.3f} at the weights)",
        "line_xlabel": "step along a random filter-normalised direction\n"
                       "(1 = as large as the weights, filter by filter)",
        "line_ylabel": "training loss (cross-entropy, log scale)",
        "line_title": "1-D slice of the loss around the trained weights, depth {depth}",
        "star": "trained weights", "xlabel": "step along direction 1", "ylabel": "step along direction 2",
        "shortcuts": "shortcuts", "no_shortcuts": "no shortcuts",
        "panel_title": "{model} ({shortcuts}): loss {centre:.3g} at the star",
        "colorbar": "training loss (cross-entropy, log colour scale;\nthe same levels in both panels)",
        "suptitle": "2-D slices of the training loss, depth {depth} (filter-normalised directions)",
    },
    "ko": {
        "line_label": "{model} (가중치 위치의 손실 {centre:.3f})",
        "line_xlabel": "필터 정규화된 무작위 방향으로의 이동 (1 = 필터마다 가중치만큼)",
        "line_ylabel": "훈련 손실 (교차 엔트로피, 로그 눈금)",
        "line_title": "훈련된 가중치 주변 손실의 1차원 단면, 깊이 {depth}",
        "star": "훈련된 가중치", "xlabel": "방향 1로의 이동", "ylabel": "방향 2로의 이동",
        "shortcuts": "지름길 있음", "no_shortcuts": "지름길 없음",
        "panel_title": "{model} ({shortcuts}): 별 위치의 손실 {centre:.3g}",
        "colorbar": "훈련 손실 (교차 엔트로피, 로그 색 눈금, 두 그림 공통)",
        "suptitle": "훈련 손실의 2차원 단면, 깊이 {depth} (필터 정규화된 방향)",
    },
}


def _reading_en(runs, depth, levels_top, chance_loss):
    lines = [f"Training loss around the trained weights of two {depth}-layer nets (filter-normalised random "
             "directions; distance 1 = a step as large as the weights themselves, filter by filter):"]
    for residual in (False, True):
        run = runs[residual]
        lines.append(f"  {model_label(depth, residual):<9} loss {run['centre']:.3f} at the weights, "
                     f"{run['mean_at_half']:.3f} on average at distance 0.5, {run['mean_at_edge']:.3g} at "
                     f"distance 1; 1-D slice changes direction {run['direction_changes']} time(s); "
                     f"{run['local_minima']} local minim{'um' if run['local_minima'] == 1 else 'a'} on the 2-D grid")
    plain, residual = runs[False], runs[True]
    if plain["centre"] > 0.5 * chance_loss > residual["centre"]:
        # A net stuck near chance sits on a high plateau: a small rise around it is not the good kind of flatness.
        lines.append(f"The plain net barely trained: its loss at the weights, {plain['centre']:.2f}, is "
                     f"{plain['centre'] / chance_loss:.0%} of chance level (ln {round(np.exp(chance_loss))} = "
                     f"{chance_loss:.2f}), so it sits on a high plateau, while the residual net "
                     f"({residual['centre']:.3f}) sits in a basin. Compare the rises below with that in mind.")
    rise_plain = plain["mean_at_half"] - plain["centre"]
    rise_residual = residual["mean_at_half"] - residual["centre"]
    if rise_plain > 1.5 * rise_residual and plain["local_minima"] >= residual["local_minima"]:
        lines.append(f"The plain net sits in a sharper, rougher region: at distance 0.5 its loss rises by "
                     f"{rise_plain:.2f}, the residual net's by {rise_residual:.2f}. Li et al. saw the same - the "
                     "shortcuts keep the landscape smooth and nearly convex around the solution.")
    elif rise_residual > 1.5 * rise_plain:
        lines.append(f"Here the RESIDUAL net's loss rises faster around its weights ({rise_residual:.2f} vs "
                     f"{rise_plain:.2f} at distance 0.5): the contrast of Li et al. did not show at this size.")
    else:
        lines.append(f"Both landscapes look alike at this size (rise at distance 0.5: plain {rise_plain:.2f}, "
                     f"residual {rise_residual:.2f}); Li et al.'s contrast grows with depth (56 and 110 layers).")
    if plain["centre"] > 2 * residual["centre"] + 0.05:
        lines.append(f"Note the plain net also trained worse (loss {plain['centre']:.3f} vs "
                     f"{residual['centre']:.3f}): it ended in a higher, more chaotic region.")
    lines.append(f"(Both panels share one logarithmic colour scale and the same labelled contour levels; losses "
                 f"above {levels_top:.3g} are drawn in the top colour.)")
    return "\n".join(lines)


def _reading_ko(runs, depth, levels_top, chance_loss):
    lines = [f"{depth}층 신경망 두 개의 훈련된 가중치 주변에서 잰 훈련 손실 (필터 정규화된 무작위 방향. 거리 1은 "
             "필터마다 가중치 자체만큼 큰 이동):"]
    for residual in (False, True):
        run = runs[residual]
        lines.append(f"  {model_label(depth, residual):<9} 가중치 위치의 손실 {run['centre']:.3f}, 거리 0.5에서 평균 "
                     f"{run['mean_at_half']:.3f}, 거리 1에서 {run['mean_at_edge']:.3g}; 1차원 단면에서 방향이 "
                     f"바뀐 횟수 {run['direction_changes']}번; 2차원 격자의 국소 최솟값 {run['local_minima']}개")
    plain, residual = runs[False], runs[True]
    if plain["centre"] > 0.5 * chance_loss > residual["centre"]:
        lines.append(f"플레인 신경망은 거의 훈련되지 않았습니다. 가중치 위치의 손실({plain['centre']:.2f})이 무작위로 "
                     f"찍는 수준(ln {round(np.exp(chance_loss))} = {chance_loss:.2f})의 "
                     f"{plain['centre'] / chance_loss:.0%}이므로 높은 고원 위에 있고, 잔차 신경망"
                     f"({residual['centre']:.3f})은 그릇 모양의 바닥에 있습니다. 아래의 상승 폭은 이 점을 염두에 "
                     "두고 비교하십시오.")
    rise_plain = plain["mean_at_half"] - plain["centre"]
    rise_residual = residual["mean_at_half"] - residual["centre"]
    if rise_plain > 1.5 * rise_residual and plain["local_minima"] >= residual["local_minima"]:
        lines.append(f"플레인 신경망이 더 가파르고 울퉁불퉁한 곳에 있습니다. 거리 0.5에서 손실이 플레인 신경망은 "
                     f"{rise_plain:.2f}, 잔차 신경망은 {rise_residual:.2f} 오릅니다. Li et al.도 같은 것을 "
                     "보았습니다. 지름길이 해 주변의 지형을 매끄럽고 거의 볼록하게 유지합니다.")
    elif rise_residual > 1.5 * rise_plain:
        lines.append(f"이 크기에서는 오히려 잔차 신경망의 손실이 가중치 주변에서 더 빨리 오릅니다(거리 0.5에서 "
                     f"{rise_residual:.2f} 대 {rise_plain:.2f}). Li et al.이 본 대비가 이 크기에서는 나타나지 "
                     "않았습니다.")
    else:
        lines.append(f"이 크기에서는 두 지형이 비슷해 보입니다(거리 0.5에서의 상승: 플레인 {rise_plain:.2f}, 잔차 "
                     f"{rise_residual:.2f}). Li et al.의 대비는 깊어질수록(56층, 110층) 커집니다.")
    if plain["centre"] > 2 * residual["centre"] + 0.05:
        lines.append(f"플레인 신경망은 훈련도 더 못 했다는 점에 주의하십시오(손실 {plain['centre']:.3f} 대 "
                     f"{residual['centre']:.3f}). 더 높고 더 울퉁불퉁한 영역에서 훈련이 끝났습니다.")
    lines.append(f"(두 그림은 같은 로그 색 눈금과 같은 등고선 값을 씁니다. {levels_top:.3g}보다 큰 손실은 맨 위의 "
                 "색으로 그렸습니다.)")
    return "\n".join(lines)


READINGS = {"en": _reading_en, "ko": _reading_ko}
