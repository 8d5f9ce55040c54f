"""The words of demo `lesion` (resnet_np/demos/lesion.py): its figure's TEXT and its READINGS, per language
(resnet_np/language.py)."""

import numpy as np

from .common import model_label

TEXT = {
    "en": {
        "settings": "digits at {size}x{size}, {images} training images, widths {widths}, {epochs} epochs, "
                    "seed {seed}",
        "deleted": "{model}, one block deleted", "intact": "{model} intact ({error:.1f}%)",
        "chance": "chance level (guessing)", "downsampling": "downsampling block\n(replaced by option-A shortcut)",
        "xlabel": "deleted block (stage.index; from the input to the output)", "ylabel": "test error (%)",
        "title": "Deleting one block at test time, depth {depth} (Veit et al. 2016)",
    },
    "ko": {
        "settings": "{size}x{size} 손글씨 숫자, 훈련 이미지 {images}장, 폭 {widths}, {epochs}에포크, 시드 {seed}",
        "deleted": "{model}, 블록 하나 제거", "intact": "{model} 제거 전 ({error:.1f}%)",
        "chance": "무작위로 찍는 수준", "downsampling": "다운샘플링 블록\n(옵션 A 지름길로 대체)",
        "xlabel": "제거한 블록 (스테이지.번호, 입력 쪽에서 출력 쪽으로)", "ylabel": "테스트 오차 (%)",
        "title": "시험 때 블록 하나 제거, 깊이 {depth} (Veit et al. 2016)",
    },
}


def _reading_en(runs, depth, chance, settings_text):
    lines = [f"Deleting one block at a time from two trained {depth}-layer nets ({settings_text}); test error "
             f"with nothing retrained (chance level {100 * chance:.0f}%):"]
    for residual in (False, True):
        run = runs[residual]
        increases = run["increases"]
        worst = max(increases, key=increases.get)
        lines.append(f"  {model_label(depth, residual):<9} intact {100 * run['intact']:5.1f}%; one block deleted: "
                     f"median {100 * run['median_error']:5.1f}% ({100 * run['median_increase']:+.1f} points), worst "
                     f"{100 * run['errors'][worst]:5.1f}% ({worst}), over the {len(increases)} blocks that keep "
                     "the shape")
    plain, resnet = runs[False], runs[True]
    if resnet["median_increase"] < plain["median_increase"]:
        lines.append(f"Deleting a typical block costs the ResNet {100 * resnet['median_increase']:.1f} points of "
                     f"test error and the plain net {100 * plain['median_increase']:.1f} points"
                     + (" - it falls to about chance level" if plain["median_error"] > 0.8 * chance else "")
                     + ". Veit et al. 2016: through its shortcuts a ResNet holds many paths of different lengths "
                       "and acts like an ensemble of them; deleting a block removes only the paths through it. A "
                       "plain net has one path: break any link and every later layer gets inputs it never saw.")
        ordered = [resnet["increases"][name] for name in resnet["increases"]]
        half = len(ordered) // 2
        if half and np.mean(ordered[:half]) > 2 * np.mean(ordered[-half:]) + 0.01:
            lines.append(f"In the ResNet, deleting an early block hurts more (first half of the blocks: "
                         f"{100 * np.mean(ordered[:half]):+.1f} points on average, last half "
                         f"{100 * np.mean(ordered[-half:]):+.1f}): the inputs of all later blocks change.")
    else:
        lines.append(f"At this size the ResNet was NOT more robust ({100 * resnet['median_increase']:.1f} vs "
                     f"{100 * plain['median_increase']:.1f} points for a typical block).")
    if resnet["downsampling"]:
        typical = resnet["median_error"]
        worse = [name for name, value in resnet["downsampling"].items() if value > typical]
        lines.append("Downsampling blocks (stride 2, twice the channels), deleted by keeping only the parameter-free "
                     "option-A shortcut (every second pixel, zero channels appended): ResNet "
                     + ", ".join(f"{name} {100 * value:.1f}%" for name, value in resnet["downsampling"].items())
                     + "; plain " + ", ".join(f"{name} {100 * value:.1f}%"
                                              for name, value in plain["downsampling"].items())
                     + "." + (" They hurt the ResNet more than a typical block: half of the new channels are "
                              "zero without the block's branch (Veit et al. also found downsampling blocks the "
                              "exception)." if worse else ""))
    return "\n".join(lines)


def _reading_ko(runs, depth, chance, settings_text):
    lines = [f"훈련된 {depth}층 신경망 두 개에서 블록을 하나씩 제거하고 아무것도 다시 훈련하지 않은 채 잰 테스트 "
             f"오차 ({settings_text}, 무작위로 찍는 수준 {100 * chance:.0f}%):"]
    for residual in (False, True):
        run = runs[residual]
        increases = run["increases"]
        worst = max(increases, key=increases.get)
        lines.append(f"  {model_label(depth, residual):<9} 제거 전 {100 * run['intact']:5.1f}%; 블록 하나 제거: "
                     f"중앙값 {100 * run['median_error']:5.1f}% ({100 * run['median_increase']:+.1f}%p), 최악 "
                     f"{100 * run['errors'][worst]:5.1f}% ({worst}), 모양이 유지되는 블록 {len(increases)}개 기준")
    plain, resnet = runs[False], runs[True]
    if resnet["median_increase"] < plain["median_increase"]:
        lines.append(f"보통의 블록 하나를 빼면 테스트 오차가 ResNet은 {100 * resnet['median_increase']:.1f}%p, "
                     f"플레인 신경망은 {100 * plain['median_increase']:.1f}%p 오릅니다"
                     + (". 플레인 신경망은 거의 무작위로 찍는 수준까지 무너집니다"
                        if plain["median_error"] > 0.8 * chance else "")
                     + ". Veit et al. 2016의 설명은 이렇습니다. ResNet은 지름길 덕분에 길이가 다른 여러 경로를 "
                       "품고 있어서 그 경로들의 앙상블처럼 동작하고, 블록 하나를 빼면 그 블록을 지나는 경로만 "
                       "사라집니다. 플레인 신경망은 경로가 하나뿐이어서, 어느 고리 하나만 끊어도 그 뒤의 모든 층이 "
                       "한 번도 본 적 없는 입력을 받습니다.")
        ordered = [resnet["increases"][name] for name in resnet["increases"]]
        half = len(ordered) // 2
        if half and np.mean(ordered[:half]) > 2 * np.mean(ordered[-half:]) + 0.01:
            lines.append(f"ResNet에서는 앞쪽 블록을 뺄 때 더 크게 나빠집니다(앞쪽 절반의 블록은 평균 "
                         f"{100 * np.mean(ordered[:half]):+.1f}%p, 뒤쪽 절반은 "
                         f"{100 * np.mean(ordered[-half:]):+.1f}%p). 뒤에 오는 모든 블록의 입력이 바뀌기 때문입니다.")
    else:
        lines.append(f"이 크기에서는 예상과 달리 ResNet이 더 튼튼하지 않았습니다(보통의 블록 하나에 "
                     f"{100 * resnet['median_increase']:.1f}%p 대 {100 * plain['median_increase']:.1f}%p).")
    if resnet["downsampling"]:
        typical = resnet["median_error"]
        worse = [name for name, value in resnet["downsampling"].items() if value > typical]
        lines.append("다운샘플링 블록(스트라이드 2, 채널 두 배)은 매개변수가 없는 옵션 A 지름길(두 칸마다 한 픽셀을 "
                     "취하고 0인 채널을 덧붙임)만 남겨서 제거했습니다. ResNet "
                     + ", ".join(f"{name} {100 * value:.1f}%" for name, value in resnet["downsampling"].items())
                     + "; 플레인 " + ", ".join(f"{name} {100 * value:.1f}%"
                                              for name, value in plain["downsampling"].items())
                     + "." + (" 이 블록들은 보통의 블록보다 ResNet을 더 크게 해칩니다. 블록의 잔차 가지가 없으면 새 "
                              "채널의 절반이 0이기 때문입니다(Veit et al.도 다운샘플링 블록을 예외로 보고했습니다)."
                              if worse else ""))
    return "\n".join(lines)


READINGS = {"en": _reading_en, "ko": _reading_ko}
