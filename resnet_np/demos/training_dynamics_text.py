"""The words of demo `training-dynamics` (resnet_np/demos/training_dynamics.py): its figures' TEXT and readings.

English (the original text, unchanged) and Korean; the numbers come from the demo, the words from here.
"""

from .common import model_label

TEXT = {  # the figures' words, per language
    "en": {
        "late": "last {window} recorded steps", "step1": "step 1", "rule": "1e-3 (rule of thumb)",
        "block_xlabel": "block (1 = next to the input)",
        "activation_ylabel": "std of the block output", "activation_title": "activations (forward)",
        "gradient_ylabel": "||dL/d(block output)||\nrelative to the last block",
        "gradient_title": "gradients (backward)",
        "conv_xlabel": "conv layer (1 = first conv)", "ratio_ylabel": "update:data ratio ||lr * dL/dW|| / ||W||",
        "ratio_title": "update:data ratio",
        "profiles_suptitle": "Per-layer statistics at the first step and later, {depth} layers "
                             "(later: geometric mean over the last {window} recorded steps)",
        "shortcuts": "shortcuts", "no_shortcuts": "no shortcuts", "step": "training step",
        "heatmap_ylabel": "conv layer (1 = first conv, next to the input)",
        "colorbar": "update:data ratio ||lr * dL/dW|| / ||W|| (log scale)",
        "heatmap_suptitle": "Update:data ratio of every conv layer at every recorded step (cyan mark: 1e-3)",
        "chance": "chance level (ln 10 = 2.30)", "loss_ylabel": "training loss of the batch\n(cross-entropy)",
        "loss_title": "Training loss over the first {steps} steps",
    },
    "ko": {
        "late": "마지막 기록 {window}단계", "step1": "1단계", "rule": "1e-3 (경험칙)",
        "block_xlabel": "블록 (1 = 입력 쪽)",
        "activation_ylabel": "블록 출력의 표준편차", "activation_title": "활성값 (순전파)",
        "gradient_ylabel": "||dL/d(블록 출력)|| (마지막 블록 = 1)",
        "gradient_title": "기울기 (역전파)",
        "conv_xlabel": "합성곱 층 (1 = 첫 합성곱)", "ratio_ylabel": "갱신 비율 ||lr * dL/dW|| / ||W||",
        "ratio_title": "갱신 비율",
        "profiles_suptitle": "첫 단계와 후반의 층별 통계, {depth}층 "
                             "(후반: 마지막 기록 {window}단계의 기하 평균)",
        "shortcuts": "지름길 있음", "no_shortcuts": "지름길 없음", "step": "훈련 단계",
        "heatmap_ylabel": "합성곱 층 (1 = 입력 쪽 첫 합성곱)",
        "colorbar": "갱신 비율 ||lr * dL/dW|| / ||W|| (로그 눈금)",
        "heatmap_suptitle": "기록한 모든 단계의 합성곱 층별 갱신 비율 (청록색 표시: 1e-3)",
        "chance": "무작위로 찍는 수준 (ln 10 = 2.30)", "loss_ylabel": "배치의 훈련 손실 (교차 엔트로피)",
        "loss_title": "처음 {steps}단계의 훈련 손실",
    },
}


def _reading(summaries, depth, chosen, window):
    lines = [f"{chosen['steps']} SGD steps (lr {chosen['lr']:g}, momentum {chosen['momentum']:g}, batch "
             f"{chosen['batch_size']}) of two {depth}-layer nets on the digits, statistics every "
             f"{chosen['record_every']} step(s); 'late' = geometric mean over the last {window} recorded steps. "
             "Update:data ratio = ||lr * dL/dW|| / ||W|| of a conv layer:"]
    for residual in (False, True):
        s = summaries[residual]
        lines.append(f"  {model_label(depth, residual):<9} loss {s['first_loss']:.2f} -> {s['last_loss']:.2f}; "
                     f"ratio at step 1: first conv {s['step1_ratio_first_conv']:.2g}, last conv "
                     f"{s['step1_ratio_last_conv']:.2g}; late: first conv {s['late_ratio_first_conv']:.2g}, last "
                     f"conv {s['late_ratio_last_conv']:.2g}, max/min over layers {s['late_ratio_spread']:.3g}; "
                     f"first conv's |W| grew x{s['weight_growth_first_conv']:.3g}")
    plain, resnet = summaries[False], summaries[True]
    if plain["step1_ratio_first_conv"] > 10 * resnet["step1_ratio_first_conv"]:
        lines.append(f"Step 1: with BatchNorm the plain net's gradient grows toward the input (first/last block "
                     f"{plain['step1_gradient_first_over_last']:.3g}, ResNet "
                     f"{resnet['step1_gradient_first_over_last']:.3g}), so its first layers take steps of "
                     f"{plain['step1_ratio_first_conv']:.2g} times their own size (ResNet: "
                     f"{resnet['step1_ratio_first_conv']:.2g}) - far beyond the healthy ~1e-3.")
    if plain["late_ratio_spread"] > 10 * resnet["late_ratio_spread"]:
        frozen = plain["late_ratio_first_conv"] < 0.1 * plain["late_ratio_last_conv"]
        lines.append(f"Where they differ most: the update:data ratio across layers later on. The plain net's spans a "
                     f"factor {plain['late_ratio_spread']:.3g} from layer to layer, the ResNet's only "
                     f"{resnet['late_ratio_spread']:.3g}."
                     + (f" The plain net's first layers are now nearly FROZEN (ratio "
                        f"{plain['late_ratio_first_conv']:.2g}): the huge early steps inflated their weights "
                        f"(x{plain['weight_growth_first_conv']:.3g}), BatchNorm makes the output blind to that "
                        "scale, and a large |W| shrinks every later relative step - one learning rate cannot suit "
                        "all its layers." if frozen else ""))
    elif plain["late_ratio_spread"] > 2 * resnet["late_ratio_spread"]:
        lines.append(f"Later the plain net's ratios span a factor {plain['late_ratio_spread']:.3g} across layers, "
                     f"the ResNet's {resnet['late_ratio_spread']:.3g}.")
    else:
        lines.append(f"Later the spread of the ratio across layers is similar (plain {plain['late_ratio_spread']:.3g}, "
                     f"ResNet {resnet['late_ratio_spread']:.3g}).")
    for residual in (False, True):
        s = summaries[residual]
        where = ("around the healthy 1e-3" if 3e-4 <= s["median_ratio"] <= 3e-3 else
                 "ABOVE the healthy ~1e-3" if s["median_ratio"] > 3e-3 else "BELOW the healthy ~1e-3")
        lines.append(f"{model_label(depth, residual)}: median update:data ratio over all layers and steps "
                     f"{s['median_ratio']:.2g}, {where}; {100 * s['share_above_1e-2']:.0f}% of layer-steps above "
                     f"1e-2, {100 * s['share_below_1e-5']:.0f}% below 1e-5.")
    if resnet["last_loss"] < plain["last_loss"]:
        lines.append(f"The result: after {chosen['steps']} steps the ResNet's loss is {resnet['last_loss']:.2f}, the "
                     f"plain net's {plain['last_loss']:.2f} (chance level ln 10 = 2.30).")
    return "\n".join(lines)


def _reading_ko(summaries, depth, chosen, window):
    lines = [f"손글씨 숫자 데이터로 {depth}층 신경망 두 개를 SGD로 {chosen['steps']}단계 훈련했습니다(학습률 "
             f"{chosen['lr']:g}, 모멘텀 {chosen['momentum']:g}, 배치 {chosen['batch_size']}). 통계는 "
             f"{chosen['record_every']}단계마다 기록했고, '후반'은 마지막 기록 {window}단계의 기하 평균입니다. "
             "갱신 비율(update:data ratio)은 합성곱 층의 ||lr * dL/dW|| / ||W||입니다."]
    for residual in (False, True):
        s = summaries[residual]
        lines.append(f"  {model_label(depth, residual):<9} 손실 {s['first_loss']:.2f} -> {s['last_loss']:.2f}; "
                     f"1단계의 비율: 첫 합성곱 {s['step1_ratio_first_conv']:.2g}, 마지막 합성곱 "
                     f"{s['step1_ratio_last_conv']:.2g}; 후반: 첫 합성곱 {s['late_ratio_first_conv']:.2g}, "
                     f"마지막 합성곱 {s['late_ratio_last_conv']:.2g}, 층 사이 최대/최소 "
                     f"{s['late_ratio_spread']:.3g}; 첫 합성곱의 |W|가 {s['weight_growth_first_conv']:.3g}배로 커짐")
    plain, resnet = summaries[False], summaries[True]
    if plain["step1_ratio_first_conv"] > 10 * resnet["step1_ratio_first_conv"]:
        lines.append(f"1단계: 배치 정규화가 있으면 플레인 신경망의 기울기는 입력 쪽으로 갈수록 커지므로(첫/마지막 "
                     f"블록 {plain['step1_gradient_first_over_last']:.3g}, ResNet "
                     f"{resnet['step1_gradient_first_over_last']:.3g}), 첫 층들이 한 번에 자기 크기의 "
                     f"{plain['step1_ratio_first_conv']:.2g}배만큼 움직입니다(ResNet: "
                     f"{resnet['step1_ratio_first_conv']:.2g}배). 건강한 값 ~1e-3을 훨씬 넘습니다.")
    if plain["late_ratio_spread"] > 10 * resnet["late_ratio_spread"]:
        frozen = plain["late_ratio_first_conv"] < 0.1 * plain["late_ratio_last_conv"]
        lines.append(f"두 신경망이 가장 크게 다른 곳은 그 뒤 층 사이의 갱신 비율입니다. 플레인 신경망은 층에 따라 "
                     f"{plain['late_ratio_spread']:.3g}배까지 차이가 나고, ResNet은 "
                     f"{resnet['late_ratio_spread']:.3g}배에 그칩니다."
                     + (f" 플레인 신경망의 첫 층들은 이제 사실상 얼어붙었습니다(비율 "
                        f"{plain['late_ratio_first_conv']:.2g}). 처음의 거대한 갱신이 가중치를 "
                        f"{plain['weight_growth_first_conv']:.3g}배로 부풀렸는데, 배치 정규화 때문에 출력은 그 "
                        "크기를 보지 못하고, 커진 |W|는 이후의 상대적인 갱신을 모두 작게 만듭니다. 학습률 하나로는 "
                        "모든 층을 맞출 수 없습니다." if frozen else ""))
    elif plain["late_ratio_spread"] > 2 * resnet["late_ratio_spread"]:
        lines.append(f"그 뒤 플레인 신경망의 비율은 층 사이에서 {plain['late_ratio_spread']:.3g}배, ResNet의 비율은 "
                     f"{resnet['late_ratio_spread']:.3g}배 차이가 납니다.")
    else:
        lines.append(f"그 뒤 층 사이 비율의 폭은 비슷합니다(플레인 {plain['late_ratio_spread']:.3g}배, ResNet "
                     f"{resnet['late_ratio_spread']:.3g}배).")
    for residual in (False, True):
        s = summaries[residual]
        where = ("건강한 값 1e-3 근처입니다" if 3e-4 <= s["median_ratio"] <= 3e-3 else
                 "건강한 값 ~1e-3보다 눈에 띄게 높습니다" if s["median_ratio"] > 3e-3 else
                 "건강한 값 ~1e-3보다 눈에 띄게 낮습니다")
        lines.append(f"{model_label(depth, residual)}: 모든 층과 단계에 걸친 갱신 비율의 중앙값은 "
                     f"{s['median_ratio']:.2g}입니다. {where}. (층, 단계) 쌍의 {100 * s['share_above_1e-2']:.0f}%가 "
                     f"1e-2보다 크고 {100 * s['share_below_1e-5']:.0f}%가 1e-5보다 작습니다.")
    if resnet["last_loss"] < plain["last_loss"]:
        lines.append(f"결과: {chosen['steps']}단계 뒤 ResNet의 손실은 {resnet['last_loss']:.2f}, 플레인 신경망의 "
                     f"손실은 {plain['last_loss']:.2f}입니다(무작위로 찍는 수준은 ln 10 = 2.30).")
    return "\n".join(lines)


READINGS = {"en": _reading, "ko": _reading_ko}
