"""The words of demo `feature-maps` (resnet_np/demos/feature_maps.py): its figures' TEXT and its READINGS, per
language (resnet_np/language.py)."""

TEXT = {
    "en": {
        "source_trained": "cifar_resnet depth {depth} (widths {widths}) trained {epochs} epoch(s) on the digits at "
                          "{size}x{size}, test error {error:.1f}%",
        "source_loaded": "{architecture} loaded from {checkpoint}",
        "picked_given": "", "picked_right": " (the first test image the model gets right)",
        "picked_none": " (the model gets none of the first test images right)",
        "at_init": "at initialisation (random)", "after_training": "after training", "filter": "filter {index}",
        "weight_colorbar": "weight value (red +, blue -)", "channel_mean": " (mean over input channels)",
        "filters_suptitle": "First conv layer: {count} filters of {kh}x{kw} pixels, {in_channels} input channel(s)",
        "before_after": ", before and after training", "input_image": "input image", "channel": "channel {index}",
        "maps_colorbar": "activation, scaled to each map's range (0 = its min, 1 = its max)",
        "maps_suptitle": "Feature maps of test image {index} (a '{label}', predicted '{predicted}' with "
                         "p = {probability:.2f}); first {shown} channels of each stage",
    },
    "ko": {
        "source_trained": "cifar_resnet 깊이 {depth} (폭 {widths}), {size}x{size} 손글씨 숫자로 {epochs}에포크 훈련, "
                          "테스트 오차 {error:.1f}%",
        "source_loaded": "{checkpoint}에서 불러온 {architecture}",
        "picked_given": "", "picked_right": "(모델이 맞힌 첫 테스트 이미지)",
        "picked_none": "(모델이 앞쪽 테스트 이미지를 하나도 맞히지 못함)",
        "at_init": "초기화 직후 (무작위)", "after_training": "훈련 후", "filter": "필터 {index}",
        "weight_colorbar": "가중치 값 (빨강 +, 파랑 -)", "channel_mean": ", 입력 채널의 평균",
        "filters_suptitle": "첫 합성곱 층: {kh}x{kw} 픽셀 필터 {count}개, 입력 채널 {in_channels}개",
        "before_after": ", 훈련 전과 후", "input_image": "입력 이미지", "channel": "채널 {index}",
        "maps_colorbar": "활성값 (맵마다 0 = 최솟값, 1 = 최댓값으로 맞춤)",
        "maps_suptitle": "테스트 이미지 {index}의 특징 맵 (정답 '{label}', 예측 '{predicted}', p = {probability:.2f}); "
                         "스테이지마다 앞쪽 채널 {shown}개",
    },
}


def _filter_change_en(change):
    if change is None:
        return " (Its initial weights are not known for this file, so only the trained filters are shown.)"
    correlation = change["correlation"]
    verdict = ("mostly the random start, rescaled and refined" if correlation > 0.7 else
               "reshaped well beyond the random start" if correlation < 0.4 else "partly reshaped")
    return (f" Compared with their random start (top rows of the figure): norm x{change['norm_ratio']:.2f}, "
            f"correlation with the initial weights {correlation:.2f} ({verdict}); ||W - W0|| / ||W0|| = "
            f"{change['relative_change']:.2f}.")


def _filter_change_ko(change):
    if change is None:
        return " 이 파일로는 초기 가중치를 알 수 없어서 훈련된 필터만 보여 줍니다."
    correlation = change["correlation"]
    verdict = ("대체로 무작위 시작값의 크기를 바꾸고 다듬은 정도" if correlation > 0.7 else
               "무작위 시작값에서 크게 달라짐" if correlation < 0.4 else "부분적으로 달라짐")
    return (f" 무작위 시작값(그림의 위쪽 줄)과 비교하면 노름(norm)은 x{change['norm_ratio']:.2f}, 초기 가중치와의 "
            f"상관은 {correlation:.2f}({verdict})이고, ||W - W0|| / ||W0|| = {change['relative_change']:.2f}입니다.")


def _reading_en(facts):
    shape = facts["weights_shape"]
    lines = [f"Model: {facts['source']}.",
             f"Test image {facts['index']}{facts['picked']}: a '{facts['label']}', predicted '{facts['predicted']}' "
             f"(probability {facts['probability']:.2f})" + ("." if facts["correct"] else " - a MISTAKE."),
             f"First conv: {shape[0]} filters of {shape[2]}x{shape[3]} on {shape[1]} input channel(s)."
             + _filter_change_en(facts["change"]),
             "Stage outputs for this image (channels x height x width, share of zeros after ReLU):"]
    for row in facts["stages"]:
        lines.append(f"  {row['name']:<7} {row['channels']:>4} x {row['height']:>3} x {row['width']:<3}  "
                     f"{100 * row['fraction_zero']:5.1f}% zeros")
    costs = facts["costs"]
    if len(costs) > 1:
        values = list(costs.values())
        same = max(values) <= 1.3 * min(values)
        lines.append("One 3x3 conv costs " + ", ".join(f"{value:,}" for value in values) + " multiply-adds in "
                     + ", ".join(costs) + (": about the same at every stage - halving the map and doubling the "
                                           "filters keeps the cost per layer (paper, section 3.3)." if same else
                                           ": NOT the same at every stage in this model."))
    return "\n".join(lines)


def _reading_ko(facts):
    shape = facts["weights_shape"]
    lines = [f"모델: {facts['source']}.",
             f"테스트 이미지 {facts['index']}{facts['picked']}: 정답 '{facts['label']}', 예측 '{facts['predicted']}' "
             f"(확률 {facts['probability']:.2f})" + ("." if facts["correct"] else " - 예측이 틀렸습니다."),
             f"첫 합성곱: 입력 채널 {shape[1]}개에 걸친 {shape[2]}x{shape[3]} 필터 {shape[0]}개입니다."
             + _filter_change_ko(facts["change"]),
             "이 이미지에 대한 각 단계의 출력 (채널 x 높이 x 너비, ReLU 뒤 0인 값의 비율):"]
    for row in facts["stages"]:
        lines.append(f"  {row['name']:<7} {row['channels']:>4} x {row['height']:>3} x {row['width']:<3}  "
                     f"0인 값 {100 * row['fraction_zero']:5.1f}%")
    costs = facts["costs"]
    if len(costs) > 1:
        values = list(costs.values())
        same = max(values) <= 1.3 * min(values)
        lines.append("3x3 합성곱 하나의 곱셈-덧셈은 " + ", ".join(costs) + "에서 각각 "
                     + ", ".join(f"{value:,}" for value in values) + "번입니다. "
                     + ("모든 단계에서 거의 같습니다. 맵을 절반으로 줄이고 필터를 두 배로 늘리면 층마다의 계산량이 "
                        "유지됩니다(논문 3.3절)." if same else
                        "이 모델에서는 단계마다 같지 않다는 점에 주의하십시오."))
    return "\n".join(lines)


READINGS = {"en": _reading_en, "ko": _reading_ko}
