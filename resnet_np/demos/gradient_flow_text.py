"""The words of demo `gradient-flow` (resnet_np/demos/gradient_flow.py): its figures' TEXT and its readings.

English (the original text, unchanged) and Korean; the numbers come from the demo, the words from here.
"""

import numpy as np

from ..language import figure_file
from .common import model_label, orders_of_magnitude

TEXT = {  # the figures' words, per language
    "en": {
        "with_bn": "with BatchNorm (train mode)", "without_bn": "WITHOUT BatchNorm",
        "block_label": "{model}: ratio {ratio:.3g}",
        "block_xlabel": "block index (1 = next to the input -> last = next to the output)",
        "block_ylabel": "||dL/d(block output)|| / same at last block\n(log scale, no unit)",
        "block_title": "Gradient size at every block at initialisation, {bn}",
        "block_legend": "model: first/last ratio",
        "residual": "residual (ResNet)", "plain": "plain (no shortcuts)", "one": "ratio 1 (same size everywhere)",
        "ratio_xlabel": "depth (weighted layers)",
        "ratio_ylabel": "gradient norm, first block / last block\n(log scale)",
        "ratio_title": "First-to-last gradient ratio against depth, {bn}",
        "conv_xlabel": "conv layer index (1 = first conv, next to the input)",
        "conv_ylabel": "||dL/dW|| of the conv's weights\n(log scale)",
        "conv_title": "Weight-gradient norm of every conv layer, {bn}",
    },
    "ko": {
        "with_bn": "배치 정규화 있음 (훈련 모드)", "without_bn": "배치 정규화 없음",
        "block_label": "{model}: 비율 {ratio:.3g}",
        "block_xlabel": "블록 번호 (1 = 입력 쪽, 마지막 = 출력 쪽)",
        "block_ylabel": "||dL/d(블록 출력)|| (마지막 블록 = 1)\n(로그 눈금, 단위 없음)",
        "block_title": "초기화 직후 블록별 기울기 크기, {bn}",
        "block_legend": "모델: 첫/마지막 블록 비율",
        "residual": "잔차 신경망 (ResNet)", "plain": "플레인 신경망 (지름길 없음)",
        "one": "비율 1 (모든 블록에서 같은 크기)",
        "ratio_xlabel": "깊이 (가중치 층 수)",
        "ratio_ylabel": "기울기 크기, 첫 블록 / 마지막 블록\n(로그 눈금)",
        "ratio_title": "깊이에 따른 첫/마지막 블록 기울기 비율, {bn}",
        "conv_xlabel": "합성곱 층 번호 (1 = 입력 쪽 첫 합성곱)",
        "conv_ylabel": "합성곱 가중치의 ||dL/dW||\n(로그 눈금)",
        "conv_title": "합성곱 층별 가중치 기울기 크기, {bn}",
    },
}


def _verdict(ratio):
    """Plain words for a first/last gradient-norm ratio."""
    if ratio >= 100:
        return f"the gradient EXPLODES toward the input ({orders_of_magnitude(ratio):.1f} orders of magnitude)"
    if ratio <= 0.01:
        return f"the gradient VANISHES toward the input ({orders_of_magnitude(ratio):.1f} orders of magnitude)"
    if 0.1 <= ratio <= 10:
        return "stays within one order of magnitude"
    direction = "grows" if ratio > 1 else "shrinks"
    return f"{direction} toward the input, but stays within two orders of magnitude"


def _reading(runs, depths, batchnorm):
    deepest = max(depths)
    lines = [f"Gradient flow at initialisation ({'with' if batchnorm else 'WITHOUT'} BatchNorm): "
             "||dL/d(output of first block)|| / ||dL/d(output of last block)||"]
    for depth in depths:
        for residual in (False, True):
            ratio = runs[(depth, residual)]["ratio"]
            lines.append(f"  {model_label(depth, residual):>9}: {ratio:10.3g}  - {_verdict(ratio)}")
    plain, residual = runs[(deepest, False)]["ratio"], runs[(deepest, True)]["ratio"]
    gap = orders_of_magnitude(plain) - orders_of_magnitude(residual)
    if gap >= 1:
        lines.append(f"At depth {deepest} the plain net's ratio is {gap:.1f} orders of magnitude further from 1 "
                     "than the residual net's: the shortcuts keep the gradient's size nearly the same at every "
                     "block.")
    elif gap <= -1:
        lines.append(f"At depth {deepest} the RESIDUAL net's ratio is {-gap:.1f} orders of magnitude further from "
                     "1 than the plain net's.")
    else:
        lines.append(f"At depth {deepest} plain and residual ratios are within one order of magnitude of each "
                     "other.")
    if batchnorm and plain > 10:
        lines.append("So with BatchNorm the deep plain net does NOT suffer from vanishing gradients: they grow "
                     "toward the input. The paper (section 4.1) says the same - BN keeps the signals of its plain "
                     "nets healthy - and calls the degradation of deep plain nets an optimisation difficulty.")
    if plain < 0.1:
        strength = "the textbook 'vanishing gradient'" if plain < 0.01 else "a mild vanishing gradient"
        lines.append(f"Here the deep plain net's gradient shrinks toward the input ({plain:.2g} of its size at the "
                     f"end): {strength}" + (", even with BatchNorm." if batchnorm else
                                            " - the regime BatchNorm prevents."))
    if not batchnorm and residual > 10 * max(plain, 1):
        lines.append("Without BatchNorm nothing rescales the residual sum x + F(x): its variance roughly doubles "
                     "at every block, forward and backward, so the residual net's gradient explodes. This is why "
                     "ResNets pair shortcuts with BatchNorm (or a careful initialisation).")
    lines += _weight_gradient_reading(runs, deepest, batchnorm)
    return "\n".join(lines)


def _weight_gradient_reading(runs, deepest, batchnorm):
    """What weight_gradients.png shows: ||dL/dW|| of every conv, and why it can differ from the block gradients."""
    plain, residual = runs[(deepest, False)], runs[(deepest, True)]
    level = {r: float(np.median(runs[(deepest, r)]["conv_grad_norms"])) for r in (False, True)}
    lines = [f"weight_gradients.png shows ||dL/dW|| of every conv layer. dL/dW = sum over all positions of (the "
             "conv's input) x (the gradient at its output), so it follows the block gradients above only where "
             "the activations keep one size. First conv / last conv at depth "
             f"{deepest}: plain {plain['conv_ratio']:.3g}, residual {residual['conv_ratio']:.3g}."]
    if batchnorm:
        lines.append("With BatchNorm every conv's input has about the same size (BN-ReLU output), so the weight "
                     "gradients repeat the picture of the block gradients: the plain net's grow toward the input "
                     "(its first layers would get the largest updates), the ResNet's stay within a small factor.")
    else:
        spread = max(orders_of_magnitude(plain["conv_ratio"]), orders_of_magnitude(residual["conv_ratio"]))
        blocks = max(orders_of_magnitude(plain["ratio"]), orders_of_magnitude(residual["ratio"]))
        if spread < blocks - 1:
            lines.append(f"Without BatchNorm the weight gradients change far less from the first conv to the last "
                         f"(within {spread:.1f} orders of magnitude) than the block gradients do (up to "
                         f"{blocks:.1f}): no contradiction. dL/dW multiplies a conv's input by the gradient at its "
                         "output, and without BN the two change in opposite directions along the depth: in the "
                         "ResNet the activations grow toward the OUTPUT (variance x2 per block) as the gradients "
                         "grow toward the INPUT; in the plain net the activations shrink toward the output as the "
                         "gradients shrink toward the input. The product stays about the same at every layer.")
        lines.append(f"What differs is the level: median ||dL/dW|| {level[True]:.3g} in the ResNet vs "
                     f"{level[False]:.3g} in the plain net at depth {deepest} - without BN the deep ResNet's every "
                     "layer would get an enormous update, the plain net's a tiny one.")
    return lines



def _verdict_ko(ratio):
    """첫 블록 / 마지막 블록 기울기 비율을 말로."""
    if ratio >= 100:
        return f"기울기 폭주: 입력 쪽으로 갈수록 크게 불어남 (자릿수 {orders_of_magnitude(ratio):.1f}만큼)"
    if ratio <= 0.01:
        return f"기울기 소실: 입력 쪽으로 갈수록 크게 줄어듦 (자릿수 {orders_of_magnitude(ratio):.1f}만큼)"
    if 0.1 <= ratio <= 10:
        return "한 자릿수(10배) 안에 머묾"
    direction = "커지지만" if ratio > 1 else "작아지지만"
    return f"입력 쪽으로 갈수록 {direction} 두 자릿수(100배) 안에 머묾"


def _reading_ko(runs, depths, batchnorm):
    deepest = max(depths)
    lines = [f"초기화 직후의 기울기 흐름 ({'배치 정규화 있음' if batchnorm else '배치 정규화를 모두 뺀 경우'}): "
             "||dL/d(첫 블록 출력)|| / ||dL/d(마지막 블록 출력)||"]
    for depth in depths:
        for residual in (False, True):
            ratio = runs[(depth, residual)]["ratio"]
            lines.append(f"  {model_label(depth, residual):>9}: {ratio:10.3g}  - {_verdict_ko(ratio)}")
    plain, residual = runs[(deepest, False)]["ratio"], runs[(deepest, True)]["ratio"]
    gap = orders_of_magnitude(plain) - orders_of_magnitude(residual)
    if gap >= 1:
        lines.append(f"깊이 {deepest}에서 플레인 신경망의 비율은 잔차 신경망의 비율보다 1에서 자릿수 {gap:.1f}만큼 더 "
                     "멀리 떨어져 있습니다. 지름길 덕분에 기울기의 크기가 모든 블록에서 거의 같게 유지됩니다.")
    elif gap <= -1:
        lines.append(f"깊이 {deepest}에서는 오히려 잔차 신경망의 비율이 플레인 신경망의 비율보다 1에서 자릿수 "
                     f"{-gap:.1f}만큼 더 멀리 떨어져 있습니다.")
    else:
        lines.append(f"깊이 {deepest}에서 플레인 신경망과 잔차 신경망의 비율은 서로 한 자릿수 안에 있습니다.")
    if batchnorm and plain > 10:
        lines.append("따라서 배치 정규화가 있으면 깊은 플레인 신경망은 기울기 소실을 겪지 않습니다. 오히려 "
                     "기울기가 입력 쪽으로 갈수록 커집니다. 논문(4.1절)도 같은 말을 합니다. 배치 정규화가 플레인 "
                     "신경망의 신호를 건강하게 지켜 주며, 깊은 플레인 신경망의 퇴화는 최적화의 어려움이라고 봅니다.")
    if plain < 0.1:
        strength = "교과서가 말하는 '기울기 소실'" if plain < 0.01 else "약한 기울기 소실"
        lines.append(f"여기서는 깊은 플레인 신경망의 기울기가 입력 쪽으로 갈수록 작아집니다(마지막 블록의 "
                     f"{plain:.2g}배). "
                     + (f"{strength}이며, 배치 정규화가 있는데도 그렇습니다." if batchnorm else
                        f"{strength}로, 배치 정규화가 막아 주는 상황입니다."))
    if not batchnorm and residual > 10 * max(plain, 1):
        lines.append("배치 정규화가 없으면 잔차 합 x + F(x)의 크기를 다시 맞춰 주는 것이 없습니다. 순전파에서도 "
                     "역전파에서도 블록마다 분산이 대략 두 배가 되므로 잔차 신경망의 기울기가 폭주합니다. ResNet이 "
                     "지름길을 배치 정규화(또는 신중한 초기화)와 함께 쓰는 이유입니다.")
    lines += _weight_gradient_reading_ko(runs, deepest, batchnorm)
    return "\n".join(lines)


def _weight_gradient_reading_ko(runs, deepest, batchnorm):
    """weight_gradients.ko.png가 보여 주는 것: 합성곱마다의 ||dL/dW||, 그리고 블록 기울기와 다를 수 있는 이유."""
    plain, residual = runs[(deepest, False)], runs[(deepest, True)]
    level = {r: float(np.median(runs[(deepest, r)]["conv_grad_norms"])) for r in (False, True)}
    lines = [f"합성곱 층마다의 ||dL/dW||는 {figure_file('weight_gradients.png', 'ko')}에 있습니다. dL/dW는 모든 "
             "위치에 걸쳐 (합성곱의 입력) x (출력에서의 기울기)를 더한 것이므로, 활성값의 크기가 일정한 곳에서만 위의 "
             f"블록 기울기를 따라갑니다. 깊이 {deepest}에서 첫 합성곱 / 마지막 합성곱: 플레인 "
             f"{plain['conv_ratio']:.3g}, 잔차 {residual['conv_ratio']:.3g}."]
    if batchnorm:
        lines.append("배치 정규화가 있으면 모든 합성곱의 입력(BN-ReLU 출력)이 비슷한 크기이므로, 가중치 기울기도 블록 "
                     "기울기와 같은 모습을 보입니다. 플레인 신경망의 가중치 기울기는 입력 쪽으로 갈수록 커지고(첫 "
                     "층들이 가장 큰 갱신을 받게 됩니다), ResNet의 가중치 기울기는 작은 배수 안에 머뭅니다.")
    else:
        spread = max(orders_of_magnitude(plain["conv_ratio"]), orders_of_magnitude(residual["conv_ratio"]))
        blocks = max(orders_of_magnitude(plain["ratio"]), orders_of_magnitude(residual["ratio"]))
        if spread < blocks - 1:
            lines.append(f"배치 정규화가 없으면 가중치 기울기는 첫 합성곱에서 마지막 합성곱까지 자릿수 "
                         f"{spread:.1f} 안에서 변해, 블록 기울기(최대 자릿수 {blocks:.1f})보다 훨씬 적게 "
                         "변합니다. 모순이 아닙니다. dL/dW는 합성곱의 입력에 출력에서의 기울기를 곱한 것인데, "
                         "배치 정규화가 없으면 이 둘이 깊이를 따라 서로 반대 방향으로 변합니다. ResNet에서는 "
                         "기울기가 입력 쪽으로 커지는 동안 활성값은 거꾸로 출력 쪽으로 커지고(블록마다 분산 x2), "
                         "플레인 신경망에서는 기울기가 입력 쪽으로 작아지는 동안 활성값은 출력 쪽으로 작아집니다. "
                         "그래서 둘의 곱은 모든 층에서 거의 같습니다.")
        lines.append(f"다른 것은 수준입니다. 깊이 {deepest}에서 ||dL/dW||의 중앙값은 ResNet {level[True]:.3g}, 플레인 "
                     f"신경망 {level[False]:.3g}입니다. 배치 정규화가 없으면 깊은 ResNet은 모든 층이 엄청나게 큰 "
                     "갱신을, 플레인 신경망은 아주 작은 갱신을 받게 됩니다.")
    return lines


READINGS = {"en": _reading, "ko": _reading_ko}
